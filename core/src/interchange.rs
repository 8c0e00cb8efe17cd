//! A whole database's objects as Extended JSON, for import and export (the `syncline` tool's
//! `db import` / `db export`).
//!
//! The data form is one JSON object mapping each class name to an array of its objects, each
//! object in Extended JSON as [`crate::value::document_from_extended_json`] reads it; JSON lines (one object per line)
//! hold objects of one class. A link is given as the target's primary key (or as
//! `{"$link": {"class", "pk"}}`), a list of links as a list of primary keys.
//!
//! Objects of a class without a primary key have no key a file could name, so links to them
//! give the target's 1-based position in its class's array. Export writes them the same way,
//! which is why export and import round-trip.
//!
//! An import is one write transaction: objects are created first without the properties that
//! hold links, then the links are set, so objects may link to each other in any order (cycles
//! included). Any error rolls the whole import back.

use std::collections::HashMap;

use serde_json::{Map, Value as Json};

use crate::db::{Database, WriteTransaction};
use crate::error::Error;
use crate::schema::Schema;
use crate::storage::PathElement;
use crate::value::{
    document_from_extended_json, document_to_extended_json, Document, Link, PrimaryKey, Value,
    ValueError,
};

/// Errors of an import or export, each naming where in the data it happened.
#[derive(Debug, thiserror::Error)]
pub enum InterchangeError {
    /// The data is not JSON, or not of the expected shape.
    #[error("{location}: {reason}")]
    Data {
        /// Where: `line 3, column 7`, `Dog[2]`, `line 5`.
        location: String,
        /// What was wrong.
        reason: String,
    },
    /// An object could not be read or written.
    #[error("{location}: {source}")]
    Object {
        /// Which object: `Dog[2]` or `line 5`.
        location: String,
        /// The engine's error.
        source: Box<Error>,
    },
    /// The database failed outside of any one object.
    #[error(transparent)]
    Database(Box<Error>),
}

impl From<Error> for InterchangeError {
    fn from(e: Error) -> Self {
        InterchangeError::Database(Box::new(e))
    }
}

/// One object to import: its class, where it came from, and its Extended JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The object's class.
    pub class: String,
    /// Where the object is in the data (`Dog[2]` or `line 5`), for errors.
    pub location: String,
    /// The object's fields in Extended JSON.
    pub json: Json,
}

/// The number of objects an import created, per class in the order they first appeared.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportSummary {
    /// `(class, objects created)`.
    pub created: Vec<(String, usize)>,
}

impl ImportSummary {
    /// All objects created.
    pub fn total(&self) -> usize {
        self.created.iter().map(|(_, n)| n).sum()
    }
}

/// What a JSON syntax error says, without serde's position (the location gives it).
fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => format!("not valid JSON: {}", &text[..i]),
        None => format!("not valid JSON: {text}"),
    }
}

fn parse_json(text: &str) -> Result<Json, InterchangeError> {
    serde_json::from_str(text).map_err(|e| InterchangeError::Data {
        location: format!("line {}, column {}", e.line(), e.column()),
        reason: json_reason(&e),
    })
}

/// The records of a JSON object mapping class names to arrays of objects.
pub fn records_from_json(text: &str) -> Result<Vec<Record>, InterchangeError> {
    let Json::Object(classes) = parse_json(text)? else {
        return Err(InterchangeError::Data {
            location: "top level".into(),
            reason: "expected a JSON object mapping each class name to an array of objects \
                     (give JSON lines with a class instead)"
                .into(),
        });
    };
    let mut records = Vec::new();
    for (class, objects) in classes {
        let Json::Array(objects) = objects else {
            return Err(InterchangeError::Data {
                location: class,
                reason: "expected an array of objects".into(),
            });
        };
        for (i, json) in objects.into_iter().enumerate() {
            records.push(Record {
                location: format!("{class}[{i}]"),
                class: class.clone(),
                json,
            });
        }
    }
    Ok(records)
}

/// The records of JSON lines (one object per line, blank lines skipped) or of a JSON array, all
/// of class `class`.
pub fn records_from_json_lines(text: &str, class: &str) -> Result<Vec<Record>, InterchangeError> {
    if text.trim_start().starts_with('[') {
        let Json::Array(objects) = parse_json(text)? else {
            return Err(InterchangeError::Data {
                location: "top level".into(),
                reason: "expected an array of objects".into(),
            });
        };
        return Ok(objects
            .into_iter()
            .enumerate()
            .map(|(i, json)| Record {
                class: class.to_owned(),
                location: format!("{class}[{i}]"),
                json,
            })
            .collect());
    }
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = format!("line {}", i + 1);
        let json = serde_json::from_str(line).map_err(|e| InterchangeError::Data {
            location: format!("{location}, column {}", e.column()),
            reason: json_reason(&e),
        })?;
        records.push(Record {
            class: class.to_owned(),
            location,
            json,
        });
    }
    Ok(records)
}

/// Whether a value holds a link anywhere inside it.
fn has_link(value: &Value) -> bool {
    match value {
        Value::Link(_) => true,
        Value::List(items) | Value::Set(items) => items.iter().any(has_link),
        Value::Dictionary(map) => map.values().any(has_link),
        Value::Embedded(doc) => doc.values().any(has_link),
        _ => false,
    }
}

/// Rewrites every link inside `value` with `f`.
fn map_links(value: Value, f: &impl Fn(Link) -> Result<Link, String>) -> Result<Value, String> {
    Ok(match value {
        Value::Link(link) => Value::Link(f(link)?),
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|v| map_links(v, f))
                .collect::<Result<_, _>>()?,
        ),
        Value::Set(items) => Value::Set(
            items
                .into_iter()
                .map(|v| map_links(v, f))
                .collect::<Result<_, _>>()?,
        ),
        Value::Dictionary(map) => Value::Dictionary(
            map.into_iter()
                .map(|(k, v)| Ok((k, map_links(v, f)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Embedded(doc) => Value::Embedded(
            doc.into_iter()
                .map(|(k, v)| Ok((k, map_links(v, f)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other,
    })
}

/// An object read from its record, split into what can be written at creation and the
/// properties holding links, set once every object exists.
struct Pending<'r> {
    record: &'r Record,
    now: Document,
    later: Vec<(String, Value)>,
}

/// Imports `records` into `db` in one write transaction: everything or, on any error, nothing.
/// `progress(done, total)` is called as objects are written.
pub fn import(
    db: &Database,
    records: &[Record],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, InterchangeError> {
    let schema = db.schema();
    let mut pending = Vec::with_capacity(records.len());
    for record in records {
        pending.push(read_record(schema, record)?);
    }
    let total = pending.len() + pending.iter().map(|p| p.later.len()).sum::<usize>();
    db.write(|txn| {
        let mut summary = ImportSummary::default();
        // Row keys of the created objects of classes without a primary key, in data order.
        let mut positions: HashMap<String, Vec<PrimaryKey>> = HashMap::new();
        let mut keys = Vec::with_capacity(pending.len());
        let mut done = 0;
        for p in &mut pending {
            let class = &p.record.class;
            let doc = std::mem::take(&mut p.now);
            let pk = txn
                .create(class, doc)
                .map_err(|source| object_error(p.record, source))?;
            if schema.class(class).is_some_and(|c| c.primary_key.is_none()) {
                positions.entry(class.clone()).or_default().push(pk.clone());
            }
            match summary.created.iter_mut().find(|(c, _)| c == class) {
                Some((_, n)) => *n += 1,
                None => summary.created.push((class.clone(), 1)),
            }
            keys.push(pk);
            done += 1;
            progress(done, total);
        }
        for (p, pk) in pending.iter_mut().zip(&keys) {
            for (name, value) in std::mem::take(&mut p.later) {
                set_links(txn, schema, &positions, p.record, pk, name, value)?;
                done += 1;
                progress(done, total);
            }
        }
        Ok(summary)
    })
}

fn object_error(record: &Record, source: Error) -> InterchangeError {
    InterchangeError::Object {
        location: record.location.clone(),
        source: Box::new(source),
    }
}

/// An Extended JSON error located in the data: `Person[3].address.city` when the record is
/// `Person[3]` and the value module says `Person.address.city`; `line 5: Person.tags[2]` for a
/// JSON line.
fn value_error(record: &Record, e: ValueError) -> InterchangeError {
    let ValueError::ExtendedJson { context, reason } = e else {
        return object_error(record, e.into());
    };
    let inside = context
        .strip_prefix(record.class.as_str())
        .filter(|rest| rest.is_empty() || rest.starts_with(['.', '[']));
    let location = match inside {
        Some(rest) if record.location.starts_with(&format!("{}[", record.class)) => {
            format!("{}{rest}", record.location)
        }
        _ => format!("{}: {context}", record.location),
    };
    InterchangeError::Data { location, reason }
}

fn read_record<'r>(schema: &Schema, record: &'r Record) -> Result<Pending<'r>, InterchangeError> {
    let class = schema
        .class(&record.class)
        .ok_or_else(|| InterchangeError::Data {
            location: record.location.clone(),
            reason: format!("the schema has no class {:?}", record.class),
        })?;
    if class.embedded {
        return Err(InterchangeError::Data {
            location: record.location.clone(),
            reason: format!(
                "class {:?} is embedded: its objects are given inside their parent object",
                record.class
            ),
        });
    }
    let doc = document_from_extended_json(&record.json, class, schema)
        .map_err(|e| value_error(record, e))?;
    let mut now = Document::new();
    let mut later = Vec::new();
    for (name, value) in doc {
        if has_link(&value) {
            later.push((name, value));
        } else {
            now.insert(name, value);
        }
    }
    Ok(Pending { record, now, later })
}

fn set_links(
    txn: &mut WriteTransaction,
    schema: &Schema,
    positions: &HashMap<String, Vec<PrimaryKey>>,
    record: &Record,
    pk: &PrimaryKey,
    name: String,
    value: Value,
) -> Result<(), InterchangeError> {
    let resolve = |link: Link| -> Result<Link, String> {
        if schema
            .class(&link.class)
            .is_none_or(|c| c.primary_key.is_some())
        {
            return Ok(link);
        }
        let found = match &link.pk {
            PrimaryKey::Int(n) if *n >= 1 => usize::try_from(*n - 1)
                .ok()
                .and_then(|i| positions.get(&link.class).and_then(|rows| rows.get(i))),
            _ => None,
        };
        match found {
            Some(row) => Ok(Link {
                class: link.class,
                pk: row.clone(),
            }),
            None => Err(format!(
                "property {name:?}: class {:?} has no primary key, so a link to it gives the \
                 target's 1-based position in the data's {:?} array, and there is no object {}",
                link.class,
                link.class,
                crate::db::describe_pk(&link.pk)
            )),
        }
    };
    let value = map_links(value, &resolve).map_err(|reason| InterchangeError::Data {
        location: record.location.clone(),
        reason,
    })?;
    txn.set_path(&record.class, pk, &[PathElement::Property(name)], value)
        .map_err(|source| object_error(record, source))
}

/// Every object of every top-level class of `db`, as the JSON object [`records_from_json`] and
/// [`import`] read back: classes in schema order, objects in insertion order.
pub fn export(db: &Database) -> Result<Json, InterchangeError> {
    let schema = db.schema();
    db.read(|txn| {
        let mut classes = Vec::new();
        // Positions (1-based) of the objects of classes without a primary key, by row key.
        let mut positions: HashMap<(String, PrimaryKey), i64> = HashMap::new();
        for class in schema.classes.iter().filter(|c| !c.embedded) {
            let objects = txn.objects(&class.name)?;
            if class.primary_key.is_none() {
                for (i, o) in objects.iter().enumerate() {
                    let position = i64::try_from(i + 1).unwrap_or(i64::MAX);
                    positions.insert((class.name.clone(), o.pk.clone()), position);
                }
            }
            classes.push((class.name.clone(), objects));
        }
        let resolve = |link: Link| -> Result<Link, String> {
            match positions.get(&(link.class.clone(), link.pk.clone())) {
                Some(position) => Ok(Link {
                    class: link.class,
                    pk: PrimaryKey::Int(*position),
                }),
                None => Ok(link),
            }
        };
        let mut out = Map::new();
        for (name, objects) in classes {
            let mut items = Vec::with_capacity(objects.len());
            for object in objects {
                let mut doc = Document::new();
                for (k, v) in object.fields {
                    let v = map_links(v, &resolve).map_err(Error::callback)?;
                    doc.insert(k, v);
                }
                items.push(document_to_extended_json(&doc));
            }
            out.insert(name, Json::Array(items));
        }
        Ok::<_, InterchangeError>(Json::Object(out))
    })
}

/// Every top-level class of `db` in schema order, with its number of objects.
pub fn object_counts(db: &Database) -> Result<Vec<(String, usize)>, Error> {
    let schema = db.schema();
    db.read(|txn| {
        let mut counts = Vec::new();
        for class in schema.classes.iter().filter(|c| !c.embedded) {
            let query = crate::query::BoundQuery::new("TRUEPREDICATE", schema, &class.name, &[])?;
            counts.push((class.name.clone(), txn.count_bound(&query)?));
        }
        Ok(counts)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use serde_json::json;

    use super::*;
    use crate::db::Config;

    fn schema() -> Schema {
        Schema::from_json(&json!([
            {"name": "Person", "primaryKey": "_id", "properties": {
                "_id": "int", "name": "string", "best": "Person?", "friends": "Person[]",
                "notes": "Note[]", "extra": "mixed", "address": "Address?"}},
            {"name": "Address", "embedded": true, "properties": {"street": "string", "owner": "Person?"}},
            {"name": "Note", "properties": {"text": "string", "next": "Note?"}}
        ]))
        .unwrap()
    }

    fn data() -> Json {
        json!({
            "Person": [
                {"_id": 1, "name": "Ann", "best": 2, "friends": [2, 1], "notes": [2],
                 "extra": {"$date": "2024-01-02T03:04:05.123456789Z"},
                 "address": {"street": "Main", "owner": 2}},
                {"_id": 2, "name": "Bob", "best": 1, "extra": {"$link": {"class": "Note", "pk": 1}}}
            ],
            "Note": [{"text": "first", "next": 2}, {"text": "second", "next": 1}]
        })
    }

    fn import_text(db: &Database, text: &str) -> Result<ImportSummary, InterchangeError> {
        let records = records_from_json(text)?;
        import(db, &records, &mut |_, _| {})
    }

    #[test]
    fn links_in_any_order_and_positions_round_trip() {
        let db = Database::open_temporary(Config::new(schema())).unwrap();
        let summary = import_text(&db, &data().to_string()).unwrap();
        assert_eq!(
            summary.created,
            vec![("Person".to_owned(), 2), ("Note".to_owned(), 2)]
        );
        let ann = db
            .read(|t| t.get("Person", &PrimaryKey::Int(1)))
            .unwrap()
            .unwrap();
        assert_eq!(
            ann.get("best"),
            Some(&Value::Link(Link {
                class: "Person".into(),
                pk: PrimaryKey::Int(2)
            }))
        );
        let exported = export(&db).unwrap();
        assert_eq!(
            exported["Note"][0]["next"]["$link"]["pk"],
            json!({"$numberLong": "2"})
        );
        assert_eq!(
            exported["Person"][1]["extra"]["$link"]["pk"],
            json!({"$numberLong": "1"})
        );
        assert_eq!(
            exported["Person"][0]["extra"],
            json!({"$date": "2024-01-02T03:04:05.123456789Z"})
        );
        // Into a second database, and out again: the same data.
        let copy = Database::open_temporary(Config::new(schema())).unwrap();
        import_text(&copy, &exported.to_string()).unwrap();
        assert_eq!(export(&copy).unwrap(), exported);
        assert_eq!(
            object_counts(&copy).unwrap(),
            vec![("Person".to_owned(), 2), ("Note".to_owned(), 2)]
        );
    }

    #[test]
    fn a_failed_import_changes_nothing() {
        let db = Database::open_temporary(Config::new(schema())).unwrap();
        import_text(&db, r#"{"Person": [{"_id": 1, "name": "Ann"}]}"#).unwrap();
        let before = export(&db).unwrap();
        // The second object links to a person that does not exist.
        let err = import_text(
            &db,
            r#"{"Person": [{"_id": 5, "name": "Eve"}, {"_id": 6, "name": "Fay", "best": 99}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("Person[1]: "), "{err}");
        assert!(err.to_string().contains("does not exist"), "{err}");
        let err = import_text(&db, r#"{"Note": [{"text": "x", "next": 3}]}"#).unwrap_err();
        assert!(err.to_string().contains("1-based position"), "{err}");
        let err = import_text(&db, r#"{"Person": [{"_id": 1, "name": "again"}]}"#).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(export(&db).unwrap(), before);
    }

    #[test]
    fn data_errors_name_their_place() {
        let err = records_from_json("{\"Person\": [1,]}").unwrap_err();
        assert!(err.to_string().starts_with("line 1, column "), "{err}");
        let err = records_from_json("[]").unwrap_err();
        assert!(err.to_string().starts_with("top level: "), "{err}");
        let err = records_from_json(r#"{"Person": {}}"#).unwrap_err();
        assert_eq!(err.to_string(), "Person: expected an array of objects");
        let err = records_from_json_lines("{\"_id\": 1}\n\n{\"_id\": 2", "Person").unwrap_err();
        assert!(err.to_string().starts_with("line 3, column "), "{err}");
        let records = records_from_json_lines("{\"_id\": 1}\n\n{\"_id\": 2}\n", "Person").unwrap();
        assert_eq!(records[1].location, "line 3");

        let db = Database::open_temporary(Config::new(schema())).unwrap();
        let err = import_text(&db, r#"{"Dog": [{}]}"#).unwrap_err();
        assert_eq!(err.to_string(), "Dog[0]: the schema has no class \"Dog\"");
        let err = import_text(&db, r#"{"Address": [{"street": "x"}]}"#).unwrap_err();
        assert!(err.to_string().contains("embedded"), "{err}");
        let err = import_text(
            &db,
            r#"{"Person": [{"_id": {"$numberLong": "x"}, "name": "A"}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Person[0]._id: \"x\" is not a 64-bit integer"
        );
        let records = records_from_json_lines("{\"_id\": 1, \"name\": 5}", "Person").unwrap();
        let err = import(&db, &records, &mut |_, _| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: Person.name: expected a string, found an integer"
        );
    }

    #[test]
    fn stored_schema_and_open_existing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        assert!(Database::stored_schema(&path).unwrap().is_none());
        assert!(Database::open_existing(&path).is_err());
        assert!(
            !path.exists(),
            "asking about a missing file must not create it"
        );
        {
            let db = Database::open(&path, Config::new(schema()).with_schema_version(3)).unwrap();
            import_text(&db, &data().to_string()).unwrap();
        }
        let (stored, version) = Database::stored_schema(&path).unwrap().unwrap();
        assert_eq!(version, 3);
        assert_eq!(stored.classes.len(), 3);
        let db = Database::open_existing(&path).unwrap();
        assert_eq!(export(&db).unwrap()["Person"][0]["name"], json!("Ann"));
    }
}
