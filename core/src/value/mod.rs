//! Typed values: the one value type of Syncline, mapping one-to-one to BSON.
//!
//! `Value` is what objects hold, what queries take as arguments and what changesets carry.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

mod bson_conv;
pub(crate) mod compare;
mod document;
mod ejson;
pub(crate) mod iso8601;

pub use document::{Document, FieldName};
pub use ejson::{document_from_extended_json, document_to_extended_json, ValueHint};

pub use bson::oid::ObjectId;
pub use uuid::Uuid;

/// Errors about values: conversions, parsing, type mismatches.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// A string could not be parsed as the named type.
    #[error("invalid {kind} literal {text:?}: {reason}")]
    Parse {
        /// The type that was expected, e.g. `decimal128`.
        kind: &'static str,
        /// The offending text.
        text: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A value had another type than the one required.
    #[error("expected a value of type {expected}, got {found}")]
    TypeMismatch {
        /// The type that was required.
        expected: String,
        /// The type of the value given.
        found: String,
    },
    /// Extended JSON (or BSON) that does not denote a value of the expected type.
    #[error("invalid Extended JSON for {context}: {reason}")]
    ExtendedJson {
        /// Where the value was: a property path such as `Item.tags[2]`, or the expected type.
        context: String,
        /// What was wrong.
        reason: String,
    },
}

/// A point in time with nanosecond precision, like Realm's `Timestamp`:
/// seconds since the Unix epoch and a nanosecond part with the same sign as `seconds`
/// (or zero), so that `-1.5 s` is `{seconds: -1, nanos: -500_000_000}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds, `-999_999_999..=999_999_999`, same sign as `seconds` when both are non-zero.
    pub nanos: i32,
}

impl Timestamp {
    /// A timestamp from seconds and nanoseconds, normalised so that both have the same sign.
    pub fn new(seconds: i64, nanos: i32) -> Self {
        let total = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
        Self::from_total_nanos(total)
    }

    /// A timestamp from whole milliseconds since the epoch (BSON's date resolution).
    pub fn from_millis(millis: i64) -> Self {
        Self::from_total_nanos(i128::from(millis) * 1_000_000)
    }

    /// Milliseconds since the epoch, truncated towards zero.
    pub fn to_millis(&self) -> i64 {
        self.seconds
            .saturating_mul(1000)
            .saturating_add(i64::from(self.nanos / 1_000_000))
    }

    /// Nanoseconds since the epoch.
    pub fn total_nanos(&self) -> i128 {
        i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// The timestamp `total` nanoseconds after the epoch (saturating at the representable range).
    pub fn from_total_nanos(total: i128) -> Self {
        let seconds = total / 1_000_000_000;
        let nanos = total % 1_000_000_000;
        let seconds = i64::try_from(seconds).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX });
        // `nanos` is in -999_999_999..=999_999_999, so it fits.
        Self {
            seconds,
            nanos: nanos as i32,
        }
    }
}

impl Timestamp {
    /// Parses ISO-8601 (`2024-01-01T00:00:00.123456789Z`, offsets and pre-epoch allowed).
    pub fn parse_iso8601(text: &str) -> Result<Self, ValueError> {
        iso8601::parse(text)
    }

    /// ISO-8601 in UTC with 3, 6 or 9 fractional digits, whichever is exact.
    pub fn to_iso8601(&self) -> String {
        iso8601::format(self)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.total_nanos().cmp(&other.total_nanos())
    }
}

/// An IEEE 754-2008 decimal128 number, stored in BSON's binary integer decimal encoding.
///
/// Wraps `bson::Decimal128` (parsing and printing) and adds the numeric view that queries need.
#[derive(Clone, Copy, PartialEq)]
pub struct Decimal128(pub bson::Decimal128);

impl fmt::Debug for Decimal128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal128({})", self.0)
    }
}

impl fmt::Display for Decimal128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for Decimal128 {
    type Err = ValueError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse::<bson::Decimal128>()
            .map(Decimal128)
            .map_err(|e| ValueError::Parse {
                kind: "decimal128",
                text: text.to_owned(),
                reason: e.to_string(),
            })
    }
}

/// The primary key of an object: one of the four types Realm and Atlas Device Sync allow
/// (`null` only for an optional primary key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrimaryKey {
    /// A null primary key (an optional `int`/`string`/`objectId`/`uuid` key left unset).
    Null,
    /// An `int` primary key.
    Int(i64),
    /// A `string` primary key.
    String(String),
    /// An `objectId` primary key.
    ObjectId(ObjectId),
    /// A `uuid` primary key.
    Uuid(Uuid),
}

/// A reference to a top-level object: its class and primary key.
///
/// For a class without a declared primary key, `pk` is `PrimaryKey::Int` of the object's
/// internal row key, which is stable for the object's lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Link {
    /// The class of the target object.
    pub class: String,
    /// The target object's primary key.
    pub pk: PrimaryKey,
}

/// A typed value. Each variant corresponds to one BSON type (see `to_bson`/`from_bson`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// No value (an unset optional property, a null list element).
    #[default]
    Null,
    /// `bool`.
    Bool(bool),
    /// `int` (64-bit).
    Int(i64),
    /// `float` (32-bit IEEE 754).
    Float(f32),
    /// `double` (64-bit IEEE 754).
    Double(f64),
    /// `string` (UTF-8).
    String(String),
    /// `data` / `binary`.
    Binary(Vec<u8>),
    /// `date`, with nanoseconds.
    Date(Timestamp),
    /// `objectId`.
    ObjectId(ObjectId),
    /// `uuid`.
    Uuid(Uuid),
    /// `decimal128`.
    Decimal(Decimal128),
    /// A link to a top-level object.
    Link(Link),
    /// A list (ordered, duplicates allowed).
    List(Vec<Value>),
    /// A set (unique elements; order is storage order).
    Set(Vec<Value>),
    /// A dictionary from string keys to values.
    Dictionary(BTreeMap<String, Value>),
    /// An embedded object.
    Embedded(Document),
}

impl Value {
    /// The name of this value's type, as the schema and the query language's `@type` spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Binary(_) => "binary",
            Value::Date(_) => "date",
            Value::ObjectId(_) => "objectId",
            Value::Uuid(_) => "uuid",
            Value::Decimal(_) => "decimal128",
            Value::Link(_) => "object",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Dictionary(_) => "dictionary",
            Value::Embedded(_) => "object",
        }
    }

    /// Whether this is `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<PrimaryKey> for Value {
    fn from(pk: PrimaryKey) -> Self {
        match pk {
            PrimaryKey::Null => Value::Null,
            PrimaryKey::Int(v) => Value::Int(v),
            PrimaryKey::String(v) => Value::String(v),
            PrimaryKey::ObjectId(v) => Value::ObjectId(v),
            PrimaryKey::Uuid(v) => Value::Uuid(v),
        }
    }
}

impl TryFrom<Value> for PrimaryKey {
    type Error = ValueError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Null => Ok(PrimaryKey::Null),
            Value::Int(v) => Ok(PrimaryKey::Int(v)),
            Value::String(v) => Ok(PrimaryKey::String(v)),
            Value::ObjectId(v) => Ok(PrimaryKey::ObjectId(v)),
            Value::Uuid(v) => Ok(PrimaryKey::Uuid(v)),
            other => Err(ValueError::TypeMismatch {
                expected: "int, string, objectId or uuid primary key".into(),
                found: other.type_name().into(),
            }),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::$variant(v.into())
            }
        })*
    };
}

value_from!(
    bool => Bool,
    i64 => Int,
    i32 => Int,
    f32 => Float,
    f64 => Double,
    String => String,
    &str => String,
    Vec<u8> => Binary,
    Timestamp => Date,
    ObjectId => ObjectId,
    Uuid => Uuid,
    Decimal128 => Decimal,
    Link => Link,
);
