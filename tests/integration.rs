//! End-to-end tests of the `triage` binary: one test binary, one module per area, the
//! modules in `tests/integration/`.

// Helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "integration/support.rs"]
mod support;

#[path = "integration/cli.rs"]
mod cli;

#[path = "integration/docs.rs"]
mod docs;

#[path = "integration/readme.rs"]
mod readme;

#[path = "integration/diagnose.rs"]
mod diagnose;

#[path = "integration/knowledge.rs"]
mod knowledge;

#[path = "integration/ask.rs"]
mod ask;

#[path = "integration/plan.rs"]
mod plan;

#[path = "integration/guide.rs"]
mod guide;

#[path = "integration/search.rs"]
mod search;

#[path = "integration/learn.rs"]
mod learn;

#[path = "integration/powershell_cmdlets.rs"]
mod powershell_cmdlets;

// The examples run in a folder of symbolic links to the repository.
#[cfg(unix)]
#[path = "integration/help_examples.rs"]
mod help_examples;

#[path = "integration/exit_codes.rs"]
mod exit_codes;

#[path = "integration/exact_output.rs"]
mod exact_output;

#[path = "integration/record.rs"]
mod record;

#[path = "integration/report.rs"]
mod report;

#[path = "integration/serve_record.rs"]
mod serve_record;

#[path = "integration/plan_record.rs"]
mod plan_record;

// The slow end-to-end tests live in this binary too, so that they run beside the others
// instead of each binary alone after the last: headless Chromium driving `triage serve`, and
// a Spark job in local mode. The test harness starts tests in the order of their names; the
// Spark test (about a minute) is named to start first, else it runs alone at the end.
#[path = "integration/apache_spark.rs"]
mod apache_spark;

#[path = "integration/browser/mod.rs"]
mod browser;
