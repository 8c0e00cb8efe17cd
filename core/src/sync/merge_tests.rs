//! Tests of the merge rules on the in-memory store: one targeted test per rule, and property
//! tests that random concurrent histories converge whatever the delivery order.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;

use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::sync::{Hlc, InMemoryStore, ReplicaId};
use crate::value::{Document, PrimaryKey};

fn stamp(replica: u64, ms: u64) -> Stamp {
    Stamp {
        clock: Hlc::new(ms, 0).unwrap(),
        replica: ReplicaId::new(replica).unwrap(),
    }
}

fn eid(replica: u64, ms: u64, seq: u32) -> ElementId {
    let s = stamp(replica, ms);
    ElementId {
        clock: s.clock,
        replica: s.replica,
        seq,
    }
}

fn cs(replica: u64, ms: u64, instructions: Vec<Instruction>) -> Changeset {
    let s = stamp(replica, ms);
    Changeset {
        replica: s.replica,
        clock: s.clock,
        instructions,
    }
}

fn task(pk: i64) -> Link {
    Link {
        class: "Task".into(),
        pk: PrimaryKey::Int(pk),
    }
}

fn path(steps: &[&str]) -> Path {
    steps
        .iter()
        .map(|s| PathSegment::Property((*s).into()))
        .collect()
}

fn create(pk: i64) -> Instruction {
    Instruction::create("Task", PrimaryKey::Int(pk))
}

fn erase(pk: i64) -> Instruction {
    Instruction::erase("Task", PrimaryKey::Int(pk))
}

fn op(pk: i64, at: Path, op: Operation) -> Instruction {
    Instruction::at("Task", PrimaryKey::Int(pk), at, op)
}

fn set(pk: i64, field: &str, value: Value) -> Instruction {
    op(pk, path(&[field]), Operation::Set { value })
}

fn doc(fields: &[(&str, Value)]) -> Document {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Applies the changesets in every order of the list given, returns the common final state,
/// and fails if two orders disagree.
fn converge(changesets: &[Changeset], orders: &[&[usize]]) -> BTreeMap<Link, Document> {
    let mut result = None;
    for order in orders {
        let mut store = InMemoryStore::new();
        for &i in *order {
            integrate(&mut store, &changesets[i]).unwrap();
        }
        let state = store.objects();
        if let Some(previous) = &result {
            assert_eq!(previous, &state, "order {order:?} diverged");
        }
        result = Some(state);
    }
    result.unwrap()
}

fn field(state: &BTreeMap<Link, Document>, pk: i64, name: &str) -> Option<Value> {
    state.get(&task(pk)).and_then(|d| d.get(name).cloned())
}

#[test]
fn field_updates_are_last_writer_wins_by_clock_then_replica() {
    let changesets = vec![
        cs(1, 1, vec![create(1), set(1, "a", 0.into())]),
        cs(2, 20, vec![set(1, "a", "from 2".into())]),
        cs(3, 10, vec![set(1, "a", "from 3".into())]),
        // Same clock as replica 2's: the higher replica id wins the tie.
        cs(4, 20, vec![set(1, "a", "from 4".into())]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2, 3], &[0, 3, 2, 1], &[0, 2, 3, 1]]);
    assert_eq!(field(&state, 1, "a"), Some("from 4".into()));
}

#[test]
fn later_instructions_of_one_changeset_win() {
    let changesets = vec![cs(
        1,
        1,
        vec![
            create(1),
            set(1, "a", 1.into()),
            set(1, "a", 2.into()),
            erase(1),
            create(1),
            set(1, "b", 3.into()),
        ],
    )];
    let state = converge(&changesets, &[&[0]]);
    assert_eq!(state[&task(1)], doc(&[("b", 3.into())]));
}

#[test]
fn deletes_win_over_concurrent_updates() {
    let changesets = vec![
        cs(
            1,
            1,
            vec![create(1), set(1, "a", 1.into()), set(1, "b", 1.into())],
        ),
        cs(2, 10, vec![erase(1)]),
        // Replica 3 had not seen the erase; its clock happens to be later.
        cs(3, 12, vec![set(1, "a", 2.into())]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2], &[0, 2, 1]]);
    assert!(!state.contains_key(&task(1)));
}

#[test]
fn a_recreated_object_starts_after_the_erase() {
    let changesets = vec![
        cs(
            1,
            1,
            vec![create(1), set(1, "a", 1.into()), set(1, "b", 1.into())],
        ),
        cs(2, 10, vec![erase(1)]),
        cs(3, 12, vec![set(1, "a", 2.into())]),
        // Replica 4 saw the erase and creates the object again.
        cs(4, 15, vec![create(1), set(1, "c", 3.into())]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2, 3], &[0, 2, 1, 3], &[0, 1, 3, 2]]);
    // `b` was written before the erase and is gone; `a` was written after it and survives.
    assert_eq!(state[&task(1)], doc(&[("a", 2.into()), ("c", 3.into())]));
}

#[test]
fn a_create_with_the_same_primary_key_is_the_same_object() {
    let changesets = vec![
        cs(
            1,
            5,
            vec![create(1), set(1, "a", 1.into()), set(1, "b", 1.into())],
        ),
        cs(
            2,
            6,
            vec![create(1), set(1, "b", 2.into()), set(1, "c", 2.into())],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1], &[1, 0]]);
    assert_eq!(
        state[&task(1)],
        doc(&[("a", 1.into()), ("b", 2.into()), ("c", 2.into())])
    );
}

#[test]
fn a_create_older_than_an_erase_does_not_revive() {
    let changesets = vec![
        cs(1, 1, vec![create(1)]),
        cs(2, 10, vec![erase(1)]),
        cs(3, 8, vec![create(1), set(1, "a", 1.into())]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2], &[0, 2, 1]]);
    assert!(state.is_empty());
}

#[test]
fn integer_additions_commute_and_stack_on_sets() {
    let add = |delta| op(1, path(&["n"]), Operation::AddInteger { delta });
    let changesets = vec![
        cs(1, 1, vec![create(1), set(1, "n", 10.into())]),
        cs(2, 5, vec![add(1)]),
        cs(3, 6, vec![add(2)]),
        // A concurrent set at 7: the add at 5 and 6 are before it, the add at 9 after it.
        cs(4, 7, vec![set(1, "n", 100.into())]),
        cs(5, 9, vec![add(5)]),
    ];
    let orders: &[&[usize]] = &[
        &[0, 1, 2, 3, 4],
        &[0, 4, 3, 2, 1],
        &[0, 2, 4, 1, 3],
        &[0, 3, 1, 4, 2],
    ];
    let state = converge(&changesets, orders);
    assert_eq!(field(&state, 1, "n"), Some(105.into()));
    // Without the set, every addition counts.
    let without_set: Vec<Changeset> = changesets
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, c)| c.clone())
        .collect();
    let state = converge(&without_set, &[&[0, 1, 2, 3], &[0, 3, 2, 1]]);
    assert_eq!(field(&state, 1, "n"), Some(18.into()));
}

#[test]
fn additions_wrap_instead_of_overflowing() {
    let changesets = vec![
        cs(1, 1, vec![create(1), set(1, "n", i64::MAX.into())]),
        cs(
            2,
            2,
            vec![op(1, path(&["n"]), Operation::AddInteger { delta: 1 })],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1]]);
    assert_eq!(field(&state, 1, "n"), Some(i64::MIN.into()));
}

fn insert(pk: i64, list: &str, element: ElementId, position: &[u8], value: Value) -> Instruction {
    op(
        pk,
        path(&[list]),
        Operation::ListInsert {
            element,
            position: position.to_vec(),
            value,
        },
    )
}

#[test]
fn concurrent_list_inserts_are_all_kept_in_one_order() {
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                insert(1, "l", eid(1, 1, 1), &[0x40], "a".into()),
                insert(1, "l", eid(1, 1, 2), &[0xC0], "z".into()),
            ],
        ),
        // Both insert between "a" and "z", at the same position key.
        cs(
            2,
            5,
            vec![insert(1, "l", eid(2, 5, 0), &[0x80], "from 2".into())],
        ),
        cs(
            3,
            5,
            vec![insert(1, "l", eid(3, 5, 0), &[0x80], "from 3".into())],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1, 2], &[0, 2, 1]]);
    assert_eq!(
        field(&state, 1, "l"),
        Some(Value::List(vec![
            "a".into(),
            "from 2".into(),
            "from 3".into(),
            "z".into()
        ]))
    );
}

#[test]
fn list_erase_wins_and_set_and_move_are_last_writer_wins() {
    let e1 = eid(1, 1, 1);
    let e2 = eid(1, 1, 2);
    let e3 = eid(1, 1, 3);
    let at = path(&["l"]);
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                insert(1, "l", e1, &[0x10], 1.into()),
                insert(1, "l", e2, &[0x20], 2.into()),
                insert(1, "l", e3, &[0x30], 3.into()),
            ],
        ),
        cs(
            2,
            5,
            vec![op(1, at.clone(), Operation::ListErase { element: e1 })],
        ),
        cs(
            3,
            9,
            vec![op(
                1,
                at.clone(),
                Operation::ListSet {
                    element: e1,
                    value: 10.into(),
                },
            )],
        ),
        cs(
            4,
            6,
            vec![op(
                1,
                at.clone(),
                Operation::ListMove {
                    element: e3,
                    position: vec![0x01],
                },
            )],
        ),
        cs(
            5,
            7,
            vec![op(
                1,
                at.clone(),
                Operation::ListMove {
                    element: e3,
                    position: vec![0x28],
                },
            )],
        ),
        cs(
            6,
            8,
            vec![op(
                1,
                at.clone(),
                Operation::ListSet {
                    element: e2,
                    value: 20.into(),
                },
            )],
        ),
        cs(
            7,
            3,
            vec![op(
                1,
                at,
                Operation::ListSet {
                    element: e2,
                    value: 200.into(),
                },
            )],
        ),
    ];
    let state = converge(
        &changesets,
        &[
            &[0, 1, 2, 3, 4, 5, 6],
            &[0, 6, 5, 4, 3, 2, 1],
            &[0, 2, 4, 6, 1, 3, 5],
        ],
    );
    assert_eq!(
        field(&state, 1, "l"),
        Some(Value::List(vec![20.into(), 3.into()]))
    );
}

#[test]
fn set_elements_merge_one_by_one() {
    let add = |v: i64| op(1, path(&["s"]), Operation::SetAdd { value: v.into() });
    let remove = |v: i64| op(1, path(&["s"]), Operation::SetRemove { value: v.into() });
    let changesets = vec![
        cs(1, 1, vec![create(1), add(1), add(2)]),
        cs(2, 5, vec![remove(1), add(3)]),
        cs(3, 6, vec![add(1), add(4)]),
        cs(4, 4, vec![remove(2), remove(4)]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2, 3], &[0, 3, 2, 1], &[0, 2, 3, 1]]);
    assert_eq!(
        field(&state, 1, "s"),
        Some(Value::Set(vec![1.into(), 3.into(), 4.into()]))
    );
}

#[test]
fn dictionary_keys_merge_one_by_one() {
    let put = |k: &str, v: i64| {
        op(
            1,
            path(&["d"]),
            Operation::DictionarySet {
                key: k.into(),
                value: v.into(),
            },
        )
    };
    let del = |k: &str| {
        op(
            1,
            path(&["d"]),
            Operation::DictionaryErase { key: k.into() },
        )
    };
    let changesets = vec![
        cs(1, 1, vec![create(1), put("a", 1), put("b", 1)]),
        cs(2, 5, vec![put("a", 2), del("b")]),
        cs(3, 4, vec![put("a", 3), put("b", 3), put("c", 3)]),
    ];
    let state = converge(&changesets, &[&[0, 1, 2], &[0, 2, 1]]);
    let expected: BTreeMap<String, Value> =
        [("a".to_owned(), 2.into()), ("c".to_owned(), 3.into())].into();
    assert_eq!(field(&state, 1, "d"), Some(Value::Dictionary(expected)));
}

#[test]
fn clear_removes_what_it_saw_and_keeps_newer_writes() {
    let add = |v: i64| op(1, path(&["s"]), Operation::SetAdd { value: v.into() });
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                add(1),
                insert(1, "l", eid(1, 1, 2), &[0x10], "old".into()),
            ],
        ),
        cs(
            2,
            5,
            vec![
                op(1, path(&["s"]), Operation::Clear),
                op(1, path(&["l"]), Operation::Clear),
            ],
        ),
        cs(
            3,
            4,
            vec![
                add(2),
                insert(1, "l", eid(3, 4, 1), &[0x20], "older".into()),
            ],
        ),
        cs(
            4,
            6,
            vec![
                add(3),
                insert(1, "l", eid(4, 6, 1), &[0x20], "newer".into()),
            ],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1, 2, 3], &[0, 3, 2, 1], &[0, 2, 3, 1]]);
    assert_eq!(field(&state, 1, "s"), Some(Value::Set(vec![3.into()])));
    assert_eq!(
        field(&state, 1, "l"),
        Some(Value::List(vec!["newer".into()]))
    );
}

#[test]
fn replacing_an_embedded_object_keeps_newer_changes_inside() {
    let embedded = |fields: &[(&str, Value)]| Value::Embedded(doc(fields));
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                set(
                    1,
                    "addr",
                    embedded(&[("street", "old".into()), ("city", "X".into())]),
                ),
            ],
        ),
        cs(
            2,
            5,
            vec![set(1, "addr", embedded(&[("street", "new".into())]))],
        ),
        // Concurrent edits inside the old object: one older than the replacement, one newer.
        cs(
            3,
            4,
            vec![op(
                1,
                path(&["addr", "city"]),
                Operation::Set { value: "Y".into() },
            )],
        ),
        cs(
            4,
            6,
            vec![op(
                1,
                path(&["addr", "zip"]),
                Operation::Set { value: "9".into() },
            )],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1, 2, 3], &[0, 3, 2, 1], &[0, 2, 3, 1]]);
    assert_eq!(
        field(&state, 1, "addr"),
        Some(embedded(&[("street", "new".into()), ("zip", "9".into())]))
    );
}

#[test]
fn changes_inside_an_absent_embedded_object_wait_for_it() {
    let embedded = |fields: &[(&str, Value)]| Value::Embedded(doc(fields));
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                set(1, "addr", embedded(&[("street", "a".into())])),
            ],
        ),
        cs(2, 10, vec![set(1, "addr", Value::Null)]),
        cs(
            3,
            12,
            vec![op(
                1,
                path(&["addr", "zip"]),
                Operation::Set { value: "9".into() },
            )],
        ),
        cs(
            4,
            11,
            vec![set(1, "addr", embedded(&[("street", "b".into())]))],
        ),
    ];
    let state = converge(
        &changesets,
        &[&[0, 1, 2, 3], &[0, 1, 3, 2], &[0, 2, 1, 3], &[0, 3, 2, 1]],
    );
    assert_eq!(
        field(&state, 1, "addr"),
        Some(embedded(&[("street", "b".into()), ("zip", "9".into())]))
    );
}

#[test]
fn embedded_objects_in_lists_and_dictionaries() {
    let e = eid(1, 1, 1);
    let changesets = vec![
        cs(
            1,
            1,
            vec![
                create(1),
                insert(
                    1,
                    "items",
                    e,
                    &[0x10],
                    Value::Embedded(doc(&[("n", 1.into())])),
                ),
                op(
                    1,
                    path(&["byName"]),
                    Operation::DictionarySet {
                        key: "k".into(),
                        value: Value::Embedded(doc(&[("n", 1.into())])),
                    },
                ),
            ],
        ),
        cs(
            2,
            5,
            vec![
                op(
                    1,
                    vec![
                        PathSegment::Property("items".into()),
                        PathSegment::Element(e),
                        PathSegment::Property("n".into()),
                    ],
                    Operation::AddInteger { delta: 5 },
                ),
                op(
                    1,
                    vec![
                        PathSegment::Property("byName".into()),
                        PathSegment::Key("k".into()),
                        PathSegment::Property("n".into()),
                    ],
                    Operation::Set { value: 7.into() },
                ),
            ],
        ),
    ];
    let state = converge(&changesets, &[&[0, 1]]);
    assert_eq!(
        field(&state, 1, "items"),
        Some(Value::List(vec![Value::Embedded(doc(&[("n", 6.into())]))]))
    );
    let expected: BTreeMap<String, Value> =
        [("k".to_owned(), Value::Embedded(doc(&[("n", 7.into())])))].into();
    assert_eq!(
        field(&state, 1, "byName"),
        Some(Value::Dictionary(expected))
    );
}

#[test]
fn links_to_erased_objects_read_as_null() {
    let link = Value::Link(task(2));
    let changesets = vec![
        cs(
            1,
            1,
            vec![create(1), create(2), set(1, "owner", link.clone())],
        ),
        cs(2, 5, vec![erase(2)]),
    ];
    let state = converge(&changesets, &[&[0, 1]]);
    assert_eq!(field(&state, 1, "owner"), Some(Value::Null));
    let state = converge(&changesets[..1], &[&[0]]);
    assert_eq!(field(&state, 1, "owner"), Some(link));
}

#[test]
fn integrating_twice_is_integrating_once() {
    let changesets = [
        cs(1, 1, vec![create(1), set(1, "n", 1.into())]),
        cs(
            2,
            2,
            vec![op(1, path(&["n"]), Operation::AddInteger { delta: 1 })],
        ),
    ];
    let mut store = InMemoryStore::new();
    assert!(integrate(&mut store, &changesets[0]).unwrap());
    assert!(integrate(&mut store, &changesets[1]).unwrap());
    assert!(!integrate(&mut store, &changesets[1]).unwrap());
    assert!(!integrate(&mut store, &changesets[0]).unwrap());
    assert_eq!(store.object(&task(1)).unwrap()["n"], 2.into());
}

#[test]
fn malformed_changesets_are_rejected_before_any_change() {
    let mut store = InMemoryStore::new();
    let bad = cs(
        1,
        1,
        vec![create(1), set(1, "l", Value::Set(vec![1.into()]))],
    );
    let err = integrate(&mut store, &bad).unwrap_err().to_string();
    assert!(
        err.contains("Task(1)") && err.contains("collection value"),
        "{err}"
    );
    assert!(store.objects().is_empty());
    // A list written whole is a nested collection of a mixed value: it holds neither sets nor
    // embedded objects.
    let bad = cs(
        1,
        1,
        vec![
            create(1),
            set(1, "m", Value::List(vec![Value::Embedded(doc(&[]))])),
        ],
    );
    let err = integrate(&mut store, &bad).unwrap_err().to_string();
    assert!(err.contains("neither sets nor embedded"), "{err}");
    assert!(store.objects().is_empty());
    let bad = cs(
        1,
        2,
        vec![op(
            1,
            path(&["s"]),
            Operation::SetAdd {
                value: Value::Embedded(doc(&[])),
            },
        )],
    );
    assert!(integrate(&mut store, &bad).is_err());
}

// ---- Property tests: random concurrent histories, delivered in random causal orders. ----

/// A generated history: changesets and, for each, the indices of the changesets it depends on
/// (its replica had seen them).
pub(crate) struct History {
    pub(crate) changesets: Vec<Changeset>,
    pub(crate) deps: Vec<Vec<usize>>,
}

const OBJECTS: i64 = 2;

fn random_value(rng: &mut StdRng, links: bool) -> Value {
    match rng.random_range(0..if links { 4 } else { 3 }) {
        0 => Value::Int(rng.random_range(-3..4)),
        1 => Value::String(["x", "y", "z"][rng.random_range(0..3)].into()),
        2 => Value::Null,
        _ => Value::Link(task(rng.random_range(0..OBJECTS))),
    }
}

fn random_instruction(
    rng: &mut StdRng,
    changeset: &Changeset,
    known_elements: &[(String, ElementId)],
    seq: u32,
    links: bool,
) -> Instruction {
    let pk = rng.random_range(0..OBJECTS);
    let list = ["l", "items"][rng.random_range(0..2)];
    let known: Vec<ElementId> = known_elements
        .iter()
        .filter(|(l, _)| l == list)
        .map(|(_, e)| *e)
        .collect();
    let position = |rng: &mut StdRng| -> Vec<u8> {
        (0..rng.random_range(1..3))
            .map(|_| rng.random_range(1..6) * 40)
            .collect()
    };
    let list_value = |rng: &mut StdRng| -> Value {
        if list == "items" {
            Value::Embedded(doc(&[("n", Value::Int(rng.random_range(0..3)))]))
        } else {
            random_value(rng, links)
        }
    };
    match rng.random_range(0..22) {
        0 | 1 => create(pk),
        2 => erase(pk),
        3..=5 => set(
            pk,
            ["a", "b"][rng.random_range(0..2)],
            random_value(rng, links),
        ),
        6 => set(pk, "n", Value::Int(rng.random_range(0..10))),
        7 | 8 => op(
            pk,
            path(&["n"]),
            Operation::AddInteger {
                delta: rng.random_range(-2..5),
            },
        ),
        9 => {
            let element = ElementId {
                clock: changeset.clock,
                replica: changeset.replica,
                seq,
            };
            op(
                pk,
                path(&[list]),
                Operation::ListInsert {
                    element,
                    position: position(rng),
                    value: list_value(rng),
                },
            )
        }
        10..=12 if !known.is_empty() => {
            let element = known[rng.random_range(0..known.len())];
            match rng.random_range(0..4) {
                0 => op(pk, path(&[list]), Operation::ListErase { element }),
                1 => op(
                    pk,
                    path(&[list]),
                    Operation::ListMove {
                        element,
                        position: position(rng),
                    },
                ),
                2 => op(
                    pk,
                    path(&[list]),
                    Operation::ListSet {
                        element,
                        value: list_value(rng),
                    },
                ),
                _ => op(
                    pk,
                    vec![
                        PathSegment::Property("items".into()),
                        PathSegment::Element(element),
                        PathSegment::Property("n".into()),
                    ],
                    Operation::AddInteger { delta: 1 },
                ),
            }
        }
        13 | 14 => {
            let value = if links && rng.random_bool(0.3) {
                Value::Link(task(rng.random_range(0..OBJECTS)))
            } else {
                Value::Int(rng.random_range(0..4))
            };
            if rng.random_bool(0.6) {
                op(pk, path(&["s"]), Operation::SetAdd { value })
            } else {
                op(pk, path(&["s"]), Operation::SetRemove { value })
            }
        }
        15 | 16 => {
            let key = ["k1", "k2", "k3"][rng.random_range(0..3)].to_owned();
            let dictionary = ["d", "de"][rng.random_range(0..2)];
            match rng.random_range(0..3) {
                0 => op(pk, path(&[dictionary]), Operation::DictionaryErase { key }),
                1 => op(
                    pk,
                    path(&["de"]),
                    Operation::DictionarySet {
                        key,
                        value: Value::Embedded(doc(&[("v", random_value(rng, links))])),
                    },
                ),
                _ => op(
                    pk,
                    path(&["d"]),
                    Operation::DictionarySet {
                        key,
                        value: random_value(rng, links),
                    },
                ),
            }
        }
        17 => op(
            pk,
            path(&[["l", "items", "s", "d", "de"][rng.random_range(0..5)]]),
            Operation::Clear,
        ),
        18 => {
            let value = if rng.random_bool(0.3) {
                Value::Null
            } else {
                Value::Embedded(doc(&[("x", random_value(rng, links))]))
            };
            set(pk, "emb", value)
        }
        19 => op(
            pk,
            path(&["emb", "x"]),
            Operation::Set {
                value: random_value(rng, links),
            },
        ),
        20 => op(pk, path(&["emb", "n"]), Operation::AddInteger { delta: 1 }),
        _ => op(
            pk,
            vec![
                PathSegment::Property("de".into()),
                PathSegment::Key(["k1", "k2"][rng.random_range(0..2)].into()),
                PathSegment::Property("v".into()),
            ],
            Operation::Set {
                value: random_value(rng, links),
            },
        ),
    }
}

/// Random replicas make changesets, each having seen a random causally closed part of what
/// was made before; clocks respect what was seen, like a hybrid logical clock does.
pub(crate) fn random_history(seed: u64, replicas: u64, steps: usize, links: bool) -> History {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut changesets: Vec<Changeset> = Vec::new();
    let mut deps: Vec<Vec<usize>> = Vec::new();
    // Per replica: the set of changesets seen (including its own).
    let mut seen: Vec<Vec<bool>> = vec![Vec::new(); replicas as usize];
    let mut last_ms = vec![0u64; replicas as usize];
    // A base every replica has seen: both objects exist.
    let base = cs(1, 1, (0..OBJECTS).map(create).collect());
    changesets.push(base);
    deps.push(Vec::new());
    for s in seen.iter_mut() {
        s.push(true);
    }
    last_ms[0] = 1;
    for _ in 0..steps {
        let r = rng.random_range(0..replicas) as usize;
        // Learn a random subset of others' changesets, closed under their dependencies.
        for i in 0..changesets.len() {
            if !seen[r][i] && rng.random_bool(0.3) && deps[i].iter().all(|&d| seen[r][d]) {
                seen[r][i] = true;
            }
        }
        let newest_seen = (0..changesets.len())
            .filter(|&i| seen[r][i])
            .map(|i| changesets[i].clock.physical_ms)
            .max()
            .unwrap_or(0);
        let ms = newest_seen.max(last_ms[r]) + rng.random_range(1..4);
        last_ms[r] = ms;
        let mut changeset = cs(r as u64 + 1, ms, Vec::new());
        let known: Vec<(String, ElementId)> = (0..changesets.len())
            .filter(|&i| seen[r][i])
            .flat_map(|i| changesets[i].instructions.iter())
            .filter_map(|ins| match (&ins.op, ins.path.first()) {
                (Operation::ListInsert { element, .. }, Some(PathSegment::Property(l))) => {
                    Some((l.clone(), *element))
                }
                _ => None,
            })
            .collect();
        for seq in 0..rng.random_range(1..4u32) {
            let instruction = random_instruction(&mut rng, &changeset, &known, seq, links);
            changeset.instructions.push(instruction);
        }
        let my_deps: Vec<usize> = (0..changesets.len()).filter(|&i| seen[r][i]).collect();
        changesets.push(changeset);
        deps.push(my_deps);
        for (other, s) in seen.iter_mut().enumerate() {
            s.push(other == r);
        }
    }
    History { changesets, deps }
}

/// A random delivery order that respects dependencies, with some changesets delivered twice.
pub(crate) fn random_delivery(history: &History, seed: u64) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = history.changesets.len();
    let mut delivered = vec![false; n];
    let mut order = Vec::new();
    while order.len() < n {
        let ready: Vec<usize> = (0..n)
            .filter(|&i| !delivered[i] && history.deps[i].iter().all(|&d| delivered[d]))
            .collect();
        let pick = ready[rng.random_range(0..ready.len())];
        delivered[pick] = true;
        order.push(pick);
    }
    for _ in 0..rng.random_range(0..4) {
        let at = rng.random_range(0..order.len());
        let again = order[rng.random_range(0..=at)];
        order.insert(at + 1, again);
    }
    order
}

pub(crate) fn final_state(history: &[Changeset], order: &[usize]) -> BTreeMap<Link, Document> {
    let mut store = InMemoryStore::new();
    for &i in order {
        integrate(&mut store, &history[i]).unwrap();
    }
    store.objects()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn concurrent_histories_converge_in_every_causal_order(
        seed in any::<u64>(),
        replicas in 2u64..5,
        steps in 1usize..30,
    ) {
        let history = random_history(seed, replicas, steps, true);
        let reference_order: Vec<usize> = (0..history.changesets.len()).collect();
        let reference = final_state(&history.changesets, &reference_order);
        for k in 0..4u64 {
            let order = random_delivery(&history, seed.wrapping_add(k));
            let state = final_state(&history.changesets, &order);
            prop_assert_eq!(&state, &reference, "delivery order {:?}", order);
        }
    }
}

/// Guards the property test against vacuity: the random histories do reach states with every
/// kind of content.
#[test]
fn random_histories_reach_every_kind_of_state() {
    let mut seen = BTreeMap::<&str, usize>::new();
    for seed in 0..300u64 {
        let history = random_history(seed, 3, 20, true);
        let order = random_delivery(&history, seed);
        let state = final_state(&history.changesets, &order);
        for document in state.values() {
            for (name, value) in document {
                let kind = match (name, value) {
                    ("l" | "items", Value::List(_)) => "list",
                    ("s", Value::Set(_)) => "set",
                    ("d" | "de", Value::Dictionary(_)) => "dictionary",
                    ("emb", Value::Embedded(d)) if !d.is_empty() => "embedded",
                    ("n", Value::Int(_)) => "counter",
                    _ => "other",
                };
                *seen.entry(kind).or_default() += 1;
            }
        }
    }
    for kind in ["list", "set", "dictionary", "embedded", "counter"] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) > 20,
            "{kind}: {seen:?}"
        );
    }
}
