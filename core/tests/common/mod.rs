//! Shared test support: loads `shared/conformance/rql_cases.json` (suites of a schema, objects
//! and query cases) into library types, for the in-memory and the SQL evaluation paths alike.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value as Json;
use syncline_core::query::{MemoryStore, QueryError};
use syncline_core::value::{document_from_extended_json, Document, ValueHint};
use syncline_core::{PrimaryKey, Schema, Value};

/// The conformance file: `shared/` beside the repository (`../../shared/conformance/` from
/// `core/`), or one level further up for a git worktree under `wt/`, or the directory named by
/// `SYNCLINE_CONFORMANCE_DIR`.
pub fn rql_cases_path() -> PathBuf {
    if let Some(dir) = std::env::var_os("SYNCLINE_CONFORMANCE_DIR") {
        return PathBuf::from(dir).join("rql_cases.json");
    }
    let core = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let beside = core.join("../../shared/conformance/rql_cases.json");
    let worktree = core.join("../../../shared/conformance/rql_cases.json");
    if !beside.exists() && worktree.exists() {
        worktree
    } else {
        beside
    }
}

/// One suite: a schema, its objects per class in insertion order, and cases.
pub struct Suite {
    pub name: String,
    pub schema: Schema,
    /// `(class, fields)` in the file's order (classes in file order, objects in insertion order).
    pub objects: Vec<(String, Document)>,
    pub cases: Vec<Case>,
}

/// What a case expects.
pub enum Expected {
    /// These primary keys, in this order if `ordered`.
    Ids { ids: Vec<PrimaryKey>, ordered: bool },
    /// LIMIT without SORT: `count` of the `candidates`.
    Candidates {
        candidates: Vec<PrimaryKey>,
        count: usize,
    },
    /// The query must be rejected.
    Error,
}

/// One query case.
pub struct Case {
    pub id: String,
    pub class: String,
    pub query: String,
    pub args: Vec<Value>,
    pub expected: Expected,
}

fn pk(json: &Json) -> PrimaryKey {
    let v = Value::from_extended_json(json, ValueHint::Any).expect("primary key");
    PrimaryKey::try_from(v).expect("primary key type")
}

fn pks(json: &Json) -> Vec<PrimaryKey> {
    json.as_array()
        .expect("array of ids")
        .iter()
        .map(pk)
        .collect()
}

/// The repository's own extra cases (`core/tests/fixtures/rql_extra_cases.json`, same format):
/// nested collections in `mixed`, geospatial queries and further cases from Realm's docs and
/// tests.
pub fn rql_extra_cases_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rql_extra_cases.json")
}

/// The suites of the shared conformance file followed by the extra cases.
pub fn load_all_rql_suites() -> Vec<Suite> {
    let mut suites = load_rql_suites();
    suites.extend(load_suites_from(&rql_extra_cases_path()));
    suites
}

/// Loads every suite of the shared file; panics with a clear message when the file is missing
/// or malformed.
pub fn load_rql_suites() -> Vec<Suite> {
    load_suites_from(&rql_cases_path())
}

/// Loads every suite of a conformance file.
pub fn load_suites_from(path: &std::path::Path) -> Vec<Suite> {
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the RQL conformance file {} ({e}); it lives in shared/conformance/ beside the repository",
            path.display()
        )
    });
    let root: Json = serde_json::from_str(&text).expect("rql_cases.json is JSON");
    let mut suites = Vec::new();
    for s in root["suites"].as_array().expect("suites") {
        let name = s["name"].as_str().expect("suite name").to_owned();
        let schema =
            Schema::from_json(&s["schema"]).unwrap_or_else(|e| panic!("suite {name}: schema: {e}"));
        let mut objects = Vec::new();
        for (class, items) in s["objects"].as_object().expect("objects") {
            let class_schema = schema
                .class(class)
                .unwrap_or_else(|| panic!("suite {name}: unknown class {class}"));
            for item in items.as_array().expect("object list") {
                let doc = document_from_extended_json(item, class_schema, &schema)
                    .unwrap_or_else(|e| panic!("suite {name}: object of {class}: {e}"));
                objects.push((class.clone(), doc));
            }
        }
        let mut cases = Vec::new();
        for c in s["cases"].as_array().expect("cases") {
            let args = c["args"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| Value::from_extended_json(v, ValueHint::Any).expect("argument"))
                        .collect()
                })
                .unwrap_or_default();
            let expected = if c["error"].as_bool() == Some(true) {
                Expected::Error
            } else if c["expected_ids"].is_null() {
                Expected::Candidates {
                    candidates: pks(&c["candidate_ids"]),
                    count: c["expected_count"].as_u64().expect("expected_count") as usize,
                }
            } else {
                Expected::Ids {
                    ids: pks(&c["expected_ids"]),
                    ordered: c["ordered"].as_bool().unwrap_or(false),
                }
            };
            cases.push(Case {
                id: c["id"].as_str().expect("id").to_owned(),
                class: c["class"].as_str().expect("class").to_owned(),
                query: c["query"].as_str().expect("query").to_owned(),
                args,
                expected,
            });
        }
        suites.push(Suite {
            name,
            schema,
            objects,
            cases,
        });
    }
    suites
}

/// A [`MemoryStore`] holding a suite's objects.
pub fn memory_store(suite: &Suite) -> Result<MemoryStore, QueryError> {
    let mut store = MemoryStore::new(suite.schema.clone());
    for (class, doc) in &suite.objects {
        store.insert(class, doc.clone())?;
    }
    Ok(store)
}

/// Checks a query result against a case's expectation; `Err` says what differs.
pub fn check(case: &Case, result: Result<Vec<PrimaryKey>, String>) -> Result<(), String> {
    match (&case.expected, result) {
        (Expected::Error, Err(_)) => Ok(()),
        (Expected::Error, Ok(ids)) => Err(format!("expected an error, got {ids:?}")),
        (_, Err(e)) => Err(format!("unexpected error: {e}")),
        (Expected::Ids { ids, ordered }, Ok(got)) => {
            let (mut want, mut have) = (ids.clone(), got.clone());
            if !ordered {
                want.sort();
                have.sort();
            }
            if want == have {
                Ok(())
            } else {
                Err(format!("expected {ids:?}, got {got:?}"))
            }
        }
        (Expected::Candidates { candidates, count }, Ok(got)) => {
            if got.len() == *count && got.iter().all(|id| candidates.contains(id)) {
                Ok(())
            } else {
                Err(format!("expected {count} of {candidates:?}, got {got:?}"))
            }
        }
    }
}
