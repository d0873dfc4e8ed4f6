//! Author-written Markdown (descriptions, fix steps, questions) made safe for pages and for
//! Markdown documents, and the link rule every renderer follows.
//!
//! HTML: pulldown-cmark renders, then ammonia sanitises — no script, no event-handler
//! attribute, no style, and links only to `http`, `https`, `mailto` or a relative address.
//! Markdown output keeps the author's text as written except for what would become markup
//! downstream: raw HTML is turned into visible text and links with another scheme point
//! nowhere. Plain strings (titles, names, fact values) are never treated as Markdown; the
//! templates escape them ([`escape_text`] for Markdown, tera's autoescape for HTML).

use pulldown_cmark::{Event, Options, Parser, Tag, html};
use std::collections::HashSet;
use std::ops::Range;
use std::sync::LazyLock;

/// The URL schemes a link may use; anything else (`javascript:`, `data:`, `vbscript:`, `file:`)
/// is dropped.
pub const ALLOWED_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

static SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(ALLOWED_SCHEMES))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// For text that sits inside a heading or a paragraph: phrasing elements only, so that a
/// heading or a list the author wrote cannot break the page's structure (their text stays).
static INLINE_SANITISER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .tags(HashSet::from([
            "a", "abbr", "b", "br", "code", "del", "em", "i", "kbd", "s", "samp", "small", "span",
            "strong", "sub", "sup", "u",
        ]))
        .url_schemes(HashSet::from(ALLOWED_SCHEMES))
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"));
    builder
});

/// Markdown → sanitised HTML (block level: paragraphs, lists, code blocks).
#[must_use]
pub fn to_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    SANITISER.clean(&raw).to_string()
}

/// One line of Markdown (a question, a reason) → sanitised inline HTML: phrasing elements
/// only, paragraphs joined by a space.
#[must_use]
pub fn to_inline_html(markdown: &str) -> String {
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options()));
    let joined = raw.replace("</p>\n<p>", " ");
    INLINE_SANITISER.clean(joined.trim()).to_string()
}

/// Whether a link target may be followed: `http`, `https`, `mailto`, or relative (no scheme).
/// Browsers ignore tabs, newlines and leading spaces or control characters in a URL
/// (`java\tscript:`), so those are removed before the scheme is read.
#[must_use]
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String =
        url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let Some(colon) = cleaned.find(':') else { return true };
    let before = &cleaned[..colon];
    // A colon after a path, query or fragment character is not a scheme separator.
    if before.contains(['/', '?', '#']) {
        return true;
    }
    ALLOWED_SCHEMES.iter().any(|scheme| before.eq_ignore_ascii_case(scheme))
}

/// Author Markdown for a Markdown document: the same text, except that raw HTML becomes
/// visible text (`<` written as `&lt;`) and links or images with a forbidden scheme point to
/// `#`. Whatever renders the document later then cannot run anything the author wrote.
#[must_use]
pub fn neutralise(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, options());
    let mut edits: Vec<(Range<usize>, String)> = parser
        .reference_definitions()
        .iter()
        .filter(|(_, def)| !is_safe_url(&def.dest))
        .filter_map(|(_, def)| url_edit(markdown, def.span.clone(), &def.dest))
        .collect();
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Html(text) | Event::InlineHtml(text) => {
                if let Some(start) = markdown.get(range.clone()).and_then(|s| s.find(&*text)) {
                    let at = range.start + start;
                    edits.push((at..at + text.len(), text.replace('<', "&lt;")));
                }
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !is_safe_url(&dest_url) =>
            {
                edits.extend(url_edit(markdown, range, &dest_url));
            }
            _ => {}
        }
    }
    edits.sort_by_key(|(range, _)| (range.start, range.end));
    let mut out = String::with_capacity(markdown.len());
    let mut done = 0;
    for (range, replacement) in edits {
        if range.start < done {
            continue; // inside an edit already made
        }
        out.push_str(markdown.get(done..range.start).unwrap_or_default());
        out.push_str(&replacement);
        done = range.end;
    }
    out.push_str(markdown.get(done..).unwrap_or_default());
    out
}

/// Replaces the last occurrence of `url` inside `range` (the destination comes last in a
/// link) with `#`.
fn url_edit(markdown: &str, range: Range<usize>, url: &str) -> Option<(Range<usize>, String)> {
    if url.is_empty() {
        return None;
    }
    let within = markdown.get(range.clone())?;
    let at = range.start + within.rfind(url)?;
    Some((at..at + url.len(), "#".to_string()))
}

/// Plain text for a Markdown document: characters Markdown would read as markup are
/// backslash-escaped, `<` and `>` written as entities, line breaks folded into spaces.
#[must_use]
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_formatting_and_drops_scripts_and_handlers() {
        let html = to_html(
            "1. Open **certlm.msc**\n2. Run `x`\n\n<script>alert(1)</script><img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>certlm.msc</strong>"), "{html}");
        assert!(html.contains("<code>x</code>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn links_only_with_allowed_schemes() {
        let html = to_html(
            "[a](javascript:alert(1)) [b](https://learn.microsoft.com) [c](data:text/html,x) [d](../fixes/x.html)",
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("href=\"https://learn.microsoft.com\""), "{html}");
        assert!(html.contains("href=\"../fixes/x.html\""), "{html}");
        assert!(is_safe_url("mailto:help@example.com"));
        assert!(is_safe_url("page.html#x:y"));
        assert!(!is_safe_url("java\tscript:alert(1)"));
        assert!(!is_safe_url(" JavaScript:alert(1)"));
        assert!(!is_safe_url("vbscript:x"));
    }

    #[test]
    fn inline_html_has_no_paragraph() {
        assert_eq!(
            to_inline_html("What is the **Error code**?"),
            "What is the <strong>Error code</strong>?"
        );
    }

    #[test]
    fn neutralised_markdown_renders_no_markup() {
        let source = "Steps:\n\n<script>alert(1)</script>\n\nSee [x](javascript:alert(1)) and \"><img src=x onerror=alert(1)>\n\n[r]: javascript:alert(2)\n\nUse [r] or [ok](https://example.com).";
        let safe = neutralise(source);
        assert!(safe.contains("[ok](https://example.com)"), "{safe}");
        assert!(!safe.contains("javascript:"), "{safe}");
        let rendered = {
            let mut html = String::new();
            html::push_html(&mut html, Parser::new_ext(&safe, options()));
            html
        };
        assert!(!rendered.contains("<script"), "{rendered}");
        assert!(!rendered.contains("<img"), "{rendered}");
        assert!(rendered.contains("&lt;script&gt;"), "{rendered}");
    }

    #[test]
    fn escaped_text_is_not_markup() {
        assert_eq!(escape_text("a *b* <i>\nc"), "a \\*b\\* &lt;i&gt; c");
    }
}
