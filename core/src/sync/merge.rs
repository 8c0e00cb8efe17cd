//! The merge rules: how a changeset is integrated into a replica's state.
//!
//! The rules are written once, here, over the [`MergeStore`] trait; the in-memory store
//! ([`super::memory::InMemoryStore`]) and the SQLite store implement it.
//!
//! # The rules
//!
//! Every instruction carries its changeset's [`Stamp`] `(clock, replica)`; stamps of different
//! changesets differ, and instructions of one changeset are applied in order, so among equal
//! stamps the later instruction wins. "Newer" below means a higher stamp.
//!
//! - **Objects.** An object is alive when its newest `CreateObject` is newer than its newest
//!   `EraseObject` (a create of an existing primary key is the same object). An erase at stamp
//!   `e` resets everything in the object stamped at or before `e`, and every instruction older
//!   than `e` that arrives later is dropped: deletes win over concurrent updates. Changes newer
//!   than the erase to an erased object are kept aside (a *ghost*) and apply if a newer create
//!   brings the object back.
//! - **Fields** (including inside embedded objects): last writer wins by stamp.
//! - **Links** are kept by the target's primary key whether the target exists or not; one to
//!   an object that does not exist (erased, or not created yet) is *unresolved*, like Realm's:
//!   it reads as null (a field or dictionary value) or is left out (a list or set element),
//!   and resolves again when an object with that primary key is created.
//! - **Integers.** `AddInteger` at stamp `a` applies on top of the field's current value if `a`
//!   is not older than the value's stamp, and is remembered; a `Set` at stamp `s` sets the value
//!   to its own value plus every remembered addition newer than `s`. So additions commute with
//!   each other, additions before a set are overwritten by it and additions after it apply on
//!   top, in any arrival order. Additions wrap on overflow; on a non-integer value (e.g. null)
//!   they are remembered but change nothing.
//! - **Embedded objects.** Setting an embedded object at stamp `s` (to a new object or to null)
//!   resets every field inside the old one stamped at or before `s`; newer changes inside it
//!   survive the replacement. A change inside an embedded object that is absent waits as a ghost.
//! - **Lists.** Elements are ordered by `(position, element id)`, so concurrent inserts are all
//!   kept, in the same order everywhere. `ListSet` and `ListMove` are last-writer-wins per element
//!   (value and position separately). `ListErase` wins over concurrent sets and moves. Element
//!   instructions on an element that is not there are dropped (it was erased or cleared).
//! - **Sets and dictionaries** merge element by element (key by key): each element or key has
//!   a last-writer-wins presence (value), with removals remembered as tombstones.
//! - **Clear** at stamp `c` removes the list elements inserted, and the set elements and
//!   dictionary entries written, at or before `c`; older inserts or writes arriving later are
//!   dropped, newer ones are kept.
//! - **Integration is idempotent**: a changeset whose stamp the store has recorded is skipped.
//! - **Within a changeset**, an instruction made moot by a later one of the same changeset (a
//!   field set twice, an element inserted then erased, a change inside an embedded object that
//!   is replaced later, anything before an erase of the object) is dropped before integration,
//!   since equal stamps cannot order them once some wait as ghosts.
//!
//! Integration is order-independent for changesets delivered in causal order (a changeset
//! arrives after every changeset its replica had seen when making it), which the server
//! guarantees: it forwards changesets in the order it integrated them, and a client uploads
//! only after integrating what it downloaded. Concurrent changesets may arrive in any order.

use std::collections::BTreeSet;

use crate::value::{Link, Value};

use super::clock::{ElementId, Stamp};
use super::instruction::{
    describe_object, display_path, Changeset, Instruction, Operation, Path, PathSegment,
};
use super::SyncError;

/// Whether an object exists, and the stamps that decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObjectState {
    /// Whether the object exists (its newest create is newer than its newest erase).
    pub alive: bool,
    /// The newest `CreateObject` stamp seen.
    pub created: Option<Stamp>,
    /// The newest `EraseObject` stamp seen.
    pub erased: Option<Stamp>,
}

/// A field's value and the stamp of the write that set it.
///
/// For an integer field, `value` already includes the additions applied since that write.
/// A present embedded object reads as `Value::Embedded` (its fields may be left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Register {
    /// The current value.
    pub value: Value,
    /// The stamp of the last `Set` (or of the object's creation, for a field never set).
    pub stamp: Stamp,
}

/// A list element's value and place, each with the stamp of its last write.
#[derive(Debug, Clone, PartialEq)]
pub struct ListElement {
    /// The ordering key (elements are ordered by `(position, id)`).
    pub position: Vec<u8>,
    /// The stamp of the insert or last move.
    pub position_stamp: Stamp,
    /// The element's value (`Value::Embedded` for an embedded object).
    pub value: Value,
    /// The stamp of the insert or last `ListSet`.
    pub value_stamp: Stamp,
}

/// The state of one set element or dictionary key: present with a value, or removed
/// (a tombstone), with the stamp of the last change.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The value (for a set, the element itself), or `None` when removed.
    pub value: Option<Value>,
    /// The stamp of the last add / set / remove.
    pub stamp: Stamp,
}

/// An instruction kept aside because its target does not exist yet (an erased object, an
/// absent embedded object); it is retried when the target appears.
#[derive(Debug, Clone, PartialEq)]
pub struct Ghost {
    /// The stamp of the changeset the instruction came from.
    pub stamp: Stamp,
    /// The instruction.
    pub instruction: Instruction,
}

/// The state a merge reads and writes, addressed by object and path. Implementations keep it
/// in memory or in SQLite; the rules live in [`integrate`].
///
/// Paths are the instructions' paths: a field's path ends with its property; a collection's
/// path names the list, set or dictionary property.
pub trait MergeStore {
    /// The store's error; merge errors (malformed changesets) convert into it.
    type Error: From<SyncError>;

    /// Whether the changeset with this stamp was integrated already.
    fn is_applied(&mut self, changeset: Stamp) -> Result<bool, Self::Error>;
    /// Records that the changeset with this stamp is integrated.
    fn mark_applied(&mut self, changeset: Stamp) -> Result<(), Self::Error>;

    /// The object's existence (not alive, no stamps, for an object never seen).
    fn object_state(&mut self, object: &Link) -> Result<ObjectState, Self::Error>;
    /// Stores the object's existence. Coming alive creates it empty (every field unset or at
    /// its default). Going dead removes it from view. When `erased` grows, everything inside
    /// stamped at or before it is reset, as by [`MergeStore::mask`]. Returns what the store
    /// could not keep of a dying object's newer-than-erase state, as ghosts.
    fn set_object_state(
        &mut self,
        object: &Link,
        state: ObjectState,
    ) -> Result<Vec<Ghost>, Self::Error>;
    /// Resets everything strictly inside `path` (the whole object when `path` is empty) that is
    /// stamped at or before `up_to`: fields, integer additions, list elements (by insert stamp),
    /// set elements, dictionary entries and clear stamps. Returns what the store could not keep
    /// of the newer state inside (e.g. when the embedded object there goes away), as ghosts.
    fn mask(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        up_to: Stamp,
    ) -> Result<Vec<Ghost>, Self::Error>;

    /// The field at `path`, or `None` if it was never written (and has no stamp).
    fn field(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Option<Register>, Self::Error>;
    /// Writes the field at `path`. A `Value::Embedded` makes an (empty) embedded object exist
    /// there; `Value::Null` on an embedded field removes it. Returns `false` if the store
    /// cannot reach the place (the caller keeps the change as a ghost).
    fn put_field(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        register: Register,
    ) -> Result<bool, Self::Error>;
    /// The remembered integer additions of the field at `path`.
    fn integer_adds(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Vec<(Stamp, i64)>, Self::Error>;
    /// Replaces the remembered integer additions of the field at `path`.
    fn put_integer_adds(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        adds: Vec<(Stamp, i64)>,
    ) -> Result<(), Self::Error>;

    /// The element `id` of the list at `path`, if it is there.
    fn list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<Option<ListElement>, Self::Error>;
    /// Inserts or updates the element `id` of the list at `path`. A `Value::Embedded` value
    /// makes an (empty) embedded object the element's value. Returns `false` if unreachable.
    fn put_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
        element: ListElement,
    ) -> Result<bool, Self::Error>;
    /// Removes the element `id` (and what is inside it) from the list at `path`.
    fn remove_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<(), Self::Error>;

    /// The state of `value` in the set at `path`, if it was ever added or removed.
    fn set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
    ) -> Result<Option<Entry>, Self::Error>;
    /// Stores the state of `entry.value`'s element (`value` given separately, since a removal
    /// has `entry.value == None`). Returns `false` if unreachable.
    fn put_set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
        entry: Entry,
    ) -> Result<bool, Self::Error>;

    /// The entry `key` of the dictionary at `path`, if it was ever set or erased.
    fn dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
    ) -> Result<Option<Entry>, Self::Error>;
    /// Stores the entry `key`. A `Value::Embedded` value makes an (empty) embedded object the
    /// entry's value. Returns `false` if unreachable.
    fn put_dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
        entry: Entry,
    ) -> Result<bool, Self::Error>;

    /// The stamp of the last `Clear` of the collection at `path`.
    fn clear_stamp(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Option<Stamp>, Self::Error>;
    /// Clears the collection at `path` at `stamp`: records the stamp and removes the list
    /// elements inserted, and set elements and dictionary entries written, at or before it.
    /// Returns `false` if unreachable.
    fn clear_collection(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        stamp: Stamp,
    ) -> Result<bool, Self::Error>;

    /// The ghosts kept for the object, in the order they were added.
    fn ghosts(&mut self, object: &Link) -> Result<Vec<Ghost>, Self::Error>;
    /// Replaces the ghosts kept for the object.
    fn put_ghosts(&mut self, object: &Link, ghosts: Vec<Ghost>) -> Result<(), Self::Error>;
}

/// Integrates a changeset by the merge rules; returns `false` (and changes nothing) if it was
/// integrated before.
pub fn integrate<S: MergeStore>(store: &mut S, changeset: &Changeset) -> Result<bool, S::Error> {
    changeset.validate()?;
    for instruction in &changeset.instructions {
        check_values(instruction)?;
    }
    let stamp = changeset.stamp();
    if store.is_applied(stamp)? {
        return Ok(false);
    }
    let mut merge = Merge {
        store,
        retry: BTreeSet::new(),
    };
    for instruction in compact(&changeset.instructions) {
        merge.apply(stamp, instruction)?;
        merge.retry_ghosts()?;
    }
    merge.store.mark_applied(stamp)?;
    Ok(true)
}

/// Retries the ghosts kept for `object`: for a store whose object (or an embedded object in
/// it) came into existence outside [`integrate`], e.g. by a local write.
pub fn apply_ghosts<S: MergeStore>(store: &mut S, object: &Link) -> Result<(), S::Error> {
    let mut merge = Merge {
        store,
        retry: BTreeSet::from([object.clone()]),
    };
    merge.retry_ghosts()
}

/// Rejects values an instruction cannot carry: collections of a property travel as their own
/// instructions, and sets hold neither embedded objects nor nulls-of-embedded. A list or
/// dictionary written whole is the value of a `mixed` field or element (a nested collection,
/// last writer wins as a whole); the store rejects it for a collection property.
fn check_values(instruction: &Instruction) -> Result<(), SyncError> {
    fn nested(value: &Value) -> Result<(), &'static str> {
        match value {
            Value::List(items) => items.iter().try_for_each(nested),
            Value::Dictionary(map) => map.values().try_for_each(nested),
            Value::Set(_) | Value::Embedded(_) => {
                Err("a list or dictionary in a mixed value holds neither sets nor embedded objects")
            }
            _ => Ok(()),
        }
    }
    fn no_collections(value: &Value) -> Result<(), &'static str> {
        match value {
            Value::Set(_) => Err(
                "a collection value cannot be written whole: use Clear and element instructions",
            ),
            Value::List(_) | Value::Dictionary(_) => nested(value),
            Value::Embedded(doc) => doc.values().try_for_each(no_collections),
            _ => Ok(()),
        }
    }
    let checked = match &instruction.op {
        Operation::Set { value }
        | Operation::ListInsert { value, .. }
        | Operation::ListSet { value, .. }
        | Operation::DictionarySet { value, .. } => no_collections(value),
        Operation::SetAdd { value } | Operation::SetRemove { value } => match value {
            Value::List(_) | Value::Set(_) | Value::Dictionary(_) | Value::Embedded(_) => {
                Err("a set element is a scalar or a link")
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    };
    checked.map_err(|reason| SyncError::InvalidInstruction {
        object: describe_object(&instruction.object),
        path: display_path(&instruction.path),
        op: instruction.op.name(),
        reason: reason.to_owned(),
    })
}

/// What an instruction writes, for finding writes that a later instruction of the same
/// changeset overwrites.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Target {
    Field,
    ElementInsert,
    ElementValue,
    ElementPosition,
    ElementErase,
    Entry,
    SetElement(Vec<u8>),
    Nothing,
}

/// The instructions of a changeset minus those a later instruction of the same changeset makes
/// moot (a write overwritten or erased later, a change inside something replaced later).
///
/// All instructions of a changeset share one stamp, so the rules cannot tell them apart by
/// stamp; without this, a change kept as a ghost and retried later could land after a change
/// that followed it in the changeset.
fn compact(instructions: &[Instruction]) -> Vec<&Instruction> {
    use std::collections::HashSet;

    let mut erased: HashSet<&Link> = HashSet::new();
    let mut exact: HashSet<(&Link, Path, Target)> = HashSet::new();
    let mut subtree: HashSet<(&Link, Path)> = HashSet::new();
    let mut kept = Vec::with_capacity(instructions.len());
    for instruction in instructions.iter().rev() {
        let object = &instruction.object;
        let path = &instruction.path;
        let (location, target) = match &instruction.op {
            Operation::CreateObject | Operation::EraseObject => (Vec::new(), Target::Nothing),
            Operation::Set { .. } | Operation::AddInteger { .. } => (path.clone(), Target::Field),
            Operation::ListInsert { element, .. } => {
                (element_path(path, *element), Target::ElementInsert)
            }
            Operation::ListSet { element, .. } => {
                (element_path(path, *element), Target::ElementValue)
            }
            Operation::ListMove { element, .. } => {
                (element_path(path, *element), Target::ElementPosition)
            }
            Operation::ListErase { element } => {
                (element_path(path, *element), Target::ElementErase)
            }
            Operation::DictionarySet { key, .. } | Operation::DictionaryErase { key } => {
                (key_path(path, key), Target::Entry)
            }
            Operation::SetAdd { value } | Operation::SetRemove { value } => {
                let mut location = path.clone();
                location.push(PathSegment::Key(String::new()));
                (
                    location,
                    Target::SetElement(super::memory::element_key(value)),
                )
            }
            Operation::Clear => (path.clone(), Target::Nothing),
        };
        let moot = erased.contains(object)
            || (1..location.len()).any(|end| subtree.contains(&(object, location[..end].to_vec())))
            || (!matches!(target, Target::Nothing)
                && exact.contains(&(object, location.clone(), target.clone())));
        if moot {
            continue;
        }
        kept.push(instruction);
        match &instruction.op {
            Operation::EraseObject => {
                erased.insert(object);
            }
            Operation::Set { .. }
            | Operation::DictionarySet { .. }
            | Operation::DictionaryErase { .. } => {
                subtree.insert((object, location.clone()));
                exact.insert((object, location, target));
            }
            Operation::ListSet { .. } => {
                subtree.insert((object, location.clone()));
                exact.insert((object, location, Target::ElementValue));
            }
            Operation::ListErase { .. } => {
                subtree.insert((object, location.clone()));
                for t in [
                    Target::ElementInsert,
                    Target::ElementValue,
                    Target::ElementPosition,
                    Target::ElementErase,
                ] {
                    exact.insert((object, location.clone(), t));
                }
            }
            Operation::ListMove { .. } | Operation::SetAdd { .. } | Operation::SetRemove { .. } => {
                exact.insert((object, location, target));
            }
            Operation::Clear => {
                subtree.insert((object, location));
            }
            Operation::CreateObject
            | Operation::AddInteger { .. }
            | Operation::ListInsert { .. } => {}
        }
    }
    kept.reverse();
    kept
}

/// Where a path leads in the current state.
enum Reach {
    /// Every embedded object on the way exists and is not newer than the instruction.
    Open,
    /// Something on the way was replaced or removed after the instruction: drop it.
    Masked,
    /// An embedded object on the way is absent but may appear: keep it as a ghost.
    Wait,
}

struct Merge<'a, S: MergeStore> {
    store: &'a mut S,
    /// Objects whose ghosts may have become applicable.
    retry: BTreeSet<Link>,
}

impl<S: MergeStore> Merge<'_, S> {
    fn ghost(&mut self, stamp: Stamp, instruction: &Instruction) -> Result<(), S::Error> {
        let mut ghosts = self.store.ghosts(&instruction.object)?;
        let ghost = Ghost {
            stamp,
            instruction: instruction.clone(),
        };
        // No de-duplication: one changeset may hold the same instruction twice (two `+1`s).
        ghosts.push(ghost);
        self.store.put_ghosts(&instruction.object, ghosts)
    }

    fn keep_displaced(&mut self, object: &Link, displaced: Vec<Ghost>) -> Result<(), S::Error> {
        if displaced.is_empty() {
            return Ok(());
        }
        let mut ghosts = self.store.ghosts(object)?;
        ghosts.extend(displaced);
        self.store.put_ghosts(object, ghosts)
    }

    /// Re-applies the ghosts of objects that gained an embedded object or came alive, until
    /// no more of them apply.
    fn retry_ghosts(&mut self) -> Result<(), S::Error> {
        while let Some(object) = self.retry.pop_first() {
            let mut ghosts = self.store.ghosts(&object)?;
            if ghosts.is_empty() {
                continue;
            }
            // Stamp order is causal order: an element's insert is retried before its updates.
            ghosts.sort_by_key(|g| g.stamp);
            self.store.put_ghosts(&object, Vec::new())?;
            for ghost in &ghosts {
                self.apply(ghost.stamp, &ghost.instruction)?;
            }
            let remaining = self.store.ghosts(&object)?;
            if remaining.len() == ghosts.len() {
                // Nothing applied: retrying again cannot change anything.
                self.retry.remove(&object);
            }
        }
        Ok(())
    }

    fn apply(&mut self, stamp: Stamp, instruction: &Instruction) -> Result<(), S::Error> {
        let object = &instruction.object;
        let mut state = self.store.object_state(object)?;
        if state.erased.is_some_and(|erased| stamp < erased) {
            return Ok(());
        }
        match &instruction.op {
            Operation::CreateObject => {
                let newest = state.created.map_or(stamp, |c| c.max(stamp));
                let revived = !state.alive;
                state.created = Some(newest);
                state.alive = true;
                let displaced = self.store.set_object_state(object, state)?;
                self.keep_displaced(object, displaced)?;
                if revived {
                    self.retry.insert(object.clone());
                }
                return Ok(());
            }
            Operation::EraseObject => {
                if state.created.is_none_or(|created| stamp >= created) {
                    state.alive = false;
                }
                state.erased = Some(stamp);
                let displaced = self.store.set_object_state(object, state)?;
                let mut ghosts = self.store.ghosts(object)?;
                let before = ghosts.len();
                ghosts.retain(|g| g.stamp > stamp);
                if ghosts.len() != before {
                    self.store.put_ghosts(object, ghosts)?;
                }
                self.keep_displaced(object, displaced)?;
                return Ok(());
            }
            _ => {}
        }
        if !state.alive {
            return self.ghost(stamp, instruction);
        }
        match self.reach(object, &instruction.path, stamp)? {
            Reach::Masked => return Ok(()),
            Reach::Wait => return self.ghost(stamp, instruction),
            Reach::Open => {}
        }
        let reached = self.operate(stamp, instruction)?;
        if !reached {
            self.ghost(stamp, instruction)?;
        }
        Ok(())
    }

    /// Follows the embedded objects on `path` (all but its last step, or for element and key
    /// steps, the container they are in).
    fn reach(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        stamp: Stamp,
    ) -> Result<Reach, S::Error> {
        // Every prefix that is followed by a property names an embedded object.
        for end in 1..path.len() {
            if !matches!(path[end], PathSegment::Property(_)) {
                continue;
            }
            let holder = &path[..end];
            let (value, written) = match &holder[end - 1] {
                PathSegment::Property(_) => match self.store.field(object, holder)? {
                    Some(register) => (Some(register.value), Some(register.stamp)),
                    None => (None, None),
                },
                PathSegment::Key(key) => {
                    match self
                        .store
                        .dictionary_entry(object, &holder[..end - 1], key)?
                    {
                        Some(entry) => (entry.value, Some(entry.stamp)),
                        None => (None, None),
                    }
                }
                PathSegment::Element(id) => {
                    match self.store.list_element(object, &holder[..end - 1], *id)? {
                        Some(element) => (Some(element.value), Some(element.value_stamp)),
                        // Under causal delivery an element that is not there was erased.
                        None => return Ok(Reach::Masked),
                    }
                }
            };
            if written.is_some_and(|w| w > stamp) {
                return Ok(Reach::Masked);
            }
            if !matches!(value, Some(Value::Embedded(_))) {
                return Ok(Reach::Wait);
            }
        }
        Ok(Reach::Open)
    }

    /// Applies an operation whose path is reachable; `false` if the store could not reach it.
    fn operate(&mut self, stamp: Stamp, instruction: &Instruction) -> Result<bool, S::Error> {
        let object = &instruction.object;
        let path = instruction.path.as_slice();
        match &instruction.op {
            Operation::CreateObject | Operation::EraseObject => Ok(true),
            Operation::Set { value } => {
                let current = self.store.field(object, path)?;
                if current.as_ref().is_some_and(|r| r.stamp > stamp) {
                    return Ok(true);
                }
                let was_embedded =
                    matches!(current.as_ref().map(|r| &r.value), Some(Value::Embedded(_)));
                // Additions older than this write are overwritten by it; newer ones apply on top.
                let mut value = value.clone();
                let adds = self.store.integer_adds(object, path)?;
                if !adds.is_empty() {
                    // Equal stamps are additions later in this changeset (earlier ones were
                    // compacted away), so they apply on top.
                    let newer: Vec<(Stamp, i64)> =
                        adds.iter().copied().filter(|(a, _)| *a >= stamp).collect();
                    if let Value::Int(base) = value {
                        let sum = newer.iter().fold(0i64, |acc, (_, d)| acc.wrapping_add(*d));
                        value = Value::Int(base.wrapping_add(sum));
                    }
                    if newer.len() != adds.len() {
                        self.store.put_integer_adds(object, path, newer)?;
                    }
                }
                self.write_value(stamp, object, path, value, was_embedded, |store, v| {
                    store.put_field(object, path, Register { value: v, stamp })
                })
            }
            Operation::AddInteger { delta } => {
                let current = self.store.field(object, path)?;
                if current.as_ref().is_some_and(|r| r.stamp > stamp) {
                    return Ok(true);
                }
                if let Some(Register {
                    value: Value::Int(v),
                    stamp: written,
                }) = current
                {
                    let register = Register {
                        value: Value::Int(v.wrapping_add(*delta)),
                        stamp: written,
                    };
                    if !self.store.put_field(object, path, register)? {
                        return Ok(false);
                    }
                }
                let mut adds = self.store.integer_adds(object, path)?;
                adds.push((stamp, *delta));
                self.store.put_integer_adds(object, path, adds)?;
                Ok(true)
            }
            Operation::ListInsert {
                element,
                position,
                value,
            } => {
                if self.cleared_after(object, path, stamp)? {
                    return Ok(true);
                }
                if self.store.list_element(object, path, *element)?.is_some() {
                    return Ok(true);
                }
                let position = position.clone();
                self.write_list_element(stamp, object, path, *element, value, false, |v| {
                    ListElement {
                        position,
                        position_stamp: stamp,
                        value: v,
                        value_stamp: stamp,
                    }
                })
            }
            Operation::ListSet { element, value } => {
                let Some(current) = self.store.list_element(object, path, *element)? else {
                    return Ok(true);
                };
                if current.value_stamp > stamp {
                    return Ok(true);
                }
                let was_embedded = matches!(current.value, Value::Embedded(_));
                self.write_list_element(stamp, object, path, *element, value, was_embedded, |v| {
                    ListElement {
                        value: v,
                        value_stamp: stamp,
                        ..current
                    }
                })
            }
            Operation::ListErase { element } => {
                if self.store.list_element(object, path, *element)?.is_some() {
                    self.store.remove_list_element(object, path, *element)?;
                }
                Ok(true)
            }
            Operation::ListMove { element, position } => {
                let Some(current) = self.store.list_element(object, path, *element)? else {
                    return Ok(true);
                };
                if current.position_stamp > stamp {
                    return Ok(true);
                }
                self.store.put_list_element(
                    object,
                    path,
                    *element,
                    ListElement {
                        position: position.clone(),
                        position_stamp: stamp,
                        ..current
                    },
                )
            }
            Operation::SetAdd { value } | Operation::SetRemove { value } => {
                if self.cleared_after(object, path, stamp)? {
                    return Ok(true);
                }
                let current = self.store.set_element(object, path, value)?;
                if current.is_some_and(|e| e.stamp > stamp) {
                    return Ok(true);
                }
                let present = matches!(instruction.op, Operation::SetAdd { .. });
                self.store.put_set_element(
                    object,
                    path,
                    value,
                    Entry {
                        value: present.then(|| value.clone()),
                        stamp,
                    },
                )
            }
            Operation::DictionarySet { key, value } => {
                if self.cleared_after(object, path, stamp)? {
                    return Ok(true);
                }
                let current = self.store.dictionary_entry(object, path, key)?;
                if current.as_ref().is_some_and(|e| e.stamp > stamp) {
                    return Ok(true);
                }
                let was_embedded = matches!(
                    current.as_ref().and_then(|e| e.value.as_ref()),
                    Some(Value::Embedded(_))
                );
                let entry_path = key_path(path, key);
                self.write_value(
                    stamp,
                    object,
                    &entry_path,
                    value.clone(),
                    was_embedded,
                    |store, v| {
                        store.put_dictionary_entry(
                            object,
                            path,
                            key,
                            Entry {
                                value: Some(v),
                                stamp,
                            },
                        )
                    },
                )
            }
            Operation::DictionaryErase { key } => {
                if self.cleared_after(object, path, stamp)? {
                    return Ok(true);
                }
                let current = self.store.dictionary_entry(object, path, key)?;
                if current.as_ref().is_some_and(|e| e.stamp > stamp) {
                    return Ok(true);
                }
                if matches!(
                    current.as_ref().and_then(|e| e.value.as_ref()),
                    Some(Value::Embedded(_))
                ) {
                    let displaced = self.store.mask(object, &key_path(path, key), stamp)?;
                    self.keep_displaced(object, displaced)?;
                }
                self.store
                    .put_dictionary_entry(object, path, key, Entry { value: None, stamp })
            }
            Operation::Clear => {
                if self.cleared_after(object, path, stamp)? {
                    return Ok(true);
                }
                self.store.clear_collection(object, path, stamp)
            }
        }
    }

    fn cleared_after(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        stamp: Stamp,
    ) -> Result<bool, S::Error> {
        Ok(self
            .store
            .clear_stamp(object, path)?
            .is_some_and(|c| c > stamp))
    }

    /// Writes a value at `place` (a field, element or entry) through `put`: an embedded object
    /// replaces what was there (resetting older changes inside) and then gets its fields.
    fn write_value(
        &mut self,
        stamp: Stamp,
        object: &Link,
        place: &[PathSegment],
        value: Value,
        was_embedded: bool,
        put: impl FnOnce(&mut S, Value) -> Result<bool, S::Error>,
    ) -> Result<bool, S::Error> {
        if was_embedded {
            let displaced = self.store.mask(object, place, stamp)?;
            self.keep_displaced(object, displaced)?;
        }
        let Value::Embedded(fields) = value else {
            return put(self.store, value);
        };
        if !put(self.store, Value::Embedded(Default::default()))? {
            return Ok(false);
        }
        for (name, field_value) in fields {
            let mut field_path: Path = place.to_vec();
            field_path.push(PathSegment::Property(name));
            let field = Instruction {
                object: object.clone(),
                path: field_path,
                op: Operation::Set { value: field_value },
            };
            self.apply(stamp, &field)?;
        }
        // Changes that waited for an embedded object here may apply now.
        self.retry.insert(object.clone());
        Ok(true)
    }

    /// [`Merge::write_value`] for the element `id` of the list at `list`: `element` makes the
    /// stored element around the written value.
    #[allow(clippy::too_many_arguments)]
    fn write_list_element(
        &mut self,
        stamp: Stamp,
        object: &Link,
        list: &[PathSegment],
        id: ElementId,
        value: &Value,
        was_embedded: bool,
        element: impl FnOnce(Value) -> ListElement,
    ) -> Result<bool, S::Error> {
        self.write_value(
            stamp,
            object,
            &element_path(list, id),
            value.clone(),
            was_embedded,
            |store, v| store.put_list_element(object, list, id, element(v)),
        )
    }
}

fn element_path(list: &[PathSegment], id: ElementId) -> Path {
    let mut path = list.to_vec();
    path.push(PathSegment::Element(id));
    path
}

fn key_path(dictionary: &[PathSegment], key: &str) -> Path {
    let mut path = dictionary.to_vec();
    path.push(PathSegment::Key(key.to_owned()));
    path
}

#[cfg(test)]
#[path = "merge_tests.rs"]
pub(crate) mod tests;
