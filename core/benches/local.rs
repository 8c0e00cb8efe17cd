//! Local database benchmark: the engine against raw rusqlite doing the same work on the same
//! table layout, in the same process. Prints one JSON object per line:
//! `{"bench": NAME, "n": N, "engine_ms": X, "baseline_ms": Y, "ratio": X/Y}`.
//!
//! Run with `cargo bench -p syncline-core --bench local`. Figures are printed, never asserted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark that cannot set up stops

use std::path::Path;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rusqlite::{params, Connection};
use syncline_core::query::bound::{
    CompareOp, Comparison, Expr, Modifier, Path as QPath, Predicate, PropertyStep, Quantifier,
    SortKey, Step,
};
use syncline_core::query::BoundQuery;
use syncline_core::{
    Collection, Config, Database, Document, Error, ObjectSchema, PrimaryKey, Property,
    PropertyType, Schema, Value,
};

const N: usize = 100_000;
const REALM_N: usize = 200_000;

fn report(bench: &str, n: usize, engine_ms: f64, baseline_ms: f64) {
    println!(
        "{{\"bench\": \"{bench}\", \"n\": {n}, \"engine_ms\": {engine_ms:.3}, \"baseline_ms\": {baseline_ms:.3}, \"ratio\": {:.3}}}",
        engine_ms / baseline_ms.max(1e-9)
    );
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64() * 1000.0, out)
}

/// Rounds per measurement; the fastest counts, which damps the noise of a shared machine.
const ROUNDS: usize = 3;

/// The fastest of [`ROUNDS`] runs of `f` (which must leave the data as it found it).
fn best<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let (mut fastest, mut out) = time(&mut f);
    for _ in 1..ROUNDS {
        let (ms, o) = time(&mut f);
        if ms < fastest {
            fastest = ms;
        }
        out = o;
    }
    (fastest, out)
}

fn bench_schema() -> Schema {
    Schema::new(vec![
        ObjectSchema::new(
            "Person",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String).indexed(),
                Property::new("age", PropertyType::Int),
                Property::new("score", PropertyType::Double),
                Property::new("active", PropertyType::Bool),
                Property::new("note", PropertyType::String),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "RealmObj",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("int_idx", PropertyType::Int).indexed(),
                Property::new("int_plain", PropertyType::Int),
                Property::new("str", PropertyType::String),
            ],
        )
        .with_primary_key("_id"),
    ])
}

/// The baseline's tables: the engine's layout for the same classes.
const BASELINE_DDL: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE \"Person\" (_row INTEGER PRIMARY KEY, _clock INTEGER NOT NULL DEFAULT 0,
        _replica INTEGER NOT NULL DEFAULT 0, \"_id\" INTEGER, \"name\" TEXT, \"age\" INTEGER,
        \"score\" REAL, \"active\" INTEGER, \"note\" TEXT);
    CREATE UNIQUE INDEX \"Person._id.idx\" ON \"Person\" (\"_id\");
    CREATE INDEX \"Person.name.idx\" ON \"Person\" (\"name\");
    CREATE TABLE \"RealmObj\" (_row INTEGER PRIMARY KEY, _clock INTEGER NOT NULL DEFAULT 0,
        _replica INTEGER NOT NULL DEFAULT 0, \"_id\" INTEGER, \"int_idx\" INTEGER,
        \"int_plain\" INTEGER, \"str\" TEXT);
    CREATE UNIQUE INDEX \"RealmObj._id.idx\" ON \"RealmObj\" (\"_id\");
    CREATE INDEX \"RealmObj.int_idx.idx\" ON \"RealmObj\" (\"int_idx\");
";

fn baseline(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(BASELINE_DDL).unwrap();
    conn
}

fn person(i: usize) -> Document {
    let mut d = Document::with_capacity(6);
    d.insert("_id", Value::Int(i as i64));
    d.insert("name", Value::String(format!("name{}", i % 10_000)));
    d.insert("age", Value::Int((i % 100) as i64));
    d.insert("score", Value::Double(i as f64 * 0.5));
    d.insert("active", Value::Bool(i.is_multiple_of(2)));
    d.insert("note", Value::String(format!("note number {i}")));
    d
}

fn step(class: &str, name: &str, ty: PropertyType) -> Step {
    Step::Property(PropertyStep {
        class: class.into(),
        name: name.into(),
        ty,
        collection: Collection::Single,
        target: None,
        embedded: false,
    })
}

fn path(class: &str, name: &str, ty: PropertyType) -> QPath {
    QPath {
        steps: vec![step(class, name, ty)],
        multi: false,
        value_type: ty,
        object_class: None,
    }
}

fn compare(path: QPath, op: CompareOp, value: Value) -> Predicate {
    Predicate::Compare(Comparison {
        quantifier: Quantifier::Any,
        explicit_quantifier: false,
        left: Expr::Path(path),
        op,
        case_insensitive: false,
        right: Expr::Constant(value),
    })
}

fn query(class: &str, predicate: Predicate) -> BoundQuery {
    BoundQuery {
        class: class.into(),
        predicate,
        modifiers: Vec::new(),
    }
}

fn insert_engine(db: &Database, n: usize) -> f64 {
    time(|| {
        db.write(|t| {
            for i in 0..n {
                t.create("Person", person(i))?;
            }
            Ok::<_, Error>(())
        })
        .unwrap()
    })
    .0
}

/// The creation stamp (packed clock, replica id) the engine writes into every new row: the
/// baseline writes the same values, so both store the same bytes.
fn engine_stamp(db: &Database) -> (i64, i64) {
    let stamp = db.write(|t| Ok::<_, Error>(t.stamp())).unwrap();
    (stamp.clock.to_packed(), stamp.replica.to_i64())
}

fn insert_baseline(conn: &mut Connection, n: usize, (clock, replica): (i64, i64)) -> f64 {
    time(|| {
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO \"Person\" (_clock, _replica, \"_id\", \"name\", \"age\", \"score\", \"active\", \"note\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .unwrap();
            for i in 0..n {
                stmt.execute(params![
                    clock,
                    replica,
                    i as i64,
                    format!("name{}", i % 10_000),
                    (i % 100) as i64,
                    i as f64 * 0.5,
                    i.is_multiple_of(2),
                    format!("note number {i}")
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    })
    .0
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let engine_path = dir.path().join("engine.db");
    let baseline_path = dir.path().join("baseline.db");
    let db = Database::open(&engine_path, Config::new(bench_schema())).unwrap();
    let mut base = baseline(&baseline_path);

    // insert: 100,000 objects, one transaction, outbox on; then the same into a local-only
    // database. Each round uses fresh files.
    for (bench, outbox) in [("insert", true), ("insert_no_outbox", false)] {
        let (mut engine, mut baseline_ms) = (f64::MAX, f64::MAX);
        for round in 0..ROUNDS {
            let e_path = dir.path().join(format!("{bench}-{round}.db"));
            let b_path = dir.path().join(format!("{bench}-{round}-baseline.db"));
            let fresh =
                Database::open(&e_path, Config::new(bench_schema()).with_outbox(outbox)).unwrap();
            let mut b = baseline(&b_path);
            engine = engine.min(insert_engine(&fresh, N));
            baseline_ms = baseline_ms.min(insert_baseline(&mut b, N, engine_stamp(&fresh)));
        }
        report(bench, N, engine, baseline_ms);
    }
    // The data the query rows run on.
    insert_engine(&db, N);
    insert_baseline(&mut base, N, engine_stamp(&db));

    // query_eq_indexed: 1,000 equality queries on an indexed string (10 matches each).
    let names: Vec<String> = (0..1000).map(|i| format!("name{}", i * 7)).collect();
    let (engine, engine_hits) = best(|| {
        let txn = db.begin_read().unwrap();
        let mut hits = 0;
        for name in &names {
            let q = query(
                "Person",
                compare(
                    path("Person", "name", PropertyType::String),
                    CompareOp::Eq,
                    Value::String(name.clone()),
                ),
            );
            hits += txn.query_bound(&q).unwrap().len();
        }
        hits
    });
    let (baseline_ms, base_hits) = best(|| {
        let mut stmt = base
            .prepare_cached(
                "SELECT _row, \"_id\" FROM \"Person\" WHERE \"name\" = ?1 ORDER BY _row",
            )
            .unwrap();
        let mut hits = 0;
        for name in &names {
            hits += stmt
                .query_map([name], |r| r.get::<_, i64>(1))
                .unwrap()
                .count();
        }
        hits
    });
    assert_eq!(engine_hits, base_hits);
    report("query_eq_indexed", 1000, engine, baseline_ms);

    // query_range: age in [10, 30) = 20% of the objects.
    let range = Predicate::And(vec![
        compare(
            path("Person", "age", PropertyType::Int),
            CompareOp::Ge,
            Value::Int(10),
        ),
        compare(
            path("Person", "age", PropertyType::Int),
            CompareOp::Lt,
            Value::Int(30),
        ),
    ]);
    let (engine, engine_hits) = best(|| {
        let txn = db.begin_read().unwrap();
        txn.query_bound(&query("Person", range.clone()))
            .unwrap()
            .len()
    });
    let (baseline_ms, base_hits) = best(|| {
        let mut stmt = base
            .prepare_cached("SELECT _row, \"_id\" FROM \"Person\" WHERE \"age\" >= ?1 AND \"age\" < ?2 ORDER BY _row")
            .unwrap();
        stmt.query_map([10, 30], |r| r.get::<_, i64>(1))
            .unwrap()
            .count()
    });
    assert_eq!(engine_hits, base_hits);
    report("query_range", N, engine, baseline_ms);

    // update: 10,000 single-field updates in one transaction.
    let (engine, _) = best(|| {
        db.write(|t| {
            for i in 0..10_000i64 {
                t.set("Person", &PrimaryKey::Int(i * 7), "age", Value::Int(i))?;
            }
            Ok::<_, Error>(())
        })
        .unwrap()
    });
    let (baseline_ms, _) = best(|| {
        let tx = base.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("UPDATE \"Person\" SET \"age\" = ?1 WHERE \"_id\" = ?2")
                .unwrap();
            for i in 0..10_000i64 {
                stmt.execute([i, i * 7]).unwrap();
            }
        }
        tx.commit().unwrap();
    });
    report("update", 10_000, engine, baseline_ms);

    // open: open the existing database.
    drop(db);
    drop(base);
    let (engine, db) = best(|| Database::open(&engine_path, Config::new(bench_schema())).unwrap());
    let (baseline_ms, base) = best(|| {
        let c = Connection::open(&baseline_path).unwrap();
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
        c
    });
    report("open", 1, engine, baseline_ms);

    realm_rows(&db, base);
}

/// Rows mirroring realm-core's benchmark-common-tasks on 200,000 objects.
fn realm_rows(db: &Database, mut base: Connection) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut keys: Vec<i64> = (0..REALM_N as i64).collect();
    keys.shuffle(&mut rng);
    let values: Vec<(i64, i64, String)> = (0..REALM_N)
        .map(|_| {
            let v = rng.random_range(0..1000i64);
            let s: String = (0..8)
                .map(|_| rng.random_range(b'a'..=b'z') as char)
                .collect();
            (v, v, s)
        })
        .collect();

    let (engine, _) = time(|| {
        db.write(|t| {
            for (k, (a, b, s)) in keys.iter().zip(&values) {
                let mut d = Document::with_capacity(4);
                d.insert("_id", Value::Int(*k));
                d.insert("int_idx", Value::Int(*a));
                d.insert("int_plain", Value::Int(*b));
                d.insert("str", Value::String(s.clone()));
                t.create("RealmObj", d)?;
            }
            Ok::<_, Error>(())
        })
        .unwrap()
    });
    let (clock, replica) = engine_stamp(db);
    let (baseline_ms, _) = time(|| {
        let tx = base.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO \"RealmObj\" (_clock, _replica, \"_id\", \"int_idx\", \"int_plain\", \"str\") VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .unwrap();
            for (k, (a, b, s)) in keys.iter().zip(&values) {
                stmt.execute(params![clock, replica, k, a, b, s]).unwrap();
            }
        }
        tx.commit().unwrap();
    });
    report("realm_insert_pk_int", REALM_N, engine, baseline_ms);

    for (bench, column) in [
        ("realm_query_int_eq_indexed", "int_idx"),
        ("realm_query_int_eq", "int_plain"),
    ] {
        let (engine, a) = best(|| {
            let txn = db.begin_read().unwrap();
            (0..1000i64)
                .map(|v| {
                    let q = query(
                        "RealmObj",
                        compare(
                            path("RealmObj", column, PropertyType::Int),
                            CompareOp::Eq,
                            Value::Int(v),
                        ),
                    );
                    txn.count_bound(&q).unwrap()
                })
                .sum::<usize>()
        });
        let (baseline_ms, b) = best(|| {
            let mut stmt = base
                .prepare_cached(&format!(
                    "SELECT count(*) FROM \"RealmObj\" WHERE \"{column}\" = ?1"
                ))
                .unwrap();
            (0..1000i64)
                .map(|v| stmt.query_row([v], |r| r.get::<_, i64>(0)).unwrap() as usize)
                .sum::<usize>()
        });
        assert_eq!(a, b);
        report(bench, 1000, engine, baseline_ms);
    }

    let (engine, a) = best(|| {
        let txn = db.begin_read().unwrap();
        (1..50i64)
            .map(|i| {
                let q = query(
                    "RealmObj",
                    Predicate::And(vec![
                        compare(
                            path("RealmObj", "int_plain", PropertyType::Int),
                            CompareOp::Ge,
                            Value::Int(i * 10),
                        ),
                        compare(
                            path("RealmObj", "int_plain", PropertyType::Int),
                            CompareOp::Lt,
                            Value::Int(i * 10 + 500),
                        ),
                    ]),
                );
                txn.count_bound(&q).unwrap()
            })
            .sum::<usize>()
    });
    let (baseline_ms, b) = best(|| {
        let mut stmt = base
            .prepare_cached("SELECT count(*) FROM \"RealmObj\" WHERE \"int_plain\" >= ?1 AND \"int_plain\" < ?2")
            .unwrap();
        (1..50i64)
            .map(|i| {
                stmt.query_row([i * 10, i * 10 + 500], |r| r.get::<_, i64>(0))
                    .unwrap() as usize
            })
            .sum::<usize>()
    });
    assert_eq!(a, b);
    report("realm_query_range_int", 49, engine, baseline_ms);

    let sort = BoundQuery {
        class: "RealmObj".into(),
        predicate: Predicate::True,
        modifiers: vec![Modifier::Sort(vec![SortKey {
            path: path("RealmObj", "str", PropertyType::String),
            ascending: true,
        }])],
    };
    let (engine, a) = best(|| db.begin_read().unwrap().query_bound(&sort).unwrap().len());
    let (baseline_ms, b) = best(|| {
        let mut stmt = base
            .prepare_cached("SELECT _row, \"_id\" FROM \"RealmObj\" ORDER BY \"str\" ASC, _row ASC")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, i64>(1)).unwrap().count()
    });
    assert_eq!(a, b);
    report("realm_sort_strings", REALM_N, engine, baseline_ms);

    let (engine, a) = best(|| {
        let txn = db.begin_read().unwrap();
        keys.iter()
            .map(|k| {
                match txn
                    .get_value("RealmObj", &PrimaryKey::Int(*k), "str")
                    .unwrap()
                {
                    Value::String(s) => s.len(),
                    _ => 0,
                }
            })
            .sum::<usize>()
    });
    let (baseline_ms, b) = best(|| {
        let mut stmt = base
            .prepare_cached("SELECT \"str\" FROM \"RealmObj\" WHERE \"_id\" = ?1")
            .unwrap();
        keys.iter()
            .map(|k| {
                stmt.query_row([k], |r| r.get::<_, String>(0))
                    .unwrap()
                    .len()
            })
            .sum::<usize>()
    });
    assert_eq!(a, b);
    report("realm_get_string", REALM_N, engine, baseline_ms);

    let (engine, _) = best(|| {
        for _ in 0..1000 {
            db.write(|_| Ok::<_, Error>(())).unwrap();
        }
    });
    let (baseline_ms, _) = best(|| {
        for _ in 0..1000 {
            base.execute_batch("BEGIN IMMEDIATE; COMMIT;").unwrap();
        }
    });
    report("realm_empty_commit", 1000, engine, baseline_ms);

    let path = db.path().to_path_buf();
    let (engine, _) = best(|| Database::open(&path, Config::new(bench_schema())).unwrap());
    let (baseline_ms, _) = best(|| {
        let c = Connection::open(base.path().unwrap_or_default()).unwrap();
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    });
    report("realm_open", 1, engine, baseline_ms);
}
