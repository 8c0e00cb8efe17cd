//! [`MemoryStore`]: objects held in memory, an [`ObjectSource`] for the evaluator.
//!
//! The sync server keeps the objects a subscription query must see in one; tests build one
//! from the conformance data. Objects keep their insertion order (the natural order of
//! queries). A class without a primary key gets `PrimaryKey::Int` row keys 0, 1, 2, … .

use indexmap::IndexMap;

use super::{ObjectSource, QueryError};
use crate::schema::{PropertyType, Schema};
use crate::value::{Document, Link, PrimaryKey, Value};

/// Objects of a schema's classes, in memory, in insertion order per class.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    schema: Schema,
    classes: IndexMap<String, IndexMap<PrimaryKey, Document>>,
    next_row: IndexMap<String, i64>,
}

impl MemoryStore {
    /// An empty store for `schema`.
    pub fn new(schema: Schema) -> Self {
        Self {
            schema,
            classes: IndexMap::new(),
            next_row: IndexMap::new(),
        }
    }

    /// The schema the store holds objects of.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The primary key `fields` give an object of `class` (or the next row key for a class
    /// without one).
    fn key_for(&self, class: &str, fields: &Document) -> Result<PrimaryKey, QueryError> {
        let schema = self
            .schema
            .class(class)
            .ok_or_else(|| QueryError::Store(format!("no class named '{class}' in the schema")))?;
        if schema.embedded {
            return Err(QueryError::Store(format!(
                "'{class}' is an embedded class; its objects live inside their parent"
            )));
        }
        match &schema.primary_key {
            Some(pk) => {
                let value = fields.get(pk).cloned().ok_or_else(|| {
                    QueryError::Store(format!(
                        "an object of '{class}' needs its primary key '{pk}'"
                    ))
                })?;
                PrimaryKey::try_from(value)
                    .map_err(|e| QueryError::Store(format!("primary key '{pk}' of '{class}': {e}")))
            }
            None => Ok(PrimaryKey::Int(
                self.next_row.get(class).copied().unwrap_or(0),
            )),
        }
    }

    /// Adds an object; fails if its primary key is taken. Returns the link naming it.
    pub fn insert(&mut self, class: &str, fields: Document) -> Result<Link, QueryError> {
        let pk = self.key_for(class, &fields)?;
        let objects = self.classes.entry(class.to_owned()).or_default();
        if objects.contains_key(&pk) {
            return Err(QueryError::Store(format!(
                "an object of '{class}' with primary key {pk:?} already exists"
            )));
        }
        objects.insert(pk.clone(), fields);
        if let PrimaryKey::Int(row) = pk {
            let next = self.next_row.entry(class.to_owned()).or_insert(0);
            *next = (*next).max(row + 1);
        }
        Ok(Link {
            class: class.to_owned(),
            pk,
        })
    }

    /// Adds an object or replaces the fields of the one with the same primary key (keeping
    /// its position in the natural order). Returns the link naming it.
    pub fn upsert(&mut self, class: &str, fields: Document) -> Result<Link, QueryError> {
        let pk = self.key_for(class, &fields)?;
        let link = Link {
            class: class.to_owned(),
            pk: pk.clone(),
        };
        let has_pk = self
            .schema
            .class(class)
            .is_some_and(|c| c.primary_key.is_some());
        if has_pk {
            self.classes
                .entry(class.to_owned())
                .or_default()
                .insert(pk, fields);
            Ok(link)
        } else {
            self.insert(class, fields)
        }
    }

    /// The fields of an object.
    pub fn get(&self, object: &Link) -> Option<&Document> {
        self.classes.get(&object.class)?.get(&object.pk)
    }

    /// Removes an object and returns its fields. Links to it elsewhere read as null.
    pub fn remove(&mut self, object: &Link) -> Option<Document> {
        self.classes
            .get_mut(&object.class)?
            .shift_remove(&object.pk)
    }

    /// How many objects of `class` the store holds.
    pub fn len(&self, class: &str) -> usize {
        self.classes.get(class).map_or(0, IndexMap::len)
    }

    /// Whether the store holds no object at all.
    pub fn is_empty(&self) -> bool {
        self.classes.values().all(IndexMap::is_empty)
    }
}

impl ObjectSource for MemoryStore {
    fn object_keys(&self, class: &str) -> Result<Vec<PrimaryKey>, QueryError> {
        Ok(self
            .classes
            .get(class)
            .map(|objects| objects.keys().cloned().collect())
            .unwrap_or_default())
    }

    fn contains(&self, object: &Link) -> Result<bool, QueryError> {
        Ok(self.get(object).is_some())
    }

    fn property_value(&self, object: &Link, property: &str) -> Result<Value, QueryError> {
        let Some(doc) = self.get(object) else {
            return Ok(Value::Null);
        };
        if let Some(v) = doc.get(property) {
            return Ok(v.clone());
        }
        // An absent field reads as the property's empty value: an empty collection or null.
        let prop = self
            .schema
            .class(&object.class)
            .and_then(|c| c.property(property));
        Ok(match prop {
            Some(p) if p.ty != PropertyType::LinkingObjects => match p.collection {
                crate::schema::Collection::List => Value::List(Vec::new()),
                crate::schema::Collection::Set => Value::Set(Vec::new()),
                crate::schema::Collection::Dictionary => Value::Dictionary(Default::default()),
                crate::schema::Collection::Single => p.default.clone().unwrap_or(Value::Null),
            },
            _ => Value::Null,
        })
    }
}
