//! `GEOWITHIN`: binding errors point at the shape and say what is wrong; `matches` (the sync
//! server's per-object test) agrees with whole-query evaluation; lists of points take
//! quantifiers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use syncline_core::query::{BoundQuery, MemoryStore, QueryError};
use syncline_core::{
    Document, Link, ObjectSchema, PrimaryKey, Property, PropertyType, Schema, Value,
};

fn schema() -> Schema {
    Schema::new(vec![
        ObjectSchema::new(
            "Place",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String),
                Property::link("location", "Point"),
                Property::link("stops", "Point").list(),
            ],
        )
        .with_primary_key("_id"),
        ObjectSchema::new(
            "Point",
            vec![
                Property::new("type", PropertyType::String),
                Property::new("coordinates", PropertyType::Double).list(),
            ],
        )
        .into_embedded(),
    ])
}

fn point(lon: f64, lat: f64) -> Value {
    let mut d = Document::new();
    d.insert("type", Value::from("Point"));
    d.insert(
        "coordinates",
        Value::List(vec![Value::Double(lon), Value::Double(lat)]),
    );
    Value::Embedded(d)
}

fn store() -> MemoryStore {
    let mut store = MemoryStore::new(schema());
    for (id, location, stops) in [
        (
            1,
            point(2.35, 48.86),
            vec![point(2.35, 48.86), point(13.4, 52.52)],
        ),
        (2, point(13.4, 52.52), vec![point(13.4, 52.52)]),
        (3, Value::Null, vec![]),
    ] {
        let mut d = Document::new();
        d.insert("_id", Value::Int(id));
        d.insert("name", Value::from(format!("p{id}")));
        d.insert("location", location);
        d.insert("stops", Value::List(stops));
        store.insert("Place", d).unwrap();
    }
    store
}

fn ids(store: &MemoryStore, query: &str, args: &[Value]) -> Vec<i64> {
    let q = BoundQuery::new(query, store.schema(), "Place", args).unwrap();
    let keys = q.evaluate(store).unwrap();
    // `matches` must agree object by object.
    for id in 1..=3 {
        let link = Link {
            class: "Place".into(),
            pk: PrimaryKey::Int(id),
        };
        let hit = keys.contains(&PrimaryKey::Int(id));
        assert_eq!(q.matches(store, &link).unwrap(), hit, "{query} on {id}");
    }
    keys.into_iter()
        .map(|k| match k {
            PrimaryKey::Int(i) => i,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn invalid(query: &str, args: &[Value]) -> (usize, String) {
    match BoundQuery::new(query, &schema(), "Place", args).unwrap_err() {
        QueryError::Invalid { position, message } => (position, message),
        QueryError::Argument { message, .. } => (usize::MAX, message),
        other => panic!("{query}: {other:?}"),
    }
}

#[test]
fn circles_boxes_polygons_and_quantifiers() {
    let s = store();
    // 0.01 rad is about 64 km: Paris only.
    assert_eq!(
        ids(&s, "location GEOWITHIN geoCircle([2.3, 48.8], 0.01)", &[]),
        vec![1]
    );
    assert_eq!(
        ids(&s, "location GEOWITHIN geoBox([0, 45], [20, 55])", &[]),
        vec![1, 2]
    );
    assert_eq!(
        ids(
            &s,
            "location GEOWITHIN geoPolygon({[10, 50], [15, 50], [15, 55], [10, 55], [10, 50]})",
            &[]
        ),
        vec![2]
    );
    assert_eq!(
        ids(&s, "ANY stops GEOWITHIN geoCircle([13.4, 52.5], 0.01)", &[]),
        vec![1, 2]
    );
    assert_eq!(
        ids(&s, "ALL stops GEOWITHIN geoCircle([13.4, 52.5], 0.01)", &[]),
        vec![2, 3]
    );
    assert_eq!(
        ids(
            &s,
            "NONE stops GEOWITHIN geoCircle([13.4, 52.5], 0.01)",
            &[]
        ),
        vec![3]
    );
    let mut circle = BTreeMap::new();
    circle.insert(
        "center".to_owned(),
        Value::List(vec![Value::Double(2.3), Value::Double(48.8)]),
    );
    circle.insert("distance".to_owned(), Value::Double(0.01));
    assert_eq!(
        ids(&s, "location GEOWITHIN $0", &[Value::Dictionary(circle)]),
        vec![1]
    );
}

#[test]
fn bad_shapes_are_positioned_errors() {
    let q = "location GEOWITHIN geoCircle([0, 0], -1.0)";
    let (pos, msg) = invalid(q, &[]);
    assert_eq!(pos, q.find("-1.0").unwrap());
    assert!(msg.contains("non-negative"), "{msg}");
    let q = "location GEOWITHIN geoBox([0, 0], [1, 95.5])";
    let (pos, msg) = invalid(q, &[]);
    assert_eq!(pos, q.find("[1, 95.5]").unwrap());
    assert!(msg.contains("latitude 95.5"), "{msg}");
    // As in realm-core's grammar, a negative coordinate is a float: `-1` is a syntax error.
    let q = "location GEOWITHIN geoCircle([-45, 0], 1.0)";
    match BoundQuery::new(q, &schema(), "Place", &[]).unwrap_err() {
        QueryError::Syntax { position, message } => {
            assert_eq!(position, q.find("-45").unwrap());
            assert!(message.contains("float"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let (pos, msg) = invalid("location GEOWITHIN geoCircle([1, 2, 3], 1.0)", &[]);
    assert_eq!(pos, 29);
    assert!(msg.contains("exactly 2 coordinates"), "{msg}");
    let crossing = "location GEOWITHIN geoPolygon({[50.0, -50.0], [55, 55], [-50.0, 50], [70, -25.0], [50.0, -50.0]})";
    let (_, msg) = invalid(crossing, &[]);
    assert!(msg.contains("edges 0 and 2 cross"), "{msg}");
    let q = "name == 'x' AND location GEOWITHIN geoPolygon({[0, 0], [1, 0], [1, 1]})";
    let (pos, msg) = invalid(q, &[]);
    assert_eq!(pos, q.find("{[0, 0]").unwrap());
    assert!(msg.contains("not closed"), "{msg}");
    let (_, msg) = invalid("location GEOWITHIN geoBox([0, 100], [1, 1])", &[]);
    assert!(msg.contains("latitude 100"), "{msg}");
    let (pos, msg) = invalid("name GEOWITHIN geoCircle([0, 0], 1)", &[]);
    assert_eq!(pos, 0);
    assert!(msg.contains("GEOWITHIN needs a link"), "{msg}");
    let (_, msg) = invalid(
        "stops GEOWITHIN geoCircle([0, 0], 1) AND ALL name GEOWITHIN $0",
        &[],
    );
    assert!(msg.contains("GEOWITHIN"), "{msg}");
    let (_, msg) = invalid("location GEOWITHIN $0", &[Value::Int(3)]);
    assert!(msg.contains("not a geospatial shape"), "{msg}");
    let (_, msg) = invalid(
        "location GEOWITHIN geoCircle([$0, 0], 1)",
        &[Value::from("east")],
    );
    assert!(msg.contains("must be a number"), "{msg}");
}
