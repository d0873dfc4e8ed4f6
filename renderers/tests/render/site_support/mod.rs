//! Checks on rendered pages, by parsing them as a browser would (html5ever, through scraper).

#![allow(dead_code, clippy::must_use_candidate, clippy::missing_panics_doc)]

use scraper::{Html, Selector};
use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// The parse errors html5ever's tree builder reports (empty for a valid document).
pub fn parse_errors(html: &str) -> Vec<String> {
    Html::parse_document(html).errors.iter().map(ToString::to_string).collect()
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// Every `id` of a page.
pub fn ids(document: &Html) -> HashSet<String> {
    document.select(&selector("[id]")).filter_map(|e| e.value().id().map(str::to_string)).collect()
}

/// Every `href` and `src` of a page.
pub fn references(document: &Html) -> Vec<String> {
    let mut out = Vec::new();
    for element in document.select(&selector("[href], [src]")) {
        for attribute in ["href", "src"] {
            if let Some(value) = element.value().attr(attribute) {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// What must never be in a page built from untrusted text: script elements (other than the
/// site's own `allowed_scripts`, by `src`), event-handler attributes, `javascript:` (or other
/// non-web) URLs, inline styles, frames, objects, forms posting somewhere.
pub fn markup_injections(document: &Html, allowed_scripts: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for script in document.select(&selector("script")) {
        let src = script.value().attr("src").unwrap_or("");
        let inline = script.text().collect::<String>();
        if !allowed_scripts.contains(&src) || !inline.trim().is_empty() {
            found.push(format!("script element (src {src:?}, text {inline:?})"));
        }
    }
    for tag in ["iframe", "object", "embed", "base", "meta[http-equiv]"] {
        for element in document.select(&selector(tag)) {
            found.push(format!("{tag}: {}", element.html()));
        }
    }
    for element in document.select(&selector("*")) {
        for (name, value) in element.value().attrs() {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with("on") {
                found.push(format!(
                    "event handler {name}={value:?} on <{}>",
                    element.value().name()
                ));
            }
            if lower == "style" && element.value().name() != "svg" {
                found.push(format!("inline style on <{}>", element.value().name()));
            }
            if ["href", "src", "action", "formaction", "xlink:href", "poster", "srcset"]
                .contains(&lower.as_str())
            {
                let cleaned: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme = cleaned
                    .split_once(':')
                    .map(|(s, _)| s)
                    .filter(|s| !s.contains(['/', '?', '#']));
                if let Some(scheme) = scheme
                    && !["http", "https", "mailto"].contains(&scheme)
                {
                    found.push(format!("{name}={value:?} on <{}>", element.value().name()));
                }
            }
        }
    }
    found
}

/// Every HTML file under `root`, relative path → text.
pub fn pages(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// `a/b/../c` → `a/c`; `None` when it climbs out of the root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Every local `href`/`src` of every page that leads to no file, or to no element with the
/// fragment's id; described as "page: link (why)".
pub fn broken_links(root: &Path) -> Vec<String> {
    let pages = pages(root);
    let ids: BTreeMap<&PathBuf, HashSet<String>> =
        pages.iter().map(|(path, text)| (path, ids(&Html::parse_document(text)))).collect();
    let mut broken = Vec::new();
    for (page, text) in &pages {
        let document = Html::parse_document(text);
        for reference in references(&document) {
            let lower = reference.to_ascii_lowercase();
            if lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("mailto:")
            {
                continue;
            }
            let (file, fragment) = match reference.split_once('#') {
                Some((file, fragment)) => (file, Some(fragment)),
                None => (reference.as_str(), None),
            };
            let target = if file.is_empty() {
                Some(page.clone())
            } else {
                normalise(&page.parent().unwrap_or(Path::new("")).join(file))
            };
            let Some(target) = target else {
                broken.push(format!("{}: {reference} (outside the site)", page.display()));
                continue;
            };
            if !root.join(&target).is_file() {
                broken.push(format!(
                    "{}: {reference} (no file {})",
                    page.display(),
                    target.display()
                ));
                continue;
            }
            if let Some(fragment) = fragment
                && !fragment.is_empty()
                && !ids.get(&target).is_some_and(|ids| ids.contains(fragment))
            {
                broken.push(format!(
                    "{}: {reference} (no id {fragment} in {})",
                    page.display(),
                    target.display()
                ));
            }
        }
    }
    broken
}
