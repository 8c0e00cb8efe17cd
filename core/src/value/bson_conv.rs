//! [`Value`] ⇄ `bson::Bson`, one to one.
//!
//! | Value | BSON |
//! |---|---|
//! | `Int` | Int64 (Int32 is read as `Int` too) |
//! | `Float` | Double (the `f32` widened exactly; a `float` hint narrows it back) |
//! | `Double` | Double |
//! | `Date` | DateTime (milliseconds) when the date has no sub-millisecond part; otherwise the document `{"$date": DateTime(floor to ms), "$nanos": Int32(0..=999_999)}` so nanoseconds survive |
//! | `Uuid` | Binary subtype 4 |
//! | `Binary` | Binary subtype 0 |
//! | `Link` | DBRef-style document `{"$ref": class, "$id": pk}` |
//! | `List`, `Set` | Array (the schema tells a set) |
//! | `Dictionary`, `Embedded` | Document (the schema tells an embedded object) |
//!
//! Reading takes the same [`ValueHint`] as Extended JSON reading.

use base64::Engine as _;
use bson::spec::BinarySubtype;
use bson::{Binary, Bson};
use serde_json::{Map, Value as Json};

use super::{iso8601, ValueError, ValueHint};
use super::{PrimaryKey, Timestamp, Value};

const NANOS_PER_MILLI: i128 = 1_000_000;

fn date_to_bson(ts: &Timestamp) -> Bson {
    let total = ts.total_nanos();
    let millis = total.div_euclid(NANOS_PER_MILLI);
    let sub = total.rem_euclid(NANOS_PER_MILLI);
    let millis = i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX });
    let dt = Bson::DateTime(bson::DateTime::from_millis(millis));
    if sub == 0 {
        dt
    } else {
        let mut doc = bson::Document::new();
        doc.insert("$date", dt);
        // `sub` is in 0..1_000_000, so it fits an i32.
        doc.insert("$nanos", Bson::Int32(sub as i32));
        Bson::Document(doc)
    }
}

fn pk_to_bson(pk: &PrimaryKey) -> Bson {
    Value::from(pk.clone()).to_bson()
}

impl Value {
    /// This value as BSON (see the module documentation for the mapping).
    pub fn to_bson(&self) -> Bson {
        match self {
            Value::Null => Bson::Null,
            Value::Bool(b) => Bson::Boolean(*b),
            Value::Int(i) => Bson::Int64(*i),
            Value::Float(f) => Bson::Double(f64::from(*f)),
            Value::Double(d) => Bson::Double(*d),
            Value::String(s) => Bson::String(s.clone()),
            Value::Binary(b) => Bson::Binary(Binary {
                subtype: BinarySubtype::Generic,
                bytes: b.clone(),
            }),
            Value::Date(ts) => date_to_bson(ts),
            Value::ObjectId(oid) => Bson::ObjectId(*oid),
            Value::Uuid(u) => Bson::Binary(Binary {
                subtype: BinarySubtype::Uuid,
                bytes: u.as_bytes().to_vec(),
            }),
            Value::Decimal(d) => Bson::Decimal128(d.0),
            Value::Link(link) => {
                let mut doc = bson::Document::new();
                doc.insert("$ref", Bson::String(link.class.clone()));
                doc.insert("$id", pk_to_bson(&link.pk));
                Bson::Document(doc)
            }
            Value::List(items) | Value::Set(items) => {
                Bson::Array(items.iter().map(Value::to_bson).collect())
            }
            Value::Dictionary(map) => {
                Bson::Document(map.iter().map(|(k, v)| (k.clone(), v.to_bson())).collect())
            }
            Value::Embedded(doc) => Bson::Document(
                doc.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_bson()))
                    .collect(),
            ),
        }
    }

    /// Reads a value from BSON; `hint` says what the schema expects, as for
    /// [`Value::from_extended_json`].
    pub fn from_bson<'a>(bson: &Bson, hint: impl Into<ValueHint<'a>>) -> Result<Value, ValueError> {
        let json = bson_to_ejson(bson)?;
        Value::from_extended_json(&json, hint)
    }
}

fn wrap(key: &str, inner: Json) -> Json {
    let mut map = Map::new();
    map.insert(key.to_owned(), inner);
    Json::Object(map)
}

fn unsupported(kind: &str) -> ValueError {
    ValueError::ExtendedJson {
        context: "BSON value".to_owned(),
        reason: format!("BSON type {kind} has no Syncline value"),
    }
}

/// BSON to the Extended JSON forms [`Value::from_extended_json`] reads.
fn bson_to_ejson(bson: &Bson) -> Result<Json, ValueError> {
    Ok(match bson {
        Bson::Null => Json::Null,
        Bson::Boolean(b) => Json::Bool(*b),
        Bson::Int32(i) => wrap("$numberLong", Json::String(i.to_string())),
        Bson::Int64(i) => wrap("$numberLong", Json::String(i.to_string())),
        Bson::Double(d) => {
            let text = if d.is_nan() {
                "NaN".to_owned()
            } else if d.is_infinite() {
                if *d > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
            } else {
                format!("{d:?}")
            };
            wrap("$numberDouble", Json::String(text))
        }
        Bson::String(s) => Json::String(s.clone()),
        Bson::Binary(b) => {
            let mut inner = Map::new();
            inner.insert(
                "base64".into(),
                Json::String(base64::engine::general_purpose::STANDARD.encode(&b.bytes)),
            );
            inner.insert(
                "subType".into(),
                Json::String(format!("{:02x}", u8::from(b.subtype))),
            );
            wrap("$binary", Json::Object(inner))
        }
        Bson::ObjectId(oid) => wrap("$oid", Json::String(oid.to_hex())),
        Bson::DateTime(dt) => wrap(
            "$date",
            Json::String(iso8601::format(&Timestamp::from_millis(
                dt.timestamp_millis(),
            ))),
        ),
        Bson::Decimal128(d) => wrap("$numberDecimal", Json::String(d.to_string())),
        Bson::Array(items) => {
            Json::Array(items.iter().map(bson_to_ejson).collect::<Result<_, _>>()?)
        }
        Bson::Document(doc) => {
            if doc.len() == 2 {
                if let (Some(Bson::DateTime(dt)), Some(Bson::Int32(sub))) =
                    (doc.get("$date"), doc.get("$nanos"))
                {
                    let total =
                        i128::from(dt.timestamp_millis()) * NANOS_PER_MILLI + i128::from(*sub);
                    return Ok(wrap(
                        "$date",
                        Json::String(iso8601::format(&Timestamp::from_total_nanos(total))),
                    ));
                }
                if let (Some(Bson::String(class)), Some(id)) = (doc.get("$ref"), doc.get("$id")) {
                    let mut inner = Map::new();
                    inner.insert("class".into(), Json::String(class.clone()));
                    inner.insert("pk".into(), bson_to_ejson(id)?);
                    return Ok(wrap("$link", Json::Object(inner)));
                }
            }
            Json::Object(
                doc.iter()
                    .map(|(k, v)| Ok((k.clone(), bson_to_ejson(v)?)))
                    .collect::<Result<_, ValueError>>()?,
            )
        }
        Bson::RegularExpression(_) => return Err(unsupported("regular expression")),
        Bson::JavaScriptCode(_) | Bson::JavaScriptCodeWithScope(_) => {
            return Err(unsupported("JavaScript code"))
        }
        Bson::Timestamp(_) => return Err(unsupported("timestamp (use a DateTime)")),
        Bson::Symbol(_) => return Err(unsupported("symbol")),
        Bson::Undefined => return Err(unsupported("undefined")),
        Bson::MaxKey | Bson::MinKey => return Err(unsupported("min/max key")),
        Bson::DbPointer(_) => return Err(unsupported("DBPointer")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::PropertyType;
    use crate::value::{Link, ObjectId, Uuid};

    #[test]
    fn round_trips_every_type() {
        let values = vec![
            (Value::Null, PropertyType::Mixed),
            (Value::Bool(true), PropertyType::Bool),
            (Value::Int(-7), PropertyType::Int),
            (Value::Float(0.1), PropertyType::Float),
            (Value::Double(2.5), PropertyType::Double),
            (Value::from("s"), PropertyType::String),
            (Value::Binary(vec![1, 2, 3]), PropertyType::Binary),
            (Value::Date(Timestamp::new(1, 500)), PropertyType::Date),
            (Value::Date(Timestamp::new(-1, -1)), PropertyType::Date),
            (
                Value::Date(Timestamp::from_millis(1234)),
                PropertyType::Date,
            ),
            (
                Value::ObjectId(ObjectId::parse_str("64e5c0a10000000000000001").unwrap()),
                PropertyType::ObjectId,
            ),
            (Value::Uuid(Uuid::from_u128(42)), PropertyType::Uuid),
            (
                Value::Decimal("1.50".parse().unwrap()),
                PropertyType::Decimal128,
            ),
            (
                Value::Link(Link {
                    class: "A".into(),
                    pk: PrimaryKey::String("k".into()),
                }),
                PropertyType::Mixed,
            ),
            (
                Value::List(vec![Value::Int(1), Value::from("x")]),
                PropertyType::Mixed,
            ),
        ];
        for (v, ty) in values {
            let b = v.to_bson();
            let back = Value::from_bson(&b, ty).unwrap();
            assert_eq!(format!("{back:?}"), format!("{v:?}"), "{b:?}");
        }
        assert!(matches!(
            Value::Date(Timestamp::from_millis(5)).to_bson(),
            Bson::DateTime(_)
        ));
    }

    #[test]
    fn rejects_types_without_a_value() {
        let e = Value::from_bson(&Bson::Symbol("s".into()), ValueHint::Any).unwrap_err();
        assert!(e.to_string().contains("symbol"), "{e}");
    }
}
