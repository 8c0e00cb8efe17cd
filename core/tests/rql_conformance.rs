//! Runs every case of `shared/conformance/rql_cases.json` and `tests/fixtures/rql_extra_cases.json` through the parser, the binder and
//! the in-memory evaluator over a `MemoryStore`, and lists every case that fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use syncline_core::query::{BoundQuery, Query};

#[test]
fn rql_conformance_in_memory() {
    let suites = common::load_all_rql_suites();
    let mut failures = Vec::new();
    let mut total = 0;
    for suite in &suites {
        let store =
            common::memory_store(suite).unwrap_or_else(|e| panic!("suite {}: {e}", suite.name));
        for case in &suite.cases {
            total += 1;
            let result = Query::parse(&case.query)
                .and_then(|q| q.bind(&suite.schema, &case.class, &case.args))
                .and_then(|b: BoundQuery| b.evaluate(&store))
                .map_err(|e| e.to_string());
            if let Err(why) = common::check(case, result) {
                failures.push(format!("{} `{}`: {why}", case.id, case.query));
            }
        }
    }
    println!(
        "RQL conformance (in memory): {} of {total} cases pass",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} RQL conformance cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
