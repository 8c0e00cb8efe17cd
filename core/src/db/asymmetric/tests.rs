//! Asymmetric classes end to end: creates reach the outbox (exactly as an ordinary class's
//! would) and leave nothing in the file; every other access is refused with the class named.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use crate::db::{Config, Database};
use crate::error::Error;
use crate::schema::{ObjectSchema, Property, PropertyType, Schema};
use crate::storage::StorageError;
use crate::sync::{Changeset, ElementId, Hlc, Instruction, Operation, PathSegment, ReplicaId};
use crate::value::{Document, PrimaryKey, Value};

/// `Log` is asymmetric; `Entry` is the same class, ordinary, to compare outbox entries with.
fn schema() -> Schema {
    let log = |name: &str| {
        ObjectSchema::new(
            name,
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("message", PropertyType::String),
                Property::new("level", PropertyType::Int).optional(),
                Property::link("at", "Place"),
                Property::link("stops", "Place").list(),
                Property::new("readings", PropertyType::Double).list(),
                Property::new("labels", PropertyType::String).set(),
                Property::new("attrs", PropertyType::String).dictionary(),
            ],
        )
        .with_primary_key("_id")
    };
    Schema::new(vec![
        log("Log").into_asymmetric(),
        log("Entry"),
        ObjectSchema::new(
            "Place",
            vec![
                Property::new("name", PropertyType::String),
                Property::new("tags", PropertyType::String).list(),
            ],
        )
        .into_embedded(),
    ])
}

fn db() -> Database {
    Database::open_temporary(Config::new(schema())).unwrap()
}

fn doc(pairs: &[(&str, Value)]) -> Document {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn place(name: &str, tags: &[&str]) -> Value {
    Value::Embedded(doc(&[
        ("name", name.into()),
        (
            "tags",
            Value::List(tags.iter().map(|t| (*t).into()).collect()),
        ),
    ]))
}

fn full_log(id: i64) -> Document {
    doc(&[
        ("_id", id.into()),
        ("message", "disk full".into()),
        ("level", 3.into()),
        ("at", place("rack 4", &["cold", "loud"])),
        (
            "stops",
            Value::List(vec![place("a", &["x"]), place("b", &[])]),
        ),
        ("readings", Value::List(vec![1.5.into(), 2.5.into()])),
        ("labels", Value::Set(vec!["ops".into()])),
        (
            "attrs",
            Value::Dictionary([("host".to_owned(), "db1".into())].into()),
        ),
    ])
}

/// Asserts that `result` is the asymmetric-class error for `class`, mentioning `what`.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, class: &str, what: &str) {
    match result {
        Err(Error::Storage(StorageError::AsymmetricClass { class: c, reason })) => {
            assert_eq!(c, class);
            assert!(reason.contains(what), "{reason:?} should mention {what:?}");
            let message =
                Error::Storage(StorageError::AsymmetricClass { class: c, reason }).to_string();
            assert!(
                message.contains(&format!("class '{class}' is asymmetric")),
                "{message}"
            );
        }
        other => panic!("expected the asymmetric-class error, got {other:?}"),
    }
}

/// A write call made on a transaction.
type WriteCall = Box<dyn Fn(&mut crate::db::WriteTransaction) -> Result<(), Error>>;

/// Rows of a table, straight from SQLite.
fn rows(db: &Database, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The instructions with class names and element ids made comparable across transactions.
fn normalized(changeset: &Changeset) -> Vec<Instruction> {
    let mut ids: Vec<ElementId> = Vec::new();
    let mut canon = |id: ElementId| {
        let n = match ids.iter().position(|i| *i == id) {
            Some(n) => n,
            None => {
                ids.push(id);
                ids.len() - 1
            }
        };
        ElementId {
            clock: Hlc::ZERO,
            replica: ReplicaId::from_i64(1).unwrap(),
            seq: u32::try_from(n).unwrap(),
        }
    };
    changeset
        .instructions
        .iter()
        .cloned()
        .map(|mut i| {
            i.object.class = "X".into();
            for step in &mut i.path {
                if let PathSegment::Element(id) = step {
                    *id = canon(*id);
                }
            }
            match &mut i.op {
                Operation::ListInsert { element, .. }
                | Operation::ListSet { element, .. }
                | Operation::ListErase { element }
                | Operation::ListMove { element, .. } => *element = canon(*element),
                _ => {}
            }
            i
        })
        .collect()
}

#[test]
fn a_create_goes_to_the_outbox_and_leaves_nothing_in_the_file() {
    let db = db();
    let pk = db.write(|txn| txn.create("Log", full_log(7))).unwrap();
    assert_eq!(pk, PrimaryKey::Int(7));
    db.write(|txn| txn.create("Entry", full_log(7))).unwrap();

    let outbox = db.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    let (log, entry) = (&outbox[0].1, &outbox[1].1);
    assert!(log.instructions.iter().all(|i| i.object.class == "Log"));
    assert_eq!(
        log.instructions[0],
        Instruction::create("Log", PrimaryKey::Int(7))
    );
    // Exactly what the same create of an ordinary class uploads, nested collections included.
    assert_eq!(normalized(log), normalized(entry));
    let tags_in_embedded = log.instructions.iter().any(|i| {
        i.path.len() > 1
            && matches!(&i.op, Operation::ListInsert { value, .. } if *value == "cold".into())
    }) || log.instructions.iter().any(|i| {
        matches!(&i.op, Operation::Set { value: Value::Embedded(d) }
            if d.get("tags") == Some(&Value::List(vec!["cold".into(), "loud".into()])))
    });
    assert!(tags_in_embedded, "{:#?}", log.instructions);

    // Nothing of the object stays: no rows, no embedded rows, no element rows, no clocks, no
    // merge state; the ordinary copy is all there.
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Log\""), 0);
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Entry\""), 1);
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Place\""), 3);
    for prop in ["stops", "readings", "labels", "attrs"] {
        assert_eq!(
            rows(&db, &format!("SELECT count(*) FROM \"Log.{prop}\"")),
            0
        );
    }
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Place.tags\""), 3);
    assert_eq!(
        rows(
            &db,
            "SELECT count(*) FROM __syncline_field_clocks WHERE tbl = 'Log'"
        ),
        0
    );
    let merge_tables: i64 = rows(
        &db,
        "SELECT count(*) FROM sqlite_master WHERE name = '__syncline_sync_entries'",
    );
    if merge_tables == 1 {
        for table in [
            "__syncline_sync_entries",
            "__syncline_sync_elements",
            "__syncline_sync_objects",
        ] {
            assert_eq!(
                rows(
                    &db,
                    &format!("SELECT count(*) FROM {table} WHERE class = 'Log'")
                ),
                0,
                "{table}"
            );
        }
    }
}

#[test]
fn creates_in_one_transaction_return_their_keys_and_repeat_across_transactions() {
    let db = db();
    let keys = db
        .write(|txn| {
            let a = txn.create("Log", doc(&[("_id", 1.into()), ("message", "a".into())]))?;
            let b = txn.create("Log", doc(&[("_id", 2.into()), ("message", "b".into())]))?;
            Ok::<_, Error>((a, b))
        })
        .unwrap();
    assert_eq!(keys, (PrimaryKey::Int(1), PrimaryKey::Int(2)));
    // Inside one transaction a primary key is still unique.
    let twice = db.write(|txn| {
        txn.create("Log", doc(&[("_id", 3.into()), ("message", "a".into())]))?;
        txn.create("Log", doc(&[("_id", 3.into()), ("message", "b".into())]))
    });
    assert!(
        matches!(
            twice,
            Err(Error::Storage(StorageError::DuplicatePrimaryKey { .. }))
        ),
        "{twice:?}"
    );
    // Nothing is kept, so a later transaction may send the same key again (the server
    // decides what that means).
    db.write(|txn| {
        txn.create(
            "Log",
            doc(&[("_id", 1.into()), ("message", "again".into())]),
        )
    })
    .unwrap();
    let outbox = db.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    let creates = |c: &Changeset| {
        c.instructions
            .iter()
            .filter(|i| i.op == Operation::CreateObject)
            .count()
    };
    assert_eq!(creates(&outbox[0].1), 2);
    assert_eq!(creates(&outbox[1].1), 1);
}

#[test]
fn a_create_is_validated_like_any_other_and_a_failure_leaves_no_trace() {
    let db = db();
    let cases: Vec<(Document, &str)> = vec![
        (
            doc(&[("_id", 1.into()), ("message", 5.into())]),
            "'Log.message' expects",
        ),
        (doc(&[("_id", 1.into())]), "'Log.message' is required"),
        (doc(&[("message", "no key".into())]), "_id"),
        (
            doc(&[
                ("_id", 1.into()),
                ("message", "m".into()),
                ("at", Value::Embedded(doc(&[("name", true.into())]))),
            ]),
            "'Place.name' expects",
        ),
        (
            doc(&[
                ("_id", 1.into()),
                ("message", "m".into()),
                ("nope", 1.into()),
            ]),
            "nope",
        ),
        (
            doc(&[
                ("_id", 1.into()),
                ("message", "m".into()),
                ("readings", Value::List(vec!["x".into()])),
            ]),
            "'Log.readings' expects",
        ),
    ];
    for (bad, expected) in cases {
        let err = db.write(|txn| txn.create("Log", bad.clone())).unwrap_err();
        assert!(
            err.to_string().contains(expected),
            "{err} should mention {expected:?}"
        );
        // The same document fails the same way for the ordinary class.
        let same = db
            .write(|txn| txn.create("Entry", bad.clone()))
            .unwrap_err();
        assert_eq!(
            err.to_string().replace("Log", "Entry"),
            same.to_string(),
            "{bad:?}"
        );
    }
    assert!(db.outbox().unwrap().is_empty());
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Log\""), 0);
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Place\""), 0);
}

#[test]
fn reads_queries_observers_and_changes_are_refused_naming_the_class() {
    let db = db();
    db.write(|txn| txn.create("Log", full_log(1))).unwrap();
    let one = PrimaryKey::Int(1);
    db.read(|txn| {
        assert_refused(txn.get("Log", &one), "Log", "cannot be read");
        assert_refused(txn.objects("Log"), "Log", "cannot be read");
        assert_refused(
            txn.get_value("Log", &one, "message"),
            "Log",
            "cannot be read",
        );
        assert_refused(
            txn.query("Log", "level > 1", &[]),
            "Log",
            "cannot be queried",
        );
        assert_refused(
            txn.count("Log", "TRUEPREDICATE", &[]),
            "Log",
            "cannot be queried",
        );
        Ok::<_, Error>(())
    })
    .unwrap();
    assert_refused(
        db.observe_query("Log", "TRUEPREDICATE", &[], |_| {}),
        "Log",
        "cannot be observed",
    );
    assert_refused(
        db.observe_object("Log", &one, |_| {}),
        "Log",
        "cannot be observed",
    );
    let refused_writes: Vec<(&str, WriteCall)> = vec![
        (
            "updated",
            Box::new(|t| t.set("Log", &PrimaryKey::Int(1), "message", "x".into())),
        ),
        (
            "updated",
            Box::new(|t| t.set("Log", &PrimaryKey::Int(1), "at.name", "x".into())),
        ),
        (
            "updated",
            Box::new(|t| {
                t.add_integer("Log", &PrimaryKey::Int(1), "level", 1)
                    .map(|_| ())
            }),
        ),
        (
            "updated",
            Box::new(|t| t.list_push("Log", &PrimaryKey::Int(1), "readings", 1.0.into())),
        ),
        (
            "updated",
            Box::new(|t| t.list_insert("Log", &PrimaryKey::Int(1), "readings", 0, 1.0.into())),
        ),
        (
            "updated",
            Box::new(|t| t.list_remove("Log", &PrimaryKey::Int(1), "readings", 0)),
        ),
        (
            "updated",
            Box::new(|t| t.list_move("Log", &PrimaryKey::Int(1), "readings", 0, 1)),
        ),
        (
            "updated",
            Box::new(|t| {
                t.set_add("Log", &PrimaryKey::Int(1), "labels", "a".into())
                    .map(|_| ())
            }),
        ),
        (
            "updated",
            Box::new(|t| {
                t.set_remove("Log", &PrimaryKey::Int(1), "labels", "a".into())
                    .map(|_| ())
            }),
        ),
        (
            "updated",
            Box::new(|t| t.dict_set("Log", &PrimaryKey::Int(1), "attrs", "k", "v".into())),
        ),
        (
            "updated",
            Box::new(|t| {
                t.dict_remove("Log", &PrimaryKey::Int(1), "attrs", "k")
                    .map(|_| ())
            }),
        ),
        (
            "updated",
            Box::new(|t| t.clear("Log", &PrimaryKey::Int(1), "readings")),
        ),
        (
            "upserted",
            Box::new(|t| t.upsert("Log", full_log(1)).map(|_| ())),
        ),
        (
            "deleted",
            Box::new(|t| t.delete("Log", &PrimaryKey::Int(1)).map(|_| ())),
        ),
    ];
    for (what, write) in refused_writes {
        // Also within the transaction that created the object.
        assert_refused(
            db.write(|txn| {
                txn.create("Log", full_log(2))?;
                write(txn)
            }),
            "Log",
            &format!("cannot be {what}"),
        );
        assert_refused(
            db.write(|txn| write(txn)),
            "Log",
            &format!("cannot be {what}"),
        );
    }
    assert_eq!(db.outbox().unwrap().len(), 1);
}

#[test]
fn observers_and_commit_hooks_do_not_see_asymmetric_creates() {
    let db = db();
    let infos = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&infos);
    db.add_commit_hook(move |info| seen.lock().unwrap().push(info.clone()));
    db.write(|txn| txn.create("Log", full_log(1))).unwrap();
    assert!(
        infos.lock().unwrap().is_empty(),
        "an asymmetric create changes nothing local"
    );
    db.write(|txn| {
        txn.create("Log", full_log(2))?;
        txn.create("Entry", full_log(2))
    })
    .unwrap();
    let infos = infos.lock().unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].objects.keys().collect::<Vec<_>>(), vec!["Entry"]);
}

#[test]
fn without_an_outbox_a_create_is_refused() {
    let db = Database::open_temporary(Config::new(schema()).with_outbox(false)).unwrap();
    assert_refused(
        db.write(|txn| txn.create("Log", full_log(1))),
        "Log",
        "outbox",
    );
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Log\""), 0);
}

#[test]
fn an_asymmetric_class_needs_a_primary_key() {
    let schema = Schema::new(vec![ObjectSchema::new(
        "Event",
        vec![Property::new("name", PropertyType::String)],
    )
    .into_asymmetric()]);
    let err = Database::open_temporary(Config::new(schema)).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("'Event'") && message.contains("asymmetric class needs a primary key"),
        "{message}"
    );
}

#[test]
fn a_remote_changeset_carrying_an_asymmetric_object_is_refused_whole() {
    let db = db();
    let remote = ReplicaId::from_i64(424_242).unwrap();
    let mut changeset = Changeset::new(remote, Hlc::from_packed(1 << 20).unwrap());
    changeset
        .instructions
        .push(Instruction::create("Entry", PrimaryKey::Int(5)));
    changeset.instructions.push(Instruction::at(
        "Entry",
        PrimaryKey::Int(5),
        vec![PathSegment::Property("message".into())],
        Operation::Set {
            value: "from afar".into(),
        },
    ));
    changeset
        .instructions
        .push(Instruction::create("Log", PrimaryKey::Int(9)));
    assert_refused(
        db.apply_remote_changeset(&changeset),
        "Log",
        "remote changeset",
    );
    // Nothing of it was applied, not even the ordinary object.
    assert_eq!(
        db.read(|txn| txn.get("Entry", &PrimaryKey::Int(5)))
            .unwrap(),
        None
    );
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Log\""), 0);

    // The same changeset without the asymmetric object applies.
    changeset.instructions.pop();
    assert!(db.apply_remote_changeset(&changeset).unwrap());
    assert!(db
        .read(|txn| txn.get("Entry", &PrimaryKey::Int(5)))
        .unwrap()
        .is_some());

    // This replica's own changesets (echoed back) are skipped as before, not refused.
    db.write(|txn| txn.create("Log", full_log(1))).unwrap();
    let (_, own) = db.outbox().unwrap().pop().unwrap();
    assert!(!db.apply_remote_changeset(&own).unwrap());
    assert_eq!(rows(&db, "SELECT count(*) FROM \"Log\""), 0);
}
