//! The short guide: what a person follows for one symptom, not the complete reference.
//!
//! It keeps the likeliest causes (until they hold most of the listed causes' chance), a
//! decision tree at most [`TREE_QUESTIONS`] questions deep and only the questions it asks, and
//! the fixes that tree's answers try first and the start of the repair order, numbered in that
//! order, each with its steps and the script that applies it. Scripts that collect facts,
//! check the symptom, verify or undo a fix are left to `triage collect` and `triage plan`.
//! Links only point at what the page shows; the full guide (`--full`) is the reference.

use super::{BranchView, Guide, ItemRef, TreeView};
use serde::Serialize;

/// How many questions deep the short guide's decision tree goes.
pub const TREE_QUESTIONS: usize = 1;
/// At most this many causes…
const CAUSES: usize = 5;
/// …and no more once the shown ones hold this share of the listed causes' chance.
const CAUSE_MASS: f64 = 0.8;
/// The first fixes of the repair order a short guide always shows.
const FIRST_FIXES: usize = 3;
/// An answer less likely than this shares one branch with the other rare ones.
const RARE_ANSWER: f64 = 0.05;
/// Questions besides the tree's: for when its answer does not settle it.
const OTHER_QUESTIONS: usize = 2;
/// How many fixes a leaf of the short tree names before "then the rest".
const LEAF_FIXES: usize = 1;

/// What a short guide leaves out.
#[derive(Debug, Clone, Serialize)]
pub struct Omitted {
    pub causes: usize,
    pub fixes: usize,
    pub questions: usize,
}

/// Cuts a complete guide down to the short one.
pub(super) fn shorten(guide: &mut Guide) {
    let total: f64 = guide.causes.iter().map(|c| c.posterior).sum();
    let mut kept = 0;
    let mut mass = 0.0;
    for cause in &guide.causes {
        if kept >= CAUSES || (kept > 0 && total > 0.0 && mass / total >= CAUSE_MASS) {
            break;
        }
        kept += 1;
        mass += cause.posterior;
    }
    let omitted_causes = guide.causes.len() - kept;
    guide.causes.truncate(kept);

    let first_fix = guide.fixes.first().map(|f| ItemRef {
        name: f.name.clone(),
        title: f.title.clone(),
        anchor: f.anchor.clone(),
        page: f.page.clone(),
        percent: None,
    });
    let mut in_tree: Vec<String> = Vec::new();
    if let Some(tree) = &mut guide.tree {
        merge_rare_answers(tree, first_fix, &guide.summary.repair_only);
        tree_fixes(tree, &mut in_tree);
    }
    let before = guide.fixes.len();
    let mut fixes = std::mem::take(&mut guide.fixes);
    fixes.retain(|f| f.rank <= FIRST_FIXES || in_tree.contains(&f.name));
    for (i, fix) in fixes.iter_mut().enumerate() {
        fix.rank = i + 1;
        fix.first_beyond_escalation = false;
    }
    guide.fixes = fixes;
    let omitted_fixes = before - guide.fixes.len();

    let questions_before = guide.questions.len();
    // The tree's question, then the next best few for when its answer does not settle it.
    let mut others = 0;
    guide.questions.retain(|q| {
        if q.in_tree {
            return true;
        }
        others += 1;
        others <= OTHER_QUESTIONS
    });
    let omitted_questions = questions_before - guide.questions.len();

    // Links only to what is on the page.
    let causes: Vec<String> = guide.causes.iter().map(|c| c.name.clone()).collect();
    let fixes: Vec<String> = guide.fixes.iter().map(|f| f.name.clone()).collect();
    let offered: Vec<String> = guide.not_offered.iter().map(|n| n.fix.clone()).collect();
    for cause in guide.causes.iter_mut().chain(guide.ruled_out.iter_mut()) {
        cause.fixes.retain(|f| fixes.contains(&f.name) || offered.contains(&f.name));
    }
    for fix in &mut guide.fixes {
        fix.causes.retain(|c| causes.contains(&c.name));
    }
    // What a person following the page does not read: scripts that check the symptom, gather a
    // fact, verify or undo a fix (`triage collect` and `triage plan` run those), the graph of
    // every cause and fix.
    guide.symptom.checks.clear();
    if let Some(lead) = guide.symptom.lead.take() {
        guide.symptom.description = Some(lead);
    }
    // Nor the engine's words: a question's information in bits, the symptom's condition as an
    // expression, the reference list (each cause and fix on the page names its sources).
    guide.symptom.condition.clear();
    for question in &mut guide.questions {
        question.collect.clear();
        question.gain = None;
    }
    for fix in &mut guide.fixes {
        fix.verify.clear();
        fix.undo.clear();
        if let Some(lead) = fix.lead.take() {
            fix.description = Some(lead);
        }
    }
    for cause in &mut guide.causes {
        if let Some(lead) = cause.lead.take() {
            cause.description = Some(lead);
        }
    }
    guide.graph.clear();
    guide.sources.clear();
    guide.short = Some(Omitted {
        causes: omitted_causes,
        fixes: omitted_fixes,
        questions: omitted_questions,
    });
}

/// Answers less likely than [`RARE_ANSWER`] become one "any other answer" branch that follows
/// the general repair order: a short guide does not spend a fix section on each of them.
fn merge_rare_answers(tree: &mut TreeView, first_fix: Option<ItemRef>, repair_only: &str) {
    let TreeView::Ask { branches, .. } = tree else { return };
    let rare: f64 =
        branches.iter().filter(|b| b.probability < RARE_ANSWER).map(|b| b.probability).sum();
    if branches.iter().filter(|b| b.probability < RARE_ANSWER).count() < 2 {
        return;
    }
    branches.retain(|b| b.probability >= RARE_ANSWER);
    branches.push(BranchView {
        answer: "any other answer".into(),
        percent: triage_engine::explain::percent(rare),
        probability: rare,
        then: TreeView::Repair {
            expected: repair_only.to_string(),
            first: first_fix.into_iter().collect(),
            more: 1,
        },
    });
}

/// Cuts each leaf of the tree to its first fixes, and collects the fixes the leaves name.
fn tree_fixes(node: &mut TreeView, out: &mut Vec<String>) {
    match node {
        TreeView::Ask { branches, .. } => {
            for branch in branches {
                tree_fixes(&mut branch.then, out);
            }
        }
        TreeView::Repair { first, more, .. } => {
            if first.len() > LEAF_FIXES {
                *more += first.len() - LEAF_FIXES;
                first.truncate(LEAF_FIXES);
            }
            out.extend(first.iter().map(|f| f.name.clone()));
        }
    }
}
