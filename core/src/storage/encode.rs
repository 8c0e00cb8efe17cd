//! Encoding of scalar values into SQLite values and back.
//!
//! The encodings keep SQL comparisons meaningful where the type allows it: numbers stay SQLite
//! numbers, strings stay `TEXT` (compared by UTF-8 bytes, like Realm), dates become a 12-byte
//! order-preserving blob, objectIds and uuids their raw bytes (Realm orders them bytewise).
//! Decimal128 is stored as its 16 BSON bytes, which do not sort numerically: the query compiler
//! leaves comparisons on decimals to the in-memory evaluator.

use rusqlite::types::Value as Sql;

use crate::schema::PropertyType;
use crate::value::{Decimal128, ObjectId, Timestamp, Uuid, Value};

use super::{Result, StorageError};

/// The type tag stored next to a `mixed` value (column `p@type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum MixedTag {
    /// `null`.
    Null = 0,
    /// `bool` (stored as 0/1).
    Bool = 1,
    /// `int`.
    Int = 2,
    /// `float` (stored as REAL).
    Float = 3,
    /// `double`.
    Double = 4,
    /// `string`.
    String = 5,
    /// `binary`.
    Binary = 6,
    /// `date` (12-byte blob).
    Date = 7,
    /// `objectId`.
    ObjectId = 8,
    /// `uuid`.
    Uuid = 9,
    /// `decimal128`.
    Decimal = 10,
    /// A link: the value is `class name, 0x00, big-endian row key`.
    Link = 11,
    /// A list held in the mixed value (nested collections, Realm 2024+): a BSON document
    /// `{"v": [...]}`; links inside are `{"$ref": class, "$id": primary key}`.
    List = 12,
    /// A dictionary held in the mixed value: a BSON document `{"v": {...}}`.
    Dictionary = 13,
}

impl MixedTag {
    /// The tag for a stored integer.
    pub fn from_i64(tag: i64) -> Option<Self> {
        use MixedTag::*;
        Some(match tag {
            0 => Null,
            1 => Bool,
            2 => Int,
            3 => Float,
            4 => Double,
            5 => String,
            6 => Binary,
            7 => Date,
            8 => ObjectId,
            9 => Uuid,
            10 => Decimal,
            11 => Link,
            12 => List,
            13 => Dictionary,
            _ => return None,
        })
    }
}

/// How a NaN float or double is stored.
pub const NAN: &str = "NaN";

/// The order-preserving 12-byte encoding of a date.
pub fn encode_date(ts: Timestamp) -> Vec<u8> {
    let total = ts.total_nanos();
    let seconds = total.div_euclid(1_000_000_000);
    let nanos = total.rem_euclid(1_000_000_000) as u32;
    // Seconds of a valid Timestamp always fit i64.
    let seconds = i64::try_from(seconds).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX });
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&((seconds as u64) ^ (1 << 63)).to_be_bytes());
    out.extend_from_slice(&nanos.to_be_bytes());
    out
}

/// Decodes [`encode_date`].
pub fn decode_date(bytes: &[u8]) -> Result<Timestamp> {
    let (s, n) = match (bytes.get(0..8), bytes.get(8..12)) {
        (Some(s), Some(n)) if bytes.len() == 12 => (s, n),
        _ => return Err(StorageError::corrupt("a stored date is not 12 bytes")),
    };
    let mut sb = [0u8; 8];
    sb.copy_from_slice(s);
    let mut nb = [0u8; 4];
    nb.copy_from_slice(n);
    let seconds = (u64::from_be_bytes(sb) ^ (1 << 63)) as i64;
    let nanos = u32::from_be_bytes(nb);
    Ok(Timestamp::from_total_nanos(
        i128::from(seconds) * 1_000_000_000 + i128::from(nanos),
    ))
}

/// Converts `value` to the column encoding of scalar type `ty`, or returns the name of the type
/// that was expected when the value does not fit. Links, embedded objects and `mixed` are
/// handled by the callers (they need the database).
///
/// Ints are accepted for float/double properties and doubles for float properties, as the
/// SDKs' number literals would be.
pub fn encode_scalar(ty: PropertyType, value: &Value) -> std::result::Result<Sql, &'static str> {
    Ok(match (ty, value) {
        // SQLite stores a NaN as NULL: keep it as the text 'NaN' (the query compiler guards
        // numeric comparisons and sorts against it).
        (PropertyType::Float, Value::Float(f)) if f.is_nan() => Sql::Text(NAN.into()),
        (PropertyType::Float | PropertyType::Double, Value::Double(d)) if d.is_nan() => {
            Sql::Text(NAN.into())
        }
        (PropertyType::Double, Value::Float(f)) if f.is_nan() => Sql::Text(NAN.into()),
        (PropertyType::Bool, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (PropertyType::Int, Value::Int(i)) => Sql::Integer(*i),
        (PropertyType::Float, Value::Float(f)) => Sql::Real(f64::from(*f)),
        (PropertyType::Float, Value::Double(d)) => Sql::Real(f64::from(*d as f32)),
        (PropertyType::Float, Value::Int(i)) => Sql::Real(f64::from(*i as f32)),
        (PropertyType::Double, Value::Double(d)) => Sql::Real(*d),
        (PropertyType::Double, Value::Float(f)) => Sql::Real(f64::from(*f)),
        (PropertyType::Double, Value::Int(i)) => Sql::Real(*i as f64),
        (PropertyType::String, Value::String(s)) => Sql::Text(s.clone()),
        (PropertyType::Binary, Value::Binary(b)) => Sql::Blob(b.clone()),
        (PropertyType::Date, Value::Date(ts)) => Sql::Blob(encode_date(*ts)),
        (PropertyType::ObjectId, Value::ObjectId(oid)) => Sql::Blob(oid.bytes().to_vec()),
        (PropertyType::Uuid, Value::Uuid(u)) => Sql::Blob(u.as_bytes().to_vec()),
        (PropertyType::Decimal128, Value::Decimal(d)) => Sql::Blob(d.0.bytes().to_vec()),
        _ => return Err(type_name(ty)),
    })
}

/// Decodes a typed column value of scalar type `ty`.
pub fn decode_scalar(ty: PropertyType, sql: Sql) -> Result<Value> {
    Ok(match (ty, sql) {
        (_, Sql::Null) => Value::Null,
        (PropertyType::Bool, Sql::Integer(i)) => Value::Bool(i != 0),
        (PropertyType::Int, Sql::Integer(i)) => Value::Int(i),
        (PropertyType::Float, Sql::Text(t)) if t == NAN => Value::Float(f32::NAN),
        (PropertyType::Double, Sql::Text(t)) if t == NAN => Value::Double(f64::NAN),
        (PropertyType::Float, Sql::Real(f)) => Value::Float(f as f32),
        (PropertyType::Float, Sql::Integer(i)) => Value::Float(i as f32),
        (PropertyType::Double, Sql::Real(f)) => Value::Double(f),
        (PropertyType::Double, Sql::Integer(i)) => Value::Double(i as f64),
        (PropertyType::String, Sql::Text(s)) => Value::String(s),
        (PropertyType::Binary, Sql::Blob(b)) => Value::Binary(b),
        (PropertyType::Date, Sql::Blob(b)) => Value::Date(decode_date(&b)?),
        (PropertyType::ObjectId, Sql::Blob(b)) => {
            let bytes: [u8; 12] = b
                .try_into()
                .map_err(|_| StorageError::corrupt("a stored objectId is not 12 bytes"))?;
            Value::ObjectId(ObjectId::from_bytes(bytes))
        }
        (PropertyType::Uuid, Sql::Blob(b)) => Value::Uuid(
            Uuid::from_slice(&b)
                .map_err(|_| StorageError::corrupt("a stored uuid is not 16 bytes"))?,
        ),
        (PropertyType::Decimal128, Sql::Blob(b)) => {
            let bytes: [u8; 16] = b
                .try_into()
                .map_err(|_| StorageError::corrupt("a stored decimal128 is not 16 bytes"))?;
            Value::Decimal(Decimal128(bson::Decimal128::from_bytes(bytes)))
        }
        (ty, other) => {
            return Err(StorageError::corrupt(format!(
                "a stored {} value has SQLite type {:?}",
                type_name(ty),
                other.data_type()
            )))
        }
    })
}

/// Encodes a non-link mixed value as (value, tag). Links are encoded by the caller with
/// [`encode_mixed_link`] since they need the target's row key.
pub fn encode_mixed(value: &Value) -> std::result::Result<(Sql, MixedTag), &'static str> {
    let tag = match value {
        Value::Null => return Ok((Sql::Null, MixedTag::Null)),
        Value::Bool(_) => MixedTag::Bool,
        Value::Int(_) => MixedTag::Int,
        Value::Float(_) => MixedTag::Float,
        Value::Double(_) => MixedTag::Double,
        Value::String(_) => MixedTag::String,
        Value::Binary(_) => MixedTag::Binary,
        Value::Date(_) => MixedTag::Date,
        Value::ObjectId(_) => MixedTag::ObjectId,
        Value::Uuid(_) => MixedTag::Uuid,
        Value::Decimal(_) => MixedTag::Decimal,
        Value::List(_) | Value::Dictionary(_) => return encode_nested(value),
        _ => return Err("a mixed value (a scalar, a link, a list or a dictionary; not a set or an embedded object)"),
    };
    let ty = tag_type(tag).ok_or("a mixed scalar")?;
    Ok((encode_scalar(ty, value)?, tag))
}

/// A list or dictionary held in a mixed value, as a BSON blob (its elements may be scalars,
/// links, lists and dictionaries, nested to any depth; sets and embedded objects are refused,
/// as in Realm).
fn encode_nested(value: &Value) -> std::result::Result<(Sql, MixedTag), &'static str> {
    fn allowed(v: &Value) -> bool {
        match v {
            Value::Set(_) | Value::Embedded(_) => false,
            Value::List(items) => items.iter().all(allowed),
            Value::Dictionary(map) => map.values().all(allowed),
            _ => true,
        }
    }
    if !allowed(value) {
        return Err("a mixed list or dictionary without sets or embedded objects inside");
    }
    let tag = match value {
        Value::List(_) => MixedTag::List,
        _ => MixedTag::Dictionary,
    };
    let mut doc = bson::Document::new();
    doc.insert("v", value.to_bson());
    let mut bytes = Vec::new();
    doc.to_writer(&mut bytes)
        .map_err(|_| "a mixed list or dictionary that BSON can hold")?;
    Ok((Sql::Blob(bytes), tag))
}

/// Decodes a list or dictionary held in a mixed value (see [`MixedTag::List`]).
pub fn decode_nested(sql: Sql) -> Result<Value> {
    let Sql::Blob(bytes) = sql else {
        return Err(StorageError::corrupt(
            "a stored mixed collection is not a blob",
        ));
    };
    let doc = bson::Document::from_reader(bytes.as_slice())
        .map_err(|_| StorageError::corrupt("a stored mixed collection is not BSON"))?;
    let inner = doc
        .get("v")
        .ok_or_else(|| StorageError::corrupt("a stored mixed collection has no value"))?;
    Value::from_bson(inner, crate::value::ValueHint::Any)
        .map_err(|_| StorageError::corrupt("a stored mixed collection holds an unknown value"))
}

/// The stored form of a link inside a mixed value.
pub fn encode_mixed_link(class: &str, row: i64) -> Sql {
    let mut out = Vec::with_capacity(class.len() + 9);
    out.extend_from_slice(class.as_bytes());
    out.push(0);
    out.extend_from_slice(&row.to_be_bytes());
    Sql::Blob(out)
}

/// Splits a stored mixed link into (class, row).
pub fn decode_mixed_link(bytes: &[u8]) -> Result<(String, i64)> {
    let split = bytes
        .iter()
        .position(|b| *b == 0)
        .ok_or_else(|| StorageError::corrupt("a stored mixed link has no separator"))?;
    let class = std::str::from_utf8(&bytes[..split])
        .map_err(|_| StorageError::corrupt("a stored mixed link class is not UTF-8"))?;
    let row: [u8; 8] = bytes[split + 1..]
        .try_into()
        .map_err(|_| StorageError::corrupt("a stored mixed link row is not 8 bytes"))?;
    Ok((class.to_owned(), i64::from_be_bytes(row)))
}

/// The scalar type that a mixed tag's value is stored as (None for null and links).
pub fn tag_type(tag: MixedTag) -> Option<PropertyType> {
    Some(match tag {
        MixedTag::Null | MixedTag::Link | MixedTag::List | MixedTag::Dictionary => return None,
        MixedTag::Bool => PropertyType::Bool,
        MixedTag::Int => PropertyType::Int,
        MixedTag::Float => PropertyType::Float,
        MixedTag::Double => PropertyType::Double,
        MixedTag::String => PropertyType::String,
        MixedTag::Binary => PropertyType::Binary,
        MixedTag::Date => PropertyType::Date,
        MixedTag::ObjectId => PropertyType::ObjectId,
        MixedTag::Uuid => PropertyType::Uuid,
        MixedTag::Decimal => PropertyType::Decimal128,
    })
}

/// The zero of a scalar type (false, 0, "", empty data, the epoch, the all-zero object id, the
/// nil uuid, decimal 0); null for mixed, links and backlinks. A required property that was
/// never written holds it: a migration fills new properties with it, and sync merges start
/// from it, so it must be the same on every replica.
pub(crate) fn zero_value(ty: PropertyType) -> Value {
    match ty {
        PropertyType::Bool => Value::Bool(false),
        PropertyType::Int => Value::Int(0),
        PropertyType::Float => Value::Float(0.0),
        PropertyType::Double => Value::Double(0.0),
        PropertyType::String => Value::String(String::new()),
        PropertyType::Binary => Value::Binary(Vec::new()),
        PropertyType::Date => Value::Date(Timestamp::new(0, 0)),
        PropertyType::ObjectId => Value::ObjectId(ObjectId::from_bytes([0; 12])),
        PropertyType::Uuid => Value::Uuid(Uuid::nil()),
        PropertyType::Decimal128 => "0"
            .parse::<Decimal128>()
            .map(Value::Decimal)
            .unwrap_or(Value::Null),
        PropertyType::Mixed | PropertyType::Object | PropertyType::LinkingObjects => Value::Null,
    }
}

/// The schema's spelling of a property type.
pub fn type_name(ty: PropertyType) -> &'static str {
    match ty {
        PropertyType::Bool => "bool",
        PropertyType::Int => "int",
        PropertyType::Float => "float",
        PropertyType::Double => "double",
        PropertyType::String => "string",
        PropertyType::Binary => "binary",
        PropertyType::Date => "date",
        PropertyType::ObjectId => "objectId",
        PropertyType::Uuid => "uuid",
        PropertyType::Decimal128 => "decimal128",
        PropertyType::Mixed => "mixed",
        PropertyType::Object => "object",
        PropertyType::LinkingObjects => "linkingObjects",
    }
}

/// The SQLite column type (affinity) used for a scalar type; `""` (no affinity) for mixed, so
/// that SQLite never converts a mixed value.
pub fn column_type(ty: PropertyType) -> &'static str {
    match ty {
        PropertyType::Bool | PropertyType::Int | PropertyType::Object => "INTEGER",
        PropertyType::Float | PropertyType::Double => "REAL",
        PropertyType::String => "TEXT",
        PropertyType::Binary
        | PropertyType::Date
        | PropertyType::ObjectId
        | PropertyType::Uuid
        | PropertyType::Decimal128 => "BLOB",
        PropertyType::Mixed | PropertyType::LinkingObjects => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_sort_bytewise_in_time_order() {
        let dates = [
            Timestamp::new(-100, -5),
            Timestamp::new(-1, -500_000_000),
            Timestamp::new(-1, 0),
            Timestamp::new(0, -1),
            Timestamp::new(0, 0),
            Timestamp::new(0, 1),
            Timestamp::new(1, 0),
            Timestamp::new(1_700_000_000, 999_999_999),
        ];
        let encoded: Vec<Vec<u8>> = dates.iter().map(|d| encode_date(*d)).collect();
        for pair in encoded.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for (d, e) in dates.iter().zip(&encoded) {
            assert_eq!(decode_date(e).ok(), Some(*d));
        }
    }

    #[test]
    fn scalars_round_trip_and_wrong_types_are_refused() {
        let oid = ObjectId::new();
        let cases = [
            (PropertyType::Bool, Value::Bool(true)),
            (PropertyType::Int, Value::Int(-7)),
            (PropertyType::Float, Value::Float(1.5)),
            (PropertyType::Double, Value::Double(2.25)),
            (PropertyType::String, Value::String("é".into())),
            (PropertyType::Binary, Value::Binary(vec![0, 1])),
            (PropertyType::ObjectId, Value::ObjectId(oid)),
            (PropertyType::Uuid, Value::Uuid(Uuid::nil())),
            (
                PropertyType::Decimal128,
                Value::Decimal("1.5".parse().expect("decimal literal")),
            ),
        ];
        for (ty, v) in cases {
            let sql = encode_scalar(ty, &v).expect("encodes");
            assert_eq!(decode_scalar(ty, sql).expect("decodes"), v);
        }
        assert_eq!(
            encode_scalar(PropertyType::Int, &Value::String("1".into())),
            Err("int")
        );
        assert!(decode_scalar(PropertyType::ObjectId, Sql::Blob(vec![1, 2])).is_err());
        for (ty, v) in [
            (PropertyType::Double, Value::Double(f64::NAN)),
            (PropertyType::Float, Value::Float(f32::NAN)),
        ] {
            let sql = encode_scalar(ty, &v).expect("encodes");
            assert!(!matches!(sql, Sql::Null), "a NaN is not stored as null");
            match decode_scalar(ty, sql).expect("decodes") {
                Value::Double(d) => assert!(d.is_nan()),
                Value::Float(f) => assert!(f.is_nan()),
                other => panic!("decoded {other:?}"),
            }
        }
    }

    #[test]
    fn mixed_links_round_trip() {
        let Sql::Blob(b) = encode_mixed_link("Dog", 42) else {
            panic!("a link is a blob")
        };
        assert_eq!(decode_mixed_link(&b).ok(), Some(("Dog".to_owned(), 42)));
        assert!(decode_mixed_link(b"nosep").is_err());
    }
}
