//! Query semantics beyond the conformance table: literal typing, embedded objects, backlinks,
//! dictionaries of links, nested subqueries, binding errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use syncline_core::query::{BoundQuery, MemoryStore, QueryError};
use syncline_core::value::document_from_extended_json;
use syncline_core::{PrimaryKey, Schema, Value};

fn store() -> MemoryStore {
    let schema = Schema::from_json(&json!([
        {"name": "Shop", "primaryKey": "_id", "properties": {
            "_id": "int",
            "name": "string",
            "address": {"type": "object", "objectType": "Address"},
            "staff": {"type": "list", "objectType": "Person"},
            "byRole": {"type": "dictionary", "objectType": "Person"},
            "rating": {"type": "float", "optional": true},
            "revenue": {"type": "decimal128", "optional": true},
            "tags": "string[]",
            "opened": {"type": "date", "optional": true},
            "extra": "mixed",
            "manager": {"type": "object", "objectType": "Person"}
        }},
        {"name": "Address", "embedded": true, "properties": {"city": "string", "zip": "int?"}},
        {"name": "Person", "primaryKey": "_id", "properties": {
            "_id": "int",
            "name": "string",
            "age": "int",
            "friends": {"type": "list", "objectType": "Person"},
            "shops": {"type": "linkingObjects", "objectType": "Shop", "property": "staff"}
        }}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    let people = [
        json!({"_id": 1, "name": "Ann", "age": 30, "friends": [2, 3]}),
        json!({"_id": 2, "name": "Bob", "age": 17, "friends": [1]}),
        json!({"_id": 3, "name": "Cid", "age": 45, "friends": []}),
    ];
    for p in people {
        let doc =
            document_from_extended_json(&p, schema.class("Person").unwrap(), &schema).unwrap();
        store.insert("Person", doc).unwrap();
    }
    let shops = [
        json!({"_id": 10, "name": "Café Élan", "address": {"city": "Oslo", "zip": 150},
               "staff": [1, 2, 1], "byRole": {"boss": 1, "clerk": 2}, "rating": 4.1,
               "revenue": {"$numberDecimal": "1000.10"}, "tags": ["coffee", "Cake"],
               "opened": {"$date": "1969-12-31T23:59:59.999999999Z"},
               "extra": {"$numberDouble": "4.5"}, "manager": 1}),
        json!({"_id": 11, "name": "bakery", "address": {"city": "Bergen", "zip": null},
               "staff": [3], "byRole": {"boss": 3}, "rating": null,
               "revenue": {"$numberDecimal": "-Infinity"}, "tags": [], "opened": null,
               "extra": {"$binary": "eA=="}, "manager": null}),
    ];
    for s in shops {
        let doc = document_from_extended_json(&s, schema.class("Shop").unwrap(), &schema).unwrap();
        store.insert("Shop", doc).unwrap();
    }
    store
}

fn ids(store: &MemoryStore, class: &str, query: &str, args: &[Value]) -> Vec<i64> {
    let q = BoundQuery::new(query, store.schema(), class, args)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    q.evaluate(store)
        .unwrap()
        .into_iter()
        .map(|pk| match pk {
            PrimaryKey::Int(i) => i,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn error(store: &MemoryStore, class: &str, query: &str, args: &[Value]) -> QueryError {
    match BoundQuery::new(query, store.schema(), class, args) {
        Ok(_) => panic!("{query} should be rejected"),
        Err(e) => e,
    }
}

#[test]
fn literals_are_typed_for_the_property() {
    let s = store();
    // A float property compares with a literal as a float (4.1f != 4.1 as doubles).
    assert_eq!(ids(&s, "Shop", "rating == 4.1", &[]), vec![10]);
    assert_eq!(
        ids(&s, "Shop", "rating == $0", &[Value::Double(4.1)]),
        vec![10]
    );
    // Decimal literals are exact.
    assert_eq!(ids(&s, "Shop", "revenue == 1000.1", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "revenue < -1e300", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "revenue == -inf", &[]), vec![11]);
    // Dates: nanosecond precision before the epoch.
    assert_eq!(ids(&s, "Shop", "opened == T0:-1", &[]), vec![10]);
    assert_eq!(
        ids(&s, "Shop", "opened < 1970-01-01@00:00:00", &[]),
        vec![10]
    );
    assert_eq!(
        ids(&s, "Shop", "opened BETWEEN {T-1:0, T0:0}", &[]),
        vec![10]
    );
}

#[test]
fn embedded_objects_and_dictionaries_of_links() {
    let s = store();
    assert_eq!(ids(&s, "Shop", "address.city == 'Oslo'", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "address.zip == null", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "byRole['boss'].age > 40", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "byRole.clerk.name == 'Bob'", &[]), vec![10]);
    assert_eq!(
        ids(&s, "Shop", "ANY byRole.@values.age < 18", &[]),
        vec![10]
    );
    assert_eq!(ids(&s, "Shop", "byRole.@count == 1", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "byRole[SIZE] == 2", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "staff[SIZE] == 3", &[]), vec![10]);
    assert_eq!(
        ids(&s, "Shop", "byRole.boss.friends[FIRST].name == 'Bob'", &[]),
        vec![10]
    );
}

#[test]
fn strings_case_folding_and_full_text() {
    let s = store();
    assert_eq!(ids(&s, "Shop", "name BEGINSWITH[c] 'CAFÉ'", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "name LIKE '*É?an'", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "ANY tags ==[c] 'cake'", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "tags.@size == 0", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "name.@size == 6", &[]), vec![11]);
}

#[test]
fn backlinks_count_every_link() {
    let s = store();
    // Ann is in shop 10's staff twice.
    assert_eq!(ids(&s, "Person", "shops.@count == 2", &[]), vec![1]);
    assert_eq!(
        ids(&s, "Person", "@links.Shop.staff.@count == 1", &[]),
        vec![2, 3]
    );
    // Backlinks from friends lists and staff lists and role dictionaries together.
    assert_eq!(ids(&s, "Person", "@links.@count == 5", &[]), vec![1]);
    assert_eq!(ids(&s, "Person", "ALL friends.age > 20", &[]), vec![2, 3]);
    assert_eq!(ids(&s, "Person", "friends.@avg.age > 30", &[]), vec![1]);
}

#[test]
fn nested_subqueries_and_arithmetic() {
    let s = store();
    let q = "SUBQUERY(staff, $p, SUBQUERY($p.friends, $f, $f.age > 40).@count > 0).@count >= 2";
    assert_eq!(ids(&s, "Shop", q, &[]), vec![10]);
    assert_eq!(ids(&s, "Person", "age * 2 + 1 == 35", &[]), vec![2]);
    // Int arithmetic truncates like Realm's (C++) arithmetic; a double operand makes it exact.
    assert_eq!(ids(&s, "Person", "age / 2 == 8", &[]), vec![2]);
    assert_eq!(ids(&s, "Person", "age / 2.0 == 8.5", &[]), vec![2]);
    assert_eq!(ids(&s, "Person", "age / 0 == null", &[]), vec![1, 2, 3]);
    assert_eq!(
        ids(&s, "Person", "age - $0 > 0", &[Value::Int(40)]),
        vec![3]
    );
}

#[test]
fn sort_distinct_limit() {
    let s = store();
    assert_eq!(
        ids(&s, "Person", "TRUEPREDICATE SORT(age DESC)", &[]),
        vec![3, 1, 2]
    );
    assert_eq!(
        ids(&s, "Shop", "TRUEPREDICATE SORT(address.city ASC)", &[]),
        vec![11, 10]
    );
    assert_eq!(
        ids(&s, "Shop", "TRUEPREDICATE SORT(rating ASC)", &[]),
        vec![11, 10]
    );
    assert_eq!(
        ids(&s, "Person", "age > 0 LIMIT(1) SORT(age ASC)", &[]),
        vec![1]
    );
}

#[test]
fn binding_errors_name_what_is_wrong() {
    let s = store();
    let msg = error(&s, "Shop", "address.street == 'x'", &[]).to_string();
    assert!(msg.contains("'Address' has no property 'street'"), "{msg}");
    let msg = error(&s, "Nope", "TRUEPREDICATE", &[]).to_string();
    assert!(msg.contains("no class named 'Nope'"), "{msg}");
    let msg = error(&s, "Address", "TRUEPREDICATE", &[]).to_string();
    assert!(msg.contains("embedded"), "{msg}");
    let msg = error(&s, "Person", "friends.@sum.name > 1", &[]).to_string();
    assert!(
        msg.contains("@sum is not defined for string values (property 'name' of 'Person')"),
        "{msg}"
    );
    let msg = error(&s, "Person", "friends.@sum > 1", &[]).to_string();
    assert!(msg.contains("needs a property after it"), "{msg}");
    let msg = error(&s, "Person", "ANY name == 'x'", &[]).to_string();
    assert!(msg.contains("must contain a list"), "{msg}");
    let msg = error(&s, "Person", "friends == null", &[]).to_string();
    assert!(msg.contains("list of objects with null"), "{msg}");
    let msg = error(&s, "Shop", "tags == tags", &[]).to_string();
    assert!(msg.contains("two lists of primitive values"), "{msg}");
    let msg = error(&s, "Shop", "rating.@type == 'float'", &[]).to_string();
    assert!(msg.contains("fixed by the schema"), "{msg}");
    let msg = error(&s, "Person", "age == inf", &[]).to_string();
    assert!(msg.contains("Infinity not supported for int"), "{msg}");
    let msg = error(&s, "Person", "age == $0", &[Value::Double(f64::NAN)]).to_string();
    assert!(msg.contains("NaN not supported for int"), "{msg}");
    let msg = error(&s, "Person", "age ==[c] 3", &[]).to_string();
    assert!(msg.contains("[c]"), "{msg}");
    let msg = error(&s, "Person", "age == ALL 3", &[]).to_string();
    assert!(msg.contains("on the right needs a list"), "{msg}");
    let msg = error(&s, "Person", "age IN 5", &[]).to_string();
    assert!(msg.contains("after IN"), "{msg}");
    let msg = error(
        &s,
        "Person",
        "SUBQUERY(friends, $f, SUBQUERY($f.friends, $f, age > 1).@count > 0).@count > 0",
        &[],
    )
    .to_string();
    assert!(msg.contains("'$f' is already used"), "{msg}");
    let msg = error(&s, "Person", "name TEXT 'x'", &[]).to_string();
    assert!(msg.contains("full-text index"), "{msg}");
    let msg = error(&s, "Person", "age == $1", &[Value::Int(1)]).to_string();
    assert!(msg.contains("only 1 argument"), "{msg}");
    let msg = error(&s, "Person", "age == $0", &[Value::from("x")]).to_string();
    assert!(msg.contains("argument $0") && msg.contains("int"), "{msg}");
    let msg = error(&s, "Shop", "extra.@type == 'text'", &[]).to_string();
    assert!(msg.contains("unknown type name 'text'"), "{msg}");
    let msg = error(&s, "Person", "TRUEPREDICATE SORT(friends.age ASC)", &[]).to_string();
    assert!(msg.contains("to-many"), "{msg}");
    let msg = error(&s, "Shop", "tags[0] == 'x' && byRole[FIRST] == null", &[]).to_string();
    assert!(msg.contains("not ordered"), "{msg}");
    assert!(matches!(
        error(&s, "Person", "age >", &[]),
        QueryError::Syntax { position: 5, .. }
    ));
}

#[test]
fn type_operator() {
    let s = store();
    assert_eq!(ids(&s, "Shop", "extra.@type == 'double'", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "extra.@type != 'numeric'", &[]), vec![11]);
    assert_eq!(
        ids(&s, "Shop", "extra.@type IN {'binary', 'bool'}", &[]),
        vec![11]
    );
    assert_eq!(
        ids(&s, "Shop", "extra.@type == 'bytearray|double'", &[]),
        vec![10, 11]
    );
    assert_eq!(
        ids(&s, "Shop", "extra.@type == extra.@type", &[]),
        vec![10, 11]
    );
}

#[test]
fn quantifiers_on_both_sides_and_ordered_lists() {
    let s = store();
    assert_eq!(ids(&s, "Person", "age == ANY {17, 45}", &[]), vec![2, 3]);
    assert_eq!(ids(&s, "Person", "age != ALL {17, 45}", &[]), vec![1]);
    assert_eq!(ids(&s, "Person", "age == NONE {}", &[]), vec![1, 2, 3]);
    assert_eq!(
        ids(&s, "Person", "ALL friends.age < ANY {20, 50}", &[]),
        vec![1, 2, 3]
    );
    assert_eq!(
        ids(&s, "Person", "ANY {17, 45} == ALL friends.age", &[]),
        vec![3]
    );
    // Without quantifiers two lists compare in order.
    assert_eq!(ids(&s, "Person", "friends.age == {17, 45}", &[]), vec![1]);
    assert_eq!(
        ids(&s, "Person", "friends.age == {45, 17}", &[]),
        Vec::<i64>::new()
    );
    assert_eq!(ids(&s, "Person", "{} == friends.age", &[]), vec![3]);
    assert_eq!(ids(&s, "Shop", "tags == {'coffee', 'Cake'}", &[]), vec![10]);
}

#[test]
fn object_binary_and_mixed_literals() {
    let s = store();
    assert_eq!(
        ids(&s, "Shop", "manager == obj('Person', 1)", &[]),
        vec![10]
    );
    assert_eq!(
        ids(&s, "Shop", "staff == obj('Person', $0)", &[Value::Int(3)]),
        vec![11]
    );
    assert_eq!(ids(&s, "Shop", "extra == bin('x')", &[]), vec![11]);
    // A string is not a binary, even with the same bytes.
    assert_eq!(ids(&s, "Shop", "extra == 'x'", &[]), Vec::<i64>::new());
    assert_eq!(ids(&s, "Shop", "extra.@size == 1", &[]), vec![11]);
    assert_eq!(ids(&s, "Shop", "manager.@count == 1", &[]), vec![10]);
    assert_eq!(ids(&s, "Shop", "name == B64\"YmFrZXJ5\"", &[]), vec![11]);
}

mod no_panics {
    use proptest::prelude::*;

    use super::*;

    const TOKENS: &[&str] = &[
        "name",
        "age",
        "friends",
        "shops",
        "staff",
        "byRole",
        "tags",
        "address",
        "city",
        "rating",
        "revenue",
        "opened",
        ".",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        ",",
        "==",
        "!=",
        "<",
        ">=",
        "=<",
        "IN",
        "BETWEEN",
        "BEGINSWITH",
        "LIKE",
        "CONTAINS[c]",
        "TEXT",
        "AND",
        "OR",
        "NOT",
        "!",
        "&&",
        "ANY",
        "ALL",
        "NONE",
        "@count",
        "@sum",
        "@avg",
        "@min",
        "@max",
        "@size",
        "@keys",
        "@values",
        "@type",
        "@links",
        "Person",
        "SUBQUERY",
        "$x",
        "$0",
        "$1",
        "0",
        "-1",
        "1.5",
        "0x10",
        "'a'",
        "\"b\"",
        "null",
        "true",
        "T1:2",
        "2020-01-01@00:00:00",
        "oid(",
        "uuid(",
        "B64\"AA==\"",
        "FIRST",
        "LAST",
        "*",
        "+",
        "/",
        "SORT",
        "DISTINCT",
        "LIMIT",
        "ASC",
        "DESC",
        "TRUEPREDICATE",
        "FALSEPREDICATE",
        "'boss'",
        "inf",
        "nan",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any token soup is either rejected with an error or evaluates; nothing panics.
        #[test]
        fn arbitrary_queries_never_panic(tokens in prop::collection::vec(0..TOKENS.len(), 1..14), class in 0..2usize) {
            let text: Vec<&str> = tokens.iter().map(|&i| TOKENS[i]).collect();
            let text = text.join(" ");
            let s = store();
            let class = ["Person", "Shop"][class];
            let args = [Value::Int(3), Value::from("x")];
            if let Ok(q) = BoundQuery::new(&text, s.schema(), class, &args) {
                let _ = q.evaluate(&s);
            }
        }

        /// Arbitrary text (not only tokens) never panics the lexer or parser.
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,40}") {
            let _ = syncline_core::query::Query::parse(&text);
        }
    }
}

#[test]
fn mixed_aggregates_follow_realm() {
    let schema = Schema::from_json(&json!([
        {"name": "Bag", "primaryKey": "_id", "properties": {"_id": "int", "values": "mixed<>"}}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    let bags = [
        json!({"_id": 0, "values": [{"$numberLong": "-1"}, {"$numberDecimal": "NaN"},
               {"$numberDouble": "7.6"}, {"$numberLong": "0"}, null]}),
        json!({"_id": 1, "values": [{"$numberLong": "1"}, {"$numberDecimal": "2.2"},
               {"$numberDouble": "4.4"}]}),
        json!({"_id": 2, "values": ["a", "b"]}),
        json!({"_id": 3, "values": []}),
    ];
    for b in bags {
        let doc = document_from_extended_json(&b, schema.class("Bag").unwrap(), &schema).unwrap();
        store.insert("Bag", doc).unwrap();
    }
    assert_eq!(ids(&store, "Bag", "values.@sum == 6.6", &[]), vec![0]);
    assert_eq!(ids(&store, "Bag", "values.@avg == 2.2", &[]), vec![0]);
    assert_eq!(ids(&store, "Bag", "values.@min == -1", &[]), vec![0]);
    assert_eq!(ids(&store, "Bag", "values.@max == 7.6", &[]), vec![0]);
    assert_eq!(ids(&store, "Bag", "values.@sum == 7.6", &[]), vec![1]);
    assert_eq!(ids(&store, "Bag", "values.@sum == 0", &[]), vec![2, 3]);
    assert_eq!(ids(&store, "Bag", "values.@avg == null", &[]), vec![2, 3]);
    assert_eq!(ids(&store, "Bag", "values.@max == 'b'", &[]), vec![2]);
    assert_eq!(ids(&store, "Bag", "values.@count == 5", &[]), vec![0]);
}

#[test]
fn list_versus_list_with_quantifiers() {
    let schema = Schema::from_json(&json!([
        {"name": "T", "primaryKey": "id", "properties": {"id": "int", "integers": "int[]"}}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    for t in [
        json!({"id": 1, "integers": [1, 2]}),
        json!({"id": 2, "integers": [11, 5, 9, 5]}),
    ] {
        let doc = document_from_extended_json(&t, schema.class("T").unwrap(), &schema).unwrap();
        store.insert("T", doc).unwrap();
    }
    let none = Vec::<i64>::new();
    for (query, expected) in [
        ("ANY {1, 2, 3} == ALL integers", none.clone()),
        ("ALL integers == ANY {2, 1, 3}", vec![1]),
        ("{7, 3, 8, 0} < integers", vec![2]),
        ("ANY {1, 2, 3} > ALL integers", vec![1]),
        ("ANY {4, 8} == ANY integers", none.clone()),
        ("ANY {1, 2, 3} == NONE integers", vec![1, 2]),
        ("ANY {1, 2, 7} <= NONE integers", vec![1]),
        ("ALL {4, 8} > ALL integers", vec![1]),
        ("ALL {1, 2, 12} < ANY integers", none.clone()),
        ("ALL {3, 1, 4, 3} == NONE integers", vec![2]),
        ("NONE {1, 2, 3, 12} > ALL integers", none.clone()),
        ("NONE {4, 8} > ALL integers", vec![2]),
        ("NONE {-1, 5} < NONE integers", vec![2]),
        ("NONE {0, 1} < NONE integers", vec![1, 2]),
        ("integers == {1, 2}", vec![1]),
        ("integers == {2, 1}", none.clone()),
        ("integers != {1, 2}", vec![2]),
        ("ALL {1, 2} IN integers", vec![1]),
        ("NONE {1, 2} IN integers", vec![2]),
    ] {
        assert_eq!(ids(&store, "T", query, &[]), expected, "{query}");
    }
}

#[test]
fn primitive_list_aggregates_and_nulls() {
    let schema = Schema::from_json(&json!([
        {"name": "T", "primaryKey": "id", "properties": {
            "id": "int", "integers": "int[]", "single": "int",
            "nullables": "int?[]", "single_nullable": "int?"
        }}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    let mut rows: Vec<serde_json::Value> = (0..10)
        .map(|i| json!({"id": i, "integers": [i], "single": i, "nullables": [i], "single_nullable": i}))
        .collect();
    rows.push(
        json!({"id": 10, "integers": [], "single": 0, "nullables": [], "single_nullable": null}),
    );
    rows.push(json!({"id": 11, "integers": [], "single": 0, "nullables": [null], "single_nullable": null}));
    for r in rows {
        let doc = document_from_extended_json(&r, schema.class("T").unwrap(), &schema).unwrap();
        store.insert("T", doc).unwrap();
    }
    let count = |q: &str| ids(&store, "T", q, &[]).len();
    for (query, expected) in [
        ("integers.@count == 0", 2),
        ("integers == NULL", 0),
        ("ALL integers == NULL", 2),
        ("NONE integers == NULL", 12),
        ("nullables == NULL", 1),
        ("ALL nullables == NULL", 2),
        ("NONE nullables == NULL", 11),
        ("integers == single", 10),
        ("nullables == single_nullable", 11),
        ("integers.@min == single", 10),
        ("integers.@min == single_nullable", 12),
        ("nullables.@min == single_nullable", 12),
        ("integers.@sum == single", 12),
        ("integers.@sum == single_nullable", 10),
        ("nullables.@sum == single", 12),
        ("nullables.@sum == single_nullable", 10),
        ("integers.@avg == single", 10),
        ("integers.@avg == single_nullable", 12),
        ("nullables.@avg == single_nullable", 12),
        ("integers.@count == single", 3),
        ("integers.@count == single_nullable", 1),
        ("nullables.@count == single", 2),
        ("nullables.@count == single_nullable", 1),
    ] {
        assert_eq!(count(query), expected, "{query}");
    }
}

#[test]
fn in_operator_and_constant_lists() {
    let schema = Schema::from_json(&json!([
        {"name": "Item", "primaryKey": "name", "properties": {"name": "string", "price": "double"}},
        {"name": "Customer", "primaryKey": "id", "properties": {
            "id": "int", "items": "Item[]", "fav": "Item?"
        }}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    let rows = [
        ("Item", json!({"name": "milk", "price": 5.5})),
        ("Item", json!({"name": "oranges", "price": 4.0})),
        ("Item", json!({"name": "pizza", "price": 9.5})),
        ("Item", json!({"name": "cereal", "price": 6.5})),
        (
            "Customer",
            json!({"id": 0, "items": ["milk", "oranges", "pizza", "cereal"], "fav": "milk"}),
        ),
        (
            "Customer",
            json!({"id": 1, "items": ["milk", "milk", "milk"], "fav": "oranges"}),
        ),
        (
            "Customer",
            json!({"id": 2, "items": ["pizza", "pizza", "cereal"], "fav": "pizza"}),
        ),
    ];
    for (class, r) in rows {
        let doc = document_from_extended_json(&r, schema.class(class).unwrap(), &schema).unwrap();
        store.insert(class, doc).unwrap();
    }
    let count = |q: &str| ids(&store, "Customer", q, &[]).len();
    for (query, expected) in [
        ("id IN {}", 0),
        ("id IN {0, 1, 2}", 3),
        ("NOT id IN {0}", 2),
        ("id != {0, 1}", 3),
        ("id > {0, 1}", 2),
        ("id >= {2, 3, 4}", 1),
        ("fav.name IN {'milk', 'oranges', 'cereal'}", 2),
        (
            "fav.name IN {0, null, -1, 'not found', 3.14, oid(000000000000000000000000)}",
            0,
        ),
        ("fav.name contains[c] {'ILK', 'Range'}", 2),
        ("fav.name like {'*lk', '*zz*'}", 2),
        ("5.5 IN items.price", 2),
        ("!(5.5 IN items.price)", 1),
        ("'MiLk' IN[c] items.name", 2),
        ("NULL IN items.price", 0),
        ("fav.price IN items.price", 2),
        ("ANY {5.5, 4.0} IN ANY items.price", 2),
        ("ALL {5.5, 4.0} IN items.price", 1),
        ("NONE {5.5, 4.0} IN ALL items.price", 2),
        ("ANY {5.5, 4.0} IN NONE items.price", 2),
        ("ALL {5.5, 5.5} IN ALL items.price", 1),
        ("ALL {6.0, 6.1, 1.1} <= ALL items.price", 1),
        ("ANY items.name contains[c] ANY {'A', 'B'}", 2),
        ("NONE items.name contains[c] ALL {'A', 'L'}", 1),
        ("{5.5, 4.0, 9.5, 6.5} == items.price", 1),
        ("{5.5, 9.5, 4.0, 6.5} == items.price", 0),
        ("{5.5, 4.0} IN items.price", 0),
        ("{} != items.price", 3),
        ("items.name ==[c] {'MILk', 'ORanges', 'piZZA', 'CeReAl'}", 1),
        ("{5.6, 4.1, 9.6, 6.6} > items.price", 1),
        ("ALL {} IN ALL items.price", 3),
        ("{ } IN ALL items.price", 0),
        ("{6.5} IN NONE items.price", 1),
        ("ALL {8, 10} / 2 >= ANY items.price", 1),
        ("ANY {1, 2, 3, 4, 5, 6} + 2 == ANY items.price", 1),
        ("items.price IN items.price", 3),
        ("ALL items.price IN ALL items.price", 1),
        ("items.price * 2 > items.price", 3),
        ("ALL items.price * 2 > ALL items.price", 2),
    ] {
        assert_eq!(count(query), expected, "{query}");
    }
    assert!(BoundQuery::new("{1, 2} * {1, 2} == items.price", &schema, "Customer", &[]).is_err());
    assert!(BoundQuery::new("ALL id IN {0, 1}", &schema, "Customer", &[]).is_err());
    assert!(BoundQuery::new("items.price IN 5.5", &schema, "Customer", &[]).is_err());
    assert!(BoundQuery::new("5.5 IN fav.price", &schema, "Customer", &[]).is_err());
}

#[test]
fn mixed_values_compare_by_type_family() {
    let schema = Schema::from_json(&json!([
        {"name": "Foo", "primaryKey": "id", "properties": {"id": "int", "mixed": "mixed", "int": "int"}}
    ]))
    .unwrap();
    let mut store = MemoryStore::new(schema.clone());
    for i in 0..100i64 {
        let mixed = match i {
            15 => json!(null),
            75 => json!({"$numberDouble": "75.0"}),
            28 => json!({"$binary": "U3RyaW5nMkJpbmFyeQ=="}),
            25 => json!({"$numberDouble": "3.0"}),
            35 => json!({"$numberDecimal": "3"}),
            37 => json!({"$oid": "6001c033600510df3bbfd864"}),
            _ if i % 4 == 0 => json!(format!("String{i}")),
            _ => json!({"$numberLong": i.to_string()}),
        };
        let doc = document_from_extended_json(
            &json!({"id": i, "mixed": mixed, "int": i}),
            schema.class("Foo").unwrap(),
            &schema,
        )
        .unwrap();
        store.insert("Foo", doc).unwrap();
    }
    let count = |q: &str| ids(&store, "Foo", q, &[]).len();
    for (query, expected) in [
        ("mixed > 50", 37),
        ("mixed >= 50", 38),
        ("mixed <= 50", 36),
        ("mixed != 50", 99),
        ("mixed == null", 1),
        ("mixed beginswith 'String2'", 2),
        ("mixed beginswith bin('String2')", 1),
        ("mixed beginswith B64\"U3RyaW5nMg==\"", 2),
        ("mixed contains \"trin\"", 24),
        ("mixed like bin(\"Strin*\")", 1),
        ("mixed endswith \"4\"", 5),
        ("mixed.@size > 7", 22),
        ("mixed == 3.0", 3),
        ("mixed == int", 71),
        ("mixed ==[c] \"string2binary\"", 0),
        ("mixed ==[c] binary(\"string2binary\")", 1),
        ("mixed !=[c] \"string2binary\"", 100),
        ("mixed.@type == 'numeric'", 73),
        ("mixed.@type == 'string'", 24),
        ("mixed.@type == 'double'", 2),
        ("mixed.@type == 'decimal'", 1),
    ] {
        assert_eq!(count(query), expected, "{query}");
    }
}
