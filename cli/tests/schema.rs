//! `syncline schema …` and `--help`, run as a process.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use common::{
    arg, assert_contains, assert_ends_with, assert_starts_with, error_of, output_of, syncline,
};
use serde_json::json;

#[test]
fn every_command_has_help_with_an_example() {
    let commands: [&[&str]; 14] = [
        &[],
        &["codegen"],
        &["schema"],
        &["db"],
        &["schema", "to-json-schema"],
        &["schema", "from-json-schema"],
        &["schema", "infer"],
        &["schema", "diff"],
        &["schema", "check"],
        &["db", "import"],
        &["db", "query"],
        &["db", "export"],
        &["db", "schema"],
        &["db", "stats"],
    ];
    for command in commands {
        let mut args: Vec<&str> = command.to_vec();
        args.push("--help");
        let run = syncline(&args);
        let out = run.ok();
        if command.len() != 1 || command == ["codegen"] {
            assert!(
                out.contains("Example"),
                "{command:?} --help has no example:\n{out}"
            );
        }
        assert_contains(out, "Usage: syncline");
    }
}

#[test]
fn usage_errors_exit_with_status_2() {
    let run = syncline(&["schema", "frobnicate"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("frobnicate"), "{run:#?}");
    let run = syncline(&["db", "query", "x.db"]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn to_json_schema_prints_one_document_per_top_level_class() {
    let run = syncline(&["schema", "to-json-schema", "app_model.json"]);
    let docs = run.json();
    let titles: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Person", "Dog"]);
    let person = &docs[0];
    assert_eq!(person["properties"]["_id"], json!({"bsonType": "objectId"}));
    assert_eq!(person["properties"]["lucky"]["uniqueItems"], json!(true));
    assert_eq!(person["properties"]["address"]["title"], json!("Address"));
    assert_eq!(person["relationships"]["pets"]["is_list"], json!(true));
    assert_eq!(
        person["relationships"]["dog"]["ref"],
        json!("#/relationship/mongodb-atlas/syncline/Dog")
    );
    // Backlinks have no server form: a note on stderr says they were dropped.
    assert!(run.stderr.contains("\"owner\""), "{run:#?}");
    assert!(run.stderr.contains("dropped"), "{run:#?}");
}

#[test]
fn to_json_schema_out_dir_round_trips_through_from_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    let out = syncline(&[
        "schema",
        "to-json-schema",
        "app_model.json",
        "--out",
        &arg(dir.path()),
        "--database",
        "shop",
    ]);
    let listed = out.ok();
    let class_dir = dir.path().join("data_sources/mongodb-atlas/shop/Person");
    assert_contains(listed, "Person/schema.json");
    assert!(class_dir.join("schema.json").is_file());
    let relationships: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(class_dir.join("relationships.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        relationships["dog"]["ref"],
        json!("#/relationship/mongodb-atlas/shop/Dog")
    );

    // Back from the directory: the same schema but for the backlinks, which have no server form.
    let back = dir.path().join("back.json");
    let run = syncline(&["schema", "from-json-schema", &arg(dir.path())]);
    std::fs::write(&back, run.ok()).unwrap();
    let diff = syncline(&["schema", "diff", "app_model.json", &arg(&back)]);
    assert_eq!(
        diff.ok(),
        "additive: class \"Dog\", property \"owner\": backlinks removed (computed on the client)\n"
    );

    // --out writes one file per class.
    let classes = dir.path().join("classes");
    let run = syncline(&[
        "schema",
        "from-json-schema",
        &arg(dir.path()),
        "--out",
        &arg(&classes),
    ]);
    run.ok();
    let address: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(classes.join("Address.json")).unwrap())
            .unwrap();
    assert_eq!(address["embedded"], json!(true));
    assert!(classes.join("Person.json").is_file() && classes.join("Dog.json").is_file());
}

#[test]
fn from_json_schema_reads_arrays_of_documents() {
    let dir = tempfile::tempdir().unwrap();
    let docs = syncline(&["schema", "to-json-schema", "app_model.json"]);
    let file = dir.path().join("all.json");
    std::fs::write(&file, docs.ok()).unwrap();
    let schema = syncline(&["schema", "from-json-schema", &arg(&file)]).json();
    let names: Vec<&str> = schema
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Person", "Dog", "Address"]);
    assert_eq!(
        schema[0]["properties"]["lucky"],
        json!({"type": "set", "objectType": "int"})
    );
    assert_eq!(
        schema[0]["properties"]["pets"],
        json!({"type": "list", "objectType": "Dog"})
    );
}

#[test]
fn from_json_schema_bad_input_names_file_path_and_rule() {
    let err = error_of(&["schema", "from-json-schema", "unsupported.schema.json"]);
    assert_starts_with(
        &err,
        "syncline: unsupported.schema.json: JSON Schema at Item.properties.color.enum: ",
    );
    assert_contains(&err, "not supported");

    let err = error_of(&["schema", "from-json-schema", "conflicting.schema.json"]);
    assert_starts_with(&err, "syncline: conflicting.schema.json: ");
    assert_contains(&err, "Office.properties.address");
    assert_contains(&err, "conflicting definitions");

    let err = error_of(&["schema", "from-json-schema", "malformed.json"]);
    assert_starts_with(&err, "syncline: malformed.json: line 1, column ");
    assert_contains(&err, "not valid JSON");

    let err = error_of(&["schema", "from-json-schema", "no-such-file.json"]);
    assert_starts_with(&err, "syncline: no-such-file.json: cannot read");
}

#[test]
fn to_json_schema_bad_input() {
    // Note has no primary key, and the server stores links as primary keys.
    let err = error_of(&["schema", "to-json-schema", "model.json"]);
    assert_starts_with(
        &err,
        "syncline: model.json: class \"Person\", property \"notes\"",
    );
    assert_contains(&err, "no primary key");
    let err = error_of(&["schema", "to-json-schema", "long_name.json"]);
    assert_contains(&err, "the limit is 57");
    let err = error_of(&["schema", "to-json-schema", "data.json"]);
    assert_starts_with(&err, "syncline: data.json: ");
}

#[test]
fn infer_from_json_lines_and_bson_dumps() {
    let run = syncline(&["schema", "infer", "Person.jsonl", "Dog.bson"]);
    let schema = run.json();
    assert_eq!(schema[0]["name"], json!("Person"));
    assert_eq!(schema[0]["primaryKey"], json!("_id"));
    assert_eq!(schema[0]["properties"]["_id"], json!("objectId"));
    assert_eq!(schema[0]["properties"]["age"], json!("mixed"));
    assert_eq!(schema[1]["name"], json!("Person_address"));
    assert_eq!(schema[1]["embedded"], json!(true));
    assert_eq!(schema[2]["name"], json!("Dog"));
    assert_eq!(schema[2]["properties"]["_id"], json!("int"));
    assert_eq!(
        schema[2]["properties"]["weight"],
        json!({"type": "double", "optional": true})
    );
    // The ambiguity is reported on stderr, naming the file, class and property.
    assert!(
        run.stderr
            .contains("note: Person.jsonl: class \"Person\", property \"age\": conflicting types"),
        "{run:#?}"
    );

    let run = syncline(&[
        "schema",
        "infer",
        "Dog.bson",
        "--class",
        "Pet",
        "--json-schema",
    ]);
    let docs = run.json();
    assert_eq!(docs[0]["title"], json!("Pet"));
    // Optional: present but not required.
    assert_eq!(docs[0]["properties"]["weight"]["bsonType"], json!("double"));
    assert_eq!(docs[0]["required"], json!(["_id", "name"]));
}

#[test]
fn infer_bad_input() {
    let err = error_of(&["schema", "infer", "bad_samples.jsonl"]);
    assert_starts_with(&err, "syncline: bad_samples.jsonl: sample line 2: ");
    let err = error_of(&["schema", "infer", "malformed.json"]);
    assert_starts_with(&err, "syncline: malformed.json: ");
    // A JSON file is not a BSON dump.
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("Fake.bson");
    std::fs::write(&fake, b"{\"_id\": 1}").unwrap();
    let err = error_of(&["schema", "infer", &arg(&fake)]);
    assert_contains(&err, "Fake.bson: sample document 1 (byte 0)");
}

#[test]
fn diff_classifies_changes() {
    let out = output_of(&["schema", "diff", "model_v1.json", "model_v2.json"]);
    assert_eq!(
        out,
        "breaking: class \"Person\", property \"age\": type changed from int? to string?\n\
         breaking: class \"Person\", property \"email\": renamed to \"nickname\" (or removed, and \
         a property of the same type added)\n\
         additive: class \"Cat\": new class\n"
    );
    let out = output_of(&["schema", "diff", "model_v1.json", "model_v1.json"]);
    assert_eq!(out, "no changes\n");
    let out = output_of(&["schema", "diff", "additive.json", "model_v1.json"]);
    assert_starts_with(
        &out,
        "server-breaking: class \"Person\", property \"nickname\"",
    );
}

#[test]
fn diff_with_development_mode() {
    let diff = |new: &str, mode: &str| {
        syncline(&[
            "schema",
            "diff",
            "model_v1.json",
            new,
            "--development-mode",
            mode,
        ])
    };
    let run = diff("additive.json", "on");
    assert_ends_with(
        run.ok(),
        "accepted: 1 additive change(s) with Development Mode on\n",
    );

    let run = diff("additive.json", "off");
    let err = run.fails();
    assert_starts_with(
        err,
        "syncline: additive.json: schema change refused (Development Mode is off)",
    );

    let run = diff("model_v2.json", "on");
    let err = run.fails();
    assert_contains(err, "accepts only additive changes");
    assert_contains(err, "property \"age\": type changed");
    assert!(
        !err.contains("Cat"),
        "additive changes are not refused: {err}"
    );

    let run = diff("model_v2.json", "maybe");
    assert_eq!(run.code, Some(2));
}

#[test]
fn check_applies_flexible_sync_rules() {
    let out = output_of(&[
        "schema",
        "check",
        "synced.json",
        "--queryable",
        "owner_id,status",
        "--queryable",
        "tags",
    ]);
    assert_eq!(
        out,
        "synced.json: 1 class(es), 3 queryable field(s): meets Flexible Sync's rules\n"
    );

    // Every broken rule is one line.
    let err = error_of(&["schema", "check", "reserved.json", "--queryable", "notes"]);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("syncline: reserved.json: class \"Task\", property \"limit\": "),
        "{err}"
    );
    assert!(lines[0].contains("reserved"), "{err}");
    assert!(lines[1].contains("queryable field \"notes\""), "{err}");

    let err = error_of(&["schema", "check", "long_name.json"]);
    assert_contains(&err, "64 UTF-8 bytes long; the limit is 57");

    let eleven: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
    let err = error_of(&[
        "schema",
        "check",
        "synced.json",
        "--queryable",
        &eleven.join(","),
    ]);
    assert_contains(&err, "11 queryable fields; Flexible Sync allows at most 10");

    // A schema without `_id` primary keys is not syncable.
    let err = error_of(&["schema", "check", "model.json"]);
    assert_contains(&err, "class \"Note\"");
    let err = error_of(&["schema", "check", "malformed.json"]);
    assert_contains(&err, "not valid JSON");
}

#[test]
fn codegen_writes_models_in_each_language() {
    for (lang, marker) in [
        ("swift", "import Syncline"),
        ("kotlin", "package "),
        ("c", "#ifndef SYNCLINE_MODELS_H"),
        ("typescript", "export "),
        ("python", "from syncline import"),
    ] {
        let run = syncline(&["codegen", "--lang", lang, "app_model.json"]);
        let code = run.ok();
        assert!(code.contains(marker), "{lang}:\n{code}");
        for class in ["Person", "Dog", "Address"] {
            assert!(code.contains(class), "{lang} lacks {class}:\n{code}");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("src/Models.kt");
    let run = syncline(&[
        "codegen",
        "--lang",
        "kotlin",
        "app_model.json",
        "--out",
        &arg(&out),
    ]);
    assert_eq!(run.ok(), "");
    assert!(std::fs::read_to_string(&out).unwrap().contains("Person"));
}

#[test]
fn codegen_bad_input() {
    let err = error_of(&["codegen", "--lang", "rust", "app_model.json"]);
    assert_eq!(
        err,
        "syncline: --lang rust: unknown language \"rust\" (expected swift, kotlin, c, typescript \
         or python)\n"
    );
    let err = error_of(&["codegen", "--lang", "swift", "long_name.json"]);
    assert_starts_with(&err, "syncline: long_name.json: class \"ThisClassName");
    let err = error_of(&["codegen", "--lang", "c", "malformed.json"]);
    assert_starts_with(&err, "syncline: malformed.json: line 1, column ");
    let err = error_of(&["codegen", "--lang", "python", "unsupported.schema.json"]);
    assert_contains(&err, "Item.properties.color.enum");
}
