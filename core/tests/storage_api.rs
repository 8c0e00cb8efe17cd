//! The public database API end to end: objects, paths, collections, deletes, transactions,
//! files, migrations, outbox, commit hooks.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use syncline_core::sync::Operation;
use syncline_core::{
    Config, Database, Document, Error, Link, ObjectChangeKind, ObjectId, ObjectSchema, PrimaryKey,
    Property, PropertyType, Schema, StorageError, Timestamp, Value,
};

fn schema() -> Schema {
    Schema::new(vec![
        ObjectSchema::new(
            "Person",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String).indexed(),
                Property::new("age", PropertyType::Int).optional(),
                Property::new("score", PropertyType::Double).with_default(Value::Double(1.5)),
                Property::new("born", PropertyType::Date).optional(),
                Property::new("oid", PropertyType::ObjectId).optional(),
                Property::new("extra", PropertyType::Mixed),
                Property::new("tags", PropertyType::String).list(),
                Property::new("lucky", PropertyType::Int).set(),
                Property::new("notes", PropertyType::String).dictionary(),
                Property::link("address", "Address"),
                Property::link("pets", "Dog").list(),
                Property::link("best", "Dog"),
                Property::link("visits", "Address").list(),
                Property::new("counter", PropertyType::Int).with_default(Value::Int(0)),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Address",
            vec![
                Property::new("street", PropertyType::String),
                Property::new("city", PropertyType::String).optional(),
            ],
        )
        .into_embedded(),
        ObjectSchema::new(
            "Dog",
            vec![
                Property::new("_id", PropertyType::String),
                Property::new("name", PropertyType::String),
                Property::linking_objects("owners", "Person", "pets"),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new("Note", vec![Property::new("text", PropertyType::String)]),
    ])
}

fn doc(pairs: &[(&str, Value)]) -> Document {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn open() -> Database {
    Database::open_temporary(Config::new(schema())).unwrap()
}

fn dog(id: &str) -> Link {
    Link {
        class: "Dog".into(),
        pk: PrimaryKey::String(id.into()),
    }
}

fn storage_err(e: Error) -> StorageError {
    match e {
        Error::Storage(s) => s,
        other => panic!("expected a storage error, got {other:?}"),
    }
}

fn seed(db: &Database) {
    db.write(|txn| {
        txn.create("Dog", doc(&[("_id", "rex".into()), ("name", "Rex".into())]))?;
        txn.create(
            "Dog",
            doc(&[("_id", "fido".into()), ("name", "Fido".into())]),
        )?;
        txn.create(
            "Person",
            doc(&[
                ("_id", 1.into()),
                ("name", "Ann".into()),
                ("born", Value::Date(Timestamp::new(-5, -10))),
                ("extra", Value::Double(2.0)),
                (
                    "tags",
                    Value::List(vec!["a".into(), "b".into(), "c".into()]),
                ),
                ("lucky", Value::Set(vec![7.into(), 3.into(), 7.into()])),
                (
                    "notes",
                    Value::Dictionary(BTreeMap::from([("k".to_string(), "v".into())])),
                ),
                (
                    "address",
                    Value::Embedded(doc(&[("street", "Main".into())])),
                ),
                (
                    "pets",
                    Value::List(vec![Value::Link(dog("rex")), Value::Link(dog("fido"))]),
                ),
                ("best", Value::Link(dog("rex"))),
                (
                    "visits",
                    Value::List(vec![
                        Value::Embedded(doc(&[("street", "A".into())])),
                        Value::Embedded(doc(&[("street", "B".into()), ("city", "X".into())])),
                    ]),
                ),
            ]),
        )?;
        Ok::<_, Error>(())
    })
    .unwrap();
}

#[test]
fn create_and_get_round_trip_every_kind_of_property() {
    let db = open();
    seed(&db);
    let ann = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(ann.get("name"), Some(&Value::from("Ann")));
    assert_eq!(ann.get("age"), Some(&Value::Null));
    assert_eq!(
        ann.get("score"),
        Some(&Value::Double(1.5)),
        "default applied"
    );
    assert_eq!(ann.get("born"), Some(&Value::Date(Timestamp::new(-5, -10))));
    assert_eq!(ann.get("extra"), Some(&Value::Double(2.0)));
    assert_eq!(
        ann.get("tags"),
        Some(&Value::List(vec!["a".into(), "b".into(), "c".into()]))
    );
    assert_eq!(
        ann.get("lucky"),
        Some(&Value::Set(vec![7.into(), 3.into()]))
    );
    assert_eq!(
        ann.get("address"),
        Some(&Value::Embedded(doc(&[
            ("street", "Main".into()),
            ("city", Value::Null)
        ])))
    );
    assert_eq!(
        ann.get("pets"),
        Some(&Value::List(vec![
            Value::Link(dog("rex")),
            Value::Link(dog("fido"))
        ]))
    );
    assert_eq!(ann.get("best"), Some(&Value::Link(dog("rex"))));
    assert!(ann.get("owners").is_none());
    assert_eq!(
        db.read(|t| t.get("Person", &PrimaryKey::Int(2))).unwrap(),
        None
    );
}

#[test]
fn classes_without_primary_key_use_row_keys() {
    let db = open();
    let pk = db
        .write(|t| t.create("Note", doc(&[("text", "hi".into())])))
        .unwrap();
    let note = db.read(|t| t.get("Note", &pk)).unwrap().unwrap();
    assert_eq!(note.get("text"), Some(&Value::from("hi")));
    assert_eq!(db.read(|t| t.objects("Note")).unwrap().len(), 1);
    // Local-only objects are not put in the outbox.
    assert!(db.outbox().unwrap().is_empty());
}

#[test]
fn bad_input_is_refused_with_names() {
    let db = open();
    seed(&db);
    let err = |r: syncline_core::Result<PrimaryKey>| storage_err(r.unwrap_err()).to_string();
    let e = err(db.write(|t| t.create("Cat", Document::new())));
    assert!(e.contains("unknown class 'Cat'"), "{e}");
    let e = err(db.write(|t| {
        t.create(
            "Dog",
            doc(&[
                ("_id", "x".into()),
                ("name", "X".into()),
                ("legs", 4.into()),
            ]),
        )
    }));
    assert!(e.contains("'Dog.legs'"), "{e}");
    let e = err(db.write(|t| t.create("Dog", doc(&[("_id", "x".into()), ("name", 4.into())]))));
    assert!(e.contains("'Dog.name' expects string, got int"), "{e}");
    let e = err(db.write(|t| t.create("Dog", doc(&[("_id", "x".into())]))));
    assert!(e.contains("'Dog.name' is required"), "{e}");
    let e = err(db.write(|t| {
        t.create(
            "Dog",
            doc(&[("_id", "rex".into()), ("name", "Again".into())]),
        )
    }));
    assert!(
        e.contains("class 'Dog' with primary key \"rex\" already exists"),
        "{e}"
    );
    let e = err(db.write(|t| {
        t.create(
            "Person",
            doc(&[
                ("_id", 5.into()),
                ("name", "B".into()),
                ("best", Value::Link(dog("nope"))),
            ]),
        )
    }));
    assert!(e.contains("Dog(\"nope\")"), "{e}");
    let e = err(db.write(|t| t.create("Address", doc(&[("street", "s".into())]))));
    assert!(e.contains("embedded"), "{e}");
    let e = err(db.write(|t| {
        t.create(
            "Dog",
            doc(&[
                ("_id", "y".into()),
                ("name", "Y".into()),
                ("owners", Value::List(vec![])),
            ]),
        )
    }));
    assert!(e.contains("backlinks"), "{e}");
    let r = db.write(|t| t.set("Person", &PrimaryKey::Int(1), "address.zip", "1".into()));
    assert!(matches!(
        storage_err(r.unwrap_err()),
        StorageError::UnknownProperty { .. }
    ));
    let r = db.write(|t| t.set("Person", &PrimaryKey::Int(1), "_id", 9.into()));
    assert!(storage_err(r.unwrap_err())
        .to_string()
        .contains("primary key cannot change"));
    let r = db.write(|t| t.set("Person", &PrimaryKey::Int(1), "tags[9]", "x".into()));
    assert!(matches!(
        storage_err(r.unwrap_err()),
        StorageError::IndexOutOfBounds {
            index: 9,
            len: 3,
            ..
        }
    ));
    let r = db.write(|t| t.set("Person", &PrimaryKey::Int(1), "best.name", "x".into()));
    assert!(matches!(
        storage_err(r.unwrap_err()),
        StorageError::InvalidPath { .. }
    ));
    let r = db.write(|t| t.set("Person", &PrimaryKey::Int(9), "name", "x".into()));
    assert!(matches!(
        storage_err(r.unwrap_err()),
        StorageError::ObjectNotFound { .. }
    ));
    // Nothing of the failed writes is left.
    assert_eq!(db.read(|t| t.objects("Dog")).unwrap().len(), 2);
    assert_eq!(db.read(|t| t.objects("Person")).unwrap().len(), 1);
}

#[test]
fn paths_update_fields_inside_embedded_objects_and_collections() {
    let db = open();
    seed(&db);
    let ann = PrimaryKey::Int(1);
    db.write(|t| {
        t.set("Person", &ann, "address.street", "Elm".into())?;
        t.set("Person", &ann, "visits[1].city", "Y".into())?;
        t.set("Person", &ann, "tags[0]", "z".into())?;
        t.set("Person", &ann, "notes['new']", "n".into())?;
        t.set("Person", &ann, "age", 33.into())?;
        t.set("Person", &ann, "extra", "now a string".into())?;
        t.list_insert("Person", &ann, "tags", 1, "ins".into())?;
        t.list_push("Person", &ann, "tags", "end".into())?;
        t.list_remove("Person", &ann, "tags", 2)?;
        t.list_move("Person", &ann, "tags", 0, 3)?;
        assert!(t.set_add("Person", &ann, "lucky", 11.into())?);
        assert!(!t.set_add("Person", &ann, "lucky", 11.into())?);
        assert!(t.set_remove("Person", &ann, "lucky", 7.into())?);
        assert!(t.dict_remove("Person", &ann, "notes", "k")?);
        assert_eq!(t.add_integer("Person", &ann, "counter", 5)?, 5);
        t.list_insert(
            "Person",
            &ann,
            "visits",
            0,
            Value::Embedded(doc(&[("street", "First".into())])),
        )?;
        Ok::<_, Error>(())
    })
    .unwrap();
    let v = |p: &str| db.read(|t| t.get_value("Person", &ann, p)).unwrap();
    assert_eq!(v("address.street"), Value::from("Elm"));
    assert_eq!(v("visits[2].city"), Value::from("Y"));
    assert_eq!(v("visits[0].street"), Value::from("First"));
    // [a,b,c] -> [z,b,c] -> [z,ins,b,c] -> [z,ins,b,c,end] -> [z,ins,c,end] -> [ins,c,end,z]
    assert_eq!(
        v("tags"),
        Value::List(vec!["ins".into(), "c".into(), "end".into(), "z".into()])
    );
    assert_eq!(v("lucky"), Value::Set(vec![3.into(), 11.into()]));
    assert_eq!(
        v("notes"),
        Value::Dictionary(BTreeMap::from([("new".to_string(), "n".into())]))
    );
    assert_eq!(v("extra"), Value::from("now a string"));
    assert_eq!(v("counter"), Value::Int(5));
    // Replacing a whole collection.
    db.write(|t| t.set("Person", &ann, "tags", Value::List(vec!["only".into()])))
        .unwrap();
    assert_eq!(v("tags"), Value::List(vec!["only".into()]));
}

#[test]
fn delete_cascades_to_embedded_objects_and_unlinks() {
    let db = open();
    seed(&db);
    db.write(|t| t.delete("Dog", &PrimaryKey::String("rex".into())))
        .unwrap();
    let ann = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(ann.get("best"), Some(&Value::Null));
    assert_eq!(
        ann.get("pets"),
        Some(&Value::List(vec![Value::Link(dog("fido"))]))
    );
    assert!(!db
        .write(|t| t.delete("Dog", &PrimaryKey::String("rex".into())))
        .unwrap());
    db.write(|t| t.delete("Person", &PrimaryKey::Int(1)))
        .unwrap();
    // The embedded rows went with their parent: a fresh parent starts from empty tables.
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    let embedded: i64 = conn
        .query_row("SELECT count(*) FROM \"Address\"", [], |r| r.get(0))
        .unwrap();
    assert_eq!(embedded, 0);
    let elements: i64 = conn
        .query_row("SELECT count(*) FROM \"Person.tags\"", [], |r| r.get(0))
        .unwrap();
    assert_eq!(elements, 0);
    let tombstones: i64 = conn
        .query_row("SELECT count(*) FROM __syncline_tombstones", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tombstones, 2);
}

#[test]
fn failed_writes_roll_back_completely() {
    let db = open();
    seed(&db);
    let r: Result<(), Error> = db.write(|t| {
        t.create("Dog", doc(&[("_id", "new".into()), ("name", "New".into())]))?;
        t.set("Person", &PrimaryKey::Int(1), "name", "Changed".into())?;
        Err(Error::callback("the app changed its mind"))
    });
    assert!(r.is_err());
    // Dropping an open transaction rolls back too.
    {
        let mut t = db.begin_write().unwrap();
        t.delete("Person", &PrimaryKey::Int(1)).unwrap();
    }
    // A panic inside the closure rolls back as well.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = db.write(|t| {
            t.set("Person", &PrimaryKey::Int(1), "name", "Panic".into())?;
            if t.stamp().replica.get() > 0 {
                panic!("boom");
            }
            Ok::<_, Error>(())
        });
    }));
    assert!(caught.is_err());
    let t = db.begin_write().unwrap();
    t.cancel().unwrap();
    let ann = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(ann.get("name"), Some(&Value::from("Ann")));
    assert!(db
        .read(|t| t.get("Dog", &PrimaryKey::String("new".into())))
        .unwrap()
        .is_none());
    assert_eq!(db.outbox().unwrap().len(), 1, "only the seed's changeset");
}

#[test]
fn nested_writes_on_one_thread_are_an_error_not_a_deadlock() {
    let db = open();
    let r = db.write(|_| db.begin_write().map(|_| ()));
    assert!(matches!(r, Err(Error::Storage(StorageError::NestedWrite))));
}

#[test]
fn readers_see_a_snapshot() {
    let db = open();
    seed(&db);
    let snapshot = db.begin_read().unwrap();
    db.write(|t| t.set("Person", &PrimaryKey::Int(1), "name", "Bea".into()))
        .unwrap();
    let old = snapshot
        .get("Person", &PrimaryKey::Int(1))
        .unwrap()
        .unwrap();
    assert_eq!(old.get("name"), Some(&Value::from("Ann")));
    drop(snapshot);
    let new = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(new.get("name"), Some(&Value::from("Bea")));
}

#[test]
fn writes_from_many_threads_are_serialized() {
    let db = open();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let db = db.clone();
            std::thread::spawn(move || {
                for j in 0..10 {
                    db.write(|t| {
                        t.create(
                            "Dog",
                            doc(&[("_id", format!("{i}-{j}").into()), ("name", "d".into())]),
                        )
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(db.read(|t| t.objects("Dog")).unwrap().len(), 40);
}

#[test]
fn every_write_appends_its_changeset_to_the_outbox() {
    let db = open();
    seed(&db);
    db.write(|t| {
        t.set(
            "Person",
            &PrimaryKey::Int(1),
            "visits[0].street",
            "Q".into(),
        )?;
        t.list_insert("Person", &PrimaryKey::Int(1), "tags", 0, "first".into())?;
        t.delete("Dog", &PrimaryKey::String("fido".into()))?;
        Ok::<_, Error>(())
    })
    .unwrap();
    let outbox = db.outbox().unwrap();
    assert_eq!(outbox.len(), 2);
    let (_, seed_cs) = &outbox[0];
    assert_eq!(seed_cs.replica, db.replica_id());
    seed_cs.validate().unwrap();
    let creates = seed_cs
        .instructions
        .iter()
        .filter(|i| i.op == Operation::CreateObject)
        .count();
    assert_eq!(creates, 3);
    let (_, cs) = &outbox[1];
    cs.validate().unwrap();
    assert!(cs.clock > seed_cs.clock);
    assert!(matches!(
        cs.instructions[0].path[1],
        syncline_core::sync::PathSegment::Element(_)
    ));
    assert!(matches!(
        cs.instructions[1].op,
        Operation::ListInsert { .. }
    ));
    assert_eq!(cs.instructions[2].op, Operation::EraseObject);
    // Acknowledged entries leave the outbox.
    assert_eq!(db.remove_from_outbox(outbox[0].0).unwrap(), 1);
    assert_eq!(db.outbox().unwrap().len(), 1);
    // A local-only database records nothing.
    let quiet = Database::open_temporary(Config::new(schema()).with_outbox(false)).unwrap();
    seed(&quiet);
    assert!(quiet.outbox().unwrap().is_empty());
}

/// Creates of one class whose values have the same kinds share a shape in the outbox entry;
/// a create that differs (a null, a missing optional field) names its fields. Either way the
/// changeset reads back as a create and one set per field, and replays to the same objects.
#[test]
fn creates_in_the_outbox_read_back_the_same_whatever_their_shape() {
    let schema = Schema::new(vec![ObjectSchema::new(
        "Item",
        vec![
            Property::new("_id", PropertyType::Int),
            Property::new("name", PropertyType::String),
            Property::new("n", PropertyType::Int).optional(),
            Property::new("flag", PropertyType::Bool),
        ],
    )
    .with_primary_key("_id")]);
    let item = |id: i64, n: Option<Value>, flag: bool| {
        let mut d = Document::new();
        d.insert("_id", Value::Int(id));
        d.insert("name", Value::String(format!("item {id}")));
        if let Some(n) = n {
            d.insert("n", n);
        }
        d.insert("flag", Value::Bool(flag));
        d
    };
    let db = Database::open_temporary(Config::new(schema.clone())).unwrap();
    let items = [
        item(1, Some(Value::Int(10)), true),
        item(2, Some(Value::Int(-20)), false),
        item(3, Some(Value::Null), true),
        item(4, None, false),
        item(5, Some(Value::Int(50)), true),
    ];
    db.write(|t| {
        for doc in &items {
            t.create("Item", doc.clone())?;
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    let outbox = db.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    let cs = &outbox[0].1;
    cs.validate().unwrap();
    let mut at = cs.instructions.iter();
    for doc in &items {
        let Some(Value::Int(id)) = doc.get("_id") else {
            panic!("every item has an int _id")
        };
        let pk = PrimaryKey::Int(*id);
        let create = at.next().unwrap();
        assert_eq!(
            (create.object.pk.clone(), &create.op),
            (pk.clone(), &Operation::CreateObject)
        );
        for (name, value) in doc.iter().filter(|(name, _)| *name != "_id") {
            let set = at.next().unwrap();
            assert_eq!(set.object.pk, pk);
            assert_eq!(
                set.path,
                [syncline_core::sync::PathSegment::Property(name.into())]
            );
            assert_eq!(
                set.op,
                Operation::Set {
                    value: value.clone()
                }
            );
        }
    }
    assert!(at.next().is_none());
    let replica = Database::open_temporary(Config::new(schema)).unwrap();
    assert!(replica.apply_remote_changeset(cs).unwrap());
    let all = |db: &Database| db.read(|t| t.objects("Item")).unwrap();
    assert_eq!(all(&replica), all(&db));
}

#[test]
fn commit_hooks_report_changed_objects() {
    let db = open();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let id = db.add_commit_hook(move |info| sink.lock().unwrap().push(info.clone()));
    seed(&db);
    db.write(|t| t.delete("Dog", &PrimaryKey::String("rex".into())))
        .unwrap();
    db.write(|_| Ok::<_, Error>(())).unwrap();
    assert!(db.remove_commit_hook(id));
    db.write(|t| t.set("Person", &PrimaryKey::Int(1), "age", 1.into()))
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        2,
        "empty commits and commits after removal are not reported"
    );
    assert_eq!(
        seen[0].objects["Person"][&PrimaryKey::Int(1)],
        ObjectChangeKind::Created
    );
    assert_eq!(
        seen[1].objects["Dog"][&PrimaryKey::String("rex".into())],
        ObjectChangeKind::Deleted
    );
    // Ann's links to Rex were nulled: she changed too.
    assert!(matches!(
        seen[1].objects["Person"][&PrimaryKey::Int(1)],
        ObjectChangeKind::Modified(_)
    ));
}

#[test]
fn reopening_keeps_data_replica_and_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let (replica, clock) = {
        let db = Database::open(&path, Config::new(schema())).unwrap();
        seed(&db);
        (db.replica_id(), db.outbox().unwrap()[0].1.clock)
    };
    let db = Database::open(&path, Config::new(schema())).unwrap();
    assert_eq!(db.replica_id(), replica);
    assert_eq!(db.read(|t| t.objects("Dog")).unwrap().len(), 2);
    db.write(|t| t.set("Person", &PrimaryKey::Int(1), "age", 2.into()))
        .unwrap();
    assert!(db.outbox().unwrap()[1].1.clock > clock);
}

#[test]
fn foreign_and_damaged_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "this is not a database, just a text file with enough bytes in it to have a header........................................").unwrap();
    let e = storage_err(Database::open(&text, Config::new(schema())).unwrap_err());
    assert!(matches!(e, StorageError::NotADatabase { .. }), "{e}");

    let foreign = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    let e = storage_err(Database::open(&foreign, Config::new(schema())).unwrap_err());
    assert!(matches!(e, StorageError::ForeignDatabase { .. }), "{e}");

    let damaged = dir.path().join("damaged.db");
    {
        let db = Database::open(&damaged, Config::new(schema())).unwrap();
        seed(&db);
    }
    let mut bytes = std::fs::read(&damaged).unwrap();
    for b in bytes.iter_mut().skip(16) {
        *b = 0xA5;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let _ = std::fs::remove_file(dir.path().join("damaged.db-wal"));
    let e = storage_err(Database::open(&damaged, Config::new(schema())).unwrap_err());
    assert!(
        matches!(
            e,
            StorageError::Corrupt { .. } | StorageError::NotADatabase { .. }
        ),
        "{e}"
    );
}

fn v1() -> Schema {
    Schema::new(vec![ObjectSchema::new(
        "Dog",
        vec![
            Property::new("_id", PropertyType::Int),
            Property::new("name", PropertyType::String),
            Property::new("age", PropertyType::Int),
        ],
    )
    .with_primary_key("_id")])
}

#[test]
fn additive_changes_migrate_automatically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    {
        let db = Database::open(&path, Config::new(v1())).unwrap();
        db.write(|t| {
            t.create(
                "Dog",
                doc(&[("_id", 1.into()), ("name", "Rex".into()), ("age", 3.into())]),
            )
        })
        .unwrap();
    }
    let mut v2 = v1();
    v2.classes[0]
        .properties
        .push(Property::new("color", PropertyType::String).optional());
    v2.classes[0]
        .properties
        .push(Property::new("kind", PropertyType::String).with_default("dog".into()));
    v2.classes[0]
        .properties
        .push(Property::new("toys", PropertyType::String).list());
    v2.classes[0].properties[1] = Property::new("name", PropertyType::String).indexed();
    v2.classes.push(
        ObjectSchema::new("Cat", vec![Property::new("_id", PropertyType::Int)])
            .with_primary_key("_id"),
    );
    let db = Database::open(&path, Config::new(v2.clone())).unwrap();
    let rex = db
        .read(|t| t.get("Dog", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(rex.get("color"), Some(&Value::Null));
    assert_eq!(rex.get("kind"), Some(&Value::from("dog")));
    assert_eq!(rex.get("toys"), Some(&Value::List(vec![])));
    db.write(|t| t.create("Cat", doc(&[("_id", 1.into())])))
        .unwrap();
    drop(db);
    // Opening with the older schema again is a migration (removed class and properties).
    let e = storage_err(Database::open(&path, Config::new(v1())).unwrap_err());
    assert!(e.to_string().contains("class 'Cat' was removed"), "{e}");
}

#[test]
fn breaking_changes_need_a_version_and_a_migration() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    {
        let db = Database::open(&path, Config::new(v1()).with_schema_version(1)).unwrap();
        db.write(|t| {
            t.create(
                "Dog",
                doc(&[("_id", 1.into()), ("name", "Rex".into()), ("age", 3.into())]),
            )?;
            t.create(
                "Dog",
                doc(&[
                    ("_id", 2.into()),
                    ("name", "Fido".into()),
                    ("age", 5.into()),
                ]),
            )
        })
        .unwrap();
    }
    // age: int -> string, name removed, nick added (required).
    let v2 = Schema::new(vec![ObjectSchema::new(
        "Dog",
        vec![
            Property::new("_id", PropertyType::Int),
            Property::new("age", PropertyType::String),
            Property::new("nick", PropertyType::String),
        ],
    )
    .with_primary_key("_id")]);
    let e = storage_err(
        Database::open(&path, Config::new(v2.clone()).with_schema_version(1)).unwrap_err(),
    );
    let msg = e.to_string();
    assert!(
        msg.contains("'Dog.age' changed from int to string"),
        "{msg}"
    );
    assert!(msg.contains("'Dog.name' was removed"), "{msg}");
    assert!(msg.contains("raise it"), "{msg}");
    let e = storage_err(
        Database::open(&path, Config::new(v2.clone()).with_schema_version(2)).unwrap_err(),
    );
    assert!(e.to_string().contains("no migration callback"), "{e}");
    // A callback that fails leaves the file as it was.
    let failing = Config::new(v2.clone())
        .with_schema_version(2)
        .with_migration(|_| Err(Error::callback("not today")));
    assert!(Database::open(&path, failing).is_err());
    let config = Config::new(v2).with_schema_version(2).with_migration(|m| {
        assert_eq!(m.old_schema_version(), 1);
        for old in m.old_objects("Dog")? {
            let name = old.get("name").cloned().unwrap_or_default();
            let age = match old.get("age") {
                Some(Value::Int(a)) => a.to_string(),
                _ => String::new(),
            };
            let t = m.transaction();
            t.set("Dog", &old.pk, "nick", name)?;
            t.set("Dog", &old.pk, "age", age.into())?;
        }
        Ok(())
    });
    let db = Database::open(&path, config).unwrap();
    let rex = db
        .read(|t| t.get("Dog", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(rex.get("nick"), Some(&Value::from("Rex")));
    assert_eq!(rex.get("age"), Some(&Value::from("3")));
    assert!(rex.get("name").is_none());
    drop(db);
    let e =
        storage_err(Database::open(&path, Config::new(v1()).with_schema_version(1)).unwrap_err());
    assert!(
        matches!(
            e,
            StorageError::NewerSchemaVersion {
                on_disk: 2,
                given: 1
            }
        ),
        "{e}"
    );
}

#[test]
fn object_ids_and_mixed_links_round_trip() {
    let db = open();
    seed(&db);
    let oid = ObjectId::new();
    db.write(|t| {
        t.set("Person", &PrimaryKey::Int(1), "oid", Value::ObjectId(oid))?;
        t.set(
            "Person",
            &PrimaryKey::Int(1),
            "extra",
            Value::Link(dog("fido")),
        )
    })
    .unwrap();
    let ann = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(ann.get("oid"), Some(&Value::ObjectId(oid)));
    assert_eq!(ann.get("extra"), Some(&Value::Link(dog("fido"))));
    db.write(|t| t.delete("Dog", &PrimaryKey::String("fido".into())))
        .unwrap();
    let ann = db
        .read(|t| t.get("Person", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(ann.get("extra"), Some(&Value::Null));
}

#[test]
fn transactions_are_object_sources_for_the_evaluator() {
    let db = open();
    seed(&db);
    let txn = db.begin_read().unwrap();
    let q = syncline_core::query::BoundQuery::new("pets.name == 'Rex'", db.schema(), "Person", &[])
        .unwrap();
    let ann = Link {
        class: "Person".into(),
        pk: PrimaryKey::Int(1),
    };
    assert!(syncline_core::query::matches(&q, &txn, &ann).unwrap());
    assert_eq!(
        syncline_core::query::evaluate(&q, &txn).unwrap(),
        vec![PrimaryKey::Int(1)]
    );
    let owners =
        syncline_core::query::BoundQuery::new("owners.@count == 1", db.schema(), "Dog", &[])
            .unwrap();
    assert_eq!(txn.query_bound(&owners).unwrap().len(), 2);
    let bad = txn.query("Person", "name ==", &[]).unwrap_err().to_string();
    assert!(bad.contains("at 7"), "{bad}");
}

#[test]
fn a_file_from_a_newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(Database::open(&path, Config::new(schema())).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE __syncline_meta SET value = 99 WHERE key = 'format_version'",
            [],
        )
        .unwrap();
    let e = storage_err(Database::open(&path, Config::new(schema())).unwrap_err());
    assert!(
        matches!(e, StorageError::NewerFormat { found: 99, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("upgrade Syncline"), "{e}");
}

#[test]
fn a_version_bump_runs_the_migration_even_for_additive_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bump.db");
    {
        let db = Database::open(&path, Config::new(v1())).unwrap();
        db.write(|t| {
            t.create(
                "Dog",
                doc(&[("_id", 1.into()), ("name", "Rex".into()), ("age", 3.into())]),
            )
        })
        .unwrap();
    }
    let mut v2 = v1();
    v2.classes[0]
        .properties
        .push(Property::new("nick", PropertyType::String).optional());
    let config = Config::new(v2).with_schema_version(1).with_migration(|m| {
        assert_eq!((m.old_schema_version(), m.new_schema_version()), (0, 1));
        let dogs = m.old_objects("Dog")?;
        for dog in dogs {
            let name = dog.get("name").cloned().unwrap_or_default();
            m.transaction().set("Dog", &dog.pk, "nick", name)?;
        }
        Ok(())
    });
    let db = Database::open(&path, config).unwrap();
    let rex = db
        .read(|t| t.get("Dog", &PrimaryKey::Int(1)))
        .unwrap()
        .unwrap();
    assert_eq!(rex.get("nick"), Some(&Value::from("Rex")));
    // Migration writes are local: they are not uploaded.
    assert_eq!(db.outbox().unwrap().len(), 1);
}

#[test]
fn update_sets_the_given_properties_of_an_existing_object_only() {
    let db = open();
    seed(&db);
    let ann = PrimaryKey::Int(1);
    db.write(|t| {
        t.update(
            "Person",
            &ann,
            doc(&[("name", "Anne".into()), ("age", 40.into())]),
        )
    })
    .unwrap();
    let person = db.read(|t| t.get("Person", &ann)).unwrap().unwrap();
    assert_eq!(person.fields["name"], "Anne".into());
    assert_eq!(person.fields["age"], 40.into());
    assert_eq!(person.fields["score"], Value::Double(1.5));
    // No such object: an error even when nothing is to be set.
    for fields in [doc(&[]), doc(&[("name", "x".into())])] {
        let r = db.write(|t| t.update("Person", &PrimaryKey::Int(9), fields.clone()));
        assert!(matches!(
            storage_err(r.unwrap_err()),
            StorageError::ObjectNotFound { .. }
        ));
    }
    // A name is a property, not a path; a bad one changes nothing.
    let r = db.write(|t| {
        t.update(
            "Person",
            &ann,
            doc(&[("name", "B".into()), ("address.street", "x".into())]),
        )
    });
    assert!(matches!(
        storage_err(r.unwrap_err()),
        StorageError::UnknownProperty { .. }
    ));
    let person = db.read(|t| t.get("Person", &ann)).unwrap().unwrap();
    assert_eq!(person.fields["name"], "Anne".into());
    // Embedded objects are reached through their owner.
    let r = db.write(|t| t.update("Address", &ann, doc(&[])));
    assert!(r.is_err());
}

#[test]
fn a_create_that_fails_halfway_leaves_the_next_create_whole() {
    let db = open();
    db.write(|t| {
        // The embedded address lacks its required street: the person's row is never written.
        let mut bad = doc(&[("_id", 1.into()), ("name", "Ann".into())]);
        bad.insert("address", Value::Embedded(doc(&[("city", "X".into())])));
        let err = t.create("Person", bad).unwrap_err();
        assert!(err.to_string().contains("street"), "{err}");
        // The same statement serves the next create with all of its own values.
        let mut good = doc(&[("_id", 2.into()), ("name", "Bo".into()), ("age", 7.into())]);
        good.insert("address", Value::Embedded(doc(&[("street", "Elm".into())])));
        t.create("Person", good)?;
        Ok::<_, Error>(())
    })
    .unwrap();
    let people = db.read(|t| t.objects("Person")).unwrap();
    assert_eq!(people.len(), 1);
    let bo = &people[0].fields;
    assert_eq!(bo["_id"], 2.into());
    assert_eq!(bo["name"], "Bo".into());
    assert_eq!(bo["age"], 7.into());
    assert_eq!(bo["score"], Value::Double(1.5));
    let Value::Embedded(address) = &bo["address"] else {
        panic!("{bo:?}")
    };
    assert_eq!(address["street"], "Elm".into());
    assert_eq!(address["city"], Value::Null);
}
