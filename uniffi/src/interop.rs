//! Schema interop for apps and tools: the Realm JS schema JSON ↔ App Services JSON Schema,
//! change classification and Development Mode's decision, Flexible Sync's rules, inference from
//! sample documents and model code generation. Every rule is the core's; this converts only.

use serde_json::{json, Value as Json};
use syncline_core::schema::{
    development_mode_decision, ChangeKind, JsonSchemaOptions, SchemaChange as CoreChange,
    SchemaInferrer,
};
use syncline_core::Schema;

use crate::error::{Result, SynclineError};

/// A schema mapped to another form, with what the mapping dropped or assumed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SchemaMapping {
    /// The result as JSON text.
    pub json: String,
    /// What had no counterpart (dropped) or was assumed, each naming its class and property.
    pub notes: Vec<String>,
}

/// How disruptive a schema change is for a synced app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum SchemaChangeKind {
    /// New class, new property, added default: existing data and clients keep working.
    Additive,
    /// A removed class or property.
    ServerBreaking,
    /// A renamed class or property, a changed type, optional ↔ required, a changed primary key.
    Breaking,
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SchemaChange {
    /// How disruptive it is.
    pub kind: SchemaChangeKind,
    /// The class concerned.
    pub class_name: String,
    /// The property concerned, or nothing for a change to the class itself.
    pub property: Option<String>,
    /// What changed, e.g. `type changed from int to string`.
    pub description: String,
}

impl From<CoreChange> for SchemaChange {
    fn from(change: CoreChange) -> Self {
        SchemaChange {
            kind: match change.kind {
                ChangeKind::Additive => SchemaChangeKind::Additive,
                ChangeKind::ServerBreaking => SchemaChangeKind::ServerBreaking,
                ChangeKind::Breaking => SchemaChangeKind::Breaking,
            },
            class_name: change.class,
            property: change.property,
            description: change.description,
        }
    }
}

/// A schema inferred from sample documents.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SchemaInference {
    /// The inferred schema in its JSON form (the sampled class, then embedded classes).
    pub schema_json: String,
    /// What had to be guessed: conflicting types (mixed), fields always null, …
    pub report: Vec<String>,
    /// How many documents were sampled.
    pub documents: u64,
}

fn parse_json(text: &str, what: &str) -> Result<Json> {
    serde_json::from_str(text)
        .map_err(|e| SynclineError::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

/// The App Services form of a schema given in its JSON form: a JSON array of one JSON Schema
/// per top-level class (embedded classes inlined).
pub(crate) fn to_json_schema(schema_json: &str) -> Result<(Json, Vec<String>)> {
    let schema = Schema::from_json_str(schema_json)?;
    let export = schema.to_json_schema(&JsonSchemaOptions::default())?;
    let notes = export.notes.iter().map(ToString::to_string).collect();
    Ok((Json::Array(export.collections), notes))
}

/// The schema (JSON form) of App Services JSON Schemas: a JSON array of documents, or one.
pub(crate) fn from_json_schema(json_schema: &str) -> Result<(Json, Vec<String>)> {
    let documents = match parse_json(json_schema, "the JSON Schema")? {
        Json::Array(documents) => documents,
        document => vec![document],
    };
    let import = Schema::from_json_schema(&documents)?;
    let notes = import.notes.iter().map(ToString::to_string).collect();
    Ok((import.schema.to_json(), notes))
}

/// Every change from `old_schema_json` to `new_schema_json`, classified.
pub(crate) fn diff(old_schema_json: &str, new_schema_json: &str) -> Result<Vec<CoreChange>> {
    let old = Schema::from_json_str(old_schema_json)?;
    let new = Schema::from_json_str(new_schema_json)?;
    Ok(old.diff(&new))
}

/// Development Mode's decision (see [`schema_development_mode_decision`]).
pub(crate) fn decide(
    old_schema_json: &str,
    new_schema_json: &str,
    development_mode: bool,
) -> Result<Vec<CoreChange>> {
    let old = Schema::from_json_str(old_schema_json)?;
    let new = Schema::from_json_str(new_schema_json)?;
    Ok(development_mode_decision(&old, &new, development_mode)?)
}

/// Every problem under Flexible Sync's rules.
pub(crate) fn sync_rule_errors(schema_json: &str, queryable: &[String]) -> Result<Vec<String>> {
    let schema = Schema::from_json_str(schema_json)?;
    Ok(schema
        .sync_rule_errors(queryable)
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// The schema inferred from Extended JSON samples of `class_name`.
pub(crate) fn infer(class_name: &str, samples: &str) -> Result<(Json, Vec<String>, usize)> {
    let mut inferrer = SchemaInferrer::new(class_name);
    inferrer.add_json_text(samples)?;
    let inference = inferrer.finish();
    let report = inference.report.iter().map(ToString::to_string).collect();
    Ok((inference.schema.to_json(), report, inference.documents))
}

/// Model code for `language` from a schema in its JSON form.
pub(crate) fn generate(schema_json: &str, language: &str) -> Result<String> {
    let schema = Schema::from_json_str(schema_json)?;
    Ok(schema.generate_models(language.parse()?)?)
}

/// Changes as a JSON array of objects (for the C ABI).
pub(crate) fn changes_json(changes: &[CoreChange]) -> Json {
    changes
        .iter()
        .map(|change| {
            json!({
                "kind": change.kind.name(),
                "class": change.class,
                "property": change.property,
                "description": change.description,
            })
        })
        .collect()
}

/// Maps a schema in its JSON form (`[{"name": …, "properties": {…}}]`, as Realm's JavaScript SDK
/// writes it) to App Services JSON Schemas: `json` is a JSON array with one document per
/// top-level class; `notes` says what has no server form (backlinks) and was dropped.
#[uniffi::export]
pub fn schema_to_json_schema(schema_json: String) -> Result<SchemaMapping> {
    let (json, notes) = to_json_schema(&schema_json)?;
    Ok(SchemaMapping {
        json: json.to_string(),
        notes,
    })
}

/// Maps App Services JSON Schemas (a JSON array of documents, or one document) to a schema:
/// `json` is its JSON form; `notes` says what was assumed.
#[uniffi::export]
pub fn schema_from_json_schema(json_schema: String) -> Result<SchemaMapping> {
    let (json, notes) = from_json_schema(&json_schema)?;
    Ok(SchemaMapping {
        json: json.to_string(),
        notes,
    })
}

/// Every change from the old schema to the new one (both in JSON form), each classified as
/// additive, server-breaking or breaking with its class and property.
#[uniffi::export]
pub fn schema_diff(old_schema_json: String, new_schema_json: String) -> Result<Vec<SchemaChange>> {
    Ok(diff(&old_schema_json, &new_schema_json)?
        .into_iter()
        .map(SchemaChange::from)
        .collect())
}

/// Development Mode's decision on a client's proposed schema against the server's: with it on,
/// additive changes are accepted and returned; any other change (with it off: any change at
/// all) fails with `Schema` listing the refused changes.
#[uniffi::export]
pub fn schema_development_mode_decision(
    old_schema_json: String,
    new_schema_json: String,
    development_mode: bool,
) -> Result<Vec<SchemaChange>> {
    Ok(
        decide(&old_schema_json, &new_schema_json, development_mode)?
            .into_iter()
            .map(SchemaChange::from)
            .collect(),
    )
}

/// Every problem of a schema (JSON form) and its queryable fields under Flexible Sync's rules
/// (at most 10 queryable fields of top-level scalars or arrays of scalars, no reserved names,
/// `_id` of an allowed type, class names of at most 57 UTF-8 bytes); empty when it complies.
#[uniffi::export]
pub fn schema_sync_rule_errors(
    schema_json: String,
    queryable_fields: Vec<String>,
) -> Result<Vec<String>> {
    sync_rule_errors(&schema_json, &queryable_fields)
}

/// Infers the schema of `class_name` from sample documents in MongoDB Extended JSON (one per
/// line, or one JSON array): field types, optional when some documents lack a field, mixed
/// when types conflict, `_id` as primary key; `report` lists what was ambiguous.
#[uniffi::export]
pub fn schema_infer(class_name: String, samples: String) -> Result<SchemaInference> {
    let (schema, report, documents) = infer(&class_name, &samples)?;
    Ok(SchemaInference {
        schema_json: schema.to_string(),
        report,
        documents: documents as u64,
    })
}

/// Model code for a schema (JSON form) in `language`: `swift`, `kotlin`, `c`, `typescript` or
/// `python`.
#[uniffi::export]
pub fn schema_generate_models(schema_json: String, language: String) -> Result<String> {
    generate(&schema_json, &language)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEOPLE: &str = r#"[{"name": "Person", "primaryKey": "_id", "properties": {
        "_id": "objectId", "name": "string", "tags": "string[]"}}]"#;

    #[test]
    fn json_schema_round_trips_without_changes() {
        let mapping = schema_to_json_schema(PEOPLE.into()).expect("to JSON Schema");
        let back = schema_from_json_schema(mapping.json).expect("from JSON Schema");
        assert_eq!(schema_diff(PEOPLE.into(), back.json).expect("diff"), vec![]);
    }

    #[test]
    fn bad_input_is_an_error_naming_it() {
        let err = schema_generate_models(PEOPLE.into(), "cobol".into()).expect_err("language");
        assert!(matches!(&err, SynclineError::Schema { message } if message.contains("cobol")));
        let err = schema_from_json_schema("{".into()).expect_err("not JSON");
        assert!(
            matches!(&err, SynclineError::InvalidArgument { .. }),
            "{err:?}"
        );
    }
}
