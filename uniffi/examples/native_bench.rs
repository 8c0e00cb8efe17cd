//! The binding benchmarks' Rust baseline: the same work as `bindings/c/bench/bench.c` and the
//! Kotlin `Benchmark.kt`, done on the core directly. Prints `insert_ms <ms>` and `get_ms <ms>`
//! for the foreign benchmarks to compare with (`scripts/test-bindings.sh` passes them on).
//!
//! Run: `cargo run --release -p syncline-ffi --example native_bench`.

use std::time::Instant;

use syncline_core::{Config, Database, Document, PrimaryKey, Schema, Value};

/// Kept in step with the foreign benchmarks.
const SCHEMA: &str = r#"[{"name": "Item", "primaryKey": "_id", "properties": {
    "_id": "int", "name": "string", "score": "double"}}]"#;
const INSERTS: i64 = 100_000;
const GETS: i64 = 10_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = Database::open_temporary(Config::new(Schema::from_json_str(SCHEMA)?))?;

    let start = Instant::now();
    let mut txn = db.begin_write()?;
    for i in 0..INSERTS {
        let mut doc = Document::new();
        doc.insert("_id", Value::Int(i));
        doc.insert("name", Value::String(format!("item {i}")));
        doc.insert("score", Value::Double(i as f64 * 0.5));
        txn.create("Item", doc)?;
    }
    txn.commit()?;
    let insert_ms = start.elapsed().as_secs_f64() * 1000.0;

    let start = Instant::now();
    let mut found = 0;
    for i in 0..GETS {
        let key = PrimaryKey::Int((i * 7) % INSERTS);
        if db.read(|txn| txn.get("Item", &key))?.is_some() {
            found += 1;
        }
    }
    let get_ms = start.elapsed().as_secs_f64() * 1000.0;
    if found != GETS {
        return Err(format!("found {found} of {GETS} objects").into());
    }

    println!("insert_ms {insert_ms:.1}");
    println!("get_ms {get_ms:.1}");
    Ok(())
}
