//! The part of MongoDB Extended JSON that schema defaults and inferred samples need:
//! `$oid`, `$uuid`, `$date` (ISO-8601 with up to nanoseconds, or `$numberLong` milliseconds),
//! `$numberDecimal`, `$numberLong`, `$numberInt`, `$numberDouble`, `$binary`.

use base64::Engine as _;
use serde_json::{json, Value as Json};

use crate::value::{Decimal128, ObjectId, Timestamp, Uuid, Value};

/// Decodes one Extended JSON value. Plain JSON numbers become `Int` when whole, else `Double`;
/// arrays become lists and other objects embedded documents.
pub(crate) fn decode(json: &Json) -> Result<Value, String> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => Value::String(s.clone()),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(
                n.as_f64()
                    .ok_or_else(|| format!("number {n} out of range"))?,
            ),
        },
        Json::Array(items) => Value::List(items.iter().map(decode).collect::<Result<_, _>>()?),
        Json::Object(map) => {
            if map.len() == 1 {
                if let Some((key, inner)) = map.iter().next() {
                    if key.starts_with('$') {
                        return decode_wrapper(key, inner);
                    }
                }
            }
            Value::Embedded(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), decode(v)?)))
                    .collect::<Result<_, String>>()?,
            )
        }
    })
}

fn decode_wrapper(key: &str, inner: &Json) -> Result<Value, String> {
    let text = |what: &str| {
        inner
            .as_str()
            .ok_or_else(|| format!("{key} needs a string {what}"))
    };
    Ok(match key {
        "$oid" => Value::ObjectId(
            ObjectId::parse_str(text("of 24 hex digits")?).map_err(|e| format!("$oid: {e}"))?,
        ),
        "$uuid" => Value::Uuid(Uuid::parse_str(text("UUID")?).map_err(|e| format!("$uuid: {e}"))?),
        "$numberDecimal" => Value::Decimal(
            text("decimal")?
                .parse::<Decimal128>()
                .map_err(|e| e.to_string())?,
        ),
        "$numberLong" | "$numberInt" => Value::Int(
            text("integer")?
                .parse::<i64>()
                .map_err(|e| format!("{key}: {e}"))?,
        ),
        "$numberDouble" => Value::Double(match text("number")? {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => other
                .parse::<f64>()
                .map_err(|e| format!("$numberDouble: {e}"))?,
        }),
        "$binary" => {
            let b64 = match inner {
                Json::String(s) => s.as_str(),
                Json::Object(o) => o
                    .get("base64")
                    .and_then(Json::as_str)
                    .ok_or("$binary needs 'base64'")?,
                _ => return Err("$binary needs a base64 string".into()),
            };
            Value::Binary(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .map_err(|e| format!("$binary: {e}"))?,
            )
        }
        "$date" => Value::Date(match inner {
            Json::String(s) => parse_iso_date(s)?,
            Json::Number(n) => Timestamp::from_millis(n.as_i64().ok_or("$date: not whole")?),
            Json::Object(o) => match o.get("$numberLong").and_then(Json::as_str) {
                Some(ms) => Timestamp::from_millis(
                    ms.parse::<i64>()
                        .map_err(|e| format!("$date.$numberLong: {e}"))?,
                ),
                None => return Err("$date needs an ISO-8601 string or $numberLong".into()),
            },
            _ => return Err("$date needs an ISO-8601 string".into()),
        }),
        other => return Err(format!("unknown Extended JSON type {other}")),
    })
}

/// `2020-01-02T03:04:05.123456789Z` (or with an offset) with nanoseconds kept.
fn parse_iso_date(text: &str) -> Result<Timestamp, String> {
    let bad = |why: &str| format!("$date {text:?}: {why}");
    // Split off the fraction, which bson's parser would truncate to milliseconds.
    let (head, nanos, tail) = match text.find('.') {
        Some(dot) => {
            let rest = &text[dot + 1..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 9 {
                return Err(bad("fraction must have 1 to 9 digits"));
            }
            let frac = &rest[..digits];
            let nanos = frac
                .parse::<i64>()
                .map_err(|_| bad("bad fraction"))?
                .saturating_mul(10_i64.pow(9 - digits as u32));
            (&text[..dot], nanos, &rest[digits..])
        }
        None => (text, 0, ""),
    };
    let whole = format!("{head}{tail}");
    let dt = bson::DateTime::parse_rfc3339_str(&whole).map_err(|e| bad(&e.to_string()))?;
    let total = i128::from(dt.timestamp_millis()) * 1_000_000 + i128::from(nanos);
    Ok(Timestamp::from_total_nanos(total))
}

fn format_iso_date(ts: &Timestamp) -> Option<String> {
    let total = ts.total_nanos();
    let secs = i64::try_from(total.div_euclid(1_000_000_000)).ok()?;
    let nanos = total.rem_euclid(1_000_000_000);
    let whole = bson::DateTime::from_millis(secs.checked_mul(1000)?)
        .try_to_rfc3339_string()
        .ok()?;
    let base = whole.strip_suffix('Z')?;
    if nanos == 0 {
        Some(format!("{base}Z"))
    } else {
        let frac = format!("{nanos:09}");
        Some(format!("{base}.{}Z", frac.trim_end_matches('0')))
    }
}

/// Encodes a value in canonical-style Extended JSON (ints as plain numbers).
pub(crate) fn encode(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(f) => encode_double(f64::from(*f)),
        Value::Double(d) => encode_double(*d),
        Value::String(s) => Json::String(s.clone()),
        Value::Binary(b) => {
            json!({ "$binary": { "base64": base64::engine::general_purpose::STANDARD.encode(b), "subType": "00" } })
        }
        Value::Date(ts) => match format_iso_date(ts) {
            Some(iso) => json!({ "$date": iso }),
            None => json!({ "$date": { "$numberLong": ts.to_millis().to_string() } }),
        },
        Value::ObjectId(oid) => json!({ "$oid": oid.to_hex() }),
        Value::Uuid(u) => json!({ "$uuid": u.to_string() }),
        Value::Decimal(d) => json!({ "$numberDecimal": d.to_string() }),
        Value::Link(link) => {
            json!({ "$link": { "class": link.class, "pk": encode(&Value::from(link.pk.clone())) } })
        }
        Value::List(items) | Value::Set(items) => Json::Array(items.iter().map(encode).collect()),
        Value::Dictionary(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), encode(v))).collect())
        }
        Value::Embedded(doc) => {
            Json::Object(doc.iter().map(|(k, v)| (k.clone(), encode(v))).collect())
        }
    }
}

fn encode_double(d: f64) -> Json {
    if d.is_finite() {
        json!(d)
    } else if d.is_nan() {
        json!({ "$numberDouble": "NaN" })
    } else if d > 0.0 {
        json!({ "$numberDouble": "Infinity" })
    } else {
        json!({ "$numberDouble": "-Infinity" })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn dates_keep_nanoseconds_both_ways() {
        let v = decode(&json!({"$date": "2020-01-02T03:04:05.123456789Z"})).unwrap();
        let Value::Date(ts) = v else {
            panic!("not a date")
        };
        assert_eq!(ts.nanos, 123_456_789);
        assert_eq!(
            encode(&Value::Date(ts)),
            json!({"$date": "2020-01-02T03:04:05.123456789Z"})
        );
        let before = decode(&json!({"$date": "1969-12-31T23:59:59.5Z"})).unwrap();
        assert_eq!(before, Value::Date(Timestamp::new(0, -500_000_000)));
        assert_eq!(encode(&before), json!({"$date": "1969-12-31T23:59:59.5Z"}));
    }

    #[test]
    fn wrappers_decode() {
        assert_eq!(
            decode(&json!({"$numberLong": "9007199254740993"})).unwrap(),
            Value::Int(9007199254740993)
        );
        assert!(
            matches!(decode(&json!({"$binary": "AAE="})).unwrap(), Value::Binary(b) if b == vec![0, 1])
        );
        assert!(decode(&json!({"$oid": "xyz"})).is_err());
        assert!(decode(&json!({"$date": "yesterday"})).is_err());
    }
}
