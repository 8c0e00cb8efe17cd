//! Extended JSON text in and out of the C ABI, read with the schema's types.

use serde_json::Value as Json;
use syncline_core::value::document_from_extended_json;
use syncline_core::{Document, PrimaryKey, PropertyType, Schema, Value};

use super::{CResult, Failure};

pub(crate) fn parse(text: &str, what: &str) -> CResult<Json> {
    serde_json::from_str(text)
        .map_err(|e| Failure::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

fn class<'s>(schema: &'s Schema, name: &str) -> CResult<&'s syncline_core::ObjectSchema> {
    schema
        .class(name)
        .ok_or_else(|| Failure::invalid_argument(format!("unknown class '{name}'")))
}

/// An object's fields from a JSON object, each read as its property's type.
pub(crate) fn document(schema: &Schema, class_name: &str, text: &str) -> CResult<Document> {
    let json = parse(text, "the object")?;
    Ok(document_from_extended_json(
        &json,
        class(schema, class_name)?,
        schema,
    )?)
}

/// Many objects' fields from a JSON array of objects.
pub(crate) fn documents(schema: &Schema, class_name: &str, text: &str) -> CResult<Vec<Document>> {
    let Json::Array(items) = parse(text, "the objects")? else {
        return Err(Failure::invalid_argument(
            "the objects must be a JSON array",
        ));
    };
    let class = class(schema, class_name)?;
    items
        .iter()
        .map(|item| Ok(document_from_extended_json(item, class, schema)?))
        .collect()
}

/// A primary key of `class_name`, read as the primary key property's type (the row key's
/// `int` for a class without a primary key).
pub(crate) fn primary_key(schema: &Schema, class_name: &str, json: &Json) -> CResult<PrimaryKey> {
    let class = class(schema, class_name)?;
    let value = match class.primary_key_property() {
        Some(property) => Value::from_extended_json(json, property)?,
        None => Value::from_extended_json(json, PropertyType::Int)?,
    };
    Ok(PrimaryKey::try_from(value)?)
}

/// A JSON array of primary keys.
pub(crate) fn primary_keys(
    schema: &Schema,
    class_name: &str,
    text: &str,
) -> CResult<Vec<PrimaryKey>> {
    let Json::Array(items) = parse(text, "the primary keys")? else {
        return Err(Failure::invalid_argument(
            "the primary keys must be a JSON array",
        ));
    };
    items
        .iter()
        .map(|item| primary_key(schema, class_name, item))
        .collect()
}

/// A primary key as Extended JSON text.
pub(crate) fn primary_key_text(pk: PrimaryKey) -> String {
    Value::from(pk).to_extended_json().to_string()
}
