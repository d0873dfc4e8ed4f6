//! The syntax tree of one `.kb` file, exactly as written.
//!
//! Names are still strings here and nothing is checked beyond the grammar: the checker
//! ([`crate::check`]) binds names and types and produces the [`crate::model::Model`] that later
//! stages use. The tree keeps what the formatter needs to print the file back: comments, the
//! order of fields, whether a text was a `"string"` or a `"""block"""`, how a number was spelled.

use crate::source::Span;

/// A parsed file: its items in order and the comments after the last one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// Comments at the top of the file, separated from the first item by a blank line.
    pub header_comments: Vec<String>,
    pub items: Vec<Item>,
    pub trailing_comments: Vec<String>,
}

/// Comments attached to an item or a field: whole-line comments just before it and a comment
/// at the end of its last line. Comment text excludes the `#` and surrounding whitespace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comments {
    pub leading: Vec<String>,
    pub trailing: Option<String>,
}

impl Comments {
    /// The comments of a node, created on first use.
    pub fn of(slot: &mut Option<Box<Comments>>) -> &mut Comments {
        slot.get_or_insert_with(Box::default)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
    /// `None` when there are none (most items): boxed, so nodes without comments stay small.
    pub comments: Option<Box<Comments>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ItemKind {
    Fact(Fact),
    Symptom(Block),
    Cause(Block),
    Fix(Block),
    Rule(Rule),
    Background(Background),
    /// `parameter NAME { fields }`: an environment variable the generated scripts read.
    Parameter(Block),
    /// `prelude NAME { fields }`: shell code emitted once at the top of generated scripts.
    Prelude(Block),
}

impl ItemKind {
    /// The keyword that introduces the item.
    #[must_use]
    pub fn keyword(&self) -> &'static str {
        match self {
            ItemKind::Fact(_) => "fact",
            ItemKind::Symptom(_) => "symptom",
            ItemKind::Cause(_) => "cause",
            ItemKind::Fix(_) => "fix",
            ItemKind::Rule(_) => "rule",
            ItemKind::Background(_) => "background",
            ItemKind::Parameter(_) => "parameter",
            ItemKind::Prelude(_) => "prelude",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// `fact NAME: TYPE { fields }` (the block is optional).
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub name: Ident,
    pub ty: TypeExpr,
    pub ty_span: Span,
    pub body: Body,
}

/// `symptom|cause|fix|parameter|prelude NAME { fields }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub name: Ident,
    pub body: Body,
}

/// The `{ ... }` of an item: fields in the order written, and comments before the `}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Body {
    pub fields: Vec<Field>,
    pub end_comments: Vec<String>,
    /// From `{` to `}`; empty when the item has no block.
    pub span: Span,
}

/// `rule TARGET = VALUE when CONDITION [else VALUE]`: sets a derived fact.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub target: Ident,
    pub value: Literal,
    pub condition: Expr,
    pub otherwise: Option<Literal>,
}

/// `background CONDITION : FREQUENCY`: how often a finding holds when none of the causes that
/// mention it is the culprit.
#[derive(Debug, Clone, PartialEq)]
pub struct Background {
    pub condition: Expr,
    pub frequency: Frequency,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExpr {
    Bool,
    Int,
    Number,
    String,
    Version,
    /// One of the declared values.
    Enum(Vec<Ident>),
    /// Any number of the declared values at once (tested with `has`).
    Set(Vec<Ident>),
}

impl TypeExpr {
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            TypeExpr::Bool => "bool",
            TypeExpr::Int => "int",
            TypeExpr::Number => "number",
            TypeExpr::String => "string",
            TypeExpr::Version => "version",
            TypeExpr::Enum(_) => "enum",
            TypeExpr::Set(_) => "set",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub kind: FieldKind,
    pub span: Span,
    /// `None` when there are none (most fields): boxed, so fields without comments stay small.
    pub comments: Option<Box<Comments>>,
}

/// A line of text: `"quoted"` or a `"""` block whose common indentation has been removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub value: String,
    pub block: bool,
    pub span: Span,
}

/// The shells a script can be written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shell {
    Powershell,
    Bash,
}

impl Shell {
    pub const ALL: [Shell; 2] = [Shell::Powershell, Shell::Bash];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Shell::Powershell => "powershell",
            Shell::Bash => "bash",
        }
    }
}

/// `SHELL """script"""`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub shell: Shell,
    pub shell_span: Span,
    pub text: Text,
}

/// A duration such as `90s`, `2m`, `1.5h`; kept as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    pub amount: Number,
    pub unit: TimeUnit,
    pub span: Span,
}

impl Duration {
    #[must_use]
    pub fn seconds(&self) -> f64 {
        self.amount.value
            * match self.unit {
                TimeUnit::Seconds => 1.0,
                TimeUnit::Minutes => 60.0,
                TimeUnit::Hours => 3600.0,
            }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
}

impl TimeUnit {
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "m",
            TimeUnit::Hours => "h",
        }
    }
}

/// A non-negative decimal number as written (`0.25`, `3`), with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

/// How often a finding holds: a word or a probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Frequency {
    pub kind: FrequencyKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FrequencyKind {
    Word(FrequencyWord),
    Number(Number),
}

impl Frequency {
    #[must_use]
    pub fn probability(&self) -> f64 {
        match &self.kind {
            FrequencyKind::Word(w) => w.probability(),
            FrequencyKind::Number(n) => n.value,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrequencyWord {
    Always,
    Usually,
    Often,
    Sometimes,
    Rarely,
    Never,
}

impl FrequencyWord {
    pub const ALL: [FrequencyWord; 6] = [
        FrequencyWord::Always,
        FrequencyWord::Usually,
        FrequencyWord::Often,
        FrequencyWord::Sometimes,
        FrequencyWord::Rarely,
        FrequencyWord::Never,
    ];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            FrequencyWord::Always => "always",
            FrequencyWord::Usually => "usually",
            FrequencyWord::Often => "often",
            FrequencyWord::Sometimes => "sometimes",
            FrequencyWord::Rarely => "rarely",
            FrequencyWord::Never => "never",
        }
    }

    /// The probability the word stands for (DESIGN.md: always 1.0 … never 0.0).
    #[must_use]
    pub fn probability(self) -> f64 {
        match self {
            FrequencyWord::Always => 1.0,
            FrequencyWord::Usually => 0.9,
            FrequencyWord::Often => 0.6,
            FrequencyWord::Sometimes => 0.3,
            FrequencyWord::Rarely => 0.05,
            FrequencyWord::Never => 0.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub const ALL: [Risk; 3] = [Risk::Low, Risk::Medium, Risk::High];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// What a fix needs before it can be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Local administrator rights where the fix runs.
    Admin,
    /// Access to the server (the target machine).
    Server,
    /// Access to the client machine.
    Client,
    /// A restart of the machine the fix runs on.
    Reboot,
    /// Domain administrator rights.
    DomainAdmin,
    /// Access to the network or cloud management plane (firewalls, NSGs, routers).
    NetworkAdmin,
    /// The affected user must be present.
    User,
}

impl Need {
    pub const ALL: [Need; 7] = [
        Need::Admin,
        Need::Server,
        Need::Client,
        Need::Reboot,
        Need::DomainAdmin,
        Need::NetworkAdmin,
        Need::User,
    ];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Need::Admin => "admin",
            Need::Server => "server",
            Need::Client => "client",
            Need::Reboot => "reboot",
            Need::DomainAdmin => "domain_admin",
            Need::NetworkAdmin => "network_admin",
            Need::User => "user",
        }
    }
}

/// Where a fact is read: decides who can answer a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    Client,
    Server,
    /// The cloud portal, the network team, the management plane.
    Management,
    /// Only a person can tell.
    Person,
}

impl Place {
    pub const ALL: [Place; 4] = [Place::Client, Place::Server, Place::Management, Place::Person];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Place::Client => "client",
            Place::Server => "server",
            Place::Management => "management",
            Place::Person => "person",
        }
    }
}

/// Who can answer a question about a fact: the cost model of the next question reads it (a
/// person on the line answers at once; reaching a server's administrator is a hand-over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person at the client, on the line with support: what they see, what changed.
    User,
    /// Someone with administrator rights on the client machine (registry, services, logs).
    ClientAdmin,
    /// The administrator of the remote computer.
    ServerAdmin,
    /// Whoever runs the network, the gateway or the cloud portal.
    NetworkAdmin,
}

impl Role {
    pub const ALL: [Role; 4] =
        [Role::User, Role::ClientAdmin, Role::ServerAdmin, Role::NetworkAdmin];

    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::ClientAdmin => "client_admin",
            Role::ServerAdmin => "server_admin",
            Role::NetworkAdmin => "network_admin",
        }
    }

    /// Who answers when the knowledge base does not say: the person for what only a person
    /// can tell and for what the client shows, the server's administrator for the server, the
    /// network's for the management plane.
    #[must_use]
    pub fn default_for(places: &[Place]) -> Role {
        if places.is_empty() || places.contains(&Place::Person) || places.contains(&Place::Client) {
            Role::User
        } else if places.contains(&Place::Server) {
            Role::ServerAdmin
        } else {
            Role::NetworkAdmin
        }
    }
}

/// `SYMPTOM [prior P]` in a cause's `explains` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub symptom: Ident,
    pub prior: Option<Probability>,
}

/// A number that must lie in [0, 1] (checked by the checker, not the grammar).
#[derive(Debug, Clone, PartialEq)]
pub struct Probability {
    pub number: Number,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// One line naming the thing (all items).
    Title(Text),
    /// Markdown: what it is, in more words (all items).
    Description(Text),
    /// `ask "question"` (fact).
    Ask(Text),
    /// `collect SHELL """script"""` (fact).
    Collect(Script),
    /// `cost 2m` (fact: to collect it; fix: to apply it).
    Cost(Duration),
    /// `where client, server` (fact).
    Where(Vec<(Place, Span)>),
    /// `who server_admin` (fact): who can answer its question.
    Who(Role, Span),
    /// `pattern "regex"` (fact) or `pattern VALUE "regex"` (enum or set fact): how the fact
    /// reads in free text (a pasted dialog, a ticket); for a value-less pattern its first
    /// capture group is the value.
    Pattern { value: Option<Ident>, regex: Text },
    /// `unknown not_tried` (enum or set fact): values that mean "not known", e.g. a test that
    /// was not run. A fact file giving one of them leaves the fact unknown.
    Unknown(Vec<Ident>),
    /// `label VALUE "text"` (enum or set fact): how a person reads one value, for example the
    /// message a dialog shows. Repeated, one per value.
    Label { value: Ident, text: Text },
    /// `when CONDITION` (symptom: its gate; fix: its precondition, the facts under which it
    /// is offered). Boxed, like the finding's condition: conditions are the largest field
    /// values, and keeping them out of line makes every field smaller.
    When(Box<Expr>),
    /// `frequency 0.15` (symptom): its share of the reports the knowledge base serves.
    Frequency(Probability),
    /// `background CONDITION : FREQUENCY` (symptom): how often an outcome of one fact is seen
    /// among this symptom's reports when none of the causes that mention it is to blame.
    Background { condition: Box<Expr>, frequency: Frequency },
    /// `used_by guide, collector` (fact): read by guides or collectors only, not by the
    /// ranking, so it is not an unused fact.
    UsedBy(Vec<Ident>),
    /// `allow unused_fact, cause_without_fix` (any block item): warnings the author has
    /// considered and accepts for this item.
    Allow(Vec<Ident>),
    /// `aliases "0x904", "socket closed"` (symptom).
    Aliases(Vec<Text>),
    /// `check SHELL """script"""` (symptom): exits 0 while the symptom is still there.
    Check(Script),
    /// `unlisted 0.1` (symptom): the least prior mass left to causes nobody wrote down.
    Unlisted(Probability),
    /// `explains a: 0.2, b: 0.01` (cause).
    Explains(Vec<Explained>),
    /// `prior 0.2` (cause): the prior for explained symptoms that give none of their own.
    Prior(Probability),
    /// `when CONDITION : FREQUENCY` (cause): P(condition holds | this cause).
    Finding { condition: Box<Expr>, frequency: Frequency },
    /// `source "https://…"` (cause, fix).
    Source(Text),
    /// `fixes cause_a, cause_b` (fix).
    Fixes(Vec<Ident>),
    /// `risk low|medium|high` (fix).
    Risk(Risk, Span),
    /// `needs admin, server` (fix).
    Needs(Vec<(Need, Span)>),
    /// `success usually` (fix): the chance the fix repairs its cause.
    Success(Frequency),
    /// `steps """markdown"""` (fix).
    Steps(Text),
    /// `run SHELL """script"""` (fix).
    Run(Script),
    /// `verify SHELL """script"""` (fix): exits 0 when the fix took.
    Verify(Script),
    /// `undo SHELL """script"""` (fix).
    Undo(Script),
    /// `default "22"` (parameter): its value when the environment does not set it.
    Default(Text),
    /// `from ssh_target_user` (parameter): the fact a plan takes its value from.
    From(Ident),
    /// `script SHELL """code"""` (prelude).
    Script(Script),
}

impl FieldKind {
    /// The keyword that starts the field.
    #[must_use]
    pub fn keyword(&self) -> &'static str {
        match self {
            FieldKind::Title(_) => "title",
            FieldKind::Description(_) => "description",
            FieldKind::Ask(_) => "ask",
            FieldKind::Collect(_) => "collect",
            FieldKind::Cost(_) => "cost",
            FieldKind::Where(_) => "where",
            FieldKind::Who(..) => "who",
            FieldKind::Pattern { .. } => "pattern",
            FieldKind::Unknown(_) => "unknown",
            FieldKind::Label { .. } => "label",
            FieldKind::When(_) | FieldKind::Finding { .. } => "when",
            FieldKind::Frequency(_) => "frequency",
            FieldKind::Background { .. } => "background",
            FieldKind::UsedBy(_) => "used_by",
            FieldKind::Allow(_) => "allow",
            FieldKind::Aliases(_) => "aliases",
            FieldKind::Check(_) => "check",
            FieldKind::Unlisted(_) => "unlisted",
            FieldKind::Explains(_) => "explains",
            FieldKind::Prior(_) => "prior",
            FieldKind::Source(_) => "source",
            FieldKind::Fixes(_) => "fixes",
            FieldKind::Risk(..) => "risk",
            FieldKind::Needs(_) => "needs",
            FieldKind::Success(_) => "success",
            FieldKind::Steps(_) => "steps",
            FieldKind::Run(_) => "run",
            FieldKind::Verify(_) => "verify",
            FieldKind::Undo(_) => "undo",
            FieldKind::Default(_) => "default",
            FieldKind::From(_) => "from",
            FieldKind::Script(_) => "script",
        }
    }
}

/// A condition over facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// Two or more operands, all true.
    And(Vec<Expr>),
    /// Two or more operands, one true.
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare bool fact: `cert_expired`.
    Fact(Ident),
    /// `fact OP literal`.
    Compare {
        fact: Ident,
        op: CompareOp,
        op_span: Span,
        value: Literal,
    },
    /// `fact is unknown` (`known: false`) or `fact is known`: whether the facts give a value.
    Known {
        fact: Ident,
        known: bool,
    },
    /// `fact in [a, b]`.
    In {
        fact: Ident,
        values: Vec<Literal>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// A set fact contains the value.
    Has,
}

impl CompareOp {
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            CompareOp::Has => "has",
        }
    }

    /// `a OP b` for an ordered pair; `has` (a set test) is never a comparison of two values.
    #[must_use]
    pub fn compare<T: PartialOrd + ?Sized>(self, a: &T, b: &T) -> bool {
        match self {
            CompareOp::Eq => a == b,
            CompareOp::Ne => a != b,
            CompareOp::Lt => a < b,
            CompareOp::Le => a <= b,
            CompareOp::Gt => a > b,
            CompareOp::Ge => a >= b,
            CompareOp::Has => false,
        }
    }

    #[must_use]
    pub fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge)
    }
}

/// A literal value on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiteralKind {
    Bool(bool),
    /// An integer; `hex` remembers `0x904` spelling.
    Int {
        value: i64,
        hex: bool,
    },
    /// A decimal with a point (`0.5`, `-1.25`) as written.
    Number(Number),
    /// Three or more dot-separated numbers: `10.0.26100`.
    Version(Vec<u64>),
    Str(String),
    /// A bare name: an enum value.
    Name(String),
}

impl LiteralKind {
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            LiteralKind::Bool(_) => "a bool",
            LiteralKind::Int { hex: true, .. } => "a hex int",
            LiteralKind::Int { .. } => "an int",
            LiteralKind::Number(_) => "a number",
            LiteralKind::Version(_) => "a version",
            LiteralKind::Str(_) => "a string",
            LiteralKind::Name(_) => "a name",
        }
    }
}

/// Words that cannot be used as names.
pub const KEYWORDS: &[&str] = &[
    "fact",
    "symptom",
    "cause",
    "fix",
    "rule",
    "background",
    "when",
    "else",
    "and",
    "or",
    "not",
    "in",
    "has",
    "true",
    "false",
];

#[must_use]
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}
