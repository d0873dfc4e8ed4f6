//! The decision graph: the model's structure as a petgraph graph.
//!
//! Nodes are facts, rules, findings, symptoms, causes and fixes. Edges follow the flow of
//! evidence: fact → symptom (the symptom's condition reads it), fact → finding → cause,
//! fact → rule → fact (derived facts), symptom → cause (explains, with the prior),
//! cause → fix. [`rule_order`] uses the rule part for the evaluation order and to find cycles;
//! [`DecisionGraph::to_dot`] and [`DecisionGraph::to_mermaid`] draw it.

use crate::model::{CauseId, FactId, FindingId, FixId, Model, RuleId, SymptomId};
use petgraph::Direction;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Node {
    Fact(FactId),
    Rule(RuleId),
    Finding(FindingId),
    Symptom(SymptomId),
    Cause(CauseId),
    Fix(FixId),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edge {
    /// fact → symptom: the symptom's condition reads the fact.
    Tests,
    /// fact → finding, fact → rule: the condition reads the fact.
    Reads,
    /// rule → fact: the rule sets the fact.
    Sets,
    /// finding → cause, with P(finding | cause).
    Evidence(f64),
    /// symptom → cause, with the cause's prior for the symptom.
    Explains(f64),
    /// cause → fix.
    FixedBy,
}

/// The model as a graph.
#[derive(Debug)]
pub struct DecisionGraph {
    pub graph: DiGraph<Node, Edge>,
    /// Nodes are added kind by kind in id order, so a node's index is the first index of its
    /// kind plus its id: no map needed.
    offsets: Offsets,
}

#[derive(Debug, Clone, Copy)]
struct Offsets {
    rules: usize,
    findings: usize,
    symptoms: usize,
    causes: usize,
    fixes: usize,
    end: usize,
}

impl DecisionGraph {
    #[must_use]
    pub fn build(model: &Model) -> Self {
        let rules = model.facts.len();
        let findings = rules + model.rules.len();
        let symptoms = findings + model.findings.len();
        let causes = symptoms + model.symptoms.len();
        let fixes = causes + model.causes.len();
        let offsets =
            Offsets { rules, findings, symptoms, causes, fixes, end: fixes + model.fixes.len() };
        let edges = model.symptoms.len()
            + model.rules.len() * 3
            + model.findings.len() * 2
            + model.causes.iter().map(|c| c.explains.len() + c.findings.len()).sum::<usize>()
            + model.fixes.iter().map(|f| f.fixes.len()).sum::<usize>();
        let mut graph = DiGraph::with_capacity(offsets.end, edges);
        let ids = |n: usize| (0..n).map(|i| i as u32);
        ids(model.facts.len()).for_each(|i| {
            graph.add_node(Node::Fact(FactId(i)));
        });
        ids(model.rules.len()).for_each(|i| {
            graph.add_node(Node::Rule(RuleId(i)));
        });
        ids(model.findings.len()).for_each(|i| {
            graph.add_node(Node::Finding(FindingId(i)));
        });
        ids(model.symptoms.len()).for_each(|i| {
            graph.add_node(Node::Symptom(SymptomId(i)));
        });
        ids(model.causes.len()).for_each(|i| {
            graph.add_node(Node::Cause(CauseId(i)));
        });
        ids(model.fixes.len()).for_each(|i| {
            graph.add_node(Node::Fix(FixId(i)));
        });
        let mut g = Self { graph, offsets };
        let at = |n: usize| NodeIndex::new(n);
        for (i, symptom) in model.symptoms.iter().enumerate() {
            for fact in symptom.condition.facts() {
                g.graph.add_edge(at(fact.index()), at(offsets.symptoms + i), Edge::Tests);
            }
        }
        for (i, rule) in model.rules.iter().enumerate() {
            for fact in rule.condition.facts() {
                g.graph.add_edge(at(fact.index()), at(offsets.rules + i), Edge::Reads);
            }
            g.graph.add_edge(at(offsets.rules + i), at(rule.target.index()), Edge::Sets);
        }
        for (i, finding) in model.findings.iter().enumerate() {
            for fact in finding.condition.facts() {
                g.graph.add_edge(at(fact.index()), at(offsets.findings + i), Edge::Reads);
            }
        }
        for (i, cause) in model.causes.iter().enumerate() {
            for (symptom, prior) in &cause.explains {
                g.graph.add_edge(
                    at(offsets.symptoms + symptom.index()),
                    at(offsets.causes + i),
                    Edge::Explains(*prior),
                );
            }
            for (finding, p) in &cause.findings {
                g.graph.add_edge(
                    at(offsets.findings + finding.index()),
                    at(offsets.causes + i),
                    Edge::Evidence(*p),
                );
            }
        }
        for (i, fix) in model.fixes.iter().enumerate() {
            for cause in &fix.fixes {
                g.graph.add_edge(
                    at(offsets.causes + cause.index()),
                    at(offsets.fixes + i),
                    Edge::FixedBy,
                );
            }
        }
        g
    }

    #[must_use]
    pub fn index_of(&self, node: Node) -> Option<NodeIndex> {
        let o = self.offsets;
        let (base, id, limit) = match node {
            Node::Fact(i) => (0, i.index(), o.rules),
            Node::Rule(i) => (o.rules, i.index(), o.findings),
            Node::Finding(i) => (o.findings, i.index(), o.symptoms),
            Node::Symptom(i) => (o.symptoms, i.index(), o.causes),
            Node::Cause(i) => (o.causes, i.index(), o.fixes),
            Node::Fix(i) => (o.fixes, i.index(), o.end),
        };
        (base + id < limit).then(|| NodeIndex::new(base + id))
    }

    /// The nodes that matter for one symptom: it, its causes and their fixes, the findings of
    /// those causes, and every fact and rule those conditions read, transitively.
    #[must_use]
    pub fn relevant_to(&self, symptom: SymptomId) -> HashSet<NodeIndex> {
        let mut keep = HashSet::new();
        let Some(start) = self.index_of(Node::Symptom(symptom)) else { return keep };
        keep.insert(start);
        let mut upstream = vec![start];
        for cause in self.graph.neighbors_directed(start, Direction::Outgoing) {
            keep.insert(cause);
            upstream.push(cause);
            keep.extend(self.graph.neighbors_directed(cause, Direction::Outgoing));
        }
        // Walk evidence backwards: findings, facts, the rules that set them, their inputs.
        while let Some(n) = upstream.pop() {
            for e in self.graph.edges_directed(n, Direction::Incoming) {
                if matches!(e.weight(), Edge::Explains(_)) {
                    continue;
                }
                if keep.insert(e.source()) {
                    upstream.push(e.source());
                }
            }
        }
        keep
    }

    /// Graphviz DOT, optionally only what concerns one symptom.
    #[must_use]
    pub fn to_dot(&self, model: &Model, only: Option<SymptomId>) -> String {
        let keep = only.map(|s| self.relevant_to(s));
        let shown = |i: NodeIndex| keep.as_ref().is_none_or(|k| k.contains(&i));
        let mut out =
            String::from("digraph triage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        for i in self.graph.node_indices().filter(|i| shown(*i)) {
            let node = self.graph[i];
            let (shape, style) = match node {
                Node::Fact(_) => ("ellipse", ""),
                Node::Rule(_) => ("diamond", ""),
                Node::Finding(_) => ("note", ""),
                Node::Symptom(_) => ("box", ", style=\"rounded,bold\""),
                Node::Cause(_) => ("box", ""),
                Node::Fix(_) => ("box", ", style=filled, fillcolor=\"#e8f4e8\""),
            };
            let _ = writeln!(
                out,
                "  {} [label=\"{}\", shape={shape}{style}];",
                node_id(node),
                dot_escape(&label(model, node))
            );
        }
        for e in self.graph.edge_references().filter(|e| shown(e.source()) && shown(e.target())) {
            let attrs = match e.weight() {
                Edge::Evidence(p) | Edge::Explains(p) => format!(" [label=\"{p}\"]"),
                Edge::Sets => " [style=dashed]".to_string(),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {} -> {}{attrs};",
                node_id(self.graph[e.source()]),
                node_id(self.graph[e.target()])
            );
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid flowchart, optionally only what concerns one symptom.
    #[must_use]
    pub fn to_mermaid(&self, model: &Model, only: Option<SymptomId>) -> String {
        let keep = only.map(|s| self.relevant_to(s));
        let shown = |i: NodeIndex| keep.as_ref().is_none_or(|k| k.contains(&i));
        let mut out = String::from("flowchart LR\n");
        for i in self.graph.node_indices().filter(|i| shown(*i)) {
            let node = self.graph[i];
            let text = mermaid_escape(&label(model, node));
            let shape = match node {
                Node::Fact(_) => format!("([\"{text}\"])"),
                Node::Rule(_) => format!("{{\"{text}\"}}"),
                Node::Finding(_) => format!("[/\"{text}\"/]"),
                Node::Symptom(_) => format!("[[\"{text}\"]]"),
                Node::Cause(_) => format!("[\"{text}\"]"),
                Node::Fix(_) => format!("(\"{text}\")"),
            };
            let _ = writeln!(out, "  {}{shape}", node_id(node));
        }
        for e in self.graph.edge_references().filter(|e| shown(e.source()) && shown(e.target())) {
            let arrow = match e.weight() {
                Edge::Evidence(p) | Edge::Explains(p) => format!(" -->|{p}| "),
                Edge::Sets => " -.-> ".to_string(),
                _ => " --> ".to_string(),
            };
            let _ = writeln!(
                out,
                "  {}{arrow}{}",
                node_id(self.graph[e.source()]),
                node_id(self.graph[e.target()])
            );
        }
        out
    }
}

fn node_id(node: Node) -> String {
    match node {
        Node::Fact(i) => format!("fact{}", i.0),
        Node::Rule(i) => format!("rule{}", i.0),
        Node::Finding(i) => format!("finding{}", i.0),
        Node::Symptom(i) => format!("symptom{}", i.0),
        Node::Cause(i) => format!("cause{}", i.0),
        Node::Fix(i) => format!("fix{}", i.0),
    }
}

fn label(model: &Model, node: Node) -> String {
    match node {
        Node::Fact(i) => model.fact(i).name.clone(),
        Node::Rule(i) => format!("rule → {}", model.fact(model.rules[i.index()].target).name),
        Node::Finding(i) => model.finding(i).text.clone(),
        Node::Symptom(i) => format!("symptom {}", model.symptom(i).name),
        Node::Cause(i) => format!("cause {}", model.cause(i).name),
        Node::Fix(i) => format!("fix {}", model.fix(i).name),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn mermaid_escape(s: &str) -> String {
    // Mermaid reads `#quot;` as a quote inside a quoted label; other markup characters are
    // entity-escaped so a label can never close its node.
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;").replace('\n', " ")
}

/// The rules in evaluation order (each after the rules that set the facts it reads), or every
/// cycle of rules, each in cycle order.
pub fn rule_order(model: &Model) -> Result<Vec<RuleId>, Vec<Vec<RuleId>>> {
    let mut graph: DiGraph<RuleId, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> =
        (0..model.rules.len()).map(|i| graph.add_node(RuleId(i as u32))).collect();
    let mut setters: HashMap<FactId, Vec<usize>> = HashMap::new();
    for (i, rule) in model.rules.iter().enumerate() {
        setters.entry(rule.target).or_default().push(i);
    }
    for (reader, rule) in model.rules.iter().enumerate() {
        for fact in rule.condition.facts() {
            for &setter in setters.get(&fact).map_or(&[][..], Vec::as_slice) {
                graph.add_edge(nodes[setter], nodes[reader], ());
            }
        }
    }
    let components = tarjan_scc(&graph);
    let mut cycles = Vec::new();
    for component in &components {
        let is_cycle = component.len() > 1 || graph.contains_edge(component[0], component[0]);
        if is_cycle {
            cycles.push(cycle_in(&graph, component));
        }
    }
    if !cycles.is_empty() {
        return Err(cycles);
    }
    // tarjan_scc yields components in reverse topological order.
    Ok(components.iter().rev().flat_map(|c| c.iter().map(|i| graph[*i])).collect())
}

/// One cycle through the component's first node, in order, staying inside the component.
fn cycle_in(graph: &DiGraph<RuleId, ()>, component: &[NodeIndex]) -> Vec<RuleId> {
    let members: HashSet<NodeIndex> = component.iter().copied().collect();
    let start = *component.iter().min().unwrap_or(&component[0]);
    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for next in graph.neighbors(n) {
            if !members.contains(&next) {
                continue;
            }
            if next == start {
                let mut path = vec![n];
                let mut at = n;
                while at != start {
                    at = parent[&at];
                    path.push(at);
                }
                path.reverse();
                return path.into_iter().map(|i| graph[i]).collect();
            }
            if next != start && !parent.contains_key(&next) {
                parent.insert(next, n);
                queue.push_back(next);
            }
        }
    }
    component.iter().map(|i| graph[*i]).collect()
}
