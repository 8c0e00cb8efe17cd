//! The BSON encoding of changesets, used by the outbox and the wire protocol.
//!
//! ```text
//! changeset   { v: 1, replica: int64, clock: int64 (packed Hlc), ins: [instruction...] }
//! instruction { op: "set" | "list_insert" | ..., class: string, pk: pk, path?: [segment...],
//!               value?: value, delta?: int64, element?: binary(20), position?: binary,
//!               key?: string }
//! segment     string (property) | { k: string } (dictionary key) | binary(20) (element id)
//! pk          null | int64 | string | objectId | binary subtype 4 (uuid)
//! value       null | bool | int64 | double | string | binary | objectId | binary subtype 4
//!             (uuid) | decimal128 | a one-key document for the types BSON cannot hold
//!             losslessly: { f: double } float, { t: [int64 seconds, int32 nanos] } date,
//!             { l: [class, pk] } link, { L: [value...] } list, { S: [value...] } set,
//!             { D: [[key, value]...] } dictionary, { E: [[property, value]...] } embedded
//! ```
//!
//! Element ids are [`ElementId::to_bytes`]. Every value round-trips exactly (a `float` stays a
//! `float`, a date keeps its nanoseconds, an embedded object keeps its field order).

use bson::spec::BinarySubtype;
use bson::{Binary, Bson, Document};

use crate::value::{Decimal128, Link, PrimaryKey, Timestamp, Value};

use super::clock::{ElementId, Hlc, ReplicaId};
use super::instruction::{Changeset, Instruction, Operation, PathSegment};
use super::SyncError;

/// The version written in every encoded changeset's `v` field.
pub const CHANGESET_FORMAT_VERSION: i32 = 1;

fn invalid(reason: impl Into<String>) -> SyncError {
    SyncError::Decode {
        reason: reason.into(),
    }
}

impl Changeset {
    /// The BSON document form (see the module documentation for the layout).
    pub fn to_bson(&self) -> Document {
        let mut doc = Document::new();
        doc.insert("v", CHANGESET_FORMAT_VERSION);
        doc.insert("replica", self.replica.to_i64());
        doc.insert("clock", self.clock.to_packed());
        let ins: Vec<Bson> = self
            .instructions
            .iter()
            .map(|i| Bson::Document(instruction_to_bson(i)))
            .collect();
        doc.insert("ins", ins);
        doc
    }

    /// Reads the BSON document form; every malformed part is an error naming it.
    pub fn from_bson(doc: &Document) -> Result<Self, SyncError> {
        let version = match doc.get("v") {
            Some(Bson::Int32(v)) => i64::from(*v),
            Some(Bson::Int64(v)) => *v,
            _ => {
                return Err(invalid(
                    "changeset: missing or non-integer format version 'v'",
                ))
            }
        };
        if version != i64::from(CHANGESET_FORMAT_VERSION) {
            return Err(SyncError::UnsupportedFormat { version });
        }
        let replica = ReplicaId::from_i64(get_i64(doc, "replica", "changeset")?)?;
        let clock = Hlc::from_packed(get_i64(doc, "clock", "changeset")?)?;
        let ins = match doc.get("ins") {
            Some(Bson::Array(items)) => items,
            _ => return Err(invalid("changeset: missing instruction array 'ins'")),
        };
        let mut instructions = Vec::with_capacity(ins.len());
        for (index, item) in ins.iter().enumerate() {
            let Bson::Document(d) = item else {
                return Err(invalid(format!("instruction {index}: not a document")));
            };
            instructions.push(
                instruction_from_bson(d)
                    .map_err(|e| invalid(format!("instruction {index}: {}", reason_of(e))))?,
            );
        }
        Ok(Changeset {
            replica,
            clock,
            instructions,
        })
    }

    /// The encoded bytes of [`Changeset::to_bson`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, SyncError> {
        self.to_bson().to_vec().map_err(|e| SyncError::Encode {
            reason: e.to_string(),
        })
    }

    /// Reads bytes written by [`Changeset::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SyncError> {
        let doc = Document::from_reader(bytes)
            .map_err(|e| invalid(format!("not a BSON document: {e}")))?;
        Self::from_bson(&doc)
    }
}

fn reason_of(e: SyncError) -> String {
    match e {
        SyncError::Decode { reason } => reason,
        other => other.to_string(),
    }
}

fn get_i64(doc: &Document, key: &str, what: &str) -> Result<i64, SyncError> {
    match doc.get(key) {
        Some(Bson::Int64(v)) => Ok(*v),
        Some(Bson::Int32(v)) => Ok(i64::from(*v)),
        Some(other) => Err(invalid(format!(
            "{what}: '{key}' must be an integer, found {:?}",
            other.element_type()
        ))),
        None => Err(invalid(format!("{what}: missing '{key}'"))),
    }
}

fn get_str<'a>(doc: &'a Document, key: &str) -> Result<&'a str, SyncError> {
    match doc.get(key) {
        Some(Bson::String(s)) => Ok(s),
        Some(_) => Err(invalid(format!("'{key}' must be a string"))),
        None => Err(invalid(format!("missing '{key}'"))),
    }
}

fn get_binary<'a>(doc: &'a Document, key: &str) -> Result<&'a [u8], SyncError> {
    match doc.get(key) {
        Some(Bson::Binary(b)) => Ok(&b.bytes),
        Some(_) => Err(invalid(format!("'{key}' must be binary"))),
        None => Err(invalid(format!("missing '{key}'"))),
    }
}

fn get_value(doc: &Document, key: &str) -> Result<Value, SyncError> {
    match doc.get(key) {
        Some(b) => value_from_bson(b),
        None => Err(invalid(format!("missing '{key}'"))),
    }
}

fn binary(bytes: &[u8]) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Generic,
        bytes: bytes.to_vec(),
    })
}

fn instruction_to_bson(instruction: &Instruction) -> Document {
    let mut doc = Document::new();
    doc.insert("op", instruction.op.name());
    doc.insert("class", instruction.object.class.clone());
    doc.insert("pk", pk_to_bson(&instruction.object.pk));
    if !instruction.path.is_empty() {
        let path: Vec<Bson> = instruction
            .path
            .iter()
            .map(|segment| match segment {
                PathSegment::Property(name) => Bson::String(name.clone()),
                PathSegment::Key(key) => {
                    let mut d = Document::new();
                    d.insert("k", key.clone());
                    Bson::Document(d)
                }
                PathSegment::Element(id) => binary(&id.to_bytes()),
            })
            .collect();
        doc.insert("path", path);
    }
    match &instruction.op {
        Operation::CreateObject | Operation::EraseObject | Operation::Clear => {}
        Operation::Set { value } | Operation::SetAdd { value } | Operation::SetRemove { value } => {
            doc.insert("value", value_to_bson(value));
        }
        Operation::AddInteger { delta } => {
            doc.insert("delta", *delta);
        }
        Operation::ListInsert {
            element,
            position,
            value,
        } => {
            doc.insert("element", binary(&element.to_bytes()));
            doc.insert("position", binary(position));
            doc.insert("value", value_to_bson(value));
        }
        Operation::ListSet { element, value } => {
            doc.insert("element", binary(&element.to_bytes()));
            doc.insert("value", value_to_bson(value));
        }
        Operation::ListErase { element } => {
            doc.insert("element", binary(&element.to_bytes()));
        }
        Operation::ListMove { element, position } => {
            doc.insert("element", binary(&element.to_bytes()));
            doc.insert("position", binary(position));
        }
        Operation::DictionarySet { key, value } => {
            doc.insert("key", key.clone());
            doc.insert("value", value_to_bson(value));
        }
        Operation::DictionaryErase { key } => {
            doc.insert("key", key.clone());
        }
    }
    doc
}

fn instruction_from_bson(doc: &Document) -> Result<Instruction, SyncError> {
    let op_name = get_str(doc, "op")?;
    let class = get_str(doc, "class")?.to_owned();
    let pk = pk_from_bson(doc.get("pk").ok_or_else(|| invalid("missing 'pk'"))?)?;
    let path = match doc.get("path") {
        None => Vec::new(),
        Some(Bson::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Bson::String(name) => Ok(PathSegment::Property(name.clone())),
                Bson::Document(d) => Ok(PathSegment::Key(
                    get_str(d, "k")
                        .map_err(|_| invalid(format!("path step {i}: expected {{k: string}}")))?
                        .to_owned(),
                )),
                Bson::Binary(b) => Ok(PathSegment::Element(ElementId::from_bytes(&b.bytes)?)),
                _ => Err(invalid(format!("path step {i}: unexpected BSON type"))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("'path' must be an array")),
    };
    let element = || ElementId::from_bytes(get_binary(doc, "element")?);
    let op = match op_name {
        "create_object" => Operation::CreateObject,
        "erase_object" => Operation::EraseObject,
        "clear" => Operation::Clear,
        "set" => Operation::Set {
            value: get_value(doc, "value")?,
        },
        "set_add" => Operation::SetAdd {
            value: get_value(doc, "value")?,
        },
        "set_remove" => Operation::SetRemove {
            value: get_value(doc, "value")?,
        },
        "add_integer" => Operation::AddInteger {
            delta: get_i64(doc, "delta", "add_integer")?,
        },
        "list_insert" => Operation::ListInsert {
            element: element()?,
            position: get_binary(doc, "position")?.to_vec(),
            value: get_value(doc, "value")?,
        },
        "list_set" => Operation::ListSet {
            element: element()?,
            value: get_value(doc, "value")?,
        },
        "list_erase" => Operation::ListErase {
            element: element()?,
        },
        "list_move" => Operation::ListMove {
            element: element()?,
            position: get_binary(doc, "position")?.to_vec(),
        },
        "dictionary_set" => Operation::DictionarySet {
            key: get_str(doc, "key")?.to_owned(),
            value: get_value(doc, "value")?,
        },
        "dictionary_erase" => Operation::DictionaryErase {
            key: get_str(doc, "key")?.to_owned(),
        },
        other => return Err(invalid(format!("unknown operation {other:?}"))),
    };
    Ok(Instruction {
        object: Link { class, pk },
        path,
        op,
    })
}

fn uuid_bson(uuid: &uuid::Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: uuid.as_bytes().to_vec(),
    })
}

fn uuid_from(bytes: &[u8]) -> Result<uuid::Uuid, SyncError> {
    uuid::Uuid::from_slice(bytes).map_err(|_| invalid("a uuid must have 16 bytes"))
}

/// The BSON form of a primary key.
pub fn pk_to_bson(pk: &PrimaryKey) -> Bson {
    match pk {
        PrimaryKey::Null => Bson::Null,
        PrimaryKey::Int(v) => Bson::Int64(*v),
        PrimaryKey::String(v) => Bson::String(v.clone()),
        PrimaryKey::ObjectId(v) => Bson::ObjectId(*v),
        PrimaryKey::Uuid(v) => uuid_bson(v),
    }
}

/// Reads a primary key written by [`pk_to_bson`].
pub fn pk_from_bson(bson: &Bson) -> Result<PrimaryKey, SyncError> {
    match bson {
        Bson::Null => Ok(PrimaryKey::Null),
        Bson::Int64(v) => Ok(PrimaryKey::Int(*v)),
        Bson::Int32(v) => Ok(PrimaryKey::Int(i64::from(*v))),
        Bson::String(v) => Ok(PrimaryKey::String(v.clone())),
        Bson::ObjectId(v) => Ok(PrimaryKey::ObjectId(*v)),
        Bson::Binary(b) if b.subtype == BinarySubtype::Uuid => {
            Ok(PrimaryKey::Uuid(uuid_from(&b.bytes)?))
        }
        other => Err(invalid(format!(
            "a primary key must be null, int, string, objectId or uuid, found {:?}",
            other.element_type()
        ))),
    }
}

fn tagged(tag: &str, inner: Bson) -> Bson {
    let mut d = Document::new();
    d.insert(tag, inner);
    Bson::Document(d)
}

fn pairs<'a>(entries: impl Iterator<Item = (&'a str, &'a Value)>) -> Bson {
    Bson::Array(
        entries
            .map(|(k, v)| Bson::Array(vec![Bson::String(k.to_owned()), value_to_bson(v)]))
            .collect(),
    )
}

/// The lossless BSON form of a value (see the module documentation).
pub fn value_to_bson(value: &Value) -> Bson {
    match value {
        Value::Null => Bson::Null,
        Value::Bool(v) => Bson::Boolean(*v),
        Value::Int(v) => Bson::Int64(*v),
        Value::Float(v) => tagged("f", Bson::Double(f64::from(*v))),
        Value::Double(v) => Bson::Double(*v),
        Value::String(v) => Bson::String(v.clone()),
        Value::Binary(v) => binary(v),
        Value::Date(t) => tagged(
            "t",
            Bson::Array(vec![Bson::Int64(t.seconds), Bson::Int32(t.nanos)]),
        ),
        Value::ObjectId(v) => Bson::ObjectId(*v),
        Value::Uuid(v) => uuid_bson(v),
        Value::Decimal(d) => Bson::Decimal128(d.0),
        Value::Link(link) => tagged(
            "l",
            Bson::Array(vec![Bson::String(link.class.clone()), pk_to_bson(&link.pk)]),
        ),
        Value::List(items) => tagged("L", Bson::Array(items.iter().map(value_to_bson).collect())),
        Value::Set(items) => tagged("S", Bson::Array(items.iter().map(value_to_bson).collect())),
        Value::Dictionary(map) => tagged("D", pairs(map.iter().map(|(k, v)| (k.as_str(), v)))),
        Value::Embedded(doc) => tagged("E", pairs(doc.iter())),
    }
}

fn read_pairs(bson: &Bson, what: &str) -> Result<Vec<(String, Value)>, SyncError> {
    let Bson::Array(items) = bson else {
        return Err(invalid(format!(
            "{what}: expected an array of [key, value]"
        )));
    };
    items
        .iter()
        .map(|item| match item {
            Bson::Array(pair) if pair.len() == 2 => match &pair[0] {
                Bson::String(k) => Ok((k.clone(), value_from_bson(&pair[1])?)),
                _ => Err(invalid(format!("{what}: a key must be a string"))),
            },
            _ => Err(invalid(format!("{what}: expected [key, value] pairs"))),
        })
        .collect()
}

fn read_array(bson: &Bson, what: &str) -> Result<Vec<Value>, SyncError> {
    let Bson::Array(items) = bson else {
        return Err(invalid(format!("{what}: expected an array")));
    };
    items.iter().map(value_from_bson).collect()
}

/// Reads a value written by [`value_to_bson`].
pub fn value_from_bson(bson: &Bson) -> Result<Value, SyncError> {
    Ok(match bson {
        Bson::Null => Value::Null,
        Bson::Boolean(v) => Value::Bool(*v),
        Bson::Int64(v) => Value::Int(*v),
        Bson::Int32(v) => Value::Int(i64::from(*v)),
        Bson::Double(v) => Value::Double(*v),
        Bson::String(v) => Value::String(v.clone()),
        Bson::ObjectId(v) => Value::ObjectId(*v),
        Bson::Decimal128(v) => Value::Decimal(Decimal128(*v)),
        Bson::Binary(b) if b.subtype == BinarySubtype::Uuid => Value::Uuid(uuid_from(&b.bytes)?),
        Bson::Binary(b) => Value::Binary(b.bytes.clone()),
        Bson::Document(d) => {
            let mut entries = d.iter();
            let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
                return Err(invalid(
                    "a tagged value must be a document with exactly one key",
                ));
            };
            match (tag.as_str(), inner) {
                // An `f64` holding a widened `f32` narrows back exactly.
                ("f", Bson::Double(v)) => Value::Float(*v as f32),
                ("t", Bson::Array(parts)) => match parts.as_slice() {
                    [Bson::Int64(s), Bson::Int32(n)] => Value::Date(Timestamp::new(*s, *n)),
                    _ => return Err(invalid("a date must be [int64 seconds, int32 nanos]")),
                },
                ("l", Bson::Array(parts)) => match parts.as_slice() {
                    [Bson::String(class), pk] => Value::Link(Link {
                        class: class.clone(),
                        pk: pk_from_bson(pk)?,
                    }),
                    _ => return Err(invalid("a link must be [class, primary key]")),
                },
                ("L", inner) => Value::List(read_array(inner, "list")?),
                ("S", inner) => Value::Set(read_array(inner, "set")?),
                ("D", inner) => {
                    Value::Dictionary(read_pairs(inner, "dictionary")?.into_iter().collect())
                }
                ("E", inner) => {
                    Value::Embedded(read_pairs(inner, "embedded object")?.into_iter().collect())
                }
                (tag, _) => return Err(invalid(format!("unknown value tag {tag:?}"))),
            }
        }
        other => {
            return Err(invalid(format!(
                "unsupported BSON type {:?} for a value",
                other.element_type()
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::value::{Document as EmbeddedDoc, ObjectId, Uuid};

    fn sample_changeset() -> Changeset {
        let replica = ReplicaId::new(77).unwrap();
        let mut cs = Changeset::new(replica, Hlc::new(1_700_000_000_123, 5).unwrap());
        let pk = PrimaryKey::ObjectId(ObjectId::from_bytes([7; 12]));
        let prop = |p: &str| PathSegment::Property(p.into());
        cs.instructions
            .push(Instruction::create("Task", pk.clone()));
        let mut embedded = EmbeddedDoc::new();
        embedded.insert("street", "Main".into());
        embedded.insert("n", Value::Float(1.5));
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(0.1),
            Value::Double(2.25),
            Value::String("héllo".into()),
            Value::Binary(vec![0, 1, 2]),
            Value::Date(Timestamp::new(-1, -500_000_000)),
            Value::ObjectId(ObjectId::from_bytes([1; 12])),
            Value::Uuid(Uuid::from_bytes([3; 16])),
            Value::Decimal("12.50".parse().unwrap()),
            Value::Link(Link {
                class: "Person".into(),
                pk: PrimaryKey::Uuid(Uuid::from_bytes([4; 16])),
            }),
            Value::List(vec![1.into(), Value::Null]),
            Value::Set(vec!["a".into()]),
            Value::Dictionary(BTreeMap::from([("$k.x".to_owned(), 1.into())])),
            Value::Embedded(embedded),
        ];
        for value in values {
            cs.instructions.push(Instruction::at(
                "Task",
                pk.clone(),
                vec![prop("field")],
                Operation::Set { value },
            ));
        }
        let element = cs.next_element_id();
        let path = vec![prop("items")];
        let ops = vec![
            Operation::AddInteger { delta: i64::MIN },
            Operation::ListInsert {
                element,
                position: vec![0x80, 0],
                value: "x".into(),
            },
            Operation::ListSet {
                element,
                value: "y".into(),
            },
            Operation::ListMove {
                element,
                position: vec![0x10],
            },
            Operation::ListErase { element },
            Operation::SetAdd { value: 1.into() },
            Operation::SetRemove { value: 1.into() },
            Operation::DictionarySet {
                key: "k".into(),
                value: 2.into(),
            },
            Operation::DictionaryErase { key: "k".into() },
            Operation::Clear,
        ];
        for op in ops {
            cs.instructions
                .push(Instruction::at("Task", pk.clone(), path.clone(), op));
        }
        cs.instructions.push(Instruction::at(
            "Task",
            pk.clone(),
            vec![
                prop("addresses"),
                PathSegment::Element(element),
                prop("street"),
            ],
            Operation::Set { value: "z".into() },
        ));
        cs.instructions.push(Instruction::at(
            "Task",
            pk.clone(),
            vec![prop("byName"), PathSegment::Key("home".into()), prop("n")],
            Operation::AddInteger { delta: 1 },
        ));
        cs.instructions.push(Instruction::erase("Task", pk));
        cs
    }

    #[test]
    fn every_instruction_and_value_round_trips() {
        let cs = sample_changeset();
        cs.validate().unwrap();
        let bytes = cs.to_bytes().unwrap();
        assert_eq!(Changeset::from_bytes(&bytes).unwrap(), cs);
    }

    #[test]
    fn malformed_input_is_an_error_that_says_where() {
        assert!(Changeset::from_bytes(b"garbage").is_err());
        let mut doc = sample_changeset().to_bson();
        doc.insert("v", 99);
        assert!(matches!(
            Changeset::from_bson(&doc),
            Err(SyncError::UnsupportedFormat { version: 99 })
        ));
        let mut doc = sample_changeset().to_bson();
        let Some(Bson::Array(ins)) = doc.get_mut("ins") else {
            panic!("ins missing")
        };
        if let Bson::Document(first) = &mut ins[1] {
            first.insert("op", "explode");
        }
        let err = Changeset::from_bson(&doc).unwrap_err().to_string();
        assert!(
            err.contains("instruction 1") && err.contains("explode"),
            "{err}"
        );
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f32>()
                .prop_filter("NaN never equals itself", |f| !f.is_nan())
                .prop_map(Value::Float),
            any::<f64>()
                .prop_filter("NaN never equals itself", |f| !f.is_nan())
                .prop_map(Value::Double),
            ".*".prop_map(Value::String),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Binary),
            (any::<i64>(), -999_999_999i32..=999_999_999)
                .prop_map(|(s, n)| Value::Date(Timestamp::new(s / 4, n))),
            any::<[u8; 12]>().prop_map(|b| Value::ObjectId(ObjectId::from_bytes(b))),
            any::<[u8; 16]>().prop_map(|b| Value::Uuid(Uuid::from_bytes(b))),
            (".{0,8}", any::<i64>()).prop_map(|(class, pk)| Value::Link(Link {
                class,
                pk: PrimaryKey::Int(pk)
            })),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Set),
                proptest::collection::btree_map(".{0,4}", inner.clone(), 0..4)
                    .prop_map(Value::Dictionary),
                proptest::collection::vec((".{0,4}", inner), 0..4)
                    .prop_map(|kv| Value::Embedded(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_value_round_trips(v in value()) {
            let back = value_from_bson(&value_to_bson(&v)).unwrap();
            prop_assert_eq!(back, v);
        }
    }
}
