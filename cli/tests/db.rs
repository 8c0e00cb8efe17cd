//! `syncline db …`, run as a process on databases in temporary directories.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::path::{Path, PathBuf};

use common::{
    arg, assert_contains, assert_ends_with, assert_starts_with, error_of, output_of, syncline, Run,
};
use serde_json::json;

/// Runs `syncline db import <db> --schema <schema> --data <data>` with `more` arguments.
fn import(db: &Path, schema: &str, data: &str, more: &[&str]) -> Run {
    let db = arg(db);
    let mut args = vec!["db", "import", &db, "--schema", schema, "--data", data];
    args.extend_from_slice(more);
    syncline(&args)
}

/// A database imported from `model.json` + `data.json`.
fn imported(dir: &Path) -> PathBuf {
    let db = dir.join("app.db");
    let run = import(&db, "model.json", "data.json", &[]);
    assert_eq!(
        run.ok(),
        format!(
            "imported 6 object(s) into {} (Person: 3, Dog: 1, Note: 2)\n",
            db.display()
        )
    );
    // Piped: no progress bar, nothing on stderr.
    assert_eq!(run.stderr, "");
    db
}

/// `syncline db export <db>` as JSON.
fn export(db: &Path) -> serde_json::Value {
    syncline(&["db", "export", &arg(db)]).json()
}

/// `syncline db stats <db> --json` as JSON.
fn stats(db: &Path) -> serde_json::Value {
    syncline(&["db", "stats", &arg(db), "--json"]).json()
}

#[test]
fn import_keeps_every_extended_json_type() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let data = export(&db);
    let ann = &data["Person"][0];
    assert_eq!(ann["_id"], json!({"$numberLong": "1"}));
    assert_eq!(ann["height"], json!({"$numberDouble": "1.75"}));
    assert_eq!(ann["weight"], json!({"$numberDouble": "61.5"}));
    assert_eq!(
        ann["photo"],
        json!({"$binary": {"base64": "AQID", "subType": "00"}})
    );
    assert_eq!(
        ann["born"],
        json!({"$date": "1993-04-05T06:07:08.123456789Z"})
    );
    assert_eq!(ann["ref"], json!({"$oid": "5f1b2c3d4e5f6a7b8c9d0e1f"}));
    assert_eq!(
        ann["token"],
        json!({"$uuid": "123e4567-e89b-12d3-a456-426614174000"})
    );
    assert_eq!(ann["balance"], json!({"$numberDecimal": "1234.50"}));
    // Mixed values keep their type.
    assert_eq!(ann["extra"], json!({"$numberDecimal": "0.1"}));
    assert_eq!(
        data["Person"][1]["extra"],
        json!({"$date": "2020-01-01T00:00:00.000Z"})
    );
    assert_eq!(data["Person"][2]["extra"], json!("text"));
    assert_eq!(
        ann["lucky"],
        json!([{"$numberLong": "3"}, {"$numberLong": "7"}])
    );
    assert_eq!(ann["scores"], json!({"math": {"$numberDouble": "9.5"}}));
    assert_eq!(ann["address"], json!({"street": "Main St", "city": "Lyon"}));
    // Links given as primary keys.
    assert_eq!(
        ann["dog"],
        json!({"$link": {"class": "Dog", "pk": {"$oid": "5f1b2c3d4e5f6a7b8c9d0e1f"}}})
    );
    assert_eq!(
        ann["friends"][1],
        json!({"$link": {"class": "Person", "pk": {"$numberLong": "3"}}})
    );
    // Default filled in, and overridden.
    assert_eq!(ann["alive"], json!(true));
    assert_eq!(data["Person"][2]["alive"], json!(false));
    // Links to a class without a primary key are positions in its array, both ways.
    assert_eq!(
        data["Note"][0]["next"],
        json!({"$link": {"class": "Note", "pk": {"$numberLong": "2"}}})
    );
    assert_eq!(
        ann["notes"],
        json!([{"$link": {"class": "Note", "pk": {"$numberLong": "2"}}}])
    );
}

#[test]
fn export_round_trips_through_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let data = dir.path().join("data.json");
    let schema = dir.path().join("schema.json");
    std::fs::write(&data, syncline(&["db", "export", &arg(&db)]).ok()).unwrap();
    std::fs::write(&schema, syncline(&["db", "schema", &arg(&db)]).ok()).unwrap();
    let copy = dir.path().join("copy.db");
    import(&copy, &arg(&schema), &arg(&data), &[]).ok();
    assert_eq!(export(&copy), export(&db));
}

#[test]
fn import_json_lines_with_a_class() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let run = import(&db, "model.json", "people.jsonl", &["--class", "Person"]);
    assert!(run.ok().starts_with("imported 2 object(s)"), "{run:#?}");
    let eve = syncline(&["db", "query", &arg(&db), "Person", "_id == 11", "--json"]).json();
    assert_eq!(
        eve[0]["friends"],
        json!([{"$link": {"class": "Person", "pk": {"$numberLong": "10"}}}])
    );
}

#[test]
fn query_prints_a_table_or_json_in_query_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let db = arg(&db);
    let run = syncline(&[
        "db",
        "query",
        &db,
        "Person",
        "age > $0 SORT(age DESC)",
        "--arg",
        "20",
        "--json",
    ]);
    let people = run.json();
    let names: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bob", "Ann"]);

    // A list argument, and an Extended JSON argument.
    let people = syncline(&[
        "db",
        "query",
        &db,
        "Person",
        "_id IN $0 AND born < $1 SORT(_id ASC)",
        "--arg",
        "[1, 3]",
        "--arg",
        r#"{"$date": "2000-01-01T00:00:00Z"}"#,
        "--json",
    ])
    .json();
    assert_eq!(people.as_array().unwrap().len(), 1);
    assert_eq!(people[0]["name"], json!("Ann"));

    // An object argument.
    let owners = syncline(&[
        "db",
        "query",
        &db,
        "Person",
        "ANY friends == $0 SORT(name ASC)",
        "--arg",
        r#"{"$link": {"class": "Person", "pk": 1}}"#,
        "--json",
    ])
    .json();
    assert_eq!(owners.as_array().unwrap().len(), 1);
    assert_eq!(owners[0]["name"], json!("Bob"));

    let table = output_of(&[
        "db",
        "query",
        &db,
        "Person",
        "name BEGINSWITH $0",
        "--arg",
        "\"A\"",
    ]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("_id  name  age"), "{table}");
    assert!(lines[1].starts_with("---  ----  ---"), "{table}");
    assert!(lines[2].starts_with("1    Ann   31"), "{table}");
    assert!(
        lines[2].contains("1993-04-05T06:07:08.123456789Z"),
        "{table}"
    );
    assert!(
        lines[2].contains("Dog(oid(5f1b2c3d4e5f6a7b8c9d0e1f))"),
        "{table}"
    );
    assert!(lines[2].contains("[\"climber\", \"reader\"]"), "{table}");
    assert_eq!(lines[3], "(1 object)");

    let empty = output_of(&["db", "query", &db, "Dog", "name == 'nobody'"]);
    assert_ends_with(&empty, "(0 objects)\n");
}

#[test]
fn query_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let db = arg(&db);
    let err = error_of(&["db", "query", &db, "Person", "age > $0", "--arg", "{"]);
    assert_starts_with(&err, "syncline: --arg $0: column 1: not valid JSON");
    let err = error_of(&[
        "db",
        "query",
        &db,
        "Person",
        "ref == $0",
        "--arg",
        r#"{"$oid": "zz"}"#,
    ]);
    assert_starts_with(&err, "syncline: --arg $0: ");
    assert_contains(&err, "objectId");
    let err = error_of(&["db", "query", &db, "Person", "age >> 1"]);
    assert_starts_with(&err, "syncline: query \"age >> 1\": at 5: ");
    let err = error_of(&["db", "query", &db, "Person", "age > $0"]);
    assert_contains(&err, "$0");
    let err = error_of(&["db", "query", &db, "Person", "nope == 1"]);
    assert_contains(&err, "nope");
    let err = error_of(&["db", "query", &db, "Cat", "TRUEPREDICATE"]);
    assert_ends_with(&err, ": the database has no class \"Cat\"\n");
    let missing = arg(&dir.path().join("missing.db"));
    let err = error_of(&["db", "query", &missing, "Person", "TRUEPREDICATE"]);
    assert_contains(&err, "no such file");
    assert!(
        !dir.path().join("missing.db").exists(),
        "a query must not create a database"
    );
    let err = error_of(&["db", "export", "model.json"]);
    assert_contains(&err, "model.json is not a Syncline database");
}

#[test]
fn schema_and_stats_describe_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let schema = syncline(&["db", "schema", &arg(&db)]).json();
    assert_eq!(schema[0]["name"], json!("Person"));
    assert_eq!(
        schema[0]["properties"]["friends"],
        json!({"type": "list", "objectType": "Person"})
    );
    let docs = syncline(&["db", "schema", &arg(&db), "--json-schema"]);
    // Note has no primary key: no server form for links to it.
    docs.fails();

    let stats = stats(&db);
    assert_eq!(stats["schema_version"], json!(0));
    assert_eq!(stats["pending_changesets"], json!(1));
    assert_eq!(stats["classes"], json!({"Person": 3, "Dog": 1, "Note": 2}));
    assert_eq!(stats["embedded_classes"], json!(["Address"]));
    assert!(stats["file_size_bytes"].as_u64().unwrap() > 0);
    let text = output_of(&["db", "stats", &arg(&db)]);
    assert_contains(&text, "schema version: 0\n");
    assert_contains(&text, "pending outbox changesets: 1\n");
    assert_contains(&text, "  Person   3 objects\n");
    assert_contains(&text, "  Dog      1 object\n");
    assert_contains(&text, "  Address  embedded\n");
}

#[test]
fn a_failed_import_leaves_the_database_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let before = export(&db);
    let stats_before = stats(&db);
    let failed_import = |data: &str| import(&db, "model.json", data, &[]).fails().to_owned();
    let err = failed_import("malformed.json");
    assert_starts_with(
        &err,
        "syncline: malformed.json: line 1, column 38: not valid JSON: trailing comma\n",
    );
    let err = failed_import("bad_ejson.json");
    assert_eq!(
        err,
        "syncline: bad_ejson.json: Person[1].ref: \"not-hex\" is not a 24-digit hex objectId\n"
    );
    let err = failed_import("dangling.json");
    assert_eq!(
        err,
        "syncline: dangling.json: Person[1]: property 'Person.friends' links to Person(99), \
         which does not exist\n"
    );
    // The same objects again: duplicate primary keys.
    let err = failed_import("data.json");
    assert_contains(&err, "already exists");
    assert_eq!(export(&db), before);
    assert_eq!(
        stats(&db)["pending_changesets"],
        stats_before["pending_changesets"]
    );
}

#[test]
fn import_bad_schemas_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new.db");
    let failed_import =
        |schema: &str, data: &str| import(&db, schema, data, &[]).fails().to_owned();
    let err = failed_import("long_name.json", "data.json");
    assert_starts_with(&err, "syncline: long_name.json: class \"ThisClassName");
    assert_contains(&err, "the limit is 57");
    let err = failed_import("malformed.json", "data.json");
    assert_starts_with(&err, "syncline: malformed.json: line 1");
    let err = failed_import("model_v1.json", "data.json");
    assert_starts_with(&err, "syncline: data.json: Person[0]: ");
    assert_contains(&err, "no property");
    // A JSON lines file read as a class→array object is a clear error too.
    let err = failed_import("model.json", "people.jsonl");
    assert_starts_with(&err, "syncline: people.jsonl: line ");
}

#[test]
fn large_imports_show_no_progress_bar_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("many.jsonl");
    let lines: Vec<String> = (0..1500)
        .map(|i| {
            format!(
                r#"{{"_id": {i}, "name": "p{i}", "friends": [{}]}}"#,
                (i + 1) % 1500
            )
        })
        .collect();
    std::fs::write(&data, lines.join("\n")).unwrap();
    let db = dir.path().join("many.db");
    let run = import(&db, "model.json", &arg(&data), &["--class", "Person"]);
    assert!(run.ok().starts_with("imported 1500 object(s)"), "{run:#?}");
    assert_eq!(run.stderr, "");
    let stats = stats(&db);
    assert_eq!(stats["classes"]["Person"], json!(1500));
}

#[test]
fn import_into_an_existing_database_with_a_changed_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let import_people =
        |schema: &str, data: &Path| import(&db, schema, &arg(data), &["--class", "Person"]);
    let first = dir.path().join("first.jsonl");
    std::fs::write(
        &first,
        "{\"_id\": 1, \"name\": \"Ann\", \"email\": \"a@x\"}\n",
    )
    .unwrap();
    import_people("model_v1.json", &first).ok();
    // An additive change (a new optional property) is applied on open.
    let second = dir.path().join("second.jsonl");
    std::fs::write(
        &second,
        "{\"_id\": 2, \"name\": \"Bob\", \"nickname\": \"B\"}\n",
    )
    .unwrap();
    import_people("additive.json", &second).ok();
    let people = export(&db);
    assert_eq!(people["Person"][1]["nickname"], json!("B"));
    assert_eq!(people["Person"][0]["nickname"], json!(null));
    // A breaking change needs a migration, which an import does not run.
    let err = import_people("model_v2.json", &second).fails().to_owned();
    assert_contains(&err, "needs a migration");
    assert_contains(&err, "v.db");
    assert_eq!(export(&db), people);
}
