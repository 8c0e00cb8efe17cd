//! Schema inference from sample documents, as App Services does when it samples a collection:
//! MongoDB Extended JSON (one document per line, or a JSON array) or a BSON dump
//! (`mongodump`'s `.bson`: documents back to back).
//!
//! Each field gets the type of its values; it is optional when some documents lack it or hold
//! `null`; conflicting types make it `mixed` (ints and doubles widen to `double`); arrays become
//! lists; nested documents become embedded classes named `<Parent>_<field>`; `_id` becomes the
//! primary key when it has a primary-key type in every document. Whatever had to be guessed is
//! reported as a [`MappingNote`].

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::{
    MappingNote, ObjectSchema, Property, PropertyType, Schema, SchemaError, MAX_PROPERTY_NAME_BYTES,
};
use crate::value::Value;

/// The schema inferred from sample documents, and what was ambiguous about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inference {
    /// The sampled class first, then the embedded classes found in it.
    pub schema: Schema,
    /// What had to be guessed: conflicting types, fields that were always null, …
    pub report: Vec<MappingNote>,
    /// How many documents were sampled.
    pub documents: usize,
}

/// What one field held across the samples.
#[derive(Debug, Clone, Default)]
struct Field {
    /// Documents in which the field was present (even if null).
    present: usize,
    /// Of those, how many held null.
    nulls: usize,
    shape: Shape,
}

/// The merged type of the non-null values seen.
#[derive(Debug, Clone, Default)]
enum Shape {
    /// No non-null value yet.
    #[default]
    Unknown,
    /// Always this scalar type.
    Scalar(PropertyType),
    /// Arrays; `Field` describes their elements (`present` counts elements).
    Array(Box<Field>),
    /// Nested documents.
    Document(Fields),
    /// Conflicting types (named for the report).
    Mixed(BTreeSet<&'static str>),
}

/// The fields of a (nested) document, in first-seen order, and how many documents were seen.
#[derive(Debug, Clone, Default)]
struct Fields {
    documents: usize,
    fields: IndexMap<String, Field>,
}

/// One value of a sample, with the Extended JSON or BSON wrappers already decoded.
enum Sample {
    Null,
    Scalar(PropertyType),
    Array(Vec<Sample>),
    Document(Vec<(String, Sample)>),
    /// A BSON type with no Realm counterpart (`regex`, `timestamp`, …).
    Unsupported(&'static str),
}

/// BSON type names that have no Realm type.
const UNSUPPORTED: [&str; 7] = [
    "regex",
    "timestamp",
    "javascript",
    "javascriptWithScope",
    "minKey",
    "maxKey",
    "dbPointer",
];

impl Shape {
    fn kind(&self) -> BTreeSet<&'static str> {
        match self {
            Shape::Unknown => BTreeSet::new(),
            Shape::Scalar(ty) => BTreeSet::from([ty.name()]),
            Shape::Array(_) => BTreeSet::from(["array"]),
            Shape::Document(_) => BTreeSet::from(["document"]),
            Shape::Mixed(kinds) => kinds.clone(),
        }
    }
}

impl Field {
    /// Takes in `other` as if its values had been seen in this field.
    fn merge(&mut self, other: Field) {
        self.present += other.present;
        self.nulls += other.nulls;
        self.shape = merge(std::mem::take(&mut self.shape), other.shape);
    }

    fn add(&mut self, sample: Sample) {
        self.present += 1;
        let shape = std::mem::take(&mut self.shape);
        self.shape = match (shape, sample) {
            (shape, Sample::Null) => {
                self.nulls += 1;
                shape
            }
            (Shape::Unknown, Sample::Scalar(ty)) => Shape::Scalar(ty),
            (Shape::Scalar(a), Sample::Scalar(b)) if a == b => Shape::Scalar(a),
            (Shape::Scalar(a), Sample::Scalar(b))
                if matches!(
                    (a, b),
                    (PropertyType::Int, PropertyType::Double)
                        | (PropertyType::Double, PropertyType::Int)
                ) =>
            {
                // Widening is remembered as a conflict of the two names, resolved at the end.
                Shape::Mixed(BTreeSet::from(["double", "int"]))
            }
            (Shape::Mixed(kinds), Sample::Scalar(ty))
                if only_numbers(&kinds)
                    && matches!(ty, PropertyType::Int | PropertyType::Double) =>
            {
                Shape::Mixed(kinds)
            }
            (Shape::Unknown, Sample::Array(items)) => {
                let mut element = Field::default();
                items.into_iter().for_each(|s| element.add(s));
                Shape::Array(Box::new(element))
            }
            (Shape::Array(mut element), Sample::Array(items)) => {
                items.into_iter().for_each(|s| element.add(s));
                Shape::Array(element)
            }
            (Shape::Unknown, Sample::Document(fields)) => {
                let mut nested = Fields::default();
                nested.add(fields);
                Shape::Document(nested)
            }
            (Shape::Document(mut nested), Sample::Document(fields)) => {
                nested.add(fields);
                Shape::Document(nested)
            }
            (shape, sample) => {
                let mut kinds = shape.kind();
                kinds.insert(match sample {
                    Sample::Scalar(ty) => ty.name(),
                    Sample::Array(_) => "array",
                    Sample::Document(_) => "document",
                    Sample::Null => "null",
                    Sample::Unsupported(name) => name,
                });
                Shape::Mixed(kinds)
            }
        };
    }
}

impl Fields {
    fn add(&mut self, fields: Vec<(String, Sample)>) {
        self.documents += 1;
        for (name, sample) in fields {
            self.fields.entry(name).or_default().add(sample);
        }
    }
}

/// Collects sample documents of one class and infers its schema.
#[derive(Debug, Clone)]
pub struct SchemaInferrer {
    class: String,
    root: Fields,
    report: Vec<MappingNote>,
}

impl SchemaInferrer {
    /// An inferrer for documents of the class `class`.
    pub fn new(class: impl Into<String>) -> Self {
        SchemaInferrer {
            class: class.into(),
            root: Fields::default(),
            report: Vec::new(),
        }
    }

    /// Adds one document given as Extended JSON. `source` names it in errors (`line 3`).
    pub fn add_json(&mut self, document: &Json, source: &str) -> Result<(), SchemaError> {
        match json_sample(document, source, "")? {
            Sample::Document(fields) => {
                self.root.add(fields);
                Ok(())
            }
            _ => Err(SchemaError::InvalidSample {
                location: source.to_owned(),
                reason: "a sample document must be a JSON object".into(),
            }),
        }
    }

    /// Adds the documents of Extended JSON text: one per line (blank lines skipped), or one JSON
    /// array of documents. Errors name the line.
    pub fn add_json_text(&mut self, text: &str) -> Result<(), SchemaError> {
        if text.trim_start().starts_with('[') {
            let json: Json =
                serde_json::from_str(text).map_err(|e| SchemaError::InvalidSample {
                    location: format!("line {}", e.line()),
                    reason: format!("not valid JSON: {e}"),
                })?;
            if let Json::Array(documents) = json {
                for (i, doc) in documents.iter().enumerate() {
                    self.add_json(doc, &format!("document {}", i + 1))?;
                }
                return Ok(());
            }
        }
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let source = format!("line {}", i + 1);
            let json: Json =
                serde_json::from_str(line).map_err(|e| SchemaError::InvalidSample {
                    location: source.clone(),
                    reason: format!("not valid JSON: {e}"),
                })?;
            self.add_json(&json, &source)?;
        }
        Ok(())
    }

    /// Adds one BSON document. BSON types without a Realm type (`regex`, `timestamp`, …) make
    /// their field `mixed`, and the report says so.
    pub fn add_bson(&mut self, document: &bson::Document) {
        let fields = document
            .iter()
            .map(|(k, v)| (k.clone(), bson_sample(v)))
            .collect();
        self.root.add(fields);
    }

    /// Adds every document of a BSON dump (documents back to back, as `mongodump` writes them).
    /// Errors name the document's number and byte offset.
    pub fn add_bson_dump(&mut self, bytes: &[u8]) -> Result<(), SchemaError> {
        let mut offset = 0;
        let mut number = 1;
        while offset < bytes.len() {
            let source = format!("document {number} (byte {offset})");
            let bad = |reason: String| SchemaError::InvalidSample {
                location: source.clone(),
                reason,
            };
            let length = bytes
                .get(offset..offset + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(i32::from_le_bytes)
                .ok_or_else(|| bad("truncated: no room for a document's length".into()))?;
            let end = usize::try_from(length)
                .ok()
                .filter(|&len| len >= 5)
                .and_then(|len| offset.checked_add(len))
                .filter(|&end| end <= bytes.len())
                .ok_or_else(|| {
                    bad(format!(
                        "a document of {length} bytes does not fit in the {} bytes left",
                        bytes.len() - offset
                    ))
                })?;
            let document = bson::Document::from_reader(&bytes[offset..end])
                .map_err(|e| bad(format!("not a BSON document: {e}")))?;
            self.add_bson(&document);
            offset = end;
            number += 1;
        }
        Ok(())
    }

    /// The inferred schema and the report of what was ambiguous.
    pub fn finish(mut self) -> Inference {
        let mut classes = Vec::new();
        let documents = self.root.documents;
        if documents == 0 {
            self.report.push(MappingNote {
                class: self.class.clone(),
                property: None,
                message: "no documents were sampled; the class has no properties".into(),
            });
        }
        let root = std::mem::take(&mut self.root);
        let class_name = self.class.clone();
        let mut class = self.class_from(&class_name, &root, &mut classes);
        match class.property("_id") {
            Some(id) if !id.optional && !id.is_collection() && id.ty.can_be_primary_key() => {
                class.primary_key = Some("_id".into());
            }
            Some(id) => self.report.push(MappingNote {
                class: class_name.clone(),
                property: Some("_id".into()),
                message: format!(
                    "_id is {} in the samples, not always an objectId, string, int or uuid: no \
                     primary key (Device Sync needs one)",
                    id.type_description()
                ),
            }),
            None if documents > 0 => self.report.push(MappingNote {
                class: class_name.clone(),
                property: None,
                message: "no _id field: no primary key (Device Sync needs one)".into(),
            }),
            None => {}
        }
        classes.insert(0, class);
        Inference {
            schema: Schema::new(classes),
            report: self.report,
            documents,
        }
    }

    fn note(&mut self, class: &str, property: &str, message: String) {
        self.report.push(MappingNote {
            class: class.to_owned(),
            property: Some(property.to_owned()),
            message,
        });
    }

    /// The class for documents described by `fields`; embedded classes go to `embedded`.
    fn class_from(
        &mut self,
        name: &str,
        fields: &Fields,
        embedded: &mut Vec<ObjectSchema>,
    ) -> ObjectSchema {
        let mut class = ObjectSchema::new(name, Vec::new());
        for (field_name, field) in &fields.fields {
            let missing = field.present < fields.documents;
            let property = self.property_from(name, field_name, field, missing, embedded);
            class.properties.push(property);
        }
        class
    }

    fn property_from(
        &mut self,
        class: &str,
        name: &str,
        field: &Field,
        missing: bool,
        embedded: &mut Vec<ObjectSchema>,
    ) -> Property {
        let nullable = missing || field.nulls > 0;
        match &field.shape {
            Shape::Unknown => {
                self.note(
                    class,
                    name,
                    "always null or missing in the samples: typed as mixed".into(),
                );
                Property::new(name, PropertyType::Mixed)
            }
            Shape::Scalar(ty) => optional_if(nullable, Property::new(name, *ty)),
            Shape::Mixed(kinds) if only_numbers(kinds) => {
                self.note(
                    class,
                    name,
                    "holds both ints and doubles: typed as double".into(),
                );
                optional_if(nullable, Property::new(name, PropertyType::Double))
            }
            Shape::Mixed(kinds) => {
                self.note(class, name, mixed_reason(kinds, "typed as mixed"));
                Property::new(name, PropertyType::Mixed)
            }
            Shape::Document(nested) => {
                let target = format!("{class}_{name}");
                if let Some(bad) = nested.fields.keys().find(|k| !is_property_name(k)) {
                    self.note(
                        class,
                        name,
                        format!(
                            "nested documents with the key {bad:?}, which cannot be a property \
                             name: typed as a dictionary"
                        ),
                    );
                    return self.dictionary_from(class, name, nested, embedded);
                }
                let nested_class = self.class_from(&target, nested, embedded).into_embedded();
                embedded.push(nested_class);
                Property::link(name, target)
            }
            Shape::Array(element) => self.list_from(class, name, element, embedded),
        }
    }

    fn list_from(
        &mut self,
        class: &str,
        name: &str,
        element: &Field,
        embedded: &mut Vec<ObjectSchema>,
    ) -> Property {
        let nullable = element.nulls > 0;
        match &element.shape {
            Shape::Unknown => {
                self.note(
                    class,
                    name,
                    "arrays were always empty (or held only null): typed as a list of mixed".into(),
                );
                Property::new(name, PropertyType::Mixed).list()
            }
            Shape::Scalar(ty) => optional_if(nullable, Property::new(name, *ty).list()),
            Shape::Mixed(kinds) if only_numbers(kinds) => {
                self.note(
                    class,
                    name,
                    "elements are ints and doubles: typed as a list of double".into(),
                );
                optional_if(nullable, Property::new(name, PropertyType::Double).list())
            }
            Shape::Mixed(kinds) => {
                self.note(
                    class,
                    name,
                    format!(
                        "elements: {}",
                        mixed_reason(kinds, "typed as a list of mixed")
                    ),
                );
                Property::new(name, PropertyType::Mixed).list()
            }
            Shape::Array(_) => {
                self.note(
                    class,
                    name,
                    "arrays of arrays have no Realm type: typed as mixed".into(),
                );
                Property::new(name, PropertyType::Mixed)
            }
            Shape::Document(nested) => {
                if nullable {
                    self.note(
                        class,
                        name,
                        "arrays of documents hold null; a list of embedded objects cannot: \
                         nulls will be dropped"
                            .into(),
                    );
                }
                let target = format!("{class}_{name}");
                let nested_class = self.class_from(&target, nested, embedded).into_embedded();
                embedded.push(nested_class);
                Property::link(name, target).list()
            }
        }
    }

    /// A dictionary whose values are all the nested documents' values merged.
    fn dictionary_from(
        &mut self,
        class: &str,
        name: &str,
        nested: &Fields,
        embedded: &mut Vec<ObjectSchema>,
    ) -> Property {
        let mut values = Field::default();
        for field in nested.fields.values() {
            values.merge(field.clone());
        }
        let element = self.list_from(class, name, &values, embedded);
        Property {
            collection: super::Collection::Dictionary,
            optional: element.optional || matches!(element.ty, PropertyType::Object),
            ..element
        }
    }
}

/// Why a field became `mixed`: conflicting types, or BSON types without a Realm type.
fn mixed_reason(kinds: &BTreeSet<&'static str>, outcome: &str) -> String {
    let unsupported: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|k| UNSUPPORTED.contains(k))
        .collect();
    let all: Vec<&str> = kinds.iter().copied().collect();
    if unsupported.is_empty() {
        format!("conflicting types ({}): {outcome}", all.join(", "))
    } else {
        format!(
            "holds BSON types without a Realm type ({}) among ({}): {outcome}; those values \
             cannot be stored",
            unsupported.join(", "),
            all.join(", ")
        )
    }
}

/// Whether a mixed shape only ever held ints and doubles, which widen to double.
fn only_numbers(kinds: &BTreeSet<&'static str>) -> bool {
    kinds.iter().all(|k| matches!(*k, "int" | "double"))
}

/// `p`, optional when its field (or element) was ever null or missing.
fn optional_if(nullable: bool, p: Property) -> Property {
    if nullable {
        p.optional()
    } else {
        p
    }
}

/// Merges two shapes as if their values had been seen in one field.
fn merge(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Unknown, s) | (s, Shape::Unknown) => s,
        (Shape::Scalar(x), Shape::Scalar(y)) if x == y => Shape::Scalar(x),
        (Shape::Document(mut x), Shape::Document(y)) => {
            x.documents += y.documents;
            for (k, f) in y.fields {
                x.fields.entry(k).or_default().merge(f);
            }
            Shape::Document(x)
        }
        (Shape::Array(mut x), Shape::Array(y)) => {
            x.merge(*y);
            Shape::Array(x)
        }
        (x, y) => {
            let mut kinds = x.kind();
            kinds.extend(y.kind());
            Shape::Mixed(kinds)
        }
    }
}

fn is_property_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_PROPERTY_NAME_BYTES && !name.starts_with('$')
}

/// The sample of one Extended JSON value; `$`-wrappers are decoded by the value module.
fn json_sample(json: &Json, source: &str, path: &str) -> Result<Sample, SchemaError> {
    Ok(match json {
        Json::Null => Sample::Null,
        Json::Bool(_) => Sample::Scalar(PropertyType::Bool),
        Json::String(_) => Sample::Scalar(PropertyType::String),
        Json::Number(n) if n.is_f64() => Sample::Scalar(PropertyType::Double),
        Json::Number(_) => Sample::Scalar(PropertyType::Int),
        Json::Array(items) => Sample::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| json_sample(item, source, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(map) if map.len() == 1 && map.keys().all(|k| k.starts_with('$')) => {
            let value =
                Value::from_extended_json(json, crate::value::ValueHint::Any).map_err(|e| {
                    SchemaError::InvalidSample {
                        location: sample_source(source, path),
                        reason: e.to_string(),
                    }
                })?;
            match value {
                Value::Link(_) => {
                    return Err(SchemaError::InvalidSample {
                        location: sample_source(source, path),
                        reason: "a $link cannot be inferred: links are stored as the target's \
                                 primary key"
                            .into(),
                    })
                }
                other => value_sample(&other),
            }
        }
        Json::Object(map) => Sample::Document(
            map.iter()
                .map(|(k, v)| {
                    let sub = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    Ok((k.clone(), json_sample(v, source, &sub)?))
                })
                .collect::<Result<_, SchemaError>>()?,
        ),
    })
}

fn sample_source(source: &str, path: &str) -> String {
    if path.is_empty() {
        source.to_owned()
    } else {
        format!("{source}, field {path}")
    }
}

/// The sample of a decoded scalar value.
fn value_sample(value: &Value) -> Sample {
    match value {
        Value::Null => Sample::Null,
        Value::Bool(_) => Sample::Scalar(PropertyType::Bool),
        Value::Int(_) => Sample::Scalar(PropertyType::Int),
        Value::Float(_) => Sample::Scalar(PropertyType::Float),
        Value::Double(_) => Sample::Scalar(PropertyType::Double),
        Value::String(_) => Sample::Scalar(PropertyType::String),
        Value::Binary(_) => Sample::Scalar(PropertyType::Binary),
        Value::Date(_) => Sample::Scalar(PropertyType::Date),
        Value::ObjectId(_) => Sample::Scalar(PropertyType::ObjectId),
        Value::Uuid(_) => Sample::Scalar(PropertyType::Uuid),
        Value::Decimal(_) => Sample::Scalar(PropertyType::Decimal128),
        Value::Link(_) => Sample::Scalar(PropertyType::Mixed),
        Value::List(items) | Value::Set(items) => {
            Sample::Array(items.iter().map(value_sample).collect())
        }
        Value::Dictionary(map) => Sample::Document(
            map.iter()
                .map(|(k, v)| (k.clone(), value_sample(v)))
                .collect(),
        ),
        Value::Embedded(doc) => Sample::Document(
            doc.iter()
                .map(|(k, v)| (k.to_owned(), value_sample(v)))
                .collect(),
        ),
    }
}

/// The sample of one BSON value.
fn bson_sample(bson: &bson::Bson) -> Sample {
    use bson::Bson;
    match bson {
        Bson::Null | Bson::Undefined => Sample::Null,
        Bson::Boolean(_) => Sample::Scalar(PropertyType::Bool),
        Bson::Int32(_) | Bson::Int64(_) => Sample::Scalar(PropertyType::Int),
        Bson::Double(_) => Sample::Scalar(PropertyType::Double),
        Bson::String(_) | Bson::Symbol(_) => Sample::Scalar(PropertyType::String),
        Bson::Binary(b) if b.subtype == bson::spec::BinarySubtype::Uuid && b.bytes.len() == 16 => {
            Sample::Scalar(PropertyType::Uuid)
        }
        Bson::Binary(_) => Sample::Scalar(PropertyType::Binary),
        Bson::DateTime(_) => Sample::Scalar(PropertyType::Date),
        Bson::ObjectId(_) => Sample::Scalar(PropertyType::ObjectId),
        Bson::Decimal128(_) => Sample::Scalar(PropertyType::Decimal128),
        Bson::Array(items) => Sample::Array(items.iter().map(bson_sample).collect()),
        Bson::Document(doc) => Sample::Document(
            doc.iter()
                .map(|(k, v)| (k.clone(), bson_sample(v)))
                .collect(),
        ),
        Bson::RegularExpression(_) => Sample::Unsupported("regex"),
        Bson::Timestamp(_) => Sample::Unsupported("timestamp"),
        Bson::JavaScriptCode(_) => Sample::Unsupported("javascript"),
        Bson::JavaScriptCodeWithScope(_) => Sample::Unsupported("javascriptWithScope"),
        Bson::MinKey => Sample::Unsupported("minKey"),
        Bson::MaxKey => Sample::Unsupported("maxKey"),
        Bson::DbPointer(_) => Sample::Unsupported("dbPointer"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use PropertyType::*;

    fn infer(text: &str) -> Inference {
        let mut inferrer = SchemaInferrer::new("Dog");
        inferrer.add_json_text(text).unwrap();
        inferrer.finish()
    }

    fn has_note(inference: &Inference, property: &str, needle: &str) -> bool {
        inference
            .report
            .iter()
            .any(|n| n.property.as_deref() == Some(property) && n.message.contains(needle))
    }

    #[test]
    fn types_optionality_and_primary_key() {
        let inference = infer(concat!(
            r#"{"_id": {"$oid": "5f1b2c3d4e5f60718293a4b5"}, "name": "Rex", "age": 3, "weight": 12.5, "good": true, "born": {"$date": "2020-01-01T00:00:00Z"}, "chip": {"$uuid": "00112233-4455-6677-8899-aabbccddeeff"}, "price": {"$numberDecimal": "9.99"}, "photo": {"$binary": "AAE="}, "big": {"$numberLong": "12"}}"#,
            "\n\n",
            r#"{"_id": {"$oid": "5f1b2c3d4e5f60718293a4b6"}, "name": "Fido", "age": null, "weight": 7.0, "good": false, "born": {"$date": "2021-01-01T00:00:00Z"}, "chip": {"$uuid": "00112233-4455-6677-8899-aabbccddeeff"}, "price": {"$numberDecimal": "1"}, "photo": {"$binary": "AAE="}, "big": 5}"#,
            "\n",
            r#"{"_id": {"$oid": "5f1b2c3d4e5f60718293a4b7"}, "weight": 1.5, "good": true, "born": {"$date": "2022-01-01T00:00:00Z"}, "chip": {"$uuid": "00112233-4455-6677-8899-aabbccddeeff"}, "price": {"$numberDecimal": "2"}, "photo": {"$binary": "AAE="}, "big": 1}"#,
        ));
        assert_eq!(inference.documents, 3);
        let dog = inference.schema.class("Dog").unwrap();
        assert_eq!(dog.primary_key.as_deref(), Some("_id"));
        let expect = [
            Property::new("_id", ObjectId),
            Property::new("name", String).optional(),
            Property::new("age", Int).optional(),
            Property::new("weight", Double),
            Property::new("good", Bool),
            Property::new("born", Date),
            Property::new("chip", Uuid),
            Property::new("price", Decimal128),
            Property::new("photo", Binary),
            Property::new("big", Int),
        ];
        assert_eq!(dog.properties, expect);
        assert_eq!(inference.report, vec![]);
        inference.schema.validate(true).unwrap();
    }

    #[test]
    fn conflicts_become_mixed_or_double_and_are_reported() {
        let inference = infer(concat!(
            r#"{"_id": 1, "n": 1, "x": "a", "y": null, "z": [1, "a"], "w": [1, 2.5]}"#,
            "\n",
            r#"{"_id": 2, "n": 2.5, "x": 3, "y": null, "z": [], "w": []}"#,
        ));
        let dog = &inference.schema.classes[0];
        assert_eq!(dog.primary_key.as_deref(), Some("_id"));
        assert_eq!(dog.property("_id").unwrap(), &Property::new("_id", Int));
        assert_eq!(dog.property("n").unwrap(), &Property::new("n", Double));
        assert_eq!(dog.property("x").unwrap(), &Property::new("x", Mixed));
        assert_eq!(dog.property("y").unwrap(), &Property::new("y", Mixed));
        assert_eq!(
            dog.property("z").unwrap(),
            &Property::new("z", Mixed).list()
        );
        assert_eq!(
            dog.property("w").unwrap(),
            &Property::new("w", Double).list()
        );
        assert!(has_note(&inference, "n", "ints and doubles"));
        assert!(has_note(&inference, "x", "conflicting types (int, string)"));
        assert!(has_note(&inference, "y", "always null"));
        assert!(has_note(&inference, "z", "conflicting types"));
        assert!(has_note(&inference, "w", "ints and doubles"));
    }

    #[test]
    fn arrays_and_nested_documents() {
        let inference = infer(
            r#"[
            {"_id": "a", "tags": ["x", null], "empty": [], "grid": [[1]],
             "address": {"city": "Oslo", "zip": 1}, "pets": [{"name": "cat"}, {"name": "dog", "age": 2}],
             "scores": {"a b": 1, "$weird": 2}},
            {"_id": "b", "tags": ["y"], "empty": [], "grid": [[2]],
             "address": {"city": "Rome", "geo": {"lat": 1.5}}, "pets": [],
             "scores": {"c": 3}}
        ]"#,
        );
        let classes = &inference.schema.classes;
        let dog = &classes[0];
        assert_eq!(dog.property("_id").unwrap(), &Property::new("_id", String));
        assert_eq!(
            dog.property("tags").unwrap(),
            &Property::new("tags", String).list().optional()
        );
        assert_eq!(
            dog.property("empty").unwrap(),
            &Property::new("empty", Mixed).list()
        );
        assert_eq!(dog.property("grid").unwrap(), &Property::new("grid", Mixed));
        assert_eq!(
            dog.property("address").unwrap(),
            &Property::link("address", "Dog_address")
        );
        assert_eq!(
            dog.property("pets").unwrap(),
            &Property::link("pets", "Dog_pets").list()
        );
        assert_eq!(
            dog.property("scores").unwrap(),
            &Property::new("scores", Int).dictionary()
        );
        let address = inference.schema.class("Dog_address").unwrap();
        assert!(address.embedded);
        assert_eq!(
            address.properties,
            vec![
                Property::new("city", String),
                Property::new("zip", Int).optional(),
                Property::link("geo", "Dog_address_geo"),
            ]
        );
        let pets = inference.schema.class("Dog_pets").unwrap();
        assert_eq!(
            pets.properties,
            vec![
                Property::new("name", String),
                Property::new("age", Int).optional()
            ]
        );
        assert!(inference.schema.class("Dog_address_geo").unwrap().embedded);
        assert!(has_note(&inference, "empty", "always empty"));
        assert!(has_note(&inference, "grid", "arrays of arrays"));
        assert!(has_note(&inference, "scores", "typed as a dictionary"));
        inference.schema.validate(true).unwrap();
    }

    #[test]
    fn id_problems_are_reported() {
        let no_id = infer(r#"{"a": 1}"#);
        assert_eq!(no_id.schema.classes[0].primary_key, None);
        assert!(no_id.report[0].message.contains("no _id"));
        let sometimes = infer("{\"_id\": 1}\n{\"a\": 1}");
        assert_eq!(sometimes.schema.classes[0].primary_key, None);
        assert!(has_note(&sometimes, "_id", "no primary key"));
        let double_id = infer(r#"{"_id": 1.5}"#);
        assert_eq!(double_id.schema.classes[0].primary_key, None);
        let empty = SchemaInferrer::new("E").finish();
        assert_eq!(empty.documents, 0);
        assert!(empty.report[0].message.contains("no documents"));
    }

    #[test]
    fn bad_samples_name_the_line_and_field() {
        let mut inferrer = SchemaInferrer::new("Dog");
        let err = inferrer
            .add_json_text("{\"a\": 1}\n{\"a\": \n")
            .unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = SchemaInferrer::new("Dog")
            .add_json_text("{\"a\": {\"b\": {\"$oid\": \"zz\"}}}")
            .unwrap_err();
        assert!(err.to_string().contains("line 1, field a.b"), "{err}");
        let err = SchemaInferrer::new("Dog").add_json_text("[1]").unwrap_err();
        assert!(err.to_string().contains("document 1"), "{err}");
        let err = SchemaInferrer::new("Dog")
            .add_json_text("\"x\"")
            .unwrap_err();
        assert!(err.to_string().contains("must be a JSON object"), "{err}");
    }

    #[test]
    fn bson_dumps() {
        use bson::{doc, spec::BinarySubtype, Binary, Bson};
        let uuid = Binary {
            subtype: BinarySubtype::Uuid,
            bytes: vec![7; 16],
        };
        let docs = [
            doc! {"_id": bson::oid::ObjectId::new(), "n": 1_i32, "m": 2_i64, "d": 1.5, "u": uuid.clone(),
            "t": bson::DateTime::from_millis(5), "r": Bson::RegularExpression(bson::Regex { pattern: "a".try_into().unwrap(), options: "".try_into().unwrap() }),
            "sub": {"x": true}, "list": [1_i32, 2_i32]},
            doc! {"_id": bson::oid::ObjectId::new(), "n": 3_i64, "m": Bson::Null, "d": 2.5, "u": uuid,
            "t": bson::DateTime::from_millis(6), "r": "text", "sub": {"x": false}, "list": []},
        ];
        let mut dump = Vec::new();
        for d in &docs {
            d.to_writer(&mut dump).unwrap();
        }
        let mut inferrer = SchemaInferrer::new("Thing");
        inferrer.add_bson_dump(&dump).unwrap();
        let inference = inferrer.finish();
        assert_eq!(inference.documents, 2);
        let thing = &inference.schema.classes[0];
        assert_eq!(thing.primary_key.as_deref(), Some("_id"));
        assert_eq!(thing.property("n").unwrap(), &Property::new("n", Int));
        assert_eq!(
            thing.property("m").unwrap(),
            &Property::new("m", Int).optional()
        );
        assert_eq!(thing.property("u").unwrap(), &Property::new("u", Uuid));
        assert_eq!(thing.property("t").unwrap(), &Property::new("t", Date));
        assert_eq!(thing.property("r").unwrap(), &Property::new("r", Mixed));
        assert_eq!(
            thing.property("sub").unwrap(),
            &Property::link("sub", "Thing_sub")
        );
        assert_eq!(
            thing.property("list").unwrap(),
            &Property::new("list", Int).list()
        );
        assert!(has_note(&inference, "r", "without a Realm type (regex)"));

        let err = SchemaInferrer::new("T")
            .add_bson_dump(&dump[..dump.len() - 3])
            .unwrap_err();
        assert!(err.to_string().contains("document 2"), "{err}");
        let err = SchemaInferrer::new("T").add_bson_dump(&[1, 2]).unwrap_err();
        assert!(err.to_string().contains("document 1 (byte 0)"), "{err}");
        let mut corrupt = dump.clone();
        corrupt[4] = 0x7f; // an unknown element type
        assert!(SchemaInferrer::new("T").add_bson_dump(&corrupt).is_err());
    }
}
