//! Typed values across the boundary: uniffi mirrors of the core's `Value`, `PrimaryKey`,
//! `Timestamp` and `Link`, and their conversions.
//!
//! Identifiers and decimals cross as text (`ObjectId` as 24 hex digits, `Uuid` in its
//! hyphenated form, `Decimal128` in its canonical string form) so that every language can show
//! and build them without a library of its own; the text is checked on the way in.

use std::collections::HashMap;

use syncline_core::value as core;

use crate::error::{Result, SynclineError};

/// A point in time: seconds since the Unix epoch and nanoseconds (same sign as `seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// Nanoseconds, `-999_999_999..=999_999_999`.
    pub nanos: i32,
}

/// The primary key of an object (for a class without one: its row key, as `Int`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PrimaryKey {
    /// A null key (an optional key left unset).
    Null,
    /// An `int` key.
    Int {
        /// The key.
        value: i64,
    },
    /// A `string` key.
    String {
        /// The key.
        value: String,
    },
    /// An `objectId` key, as 24 hexadecimal digits.
    ObjectId {
        /// The key's hex digits.
        hex: String,
    },
    /// A `uuid` key, in its hyphenated form.
    Uuid {
        /// The key's text.
        value: String,
    },
}

/// A link to a top-level object: its class and primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Link {
    /// The class of the target.
    pub class_name: String,
    /// The target's primary key.
    pub pk: PrimaryKey,
}

/// A typed value: what object properties hold and queries take as arguments.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Value {
    /// No value.
    Null,
    /// `bool`.
    Bool {
        /// The value.
        value: bool,
    },
    /// `int` (64-bit).
    Int {
        /// The value.
        value: i64,
    },
    /// `float` (32-bit).
    Float {
        /// The value.
        value: f32,
    },
    /// `double` (64-bit).
    Double {
        /// The value.
        value: f64,
    },
    /// `string`.
    String {
        /// The value.
        value: String,
    },
    /// `data` (bytes).
    Binary {
        /// The value.
        value: Vec<u8>,
    },
    /// `date`, with nanoseconds.
    Date {
        /// The value.
        value: Timestamp,
    },
    /// `objectId`, as 24 hexadecimal digits.
    ObjectId {
        /// The hex digits.
        hex: String,
    },
    /// `uuid`, in its hyphenated form.
    Uuid {
        /// The text.
        value: String,
    },
    /// `decimal128`, as text (e.g. `"12.50"`; exponent and digits are kept exactly).
    Decimal128 {
        /// The text.
        value: String,
    },
    /// A link to a top-level object.
    Link {
        /// The target.
        value: Link,
    },
    /// A list (ordered, duplicates allowed).
    List {
        /// The elements.
        values: Vec<Value>,
    },
    /// A set (unique elements).
    Set {
        /// The elements.
        values: Vec<Value>,
    },
    /// A dictionary from string keys to values.
    Dictionary {
        /// The entries.
        entries: HashMap<String, Value>,
    },
    /// An embedded object, by property name.
    Embedded {
        /// The embedded object's fields.
        fields: HashMap<String, Value>,
    },
}

fn parse_object_id(hex: &str) -> Result<core::ObjectId> {
    core::ObjectId::parse_str(hex).map_err(|e| {
        SynclineError::invalid_argument(format!(
            "invalid objectId {hex:?}: {e} (expected 24 hexadecimal digits)"
        ))
    })
}

fn parse_uuid(text: &str) -> Result<core::Uuid> {
    core::Uuid::parse_str(text)
        .map_err(|e| SynclineError::invalid_argument(format!("invalid uuid {text:?}: {e}")))
}

impl From<core::Timestamp> for Timestamp {
    fn from(t: core::Timestamp) -> Self {
        Timestamp {
            seconds: t.seconds,
            nanos: t.nanos,
        }
    }
}

impl From<Timestamp> for core::Timestamp {
    fn from(t: Timestamp) -> Self {
        core::Timestamp::new(t.seconds, t.nanos)
    }
}

impl From<core::PrimaryKey> for PrimaryKey {
    fn from(pk: core::PrimaryKey) -> Self {
        match pk {
            core::PrimaryKey::Null => PrimaryKey::Null,
            core::PrimaryKey::Int(value) => PrimaryKey::Int { value },
            core::PrimaryKey::String(value) => PrimaryKey::String { value },
            core::PrimaryKey::ObjectId(oid) => PrimaryKey::ObjectId { hex: oid.to_hex() },
            core::PrimaryKey::Uuid(uuid) => PrimaryKey::Uuid {
                value: uuid.hyphenated().to_string(),
            },
        }
    }
}

impl TryFrom<PrimaryKey> for core::PrimaryKey {
    type Error = SynclineError;

    fn try_from(pk: PrimaryKey) -> Result<Self> {
        Ok(match pk {
            PrimaryKey::Null => core::PrimaryKey::Null,
            PrimaryKey::Int { value } => core::PrimaryKey::Int(value),
            PrimaryKey::String { value } => core::PrimaryKey::String(value),
            PrimaryKey::ObjectId { hex } => core::PrimaryKey::ObjectId(parse_object_id(&hex)?),
            PrimaryKey::Uuid { value } => core::PrimaryKey::Uuid(parse_uuid(&value)?),
        })
    }
}

impl From<core::Link> for Link {
    fn from(link: core::Link) -> Self {
        Link {
            class_name: link.class,
            pk: link.pk.into(),
        }
    }
}

impl TryFrom<Link> for core::Link {
    type Error = SynclineError;

    fn try_from(link: Link) -> Result<Self> {
        Ok(core::Link {
            class: link.class_name,
            pk: link.pk.try_into()?,
        })
    }
}

impl From<core::Value> for Value {
    fn from(value: core::Value) -> Self {
        match value {
            core::Value::Null => Value::Null,
            core::Value::Bool(value) => Value::Bool { value },
            core::Value::Int(value) => Value::Int { value },
            core::Value::Float(value) => Value::Float { value },
            core::Value::Double(value) => Value::Double { value },
            core::Value::String(value) => Value::String { value },
            core::Value::Binary(value) => Value::Binary { value },
            core::Value::Date(t) => Value::Date { value: t.into() },
            core::Value::ObjectId(oid) => Value::ObjectId { hex: oid.to_hex() },
            core::Value::Uuid(uuid) => Value::Uuid {
                value: uuid.hyphenated().to_string(),
            },
            core::Value::Decimal(d) => Value::Decimal128 {
                value: d.to_string(),
            },
            core::Value::Link(link) => Value::Link { value: link.into() },
            core::Value::List(values) => Value::List {
                values: values.into_iter().map(Value::from).collect(),
            },
            core::Value::Set(values) => Value::Set {
                values: values.into_iter().map(Value::from).collect(),
            },
            core::Value::Dictionary(entries) => Value::Dictionary {
                entries: entries.into_iter().map(|(k, v)| (k, v.into())).collect(),
            },
            core::Value::Embedded(doc) => Value::Embedded {
                fields: fields_from_document(doc),
            },
        }
    }
}

impl TryFrom<Value> for core::Value {
    type Error = SynclineError;

    fn try_from(value: Value) -> Result<Self> {
        Ok(match value {
            Value::Null => core::Value::Null,
            Value::Bool { value } => core::Value::Bool(value),
            Value::Int { value } => core::Value::Int(value),
            Value::Float { value } => core::Value::Float(value),
            Value::Double { value } => core::Value::Double(value),
            Value::String { value } => core::Value::String(value),
            Value::Binary { value } => core::Value::Binary(value),
            Value::Date { value } => core::Value::Date(value.into()),
            Value::ObjectId { hex } => core::Value::ObjectId(parse_object_id(&hex)?),
            Value::Uuid { value } => core::Value::Uuid(parse_uuid(&value)?),
            Value::Decimal128 { value } => core::Value::Decimal(value.parse()?),
            Value::Link { value } => core::Value::Link(value.try_into()?),
            Value::List { values } => core::Value::List(values_to_core(values)?),
            Value::Set { values } => core::Value::Set(values_to_core(values)?),
            Value::Dictionary { entries } => core::Value::Dictionary(
                entries
                    .into_iter()
                    .map(|(k, v)| Ok((k, v.try_into()?)))
                    .collect::<Result<_>>()?,
            ),
            Value::Embedded { fields } => core::Value::Embedded(document_from_fields(fields)?),
        })
    }
}

fn values_to_core(values: Vec<Value>) -> Result<Vec<core::Value>> {
    values.into_iter().map(core::Value::try_from).collect()
}

/// An object's or embedded object's fields, from the core's document.
pub(crate) fn fields_from_document(doc: core::Document) -> HashMap<String, Value> {
    doc.into_iter().map(|(k, v)| (k, v.into())).collect()
}

/// The core's document from fields given by the app.
pub(crate) fn document_from_fields(fields: HashMap<String, Value>) -> Result<core::Document> {
    fields
        .into_iter()
        .map(|(k, v)| Ok((k, v.try_into()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: core::Value) {
        let ffi = Value::from(value.clone());
        let back = core::Value::try_from(ffi).expect("converts back");
        assert_eq!(back, value);
    }

    #[test]
    fn every_value_kind_round_trips() {
        let oid = core::ObjectId::parse_str("5f1b2c3d4e5f601122334455").expect("valid hex");
        let uuid = core::Uuid::parse_str("67e55044-10b1-426f-9247-bb680e5fe0c8").expect("uuid");
        let mut embedded = core::Document::new();
        embedded.insert("street", "Main St".into());
        round_trip(core::Value::Null);
        round_trip(true.into());
        round_trip(i64::MIN.into());
        round_trip(1.5f32.into());
        round_trip(2.25f64.into());
        round_trip("héllo".into());
        round_trip(vec![0u8, 255].into());
        round_trip(core::Timestamp::new(-1, -500_000_000).into());
        round_trip(oid.into());
        round_trip(uuid.into());
        round_trip(core::Value::Decimal("12.50".parse().expect("decimal")));
        round_trip(core::Value::Link(core::Link {
            class: "Task".into(),
            pk: core::PrimaryKey::Uuid(uuid),
        }));
        round_trip(core::Value::List(vec![1.into(), core::Value::Null]));
        round_trip(core::Value::Set(vec!["a".into()]));
        round_trip(core::Value::Dictionary(
            [("k".to_owned(), 1.into())].into_iter().collect(),
        ));
        round_trip(core::Value::Embedded(embedded));
    }

    #[test]
    fn malformed_identifiers_are_rejected_with_the_text() {
        let err =
            core::Value::try_from(Value::ObjectId { hex: "xyz".into() }).expect_err("not hex");
        assert!(err.to_string().contains("\"xyz\""), "{err}");
        let err = core::Value::try_from(Value::Uuid {
            value: "nope".into(),
        })
        .expect_err("not a uuid");
        assert!(matches!(err, SynclineError::InvalidArgument { .. }));
        let err = core::Value::try_from(Value::Decimal128 {
            value: "1.2.3".into(),
        })
        .expect_err("not a decimal");
        assert!(err.to_string().contains("decimal128"), "{err}");
    }
}
