//! An in-memory [`MergeStore`]: the reference implementation of the merge state, used by the
//! property tests and usable by a server that keeps its state in memory.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::{Document, Link, Value};

use super::clock::{ElementId, Stamp};
use super::codec::value_to_bson;
use super::instruction::{Path, PathSegment};
use super::merge::{Entry, Ghost, ListElement, MergeStore, ObjectState, Register};
use super::SyncError;

type Place = (Link, Path);

/// The merge state of a set of objects, in memory. Read the visible objects with
/// [`InMemoryStore::object`] and [`InMemoryStore::objects`].
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    objects: BTreeMap<Link, ObjectState>,
    fields: BTreeMap<Place, Register>,
    adds: BTreeMap<Place, Vec<(Stamp, i64)>>,
    lists: BTreeMap<Place, BTreeMap<ElementId, ListElement>>,
    sets: BTreeMap<Place, BTreeMap<Vec<u8>, Entry>>,
    dictionaries: BTreeMap<Place, BTreeMap<String, Entry>>,
    clears: BTreeMap<Place, Stamp>,
    ghosts: BTreeMap<Link, Vec<Ghost>>,
    applied: BTreeSet<Stamp>,
}

/// Whether `path` lies strictly inside `prefix` (everything lies inside the empty prefix).
fn strictly_inside(path: &[PathSegment], prefix: &[PathSegment]) -> bool {
    path.len() > prefix.len() && path.starts_with(prefix)
}

fn place(object: &Link, path: &[PathSegment]) -> Place {
    (object.clone(), path.to_vec())
}

/// The identity of a set element: its lossless BSON encoding (so `1` and `1.0` differ).
pub(crate) fn element_key(value: &Value) -> Vec<u8> {
    let mut doc = bson::Document::new();
    doc.insert("v", value_to_bson(value));
    // Encoding a document built from a value cannot fail; an empty key would still be unique.
    doc.to_vec().unwrap_or_default()
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries of `map` for `object` whose path lies strictly inside `prefix`.
    fn keys_inside<V>(
        map: &BTreeMap<Place, V>,
        object: &Link,
        prefix: &[PathSegment],
    ) -> Vec<Place> {
        map.range((object.clone(), prefix.to_vec())..)
            .take_while(|((o, p), _)| o == object && p.starts_with(prefix))
            .filter(|((_, p), _)| strictly_inside(p, prefix))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Removes the entries of `map` for `object` whose path lies strictly inside `prefix`.
    fn remove_inside<V>(map: &mut BTreeMap<Place, V>, object: &Link, prefix: &[PathSegment]) {
        for key in Self::keys_inside(map, object, prefix) {
            map.remove(&key);
        }
    }

    fn drop_inside(&mut self, object: &Link, prefix: &[PathSegment]) {
        Self::remove_inside(&mut self.fields, object, prefix);
        Self::remove_inside(&mut self.adds, object, prefix);
        Self::remove_inside(&mut self.lists, object, prefix);
        Self::remove_inside(&mut self.sets, object, prefix);
        Self::remove_inside(&mut self.dictionaries, object, prefix);
        Self::remove_inside(&mut self.clears, object, prefix);
    }

    /// The visible object, or `None` if it does not exist. Links to objects that do not exist
    /// read as null (in lists and sets they are left out), like Realm's unresolved links.
    /// Empty collections are left out, as are fields never written.
    pub fn object(&self, link: &Link) -> Option<Document> {
        if !self.objects.get(link).is_some_and(|s| s.alive) {
            return None;
        }
        Some(self.document(link, &[]))
    }

    /// Every visible object.
    pub fn objects(&self) -> BTreeMap<Link, Document> {
        self.objects
            .iter()
            .filter(|(_, s)| s.alive)
            .map(|(link, _)| (link.clone(), self.document(link, &[])))
            .collect()
    }

    fn resolve(&self, value: &Value, at: &[PathSegment], object: &Link) -> Option<Value> {
        match value {
            Value::Link(target) if !self.objects.get(target).is_some_and(|s| s.alive) => None,
            Value::Embedded(_) => Some(Value::Embedded(self.document(object, at))),
            other => Some(other.clone()),
        }
    }

    /// The fields directly inside `prefix` (an embedded object, or the object itself).
    fn document(&self, object: &Link, prefix: &[PathSegment]) -> Document {
        let direct = |path: &Path| path.len() == prefix.len() + 1 && path.starts_with(prefix);
        let name = |path: &Path| match path.last() {
            Some(PathSegment::Property(name)) => Some(name.clone()),
            _ => None,
        };
        let mut out: BTreeMap<String, Value> = BTreeMap::new();
        let scope = (object.clone(), prefix.to_vec())..;
        for ((o, path), register) in self.fields.range(scope.clone()) {
            if o != object || !path.starts_with(prefix) {
                break;
            }
            if let (true, Some(name)) = (direct(path), name(path)) {
                let value = self
                    .resolve(&register.value, path, object)
                    .unwrap_or(Value::Null);
                out.insert(name, value);
            }
        }
        for ((o, path), elements) in self.lists.range(scope.clone()) {
            if o != object || !path.starts_with(prefix) {
                break;
            }
            if let (true, Some(name)) = (direct(path), name(path)) {
                let mut ordered: Vec<(&ElementId, &ListElement)> = elements.iter().collect();
                ordered.sort_by(|a, b| (&a.1.position, a.0).cmp(&(&b.1.position, b.0)));
                let items = ordered
                    .into_iter()
                    .filter_map(|(id, element)| {
                        let mut at = path.clone();
                        at.push(PathSegment::Element(*id));
                        self.resolve(&element.value, &at, object)
                    })
                    .collect::<Vec<_>>();
                if !items.is_empty() {
                    out.insert(name, Value::List(items));
                }
            }
        }
        for ((o, path), elements) in self.sets.range(scope.clone()) {
            if o != object || !path.starts_with(prefix) {
                break;
            }
            if let (true, Some(name)) = (direct(path), name(path)) {
                let items = elements
                    .values()
                    .filter_map(|e| e.value.as_ref())
                    .filter_map(|v| self.resolve(v, path, object))
                    .collect::<Vec<_>>();
                if !items.is_empty() {
                    out.insert(name, Value::Set(items));
                }
            }
        }
        for ((o, path), entries) in self.dictionaries.range(scope) {
            if o != object || !path.starts_with(prefix) {
                break;
            }
            if let (true, Some(name)) = (direct(path), name(path)) {
                let map = entries
                    .iter()
                    .filter_map(|(key, e)| {
                        let value = e.value.as_ref()?;
                        let mut at = path.clone();
                        at.push(PathSegment::Key(key.clone()));
                        Some((
                            key.clone(),
                            self.resolve(value, &at, object).unwrap_or(Value::Null),
                        ))
                    })
                    .collect::<BTreeMap<_, _>>();
                if !map.is_empty() {
                    out.insert(name, Value::Dictionary(map));
                }
            }
        }
        out.into_iter().collect()
    }
}

impl MergeStore for InMemoryStore {
    type Error = SyncError;

    fn is_applied(&mut self, changeset: Stamp) -> Result<bool, SyncError> {
        Ok(self.applied.contains(&changeset))
    }

    fn mark_applied(&mut self, changeset: Stamp) -> Result<(), SyncError> {
        self.applied.insert(changeset);
        Ok(())
    }

    fn object_state(&mut self, object: &Link) -> Result<ObjectState, SyncError> {
        Ok(self.objects.get(object).copied().unwrap_or_default())
    }

    fn set_object_state(
        &mut self,
        object: &Link,
        state: ObjectState,
    ) -> Result<Vec<Ghost>, SyncError> {
        let before = self.objects.get(object).copied().unwrap_or_default();
        self.objects.insert(object.clone(), state);
        if let Some(erased) = state.erased {
            if before.erased.is_none_or(|b| erased > b) {
                // A dead object keeps its newer-than-erase state here, so nothing is displaced.
                return self.mask(object, &[], erased);
            }
        }
        Ok(Vec::new())
    }

    fn mask(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        up_to: Stamp,
    ) -> Result<Vec<Ghost>, SyncError> {
        for key in Self::keys_inside(&self.fields, object, path) {
            if self.fields.get(&key).is_some_and(|r| r.stamp <= up_to) {
                self.fields.remove(&key);
            }
        }
        for key in Self::keys_inside(&self.adds, object, path) {
            if let Some(adds) = self.adds.get_mut(&key) {
                adds.retain(|(a, _)| *a > up_to);
            }
        }
        for key in Self::keys_inside(&self.lists, object, path) {
            let mut gone = Vec::new();
            if let Some(elements) = self.lists.get_mut(&key) {
                elements.retain(|id, _| {
                    let keep = id.stamp() > up_to;
                    if !keep {
                        gone.push(*id);
                    }
                    keep
                });
            }
            for id in gone {
                let mut inside = key.1.clone();
                inside.push(PathSegment::Element(id));
                self.drop_inside(object, &inside);
            }
        }
        for key in Self::keys_inside(&self.sets, object, path) {
            if let Some(elements) = self.sets.get_mut(&key) {
                elements.retain(|_, e| e.stamp > up_to);
            }
        }
        for key in Self::keys_inside(&self.dictionaries, object, path) {
            if let Some(entries) = self.dictionaries.get_mut(&key) {
                entries.retain(|_, e| e.stamp > up_to);
            }
        }
        for key in Self::keys_inside(&self.clears, object, path) {
            if self.clears.get(&key).is_some_and(|c| *c <= up_to) {
                self.clears.remove(&key);
            }
        }
        Ok(Vec::new())
    }

    fn field(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Option<Register>, SyncError> {
        Ok(self.fields.get(&place(object, path)).cloned())
    }

    fn put_field(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        register: Register,
    ) -> Result<bool, SyncError> {
        self.fields.insert(place(object, path), register);
        Ok(true)
    }

    fn integer_adds(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Vec<(Stamp, i64)>, SyncError> {
        Ok(self
            .adds
            .get(&place(object, path))
            .cloned()
            .unwrap_or_default())
    }

    fn put_integer_adds(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        adds: Vec<(Stamp, i64)>,
    ) -> Result<(), SyncError> {
        if adds.is_empty() {
            self.adds.remove(&place(object, path));
        } else {
            self.adds.insert(place(object, path), adds);
        }
        Ok(())
    }

    fn list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<Option<ListElement>, SyncError> {
        Ok(self
            .lists
            .get(&place(object, path))
            .and_then(|l| l.get(&id))
            .cloned())
    }

    fn put_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
        element: ListElement,
    ) -> Result<bool, SyncError> {
        self.lists
            .entry(place(object, path))
            .or_default()
            .insert(id, element);
        Ok(true)
    }

    fn remove_list_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        id: ElementId,
    ) -> Result<(), SyncError> {
        if let Some(list) = self.lists.get_mut(&place(object, path)) {
            list.remove(&id);
        }
        let mut inside = path.to_vec();
        inside.push(PathSegment::Element(id));
        self.drop_inside(object, &inside);
        Ok(())
    }

    fn set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
    ) -> Result<Option<Entry>, SyncError> {
        Ok(self
            .sets
            .get(&place(object, path))
            .and_then(|s| s.get(&element_key(value)))
            .cloned())
    }

    fn put_set_element(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        value: &Value,
        entry: Entry,
    ) -> Result<bool, SyncError> {
        self.sets
            .entry(place(object, path))
            .or_default()
            .insert(element_key(value), entry);
        Ok(true)
    }

    fn dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
    ) -> Result<Option<Entry>, SyncError> {
        Ok(self
            .dictionaries
            .get(&place(object, path))
            .and_then(|d| d.get(key))
            .cloned())
    }

    fn put_dictionary_entry(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        key: &str,
        entry: Entry,
    ) -> Result<bool, SyncError> {
        self.dictionaries
            .entry(place(object, path))
            .or_default()
            .insert(key.to_owned(), entry);
        Ok(true)
    }

    fn clear_stamp(
        &mut self,
        object: &Link,
        path: &[PathSegment],
    ) -> Result<Option<Stamp>, SyncError> {
        Ok(self.clears.get(&place(object, path)).copied())
    }

    fn clear_collection(
        &mut self,
        object: &Link,
        path: &[PathSegment],
        stamp: Stamp,
    ) -> Result<bool, SyncError> {
        let key = place(object, path);
        self.clears.insert(key.clone(), stamp);
        let mut gone = Vec::new();
        if let Some(list) = self.lists.get_mut(&key) {
            list.retain(|id, _| {
                let keep = id.stamp() > stamp;
                if !keep {
                    gone.push(*id);
                }
                keep
            });
        }
        for id in gone {
            let mut inside = path.to_vec();
            inside.push(PathSegment::Element(id));
            self.drop_inside(object, &inside);
        }
        if let Some(set) = self.sets.get_mut(&key) {
            set.retain(|_, e| e.stamp > stamp);
        }
        let mut gone_keys = Vec::new();
        if let Some(dictionary) = self.dictionaries.get_mut(&key) {
            dictionary.retain(|k, e| {
                let keep = e.stamp > stamp;
                if !keep {
                    gone_keys.push(k.clone());
                }
                keep
            });
        }
        for k in gone_keys {
            // Like replacing an embedded object: newer changes inside survive for a later entry.
            let mut inside = path.to_vec();
            inside.push(PathSegment::Key(k));
            self.mask(object, &inside, stamp)?;
        }
        Ok(true)
    }

    fn ghosts(&mut self, object: &Link) -> Result<Vec<Ghost>, SyncError> {
        Ok(self.ghosts.get(object).cloned().unwrap_or_default())
    }

    fn put_ghosts(&mut self, object: &Link, ghosts: Vec<Ghost>) -> Result<(), SyncError> {
        if ghosts.is_empty() {
            self.ghosts.remove(object);
        } else {
            self.ghosts.insert(object.clone(), ghosts);
        }
        Ok(())
    }
}
