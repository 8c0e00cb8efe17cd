//! The SQL path must answer every query exactly as the in-memory evaluator does: random data,
//! random queries, both paths compared.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::query::bound::{
    AggregateOp, CompareOp, Comparison, Expr, Modifier, Path, Predicate, PropertyStep, Quantifier,
    SortKey, Step,
};
use crate::schema::{Collection, ObjectSchema, Property, PropertyType, Schema};
use crate::value::Timestamp;

fn schema() -> Schema {
    Schema::new(vec![ObjectSchema::new(
        "Item",
        vec![
            Property::new("_id", PropertyType::Int),
            Property::new("i", PropertyType::Int).optional().indexed(),
            Property::new("d", PropertyType::Double).optional(),
            Property::new("f", PropertyType::Float),
            Property::new("s", PropertyType::String).optional(),
            Property::new("b", PropertyType::Bool).optional(),
            Property::new("dt", PropertyType::Date).optional(),
            Property::new("tags", PropertyType::String)
                .list()
                .optional(),
            Property::new("nums", PropertyType::Int).set(),
            Property::new("dict", PropertyType::Int)
                .dictionary()
                .optional(),
            Property::link("link", "Item"),
            Property::link("friends", "Item").list(),
        ],
    )
    .with_primary_key("_id")])
}

fn step(name: &str, ty: PropertyType, collection: Collection) -> Step {
    Step::Property(PropertyStep {
        class: "Item".into(),
        name: name.into(),
        ty,
        collection,
        target: (ty == PropertyType::Object).then(|| "Item".into()),
        embedded: false,
    })
}

fn path(steps: Vec<Step>, multi: bool, ty: PropertyType) -> Path {
    Path {
        steps,
        multi,
        value_type: ty,
        object_class: None,
    }
}

/// Scalar paths: (path, type).
fn scalar_paths() -> Vec<(Path, PropertyType)> {
    let mut out = Vec::new();
    for (name, ty) in [
        ("i", PropertyType::Int),
        ("d", PropertyType::Double),
        ("f", PropertyType::Float),
        ("s", PropertyType::String),
        ("b", PropertyType::Bool),
        ("dt", PropertyType::Date),
    ] {
        out.push((
            path(vec![step(name, ty, Collection::Single)], false, ty),
            ty,
        ));
        out.push((
            path(
                vec![
                    step("link", PropertyType::Object, Collection::Single),
                    step(name, ty, Collection::Single),
                ],
                false,
                ty,
            ),
            ty,
        ));
    }
    out
}

fn collection_paths() -> Vec<(Path, PropertyType)> {
    let friends = || step("friends", PropertyType::Object, Collection::List);
    vec![
        (
            path(
                vec![friends(), step("i", PropertyType::Int, Collection::Single)],
                true,
                PropertyType::Int,
            ),
            PropertyType::Int,
        ),
        (
            path(
                vec![
                    friends(),
                    step("s", PropertyType::String, Collection::Single),
                ],
                true,
                PropertyType::String,
            ),
            PropertyType::String,
        ),
        (
            path(
                vec![
                    friends(),
                    step("link", PropertyType::Object, Collection::Single),
                    step("d", PropertyType::Double, Collection::Single),
                ],
                true,
                PropertyType::Double,
            ),
            PropertyType::Double,
        ),
        (
            path(
                vec![
                    friends(),
                    step("tags", PropertyType::String, Collection::List),
                ],
                true,
                PropertyType::String,
            ),
            PropertyType::String,
        ),
        (
            path(
                vec![
                    friends(),
                    friends(),
                    step("i", PropertyType::Int, Collection::Single),
                ],
                true,
                PropertyType::Int,
            ),
            PropertyType::Int,
        ),
        (
            path(
                vec![step("tags", PropertyType::String, Collection::List)],
                true,
                PropertyType::String,
            ),
            PropertyType::String,
        ),
        (
            path(
                vec![step("nums", PropertyType::Int, Collection::Set)],
                true,
                PropertyType::Int,
            ),
            PropertyType::Int,
        ),
        (
            path(
                vec![step("dict", PropertyType::Int, Collection::Dictionary)],
                true,
                PropertyType::Int,
            ),
            PropertyType::Int,
        ),
    ]
}

fn count_path(which: usize) -> Path {
    // `@links.@count` and `@links.Item.friends.@count` beside the collection counts.
    let over = match which % 5 {
        3 => Step::AllBacklinks {
            sources: vec![
                ("Item".into(), "link".into()),
                ("Item".into(), "friends".into()),
            ],
            holders: Vec::new(),
        },
        4 => Step::Backlinks {
            origin_class: "Item".into(),
            origin_property: "friends".into(),
            holders: Vec::new(),
        },
        n => {
            let (name, ty, c) = [
                ("tags", PropertyType::String, Collection::List),
                ("nums", PropertyType::Int, Collection::Set),
                ("dict", PropertyType::Int, Collection::Dictionary),
            ][n];
            step(name, ty, c)
        }
    };
    path(
        vec![Step::Aggregate {
            op: AggregateOp::Count,
            over: vec![over],
        }],
        false,
        PropertyType::Int,
    )
}

const WORDS: [&str; 7] = ["", "a", "ab", "Ab", "b*", "É", "éa"];

fn constant(ty: PropertyType, seed: u32) -> Value {
    if seed.is_multiple_of(7) {
        return Value::Null;
    }
    let n = i64::from(seed % 5) - 2;
    match ty {
        PropertyType::Int => Value::Int(n),
        PropertyType::Double => Value::Double(n as f64 / 2.0),
        PropertyType::Float => Value::Float(n as f32 / 2.0),
        PropertyType::String => Value::String(WORDS[seed as usize % WORDS.len()].into()),
        PropertyType::Bool => Value::Bool(seed.is_multiple_of(2)),
        PropertyType::Date => Value::Date(Timestamp::new(n, (seed % 3) as i32 - 1)),
        _ => Value::Null,
    }
}

const OPS: [CompareOp; 10] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Gt,
    CompareOp::Ge,
    CompareOp::BeginsWith,
    CompareOp::EndsWith,
    CompareOp::Contains,
    CompareOp::Like,
];

fn comparison(seed: [u32; 6]) -> Predicate {
    let [kind, which, op, c, flags, q] = seed;
    let op = OPS[op as usize % OPS.len()];
    let ci = flags.is_multiple_of(5);
    let quantifier = [Quantifier::Any, Quantifier::All, Quantifier::None][q as usize % 3];
    if kind % 6 == 5 {
        let link = path(
            vec![step("link", PropertyType::Object, Collection::Single)],
            false,
            PropertyType::Object,
        );
        let right = match c % 9 {
            0 => Value::Null,
            8 => Value::Link(Link {
                class: "Other".into(),
                pk: PrimaryKey::Int(1),
            }),
            n => Value::Link(Link {
                class: "Item".into(),
                pk: PrimaryKey::Int(i64::from(n) - 1),
            }),
        };
        return Predicate::Compare(Comparison {
            quantifier: Quantifier::Any,
            explicit_quantifier: false,
            left: Expr::Path(link),
            op: if flags.is_multiple_of(2) {
                CompareOp::Eq
            } else {
                CompareOp::Ne
            },
            case_insensitive: false,
            right: Expr::Constant(right),
        });
    }
    let (left, ty, quantifier, explicit) = match kind % 4 {
        0 | 1 => {
            let paths = scalar_paths();
            let (p, ty) = paths[which as usize % paths.len()].clone();
            (p, ty, Quantifier::Any, false)
        }
        2 => {
            let paths = collection_paths();
            let (p, ty) = paths[which as usize % paths.len()].clone();
            (p, ty, quantifier, q % 4 != 3)
        }
        _ => (
            count_path(which as usize),
            PropertyType::Int,
            Quantifier::Any,
            false,
        ),
    };
    let right = if flags.is_multiple_of(3) {
        let values = (0..(c % 4))
            .map(|k| constant(ty, c.wrapping_mul(31).wrapping_add(k)))
            .collect();
        return Predicate::Compare(Comparison {
            quantifier,
            explicit_quantifier: explicit,
            left: Expr::Path(left),
            op: CompareOp::In,
            case_insensitive: ci,
            right: Expr::List(values),
        });
    } else {
        Expr::Constant(constant(ty, c))
    };
    if flags % 7 == 2 && left.multi {
        return Predicate::Compare(Comparison {
            quantifier: Quantifier::Any,
            explicit_quantifier: false,
            left: right,
            op: CompareOp::In,
            case_insensitive: ci,
            right: Expr::Path(left),
        });
    }
    let (l, r) = if flags % 7 == 1 && !left.multi {
        (right, Expr::Path(left))
    } else {
        (Expr::Path(left), right)
    };
    Predicate::Compare(Comparison {
        quantifier,
        explicit_quantifier: explicit,
        left: l,
        op,
        case_insensitive: ci,
        right: r,
    })
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let leaf = any::<[u32; 6]>().prop_map(comparison);
    leaf.prop_recursive(2, 6, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 1..3).prop_map(Predicate::And),
            proptest::collection::vec(inner.clone(), 1..3).prop_map(Predicate::Or),
            inner.prop_map(|p| Predicate::Not(Box::new(p))),
        ]
    })
}

fn modifiers() -> impl Strategy<Value = Vec<Modifier>> {
    proptest::collection::vec((0u32..4, any::<u32>(), any::<bool>()), 0..3).prop_map(|mods| {
        mods.into_iter()
            .map(|(kind, which, asc)| {
                let paths = scalar_paths();
                let (p, _) = paths[which as usize % paths.len()].clone();
                match kind {
                    0 | 1 => Modifier::Sort(vec![SortKey {
                        path: p,
                        ascending: asc,
                    }]),
                    2 => Modifier::Limit(which as usize % 6),
                    _ => Modifier::Distinct(vec![p]),
                }
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Row {
    i: Option<i64>,
    d: Option<f64>,
    f: f32,
    s: Option<usize>,
    b: Option<bool>,
    dt: Option<(i64, i32)>,
    tags: Vec<Option<usize>>,
    nums: Vec<i64>,
    dict: Vec<(usize, Option<i64>)>,
    link: Option<usize>,
    friends: Vec<usize>,
}

fn row() -> impl Strategy<Value = Row> {
    (
        (
            proptest::option::of(-3i64..3),
            proptest::option::of(-3i32..3),
            -3i32..3,
            proptest::option::of(0usize..WORDS.len()),
            proptest::option::of(any::<bool>()),
            proptest::option::of((-2i64..2, -2i32..2)),
        ),
        (
            proptest::collection::vec(proptest::option::of(0usize..WORDS.len()), 0..3),
            proptest::collection::vec(-2i64..3, 0..3),
            proptest::collection::vec((0usize..3, proptest::option::of(-2i64..3)), 0..3),
            proptest::option::of(0usize..6),
            proptest::collection::vec(0usize..6, 0..4),
        ),
    )
        .prop_map(
            |((i, d, f, s, b, dt), (tags, nums, dict, link, friends))| Row {
                i,
                // -3 stands for NaN, which SQLite cannot store as a number.
                d: d.map(|x| {
                    if x == -3 {
                        f64::NAN
                    } else {
                        f64::from(x) / 2.0
                    }
                }),
                f: if f == -3 { f32::NAN } else { f as f32 / 2.0 },
                s,
                b,
                dt: dt.map(|(s, n)| (s, n * 250_000_000)),
                tags,
                nums,
                dict,
                link,
                friends,
            },
        )
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn load(rows: &[Row]) -> Database {
    let db = Database::open_temporary(Config::new(schema()).with_outbox(false)).unwrap();
    db.write(|t| {
        for (k, r) in rows.iter().enumerate() {
            let mut doc = Document::new();
            doc.insert("_id", Value::Int(k as i64));
            doc.insert("i", opt(r.i));
            doc.insert("d", opt(r.d));
            doc.insert("f", Value::Float(r.f));
            doc.insert("s", opt(r.s.map(|w| WORDS[w])));
            doc.insert("b", opt(r.b));
            doc.insert("dt", opt(r.dt.map(|(s, n)| Timestamp::new(s, n))));
            doc.insert(
                "tags",
                Value::List(r.tags.iter().map(|t| opt(t.map(|w| WORDS[w]))).collect()),
            );
            doc.insert(
                "nums",
                Value::Set(r.nums.iter().map(|n| Value::Int(*n)).collect()),
            );
            doc.insert(
                "dict",
                Value::Dictionary(
                    r.dict
                        .iter()
                        .map(|(k, v)| (["x", "y", "z"][*k].to_string(), opt(*v)))
                        .collect::<BTreeMap<_, _>>(),
                ),
            );
            t.create("Item", doc)?;
        }
        // Links after all objects exist (some point forward).
        for (k, r) in rows.iter().enumerate() {
            if let Some(target) = r.link.filter(|t| *t < rows.len()) {
                t.set(
                    "Item",
                    &PrimaryKey::Int(k as i64),
                    "link",
                    Value::Link(Link {
                        class: "Item".into(),
                        pk: PrimaryKey::Int(target as i64),
                    }),
                )?;
            }
        }
        for (k, r) in rows.iter().enumerate() {
            let friends: Vec<Value> = r
                .friends
                .iter()
                .filter(|f| **f < rows.len())
                .map(|f| {
                    Value::Link(Link {
                        class: "Item".into(),
                        pk: PrimaryKey::Int(*f as i64),
                    })
                })
                .collect();
            t.set(
                "Item",
                &PrimaryKey::Int(k as i64),
                "friends",
                Value::List(friends),
            )?;
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    db
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sql_and_evaluator_agree(
        rows in proptest::collection::vec(row(), 0..7),
        queries in proptest::collection::vec((predicate(), modifiers()), 1..12),
    ) {
        let db = load(&rows);
        let txn = db.begin_read().unwrap();
        let store = txn.store().unwrap();
        for (predicate, modifiers) in queries {
            let query = BoundQuery { class: "Item".into(), predicate, modifiers };
            let expected = crate::query::evaluate(&query, &store).unwrap();
            let got = txn.query_bound(&query).unwrap();
            prop_assert_eq!(&got.keys, &expected, "query {:?}\nsql {}", query, sql::compile(&query, store.cat).sql);
            prop_assert_eq!(txn.count_bound(&query).unwrap(), expected.len());
        }
    }
}

#[test]
fn simple_queries_run_fully_in_sql() {
    let db = load(&[]);
    let txn = db.begin_read().unwrap();
    let (p, _) = scalar_paths()[0].clone();
    let q = BoundQuery {
        class: "Item".into(),
        predicate: Predicate::Compare(Comparison {
            quantifier: Quantifier::Any,
            explicit_quantifier: false,
            left: Expr::Path(p.clone()),
            op: CompareOp::Ge,
            case_insensitive: false,
            right: Expr::Constant(Value::Int(1)),
        }),
        modifiers: vec![
            Modifier::Sort(vec![SortKey {
                path: p,
                ascending: false,
            }]),
            Modifier::Limit(3),
        ],
    };
    let compiled = sql::compile(&q, &txn.db.inner.catalog);
    assert!(compiled.fully_sql(), "{compiled:?}");
    // Backlink counts are counted by SQL (no origin property is mixed here).
    for which in [3, 4] {
        let q = BoundQuery {
            class: "Item".into(),
            predicate: Predicate::Compare(Comparison {
                quantifier: Quantifier::Any,
                explicit_quantifier: false,
                left: Expr::Path(count_path(which)),
                op: CompareOp::Eq,
                case_insensitive: false,
                right: Expr::Constant(Value::Int(0)),
            }),
            modifiers: Vec::new(),
        };
        assert!(sql::compile(&q, &txn.db.inner.catalog).fully_sql(), "{q:?}");
    }
    assert!(
        !compiled.sql.contains('1'),
        "constants are parameters: {}",
        compiled.sql
    );
    assert!(txn.query_bound(&q).unwrap().ran_in_sql());
    // Paths through lists of links compile too, for every quantifier.
    for (p, ty) in collection_paths() {
        for quantifier in [Quantifier::Any, Quantifier::All, Quantifier::None] {
            let q = BoundQuery {
                class: "Item".into(),
                predicate: Predicate::Compare(Comparison {
                    quantifier,
                    explicit_quantifier: true,
                    left: Expr::Path(p.clone()),
                    op: CompareOp::Gt,
                    case_insensitive: false,
                    right: Expr::Constant(constant(ty, 3)),
                }),
                modifiers: Vec::new(),
            };
            let compiled = sql::compile(&q, &txn.db.inner.catalog);
            assert!(compiled.fully_sql(), "{q:?}");
        }
    }
}

/// Backlink counts from embedded objects are counted in SQL over the embedded class's rows;
/// after every kind of change to embedded objects (replaced, removed from a list or a
/// dictionary, cleared, deleted with their owner) SQL and the evaluator must still agree.
#[test]
fn backlink_counts_from_embedded_rows_agree_after_changes() {
    let schema = Schema::new(vec![
        ObjectSchema::new("House", vec![Property::new("_id", PropertyType::Int)])
            .with_primary_key("_id"),
        ObjectSchema::new(
            "Addr",
            vec![
                Property::link("home", "House"),
                Property::link("inner", "Addr"),
            ],
        )
        .into_embedded(),
        ObjectSchema::new(
            "Owner",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::link("addr", "Addr"),
                Property::link("addrs", "Addr").list(),
                Property::link("by_key", "Addr").dictionary(),
            ],
        )
        .with_primary_key("_id"),
    ]);
    let db = Database::open_temporary(Config::new(schema.clone())).unwrap();
    let house = |i: i64| {
        Value::Link(Link {
            class: "House".into(),
            pk: PrimaryKey::Int(i),
        })
    };
    let addr = |home: i64, inner: Option<i64>| {
        let mut d = Document::new();
        d.insert("home", house(home));
        if let Some(i) = inner {
            let mut nested = Document::new();
            nested.insert("home", house(i));
            d.insert("inner", Value::Embedded(nested));
        }
        Value::Embedded(d)
    };
    let one = PrimaryKey::Int(1);
    let queries: Vec<BoundQuery> = [
        "@links.@count == 0",
        "@links.@count == 1",
        "@links.@count == 2",
        "@links.Addr.home.@count >= 2",
    ]
    .iter()
    .map(|q| BoundQuery::new(q, &schema, "House", &[]).unwrap())
    .collect();
    let check = |step: &str| {
        let txn = db.begin_read().unwrap();
        let store = txn.store().unwrap();
        for q in &queries {
            let got = txn.query_bound(q).unwrap();
            assert!(got.ran_in_sql(), "{step}: {q:?}");
            let expected = crate::query::evaluate(q, &store).unwrap();
            assert_eq!(got.keys, expected, "{step}: {q:?}");
        }
    };
    db.write(|txn| {
        for i in 1..=4 {
            let mut h = Document::new();
            h.insert("_id", Value::Int(i));
            txn.create("House", h)?;
        }
        let mut o = Document::new();
        o.insert("_id", Value::Int(1));
        o.insert("addr", addr(1, Some(2)));
        o.insert("addrs", Value::List(vec![addr(2, None), addr(3, Some(3))]));
        o.insert(
            "by_key",
            Value::Dictionary([("k".to_owned(), addr(4, Some(1)))].into_iter().collect()),
        );
        txn.create("Owner", o).map(|_| ())
    })
    .unwrap();
    check("created");
    db.write(|txn| txn.set("Owner", &one, "addr", addr(4, None)))
        .unwrap();
    check("embedded object replaced");
    db.write(|txn| txn.list_remove("Owner", &one, "addrs", 1))
        .unwrap();
    check("list element removed");
    db.write(|txn| txn.dict_set("Owner", &one, "by_key", "k", addr(2, Some(2))))
        .unwrap();
    check("dictionary value replaced");
    db.write(|txn| txn.dict_remove("Owner", &one, "by_key", "k").map(|_| ()))
        .unwrap();
    check("dictionary value removed");
    db.write(|txn| txn.clear("Owner", &one, "addrs")).unwrap();
    check("list cleared");
    db.write(|txn| txn.delete("Owner", &one).map(|_| ()))
        .unwrap();
    check("owner deleted");
}

/// Backlink counts over `mixed` origins run in SQL (links found through the mixed link index
/// and, inside nested lists and dictionaries, by `sl_nested_links`) with the evaluator's
/// answers: per link, at any depth, only for the right class and primary key, for string,
/// objectId and row-key primary keys.
#[test]
fn backlink_counts_through_mixed_values_run_in_sql() {
    let oid = |n: u8| bson::oid::ObjectId::from_bytes([n; 12]);
    let schema = Schema::new(vec![
        ObjectSchema::new("S", vec![Property::new("_id", PropertyType::String)])
            .with_primary_key("_id"),
        ObjectSchema::new("O", vec![Property::new("_id", PropertyType::ObjectId)])
            .with_primary_key("_id"),
        ObjectSchema::new("R", vec![Property::new("n", PropertyType::Int)]),
        ObjectSchema::new(
            "E",
            vec![Property::new("m", PropertyType::Mixed).optional()],
        )
        .into_embedded(),
        ObjectSchema::new(
            "H",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("m", PropertyType::Mixed).optional(),
                Property::new("ms", PropertyType::Mixed).optional().list(),
                Property::new("md", PropertyType::Mixed)
                    .optional()
                    .dictionary(),
                Property::link("e", "E"),
            ],
        )
        .with_primary_key("_id"),
    ]);
    let db = Database::open_temporary(Config::new(schema.clone())).unwrap();
    let to = |class: &str, pk: PrimaryKey| {
        Value::Link(Link {
            class: class.into(),
            pk,
        })
    };
    let s = |k: &str| to("S", PrimaryKey::String(k.into()));
    let o = |n: u8| to("O", PrimaryKey::ObjectId(oid(n)));
    let r = |n: i64| to("R", PrimaryKey::Int(n));
    let dict = |pairs: Vec<(&str, Value)>| {
        Value::Dictionary(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    };
    db.write(|txn| {
        for k in ["a", "b", "c"] {
            let mut d = Document::new();
            d.insert("_id", Value::from(k));
            txn.create("S", d)?;
        }
        for n in 1..=3 {
            let mut d = Document::new();
            d.insert("_id", Value::ObjectId(oid(n)));
            txn.create("O", d)?;
            let mut d = Document::new();
            d.insert("n", Value::Int(i64::from(n)));
            txn.create("R", d)?;
        }
        let rows: Vec<(Value, Value, Value, Value)> = vec![
            (
                s("a"),
                Value::List(vec![s("a"), o(1), Value::List(vec![s("b"), s("b")])]),
                dict(vec![("x", dict(vec![("y", s("a"))])), ("z", r(3))]),
                Value::List(vec![o(2), dict(vec![("k", o(2))])]),
            ),
            (
                Value::List(vec![Value::List(vec![r(1), r(1)]), s("c")]),
                Value::List(vec![r(2)]),
                dict(vec![("w", o(1))]),
                s("a"),
            ),
            (
                dict(vec![("deep", Value::List(vec![dict(vec![("s", s("b"))])]))]),
                Value::List(vec![]),
                dict(vec![]),
                Value::Null,
            ),
        ];
        for (i, (m, ms, md, em)) in rows.into_iter().enumerate() {
            let mut d = Document::new();
            d.insert("_id", Value::Int(i as i64));
            d.insert("m", m);
            let Value::List(items) = ms else {
                unreachable!()
            };
            d.insert("ms", Value::List(items));
            d.insert("md", md);
            let mut e = Document::new();
            e.insert("m", em);
            d.insert("e", Value::Embedded(e));
            txn.create("H", d)?;
        }
        Ok::<_, Error>(())
    })
    .unwrap();
    let txn = db.begin_read().unwrap();
    let store = txn.store().unwrap();
    let mut seen_counts = std::collections::BTreeSet::new();
    for class in ["S", "O", "R"] {
        for text in [
            "@links.@count == $0",
            "@links.H.m.@count == $0",
            "@links.H.ms.@count == $0",
            "@links.H.md.@count == $0",
            "@links.E.m.@count == $0",
        ] {
            for n in 0..6 {
                let q = BoundQuery::new(text, &schema, class, &[Value::Int(n)]).unwrap();
                let got = txn.query_bound(&q).unwrap();
                assert!(got.ran_in_sql(), "{class}: {text} ({n})");
                let expected = crate::query::evaluate(&q, &store).unwrap();
                assert_eq!(got.keys, expected, "{class}: {text} ({n})");
                if !expected.is_empty() {
                    seen_counts.insert((class, text, n));
                }
            }
        }
    }
    // The data gives several objects more than one backlink through nested collections.
    assert!(
        seen_counts.contains(&("S", "@links.@count == $0", 4)),
        "{seen_counts:?}"
    );
    assert!(
        seen_counts.contains(&("R", "@links.H.m.@count == $0", 2)),
        "{seen_counts:?}"
    );
    // The links in mixed values are found through the partial indexes, not by reading H.
    let q = BoundQuery::new("@links.H.m.@count == 1", &schema, "S", &[]).unwrap();
    let compiled = sql::compile(&q, &txn.db.inner.catalog);
    let plan: Vec<String> = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", compiled.sql))
        .unwrap()
        .query_map(rusqlite::params_from_iter(compiled.params.iter()), |r| {
            r.get(3)
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for index in ["INDEX H.m.links", "INDEX H.m.nested"] {
        assert!(plan.iter().any(|step| step.contains(index)), "{plan:?}");
    }
}
