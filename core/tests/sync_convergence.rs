//! End-to-end convergence of SQLite replicas: random local writes through the public API,
//! uploads to a server log, downloads applied with `Database::apply_remote_changeset` over
//! unsent local changes. After everyone has uploaded and downloaded everything, every replica
//! holds the same objects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use syncline_core::sync::Changeset;
use syncline_core::{
    Config, Database, Document, ObjectSchema, PrimaryKey, Property, PropertyType, Schema, Value,
};

fn schema() -> Schema {
    Schema::new(vec![
        ObjectSchema::new(
            "Task",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("title", PropertyType::String).optional(),
                Property::new("done", PropertyType::Bool),
                Property::new("n", PropertyType::Int),
                Property::new("tags", PropertyType::String).list(),
                Property::new("labels", PropertyType::Int).set(),
                Property::new("meta", PropertyType::String).dictionary(),
                Property::link("emb", "Note"),
                Property::link("notes", "Note").list(),
                Property::link("byKey", "Note").dictionary(),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Note",
            vec![
                Property::new("text", PropertyType::String).optional(),
                Property::new("words", PropertyType::String).list(),
            ],
        )
        .into_embedded(),
    ])
}

struct Replica {
    db: Database,
    /// How much of the server log this replica has applied.
    downloaded: usize,
}

fn word(rng: &mut StdRng) -> Value {
    Value::String(["a", "b", "c", "d"][rng.random_range(0..4)].into())
}

fn note(rng: &mut StdRng) -> Value {
    let mut doc = Document::new();
    doc.insert("text".into(), word(rng));
    let words = (0..rng.random_range(0..3)).map(|_| word(rng)).collect();
    doc.insert("words".into(), Value::List(words));
    Value::Embedded(doc)
}

/// One random local write transaction; operations that do not apply (missing object, index out
/// of range) fail and roll the transaction back, which is fine.
fn local_write(db: &Database, rng: &mut StdRng) {
    let pk = PrimaryKey::Int(rng.random_range(0..2));
    let choice = rng.random_range(0..21);
    let len = |db: &Database, path: &str| -> usize {
        match db
            .read(|t| t.get_value("Task", &pk, path))
            .unwrap_or(Value::Null)
        {
            Value::List(items) => items.len(),
            _ => 0,
        }
    };
    let tags = len(db, "tags");
    let notes = len(db, "notes");
    let index = rng.random_range(0..=tags);
    let note_index = rng.random_range(0..=notes);
    let value = word(rng);
    let note_value = note(rng);
    let delta = rng.random_range(-2..5);
    let label = Value::Int(rng.random_range(0..4));
    let key = ["k1", "k2"][rng.random_range(0..2)];
    // Operations that do not apply (missing object, index out of range) fail and roll back.
    let _ = db.write(|t| -> syncline_core::Result<()> {
        match choice {
            0 | 1 | 16 | 17 => {
                let mut doc = Document::new();
                if let PrimaryKey::Int(id) = pk {
                    doc.insert("_id".into(), id.into());
                }
                doc.insert("title".into(), value);
                if t.get("Task", &pk)?.is_none() {
                    doc.insert("done".into(), false.into());
                    doc.insert("n".into(), 0.into());
                }
                t.upsert("Task", doc).map(|_| ())
            }
            2 => t.delete("Task", &pk).map(|_| ()),
            3 => t.set("Task", &pk, "title", value),
            4 => t.set("Task", &pk, "done", Value::Bool(delta > 1)),
            5 => t.add_integer("Task", &pk, "n", delta).map(|_| ()),
            6 => t.set("Task", &pk, "n", Value::Int(delta * 10)),
            7 => t.list_insert("Task", &pk, "tags", index, value),
            8 if tags > 0 => t.list_remove("Task", &pk, "tags", index.min(tags - 1)),
            9 if tags > 1 => t.list_move("Task", &pk, "tags", 0, tags - 1),
            10 => {
                if delta > 1 {
                    t.set_add("Task", &pk, "labels", label).map(|_| ())
                } else {
                    t.set_remove("Task", &pk, "labels", label).map(|_| ())
                }
            }
            11 => {
                if delta > 0 {
                    t.dict_set("Task", &pk, "meta", key, value)
                } else {
                    t.dict_remove("Task", &pk, "meta", key).map(|_| ())
                }
            }
            12 => t.set(
                "Task",
                &pk,
                "emb",
                if delta > 3 { Value::Null } else { note_value },
            ),
            13 => t.set("Task", &pk, "emb.text", value),
            14 => t.list_insert("Task", &pk, "notes", note_index, note_value),
            18 => t.dict_set("Task", &pk, "byKey", key, note_value),
            19 => t.set("Task", &pk, &format!("byKey['{key}'].text"), value),
            20 => t.dict_remove("Task", &pk, "byKey", key).map(|_| ()),
            _ if notes > 0 => t.list_push("Task", &pk, "notes[0].words", value),
            _ => t.clear("Task", &pk, "tags"),
        }
    });
}

fn upload(replica: &Replica, log: &mut Vec<Changeset>) {
    let pending = replica.db.outbox().unwrap();
    if let Some((last, _)) = pending.last() {
        let last = *last;
        log.extend(pending.into_iter().map(|(_, c)| c));
        replica.db.remove_from_outbox(last).unwrap();
    }
}

fn download(replica: &mut Replica, log: &[Changeset]) {
    for changeset in &log[replica.downloaded..] {
        replica.db.apply_remote_changeset(changeset).unwrap();
    }
    replica.downloaded = log.len();
}

/// Every task, with set elements in a canonical order (sets have none of their own).
fn snapshot(db: &Database) -> BTreeMap<PrimaryKey, Document> {
    db.read(|t| t.objects("Task"))
        .unwrap()
        .into_iter()
        .map(|o| {
            let fields = o
                .fields
                .into_iter()
                .map(|(k, v)| match v {
                    Value::Set(mut items) => {
                        items.sort_by_key(|v| format!("{v:?}"));
                        (k, Value::Set(items))
                    }
                    v => (k, v),
                })
                .collect();
            (o.pk, fields)
        })
        .collect()
}

fn run(seed: u64, replicas: usize, steps: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut all: Vec<Replica> = (0..replicas)
        .map(|_| Replica {
            db: Database::open_temporary(Config::new(schema())).unwrap(),
            downloaded: 0,
        })
        .collect();
    let mut log: Vec<Changeset> = Vec::new();
    for _ in 0..steps {
        let r = rng.random_range(0..replicas);
        match rng.random_range(0..6) {
            0 => upload(&all[r], &mut log),
            1 => download(&mut all[r], &log),
            _ => local_write(&all[r].db, &mut rng),
        }
    }
    for replica in &all {
        upload(replica, &mut log);
    }
    for replica in &mut all {
        download(replica, &log);
    }
    let first = snapshot(&all[0].db);
    for (i, replica) in all.iter().enumerate().skip(1) {
        assert_eq!(
            snapshot(&replica.db),
            first,
            "replica {i} differs from replica 0"
        );
    }
}

#[test]
fn replicas_converge_on_a_fixed_history() {
    run(7, 3, 80);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn replicas_converge_after_exchanging_everything(
        seed in any::<u64>(),
        replicas in 2usize..4,
        steps in 1usize..80,
    ) {
        run(seed, replicas, steps);
    }
}
