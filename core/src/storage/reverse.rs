//! Reverse look-ups: which rows hold a link to an object (in a link property, or in a `mixed`
//! value), and which object holds an embedded object. Change notifications follow links
//! backwards with them, and a commit reports the top-level object owning a changed embedded
//! one. Each look-up is served by an index: link columns and element values are indexed, and
//! a `mixed` column has a partial index on its link values (see `layout::create_column_index`).

use rusqlite::types::{Value as Sql, ValueRef};

use crate::query::eval::count_links;
use crate::schema::{ObjectSchema, Property, PropertyType};
use crate::value::{Link, PrimaryKey, Value};

use super::encode::{decode_nested, encode_mixed_link, MixedTag};
use super::layout::{nested_collections, quote, storage_of, tag_column, Storage};
use super::objects::Store;
use super::Result;

/// How many embedded levels a climb to the top-level owner follows before it gives up (a
/// guard against a corrupted file whose embedded rows point at each other).
const MAX_NESTING: usize = 100;

impl Store<'_> {
    /// The rows of `origin` whose property `prop` links to `target`: through a link (to-one or a
    /// collection of links) or through a `mixed` value (single or in a collection). A row is
    /// listed once per link it holds; none when `target` does not exist.
    pub fn rows_linking_to(
        &self,
        target: &Link,
        origin: &ObjectSchema,
        prop: &Property,
    ) -> Result<Vec<i64>> {
        let mixed = match prop.ty {
            PropertyType::Mixed => true,
            PropertyType::Object if prop.object_type.as_deref() == Some(target.class.as_str()) => {
                false
            }
            _ => return Ok(Vec::new()),
        };
        let Ok(target_schema) = self.cat.class(&target.class) else {
            return Ok(Vec::new());
        };
        let Some(row) = self.row_of(target_schema, &target.pk)? else {
            return Ok(Vec::new());
        };
        let link_tag = MixedTag::Link as i64;
        let (sql, arg) = match (storage_of(prop), mixed) {
            (Storage::Computed, _) => return Ok(Vec::new()),
            (Storage::Column, false) => (
                format!(
                    "SELECT _row FROM {} WHERE {} = ?1",
                    self.cat.table(&origin.name),
                    quote(&prop.name)
                ),
                Sql::Integer(row),
            ),
            (Storage::Column, true) => (
                format!(
                    "SELECT _row FROM {} WHERE {} = {link_tag} AND {} = ?1",
                    self.cat.table(&origin.name),
                    quote(&tag_column(&prop.name)),
                    quote(&prop.name)
                ),
                encode_mixed_link(&target.class, row),
            ),
            (Storage::Elements, false) => (
                format!(
                    "SELECT owner FROM {} WHERE value = ?1",
                    self.cat.elements(&origin.name, &prop.name)
                ),
                Sql::Integer(row),
            ),
            (Storage::Elements, true) => (
                format!(
                    "SELECT owner FROM {} WHERE value = ?1 AND \"value@type\" = {link_tag}",
                    self.cat.elements(&origin.name, &prop.name)
                ),
                encode_mixed_link(&target.class, row),
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([arg], |r| r.get(0))?;
        let mut out: Vec<i64> = rows.collect::<rusqlite::Result<_>>()?;
        if mixed {
            out.extend(self.rows_with_nested_link(target, origin, prop)?);
        }
        Ok(out)
    }

    /// The rows of `origin` whose `mixed` property `prop` holds a list or dictionary with a
    /// link to `target` inside (at any depth), once per link. Such links are kept by primary key inside the
    /// collection's BSON, so no index serves them: only the collections whose bytes name the
    /// target class are decoded.
    fn rows_with_nested_link(
        &self,
        target: &Link,
        origin: &ObjectSchema,
        prop: &Property,
    ) -> Result<Vec<i64>> {
        // The conditions repeat those of the partial indexes on rows holding nested
        // collections, so only those rows are read.
        let sql = match storage_of(prop) {
            Storage::Column => format!(
                "SELECT _row, {col} FROM {} WHERE {} AND instr({col}, ?1) > 0",
                self.cat.table(&origin.name),
                nested_collections(&quote(&tag_column(&prop.name))),
                col = quote(&prop.name),
            ),
            Storage::Elements => format!(
                "SELECT owner, value FROM {} WHERE {} AND instr(value, ?1) > 0",
                self.cat.elements(&origin.name, &prop.name),
                nested_collections("\"value@type\""),
            ),
            Storage::Computed => return Ok(Vec::new()),
        };
        // The class name as BSON writes it in the link's `$ref` string.
        let mut needle = target.class.as_bytes().to_vec();
        needle.push(0);
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let candidates = stmt.query_map([Sql::Blob(needle)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut out = Vec::new();
        for candidate in candidates {
            let (row, stored): (i64, Sql) = candidate?;
            let links = count_links(&decode_nested(stored)?, target);
            out.extend(std::iter::repeat_n(row, links));
        }
        Ok(out)
    }

    /// The object holding the embedded object at `row` of the embedded class `class`, looked
    /// for in the `(class, property)` slots `parents`: `(parent class, parent row, property)`.
    pub fn embedded_parent<'p>(
        &self,
        row: i64,
        parents: &'p [(String, String)],
    ) -> Result<Option<(&'p str, i64, &'p str)>> {
        for (parent, property) in parents {
            let schema = self.cat.class(parent)?;
            let prop = self.cat.property(schema, property)?;
            let sql = match storage_of(prop) {
                Storage::Column => format!(
                    "SELECT _row FROM {} WHERE {} = ?1 LIMIT 1",
                    self.cat.table(parent),
                    quote(property)
                ),
                Storage::Elements => format!(
                    "SELECT owner FROM {} WHERE value = ?1 LIMIT 1",
                    self.cat.elements(parent, property)
                ),
                Storage::Computed => continue,
            };
            let found: Option<i64> = rusqlite::OptionalExtension::optional(
                self.conn
                    .prepare_cached(&sql)?
                    .query_row([row], |r| r.get(0)),
            )?;
            if let Some(parent_row) = found {
                return Ok(Some((parent, parent_row, property)));
            }
        }
        Ok(None)
    }

    /// The top-level object that the object at `row` of `class` belongs to: itself for a
    /// top-level class, the object whose (possibly nested) embedded object it is otherwise.
    /// `None` when an embedded row has no parent (it is being deleted with it).
    pub fn top_level_of<'c>(
        &'c self,
        class: &'c ObjectSchema,
        row: i64,
    ) -> Result<Option<(&'c ObjectSchema, i64)>> {
        let (mut class, mut row) = (class, row);
        for _ in 0..MAX_NESTING {
            if !class.embedded {
                return Ok(Some((class, row)));
            }
            let parents = embedded_slots(&self.cat.schema, &class.name);
            match self.embedded_parent(row, &parents)? {
                Some((parent, parent_row, _)) => {
                    class = self.cat.class(parent)?;
                    row = parent_row;
                }
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

/// How many links to the object of `class` whose stored primary key (its row key for a class
/// without one) is `pk` the nested list or dictionary `value` holds, at any depth. The SQL
/// function `sl_nested_links` (see `meta::open_connection`) counts with it.
pub fn count_nested_links(value: &Value, class: &str, pk: ValueRef<'_>) -> usize {
    match value {
        Value::Link(link) if link.class == class => usize::from(match (&link.pk, pk) {
            (PrimaryKey::Null, ValueRef::Null) => true,
            (PrimaryKey::Int(a), ValueRef::Integer(b)) => *a == b,
            (PrimaryKey::String(a), ValueRef::Text(b)) => a.as_bytes() == b,
            (PrimaryKey::ObjectId(a), ValueRef::Blob(b)) => a.bytes().as_slice() == b,
            (PrimaryKey::Uuid(a), ValueRef::Blob(b)) => a.as_bytes().as_slice() == b,
            _ => false,
        }),
        Value::List(items) => items.iter().map(|v| count_nested_links(v, class, pk)).sum(),
        Value::Dictionary(map) => map.values().map(|v| count_nested_links(v, class, pk)).sum(),
        _ => 0,
    }
}

/// Every `(class, property)` of `schema` that holds objects of the embedded class `embedded`.
pub fn embedded_slots(schema: &crate::schema::Schema, embedded: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for class in &schema.classes {
        for prop in &class.properties {
            if prop.ty == PropertyType::Object && prop.object_type.as_deref() == Some(embedded) {
                out.push((class.name.clone(), prop.name.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use crate::db::{Config, Database};
    use crate::schema::{ObjectSchema, Property, PropertyType, Schema};

    #[test]
    fn link_values_of_a_mixed_column_are_found_through_an_index() {
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("m", PropertyType::Mixed).optional(),
            ],
        )
        .with_primary_key("_id")]);
        let db = Database::open_temporary(Config::new(schema)).unwrap();
        let conn = rusqlite::Connection::open(db.path()).unwrap();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT _row FROM \"A\" WHERE \"m@type\" = 11 AND \"m\" = ?1",
            )
            .unwrap()
            .query_map([b"A\0\0\0\0\0\0\0\0\x01".to_vec()], |r| r.get(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("INDEX A.m.links")),
            "{plan:?}"
        );
    }

    #[test]
    fn nested_collections_in_mixed_are_found_through_an_index() {
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("m", PropertyType::Mixed).optional(),
                Property::new("ms", PropertyType::Mixed).optional().list(),
            ],
        )
        .with_primary_key("_id")]);
        let db = Database::open_temporary(Config::new(schema)).unwrap();
        let conn = rusqlite::Connection::open(db.path()).unwrap();
        let plan = |sql: String| -> Vec<String> {
            conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([b"A\0".to_vec()], |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        // The same queries as `rows_with_nested_link` builds.
        let column = plan(format!(
            "SELECT _row, \"m\" FROM \"A\" WHERE {} AND instr(\"m\", ?1) > 0",
            super::nested_collections("\"m@type\"")
        ));
        assert!(
            column.iter().any(|step| step.contains("INDEX A.m.nested")),
            "{column:?}"
        );
        let elements = plan(format!(
            "SELECT owner, value FROM \"A.ms\" WHERE {} AND instr(value, ?1) > 0",
            super::nested_collections("\"value@type\"")
        ));
        assert!(
            elements
                .iter()
                .any(|step| step.contains("INDEX A.ms.nested")),
            "{elements:?}"
        );
    }
}
