//! The parsed query: the syntax tree of a query text, before names and types are resolved.
//! Every node carries the byte span of its text, for error messages.

use crate::value::{ObjectId, Timestamp, Uuid};

/// A byte range `start..end` of the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `self`'s start to `other`'s end.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end.max(self.end),
        }
    }
}

/// A whole query: a predicate and its SORT/DISTINCT/LIMIT clauses in written order.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedQuery {
    /// The filter.
    pub predicate: Predicate,
    /// The clauses after it.
    pub modifiers: Vec<Modifier>,
}

/// A boolean condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// `TRUEPREDICATE`.
    True(Span),
    /// `FALSEPREDICATE`.
    False(Span),
    /// `a AND b`, `a && b`.
    And(Box<Predicate>, Box<Predicate>),
    /// `a OR b`, `a || b`.
    Or(Box<Predicate>, Box<Predicate>),
    /// `NOT a`, `!a`.
    Not(Box<Predicate>, Span),
    /// A comparison.
    Compare(Box<Comparison>),
    /// `[quantifier] path GEOWITHIN shape`.
    GeoWithin(Box<GeoWithin>),
}

/// `[ANY|ALL|NONE] path GEOWITHIN geoBox(…) | geoPolygon(…) | geoCircle(…) | $n`.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoWithin {
    /// `ANY`/`SOME`, `ALL` or `NONE` before the path.
    pub quantifier: Option<(Quantifier, Span)>,
    /// The key path to the point objects.
    pub left: Expr,
    /// Where `GEOWITHIN` is.
    pub op_span: Span,
    /// The region.
    pub shape: GeoShapeExpr,
}

/// A geospatial region as written.
#[derive(Debug, Clone, PartialEq)]
pub enum GeoShapeExpr {
    /// `geoCircle([lon, lat], radius)`, radius in radians.
    Circle {
        /// The center.
        center: GeoPointExpr,
        /// The radius (a number or an argument).
        radius: Expr,
        /// The whole shape.
        span: Span,
    },
    /// `geoBox([lon, lat], [lon, lat])`: bottom-left and top-right corners.
    Box {
        /// The bottom-left corner.
        bottom_left: GeoPointExpr,
        /// The top-right corner.
        top_right: GeoPointExpr,
        /// The whole shape.
        span: Span,
    },
    /// `geoPolygon({[lon, lat], …}, {…hole…}, …)`: the outer ring, then holes.
    Polygon {
        /// The rings, the outer one first.
        rings: Vec<(Vec<GeoPointExpr>, Span)>,
        /// The whole shape.
        span: Span,
    },
    /// `$n`: a shape given as an argument.
    Argument(usize, Span),
}

impl GeoShapeExpr {
    /// The text range of the shape.
    pub fn span(&self) -> Span {
        match self {
            GeoShapeExpr::Circle { span, .. }
            | GeoShapeExpr::Box { span, .. }
            | GeoShapeExpr::Polygon { span, .. }
            | GeoShapeExpr::Argument(_, span) => *span,
        }
    }
}

/// `[longitude, latitude]` (an optional third number, the altitude, is accepted and ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct GeoPointExpr {
    /// The longitude (a number or an argument).
    pub longitude: Expr,
    /// The latitude (a number or an argument).
    pub latitude: Expr,
    /// Whether a third number (the altitude) was written.
    pub has_altitude: bool,
    /// The point's text.
    pub span: Span,
}

/// `[quantifier] left op[c] right`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// `ANY`/`SOME`, `ALL` or `NONE` before the left operand.
    pub quantifier: Option<(Quantifier, Span)>,
    /// The left operand.
    pub left: Expr,
    /// The operator.
    pub op: Operator,
    /// Where the operator is.
    pub op_span: Span,
    /// The `[c]` modifier.
    pub case_insensitive: bool,
    /// `ANY`/`SOME`, `ALL` or `NONE` before the right operand (`x == ALL {1, 2}`).
    pub right_quantifier: Option<(Quantifier, Span)>,
    /// The right operand (for `BETWEEN`, a two-element [`Expr::List`]).
    pub right: Expr,
}

/// A quantifier keyword: how many items of a multi-valued operand must satisfy the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    /// `ANY` or `SOME`: at least one item.
    Any,
    /// `ALL`: every item (true for no items).
    All,
    /// `NONE`: no item.
    None,
}

/// A comparison operator as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `==`, `=`.
    Eq,
    /// `!=`, `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`, `=<`.
    Le,
    /// `>`.
    Gt,
    /// `>=`, `=>`.
    Ge,
    /// `BEGINSWITH`.
    BeginsWith,
    /// `ENDSWITH`.
    EndsWith,
    /// `CONTAINS`.
    Contains,
    /// `LIKE`.
    Like,
    /// `IN`.
    In,
    /// `BETWEEN`.
    Between,
    /// `TEXT` (full-text search).
    Text,
}

impl Operator {
    /// The operator as the query language spells it.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Eq => "==",
            Operator::Ne => "!=",
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::BeginsWith => "BEGINSWITH",
            Operator::EndsWith => "ENDSWITH",
            Operator::Contains => "CONTAINS",
            Operator::Like => "LIKE",
            Operator::In => "IN",
            Operator::Between => "BETWEEN",
            Operator::Text => "TEXT",
        }
    }
}

/// An operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A key path.
    Path(KeyPath),
    /// A literal.
    Literal(Literal, Span),
    /// `$n`.
    Argument(usize, Span),
    /// `{a, b, …}`.
    List(Vec<Expr>, Span),
    /// `a + b`, `a - b`, `a * b`, `a / b`.
    Arithmetic {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `obj('Class', primaryKey)`: the object of `Class` with that primary key.
    Object {
        /// The class name.
        class: String,
        /// The primary key (a literal or an argument).
        key: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `SUBQUERY(collection, $var, predicate).@count` (or `.@size`).
    Subquery {
        /// The collection of objects.
        collection: KeyPath,
        /// The variable naming each object, with its `$`.
        variable: String,
        /// The condition on each object.
        predicate: Box<Predicate>,
        /// The whole expression.
        span: Span,
    },
}

impl Expr {
    /// The text range of the expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Path(p) => p.span,
            Expr::Literal(_, s) | Expr::Argument(_, s) | Expr::List(_, s) => *s,
            Expr::Arithmetic { span, .. }
            | Expr::Subquery { span, .. }
            | Expr::Object { span, .. } => *span,
        }
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`, `nil`.
    Null,
    /// `true`, `false`.
    Bool(bool),
    /// A number, as normalised text: decimal digits with optional sign, fraction and exponent
    /// (hex literals are converted to decimal), or `inf`, `-inf`, `nan`. Binding types it
    /// for the other operand (int, float, double or decimal128).
    Number(String),
    /// A string, verbatim between its quotes (backslash sequences are kept as written).
    String(String),
    /// `oid(…)`.
    ObjectId(ObjectId),
    /// `uuid(…)`.
    Uuid(Uuid),
    /// `T<seconds>:<nanoseconds>` or `YYYY-MM-DD@HH:MM:SS[:nanoseconds]` (UTC).
    Timestamp(Timestamp),
    /// `bin('…')` / `binary('…')` (or a `B64"…"` that is not UTF-8).
    Binary(Vec<u8>),
}

/// A dotted key path: `a.b[0].@count`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPath {
    /// The elements.
    pub elems: Vec<PathElem>,
    /// The whole path.
    pub span: Span,
}

/// One element of a key path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathElem {
    /// A property name (or a dictionary key written with a dot).
    Property(String, Span),
    /// A subquery variable (`$x`), first element only.
    Variable(String, Span),
    /// `@links.Class.property`.
    Links {
        /// The linking class.
        class: String,
        /// Its link property.
        property: String,
        /// The element's text.
        span: Span,
    },
    /// `@links` alone (followed by `@count`/`@size`).
    AllLinks(Span),
    /// `[FIRST]`, `[LAST]`, `[n]`, `[*]`, `[SIZE]`.
    Index(IndexSel, Span),
    /// `['key']` or `[$n]`.
    Key(KeyExpr, Span),
    /// `@count`, `@size`, `@sum`, `@avg`, `@min`, `@max`.
    Aggregate(AggregateOp, Span),
    /// `@keys`.
    Keys(Span),
    /// `@values`.
    Values(Span),
    /// `@type`.
    Type(Span),
}

impl PathElem {
    /// The element's text range.
    pub fn span(&self) -> Span {
        match self {
            PathElem::Property(_, s)
            | PathElem::Variable(_, s)
            | PathElem::AllLinks(s)
            | PathElem::Index(_, s)
            | PathElem::Key(_, s)
            | PathElem::Aggregate(_, s)
            | PathElem::Keys(s)
            | PathElem::Values(s)
            | PathElem::Type(s) => *s,
            PathElem::Links { span, .. } => *span,
        }
    }
}

/// A list subscript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSel {
    /// `[FIRST]`.
    First,
    /// `[LAST]`.
    Last,
    /// `[SIZE]`: the collection's size.
    Size,
    /// `[*]`: every element.
    All,
    /// `[n]`.
    At(usize),
}

/// A dictionary subscript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyExpr {
    /// A string key.
    Literal(String),
    /// `$n`.
    Argument(usize),
}

/// An aggregate keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateOp {
    /// `@count`.
    Count,
    /// `@size`.
    Size,
    /// `@sum`.
    Sum,
    /// `@avg`.
    Avg,
    /// `@min`.
    Min,
    /// `@max`.
    Max,
}

/// A SORT, DISTINCT or LIMIT clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Modifier {
    /// `SORT(path ASC|DESC, …)`.
    Sort(Vec<(KeyPath, bool)>, Span),
    /// `DISTINCT(path, …)`.
    Distinct(Vec<KeyPath>, Span),
    /// `LIMIT(n)`.
    Limit(usize, Span),
}
