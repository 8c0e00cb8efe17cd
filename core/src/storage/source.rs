//! The query evaluator's view of stored objects: [`ObjectSource`] over a transaction's
//! connection, used for the residual filter and for SORT/DISTINCT keys the SQL cannot compute.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::types::Value as Sql;

use crate::query::{ObjectSource, QueryError};
use crate::schema::{Collection, PropertyType};
use crate::value::{Link, PrimaryKey, Value};

use super::encode::decode_scalar;
use super::layout::{quote, storage_of, Storage};
use super::objects::Store;
use super::StorageError;

fn source_err(e: StorageError) -> QueryError {
    QueryError::Source(e.to_string())
}

fn sql_err(e: rusqlite::Error) -> QueryError {
    QueryError::Source(StorageError::from(e).to_string())
}

/// Decodes a stored primary key of type `pk_type` (`None`: a row key).
pub fn decode_pk_as(pk_type: Option<PropertyType>, raw: Sql) -> Result<PrimaryKey, StorageError> {
    match (pk_type, raw) {
        (None | Some(PropertyType::Int), Sql::Integer(i)) => Ok(PrimaryKey::Int(i)),
        (None, _) => Err(StorageError::corrupt("a row key is not an integer")),
        (Some(_), Sql::Null) => Ok(PrimaryKey::Null),
        (Some(PropertyType::String), Sql::Text(s)) => Ok(PrimaryKey::String(s)),
        (Some(ty), raw) => PrimaryKey::try_from(decode_scalar(ty, raw)?)
            .map_err(|e| StorageError::corrupt(e.to_string())),
    }
}

impl Store<'_> {
    /// Decodes the stored primary key (the `_row` for a class without one) of an object of
    /// `class`.
    pub fn decode_pk(&self, class: &str, raw: Sql) -> Result<PrimaryKey, StorageError> {
        let schema = self.cat.class(class)?;
        decode_pk_as(schema.primary_key_property().map(|p| p.ty), raw)
    }

    /// Runs `sql` with `params` and decodes the primary keys of `class` in its first column.
    fn query_pks(
        &self,
        class: &str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<PrimaryKey>, QueryError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(sql_err)?;
        let raw: Vec<Sql> = stmt
            .query_map(params, |r| r.get(0))
            .map_err(sql_err)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql_err)?;
        raw.into_iter()
            .map(|r| self.decode_pk(class, r).map_err(source_err))
            .collect()
    }

    fn row_for(&self, object: &Link) -> Result<Option<i64>, QueryError> {
        let Ok(schema) = self.cat.class(&object.class) else {
            return Ok(None);
        };
        match self.row_of(schema, &object.pk) {
            Ok(row) => Ok(row),
            // A key of the wrong type names no object.
            Err(StorageError::TypeMismatch { .. }) => Ok(None),
            Err(e) => Err(source_err(e)),
        }
    }
}

impl ObjectSource for Store<'_> {
    fn object_keys(&self, class: &str) -> Result<Vec<PrimaryKey>, QueryError> {
        let schema = self.cat.class(class).map_err(source_err)?;
        let pk = schema
            .primary_key
            .as_deref()
            .map_or_else(|| "_row".to_owned(), quote);
        let sql = format!("SELECT {pk} FROM {} ORDER BY _row", self.cat.table(class));
        self.query_pks(class, &sql, [])
    }

    fn contains(&self, object: &Link) -> Result<bool, QueryError> {
        Ok(self.row_for(object)?.is_some())
    }

    fn property_value(&self, object: &Link, property: &str) -> Result<Value, QueryError> {
        let Some(row) = self.row_for(object)? else {
            return Ok(Value::Null);
        };
        let schema = self.cat.class(&object.class).map_err(source_err)?;
        let prop = self.cat.property(schema, property).map_err(source_err)?;
        self.read_property(schema, prop, row).map_err(source_err)
    }

    fn backlinks(
        &self,
        target: &Link,
        origin_class: &str,
        origin_property: &str,
    ) -> Result<Vec<PrimaryKey>, QueryError> {
        let Some(row) = self.row_for(target)? else {
            return Ok(Vec::new());
        };
        let schema = self.cat.class(origin_class).map_err(source_err)?;
        let prop = self
            .cat
            .property(schema, origin_property)
            .map_err(source_err)?;
        if prop.ty == PropertyType::Mixed {
            // Links held in mixed values have no link column: the partial index on the link
            // values of mixed columns and element tables finds them (and only the nested
            // collections that name the target's class are decoded).
            let mut rows = self
                .rows_linking_to(target, schema, prop)
                .map_err(source_err)?;
            rows.sort_unstable();
            return rows
                .into_iter()
                .map(|r| self.pk_of(schema, r).map_err(source_err))
                .collect();
        }
        if prop.ty != PropertyType::Object {
            return Ok(Vec::new());
        }
        let pk = schema
            .primary_key
            .as_deref()
            .map_or_else(|| "o._row".to_owned(), |p| format!("o.{}", quote(p)));
        let sql = match storage_of(prop) {
            Storage::Column => format!(
                "SELECT {pk} FROM {} o WHERE o.{} = ?1 ORDER BY o._row",
                self.cat.table(origin_class),
                quote(&prop.name)
            ),
            Storage::Elements if prop.collection != Collection::Single => format!(
                "SELECT {pk} FROM {} e JOIN {} o ON o._row = e.owner WHERE e.value = ?1 ORDER BY o._row, e._row",
                self.cat.elements(origin_class, origin_property),
                self.cat.table(origin_class)
            ),
            _ => return Ok(Vec::new()),
        };
        self.query_pks(origin_class, &sql, [row])
    }

    fn embedded_backlink_owners(
        &self,
        target: &Link,
        origin_class: &str,
        origin_property: &str,
    ) -> Result<Option<Vec<Link>>, QueryError> {
        let schema = self.cat.class(origin_class).map_err(source_err)?;
        let prop = self
            .cat
            .property(schema, origin_property)
            .map_err(source_err)?;
        // The embedded rows linking to the target (an indexed look-up), then the top-level
        // object each belongs to.
        let rows = self
            .rows_linking_to(target, schema, prop)
            .map_err(source_err)?;
        let mut owners: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
        for row in rows {
            if let Some((top, top_row)) = self.top_level_of(schema, row).map_err(source_err)? {
                owners.entry(&top.name).or_default().insert(top_row);
            }
        }
        let mut out = Vec::new();
        for (class, rows) in owners {
            let top = self.cat.class(class).map_err(source_err)?;
            for row in rows {
                out.push(Link {
                    class: class.to_owned(),
                    pk: self.pk_of(top, row).map_err(source_err)?,
                });
            }
        }
        Ok(Some(out))
    }
}
