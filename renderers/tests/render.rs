//! The renderers' tests, one binary: guides (Markdown, HTML, the static site) and their
//! hostile inputs, plans and collectors (their snapshots, their quoting checked by parsing the
//! scripts with tree-sitter, a recorded run of a bash plan). One binary links once and runs
//! its tests in parallel.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "render/site_support/mod.rs"]
mod checks;
#[path = "render/shell_syntax/mod.rs"]
mod shell_syntax;
#[path = "render/guide_support/mod.rs"]
mod support;

#[path = "render/guide_render.rs"]
mod guide_render;
#[path = "render/plan_quoting.rs"]
mod plan_quoting;
#[path = "render/plan_record.rs"]
mod plan_record;
#[path = "render/plan_render.rs"]
mod plan_render;
#[path = "render/site_build.rs"]
mod site_build;
#[path = "render/site_hostile.rs"]
mod site_hostile;
