//! Property tests of the formatter: for generated syntax trees, `parse(fmt(ast)) == ast`, and
//! formatting is idempotent. Trees cover every item, field, literal and comment position the
//! grammar has; spans are ignored by the tree's equality.

// Strategies run outside #[test] functions; a panic there is still a test failure.

use proptest::prelude::*;
use triage_rules::ast::{
    Background, Block, Body, Comments, CompareOp, Duration, Explained, Expr, ExprKind, Fact, Field,
    FieldKind, File, Frequency, FrequencyKind, FrequencyWord, Ident, Item, ItemKind, Literal,
    LiteralKind, Need, Number, Place, Probability, Risk, Rule, Script, Shell, Text, TimeUnit,
    TypeExpr, is_keyword,
};
use triage_rules::format::format_file;
use triage_rules::parse::parse_file;
use triage_rules::{FileId, Span};

fn span() -> Span {
    Span::default()
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}".prop_filter("not a keyword", |s| !is_keyword(s))
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident { name, span: span() })
}

fn number(with_point: bool) -> impl Strategy<Value = Number> {
    let pattern = if with_point { "[0-9]{1,3}\\.[0-9]{1,3}" } else { "[0-9]{1,3}(\\.[0-9]{1,3})?" };
    pattern.prop_map(|text| Number { value: text.parse().unwrap(), text })
}

fn comment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 #\"'`$(){}:,.-]{0,24}".prop_map(|s| s.trim().to_string())
}

fn comments() -> impl Strategy<Value = Option<Box<Comments>>> {
    (prop::collection::vec(comment(), 0..2), prop::option::of(comment())).prop_map(
        |(leading, trailing)| {
            (!leading.is_empty() || trailing.is_some())
                .then(|| Box::new(Comments { leading, trailing }))
        },
    )
}

/// Block content the canonical form can carry: no `"""`, no carriage returns, lines either
/// empty or not whitespace-only, and at least one non-empty line flush left.
fn block_content() -> impl Strategy<Value = String> {
    prop::collection::vec(
        "( {0,4}[a-zA-Z0-9$(){};|`.'=*<>#\\\\/-][a-zA-Z0-9 $(){};|`.'=*<>#\\\\/\t-]{0,30})?",
        1..5,
    )
    .prop_filter("one line flush left", |lines| {
        lines.iter().all(String::is_empty)
            || lines.iter().any(|l| !l.is_empty() && !l.starts_with(' '))
    })
    .prop_map(|lines| lines.join("\n"))
}

fn text() -> impl Strategy<Value = Text> {
    prop_oneof![
        any::<String>().prop_map(|value| Text { value, block: false, span: span() }),
        block_content().prop_map(|value| Text { value, block: true, span: span() }),
    ]
}

fn script() -> impl Strategy<Value = Script> {
    (prop::sample::select(Shell::ALL.to_vec()), text()).prop_map(|(shell, text)| Script {
        shell,
        shell_span: span(),
        text,
    })
}

fn literal() -> impl Strategy<Value = Literal> {
    let kind = prop_oneof![
        any::<bool>().prop_map(LiteralKind::Bool),
        (any::<i64>(), any::<bool>()).prop_map(|(value, hex)| LiteralKind::Int { value, hex }),
        (number(true), any::<bool>()).prop_map(|(n, negative)| {
            let text = if negative { format!("-{}", n.text) } else { n.text };
            LiteralKind::Number(Number { value: text.parse().unwrap(), text })
        }),
        prop::collection::vec(any::<u64>(), 3..5).prop_map(LiteralKind::Version),
        any::<String>().prop_map(LiteralKind::Str),
        name().prop_map(LiteralKind::Name),
    ];
    kind.prop_map(|kind| Literal { kind, span: span() })
}

fn expr() -> impl Strategy<Value = Expr> {
    let op = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Has,
    ]);
    let leaf = prop_oneof![
        ident().prop_map(ExprKind::Fact),
        (ident(), op, literal()).prop_map(|(fact, op, value)| ExprKind::Compare {
            fact,
            op,
            op_span: span(),
            value
        }),
        (ident(), prop::collection::vec(literal(), 1..4))
            .prop_map(|(fact, values)| ExprKind::In { fact, values }),
        (ident(), any::<bool>()).prop_map(|(fact, known)| ExprKind::Known { fact, known }),
    ]
    .prop_map(|kind| Expr { kind, span: span() });
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(ExprKind::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(ExprKind::Or),
            inner.prop_map(|e| ExprKind::Not(Box::new(e))),
        ]
        .prop_map(|kind| Expr { kind, span: span() })
    })
}

fn probability() -> impl Strategy<Value = Probability> {
    number(false).prop_map(|number| Probability { number, span: span() })
}

fn frequency() -> impl Strategy<Value = Frequency> {
    prop_oneof![
        prop::sample::select(FrequencyWord::ALL.to_vec()).prop_map(FrequencyKind::Word),
        number(false).prop_map(FrequencyKind::Number),
    ]
    .prop_map(|kind| Frequency { kind, span: span() })
}

fn duration() -> impl Strategy<Value = Duration> {
    (
        number(false),
        prop::sample::select(vec![TimeUnit::Seconds, TimeUnit::Minutes, TimeUnit::Hours]),
    )
        .prop_map(|(amount, unit)| Duration { amount, unit, span: span() })
}

fn list<T: std::fmt::Debug + Clone>(
    element: impl Strategy<Value = T>,
) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(element, 1..4)
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Fact,
    Symptom,
    Cause,
    Fix,
}

fn field_kind(shape: Shape) -> BoxedStrategy<FieldKind> {
    let common =
        prop_oneof![text().prop_map(FieldKind::Title), text().prop_map(FieldKind::Description)];
    match shape {
        Shape::Fact => prop_oneof![
            common,
            text().prop_map(FieldKind::Ask),
            list(prop::sample::select(Place::ALL.to_vec())).prop_map(|places| FieldKind::Where(
                places.into_iter().map(|p| (p, span())).collect()
            )),
            script().prop_map(FieldKind::Collect),
            duration().prop_map(FieldKind::Cost),
            list(ident()).prop_map(FieldKind::Unknown),
            (ident(), text()).prop_map(|(value, text)| FieldKind::Label { value, text }),
            list(ident()).prop_map(FieldKind::UsedBy),
            list(ident()).prop_map(FieldKind::Allow),
        ]
        .boxed(),
        Shape::Symptom => prop_oneof![
            common,
            expr().prop_map(|e| FieldKind::When(Box::new(e))),
            list(text()).prop_map(FieldKind::Aliases),
            probability().prop_map(FieldKind::Unlisted),
            probability().prop_map(FieldKind::Frequency),
            (expr(), frequency()).prop_map(|(condition, frequency)| FieldKind::Background {
                condition: Box::new(condition),
                frequency
            }),
            script().prop_map(FieldKind::Check),
            list(ident()).prop_map(FieldKind::Allow),
        ]
        .boxed(),
        Shape::Cause => prop_oneof![
            common,
            list(
                (ident(), prop::option::of(probability()))
                    .prop_map(|(symptom, prior)| Explained { symptom, prior })
            )
            .prop_map(FieldKind::Explains),
            probability().prop_map(FieldKind::Prior),
            (expr(), frequency()).prop_map(|(condition, frequency)| FieldKind::Finding {
                condition: Box::new(condition),
                frequency
            }),
            text().prop_map(FieldKind::Source),
            list(ident()).prop_map(FieldKind::Allow),
        ]
        .boxed(),
        Shape::Fix => prop_oneof![
            common,
            list(ident()).prop_map(FieldKind::Fixes),
            expr().prop_map(|e| FieldKind::When(Box::new(e))),
            list(ident()).prop_map(FieldKind::Allow),
            duration().prop_map(FieldKind::Cost),
            prop::sample::select(Risk::ALL.to_vec()).prop_map(|r| FieldKind::Risk(r, span())),
            list(prop::sample::select(Need::ALL.to_vec())).prop_map(|needs| FieldKind::Needs(
                needs.into_iter().map(|n| (n, span())).collect()
            )),
            frequency().prop_map(FieldKind::Success),
            text().prop_map(FieldKind::Steps),
            script().prop_map(FieldKind::Run),
            script().prop_map(FieldKind::Verify),
            script().prop_map(FieldKind::Undo),
            text().prop_map(FieldKind::Source),
        ]
        .boxed(),
    }
}

fn body(shape: Shape) -> impl Strategy<Value = Body> {
    let field = (field_kind(shape), comments()).prop_map(|(kind, comments)| Field {
        kind,
        span: span(),
        comments,
    });
    (prop::collection::vec(field, 0..5), prop::collection::vec(comment(), 0..2))
        .prop_map(|(fields, end_comments)| Body { fields, end_comments, span: span() })
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    prop_oneof![
        Just(TypeExpr::Bool),
        Just(TypeExpr::Int),
        Just(TypeExpr::Number),
        Just(TypeExpr::String),
        Just(TypeExpr::Version),
        list(ident()).prop_map(TypeExpr::Enum),
        list(ident()).prop_map(TypeExpr::Set),
    ]
}

fn item_kind() -> impl Strategy<Value = ItemKind> {
    let block = |shape| (ident(), body(shape)).prop_map(|(name, body)| Block { name, body });
    prop_oneof![
        (ident(), type_expr(), body(Shape::Fact))
            .prop_map(|(name, ty, body)| ItemKind::Fact(Fact { name, ty, ty_span: span(), body })),
        block(Shape::Symptom).prop_map(ItemKind::Symptom),
        block(Shape::Cause).prop_map(ItemKind::Cause),
        block(Shape::Fix).prop_map(ItemKind::Fix),
        (ident(), literal(), expr(), prop::option::of(literal())).prop_map(
            |(target, value, condition, otherwise)| {
                ItemKind::Rule(Rule { target, value, condition, otherwise })
            }
        ),
        (expr(), frequency()).prop_map(|(condition, frequency)| ItemKind::Background(Background {
            condition,
            frequency
        })),
    ]
}

fn file() -> impl Strategy<Value = File> {
    let item = (item_kind(), comments()).prop_map(|(kind, comments)| Item {
        kind,
        span: span(),
        comments,
    });
    (
        prop::collection::vec(comment(), 0..2),
        prop::collection::vec(item, 0..5),
        prop::collection::vec(comment(), 0..2),
    )
        .prop_map(|(header_comments, items, trailing_comments)| {
            // Header comments only exist above an item; without items they are trailing.
            let header_comments = if items.is_empty() { Vec::new() } else { header_comments };
            File { header_comments, items, trailing_comments }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn formatted_text_parses_back_to_the_same_tree(tree in file()) {
        let text = format_file(&tree);
        let (parsed, diagnostics) = parse_file(FileId(0), &text);
        prop_assert!(diagnostics.is_empty(), "{diagnostics:#?}\n--- text ---\n{text}");
        prop_assert_eq!(&parsed, &tree, "\n--- text ---\n{}", text);
        prop_assert_eq!(format_file(&parsed), text);
    }
}
