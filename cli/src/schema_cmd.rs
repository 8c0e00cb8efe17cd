//! `syncline schema …`: conversions between the Realm JS form and App Services JSON Schemas,
//! inference from samples, diffs and Flexible Sync checks.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use syncline_core::schema::codegen::Language;
use syncline_core::schema::{
    development_mode_decision, with_relationships, JsonSchemaOptions, SchemaInferrer,
};
use syncline_core::{Schema, SchemaError};

use crate::files::{
    load_schema, pretty, print, print_notes, read_bytes, read_json, read_schema, read_text, shown,
    write_json, CliError,
};

/// `schema to-json-schema FILE [--out DIR]`.
pub fn to_json_schema(
    file: &Path,
    out: Option<&Path>,
    data_source: String,
    database: String,
) -> Result<(), CliError> {
    let schema = load_schema(file)?;
    let options = JsonSchemaOptions {
        data_source,
        database,
    };
    let export = schema
        .to_json_schema(&options)
        .map_err(|e| CliError::at(shown(file), e))?;
    print_notes(file, &export.notes);
    match out {
        None => print(&pretty(&Json::Array(export.collections))),
        Some(dir) => {
            let mut written = String::new();
            for (relative, json) in export.app_services_files(&options) {
                let path = dir.join(relative);
                write_json(&path, &json)?;
                written.push_str(&format!("{}\n", shown(&path)));
            }
            print(&written)
        }
    }
}

/// The JSON Schema documents of one input, each with the file it came from.
fn json_schema_documents(
    path: &Path,
    documents: &mut Vec<(PathBuf, Json)>,
) -> Result<(), CliError> {
    if path.is_dir() {
        let mut found = Vec::new();
        find_schema_files(path, &mut found)?;
        if found.is_empty() {
            return Err(CliError::at(
                shown(path),
                "no schema.json files in this directory",
            ));
        }
        for file in found {
            json_schema_documents(&file, documents)?;
        }
        return Ok(());
    }
    let json = read_json(path)?;
    let relationships = path
        .file_name()
        .is_some_and(|n| n == "schema.json")
        .then(|| path.with_file_name("relationships.json"))
        .filter(|r| r.is_file());
    match (json, relationships) {
        (json, Some(rel_path)) => {
            let rels = read_json(&rel_path)?;
            let doc = with_relationships(json, rels, "schema.json")
                .map_err(|e| CliError::at(shown(path), e))?;
            documents.push((path.to_path_buf(), doc));
        }
        (Json::Array(items), None) => {
            documents.extend(items.into_iter().map(|d| (path.to_path_buf(), d)));
        }
        (doc, None) => documents.push((path.to_path_buf(), doc)),
    }
    Ok(())
}

/// Every `schema.json` under `dir`, in name order (App Services keeps one per collection).
fn find_schema_files(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| CliError::at(shown(dir), format!("cannot read directory: {e}")))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            find_schema_files(&path, found)?;
        } else if path.file_name().is_some_and(|n| n == "schema.json") {
            found.push(path);
        }
    }
    Ok(())
}

/// The file a JSON Schema error is about: the one whose document is titled like the first
/// segment of the error's path, else all of them.
fn file_of_error(documents: &[(PathBuf, Json)], error: &SchemaError) -> String {
    let title = match error {
        SchemaError::JsonSchema { path, .. } => path.split(['.', '[']).next(),
        SchemaError::InvalidClass { class, .. }
        | SchemaError::InvalidClassName { class, .. }
        | SchemaError::InvalidProperty { class, .. }
        | SchemaError::InvalidPropertyName { class, .. }
        | SchemaError::DuplicateProperty { class, .. }
        | SchemaError::DuplicateClass { class } => Some(class.as_str()),
        _ => None,
    };
    let mut files: Vec<String> = Vec::new();
    for (file, doc) in documents {
        if title.is_some() && doc.get("title").and_then(Json::as_str) == title {
            return shown(file);
        }
        if !files.contains(&shown(file)) {
            files.push(shown(file));
        }
    }
    files.join(", ")
}

/// `schema from-json-schema FILE… [--out DIR]`.
pub fn from_json_schema(files: &[PathBuf], out: Option<&Path>) -> Result<(), CliError> {
    let mut documents = Vec::new();
    for file in files {
        json_schema_documents(file, &mut documents)?;
    }
    let docs: Vec<Json> = documents.iter().map(|(_, d)| d.clone()).collect();
    let import = Schema::from_json_schema(&docs)
        .map_err(|e| CliError::at(file_of_error(&documents, &e), e))?;
    for note in &import.notes {
        let file = documents
            .iter()
            .find(|(_, d)| d.get("title").and_then(Json::as_str) == Some(note.class.as_str()))
            .map_or_else(|| files[0].clone(), |(f, _)| f.clone());
        print_notes(&file, std::slice::from_ref(note));
    }
    import
        .schema
        .validate(false)
        .map_err(|e| CliError::at(file_of_error(&documents, &e), e))?;
    match out {
        None => print(&pretty(&import.schema.to_json())),
        Some(dir) => {
            let mut written = String::new();
            for class in &import.schema.classes {
                if class.name.contains(['/', '\\']) || class.name.starts_with('.') {
                    return Err(CliError::at(
                        file_of_error(
                            &documents,
                            &SchemaError::InvalidClassName {
                                class: class.name.clone(),
                                reason: String::new(),
                            },
                        ),
                        format!("class {:?}: cannot be a file name", class.name),
                    ));
                }
                let path = dir.join(format!("{}.json", class.name));
                write_json(&path, &class.to_json())?;
                written.push_str(&format!("{}\n", shown(&path)));
            }
            print(&written)
        }
    }
}

/// `schema infer DATA… [--class C] [--json-schema]`.
pub fn infer(data: &[PathBuf], class: Option<&str>, json_schema: bool) -> Result<(), CliError> {
    // One inferrer per class, in the order classes first appear.
    let mut inferrers: Vec<(String, SchemaInferrer, PathBuf)> = Vec::new();
    for file in data {
        let name = match class {
            Some(c) => c.to_owned(),
            None => file
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    CliError::at(
                        shown(file),
                        "cannot name a class after this file; give --class",
                    )
                })?
                .to_owned(),
        };
        let index = match inferrers.iter().position(|(n, _, _)| *n == name) {
            Some(i) => i,
            None => {
                inferrers.push((name.clone(), SchemaInferrer::new(&name), file.clone()));
                inferrers.len() - 1
            }
        };
        let inferrer = &mut inferrers[index].1;
        let result = if file.extension().is_some_and(|e| e == "bson") {
            inferrer.add_bson_dump(&read_bytes(file)?)
        } else {
            inferrer.add_json_text(&read_text(file)?)
        };
        result.map_err(|e| CliError::at(shown(file), e))?;
    }
    let mut schema = Schema::default();
    for (_, inferrer, file) in inferrers {
        let inference = inferrer.finish();
        print_notes(&file, &inference.report);
        schema.classes.extend(inference.schema.classes);
    }
    let inputs: Vec<String> = data.iter().map(|p| shown(p)).collect();
    schema
        .validate(false)
        .map_err(|e| CliError::at(inputs.join(", "), e))?;
    if json_schema {
        let export = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .map_err(|e| CliError::at(inputs.join(", "), e))?;
        print(&pretty(&Json::Array(export.collections)))
    } else {
        print(&pretty(&schema.to_json()))
    }
}

/// `schema diff OLD NEW [--development-mode on|off]`.
pub fn diff(old: &Path, new: &Path, development_mode: Option<bool>) -> Result<(), CliError> {
    let old_schema = load_schema(old)?;
    let new_schema = load_schema(new)?;
    let changes = old_schema.diff(&new_schema);
    let mut text = String::new();
    for change in &changes {
        text.push_str(&format!("{change}\n"));
    }
    if changes.is_empty() {
        text.push_str("no changes\n");
    }
    match development_mode {
        None => print(&text),
        Some(on) => match development_mode_decision(&old_schema, &new_schema, on) {
            Ok(accepted) => {
                print(&text)?;
                print(&format!(
                    "accepted: {} additive change(s) with Development Mode {}\n",
                    accepted.len(),
                    if on { "on" } else { "off" }
                ))
            }
            Err(e) => {
                print(&text)?;
                Err(CliError::at(shown(new), e))
            }
        },
    }
}

/// `schema check FILE [--queryable FIELD]…`.
pub fn check(file: &Path, queryable: &[String]) -> Result<(), CliError> {
    // Sync's rules include Realm's: every broken one is reported, not only the first.
    let schema = read_schema(file)?;
    let errors = schema.sync_rule_errors(queryable);
    if errors.is_empty() {
        return print(&format!(
            "{}: {} class(es), {} queryable field(s): meets Flexible Sync's rules\n",
            shown(file),
            schema.classes.len(),
            queryable.len()
        ));
    }
    Err(CliError::Many(
        errors
            .into_iter()
            .map(|e| CliError::at(shown(file), e))
            .collect(),
    ))
}

/// `codegen --lang LANG SCHEMA [--out FILE]`.
pub fn codegen(lang: &str, file: &Path, out: Option<&Path>) -> Result<(), CliError> {
    let language: Language = lang
        .parse()
        .map_err(|e| CliError::at(format!("--lang {lang}"), e))?;
    let schema = read_schema(file)?;
    let code = schema
        .generate_models(language)
        .map_err(|e| CliError::at(shown(file), e))?;
    match out {
        None => print(&code),
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::at(shown(dir), format!("cannot create directory: {e}"))
                })?;
            }
            std::fs::write(path, code)
                .map_err(|e| CliError::at(shown(path), format!("cannot write: {e}")))
        }
    }
}
