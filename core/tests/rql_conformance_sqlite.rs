//! Runs every case of `shared/conformance/rql_cases.json` and `tests/fixtures/rql_extra_cases.json` through `Database` (SQLite storage,
//! the SQL compiler and the residual evaluator), lists every case that fails, and prints how
//! many cases SQL answered alone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use syncline_core::{Config, Database, Document, Error, PrimaryKey, Value};

/// Whether a value holds a link anywhere (such fields are written once every object exists).
fn has_link(v: &Value) -> bool {
    match v {
        Value::Link(_) => true,
        Value::List(items) | Value::Set(items) => items.iter().any(has_link),
        Value::Dictionary(map) => map.values().any(has_link),
        Value::Embedded(doc) => doc.values().any(has_link),
        _ => false,
    }
}

fn load(suite: &common::Suite) -> Result<Database, Error> {
    let db = Database::open_temporary(Config::new(suite.schema.clone()).with_outbox(false))?;
    db.write(|t| {
        let mut deferred = Vec::new();
        for (class, doc) in &suite.objects {
            let (linked, plain): (Vec<_>, Vec<_>) = doc.iter().partition(|(_, v)| has_link(v));
            let plain: Document = plain
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect();
            let pk = t.create(class, plain)?;
            for (k, v) in linked {
                deferred.push((class.clone(), pk.clone(), k.to_owned(), v.clone()));
            }
        }
        for (class, pk, field, value) in deferred {
            t.set(&class, &pk, &field, value)?;
        }
        Ok::<_, Error>(())
    })?;
    Ok(db)
}

#[test]
fn rql_conformance_on_sqlite() {
    let suites = common::load_all_rql_suites();
    let mut failures = Vec::new();
    let mut total = 0;
    let mut in_sql = 0;
    for suite in &suites {
        let db = load(suite).unwrap_or_else(|e| panic!("suite {}: {e}", suite.name));
        let txn = db.begin_read().unwrap();
        for case in &suite.cases {
            total += 1;
            let result: Result<Vec<PrimaryKey>, String> = txn
                .query(&case.class, &case.query, &case.args)
                .map(|r| {
                    if r.ran_in_sql() {
                        in_sql += 1;
                    }
                    r.keys
                })
                .map_err(|e| e.to_string());
            // The count must agree with the results.
            if let Ok(keys) = &result {
                match txn.count(&case.class, &case.query, &case.args) {
                    Ok(n) if n == keys.len() => {}
                    other => failures.push(format!(
                        "{} `{}`: count {other:?} but {} results",
                        case.id,
                        case.query,
                        keys.len()
                    )),
                }
            }
            if let Err(why) = common::check(case, result) {
                failures.push(format!("{} `{}`: {why}", case.id, case.query));
            }
        }
    }
    println!(
        "RQL conformance (SQLite): {} of {total} cases pass; {in_sql} ran fully in SQL",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} RQL conformance cases fail on SQLite:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
