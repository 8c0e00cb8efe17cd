//! `Document`: the fields of an object by property name, in the order they were given.
//!
//! Most documents hold a handful of fields and are built once, read once and dropped: the
//! fields sit in one vector and a name is found by comparing names, with no hashing and no
//! table to allocate. A document that grows past [`INDEX_FROM`] fields also keeps a hash
//! index from name to place, so building or reading a very wide one stays linear.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use super::Value;

/// From this many fields on, a document keeps a hash index of its names.
const INDEX_FROM: usize = 32;

/// A field name: borrowed when it is a literal (`"name"`), so a document built from literal
/// names allocates nothing for them; owned otherwise.
pub type FieldName = Cow<'static, str>;

/// The fields of an embedded object (or of an object being created), by property name, in
/// the order they were inserted. Equality ignores that order, as for a map.
///
/// ```
/// use syncline_core::{Document, Value};
/// let mut task = Document::new();
/// task.insert("name", Value::from("Write the docs"));
/// task.insert(String::from("priority"), Value::Int(2));
/// assert_eq!(task.get("priority"), Some(&Value::Int(2)));
/// ```
#[derive(Clone, Default)]
pub struct Document {
    entries: Vec<(FieldName, Value)>,
    /// Name → place in `entries`, kept only for wide documents; boxed so that a document, and
    /// so every `Value`, stays small (an unboxed map would make every `Value` 72 bytes, not 48).
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<FieldName, usize>>>,
}

impl Document {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty document with room for `capacity` fields.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: Vec::with_capacity(capacity),
            index: None,
        }
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the document has no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.entries.iter().position(|(k, _)| k == name),
        }
    }

    /// Sets the field `name` to `value`; returns the value it replaced. A new field goes
    /// last; a replaced one keeps its place.
    pub fn insert(&mut self, name: impl Into<FieldName>, value: Value) -> Option<Value> {
        let name = name.into();
        if let Some(at) = self.position(&name) {
            return Some(std::mem::replace(&mut self.entries[at].1, value));
        }
        if let Some(index) = &mut self.index {
            index.insert(name.clone(), self.entries.len());
        }
        self.entries.push((name, value));
        if self.index.is_none() && self.entries.len() > INDEX_FROM {
            self.reindex();
        }
        None
    }

    fn reindex(&mut self) {
        self.index = (self.entries.len() > INDEX_FROM).then(|| {
            Box::new(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            )
        });
    }

    /// The value of the field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.position(name).map(|at| &self.entries[at].1)
    }

    /// The value of the field `name`, to change in place.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.position(name).map(|at| &mut self.entries[at].1)
    }

    /// Whether the document has a field `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// Removes the field `name` and returns its value; the fields after it move up one
    /// place, so the order of the others is kept.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.position(name)?;
        let (_, value) = self.entries.remove(at);
        if self.index.is_some() {
            self.reindex();
        }
        Some(value)
    }

    /// The fields in order, as (name, value).
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The fields in order, with their values to change in place.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// The field names in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &str> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    /// The values in order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in order, to change in place.
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Value> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl PartialEq for Document {
    /// Two documents are equal when they have the same fields with equal values, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .enumerate()
                .all(|(i, (k, v))| match other.entries.get(i) {
                    // Documents built from one schema usually list fields in the same order.
                    Some((ok, ov)) if ok == k => ov == v,
                    _ => other.get(k) == Some(v),
                })
    }
}

impl std::ops::Index<&str> for Document {
    type Output = Value;

    /// The value of the field `name`; panics when there is none (use [`Document::get`] for a
    /// name that may be missing).
    fn index(&self, name: &str) -> &Value {
        match self.get(name) {
            Some(value) => value,
            None => panic!("the document has no field {name:?}"),
        }
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<FieldName>> FromIterator<(K, Value)> for Document {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut doc = Document::new();
        doc.extend(iter);
        doc
    }
}

impl<K: Into<FieldName>, const N: usize> From<[(K, Value); N]> for Document {
    fn from(fields: [(K, Value); N]) -> Self {
        fields.into_iter().collect()
    }
}

impl<K: Into<FieldName>> Extend<(K, Value)> for Document {
    fn extend<I: IntoIterator<Item = (K, Value)>>(&mut self, iter: I) {
        let iter = iter.into_iter();
        self.entries.reserve(iter.size_hint().0);
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

/// The fields of a [`Document`] in order, borrowed.
#[derive(Debug, Clone)]
pub struct Iter<'a>(std::slice::Iter<'a, (FieldName, Value)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.as_ref(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k.as_ref(), v))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The fields of a [`Document`] in order, with their values mutably borrowed.
#[derive(Debug)]
pub struct IterMut<'a>(std::slice::IterMut<'a, (FieldName, Value)>);

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a str, &'a mut Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&**k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for IterMut<'_> {}

/// The fields of a [`Document`] in order, owned.
#[derive(Debug)]
pub struct IntoIter(std::vec::IntoIter<(FieldName, Value)>);

impl Iterator for IntoIter {
    type Item = (String, Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.into_owned(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k.into_owned(), v))
    }
}

impl ExactSizeIterator for IntoIter {}

impl IntoIterator for Document {
    type Item = (String, Value);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter(self.entries.into_iter())
    }
}

impl<'a> IntoIterator for &'a Document {
    type Item = (&'a str, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Document {
    type Item = (&'a str, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(n: usize) -> Document {
        (0..n)
            .map(|i| (format!("f{i}"), Value::Int(i as i64)))
            .collect()
    }

    #[test]
    fn insert_keeps_order_and_replaces_in_place() {
        let mut d = Document::new();
        assert_eq!(d.insert("b", Value::Int(1)), None);
        assert_eq!(d.insert("a", Value::Int(2)), None);
        assert_eq!(d.insert("b", Value::Int(3)), Some(Value::Int(1)));
        let fields: Vec<_> = d.iter().map(|(k, v)| (k, v.clone())).collect();
        assert_eq!(fields, [("b", Value::Int(3)), ("a", Value::Int(2))]);
        assert_eq!(d.len(), 2);
    }

    #[test]
    fn remove_keeps_the_order_of_the_rest() {
        for n in [5, INDEX_FROM + 10] {
            let mut d = doc(n);
            assert_eq!(d.remove("f1"), Some(Value::Int(1)));
            assert_eq!(d.remove("f1"), None);
            assert_eq!(d.len(), n - 1);
            assert_eq!(d.keys().nth(1), Some("f2"));
            // After the removal every name still finds its own value.
            for i in (0..n).filter(|i| *i != 1) {
                assert_eq!(
                    d.get(&format!("f{i}")),
                    Some(&Value::Int(i as i64)),
                    "n={n} i={i}"
                );
            }
        }
    }

    #[test]
    fn wide_documents_find_every_field() {
        let mut d = doc(INDEX_FROM * 4);
        assert!(d.index.is_some());
        for i in 0..INDEX_FROM * 4 {
            assert_eq!(d.get(&format!("f{i}")), Some(&Value::Int(i as i64)));
        }
        assert_eq!(d.insert("f7", Value::Null), Some(Value::Int(7)));
        assert_eq!(d.len(), INDEX_FROM * 4);
        if let Some(v) = d.get_mut("f9") {
            *v = Value::Bool(true);
        }
        assert_eq!(d.get("f9"), Some(&Value::Bool(true)));
        assert!(!d.contains_key("g"));
    }

    #[test]
    fn a_document_keeps_values_small() {
        // Every field and list element is a `Value`: an unboxed index would make it 72 bytes.
        assert!(std::mem::size_of::<Document>() <= 32);
        assert!(std::mem::size_of::<Value>() <= 48);
    }

    #[test]
    fn equality_ignores_order() {
        let a: Document = [
            ("x".to_owned(), Value::Int(1)),
            ("y".to_owned(), Value::Int(2)),
        ]
        .into();
        let b: Document = [
            ("y".to_owned(), Value::Int(2)),
            ("x".to_owned(), Value::Int(1)),
        ]
        .into();
        let c: Document = [
            ("y".to_owned(), Value::Int(2)),
            ("x".to_owned(), Value::Int(9)),
        ]
        .into();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, doc(2));
        assert_eq!(
            doc(INDEX_FROM + 3),
            doc(INDEX_FROM + 3).into_iter().rev().collect()
        );
    }
}
