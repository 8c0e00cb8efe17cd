//! Lists and dictionaries held in `mixed` properties (Realm 2024+) survive storage with the
//! outbox on, come back unchanged, and answer nested-collection queries through SQLite; a set
//! or an embedded object inside a mixed is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use syncline_core::{
    Config, Database, Document, Error, ObjectSchema, PrimaryKey, Property, PropertyType, Schema,
    Value,
};

fn schema() -> Schema {
    Schema::new(vec![ObjectSchema::new(
        "Doc",
        vec![
            Property::new("_id", PropertyType::Int),
            Property::new("value", PropertyType::Mixed),
            Property::new("tags", PropertyType::Int).list(),
            Property::new("items", PropertyType::Mixed).list(),
        ],
    )
    .with_primary_key("_id")])
}

fn doc(id: i64, value: Value) -> Document {
    let mut d = Document::new();
    d.insert("_id", Value::Int(id));
    d.insert("value", value);
    d
}

fn nested() -> Value {
    let mut inner = BTreeMap::new();
    inner.insert("b".to_owned(), Value::Int(2));
    inner.insert("list".to_owned(), Value::List(vec![Value::from("x")]));
    Value::List(vec![
        Value::Int(1),
        Value::Dictionary(inner),
        Value::List(vec![Value::Double(0.5), Value::Null]),
    ])
}

#[test]
fn nested_collections_round_trip_and_query() {
    let db = Database::open_temporary(Config::new(schema())).unwrap();
    db.write(|t| {
        t.create("Doc", doc(1, nested()))?;
        t.create("Doc", doc(2, Value::from("flat")))?;
        Ok::<_, Error>(())
    })
    .unwrap();
    let txn = db.begin_read().unwrap();
    let stored = txn.get("Doc", &PrimaryKey::Int(1)).unwrap().unwrap();
    assert_eq!(stored.get("value"), Some(&nested()));
    for (query, want) in [
        ("value[1].b == 2", vec![1]),
        ("value[1]['list'][0] == 'x'", vec![1]),
        ("value[2][*] == 0.5", vec![1]),
        ("value[*].@type == 'dictionary'", vec![1]),
        ("value.@size == 3", vec![1]),
        ("value.@type == 'string'", vec![2]),
    ] {
        let keys = txn.query("Doc", query, &[]).unwrap().keys;
        let want: Vec<PrimaryKey> = want.into_iter().map(PrimaryKey::Int).collect();
        assert_eq!(keys, want, "{query}");
    }
    // The outbox carries the write.
    assert!(!db.outbox().unwrap().is_empty());
}

#[test]
fn sets_and_embedded_objects_inside_mixed_are_refused() {
    let db = Database::open_temporary(Config::new(schema())).unwrap();
    let set = Value::List(vec![Value::Set(vec![Value::Int(1)])]);
    let err = db
        .write(|t| t.create("Doc", doc(1, set)).map(|_| ()))
        .unwrap_err();
    assert!(err.to_string().contains("value"), "{err}");
    let count = db.begin_read().unwrap().count("Doc", "TRUEPREDICATE", &[]);
    assert_eq!(count.unwrap(), 0);
}

#[test]
fn nested_collections_travel_in_changesets() {
    let local = Database::open_temporary(Config::new(schema())).unwrap();
    local
        .write(|t| {
            let pk = t.create("Doc", doc(1, nested()))?;
            // A list of mixed whose element is itself a list travels as element instructions.
            let element = Value::List(vec![Value::Int(7), Value::from("y")]);
            t.set("Doc", &pk, "items", Value::List(vec![element]))
        })
        .unwrap();
    let remote = Database::open_temporary(Config::new(schema())).unwrap();
    for (_, changeset) in local.outbox().unwrap() {
        remote.apply_remote_changeset(&changeset).unwrap();
    }
    let txn = remote.begin_read().unwrap();
    let stored = txn.get("Doc", &PrimaryKey::Int(1)).unwrap().unwrap();
    assert_eq!(stored.get("value"), Some(&nested()));
    for query in [
        "value[1].list[0] == 'x'",
        "items[0][1] == 'y'",
        "items[0].@size == 2",
    ] {
        let keys = txn.query("Doc", query, &[]).unwrap().keys;
        assert_eq!(keys, vec![PrimaryKey::Int(1)], "{query}");
    }
}

#[test]
fn a_typed_list_is_never_replaced_whole_by_a_remote_changeset() {
    use syncline_core::sync::{Operation, PathSegment};
    let local = Database::open_temporary(Config::new(schema())).unwrap();
    local
        .write(|t| t.create("Doc", doc(1, nested())).map(|_| ()))
        .unwrap();
    let remote = Database::open_temporary(Config::new(schema())).unwrap();
    for (_, mut changeset) in local.outbox().unwrap() {
        // Aim the whole-list write at the typed list instead of the mixed field.
        for instruction in &mut changeset.instructions {
            if matches!(instruction.op, Operation::Set { .. })
                && instruction.path == vec![PathSegment::Property("value".into())]
            {
                instruction.path = vec![PathSegment::Property("tags".into())];
                instruction.op = Operation::Set {
                    value: Value::List(vec![Value::Int(1)]),
                };
            }
        }
        let err = remote.apply_remote_changeset(&changeset).unwrap_err();
        assert!(err.to_string().contains("element instructions"), "{err}");
    }
    // Nothing of the rejected changeset was kept.
    let count = remote
        .begin_read()
        .unwrap()
        .count("Doc", "TRUEPREDICATE", &[]);
    assert_eq!(count.unwrap(), 0);
}
