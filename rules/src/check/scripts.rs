//! Checking the items that shape generated scripts rather than the ranking: `parameter` (an
//! environment variable the scripts read) and `prelude` (helper code written once for every
//! generated collector or plan).

use super::{Checker, FieldSeen};
use crate::ast::{self, FieldKind, Ident, Place, Shell};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::model::{ParameterDef, PreludeDef, ScriptKind};
use crate::source::Span;

/// The prefix of the variables `triage` itself sets in the scripts it writes.
const RESERVED_PREFIX: &str = "TRIAGE_";

impl Checker {
    pub(super) fn resolve_parameter(&mut self, block: &ast::Block, item_span: Span) {
        let name = &block.name;
        let first = self.model.parameters.iter().find(|p| p.name == name.name).map(|p| p.span);
        if !self.new_script_item("parameter", name, first) {
            return;
        }
        if let Some(reason) = parameter_name_problem(&name.name) {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::InvalidParameterName { name: name.name.clone(), reason },
                    name.span,
                )
                .with_hint(format!(
                    "write it as an environment variable: `{}`",
                    suggested_parameter_name(&name.name)
                )),
            );
        }
        let mut def = ParameterDef {
            name: name.name.clone(),
            title: String::new(),
            description: None,
            places: Vec::new(),
            default: None,
            from: None,
            span: name.span,
        };
        let mut seen = FieldSeen::default();
        let mut has_title = false;
        for field in &block.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => {
                    has_title = true;
                    def.title.clone_from(&t.value);
                }
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::Where(places) => merge_places(&mut def.places, places),
                FieldKind::Default(t) => def.default = Some(t.value.clone()),
                FieldKind::From(fact) => {
                    if let Some(id) = self.lookup_fact(fact) {
                        self.fact_used[id.index()] = true;
                        def.from = Some(id);
                    }
                }
                FieldKind::Allow(names) => self.allow(name.span, names),
                _ => {}
            }
        }
        self.require(has_title, "parameter", name, "title", item_span);
        if def.title.is_empty() {
            def.title.clone_from(&def.name);
        }
        self.model.parameters.push(def);
    }

    pub(super) fn resolve_prelude(&mut self, block: &ast::Block, item_span: Span) {
        let name = &block.name;
        let first = self.model.preludes.iter().find(|p| p.name == name.name).map(|p| p.span);
        if !self.new_script_item("prelude", name, first) {
            return;
        }
        let mut def = PreludeDef {
            name: name.name.clone(),
            title: String::new(),
            description: None,
            used_by: Vec::new(),
            places: Vec::new(),
            scripts: Vec::new(),
            span: name.span,
        };
        let mut seen = FieldSeen::default();
        let mut has_title = false;
        let has_script = block.body.fields.iter().any(|f| matches!(f.kind, FieldKind::Script(_)));
        for field in &block.body.fields {
            self.once(&mut seen, field);
            match &field.kind {
                FieldKind::Title(t) => {
                    has_title = true;
                    def.title.clone_from(&t.value);
                }
                FieldKind::Description(t) => def.description = Some(t.value.clone()),
                FieldKind::Where(places) => merge_places(&mut def.places, places),
                FieldKind::UsedBy(uses) => self.prelude_used_by(&mut def, uses),
                FieldKind::Script(script) if script.shell == Shell::Powershell => {
                    self.error(
                        Diagnostic::new(
                            DiagnosticKind::FieldNotAllowed {
                                field: "script powershell",
                                item: "prelude",
                                allowed: vec!["script bash"],
                            },
                            script.shell_span,
                        )
                        .with_hint("each PowerShell script of a plan or collector runs in its own process, where a prelude cannot reach it: write the helper in the scripts that need it"),
                    );
                }
                FieldKind::Script(script) => {
                    let mut scripts = std::mem::take(&mut def.scripts);
                    self.push_script(&mut scripts, script, "script");
                    def.scripts = scripts;
                }
                FieldKind::Allow(names) => self.allow(name.span, names),
                _ => {}
            }
        }
        self.require(has_title, "prelude", name, "title", item_span);
        if !has_script {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::MissingField {
                        item: "prelude",
                        name: name.name.clone(),
                        field: "script",
                    },
                    name.span,
                )
                .with_hint("add `script bash \"\"\"…\"\"\"` with the helper code"),
            );
        }
        if def.title.is_empty() {
            def.title.clone_from(&def.name);
        }
        if def.used_by.is_empty() {
            def.used_by = vec![ScriptKind::Collector, ScriptKind::Plan];
        }
        self.model.preludes.push(def);
    }

    /// `used_by collector, plan`: the kinds of generated script a prelude goes into.
    fn prelude_used_by(&mut self, def: &mut PreludeDef, uses: &[Ident]) {
        const KINDS: [(&str, ScriptKind); 2] =
            [("collector", ScriptKind::Collector), ("plan", ScriptKind::Plan)];
        for used in uses {
            if let Some((_, kind)) = KINDS.iter().find(|(word, _)| *word == used.name) {
                if !def.used_by.contains(kind) {
                    def.used_by.push(*kind);
                }
                continue;
            }
            self.unknown_reader(
                used,
                &["collector", "plan"],
                "`collector` or `plan`",
                "a prelude goes into collectors (`collector`) and plans (`plan`)",
            );
        }
    }

    /// Reports a second parameter or prelude of the same name; true for a new one.
    fn new_script_item(&mut self, kind: &'static str, name: &Ident, first: Option<Span>) -> bool {
        let Some(first) = first else { return true };
        self.error(super::duplicate_name(kind, name, first));
        false
    }

    /// Warns about parameters that no script mentions.
    pub(super) fn unused_parameters(&mut self) {
        let scripts: Vec<&str> = self
            .model
            .facts
            .iter()
            .flat_map(|f| &f.collect)
            .chain(self.model.symptoms.iter().flat_map(|s| &s.checks))
            .chain(
                self.model.fixes.iter().flat_map(|f| f.run.iter().chain(&f.verify).chain(&f.undo)),
            )
            .chain(self.model.preludes.iter().flat_map(|p| &p.scripts))
            .map(|s| s.code.as_str())
            .collect();
        let unused: Vec<(String, Span)> = self
            .model
            .parameters
            .iter()
            .filter(|p| !scripts.iter().any(|code| mentions(code, &p.name)))
            .map(|p| (p.name.clone(), p.span))
            .collect();
        for (parameter, span) in unused {
            self.diagnostics.push(
                Diagnostic::new(DiagnosticKind::UnusedParameter { parameter: parameter.clone() }, span)
                    .with_hint(format!(
                        "read it in a script as `${{{parameter}}}` (bash) or `$env:{parameter}` (PowerShell), or remove it"
                    )),
            );
        }
    }
}

/// Adds the places of a `where` line that are not listed yet.
fn merge_places(into: &mut Vec<Place>, places: &[(Place, Span)]) {
    for (place, _) in places {
        if !into.contains(place) {
            into.push(*place);
        }
    }
}

/// Why `name` cannot be an environment variable that both shells read the same way.
fn parameter_name_problem(name: &str) -> Option<&'static str> {
    if name.starts_with(RESERVED_PREFIX) {
        return Some("names starting with `TRIAGE_` are the variables triage sets itself");
    }
    if name.chars().any(|c| c.is_ascii_lowercase()) {
        return Some("an environment variable is written in capitals, digits and `_`");
    }
    None
}

fn suggested_parameter_name(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    let trimmed = upper.strip_prefix(RESERVED_PREFIX).unwrap_or(&upper);
    if trimmed.is_empty() { "MY_PARAMETER".into() } else { trimmed.to_string() }
}

/// Whether a script reads the variable: `$NAME` (not `$NAME_MORE`), `${NAME…}` or
/// `$env:NAME`.
pub(crate) fn mentions(code: &str, name: &str) -> bool {
    ["$", "${", "$env:"].iter().any(|prefix| {
        let needle = format!("{prefix}{name}");
        code.match_indices(&needle).any(|(at, _)| {
            let after = code[at + needle.len()..].chars().next();
            !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_mentions_a_variable_only_by_its_whole_name() {
        assert!(mentions("echo \"$SSH_TARGET_PORT\"", "SSH_TARGET_PORT"));
        assert!(mentions("echo ${SSH_TARGET_PORT:-22}", "SSH_TARGET_PORT"));
        assert!(mentions("$env:RDP_HOST", "RDP_HOST"));
        assert!(!mentions("echo $SSH_TARGET_PORTS", "SSH_TARGET_PORT"));
        assert!(!mentions("SSH_TARGET_PORT=1", "SSH_TARGET_PORT"));
    }

    #[test]
    fn parameter_names_are_environment_variables_triage_does_not_set() {
        assert!(parameter_name_problem("SSH_TARGET_HOST").is_none());
        assert!(parameter_name_problem("ssh_target_host").is_some());
        assert!(parameter_name_problem("TRIAGE_STATE_DIR").is_some());
        assert_eq!(suggested_parameter_name("TRIAGE_STATE_DIR"), "STATE_DIR");
        assert_eq!(suggested_parameter_name("ssh_port"), "SSH_PORT");
    }
}
