//! Extended JSON text in and out of the C ABI, read with the schema's types.

use std::ffi::c_char;

use serde_json::Value as Json;
use syncline_core::value::{document_from_extended_json, ValueHint};
use syncline_core::{
    Collection, Document, PathElement, PrimaryKey, Property, PropertyType, Schema, Value,
};

use super::{str_arg, CResult, Failure};

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

/// A primary key of `class_name` from the Extended JSON text of the argument `pk_json`.
pub(crate) fn parse_primary_key(
    schema: &Schema,
    class_name: &str,
    text: &str,
) -> CResult<PrimaryKey> {
    primary_key(schema, class_name, &parse(text, "pk_json")?)
}

/// A primary key of `class_name` from the argument `pk_json`.
///
/// # Safety
/// `pk_json` is NULL or a NUL-terminated string.
pub(crate) unsafe fn primary_key_arg(
    schema: &Schema,
    class_name: &str,
    pk_json: *const c_char,
) -> CResult<PrimaryKey> {
    // SAFETY: per this function's contract.
    let text = unsafe { str_arg(pk_json, "pk_json") }?;
    parse_primary_key(schema, class_name, text)
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

/// The name of the field that carries the row key of an object whose class has no primary key
/// (a `$` name cannot be a property's).
pub(crate) const ROW_KEY_FIELD: &str = "$rowKey";

/// An object as a JSON object of its fields, plus `"$rowKey"` (the key to address it with)
/// when its class has no primary key.
pub(crate) fn object_json(schema: &Schema, object: &syncline_core::Object) -> Json {
    let mut json = syncline_core::value::document_to_extended_json(&object.fields);
    let keyless = schema
        .class(&object.class)
        .is_some_and(|class| class.primary_key.is_none());
    if let (true, Json::Object(map)) = (keyless, &mut json) {
        map.insert(
            ROW_KEY_FIELD.to_owned(),
            Value::from(object.pk.clone()).to_extended_json(),
        );
    }
    json
}

/// Objects as the text of a JSON array of their fields (see [`object_json`]).
pub(crate) fn objects_text(schema: &Schema, objects: &[syncline_core::Object]) -> String {
    Json::Array(objects.iter().map(|o| object_json(schema, o)).collect()).to_string()
}

/// A primary key as Extended JSON text.
pub(crate) fn primary_key_text(pk: PrimaryKey) -> String {
    Value::from(pk).to_extended_json().to_string()
}

/// The value for `path` in an object of `class_name` (see `WriteTransaction::set`), read from
/// JSON as the type the schema gives that place: the property itself, or one element of a
/// list, set or dictionary.
pub(crate) fn value_at_path(
    schema: &Schema,
    class_name: &str,
    path: &str,
    json: &Json,
) -> CResult<Value> {
    let steps = syncline_core::storage::path::parse(class_name, path)
        .map_err(syncline_core::Error::from)?;
    let mut class = class(schema, class_name)?;
    let mut current: Option<Property> = None;
    for step in &steps {
        match step {
            PathElement::Property(name) => {
                if let Some(property) = &current {
                    // Stepping into an embedded or linked object.
                    let target = property.object_type.as_deref().ok_or_else(|| {
                        Failure::invalid_argument(format!(
                            "path '{path}' of class '{class_name}': '{}' has no properties",
                            property.name
                        ))
                    })?;
                    class = self::class(schema, target)?;
                }
                let property = class.property(name).ok_or_else(|| {
                    Failure::invalid_argument(format!(
                        "path '{path}': class '{}' has no property '{name}'",
                        class.name
                    ))
                })?;
                current = Some(property.clone());
            }
            PathElement::Index(_) | PathElement::Key(_) => {
                // One element of the collection: the same type, as a single value.
                let property = current.as_mut().ok_or_else(|| {
                    Failure::invalid_argument(format!("path '{path}' starts with an element"))
                })?;
                property.collection = Collection::Single;
            }
        }
    }
    let property = current
        .ok_or_else(|| Failure::invalid_argument(format!("path '{path}' names no property")))?;
    Ok(Value::from_extended_json(
        json,
        ValueHint::property_in(schema, &property),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"[{"name": "Person", "primaryKey": "_id", "properties": {
        "_id": "int", "visits": "date[]", "scores": "int{}",
        "address": {"type": "object", "objectType": "Address", "optional": true}}},
      {"name": "Address", "embedded": true, "properties": {"number": "int"}},
      {"name": "Note", "properties": {"text": "string"}}]"#;

    fn schema() -> Schema {
        Schema::from_json_str(SCHEMA).expect("valid schema")
    }

    #[test]
    fn a_path_reads_the_value_as_its_place_s_type() {
        let schema = schema();
        let at = |path: &str, json: Json| value_at_path(&schema, "Person", path, &json);
        assert_eq!(
            at("address.number", serde_json::json!(4)).expect("embedded int"),
            Value::Int(4)
        );
        assert_eq!(
            at("scores['a']", serde_json::json!(7)).expect("dictionary entry"),
            Value::Int(7)
        );
        let date = at(
            "visits[0]",
            serde_json::json!({"$date": "2024-01-01T00:00:00Z"}),
        );
        assert!(matches!(date, Ok(Value::Date(_))), "{date:?}");
        let err = at("address.floor", serde_json::json!(1)).expect_err("unknown property");
        assert!(format!("{err:?}").contains("floor"), "{err:?}");
        let err = at("visits.x", serde_json::json!(1)).expect_err("a date has no properties");
        assert!(format!("{err:?}").contains("visits"), "{err:?}");
    }

    #[test]
    fn only_objects_without_a_primary_key_carry_their_row_key() {
        let schema = schema();
        let mut fields = Document::new();
        fields.insert("text", Value::String("hi".into()));
        let note = syncline_core::Object {
            class: "Note".into(),
            pk: PrimaryKey::Int(3),
            fields: fields.clone(),
        };
        assert_eq!(
            object_json(&schema, &note)[ROW_KEY_FIELD],
            serde_json::json!({"$numberLong": "3"})
        );
        let person = syncline_core::Object {
            class: "Person".into(),
            pk: PrimaryKey::Int(3),
            fields,
        };
        assert!(object_json(&schema, &person).get(ROW_KEY_FIELD).is_none());
    }
}
