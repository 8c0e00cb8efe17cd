//! Observers end to end on a real database: initial events, change sets for unsorted, sorted and
//! limited results, linked-object rules, object observers, cancellation, threads, callbacks that
//! write, and errors.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use super::*;
use crate::db::Config;
use crate::error::Error;
use crate::schema::{ObjectSchema, Property, PropertyType, Schema};
use crate::value::{Document, Link};

pub(super) fn schema() -> Schema {
    let mut classes = vec![
        ObjectSchema::new(
            "Person",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String),
                Property::new("age", PropertyType::Int),
                Property::link("best", "Dog"),
                Property::link("pets", "Dog").list(),
                Property::link("address", "Address"),
                Property::new("tags", PropertyType::String).list(),
                Property::link("friend", "Person"),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Dog",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String),
                Property::link("toy", "Toy"),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Toy",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Address",
            vec![Property::new("street", PropertyType::String)],
        )
        .into_embedded(),
        ObjectSchema::new("Note", vec![Property::new("text", PropertyType::String)]),
    ];
    // A chain L0 → L1 → … → L5 for the link-depth rule.
    for i in 0..6 {
        let mut props = vec![
            Property::new("_id", PropertyType::Int),
            Property::new("v", PropertyType::Int),
        ];
        if i < 5 {
            props.push(Property::link("next", format!("L{}", i + 1)));
        }
        classes.push(ObjectSchema::new(format!("L{i}"), props).with_primary_key("_id"));
    }
    Schema::new(classes)
}

pub(super) fn db() -> Database {
    Database::open_temporary(Config::new(schema())).unwrap()
}

fn doc(pairs: &[(&str, Value)]) -> Document {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn pk(i: i64) -> PrimaryKey {
    PrimaryKey::Int(i)
}

fn keys(ids: &[i64]) -> Vec<PrimaryKey> {
    ids.iter().map(|&i| pk(i)).collect()
}

fn link(class: &str, id: i64) -> Value {
    Value::Link(Link {
        class: class.into(),
        pk: pk(id),
    })
}

fn add_person(db: &Database, id: i64, name: &str, age: i64) {
    db.write(|txn| {
        txn.create(
            "Person",
            doc(&[
                ("_id", id.into()),
                ("name", name.into()),
                ("age", age.into()),
            ]),
        )
        .map(|_| ())
    })
    .unwrap();
}

fn set(db: &Database, class: &str, id: i64, path: &str, value: Value) {
    db.write(|txn| txn.set(class, &pk(id), path, value))
        .unwrap();
}

fn delete(db: &Database, class: &str, id: i64) {
    db.write(|txn| txn.delete(class, &pk(id)).map(|_| ()))
        .unwrap();
}

/// Collects the events a callback receives.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<ChangeEvent>>>);

impl Recorder {
    fn callback(&self) -> impl Fn(&ChangeEvent) + Send + Sync + 'static {
        let events = self.0.clone();
        move |e| events.lock().unwrap().push(e.clone())
    }

    fn take(&self) -> Vec<ChangeEvent> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn changed(
    keys_now: &[i64],
    deletions: &[u64],
    insertions: &[u64],
    modifications: &[u64],
) -> ChangeEvent {
    ChangeEvent::ResultsChanged {
        keys: keys(keys_now),
        changes: ChangeSet {
            deletions: deletions.to_vec(),
            insertions: insertions.to_vec(),
            modifications: modifications.to_vec(),
        },
    }
}

#[test]
fn initial_results_arrive_before_observe_returns() {
    let db = db();
    add_person(&db, 1, "Ann", 30);
    add_person(&db, 2, "Bob", 10);
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "age > $0", &[20.into()], rec.callback())
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsInitial { keys: keys(&[1]) }]
    );
}

#[test]
fn unsorted_results_report_insertions_deletions_and_modifications() {
    let db = db();
    add_person(&db, 1, "Ann", 30);
    add_person(&db, 2, "Bob", 10);
    add_person(&db, 3, "Cid", 40);
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "age > 20", &[], rec.callback())
        .unwrap();
    rec.take();

    add_person(&db, 4, "Dee", 50);
    assert_eq!(rec.take(), vec![changed(&[1, 3, 4], &[], &[2], &[])]);

    set(&db, "Person", 3, "name", "Cy".into());
    assert_eq!(rec.take(), vec![changed(&[1, 3, 4], &[], &[], &[1])]);

    // Bob starts to match: results keep insertion order, so he enters at index 1.
    set(&db, "Person", 2, "age", 25.into());
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3, 4], &[], &[1], &[])]);

    // Ann stops matching; Cid is deleted: both indices are in the old results.
    db.write(|txn| {
        txn.set("Person", &pk(1), "age", 5.into())?;
        txn.delete("Person", &pk(3)).map(|_| ())
    })
    .unwrap();
    assert_eq!(rec.take(), vec![changed(&[2, 4], &[0, 2], &[], &[])]);
}

#[test]
fn several_changes_in_one_commit_make_one_change_set() {
    let db = db();
    add_person(&db, 1, "Ann", 30);
    add_person(&db, 2, "Bob", 30);
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    rec.take();
    db.write(|txn| {
        txn.create(
            "Person",
            doc(&[("_id", 3.into()), ("name", "Cid".into()), ("age", 1.into())]),
        )?;
        txn.set("Person", &pk(2), "name", "Bo".into())?;
        txn.delete("Person", &pk(1)).map(|_| ())
    })
    .unwrap();
    assert_eq!(rec.take(), vec![changed(&[2, 3], &[0], &[1], &[0])]);
}

#[test]
fn sorted_results_report_a_move_as_deletion_and_insertion() {
    let db = db();
    add_person(&db, 1, "Ann", 10);
    add_person(&db, 2, "Bob", 20);
    add_person(&db, 3, "Cid", 30);
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "TRUEPREDICATE SORT(age ASC)", &[], rec.callback())
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsInitial {
            keys: keys(&[1, 2, 3])
        }]
    );

    // Ann moves from first to last: one deletion (old index 0) and one insertion (new index 2).
    set(&db, "Person", 1, "age", 40.into());
    assert_eq!(rec.take(), vec![changed(&[2, 3, 1], &[0], &[2], &[])]);

    // A change that keeps the order is a modification at the new index.
    set(&db, "Person", 3, "name", "Cy".into());
    assert_eq!(rec.take(), vec![changed(&[2, 3, 1], &[], &[], &[1])]);

    // A new object sorted into the middle.
    add_person(&db, 4, "Dee", 25);
    assert_eq!(rec.take(), vec![changed(&[2, 4, 3, 1], &[], &[1], &[])]);

    // Descending order and a sort key change that keeps the position: a modification.
    set(&db, "Person", 4, "age", 26.into());
    assert_eq!(rec.take(), vec![changed(&[2, 4, 3, 1], &[], &[], &[1])]);
}

#[test]
fn limit_windows_report_objects_entering_and_leaving() {
    let db = db();
    add_person(&db, 1, "Ann", 10);
    add_person(&db, 2, "Bob", 20);
    add_person(&db, 3, "Cid", 30);
    let rec = Recorder::default();
    let _h = db
        .observe_query(
            "Person",
            "TRUEPREDICATE SORT(age ASC) LIMIT(2)",
            &[],
            rec.callback(),
        )
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsInitial {
            keys: keys(&[1, 2])
        }]
    );

    // A younger person enters at the front and pushes Bob out of the window.
    add_person(&db, 4, "Dee", 5);
    assert_eq!(rec.take(), vec![changed(&[4, 1], &[1], &[0], &[])]);

    // Outside the window: nothing to report.
    set(&db, "Person", 3, "name", "Cy".into());
    set(&db, "Person", 2, "age", 35.into());
    assert_eq!(rec.take(), vec![]);

    // Deleting one inside lets the next one in.
    delete(&db, "Person", 4);
    assert_eq!(rec.take(), vec![changed(&[1, 3], &[0], &[1], &[])]);
}

#[test]
fn unrelated_commits_notify_nothing() {
    let db = db();
    add_person(&db, 1, "Ann", 30);
    add_person(&db, 2, "Bob", 10);
    db.write(|txn| {
        txn.create("Dog", doc(&[("_id", 1.into()), ("name", "Rex".into())]))
            .map(|_| ())
    })
    .unwrap();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "age > 20", &[], rec.callback())
        .unwrap();
    rec.take();
    // Another class, an unlinked dog, a non-matching person, an empty commit.
    db.write(|txn| {
        txn.create("Note", doc(&[("text", "hi".into())]))
            .map(|_| ())
    })
    .unwrap();
    set(&db, "Dog", 1, "name", "Max".into());
    set(&db, "Person", 2, "name", "Bo".into());
    db.write(|_| Ok::<_, Error>(())).unwrap();
    assert_eq!(rec.take(), vec![]);
}

#[test]
fn changes_to_linked_objects_are_modifications() {
    let db = db();
    db.write(|txn| {
        txn.create("Toy", doc(&[("_id", 1.into()), ("name", "ball".into())]))?;
        txn.create(
            "Dog",
            doc(&[
                ("_id", 1.into()),
                ("name", "Rex".into()),
                ("toy", link("Toy", 1)),
            ]),
        )?;
        txn.create("Dog", doc(&[("_id", 2.into()), ("name", "Max".into())]))?;
        txn.create("Dog", doc(&[("_id", 3.into()), ("name", "Fido".into())]))?;
        txn.create(
            "Person",
            doc(&[
                ("_id", 1.into()),
                ("name", "Ann".into()),
                ("age", 1.into()),
                ("best", link("Dog", 1)),
            ]),
        )?;
        txn.create(
            "Person",
            doc(&[
                ("_id", 2.into()),
                ("name", "Bob".into()),
                ("age", 2.into()),
                ("pets", Value::List(vec![link("Dog", 2)])),
            ]),
        )?;
        txn.create(
            "Person",
            doc(&[("_id", 3.into()), ("name", "Cid".into()), ("age", 3.into())]),
        )
        .map(|_| ())
    })
    .unwrap();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    rec.take();

    // Through a to-one link.
    set(&db, "Dog", 1, "name", "Rexy".into());
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[0])]);
    // Through a list of links.
    set(&db, "Dog", 2, "name", "Maxi".into());
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[1])]);
    // Two links away.
    set(&db, "Toy", 1, "name", "bone".into());
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[0])]);
    // A dog nobody links to.
    set(&db, "Dog", 3, "name", "Fifi".into());
    assert_eq!(rec.take(), vec![]);
    // Deleting a linked dog removes it from Bob's list: Bob is modified.
    delete(&db, "Dog", 2);
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[1])]);
    // Inside an embedded object.
    set(
        &db,
        "Person",
        3,
        "address",
        Value::Embedded(doc(&[("street", "Main".into())])),
    );
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[2])]);
    set(&db, "Person", 3, "address.street", "High".into());
    assert_eq!(rec.take(), vec![changed(&[1, 2, 3], &[], &[], &[2])]);
}

/// Classes `{prefix}0` … `{prefix}5` each link to the next through `next`: an observer of
/// `{prefix}0` hears of changes up to [`LINK_DEPTH`] links away, and not beyond.
fn assert_changes_count_up_to_the_link_depth(db: &Database, prefix: &str) {
    db.write(|txn| {
        for i in (0..6).rev() {
            let mut d = doc(&[("_id", 1.into()), ("v", 0.into())]);
            if i < 5 {
                d.insert("next", link(&format!("{prefix}{}", i + 1), 1));
            }
            txn.create(&format!("{prefix}{i}"), d)?;
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    let rec = Recorder::default();
    let _h = db
        .observe_query(&format!("{prefix}0"), "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    rec.take();
    for i in 1..=LINK_DEPTH {
        set(db, &format!("{prefix}{i}"), 1, "v", 1.into());
        assert_eq!(
            rec.take(),
            vec![changed(&[1], &[], &[], &[0])],
            "{prefix}{i}"
        );
    }
    set(db, &format!("{prefix}{}", LINK_DEPTH + 1), 1, "v", 1.into());
    assert_eq!(rec.take(), vec![]);
}

#[test]
fn linked_changes_count_up_to_the_link_depth() {
    let db = db();
    assert_changes_count_up_to_the_link_depth(&db, "L");
}

#[test]
fn queries_through_links_see_changes_of_the_linked_class() {
    let db = db();
    db.write(|txn| {
        txn.create("Dog", doc(&[("_id", 1.into()), ("name", "Rex".into())]))?;
        txn.create(
            "Person",
            doc(&[
                ("_id", 1.into()),
                ("name", "Ann".into()),
                ("age", 1.into()),
                ("best", link("Dog", 1)),
            ]),
        )
        .map(|_| ())
    })
    .unwrap();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Person", "best.name == 'Max'", &[], rec.callback())
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsInitial { keys: vec![] }]
    );
    set(&db, "Dog", 1, "name", "Max".into());
    assert_eq!(rec.take(), vec![changed(&[1], &[], &[0], &[])]);
}

#[test]
fn classes_without_primary_key_use_row_keys() {
    let db = db();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Note", "text BEGINSWITH 'a'", &[], rec.callback())
        .unwrap();
    rec.take();
    let row = db
        .write(|txn| txn.create("Note", doc(&[("text", "abc".into())])))
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsChanged {
            keys: vec![row.clone()],
            changes: ChangeSet {
                insertions: vec![0],
                ..ChangeSet::default()
            }
        }]
    );
    db.write(|txn| txn.set("Note", &row, "text", "abd".into()))
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsChanged {
            keys: vec![row],
            changes: ChangeSet {
                modifications: vec![0],
                ..ChangeSet::default()
            }
        }]
    );
}

fn object_changes(events: Vec<ChangeEvent>) -> Vec<Vec<String>> {
    events
        .into_iter()
        .map(|e| match e {
            ChangeEvent::ObjectChanged { properties, .. } => properties,
            other => panic!("expected ObjectChanged, got {other:?}"),
        })
        .collect()
}

#[test]
fn object_observers_name_the_changed_properties() {
    let db = db();
    db.write(|txn| {
        txn.create("Dog", doc(&[("_id", 1.into()), ("name", "Rex".into())]))?;
        txn.create(
            "Person",
            doc(&[("_id", 2.into()), ("name", "Bob".into()), ("age", 1.into())]),
        )?;
        txn.create(
            "Person",
            doc(&[
                ("_id", 1.into()),
                ("name", "Ann".into()),
                ("age", 1.into()),
                ("best", link("Dog", 1)),
                ("friend", link("Person", 2)),
            ]),
        )
        .map(|_| ())
    })
    .unwrap();
    let rec = Recorder::default();
    let h = db.observe_object("Person", &pk(1), rec.callback()).unwrap();
    match rec.take().as_slice() {
        [ChangeEvent::ObjectInitial { object }] => {
            assert_eq!(object.get("name"), Some(&Value::from("Ann")))
        }
        other => panic!("unexpected {other:?}"),
    }

    set(&db, "Person", 1, "name", "Anna".into());
    let events = rec.take();
    match events.as_slice() {
        [ChangeEvent::ObjectChanged { object, properties }] => {
            assert_eq!(properties, &vec!["name".to_owned()]);
            assert_eq!(object.get("name"), Some(&Value::from("Anna")));
        }
        other => panic!("unexpected {other:?}"),
    }

    // Several properties in one commit come in schema order.
    db.write(|txn| {
        txn.list_push("Person", &pk(1), "tags", "x".into())?;
        txn.set("Person", &pk(1), "age", 2.into())?;
        txn.set(
            "Person",
            &pk(1),
            "address",
            Value::Embedded(doc(&[("street", "Main".into())])),
        )
    })
    .unwrap();
    assert_eq!(
        object_changes(rec.take()),
        vec![vec!["age", "address", "tags"]]
    );

    set(&db, "Person", 1, "address.street", "High".into());
    assert_eq!(object_changes(rec.take()), vec![vec!["address"]]);

    // Linked objects: the link property is named.
    set(&db, "Dog", 1, "name", "Max".into());
    assert_eq!(object_changes(rec.take()), vec![vec!["best"]]);
    set(&db, "Person", 2, "name", "Bo".into());
    assert_eq!(object_changes(rec.take()), vec![vec!["friend"]]);

    // Other objects of the class: nothing.
    add_person(&db, 3, "Cid", 3);
    assert_eq!(rec.take(), vec![]);

    // Deleting a linked object nulls the link.
    delete(&db, "Dog", 1);
    assert_eq!(object_changes(rec.take()), vec![vec!["best"]]);

    assert!(h.is_active());
    delete(&db, "Person", 1);
    assert_eq!(rec.take(), vec![ChangeEvent::ObjectDeleted]);
    assert!(!h.is_active());
    // Recreating an object with that key does not revive the observation.
    add_person(&db, 1, "Ann", 1);
    assert_eq!(rec.take(), vec![]);
}

#[test]
fn bad_observations_are_errors() {
    let db = db();
    let rec = Recorder::default();
    let missing = db
        .observe_object("Person", &pk(9), rec.callback())
        .unwrap_err();
    assert!(missing.to_string().contains("Person"), "{missing}");
    let embedded = db
        .observe_object("Address", &pk(1), rec.callback())
        .unwrap_err();
    assert!(embedded.to_string().contains("embedded"), "{embedded}");
    let unknown = db
        .observe_object("Nope", &pk(1), rec.callback())
        .unwrap_err();
    assert!(unknown.to_string().contains("Nope"), "{unknown}");
    let syntax = db
        .observe_query("Person", "age >", &[], rec.callback())
        .unwrap_err();
    assert!(matches!(syntax, Error::Query(_)), "{syntax}");
    let class = db
        .observe_query("Nope", "TRUEPREDICATE", &[], rec.callback())
        .unwrap_err();
    assert!(class.to_string().contains("Nope"), "{class}");
    let arg = db
        .observe_query("Person", "age > $0", &[], rec.callback())
        .unwrap_err();
    assert!(matches!(arg, Error::Query(_)), "{arg}");
    assert_eq!(rec.take(), vec![]);
    // Failed observations leave no hook behind.
    add_person(&db, 1, "Ann", 1);
    assert_eq!(rec.take(), vec![]);
}

#[test]
fn cancel_and_drop_stop_notifications() {
    let db = db();
    let (a, b) = (Recorder::default(), Recorder::default());
    let ha = db
        .observe_query("Person", "TRUEPREDICATE", &[], a.callback())
        .unwrap();
    let hb = db
        .observe_query("Person", "TRUEPREDICATE", &[], b.callback())
        .unwrap();
    add_person(&db, 1, "Ann", 1);
    assert_eq!(a.take().len(), 2);
    assert_eq!(b.take().len(), 2);

    ha.cancel();
    ha.cancel();
    assert!(!ha.is_active());
    drop(hb);
    add_person(&db, 2, "Bob", 1);
    assert_eq!(a.take(), vec![]);
    assert_eq!(b.take(), vec![]);

    // Object observers too.
    let c = Recorder::default();
    let hc = db.observe_object("Person", &pk(1), c.callback()).unwrap();
    drop(hc);
    set(&db, "Person", 1, "name", "Anna".into());
    assert_eq!(c.take().len(), 1);
}

#[test]
fn a_callback_can_cancel_its_own_observer() {
    let db = db();
    let slot: Arc<Mutex<Option<ObserverHandle>>> = Arc::default();
    let count = Arc::new(Mutex::new(0));
    let (s, n) = (slot.clone(), count.clone());
    let handle = db
        .observe_query("Person", "TRUEPREDICATE", &[], move |e| {
            *n.lock().unwrap() += 1;
            if matches!(e, ChangeEvent::ResultsChanged { .. }) {
                if let Some(h) = s.lock().unwrap().take() {
                    h.cancel();
                }
            }
        })
        .unwrap();
    *slot.lock().unwrap() = Some(handle);
    add_person(&db, 1, "Ann", 1);
    add_person(&db, 2, "Bob", 1);
    assert_eq!(*count.lock().unwrap(), 2);
}

#[test]
fn a_callback_can_read_and_write_the_database() {
    let db = db();
    let rec = Recorder::default();
    let inner = rec.callback();
    let writer = db.clone();
    let _h = db
        .observe_query("Person", "TRUEPREDICATE SORT(_id ASC)", &[], move |e| {
            inner(e);
            if let ChangeEvent::ResultsChanged { keys, .. } = e {
                // Reading sees at least the commit being delivered.
                let n = writer.read(|txn| txn.objects("Person")).unwrap().len();
                assert!(n >= keys.len());
                // Writing from the callback: its commit is delivered after this returns.
                if keys.len() == 1 {
                    writer
                        .write(|txn| {
                            txn.create(
                                "Person",
                                doc(&[
                                    ("_id", 100.into()),
                                    ("name", "Echo".into()),
                                    ("age", 0.into()),
                                ]),
                            )
                            .map(|_| ())
                        })
                        .unwrap();
                }
            }
        })
        .unwrap();
    rec.take();
    add_person(&db, 1, "Ann", 1);
    assert_eq!(
        rec.take(),
        vec![
            changed(&[1], &[], &[0], &[]),
            changed(&[1, 100], &[], &[1], &[])
        ]
    );
}

#[test]
fn a_callback_can_start_another_observer() {
    let db = db();
    let rec = Recorder::default();
    let started: Arc<Mutex<Vec<ObserverHandle>>> = Arc::default();
    let (db2, st, rec2) = (db.clone(), started.clone(), rec.clone());
    let _h = db
        .observe_query("Person", "TRUEPREDICATE", &[], move |e| {
            let mut started = st.lock().unwrap();
            if matches!(e, ChangeEvent::ResultsChanged { .. }) && started.is_empty() {
                let h = db2
                    .observe_object("Person", &pk(1), rec2.callback())
                    .unwrap();
                started.push(h);
            }
        })
        .unwrap();
    add_person(&db, 1, "Ann", 1);
    assert!(matches!(
        rec.take().as_slice(),
        [ChangeEvent::ObjectInitial { .. }]
    ));
    set(&db, "Person", 1, "age", 2.into());
    assert_eq!(object_changes(rec.take()), vec![vec!["age"]]);
}

/// Applies an update to the previous keys the way a list view would.
fn replay(previous: &[PrimaryKey], event: &ChangeEvent) -> Vec<PrimaryKey> {
    let ChangeEvent::ResultsChanged { keys, changes } = event else {
        panic!("expected ResultsChanged, got {event:?}");
    };
    let mut out = previous.to_vec();
    for &d in changes.deletions.iter().rev() {
        out.remove(usize::try_from(d).unwrap());
    }
    for &i in &changes.insertions {
        let i = usize::try_from(i).unwrap();
        out.insert(i, keys[i].clone());
    }
    out
}

#[test]
fn commits_from_other_threads_are_delivered_in_order() {
    let db = db();
    let rec = Recorder::default();
    let h = db
        .observe_query("Person", "age >= 0 SORT(age DESC)", &[], rec.callback())
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let id = t * 100 + i;
                    add_person(&db, id, "x", (id * 7919) % 101);
                    if i % 3 == 0 {
                        set(&db, "Person", id, "age", ((id * 31) % 97).into());
                    }
                    if i % 5 == 0 {
                        delete(&db, "Person", id);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let events = rec.take();
    let ChangeEvent::ResultsInitial { keys: initial } = &events[0] else {
        panic!("first event is not the initial one: {:?}", events[0]);
    };
    // Replaying every change set over the previous results gives each event's results, and
    // the last one is what the query returns now.
    let mut current = initial.clone();
    for event in &events[1..] {
        current = replay(&current, event);
        let ChangeEvent::ResultsChanged { keys, .. } = event else {
            unreachable!()
        };
        assert_eq!(&current, keys);
    }
    let now = db
        .read(|txn| {
            txn.query_bound(&BoundQuery::new(
                "age >= 0 SORT(age DESC)",
                db.schema(),
                "Person",
                &[],
            )?)
        })
        .unwrap();
    assert_eq!(current, now.keys);
    assert_eq!(current.len(), 4 * 20);
    drop(h);
}

#[test]
fn an_observer_sees_commits_made_on_another_thread() {
    let db = db();
    add_person(&db, 1, "Ann", 1);
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = Mutex::new(tx);
    let _h = db
        .observe_object("Person", &pk(1), move |e| {
            let _ = tx.lock().unwrap().send(e.clone());
        })
        .unwrap();
    assert!(matches!(
        rx.recv().unwrap(),
        ChangeEvent::ObjectInitial { .. }
    ));
    let other = db.clone();
    std::thread::spawn(move || set(&other, "Person", 1, "age", 2.into()))
        .join()
        .unwrap();
    match rx.recv().unwrap() {
        ChangeEvent::ObjectChanged { properties, .. } => assert_eq!(properties, vec!["age"]),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_failing_rerun_is_an_error_event() {
    let db = db();
    add_person(&db, 1, "Ann", 1);
    let rec = Recorder::default();
    let h = db
        .observe_query(
            "Person",
            "best.name == 'Rex' OR age > 0",
            &[],
            rec.callback(),
        )
        .unwrap();
    rec.take();
    // Break the file behind the engine's back: the query joins the Dog table.
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    raw.execute_batch("DROP TABLE \"Dog\"").unwrap();
    drop(raw);
    set(&db, "Person", 1, "name", "Anna".into());
    match rec.take().as_slice() {
        [ChangeEvent::Error { message }] => assert!(message.contains("Dog"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(h.is_active());
}

#[test]
fn an_observer_does_not_keep_the_database_open() {
    let db = db();
    let path = db.path().to_path_buf();
    let rec = Recorder::default();
    let h = db
        .observe_query("Person", "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    drop(db);
    // The temporary file is deleted when the last database handle goes.
    assert!(!path.exists());
    h.cancel();
}

#[test]
fn changesets_from_other_replicas_notify_like_local_commits() {
    let (a, b) = (db(), db());
    let results = Recorder::default();
    let object = Recorder::default();
    let _q = b
        .observe_query(
            "Person",
            "TRUEPREDICATE SORT(age ASC)",
            &[],
            results.callback(),
        )
        .unwrap();
    results.take();

    add_person(&a, 1, "Ann", 30);
    add_person(&a, 2, "Bob", 20);
    for (_, changeset) in a.outbox().unwrap() {
        b.apply_remote_changeset(&changeset).unwrap();
    }
    assert_eq!(
        results.take(),
        vec![
            changed(&[1], &[], &[0], &[]),
            changed(&[2, 1], &[], &[0], &[])
        ]
    );

    let _o = b
        .observe_object("Person", &pk(1), object.callback())
        .unwrap();
    object.take();
    set(&a, "Person", 1, "name", "Anna".into());
    let changeset = a.outbox().unwrap().pop().unwrap().1;
    b.apply_remote_changeset(&changeset).unwrap();
    assert_eq!(results.take(), vec![changed(&[2, 1], &[], &[], &[1])]);
    assert_eq!(object_changes(object.take()), vec![vec!["name"]]);
    // Applying it again changes nothing and notifies nothing.
    b.apply_remote_changeset(&changeset).unwrap();
    assert_eq!(results.take(), vec![]);
    assert_eq!(object.take(), vec![]);
}

#[test]
fn handles_and_events_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ObserverHandle>();
    send_sync::<ChangeEvent>();
}

/// Links held inside embedded objects (at any nesting, in single, list and dictionary slots)
/// and inside `mixed` values (single, list, dictionary, and in an embedded object).
fn nested_links_schema() -> Schema {
    let city = |name: &str, extra: Vec<Property>| {
        let mut props = vec![
            Property::new("_id", PropertyType::Int),
            Property::new("name", PropertyType::String),
        ];
        props.extend(extra);
        ObjectSchema::new(name, props).with_primary_key("_id")
    };
    let mut classes = vec![
        ObjectSchema::new(
            "Owner",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::link("home", "Home"),
                Property::link("places", "Home").list(),
                Property::link("homes", "Home").dictionary().optional(),
                Property::new("any", PropertyType::Mixed).optional(),
                Property::new("anys", PropertyType::Mixed).optional().list(),
                Property::new("bag", PropertyType::Mixed)
                    .optional()
                    .dictionary(),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Home",
            vec![
                Property::new("street", PropertyType::String).optional(),
                Property::link("city", "City"),
                Property::link("deep", "Inner"),
                Property::new("extra", PropertyType::Mixed).optional(),
            ],
        )
        .into_embedded(),
        ObjectSchema::new("Inner", vec![Property::link("city", "City")]).into_embedded(),
        city("City", vec![Property::link("country", "Country")]),
        city("Country", vec![]),
    ];
    // M0 → M1 → … → M5 through mixed values, for the link depth.
    for i in 0..6 {
        classes.push(
            ObjectSchema::new(
                format!("M{i}"),
                vec![
                    Property::new("_id", PropertyType::Int),
                    Property::new("v", PropertyType::Int),
                    Property::new("next", PropertyType::Mixed).optional(),
                ],
            )
            .with_primary_key("_id"),
        );
    }
    Schema::new(classes)
}

fn home_in(city: i64) -> Value {
    Value::Embedded(doc(&[("city", link("City", city))]))
}

/// Owners 1…8, 10 and 11 each reach City n (n = their key) by another route; Owner 9 reaches
/// none; City 12 is reached by no owner.
fn nested_links_db() -> Database {
    let db = Database::open_temporary(Config::new(nested_links_schema())).unwrap();
    db.write(|txn| {
        txn.create("Country", doc(&[("_id", 1.into()), ("name", "A".into())]))?;
        txn.create("Country", doc(&[("_id", 2.into()), ("name", "B".into())]))?;
        for n in 1..=12 {
            let mut city = doc(&[("_id", n.into()), ("name", format!("c{n}").into())]);
            match n {
                1 => city.insert("country", link("Country", 1)),
                4 => city.insert("country", link("Country", 2)),
                _ => None,
            };
            txn.create("City", city)?;
        }
        let owners = vec![
            ("home", home_in(1)),
            ("places", Value::List(vec![home_in(2)])),
            (
                "homes",
                Value::Dictionary([("x".to_owned(), home_in(3))].into()),
            ),
            ("any", link("City", 4)),
            ("anys", Value::List(vec![1.into(), link("City", 5)])),
            (
                "bag",
                Value::Dictionary([("k".to_owned(), link("City", 6))].into()),
            ),
            (
                "home",
                Value::Embedded(doc(&[(
                    "deep",
                    Value::Embedded(doc(&[("city", link("City", 7))])),
                )])),
            ),
            ("home", Value::Embedded(doc(&[("extra", link("City", 8))]))),
            ("any", "no link".into()),
            // Lists and dictionaries held in mixed values (nested collections).
            (
                "any",
                Value::List(vec![
                    1.into(),
                    Value::Dictionary([("deep".to_owned(), link("City", 10))].into()),
                ]),
            ),
            (
                "anys",
                Value::List(vec![Value::List(vec![link("City", 11)])]),
            ),
        ];
        for (i, (property, value)) in owners.into_iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 1;
            txn.create("Owner", doc(&[("_id", id.into()), (property, value)]))?;
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    db
}

#[test]
fn links_inside_embedded_objects_and_mixed_values_are_followed() {
    let db = nested_links_db();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Owner", "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    rec.take();
    let all: Vec<i64> = (1..=11).collect();
    for n in (1..=8u64).chain([10, 11]) {
        set(
            &db,
            "City",
            i64::try_from(n).unwrap(),
            "name",
            "renamed".into(),
        );
        assert_eq!(
            rec.take(),
            vec![changed(&all, &[], &[], &[n - 1])],
            "the route of owner {n}"
        );
    }
    // Cities no owner reaches.
    set(&db, "City", 9, "name", "renamed".into());
    set(&db, "City", 12, "name", "renamed".into());
    assert_eq!(rec.take(), vec![]);
    // Two links away: an embedded object's link, then a city's link; a mixed link, then a
    // city's link.
    set(&db, "Country", 1, "name", "AA".into());
    assert_eq!(rec.take(), vec![changed(&all, &[], &[], &[0])]);
    set(&db, "Country", 2, "name", "BB".into());
    assert_eq!(rec.take(), vec![changed(&all, &[], &[], &[3])]);
    // A link that leaves the embedded object or the mixed value is no longer followed.
    set(&db, "Owner", 1, "home.city", Value::Null);
    rec.take();
    set(&db, "Owner", 4, "any", 5.into());
    rec.take();
    set(&db, "City", 1, "name", "again".into());
    set(&db, "City", 4, "name", "again".into());
    assert_eq!(rec.take(), vec![]);
}

#[test]
fn deleting_an_object_linked_from_an_embedded_object_or_a_mixed_value_modifies_the_holder() {
    let db = nested_links_db();
    let rec = Recorder::default();
    let _h = db
        .observe_query("Owner", "TRUEPREDICATE", &[], rec.callback())
        .unwrap();
    rec.take();
    let all: Vec<i64> = (1..=11).collect();
    for (city, owner) in [(2, 1u64), (7, 6), (8, 7), (5, 4)] {
        delete(&db, "City", city);
        assert_eq!(
            rec.take(),
            vec![changed(&all, &[], &[], &[owner])],
            "deleting city {city}"
        );
    }
}

#[test]
fn object_observers_name_the_property_holding_the_embedded_or_mixed_link() {
    let db = nested_links_db();
    let cases = [
        (1, "home"),
        (2, "places"),
        (3, "homes"),
        (4, "any"),
        (5, "anys"),
        (6, "bag"),
        (7, "home"),
        (8, "home"),
        (10, "any"),
        (11, "anys"),
    ];
    for (id, property) in cases {
        let rec = Recorder::default();
        let _h = db.observe_object("Owner", &pk(id), rec.callback()).unwrap();
        rec.take();
        set(&db, "City", id, "name", format!("renamed {id}").into());
        assert_eq!(
            object_changes(rec.take()),
            vec![vec![property]],
            "owner {id}"
        );
        // Another owner's city: nothing for this one.
        set(
            &db,
            "City",
            id % 11 + 1,
            "name",
            format!("other {id}").into(),
        );
        assert_eq!(rec.take(), vec![], "owner {id}");
    }
}

#[test]
fn links_in_mixed_values_count_toward_the_link_depth() {
    let db = Database::open_temporary(Config::new(nested_links_schema())).unwrap();
    assert_changes_count_up_to_the_link_depth(&db, "M");
}

#[test]
fn backlinks_from_embedded_objects_rerun_the_query() {
    // `@links` through an embedded class: the linking objects live inside `Owner` objects,
    // so a change to an owner's embedded address must re-run the query on `House`.
    let schema = Schema::new(vec![
        ObjectSchema::new("House", vec![Property::new("_id", PropertyType::Int)])
            .with_primary_key("_id"),
        ObjectSchema::new("Addr", vec![Property::link("home", "House")]).into_embedded(),
        ObjectSchema::new(
            "Owner",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::link("addr", "Addr"),
            ],
        )
        .with_primary_key("_id"),
    ]);
    let db = Database::open_temporary(Config::new(schema)).unwrap();
    db.write(|txn| {
        txn.create("House", doc(&[("_id", 1.into())]))?;
        txn.create("House", doc(&[("_id", 2.into())])).map(|_| ())
    })
    .unwrap();
    let rec = Recorder::default();
    let _h = db
        .observe_query("House", "@links.Addr.home.@count > 0", &[], rec.callback())
        .unwrap();
    assert_eq!(
        rec.take(),
        vec![ChangeEvent::ResultsInitial { keys: vec![] }]
    );
    let mut addr = Document::new();
    addr.insert("home", link("House", 2));
    db.write(|txn| {
        txn.create(
            "Owner",
            doc(&[("_id", 1.into()), ("addr", Value::Embedded(addr))]),
        )
        .map(|_| ())
    })
    .unwrap();
    assert_eq!(rec.take(), vec![changed(&[2], &[], &[0], &[])]);
    set(&db, "Owner", 1, "addr.home", link("House", 1));
    assert_eq!(rec.take(), vec![changed(&[1], &[0], &[0], &[])]);
    set(&db, "Owner", 1, "addr.home", Value::Null);
    assert_eq!(rec.take(), vec![changed(&[], &[0], &[], &[])]);
}
