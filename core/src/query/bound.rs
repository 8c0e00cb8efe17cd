//! The bound query: a parsed query resolved against a [`Schema`](crate::Schema), the form both
//! evaluation paths consume (the in-memory evaluator in [`super::eval`] and the storage
//! layer's SQL compiler).
//!
//! Binding has already checked every name and type, substituted the `$n` arguments and typed
//! every literal, so a consumer never needs the schema again except for the names recorded here.
//!
//! # Shape (stable; the SQL compiler depends on it)
//!
//! A [`BoundQuery`] is a [`Predicate`] over the objects of one class plus the
//! SORT/DISTINCT/LIMIT [`Modifier`]s in written order.
//!
//! A [`Path`] is evaluated from one object and yields zero or more *items* (values or objects):
//! - [`Step::Property`] reads a property of each current object. A link (to-one) yields the
//!   target object (none when null; a path through a null link reads as `null`); a collection
//!   yields its elements (links: the target objects; dictionaries: the values) unless the next
//!   step is [`Step::Key`], [`Step::Index`], [`Step::Keys`] or [`Step::Values`], which take the
//!   collection as a whole.
//! - [`Step::Backlinks`] yields the objects of `origin_class` whose `origin_property` links to
//!   the current object (once per link), [`Step::AllBacklinks`] those of every linking property.
//!   Embedded objects take part: an embedded origin class yields embedded objects (found
//!   through the [`EmbeddedHolder`]s listed in the step), and an embedded current object has
//!   one backlink, the object holding it.
//! - [`Step::Aggregate`] replaces each current item by one value computed over the items that
//!   its `over` steps yield from it (`items.@avg.priority` is `Aggregate{Avg, [items, priority]}`;
//!   `links.dict.@max` is `[links, Aggregate{Max, [dict]}]`).
//! - [`Step::Length`] and [`Step::Type`] map each value to its length / type name.
//! - [`Step::Nested`] steps into a list or dictionary held *inside* a `mixed` value (an index,
//!   a key, every element, the keys, the size); a value that holds no such collection yields
//!   nothing. Collections inside mixed values are never flattened by the other steps.
//!
//! Besides comparisons, a predicate can be [`Predicate::FullText`] or [`Predicate::GeoWithin`]
//! (a path to point objects and a [`GeoShape`]).
//!
//! [`Path::multi`] says whether the path can yield more than one item (it crosses a to-many
//! step outside an aggregate).
//!
//! A [`Comparison`] holds when `Q_left l ∈ left: Q_right r ∈ right: l op r`, where `Q_left` is
//! [`Comparison::quantifier`] and `Q_right` the quantifier of an [`Expr::Quantified`] right
//! operand, both `Any` when not written (a single-valued side is a one-item list). When both
//! sides are multi-valued and neither quantifier is written, the two item lists are compared in
//! order instead: same length and every pair satisfies the operator (`!=` is the negation of
//! `==`, `IN` means `==`).

// The parser's quantifiers and arithmetic operators bind unchanged.
pub use super::ast::{ArithOp, Quantifier};
use crate::schema::{Collection, PropertyType};
use crate::value::Value;

/// A query bound to a class of a schema, ready to evaluate or compile.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundQuery {
    /// The class whose objects are filtered.
    pub class: String,
    /// The filter.
    pub predicate: Predicate,
    /// SORT, DISTINCT and LIMIT clauses, applied in this order to the matches in natural
    /// (insertion) order; see [`super::eval::apply_modifiers`].
    pub modifiers: Vec<Modifier>,
}

/// A boolean condition on one object.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// `TRUEPREDICATE`.
    True,
    /// `FALSEPREDICATE`.
    False,
    /// All of these hold.
    And(Vec<Predicate>),
    /// At least one of these holds.
    Or(Vec<Predicate>),
    /// This does not hold.
    Not(Box<Predicate>),
    /// A comparison of two expressions.
    Compare(Comparison),
    /// Full-text search (`prop TEXT 'terms'`) on a string property with a full-text index.
    FullText {
        /// The string property (a single value, reached through to-one links at most).
        path: Path,
        /// The parsed search terms.
        query: FullTextQuery,
    },
    /// `location GEOWITHIN shape`: some object the path yields is a geospatial point (an
    /// object with `type == "Point"` and `coordinates == [longitude, latitude]`) inside the
    /// shape. Objects that are not such points never match.
    GeoWithin {
        /// How the path's objects combine (`ANY` unless written otherwise).
        quantifier: Quantifier,
        /// The path to the point objects (single-valued, or to-many).
        path: Path,
        /// The region.
        shape: GeoShape,
    },
}

/// A point on the sphere, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    /// East-west, `-180..=180`.
    pub longitude: f64,
    /// North-south, `-90..=90`.
    pub latitude: f64,
}

/// The region of a `GEOWITHIN` test. Edges of boxes and polygons are great-circle arcs, as in
/// Realm (which uses S2 geometry).
#[derive(Debug, Clone, PartialEq)]
pub enum GeoShape {
    /// `geoCircle([lon, lat], radius)`: points within `radius` radians (great-circle distance)
    /// of the center.
    Circle {
        /// The center.
        center: GeoPoint,
        /// The radius in radians (distance on the unit sphere), `>= 0`.
        radius: f64,
    },
    /// `geoBox([lon, lat], [lon, lat])`: the quadrilateral with these bottom-left and top-right
    /// corners.
    Box {
        /// The south-west corner.
        bottom_left: GeoPoint,
        /// The north-east corner.
        top_right: GeoPoint,
    },
    /// `geoPolygon({outer ring}, {hole}, …)`: inside the outer ring and outside every hole.
    /// Each ring is closed (its first point repeated last).
    Polygon {
        /// The outer ring.
        outer: Vec<GeoPoint>,
        /// The holes.
        holes: Vec<Vec<GeoPoint>>,
    },
}

/// `left op right`, with a quantifier for a multi-valued side.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// How the left operand's items combine: `ANY` (also the implicit default), `ALL`, `NONE`.
    pub quantifier: Quantifier,
    /// Whether the query spelled the left quantifier (`ANY x == 1`) rather than implying it;
    /// without quantifiers on either side, two multi-valued sides compare in order.
    pub explicit_quantifier: bool,
    /// The left operand.
    pub left: Expr,
    /// The operator.
    pub op: CompareOp,
    /// The `[c]` modifier: compare strings case-insensitively.
    pub case_insensitive: bool,
    /// The right operand.
    pub right: Expr,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
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
    /// `BEGINSWITH`: left starts with right.
    BeginsWith,
    /// `ENDSWITH`.
    EndsWith,
    /// `CONTAINS`: right is a substring of left.
    Contains,
    /// `LIKE`: right is a wildcard pattern (`*` any run, `?` one character).
    Like,
    /// `IN`: left equals one of right's items (right is a list or a multi-valued path).
    In,
}

/// An operand of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal or an argument, typed for the other operand (a number compared with a
    /// `float` property is a `Value::Float`, with a `decimal128` one a `Value::Decimal`).
    Constant(Value),
    /// A constant list (`{1, 2}` or a list argument); always multi-valued.
    List(Vec<Value>),
    /// A key path from the current object.
    Path(Path),
    /// The right operand with a written quantifier: `x == ALL {1, 2}`, `x IN NONE items.price`.
    Quantified {
        /// `ANY`, `ALL` or `NONE` over the operand's items.
        quantifier: Quantifier,
        /// The operand (multi-valued).
        expr: Box<Expr>,
    },
    /// Arithmetic on numbers.
    Arithmetic {
        /// `+ - * /`.
        op: ArithOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `SUBQUERY(collection, $x, predicate).@count`: how many objects of the collection match.
    SubqueryCount {
        /// The to-many path to the objects (a list/set of links, or backlinks).
        collection: Path,
        /// The class of those objects; `predicate` is evaluated on each of them.
        class: String,
        /// The condition on each object (its paths start at that object).
        predicate: Box<Predicate>,
    },
}

/// A key path, evaluated from one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Whether the path can yield several items.
    pub multi: bool,
    /// The type of the values the path yields (`Mixed` when unknown); `Object` when it yields
    /// objects (of class [`Path::object_class`]).
    pub value_type: PropertyType,
    /// For a path yielding objects: their class.
    pub object_class: Option<String>,
}

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A stored property of the current object.
    Property(PropertyStep),
    /// The objects of `origin_class` linking to the current object through `origin_property`
    /// (a `@links.Class.property` path or a linking-objects property). `origin_class` may be
    /// embedded (as in Realm, whose embedded objects keep backlinks like any object): the
    /// linking objects are then embedded objects, found inside the top-level objects that
    /// hold them through `holders`. The current object may be embedded too: its only
    /// backlink is the object holding it.
    Backlinks {
        /// The class of the linking objects.
        origin_class: String,
        /// The link property (to-one, list, set or dictionary of links) in `origin_class`.
        origin_property: String,
        /// When `origin_class` is embedded: every slot through which its objects are held
        /// (see [`EmbeddedHolder`]); empty for a top-level origin class.
        holders: Vec<EmbeddedHolder>,
    },
    /// The objects of every class/property linking to the current object (`@links`, only
    /// under `@count`); the schema's linking properties are listed, those of embedded
    /// classes included.
    AllBacklinks {
        /// `(origin_class, origin_property)` pairs.
        sources: Vec<(String, String)>,
        /// Every slot through which objects of the embedded classes among `sources` are held.
        holders: Vec<EmbeddedHolder>,
    },
    /// The value at a key of the current dictionary (`dict['key']`, `dict.key`); `null` when
    /// the key is absent.
    Key(String),
    /// The element at a position of the current list; nothing when out of range.
    Index(ListIndex),
    /// The keys of the current dictionary (`@keys`), as strings, in key order.
    Keys,
    /// All values of the current collection (`@values`, `[*]`).
    Values,
    /// An aggregate over what `over` yields from each current item.
    Aggregate {
        /// `@count`/`@size`, `@sum`, `@avg`, `@min`, `@max`.
        op: AggregateOp,
        /// Steps from the current item to the collection and into the aggregated property.
        over: Vec<Step>,
    },
    /// The length of each string (in UTF-8 characters) or binary (in bytes): `.length`,
    /// or `@size`/`@count` on a string.
    Length,
    /// The type of each value (`@type`), as [`Value::type_name`] spells it.
    Type,
    /// A step into a collection held *inside* a `mixed` value (Realm 2024+: a mixed can hold a
    /// list or a dictionary of mixed values, nested to any depth). A value that is not such a
    /// collection, an index out of range or a missing key yields nothing (not `null`).
    Nested(NestedStep),
}

/// A property holding embedded objects, on the way from a top-level class down to an embedded
/// class whose backlinks a path follows ([`Step::Backlinks`], [`Step::AllBacklinks`]). The
/// embedded objects of a class are found by reading these properties from the top-level
/// objects down, in natural order, then in the order of each collection (a dictionary's
/// values by key), an object before those nested inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbeddedHolder {
    /// The class that has the property (top-level or embedded).
    pub class: String,
    /// The property (a single embedded object, or a list or dictionary of them).
    pub property: String,
    /// The embedded class of the objects it holds.
    pub embedded_class: String,
    /// Whether `class` is top-level (where a search starts).
    pub top_level: bool,
}

/// A step into a list or dictionary held in a `mixed` value ([`Step::Nested`]).
#[derive(Debug, Clone, PartialEq)]
pub enum NestedStep {
    /// `mixed[0]`, `mixed[FIRST]`, `mixed[LAST]`: one element of a nested list.
    Index(ListIndex),
    /// `mixed['key']`, `mixed.key`: the value at a key of a nested dictionary.
    Key(String),
    /// `mixed[*]`, `mixed.@values`: every element of a nested list or value of a nested
    /// dictionary.
    All,
    /// `mixed.@keys`: the keys of a nested dictionary.
    Keys,
    /// `mixed.@size`, `mixed.@count`, `mixed[SIZE]`: the number of elements of a nested list
    /// or dictionary, the length of a string (characters) or binary (bytes); `null` otherwise.
    Size,
}

/// A property read by a [`Step::Property`].
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyStep {
    /// The class that has the property (an embedded class for a step inside one).
    pub class: String,
    /// The property name.
    pub name: String,
    /// The element type.
    pub ty: PropertyType,
    /// Single value or collection.
    pub collection: Collection,
    /// For a link or embedded object: the target class.
    pub target: Option<String>,
    /// Whether the target class is embedded.
    pub embedded: bool,
}

/// A list position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListIndex {
    /// `[FIRST]`.
    First,
    /// `[LAST]`.
    Last,
    /// `[n]`, zero-based.
    At(usize),
}

/// An aggregate operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateOp {
    /// `@count` / `@size`: the number of items (nulls included).
    Count,
    /// `@sum` of the non-null numbers (0 for none).
    Sum,
    /// `@avg` of the non-null numbers (null for none).
    Avg,
    /// `@min` of the non-null values (null for none).
    Min,
    /// `@max` of the non-null values (null for none).
    Max,
}

/// The terms of a full-text search: every `include` term must occur and no `exclude` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullTextQuery {
    /// Terms that must occur.
    pub include: Vec<FullTextTerm>,
    /// Terms (written with a leading `-`) that must not occur.
    pub exclude: Vec<FullTextTerm>,
}

/// One full-text term: a lowercase token, or a token prefix (written with a trailing `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullTextTerm {
    /// The token, lowercased and without diacritics.
    pub token: String,
    /// Whether any token starting with `token` matches.
    pub prefix: bool,
}

/// A SORT, DISTINCT or LIMIT clause.
#[derive(Debug, Clone, PartialEq)]
pub enum Modifier {
    /// `SORT(a ASC, b DESC)`: stable sort by the keys in order.
    Sort(Vec<SortKey>),
    /// `DISTINCT(a, b)`: keep the first object of each combination of values.
    Distinct(Vec<Path>),
    /// `LIMIT(n)`: keep the first `n`.
    Limit(usize),
}

/// One key of a SORT clause.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// A single-valued path (properties and to-one links).
    pub path: Path,
    /// `ASC`/`ASCENDING` (nulls first) or `DESC`/`DESCENDING`.
    pub ascending: bool,
}
