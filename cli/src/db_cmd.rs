//! `syncline db …`: import, query, export and inspect a local database file.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value as Json};
use syncline_core::interchange::{self, InterchangeError};
use syncline_core::query::BoundQuery;
use syncline_core::schema::JsonSchemaOptions;
use syncline_core::value::document_to_extended_json;
use syncline_core::{Config, Database, Value};

use crate::files::{
    db_error, json_reason, load_schema, pretty, print, print_notes, read_text, shown, CliError,
};
use crate::render::{cell, table};

/// Imports at least this large show a progress bar (on a terminal only).
const PROGRESS_THRESHOLD: usize = 1000;

/// Opens an existing database with the schema stored in it.
fn open_existing(db: &Path) -> Result<Database, CliError> {
    Database::open_existing(db).map_err(|e| db_error(db, e))
}

/// `db import DB --schema SCHEMA --data DATA [--class C]`.
pub fn import(
    db: &Path,
    schema_file: &Path,
    data: &Path,
    class: Option<&str>,
) -> Result<(), CliError> {
    let schema = load_schema(schema_file)?;
    let text = read_text(data)?;
    let records = match class {
        Some(class) => interchange::records_from_json_lines(&text, class),
        None => interchange::records_from_json(&text),
    }
    .map_err(|e| CliError::at(shown(data), e))?;
    // An existing file keeps its schema version: the import adds classes or properties at most.
    let version = Database::stored_schema(db)
        .map_err(|e| db_error(db, e))?
        .map_or(0, |(_, v)| v);
    let database = Database::open(db, Config::new(schema).with_schema_version(version))
        .map_err(|e| db_error(db, e))?;
    let bar = (records.len() >= PROGRESS_THRESHOLD && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(records.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("importing");
        bar
    });
    let mut progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let result = interchange::import(&database, &records, &mut progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = result.map_err(|e| match e {
        InterchangeError::Database(e) => db_error(db, e),
        other => CliError::at(shown(data), other),
    })?;
    let per_class: Vec<String> = summary
        .created
        .iter()
        .map(|(c, n)| format!("{c}: {n}"))
        .collect();
    print(&format!(
        "imported {} object(s) into {}{}\n",
        summary.total(),
        shown(db),
        if per_class.is_empty() {
            String::new()
        } else {
            format!(" ({})", per_class.join(", "))
        }
    ))
}

/// The positional arguments of a query, each given as Extended JSON.
fn query_arguments(args: &[String]) -> Result<Vec<Value>, CliError> {
    args.iter()
        .enumerate()
        .map(|(i, text)| {
            let json: Json = serde_json::from_str(text).map_err(|e| {
                CliError::at(
                    format!("--arg ${i}"),
                    format!("column {}: not valid JSON: {}", e.column(), json_reason(&e)),
                )
            })?;
            Value::from_extended_json(&json, syncline_core::value::ValueHint::Any)
                .map_err(|e| CliError::at(format!("--arg ${i}"), e))
        })
        .collect()
}

/// `db query DB CLASS RQL [--arg JSON]… [--json]`.
pub fn query(
    db: &Path,
    class: &str,
    rql: &str,
    args: &[String],
    as_json: bool,
) -> Result<(), CliError> {
    let args = query_arguments(args)?;
    let database = open_existing(db)?;
    let schema = database.schema();
    let class_schema = schema
        .class(class)
        .ok_or_else(|| CliError::at(shown(db), format!("the database has no class {class:?}")))?;
    let bound = BoundQuery::new(rql, schema, class, &args)
        .map_err(|e| CliError::at(format!("query {rql:?}"), e))?;
    let objects = database
        .read(|txn| {
            let results = txn.query_bound(&bound)?;
            let mut objects = Vec::with_capacity(results.len());
            for pk in &results.keys {
                if let Some(object) = txn.get(class, pk)? {
                    objects.push(object);
                }
            }
            Ok::<_, syncline_core::Error>(objects)
        })
        .map_err(|e| db_error(db, e))?;
    if as_json {
        let items = objects
            .iter()
            .map(|o| document_to_extended_json(&o.fields))
            .collect();
        return print(&pretty(&Json::Array(items)));
    }
    let columns: Vec<String> = class_schema
        .persisted_properties()
        .map(|p| p.name.clone())
        .collect();
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|o| {
            columns
                .iter()
                .map(|c| o.get(c).map_or_else(String::new, cell))
                .collect()
        })
        .collect();
    print(&table(&columns, &rows))
}

/// `db export DB`.
pub fn export(db: &Path) -> Result<(), CliError> {
    let database = open_existing(db)?;
    let json = interchange::export(&database).map_err(|e| db_error(db, e))?;
    print(&pretty(&json))
}

/// `db schema DB [--json-schema]`.
pub fn schema(db: &Path, json_schema: bool) -> Result<(), CliError> {
    let database = open_existing(db)?;
    let schema = database.schema();
    if json_schema {
        let export = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .map_err(|e| db_error(db, e))?;
        print_notes(db, &export.notes);
        return print(&pretty(&Json::Array(export.collections)));
    }
    print(&pretty(&schema.to_json()))
}

/// `db stats DB [--json]`.
pub fn stats(db: &Path, as_json: bool) -> Result<(), CliError> {
    let (_, version) = Database::stored_schema(db)
        .map_err(|e| db_error(db, e))?
        .ok_or_else(|| CliError::at(shown(db), "no such Syncline database"))?;
    let database = open_existing(db)?;
    let counts = interchange::object_counts(&database).map_err(|e| db_error(db, e))?;
    let pending = database.outbox().map_err(|e| db_error(db, e))?.len();
    // The write-ahead log holds recent commits until a checkpoint: part of the database's size.
    let file_size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    let size = file_size(db) + file_size(Path::new(&wal));
    let embedded: Vec<&str> = database
        .schema()
        .classes
        .iter()
        .filter(|c| c.embedded)
        .map(|c| c.name.as_str())
        .collect();
    if as_json {
        let mut classes = Map::new();
        for (class, n) in &counts {
            classes.insert(class.clone(), json!(n));
        }
        return print(&pretty(&json!({
            "file": shown(db),
            "file_size_bytes": size,
            "schema_version": version,
            "pending_changesets": pending,
            "classes": classes,
            "embedded_classes": embedded,
        })));
    }
    let mut text = format!(
        "file: {} ({size} bytes)\nschema version: {version}\npending outbox changesets: \
         {pending}\nclasses:\n",
        shown(db)
    );
    let width = counts
        .iter()
        .map(|(c, _)| c.chars().count())
        .chain(embedded.iter().map(|c| c.chars().count()))
        .max()
        .unwrap_or(0);
    for (class, n) in &counts {
        text.push_str(&format!(
            "  {class:<width$}  {n} object{}\n",
            if *n == 1 { "" } else { "s" }
        ));
    }
    for class in embedded {
        text.push_str(&format!("  {class:<width$}  embedded\n"));
    }
    print(&text)
}
