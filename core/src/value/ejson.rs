//! MongoDB Extended JSON (v2) ⇄ [`Value`], the text form of values for import, export and the
//! conformance data.
//!
//! Reading understands the canonical and relaxed forms: `{"$oid": hex}`, `{"$uuid": text}`,
//! `{"$date": ISO-8601 | {"$numberLong": ms} | ms}` (up to 9 fractional digits, pre-epoch
//! allowed), `{"$numberDecimal": text}` (incl. `Infinity`/`-Infinity`/`NaN`), `{"$binary": base64}`
//! and `{"$binary": {"base64", "subType"}}`, `{"$numberLong": text}`, `{"$numberInt": text}`,
//! `{"$numberDouble": text}` (incl. `NaN`, `Infinity`, `-Infinity`) and Syncline's
//! `{"$link": {"class": C, "pk": pk}}` for a link to an object.
//!
//! Without a type hint (a `mixed` value) a JSON integer is an `int`, any other JSON number a
//! `double`, a string a `string`, an array a list and any other object a dictionary. With a hint
//! the schema decides: a number for a `float` property becomes `Value::Float`, an array for a set
//! property a `Value::Set`, a primary key for a link property a `Value::Link`, and so on.
//!
//! Writing is canonical and lossless given the schema: ints are `$numberLong`, doubles and
//! floats `$numberDouble` (a float as its shortest decimal, which reads back to the same `f32`),
//! dates ISO-8601 with 3, 6 or 9 fractional digits, UUIDs `$uuid`, binaries
//! `{"$binary": {"base64", "subType"}}`, links `$link`. Lists and sets are both JSON arrays and
//! embedded objects and dictionaries both JSON objects: the schema tells them apart on the way
//! back, so `Value::from_extended_json(&v.to_extended_json(), hint)` is `v` for a matching hint.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value as Json};

use super::{
    iso8601, Decimal128, Document, Link, ObjectId, PrimaryKey, Timestamp, Uuid, Value, ValueError,
};
use crate::schema::{Collection, ObjectSchema, Property, PropertyType, Schema};

/// What the schema says about a value read from Extended JSON.
#[derive(Debug, Clone, Copy, Default)]
pub enum ValueHint<'a> {
    /// Nothing is known: the untyped (`mixed`) rules apply.
    #[default]
    Any,
    /// A single value of this type. `Object` needs a [`ValueHint::Property`] instead, which names
    /// the target class.
    Type(PropertyType),
    /// The value of this property: its type, collection kind and optionality. With `schema`,
    /// links get the target's primary key type and embedded objects are read field by field.
    Property {
        /// The property the value belongs to.
        property: &'a Property,
        /// The schema the property's target class is looked up in.
        schema: Option<&'a Schema>,
    },
}

impl From<PropertyType> for ValueHint<'_> {
    fn from(ty: PropertyType) -> Self {
        ValueHint::Type(ty)
    }
}

impl<'a> From<&'a Property> for ValueHint<'a> {
    fn from(property: &'a Property) -> Self {
        ValueHint::Property {
            property,
            schema: None,
        }
    }
}

impl<'a> ValueHint<'a> {
    /// The hint for `property`, looking its target class up in `schema`.
    pub fn property_in(schema: &'a Schema, property: &'a Property) -> Self {
        ValueHint::Property {
            property,
            schema: Some(schema),
        }
    }
}

fn err(context: &str, reason: impl Into<String>) -> ValueError {
    ValueError::ExtendedJson {
        context: if context.is_empty() {
            "value".to_owned()
        } else {
            context.to_owned()
        },
        reason: reason.into(),
    }
}

fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a non-integral number",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The one `$`-key wrapper of a single-key object (`{"$oid": …}`), if it is one.
fn wrapper(map: &Map<String, Json>) -> Option<(&str, &Json)> {
    if map.len() != 1 {
        return None;
    }
    let (k, v) = map.iter().next()?;
    k.starts_with('$').then_some((k.as_str(), v))
}

/// What the one-key wrapper `{key: …}` that `json` must be holds; `what` names the wrapper in
/// the error otherwise.
fn wrapped<'j>(
    json: &'j Json,
    key: &str,
    what: &str,
    context: &str,
) -> Result<&'j Json, ValueError> {
    let Json::Object(map) = json else {
        return Err(err(
            context,
            format!("expected {what}, found {}", json_kind(json)),
        ));
    };
    match wrapper(map) {
        Some((k, inner)) if k == key => Ok(inner),
        _ => Err(err(context, format!("expected {what}"))),
    }
}

fn wrapped_string<'j>(
    json: &'j Json,
    key: &str,
    context: &str,
) -> Result<Option<&'j str>, ValueError> {
    match json {
        Json::Object(map) => match wrapper(map) {
            Some((k, Json::String(s))) if k == key => Ok(Some(s)),
            Some((k, other)) if k == key => Err(err(
                context,
                format!("{key} must hold a string, found {}", json_kind(other)),
            )),
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

fn parse_i64(text: &str, context: &str) -> Result<i64, ValueError> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| err(context, format!("{text:?} is not a 64-bit integer")))
}

/// A float written as text; `NaN`, `Infinity` and `-Infinity` (and `nan`, `inf`, `-inf`)
/// parse as themselves, here given as `[nan, infinity, negative infinity]` of the float type
/// (a float is parsed as itself, not narrowed from a double, so it rounds once).
fn parse_float<F: std::str::FromStr>(
    text: &str,
    context: &str,
    [nan, infinity, negative_infinity]: [F; 3],
) -> Result<F, ValueError> {
    match text.trim() {
        "NaN" | "nan" => Ok(nan),
        "Infinity" | "inf" | "+Infinity" => Ok(infinity),
        "-Infinity" | "-inf" => Ok(negative_infinity),
        t => t
            .parse::<F>()
            .map_err(|_| err(context, format!("{text:?} is not a number"))),
    }
}

fn read_int(json: &Json, context: &str) -> Result<i64, ValueError> {
    if let Json::Number(n) = json {
        if let Some(i) = n.as_i64() {
            return Ok(i);
        }
        if let Some(f) = n.as_f64() {
            if f.fract() == 0.0
                && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f)
            {
                return Ok(f as i64);
            }
        }
        return Err(err(context, format!("{n} is not a 64-bit integer")));
    }
    if let Some(s) = wrapped_string(json, "$numberLong", context)? {
        return parse_i64(s, context);
    }
    if let Some(s) = wrapped_string(json, "$numberInt", context)? {
        return parse_i64(s, context);
    }
    Err(err(
        context,
        format!("expected an int, found {}", json_kind(json)),
    ))
}

fn read_f64(json: &Json, context: &str) -> Result<f64, ValueError> {
    if let Json::Number(n) = json {
        return n
            .as_f64()
            .ok_or_else(|| err(context, format!("{n} is not a number")));
    }
    for key in ["$numberDouble", "$numberLong", "$numberInt"] {
        if let Some(s) = wrapped_string(json, key, context)? {
            return parse_float(s, context, [f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        }
    }
    Err(err(
        context,
        format!("expected a number, found {}", json_kind(json)),
    ))
}

fn read_f32(json: &Json, context: &str) -> Result<f32, ValueError> {
    for key in ["$numberDouble", "$numberLong", "$numberInt"] {
        if let Some(s) = wrapped_string(json, key, context)? {
            return parse_float(s, context, [f32::NAN, f32::INFINITY, f32::NEG_INFINITY]);
        }
    }
    // A JSON number is parsed as the nearest f64 first; narrowing it gives the float the text
    // denotes for every literal written with float precision.
    read_f64(json, context).map(|d| d as f32)
}

fn read_decimal(json: &Json, context: &str) -> Result<Decimal128, ValueError> {
    let text = match json {
        Json::Number(n) => n.to_string(),
        _ => {
            let mut found = None;
            for key in [
                "$numberDecimal",
                "$numberDouble",
                "$numberLong",
                "$numberInt",
            ] {
                if let Some(s) = wrapped_string(json, key, context)? {
                    found = Some(s.to_owned());
                    break;
                }
            }
            found.ok_or_else(|| {
                err(
                    context,
                    format!(
                        "expected a decimal128 ($numberDecimal), found {}",
                        json_kind(json)
                    ),
                )
            })?
        }
    };
    let normalized = match text.trim() {
        "Infinity" | "+Infinity" | "inf" => "Infinity".to_owned(),
        "-Infinity" | "-inf" => "-Infinity".to_owned(),
        "nan" => "NaN".to_owned(),
        t => t.to_owned(),
    };
    normalized
        .parse::<Decimal128>()
        .map_err(|e| err(context, e.to_string()))
}

fn read_binary(json: &Json, context: &str) -> Result<(Vec<u8>, u8), ValueError> {
    let inner = wrapped(json, "$binary", "binary data ($binary)", context)?;
    let (b64, subtype) = match inner {
        Json::String(s) => (s.as_str(), 0u8),
        Json::Object(m) => {
            let b64 = m
                .get("base64")
                .and_then(Json::as_str)
                .ok_or_else(|| err(context, "$binary needs a \"base64\" string"))?;
            let subtype = match m.get("subType") {
                None => 0,
                Some(Json::String(s)) => u8::from_str_radix(s, 16)
                    .map_err(|_| err(context, format!("$binary subType {s:?} is not hex")))?,
                Some(other) => {
                    return Err(err(
                        context,
                        format!(
                            "$binary subType must be a hex string, found {}",
                            json_kind(other)
                        ),
                    ))
                }
            };
            (b64, subtype)
        }
        other => {
            return Err(err(
                context,
                format!(
                    "$binary must hold a string or an object, found {}",
                    json_kind(other)
                ),
            ))
        }
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| err(context, format!("invalid base64: {e}")))?;
    Ok((bytes, subtype))
}

fn read_date(json: &Json, context: &str) -> Result<Timestamp, ValueError> {
    let inner = wrapped(json, "$date", "a date ($date)", context)?;
    match inner {
        Json::String(s) => iso8601::parse(s).map_err(|e| err(context, e.to_string())),
        Json::Number(_) | Json::Object(_) => {
            let ms = read_int(inner, context)?;
            Ok(Timestamp::from_millis(ms))
        }
        other => Err(err(
            context,
            format!(
                "$date must hold an ISO-8601 string or milliseconds, found {}",
                json_kind(other)
            ),
        )),
    }
}

fn read_object_id(json: &Json, context: &str) -> Result<ObjectId, ValueError> {
    let text = match json {
        Json::String(s) => s.as_str(),
        _ => wrapped_string(json, "$oid", context)?.ok_or_else(|| {
            err(
                context,
                format!("expected an objectId ($oid), found {}", json_kind(json)),
            )
        })?,
    };
    ObjectId::parse_str(text)
        .map_err(|_| err(context, format!("{text:?} is not a 24-digit hex objectId")))
}

fn read_uuid(json: &Json, context: &str) -> Result<Uuid, ValueError> {
    if let Json::Object(map) = json {
        if let Some(("$binary", _)) = wrapper(map) {
            let (bytes, subtype) = read_binary(json, context)?;
            if subtype != 4 {
                return Err(err(
                    context,
                    format!("$binary of subType {subtype:02x} is not a UUID (04)"),
                ));
            }
            return Uuid::from_slice(&bytes)
                .map_err(|_| err(context, "a UUID needs exactly 16 bytes"));
        }
    }
    let text = match json {
        Json::String(s) => s.as_str(),
        _ => wrapped_string(json, "$uuid", context)?.ok_or_else(|| {
            err(
                context,
                format!("expected a uuid ($uuid), found {}", json_kind(json)),
            )
        })?,
    };
    Uuid::parse_str(text).map_err(|_| err(context, format!("{text:?} is not a UUID")))
}

/// A primary key from JSON, of `ty` when the target's key type is known.
fn read_primary_key(
    json: &Json,
    ty: Option<PropertyType>,
    context: &str,
) -> Result<PrimaryKey, ValueError> {
    if json.is_null() {
        return Ok(PrimaryKey::Null);
    }
    match ty {
        Some(PropertyType::Int) => read_int(json, context).map(PrimaryKey::Int),
        Some(PropertyType::String) => match json {
            Json::String(s) => Ok(PrimaryKey::String(s.clone())),
            _ => Err(err(
                context,
                format!("expected a string primary key, found {}", json_kind(json)),
            )),
        },
        Some(PropertyType::ObjectId) => read_object_id(json, context).map(PrimaryKey::ObjectId),
        Some(PropertyType::Uuid) => read_uuid(json, context).map(PrimaryKey::Uuid),
        _ => {
            let value = read_any(json, context)?;
            PrimaryKey::try_from(value).map_err(|e| err(context, e.to_string()))
        }
    }
}

fn read_link_json(map: &Map<String, Json>, context: &str) -> Result<Link, ValueError> {
    let class = map
        .get("class")
        .and_then(Json::as_str)
        .ok_or_else(|| err(context, "$link needs a \"class\" string"))?;
    let pk = map
        .get("pk")
        .ok_or_else(|| err(context, "$link needs a \"pk\""))?;
    Ok(Link {
        class: class.to_owned(),
        pk: read_primary_key(pk, None, context)?,
    })
}

/// The untyped (`mixed`) reading.
fn read_any(json: &Json, context: &str) -> Result<Value, ValueError> {
    match json {
        Json::Null => Ok(Value::Null),
        Json::Bool(b) => Ok(Value::Bool(*b)),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Value::Int(i))
            } else if n.is_u64() {
                Err(err(context, format!("{n} does not fit a 64-bit int")))
            } else {
                n.as_f64()
                    .map(Value::Double)
                    .ok_or_else(|| err(context, format!("{n} is not a number")))
            }
        }
        Json::String(s) => Ok(Value::String(s.clone())),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| read_any(item, &format!("{context}[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        Json::Object(map) => {
            if let Some((key, inner)) = wrapper(map) {
                return match key {
                    "$oid" => read_object_id(json, context).map(Value::ObjectId),
                    "$uuid" => read_uuid(json, context).map(Value::Uuid),
                    "$date" => read_date(json, context).map(Value::Date),
                    "$numberDecimal" => read_decimal(json, context).map(Value::Decimal),
                    "$numberLong" | "$numberInt" => read_int(json, context).map(Value::Int),
                    "$numberDouble" => read_f64(json, context).map(Value::Double),
                    "$binary" => {
                        let (bytes, subtype) = read_binary(json, context)?;
                        if subtype == 4 && bytes.len() == 16 {
                            read_uuid(json, context).map(Value::Uuid)
                        } else {
                            Ok(Value::Binary(bytes))
                        }
                    }
                    "$link" => match inner {
                        Json::Object(m) => read_link_json(m, context).map(Value::Link),
                        other => Err(err(
                            context,
                            format!("$link must hold an object, found {}", json_kind(other)),
                        )),
                    },
                    other => Err(err(context, format!("unknown Extended JSON type {other}"))),
                };
            }
            let mut dict = BTreeMap::new();
            for (k, v) in map {
                dict.insert(k.clone(), read_any(v, &format!("{context}.{k}"))?);
            }
            Ok(Value::Dictionary(dict))
        }
    }
}

/// What one element (or single value) is, once the collection kind is peeled off.
#[derive(Clone, Copy)]
enum Element<'a> {
    Any,
    Scalar(PropertyType),
    Link {
        class: &'a str,
        pk: Option<PropertyType>,
    },
    Embedded {
        class: &'a ObjectSchema,
        schema: &'a Schema,
    },
}

fn read_element(json: &Json, element: Element<'_>, context: &str) -> Result<Value, ValueError> {
    if json.is_null() {
        return Ok(Value::Null);
    }
    match element {
        Element::Any => read_any(json, context),
        Element::Scalar(ty) => read_scalar(json, ty, context),
        Element::Link { class, pk } => {
            if let Json::Object(map) = json {
                if let Some(("$link", Json::Object(inner))) = wrapper(map) {
                    let link = read_link_json(inner, context)?;
                    if link.class != class {
                        return Err(err(
                            context,
                            format!("expected a link to {class}, found a link to {}", link.class),
                        ));
                    }
                    return Ok(Value::Link(link));
                }
            }
            Ok(Value::Link(Link {
                class: class.to_owned(),
                pk: read_primary_key(json, pk, context)?,
            }))
        }
        Element::Embedded { class, schema } => {
            read_document(json, class, schema, context).map(Value::Embedded)
        }
    }
}

fn read_scalar(json: &Json, ty: PropertyType, context: &str) -> Result<Value, ValueError> {
    match ty {
        PropertyType::Bool => match json {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(err(
                context,
                format!("expected a bool, found {}", json_kind(json)),
            )),
        },
        PropertyType::Int => read_int(json, context).map(Value::Int),
        PropertyType::Float => read_f32(json, context).map(Value::Float),
        PropertyType::Double => read_f64(json, context).map(Value::Double),
        PropertyType::String => match json {
            Json::String(s) => Ok(Value::String(s.clone())),
            _ => Err(err(
                context,
                format!("expected a string, found {}", json_kind(json)),
            )),
        },
        PropertyType::Binary => read_binary(json, context).map(|(b, _)| Value::Binary(b)),
        PropertyType::Date => read_date(json, context).map(Value::Date),
        PropertyType::ObjectId => read_object_id(json, context).map(Value::ObjectId),
        PropertyType::Uuid => read_uuid(json, context).map(Value::Uuid),
        PropertyType::Decimal128 => read_decimal(json, context).map(Value::Decimal),
        PropertyType::Mixed => read_any(json, context),
        PropertyType::Object => match json {
            Json::Object(map) if matches!(wrapper(map), Some(("$link", _))) => {
                read_any(json, context)
            }
            _ => Err(err(
                context,
                "a link needs its target class: give the property as the hint",
            )),
        },
        PropertyType::LinkingObjects => Err(err(
            context,
            "linking objects are computed from the links to an object and cannot be given",
        )),
    }
}

fn element_of<'a>(
    property: &'a Property,
    schema: Option<&'a Schema>,
    context: &str,
) -> Result<Element<'a>, ValueError> {
    match property.ty {
        PropertyType::Object => {
            let class = property.object_type.as_deref().ok_or_else(|| {
                err(
                    context,
                    format!("link property '{}' has no target class", property.name),
                )
            })?;
            match schema.and_then(|s| s.class(class).map(|c| (s, c))) {
                Some((schema, target)) if target.embedded => Ok(Element::Embedded {
                    class: target,
                    schema,
                }),
                Some((_, target)) => Ok(Element::Link {
                    class,
                    pk: target.primary_key_property().map(|p| p.ty),
                }),
                None => Ok(Element::Link { class, pk: None }),
            }
        }
        PropertyType::Mixed => Ok(Element::Any),
        ty => Ok(Element::Scalar(ty)),
    }
}

fn read_property(
    json: &Json,
    property: &Property,
    schema: Option<&Schema>,
    context: &str,
) -> Result<Value, ValueError> {
    if property.ty == PropertyType::LinkingObjects {
        return Err(err(
            context,
            format!(
                "'{}' is a linking-objects property; it is computed and cannot be given",
                property.name
            ),
        ));
    }
    let element = element_of(property, schema, context)?;
    // Links and mixed values may always be null; other elements only when declared optional.
    let nullable =
        property.optional || matches!(property.ty, PropertyType::Object | PropertyType::Mixed);
    let check_null = |json: &Json, context: &str| {
        if json.is_null() && !nullable {
            Err(err(
                context,
                format!("'{}' is required and cannot be null", property.name),
            ))
        } else {
            Ok(())
        }
    };
    match property.collection {
        Collection::Single => {
            if json.is_null() && !nullable {
                return Err(err(
                    context,
                    format!("'{}' is required and cannot be null", property.name),
                ));
            }
            read_element(json, element, context)
        }
        Collection::List | Collection::Set => {
            let Json::Array(items) = json else {
                return Err(err(
                    context,
                    format!("expected an array, found {}", json_kind(json)),
                ));
            };
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let ctx = format!("{context}[{i}]");
                check_null(item, &ctx)?;
                values.push(read_element(item, element, &ctx)?);
            }
            Ok(if property.collection == Collection::Set {
                Value::Set(values)
            } else {
                Value::List(values)
            })
        }
        Collection::Dictionary => {
            let Json::Object(map) = json else {
                return Err(err(
                    context,
                    format!("expected an object, found {}", json_kind(json)),
                ));
            };
            let mut dict = BTreeMap::new();
            for (k, v) in map {
                let ctx = format!("{context}[{k:?}]");
                check_null(v, &ctx)?;
                dict.insert(k.clone(), read_element(v, element, &ctx)?);
            }
            Ok(Value::Dictionary(dict))
        }
    }
}

/// Reads the fields of one object of `class` (top-level or embedded) from a JSON object.
/// Unknown fields are an error; fields that are absent are left out of the document.
pub fn document_from_extended_json(
    json: &Json,
    class: &ObjectSchema,
    schema: &Schema,
) -> Result<Document, ValueError> {
    read_document(json, class, schema, &class.name)
}

fn read_document(
    json: &Json,
    class: &ObjectSchema,
    schema: &Schema,
    context: &str,
) -> Result<Document, ValueError> {
    let Json::Object(map) = json else {
        return Err(err(
            context,
            format!(
                "expected an object of class {}, found {}",
                class.name,
                json_kind(json)
            ),
        ));
    };
    let mut doc = Document::new();
    for (key, v) in map {
        let property = class.property(key).ok_or_else(|| {
            err(
                context,
                format!("class {} has no property '{key}'", class.name),
            )
        })?;
        let ctx = format!("{context}.{key}");
        doc.insert(key.clone(), read_property(v, property, Some(schema), &ctx)?);
    }
    Ok(doc)
}

/// Writes an object's fields as a JSON object (the inverse of [`document_from_extended_json`]).
pub fn document_to_extended_json(doc: &Document) -> Json {
    Json::Object(
        doc.iter()
            .map(|(k, v)| (k.to_owned(), v.to_extended_json()))
            .collect(),
    )
}

fn wrap(key: &str, inner: Json) -> Json {
    let mut map = Map::new();
    map.insert(key.to_owned(), inner);
    Json::Object(map)
}

/// Shortest text of a double that reads back to the same bits (`Infinity`, `NaN` spelled out).
fn double_text(d: f64) -> String {
    if d.is_nan() {
        "NaN".to_owned()
    } else if d.is_infinite() {
        if d > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        format!("{d:?}")
    }
}

fn float_text(f: f32) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        format!("{f:?}")
    }
}

fn primary_key_json(pk: &PrimaryKey) -> Json {
    Value::from(pk.clone()).to_extended_json()
}

impl Value {
    /// Reads a value from Extended JSON; `hint` (a [`PropertyType`], a `&Property`, or a
    /// [`ValueHint::property_in`]) says what the schema expects. See the module documentation.
    pub fn from_extended_json<'a>(
        json: &Json,
        hint: impl Into<ValueHint<'a>>,
    ) -> Result<Value, ValueError> {
        match hint.into() {
            ValueHint::Any => read_any(json, ""),
            ValueHint::Type(ty) => read_element(json, Element::Scalar(ty), ty.name()),
            ValueHint::Property { property, schema } => {
                read_property(json, property, schema, &property.name)
            }
        }
    }

    /// This value as canonical Extended JSON (see the module documentation for the forms).
    pub fn to_extended_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => wrap("$numberLong", Json::String(i.to_string())),
            Value::Float(f) => wrap("$numberDouble", Json::String(float_text(*f))),
            Value::Double(d) => wrap("$numberDouble", Json::String(double_text(*d))),
            Value::String(s) => Json::String(s.clone()),
            Value::Binary(b) => {
                let mut inner = Map::new();
                inner.insert(
                    "base64".to_owned(),
                    Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
                );
                inner.insert("subType".to_owned(), Json::String("00".to_owned()));
                wrap("$binary", Json::Object(inner))
            }
            Value::Date(ts) => wrap("$date", Json::String(iso8601::format(ts))),
            Value::ObjectId(oid) => wrap("$oid", Json::String(oid.to_hex())),
            Value::Uuid(u) => wrap("$uuid", Json::String(u.hyphenated().to_string())),
            Value::Decimal(d) => wrap("$numberDecimal", Json::String(d.to_string())),
            Value::Link(link) => {
                let mut inner = Map::new();
                inner.insert("class".to_owned(), Json::String(link.class.clone()));
                inner.insert("pk".to_owned(), primary_key_json(&link.pk));
                wrap("$link", Json::Object(inner))
            }
            Value::List(items) | Value::Set(items) => {
                Json::Array(items.iter().map(Value::to_extended_json).collect())
            }
            Value::Dictionary(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.to_extended_json()))
                    .collect(),
            ),
            Value::Embedded(doc) => document_to_extended_json(doc),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn prop(name: &str, ty: PropertyType, collection: Collection, optional: bool) -> Property {
        let mut p = Property::new(name, ty);
        p.collection = collection;
        p.optional = optional;
        p
    }

    #[test]
    fn untyped_values() {
        assert_eq!(
            Value::from_extended_json(&json!(5), ValueHint::Any).unwrap(),
            Value::Int(5)
        );
        assert_eq!(
            Value::from_extended_json(&json!(5.5), ValueHint::Any).unwrap(),
            Value::Double(5.5)
        );
        assert_eq!(
            Value::from_extended_json(&json!({"$numberDouble": "1.0"}), ValueHint::Any).unwrap(),
            Value::Double(1.0)
        );
        assert!(matches!(
            Value::from_extended_json(&json!({"$numberDouble": "NaN"}), ValueHint::Any).unwrap(),
            Value::Double(d) if d.is_nan()
        ));
        assert_eq!(
            Value::from_extended_json(&json!({"$numberLong": "9007199254740993"}), ValueHint::Any)
                .unwrap(),
            Value::Int(9_007_199_254_740_993)
        );
        assert_eq!(
            Value::from_extended_json(&json!({"$link": {"class": "A", "pk": 2}}), ValueHint::Any)
                .unwrap(),
            Value::Link(Link {
                class: "A".into(),
                pk: PrimaryKey::Int(2)
            })
        );
        assert_eq!(
            Value::from_extended_json(&json!({"$binary": "AQI="}), ValueHint::Any).unwrap(),
            Value::Binary(vec![1, 2])
        );
        assert_eq!(
            Value::from_extended_json(
                &json!({"$binary": {"base64": "AQI=", "subType": "00"}}),
                ValueHint::Any
            )
            .unwrap(),
            Value::Binary(vec![1, 2])
        );
    }

    #[test]
    fn typed_by_property() {
        let float = prop("f", PropertyType::Float, Collection::Single, false);
        assert_eq!(
            Value::from_extended_json(&json!(1.1), &float).unwrap(),
            Value::Float(1.1)
        );
        let double = prop("d", PropertyType::Double, Collection::Single, false);
        assert_eq!(
            Value::from_extended_json(&json!(3), &double).unwrap(),
            Value::Double(3.0)
        );
        let set = prop("s", PropertyType::Int, Collection::Set, false);
        assert_eq!(
            Value::from_extended_json(&json!([1, 2]), &set).unwrap(),
            Value::Set(vec![Value::Int(1), Value::Int(2)])
        );
        let dec = prop("m", PropertyType::Decimal128, Collection::Single, true);
        let v = Value::from_extended_json(&json!({"$numberDecimal": "-Infinity"}), &dec).unwrap();
        assert_eq!(v.to_extended_json(), json!({"$numberDecimal": "-Infinity"}));
        let required = prop("r", PropertyType::Int, Collection::Single, false);
        let e = Value::from_extended_json(&json!(null), &required).unwrap_err();
        assert!(e.to_string().contains("'r' is required"), "{e}");
        let e = Value::from_extended_json(&json!("x"), &required).unwrap_err();
        assert!(
            e.to_string().contains("expected an int, found a string"),
            "{e}"
        );
    }

    #[test]
    fn links_and_embedded_with_schema() {
        let mut link = prop("owner", PropertyType::Object, Collection::Single, true);
        link.object_type = Some("Person".into());
        let mut addr = prop("address", PropertyType::Object, Collection::Single, true);
        addr.object_type = Some("Address".into());
        let schema = Schema {
            classes: vec![
                ObjectSchema {
                    name: "Person".into(),
                    properties: vec![prop(
                        "_id",
                        PropertyType::ObjectId,
                        Collection::Single,
                        false,
                    )],
                    primary_key: Some("_id".into()),
                    embedded: false,
                    asymmetric: false,
                },
                ObjectSchema {
                    name: "Address".into(),
                    properties: vec![prop(
                        "city",
                        PropertyType::String,
                        Collection::Single,
                        false,
                    )],
                    primary_key: None,
                    embedded: true,
                    asymmetric: false,
                },
            ],
        };
        let oid = "64e5c0a10000000000000001";
        let v = Value::from_extended_json(
            &json!({"$oid": oid}),
            ValueHint::property_in(&schema, &link),
        )
        .unwrap();
        let expected = Value::Link(Link {
            class: "Person".into(),
            pk: PrimaryKey::ObjectId(ObjectId::parse_str(oid).unwrap()),
        });
        assert_eq!(v, expected);
        let v = Value::from_extended_json(
            &json!({"city": "Oslo"}),
            ValueHint::property_in(&schema, &addr),
        )
        .unwrap();
        let mut doc = Document::new();
        doc.insert("city", Value::String("Oslo".into()));
        assert_eq!(v, Value::Embedded(doc));
        let e = Value::from_extended_json(
            &json!({"town": "Oslo"}),
            ValueHint::property_in(&schema, &addr),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no property 'town'"), "{e}");
    }

    #[test]
    fn round_trip_is_lossless() {
        let values = vec![
            (Value::Int(i64::MIN), PropertyType::Int),
            (Value::Float(0.1), PropertyType::Float),
            (Value::Double(f64::INFINITY), PropertyType::Double),
            (Value::Double(-0.5), PropertyType::Double),
            (Value::Date(Timestamp::new(-1, -1)), PropertyType::Date),
            (
                Value::Date(Timestamp::new(1_700_000_000, 123_456_789)),
                PropertyType::Date,
            ),
            (
                Value::Decimal("12.340".parse().unwrap()),
                PropertyType::Decimal128,
            ),
            (Value::Binary(vec![0, 255]), PropertyType::Binary),
            (Value::Uuid(Uuid::nil()), PropertyType::Uuid),
            (Value::String("\"x\"".into()), PropertyType::String),
        ];
        for (v, ty) in values {
            let json = v.to_extended_json();
            let back = Value::from_extended_json(&json, ty).unwrap();
            assert_eq!(format!("{back:?}"), format!("{v:?}"), "{json}");
            let untyped = Value::from_extended_json(&json, ValueHint::Any).unwrap();
            if ty != PropertyType::Float {
                assert_eq!(format!("{untyped:?}"), format!("{v:?}"), "{json}");
            }
        }
    }

    #[test]
    fn bad_input_names_the_problem() {
        let e = Value::from_extended_json(&json!({"$oid": "zz"}), ValueHint::Any).unwrap_err();
        assert!(e.to_string().contains("objectId"), "{e}");
        let e =
            Value::from_extended_json(&json!({"$date": "yesterday"}), ValueHint::Any).unwrap_err();
        assert!(e.to_string().contains("yesterday"), "{e}");
        let e = Value::from_extended_json(&json!({"$foo": 1}), ValueHint::Any).unwrap_err();
        assert!(e.to_string().contains("$foo"), "{e}");
        let e =
            Value::from_extended_json(&json!(18446744073709551615u64), ValueHint::Any).unwrap_err();
        assert!(e.to_string().contains("64-bit"), "{e}");
    }
}
