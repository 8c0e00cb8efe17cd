//! Object primitives on the class tables: find, read, create, update, delete, collections.
//!
//! Everything here works on internal row keys; the public API (`crate::db`) maps primary keys
//! and paths to rows, and records what each write did. The sync merge (`sync_store.rs`) reuses
//! these primitives to apply remote changes.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use rusqlite::types::Value as Sql;
use rusqlite::{params, Connection, OptionalExtension, Statement};

use crate::schema::{Collection, ObjectSchema, Property, PropertyType};
use crate::sync::{ElementId, Hlc, ReplicaId, Stamp};
use crate::value::{Document, Link, PrimaryKey, Value};

use super::encode::{
    decode_mixed_link, decode_scalar, encode_mixed, encode_mixed_link, encode_scalar, tag_type,
    MixedTag,
};
use super::layout::{quote, storage_of, tag_column, Catalog, Storage};
use super::order_key;
use super::path::PathElement;
use super::writer::WriterConn;
use super::{Result, StorageError};

/// A stamp from its stored form.
pub fn stamp(clock: i64, replica: i64) -> Result<Stamp> {
    Ok(Stamp {
        clock: Hlc::from_packed(clock).map_err(|e| StorageError::corrupt(e.to_string()))?,
        replica: ReplicaId::from_i64(replica).map_err(|e| StorageError::corrupt(e.to_string()))?,
    })
}

/// An element id from its stored form.
pub fn element_id(clock: i64, replica: i64, seq: i64) -> Result<ElementId> {
    let s = stamp(clock, replica)?;
    Ok(ElementId {
        clock: s.clock,
        replica: s.replica,
        seq: u32::try_from(seq)
            .map_err(|_| StorageError::corrupt("a list element sequence number is out of range"))?,
    })
}

struct RawEntry {
    row: i64,
    pos: Vec<u8>,
    id: (i64, i64, i64),
}

/// One stored list element.
#[derive(Debug, Clone)]
pub struct ListEntry {
    /// The element table row.
    pub row: i64,
    /// The ordering key.
    pub pos: Vec<u8>,
    /// The stable element id.
    pub id: ElementId,
}

/// The state of an open write: its stamp and the next element sequence number.
#[derive(Debug)]
pub struct WriteCtx {
    /// The stamp of every change of this transaction.
    pub stamp: Stamp,
    /// The next element sequence number.
    pub seq: Cell<u32>,
    /// Top-level objects changed by side effects (links nulled by a delete): (class, row).
    pub touched: RefCell<Vec<(String, i64)>>,
    /// Whether the tombstone table may hold rows (`None` until checked): creates skip
    /// clearing tombstones when there are none.
    pub tombstones: Cell<Option<bool>>,
}

impl WriteCtx {
    /// A context for a transaction stamped `stamp`.
    pub fn new(stamp: Stamp) -> Self {
        WriteCtx {
            stamp,
            seq: Cell::new(0),
            touched: RefCell::new(Vec::new()),
            tombstones: Cell::new(None),
        }
    }

    fn next_element_id(&self) -> ElementId {
        let seq = self.seq.get();
        self.seq.set(seq.saturating_add(1));
        ElementId {
            clock: self.stamp.clock,
            replica: self.stamp.replica,
            seq,
        }
    }
}

/// Where a path leads: a property of one (possibly embedded) object row, and optionally one
/// element of it.
#[derive(Debug, Clone)]
pub struct Target<'s> {
    /// The class of the object holding the property.
    pub class: &'s ObjectSchema,
    /// That object's row.
    pub row: i64,
    /// The property.
    pub prop: &'s Property,
    /// A list position or dictionary key inside the property.
    pub element: Option<PathElement>,
}

/// Read and write access to objects through one connection.
pub struct Store<'a> {
    /// The connection (inside a transaction).
    pub conn: &'a Connection,
    /// The schema and table names.
    pub cat: &'a Catalog,
}

/// A document's values by property position (see [`Store::resolve_document`]); most classes
/// have few enough properties for it to stay off the heap.
pub type Given<'d> = smallvec::SmallVec<[Option<&'d Value>; 16]>;

/// Binds `sql` as parameter `at` of `stmt`, by its type.
fn bind_sql(stmt: &mut Statement<'_>, at: usize, sql: &Sql) -> rusqlite::Result<()> {
    match sql {
        Sql::Null => stmt.raw_bind_parameter(at, rusqlite::types::Null),
        Sql::Integer(n) => stmt.raw_bind_parameter(at, *n),
        Sql::Real(f) => stmt.raw_bind_parameter(at, *f),
        Sql::Text(t) => stmt.raw_bind_parameter(at, t.as_str()),
        Sql::Blob(b) => stmt.raw_bind_parameter(at, b.as_slice()),
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error().map(|e| e.extended_code),
        Some(rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    )
}

/// Prints a primary key for messages.
pub fn pk_display(pk: &PrimaryKey) -> String {
    match pk {
        PrimaryKey::Null => "null".into(),
        PrimaryKey::Int(i) => i.to_string(),
        PrimaryKey::String(s) => format!("{s:?}"),
        PrimaryKey::ObjectId(o) => format!("oid({o})"),
        PrimaryKey::Uuid(u) => format!("uuid({u})"),
    }
}

/// A property that can hold a link to one object: a link property to its class, or a mixed
/// property (whose links are tagged).
pub(crate) struct LinkHolder<'c> {
    /// The class that has the property.
    pub class: &'c ObjectSchema,
    /// The property.
    pub prop: &'c Property,
    /// Whether it is a link property to the object's class (else it is mixed).
    pub direct: bool,
    /// The stored form of the link: the `?1` of the link conditions.
    pub arg: Sql,
}

/// Every property of the schema that can hold a link to the object at `row` of `class`, in
/// schema order (the properties computed from others included).
pub(crate) fn link_holders<'c>(
    cat: &'c Catalog,
    class: &ObjectSchema,
    row: i64,
) -> Vec<LinkHolder<'c>> {
    let mixed_link = encode_mixed_link(&class.name, row);
    let mut holders = Vec::new();
    for other in &cat.schema.classes {
        for prop in &other.properties {
            let direct = prop.ty == PropertyType::Object
                && prop.object_type.as_deref() == Some(class.name.as_str());
            if !direct && prop.ty != PropertyType::Mixed {
                continue;
            }
            let arg = if direct {
                Sql::Integer(row)
            } else {
                mixed_link.clone()
            };
            holders.push(LinkHolder {
                class: other,
                prop,
                direct,
                arg,
            });
        }
    }
    holders
}

/// The condition on a class table that finds the link in the column of `prop` (a mixed
/// column must also be tagged as a link).
pub(crate) fn column_link_condition(prop: &Property, direct: bool) -> String {
    let col = quote(&prop.name);
    if direct {
        format!("{col} = ?1")
    } else {
        let tag = quote(&tag_column(&prop.name));
        format!("{tag} = 11 AND {col} = ?1")
    }
}

/// The condition on an element table that finds the link in `value`.
pub(crate) fn element_link_condition(direct: bool) -> &'static str {
    if direct {
        "value = ?1"
    } else {
        "\"value@type\" = 11 AND value = ?1"
    }
}

/// An ordering key that puts a new element at position `index` of `entries` (sorted by key;
/// `index` = length is after the last).
fn key_at(entries: &[ListEntry], index: usize) -> Result<Vec<u8>> {
    let before = index
        .checked_sub(1)
        .and_then(|i| entries.get(i))
        .map(|e| e.pos.as_slice());
    let after = entries.get(index).map(|e| e.pos.as_slice());
    // Entries with equal keys (concurrent remote inserts) leave no room between them; put the
    // new element just before the next distinct key instead.
    let pos = if before.is_some() && before == after {
        let next = entries
            .iter()
            .skip(index)
            .map(|e| e.pos.as_slice())
            .find(|p| Some(*p) != before);
        order_key::between(before, next)?
    } else {
        order_key::between(before, after)?
    };
    Ok(pos)
}

/// The primary key `pk` of `class` (whose key property is `pk_prop`) as its column stores it,
/// as the tombstones keep it.
pub(crate) fn stored_pk(class: &ObjectSchema, pk_prop: &Property, pk: &PrimaryKey) -> Result<Sql> {
    Ok(match pk {
        PrimaryKey::Null => Sql::Null,
        pk => {
            let v = Value::from(pk.clone());
            encode_scalar(pk_prop.ty, &v).map_err(|e| mismatch(class, pk_prop, e, &v))?
        }
    })
}

fn mismatch(class: &ObjectSchema, prop: &Property, expected: &str, found: &Value) -> StorageError {
    StorageError::TypeMismatch {
        class: class.name.clone(),
        property: prop.name.clone(),
        expected: expected.to_owned(),
        found: found.type_name().to_owned(),
    }
}

/// Writes `value` into column `prop` of every row of `class` (used when a column with a default
/// is added).
pub fn fill_column(
    conn: &Connection,
    cat: &Catalog,
    class: &ObjectSchema,
    prop: &Property,
    value: &Value,
) -> Result<()> {
    let store = Store { conn, cat };
    let (sql, tag) = store.encode_plain(class, prop, value)?;
    let mut set = format!("{} = ?1", quote(&prop.name));
    if prop.ty == PropertyType::Mixed {
        set.push_str(&format!(", {} = ?2", quote(&tag_column(&prop.name))));
    }
    let update = format!("UPDATE {} SET {set}", cat.table(&class.name));
    if prop.ty == PropertyType::Mixed {
        conn.execute(&update, params![sql, tag])?;
    } else {
        conn.execute(&update, params![sql])?;
    }
    Ok(())
}

impl<'a> Store<'a> {
    // ---------- finding objects ----------

    /// The row of the object of `class` with primary key `pk`, if it exists.
    pub fn row_of(&self, class: &ObjectSchema, pk: &PrimaryKey) -> Result<Option<i64>> {
        self.row_of_with(None, class, pk)
    }

    /// Runs `f` with `sql` prepared: kept by the writer connection `kept` (which must be this
    /// store's connection) when given, else from the connection's statement cache.
    fn with_stmt<R>(
        &self,
        kept: Option<&WriterConn>,
        sql: &str,
        f: impl FnOnce(&mut Statement<'_>) -> Result<R>,
    ) -> Result<R> {
        match kept {
            Some(writer) => writer.with_kept(sql, f),
            None => {
                let mut stmt = self.conn.prepare_cached(sql)?;
                f(&mut stmt)
            }
        }
    }

    /// [`Store::row_of`], its statement kept by `kept` when given.
    fn row_of_with(
        &self,
        kept: Option<&WriterConn>,
        class: &ObjectSchema,
        pk: &PrimaryKey,
    ) -> Result<Option<i64>> {
        // Formatted only off the hot path (a class's primary key lookup is precomputed).
        let table = || self.cat.table(&class.name);
        let Some(pk_prop) = class.primary_key_property() else {
            let PrimaryKey::Int(row) = pk else {
                return Err(StorageError::TypeMismatch {
                    class: class.name.clone(),
                    property: "(row key)".into(),
                    expected: "an int row key (the class has no primary key)".into(),
                    found: Value::from(pk.clone()).type_name().into(),
                });
            };
            return Ok(self
                .conn
                .prepare_cached(&format!("SELECT _row FROM {} WHERE _row = ?1", table()))?
                .query_row([row], |r| r.get(0))
                .optional()?);
        };
        let col = || quote(&pk_prop.name);
        if *pk == PrimaryKey::Null {
            if !pk_prop.optional {
                return Ok(None);
            }
            return Ok(self
                .conn
                .prepare_cached(&format!(
                    "SELECT _row FROM {} WHERE {} IS NULL",
                    table(),
                    col()
                ))?
                .query_row([], |r| r.get(0))
                .optional()?);
        }
        let value = Value::from(pk.clone());
        let sql = encode_scalar(pk_prop.ty, &value)
            .map_err(|expected| mismatch(class, pk_prop, expected, &value))?;
        let select = match self.cat.row_sql(&class.name) {
            Some(select) => std::borrow::Cow::Borrowed(select),
            None => format!("SELECT _row FROM {} WHERE {} = ?1", table(), col()).into(),
        };
        self.with_stmt(kept, &select, |stmt| {
            Ok(stmt.query_row([&sql], |r| r.get(0)).optional()?)
        })
    }

    /// Like [`Store::row_of`], but a missing object is an `ObjectNotFound` error.
    pub fn require_row(&self, class: &ObjectSchema, pk: &PrimaryKey) -> Result<i64> {
        self.row_of(class, pk)?
            .ok_or_else(|| StorageError::ObjectNotFound {
                class: class.name.clone(),
                pk: pk_display(pk),
            })
    }

    /// The primary key of the object at `row` (its row key for a class without one).
    pub fn pk_of(&self, class: &ObjectSchema, row: i64) -> Result<PrimaryKey> {
        let Some(pk_prop) = class.primary_key_property() else {
            return Ok(PrimaryKey::Int(row));
        };
        let sql: Sql = self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE _row = ?1",
                quote(&pk_prop.name),
                self.cat.table(&class.name)
            ))?
            .query_row([row], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StorageError::corrupt(format!("row {row} of '{}' is missing", class.name))
            })?;
        PrimaryKey::try_from(decode_scalar(pk_prop.ty, sql)?)
            .map_err(|e| StorageError::corrupt(e.to_string()))
    }

    /// The rows of all objects of `class`, in insertion order.
    pub fn all_rows(&self, class: &ObjectSchema) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT _row FROM {} ORDER BY _row",
            self.cat.table(&class.name)
        ))?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The link to the top-level object at `row` of `class`.
    pub fn link_of(&self, class: &str, row: i64) -> Result<Link> {
        let schema = self.cat.class(class)?;
        Ok(Link {
            class: class.to_owned(),
            pk: self.pk_of(schema, row)?,
        })
    }

    // ---------- reading ----------

    fn decode_stored(&self, prop: &Property, sql: Sql, tag: Option<i64>) -> Result<Value> {
        match prop.ty {
            PropertyType::Object => {
                let Sql::Integer(row) = sql else {
                    return Ok(Value::Null);
                };
                let target = prop
                    .object_type
                    .as_deref()
                    .ok_or_else(|| StorageError::corrupt("a link property has no target"))?;
                if self.cat.is_embedded(target) {
                    let class = self.cat.class(target)?;
                    Ok(Value::Embedded(self.read_object(class, row)?))
                } else {
                    Ok(Value::Link(self.link_of(target, row)?))
                }
            }
            PropertyType::Mixed => self.decode_mixed(sql, tag),
            ty => decode_scalar(ty, sql),
        }
    }

    /// Decodes a stored mixed value and its tag.
    pub fn decode_mixed(&self, sql: Sql, tag: Option<i64>) -> Result<Value> {
        let tag = MixedTag::from_i64(tag.unwrap_or(0))
            .ok_or_else(|| StorageError::corrupt("an unknown mixed type tag"))?;
        match tag {
            MixedTag::Null => Ok(Value::Null),
            MixedTag::Link => {
                let Sql::Blob(b) = sql else {
                    return Err(StorageError::corrupt("a stored mixed link is not a blob"));
                };
                let (class, row) = decode_mixed_link(&b)?;
                Ok(Value::Link(self.link_of(&class, row)?))
            }
            MixedTag::List | MixedTag::Dictionary => super::encode::decode_nested(sql),
            tag => decode_scalar(tag_type(tag).unwrap_or(PropertyType::Mixed), sql),
        }
    }

    /// All fields of the object at `row` (collections, embedded objects and links resolved).
    pub fn read_object(&self, class: &ObjectSchema, row: i64) -> Result<Document> {
        let cols = super::layout::value_columns(class);
        let sql = format!(
            "SELECT {} FROM {} WHERE _row = ?1",
            if cols.is_empty() {
                "_row".to_owned()
            } else {
                cols.join(", ")
            },
            self.cat.table(&class.name)
        );
        let raw: Vec<Sql> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([row], |r| {
                (0..cols.len().max(1))
                    .map(|i| r.get::<_, Sql>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .optional()?
            .ok_or_else(|| {
                StorageError::corrupt(format!("row {row} of '{}' is missing", class.name))
            })?;
        let mut raw = raw.into_iter();
        let mut doc = Document::new();
        for prop in &class.properties {
            let value = match storage_of(prop) {
                Storage::Computed => continue,
                Storage::Column => {
                    let v = raw.next().unwrap_or(Sql::Null);
                    let tag = if prop.ty == PropertyType::Mixed {
                        match raw.next() {
                            Some(Sql::Integer(t)) => Some(t),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    self.decode_stored(prop, v, tag)?
                }
                Storage::Elements => self.read_collection(class, prop, row)?,
            };
            doc.insert(prop.name.clone(), value);
        }
        Ok(doc)
    }

    /// One property of the object at `row`.
    pub fn read_property(&self, class: &ObjectSchema, prop: &Property, row: i64) -> Result<Value> {
        match storage_of(prop) {
            Storage::Computed => Err(StorageError::UnsupportedOperation {
                class: class.name.clone(),
                property: prop.name.clone(),
                operation: "reading",
                reason: "backlinks are computed by queries".into(),
            }),
            Storage::Elements => self.read_collection(class, prop, row),
            Storage::Column => {
                let (v, tag) = self.raw_column(class, prop, row)?;
                self.decode_stored(prop, v, tag)
            }
        }
    }

    /// The stored value (and mixed tag) of a column.
    pub fn raw_column(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        row: i64,
    ) -> Result<(Sql, Option<i64>)> {
        let tag_col = if prop.ty == PropertyType::Mixed {
            quote(&tag_column(&prop.name))
        } else {
            "NULL".into()
        };
        self.conn
            .prepare_cached(&format!(
                "SELECT {}, {tag_col} FROM {} WHERE _row = ?1",
                quote(&prop.name),
                self.cat.table(&class.name)
            ))?
            .query_row([row], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| {
                StorageError::corrupt(format!("row {row} of '{}' is missing", class.name))
            })
    }

    /// The columns of an element table that hold an element of `prop`: its value and, for a
    /// mixed property, its tag (else NULL).
    pub(crate) fn element_columns(prop: &Property) -> &'static str {
        if prop.ty == PropertyType::Mixed {
            "value, \"value@type\""
        } else {
            "value, NULL"
        }
    }

    /// The elements of a collection as a `Value::List`, `Value::Set` or `Value::Dictionary`.
    pub fn read_collection(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        row: i64,
    ) -> Result<Value> {
        let table = self.cat.elements(&class.name, &prop.name);
        let vc = Self::element_columns(prop);
        match prop.collection {
            Collection::Dictionary => {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("SELECT key, {vc} FROM {table} WHERE owner = ?1"))?;
                let rows = stmt.query_map([row], |r| {
                    Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
                })?;
                let mut map = BTreeMap::new();
                for r in rows {
                    let (k, v, t) = r?;
                    map.insert(k, self.decode_stored(prop, v, t)?);
                }
                Ok(Value::Dictionary(map))
            }
            Collection::List | Collection::Set => {
                let order = if prop.collection == Collection::List {
                    "pos, eclock, ereplica, eseq"
                } else {
                    "_row"
                };
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT {vc} FROM {table} WHERE owner = ?1 ORDER BY {order}"
                ))?;
                let rows = stmt.query_map([row], |r| Ok((r.get(0)?, r.get(1)?)))?;
                let mut out = Vec::new();
                for r in rows {
                    let (v, t) = r?;
                    out.push(self.decode_stored(prop, v, t)?);
                }
                Ok(if prop.collection == Collection::List {
                    Value::List(out)
                } else {
                    Value::Set(out)
                })
            }
            Collection::Single => Err(StorageError::corrupt("a single value read as a collection")),
        }
    }

    /// The entries of a list in order.
    pub fn list_entries(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
    ) -> Result<Vec<ListEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT _row, pos, eclock, ereplica, eseq FROM {} WHERE owner = ?1 ORDER BY pos, eclock, ereplica, eseq",
            self.cat.elements(&class.name, &prop.name)
        ))?;
        let rows = stmt.query_map([owner], |r| {
            Ok(RawEntry {
                row: r.get(0)?,
                pos: r.get(1)?,
                id: (
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ),
            })
        })?;
        let raw: Vec<RawEntry> = rows.collect::<rusqlite::Result<_>>()?;
        raw.into_iter()
            .map(|e| {
                Ok(ListEntry {
                    row: e.row,
                    pos: e.pos,
                    id: element_id(e.id.0, e.id.1, e.id.2)?,
                })
            })
            .collect()
    }

    fn element_value(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        elem_row: i64,
    ) -> Result<(Sql, Option<i64>)> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {} FROM {} WHERE _row = ?1",
                Self::element_columns(prop),
                self.cat.elements(&class.name, &prop.name)
            ))?
            .query_row([elem_row], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StorageError::corrupt("a list element is missing"))
    }

    // ---------- paths ----------

    /// Follows `path` from the object at `row` of `class`.
    pub fn resolve<'s>(
        &'s self,
        class: &'s ObjectSchema,
        row: i64,
        path: &[PathElement],
    ) -> Result<Target<'s>>
    where
        'a: 's,
    {
        let invalid = |reason: String| StorageError::InvalidPath {
            class: class.name.clone(),
            path: super::path::display(path),
            reason,
        };
        let mut cls: &'s ObjectSchema = class;
        let mut row = row;
        let mut i = 0;
        loop {
            let Some(PathElement::Property(name)) = path.get(i) else {
                return Err(invalid(format!(
                    "expected a property name at step {}",
                    i + 1
                )));
            };
            let prop = self.cat.property(cls, name)?;
            i += 1;
            let Some(next) = path.get(i) else {
                return Ok(Target {
                    class: cls,
                    row,
                    prop,
                    element: None,
                });
            };
            let embedded_target = self.cat.is_embedded_link(prop);
            // A list position or dictionary key: as the last step it names an element of
            // `prop`; before others it must lead into an embedded object.
            let element_step = |kind: Collection, members: &str| -> Result<Option<Target<'s>>> {
                if prop.collection != kind {
                    return Err(invalid(format!(
                        "'{name}' is not a {}",
                        kind.name().unwrap_or("collection")
                    )));
                }
                if i + 1 == path.len() {
                    return Ok(Some(Target {
                        class: cls,
                        row,
                        prop,
                        element: Some(next.clone()),
                    }));
                }
                if !embedded_target {
                    return Err(invalid(format!(
                        "the {members} of '{name}' are not embedded objects"
                    )));
                }
                Ok(None)
            };
            let child = match next {
                PathElement::Property(_) => {
                    if prop.collection != Collection::Single || !embedded_target {
                        return Err(invalid(format!(
                            "'{name}' is not an embedded object; to change a linked object, update it directly"
                        )));
                    }
                    match self.raw_column(cls, prop, row)?.0 {
                        Sql::Integer(child) => child,
                        _ => return Err(invalid(format!("'{name}' is null"))),
                    }
                }
                PathElement::Index(n) => {
                    if let Some(target) = element_step(Collection::List, "elements")? {
                        return Ok(target);
                    }
                    let (entry, _) = self.list_entry(cls, prop, row, *n)?;
                    i += 1;
                    match self.element_value(cls, prop, entry.row)?.0 {
                        Sql::Integer(child) => child,
                        _ => return Err(StorageError::corrupt("an embedded list element is null")),
                    }
                }
                PathElement::Key(k) => {
                    if let Some(target) = element_step(Collection::Dictionary, "values")? {
                        return Ok(target);
                    }
                    i += 1;
                    let v: Option<Sql> = self
                        .conn
                        .prepare_cached(&format!(
                            "SELECT value FROM {} WHERE owner = ?1 AND key = ?2",
                            self.cat.elements(&cls.name, &prop.name)
                        ))?
                        .query_row(params![row, k], |r| r.get(0))
                        .optional()?;
                    match v {
                        Some(Sql::Integer(child)) => child,
                        _ => {
                            return Err(invalid(format!(
                                "'{name}' has no embedded object at key {k:?}"
                            )))
                        }
                    }
                }
            };
            cls = self
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            row = child;
        }
    }

    // ---------- writing ----------

    /// Encodes a value that needs no new rows (no embedded objects): scalars, mixed, links.
    fn encode_plain(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        value: &Value,
    ) -> Result<(Sql, Option<i64>)> {
        if value.is_null() {
            let nullable = prop.optional
                || prop.ty == PropertyType::Mixed
                || (prop.ty == PropertyType::Object && prop.collection == Collection::Single)
                || (prop.ty == PropertyType::Object && prop.collection == Collection::Dictionary);
            if !nullable {
                return Err(StorageError::MissingRequired {
                    class: class.name.clone(),
                    property: prop.name.clone(),
                });
            }
            let tag = (prop.ty == PropertyType::Mixed).then_some(MixedTag::Null as i64);
            return Ok((Sql::Null, tag));
        }
        match prop.ty {
            PropertyType::Object => {
                let target = prop.object_type.as_deref().unwrap_or_default();
                let Value::Link(link) = value else {
                    return Err(mismatch(
                        class,
                        prop,
                        &format!("a link to '{target}'"),
                        value,
                    ));
                };
                if link.class != target {
                    return Err(StorageError::TypeMismatch {
                        class: class.name.clone(),
                        property: prop.name.clone(),
                        expected: format!("a link to '{target}'"),
                        found: format!("a link to '{}'", link.class),
                    });
                }
                Ok((Sql::Integer(self.link_target(class, prop, link)?), None))
            }
            PropertyType::Mixed => {
                if let Value::Link(link) = value {
                    if self.cat.is_embedded(&link.class) {
                        return Err(mismatch(class, prop, "a link to a top-level object", value));
                    }
                    let row = self.link_target(class, prop, link)?;
                    return Ok((
                        encode_mixed_link(&link.class, row),
                        Some(MixedTag::Link as i64),
                    ));
                }
                let (sql, tag) =
                    encode_mixed(value).map_err(|e| mismatch(class, prop, e, value))?;
                Ok((sql, Some(tag as i64)))
            }
            ty => Ok((
                encode_scalar(ty, value).map_err(|e| mismatch(class, prop, e, value))?,
                None,
            )),
        }
    }

    fn link_target(&self, class: &ObjectSchema, prop: &Property, link: &Link) -> Result<i64> {
        let dangling = || StorageError::DanglingLink {
            class: class.name.clone(),
            property: prop.name.clone(),
            target: format!("{}({})", link.class, pk_display(&link.pk)),
        };
        let target = self.cat.class(&link.class).map_err(|_| dangling())?;
        self.row_of(target, &link.pk)
            .map_err(|e| match e {
                StorageError::TypeMismatch { .. } => dangling(),
                e => e,
            })?
            .ok_or_else(dangling)
    }

    /// Encodes a value, creating embedded objects as needed.
    pub fn encode_value(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        value: &Value,
    ) -> Result<(Sql, Option<i64>)> {
        if self.cat.is_embedded_link(prop) && !value.is_null() {
            let Value::Embedded(doc) = value else {
                return Err(mismatch(class, prop, "an embedded object", value));
            };
            let child_class = self
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            let child = self.insert_row(ctx, child_class, doc)?;
            return Ok((Sql::Integer(child), None));
        }
        self.encode_plain(class, prop, value)
    }

    /// Inserts a new object (top-level or embedded) from `doc`, applying defaults; returns its
    /// row. Checks unknown properties, types and required fields; a duplicate primary key is a
    /// `DuplicatePrimaryKey` error.
    pub fn insert_row(&self, ctx: &WriteCtx, class: &ObjectSchema, doc: &Document) -> Result<i64> {
        let given = self.resolve_document(class, doc)?;
        self.insert_resolved(ctx, class, &given)
    }

    /// The values of `doc` by property position of `class` (`None` where not given), after
    /// checking that every key names a property that can be written.
    pub fn resolve_document<'d>(
        &self,
        class: &ObjectSchema,
        doc: &'d Document,
    ) -> Result<Given<'d>> {
        let mut given = Given::from_elem(None, class.properties.len());
        for (i, (key, value)) in doc.iter().enumerate() {
            // Documents usually list their properties in schema order: try that place first.
            let index = match class.properties.get(i) {
                Some(p) if p.name == *key => i,
                _ => class
                    .properties
                    .iter()
                    .position(|p| p.name == *key)
                    .ok_or_else(|| StorageError::UnknownProperty {
                        class: class.name.clone(),
                        property: key.to_owned(),
                    })?,
            };
            let prop = &class.properties[index];
            if storage_of(prop) == Storage::Computed {
                return Err(StorageError::UnsupportedOperation {
                    class: class.name.clone(),
                    property: prop.name.clone(),
                    operation: "writing",
                    reason: "backlinks are computed, not stored".into(),
                });
            }
            given[index] = Some(value);
        }
        Ok(given)
    }

    /// [`Store::insert_row`] for values already resolved by [`Store::resolve_document`].
    pub fn insert_resolved(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        given: &[Option<&Value>],
    ) -> Result<i64> {
        let mut stmt = self
            .conn
            .prepare_cached(self.cat.insert_sql(&class.name)?)?;
        self.insert_resolved_into(ctx, class, given, &mut stmt)
    }

    /// [`Store::insert_resolved`] through `stmt`, the class's INSERT
    /// ([`Catalog::insert_sql`]) prepared on this store's connection: the values are bound
    /// straight into it.
    pub fn insert_resolved_into(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        given: &[Option<&Value>],
        stmt: &mut Statement<'_>,
    ) -> Result<i64> {
        // Parameters in the order of `layout::insert_columns`; every one is bound each time,
        // by its type (binding through `dyn ToSql` costs an indirect call per value).
        let mut at = 0;
        let mut next = || {
            at += 1;
            at
        };
        stmt.raw_bind_parameter(next(), ctx.stamp.clock.to_packed())?;
        stmt.raw_bind_parameter(next(), ctx.stamp.replica.to_i64())?;
        let pk_position = class.primary_key_position();
        let mut pk_value = None;
        for (i, (prop, given)) in class.properties.iter().zip(given).enumerate() {
            if storage_of(prop) != Storage::Column {
                continue;
            }
            let value = match given.or(prop.default.as_ref()) {
                Some(v) => v,
                None if prop.optional
                    || prop.ty == PropertyType::Object
                    || prop.ty == PropertyType::Mixed =>
                {
                    &Value::Null
                }
                None => {
                    return Err(StorageError::MissingRequired {
                        class: class.name.clone(),
                        property: prop.name.clone(),
                    })
                }
            };
            if pk_position == Some(i) {
                pk_value = Some(value);
            }
            // The common scalars are bound as `encode_scalar` would encode them; text and
            // bytes where they are, not copied.
            match (prop.ty, value) {
                (PropertyType::String, Value::String(s)) => {
                    stmt.raw_bind_parameter(next(), s.as_str())?;
                }
                (PropertyType::Binary, Value::Binary(b)) => {
                    stmt.raw_bind_parameter(next(), b.as_slice())?;
                }
                (PropertyType::Int, Value::Int(n)) => stmt.raw_bind_parameter(next(), *n)?,
                (PropertyType::Bool, Value::Bool(b)) => {
                    stmt.raw_bind_parameter(next(), i64::from(*b))?;
                }
                (PropertyType::Double, Value::Double(d)) if !d.is_nan() => {
                    stmt.raw_bind_parameter(next(), *d)?;
                }
                _ => {
                    let (sql, tag) = self.encode_value(ctx, class, prop, value)?;
                    bind_sql(stmt, next(), &sql)?;
                    if prop.ty == PropertyType::Mixed {
                        stmt.raw_bind_parameter(next(), tag)?;
                    }
                }
            }
        }
        let duplicate = |pk: &Value| StorageError::DuplicatePrimaryKey {
            class: class.name.clone(),
            pk: PrimaryKey::try_from(pk.clone())
                .map(|p| pk_display(&p))
                .unwrap_or_else(|_| format!("{pk:?}")),
        };
        if let Some(Value::Null) = pk_value {
            if self.row_of(class, &PrimaryKey::Null)?.is_some() {
                return Err(duplicate(&Value::Null));
            }
        }
        match stmt.raw_execute() {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(duplicate(pk_value.unwrap_or(&Value::Null)))
            }
            Err(e) => return Err(e.into()),
        }
        let row = self.conn.last_insert_rowid();
        for (prop, given) in class.properties.iter().zip(given) {
            if storage_of(prop) != Storage::Elements {
                continue;
            }
            if let Some(v) = given.or(prop.default.as_ref()) {
                self.fill_collection(ctx, class, prop, row, v)?;
            }
        }
        Ok(row)
    }

    /// Adds all elements of `value` to an (empty) collection.
    fn fill_collection(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        row: i64,
        value: &Value,
    ) -> Result<()> {
        match (prop.collection, value) {
            (Collection::List, Value::List(items)) => {
                let mut last: Option<Vec<u8>> = None;
                for item in items {
                    let pos = order_key::between(last.as_deref(), None)?;
                    self.insert_list_element(
                        ctx,
                        class,
                        prop,
                        row,
                        &pos,
                        ctx.next_element_id(),
                        item,
                    )?;
                    last = Some(pos);
                }
                Ok(())
            }
            (Collection::Set, Value::Set(items) | Value::List(items)) => {
                for item in items {
                    self.set_add(ctx, class, prop, row, item)?;
                }
                Ok(())
            }
            (Collection::Dictionary, Value::Dictionary(map)) => {
                for (k, v) in map {
                    self.dict_set(ctx, class, prop, row, k, v)?;
                }
                Ok(())
            }
            (Collection::Dictionary, Value::Embedded(doc)) => {
                for (k, v) in doc {
                    self.dict_set(ctx, class, prop, row, k, v)?;
                }
                Ok(())
            }
            (c, v) => Err(mismatch(
                class,
                prop,
                match c {
                    Collection::List => "a list",
                    Collection::Set => "a set",
                    _ => "a dictionary",
                },
                v,
            )),
        }
    }

    /// Inserts one list element with the given ordering key and id; returns its element row.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_list_element(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        pos: &[u8],
        id: ElementId,
        value: &Value,
    ) -> Result<i64> {
        let (sql, tag) = self.encode_value(ctx, class, prop, value)?;
        let table = self.cat.elements(&class.name, &prop.name);
        let stmt = if prop.ty == PropertyType::Mixed {
            format!("INSERT INTO {table} (owner, pos, eclock, ereplica, eseq, value, \"value@type\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        } else {
            format!("INSERT INTO {table} (owner, pos, eclock, ereplica, eseq, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        };
        let mut stmt = self.conn.prepare_cached(&stmt)?;
        if prop.ty == PropertyType::Mixed {
            stmt.execute(params![
                owner,
                pos,
                id.clock.to_packed(),
                id.replica.to_i64(),
                i64::from(id.seq),
                sql,
                tag
            ])?;
        } else {
            stmt.execute(params![
                owner,
                pos,
                id.clock.to_packed(),
                id.replica.to_i64(),
                i64::from(id.seq),
                sql
            ])?;
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Inserts `value` at `index` of a list (0 = first, len = append); returns the new
    /// element's id and ordering key.
    pub fn list_insert(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        index: usize,
        value: &Value,
    ) -> Result<(ElementId, Vec<u8>)> {
        let entries = self.list_entries(class, prop, owner)?;
        if index > entries.len() {
            return Err(StorageError::IndexOutOfBounds {
                class: class.name.clone(),
                property: prop.name.clone(),
                index,
                len: entries.len(),
            });
        }
        let pos = key_at(&entries, index)?;
        let id = ctx.next_element_id();
        self.insert_list_element(ctx, class, prop, owner, &pos, id, value)?;
        Ok((id, pos))
    }

    /// The element at `index` of a list, and all its elements.
    pub(crate) fn list_entry(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        index: usize,
    ) -> Result<(ListEntry, Vec<ListEntry>)> {
        let entries = self.list_entries(class, prop, owner)?;
        let entry = entries
            .get(index)
            .cloned()
            .ok_or_else(|| StorageError::IndexOutOfBounds {
                class: class.name.clone(),
                property: prop.name.clone(),
                index,
                len: entries.len(),
            })?;
        Ok((entry, entries))
    }

    /// Replaces the element at `index`; returns its element id.
    pub fn list_set(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        index: usize,
        value: &Value,
    ) -> Result<ElementId> {
        let (entry, _) = self.list_entry(class, prop, owner, index)?;
        self.release_element(ctx, class, prop, entry.row)?;
        let (sql, tag) = self.encode_value(ctx, class, prop, value)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "UPDATE {} SET value = ?1{} WHERE _row = ?2",
            self.cat.elements(&class.name, &prop.name),
            if prop.ty == PropertyType::Mixed {
                ", \"value@type\" = ?3"
            } else {
                ""
            }
        ))?;
        if prop.ty == PropertyType::Mixed {
            stmt.execute(params![sql, entry.row, tag])?;
        } else {
            stmt.execute(params![sql, entry.row])?;
        }
        Ok(entry.id)
    }

    /// Removes the element at `index`; returns its element id.
    pub fn list_remove(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        index: usize,
    ) -> Result<ElementId> {
        let (entry, _) = self.list_entry(class, prop, owner, index)?;
        self.release_element(ctx, class, prop, entry.row)?;
        self.conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE _row = ?1",
                self.cat.elements(&class.name, &prop.name)
            ))?
            .execute([entry.row])?;
        Ok(entry.id)
    }

    /// Moves the element at `from` so that it ends up at `to`; returns its id and new key.
    pub fn list_move(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        from: usize,
        to: usize,
    ) -> Result<(ElementId, Vec<u8>)> {
        let (entry, mut entries) = self.list_entry(class, prop, owner, from)?;
        if to >= entries.len() {
            return Err(StorageError::IndexOutOfBounds {
                class: class.name.clone(),
                property: prop.name.clone(),
                index: to,
                len: entries.len(),
            });
        }
        if from == to {
            return Ok((entry.id, entry.pos));
        }
        entries.remove(from);
        let pos = key_at(&entries, to)?;
        self.conn
            .prepare_cached(&format!(
                "UPDATE {} SET pos = ?1 WHERE _row = ?2",
                self.cat.elements(&class.name, &prop.name)
            ))?
            .execute(params![pos, entry.row])?;
        Ok((entry.id, pos))
    }

    /// Adds `value` to a set; returns whether it was not there yet.
    pub fn set_add(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        value: &Value,
    ) -> Result<bool> {
        if self.cat.is_embedded_link(prop) {
            return Err(StorageError::UnsupportedOperation {
                class: class.name.clone(),
                property: prop.name.clone(),
                operation: "set_add",
                reason: "sets cannot hold embedded objects".into(),
            });
        }
        if self.set_find(class, prop, owner, value)?.is_some() {
            return Ok(false);
        }
        let (sql, tag) = self.encode_plain(class, prop, value)?;
        let table = self.cat.elements(&class.name, &prop.name);
        if prop.ty == PropertyType::Mixed {
            self.conn
                .prepare_cached(&format!(
                    "INSERT INTO {table} (owner, value, \"value@type\") VALUES (?1, ?2, ?3)"
                ))?
                .execute(params![owner, sql, tag])?;
        } else {
            self.conn
                .prepare_cached(&format!(
                    "INSERT INTO {table} (owner, value) VALUES (?1, ?2)"
                ))?
                .execute(params![owner, sql])?;
        }
        let _ = ctx;
        Ok(true)
    }

    fn set_find(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        value: &Value,
    ) -> Result<Option<i64>> {
        let (sql, tag) = self.encode_plain(class, prop, value)?;
        let tag_cond = if prop.ty == PropertyType::Mixed {
            " AND \"value@type\" IS ?3"
        } else {
            ""
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT _row FROM {} WHERE owner = ?1 AND value IS ?2{tag_cond}",
            self.cat.elements(&class.name, &prop.name)
        ))?;
        let found = if prop.ty == PropertyType::Mixed {
            stmt.query_row(params![owner, sql, tag], |r| r.get(0))
                .optional()?
        } else {
            stmt.query_row(params![owner, sql], |r| r.get(0))
                .optional()?
        };
        Ok(found)
    }

    /// Removes `value` from a set; returns whether it was there.
    pub fn set_remove(
        &self,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        value: &Value,
    ) -> Result<bool> {
        let Some(row) = self.set_find(class, prop, owner, value)? else {
            return Ok(false);
        };
        self.conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE _row = ?1",
                self.cat.elements(&class.name, &prop.name)
            ))?
            .execute([row])?;
        Ok(true)
    }

    /// Sets dictionary entry `key` to `value` (replacing an embedded object there).
    pub fn dict_set(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        key: &str,
        value: &Value,
    ) -> Result<()> {
        self.dict_remove(ctx, class, prop, owner, key)?;
        let (sql, tag) = self.encode_value(ctx, class, prop, value)?;
        let table = self.cat.elements(&class.name, &prop.name);
        if prop.ty == PropertyType::Mixed {
            self.conn
                .prepare_cached(&format!("INSERT INTO {table} (owner, key, value, \"value@type\") VALUES (?1, ?2, ?3, ?4)"))?
                .execute(params![owner, key, sql, tag])?;
        } else {
            self.conn
                .prepare_cached(&format!(
                    "INSERT INTO {table} (owner, key, value) VALUES (?1, ?2, ?3)"
                ))?
                .execute(params![owner, key, sql])?;
        }
        Ok(())
    }

    /// Removes dictionary entry `key`; returns whether it was there.
    pub fn dict_remove(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
        key: &str,
    ) -> Result<bool> {
        let table = self.cat.elements(&class.name, &prop.name);
        let found: Option<(i64, Sql)> = self
            .conn
            .prepare_cached(&format!(
                "SELECT _row, value FROM {table} WHERE owner = ?1 AND key = ?2"
            ))?
            .query_row(params![owner, key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((row, _)) = found else {
            return Ok(false);
        };
        self.release_element(ctx, class, prop, row)?;
        self.conn
            .prepare_cached(&format!("DELETE FROM {table} WHERE _row = ?1"))?
            .execute([row])?;
        Ok(true)
    }

    /// Deletes the embedded object an element row holds, if any (before the element goes).
    fn release_element(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        elem_row: i64,
    ) -> Result<()> {
        if !self.cat.is_embedded_link(prop) {
            return Ok(());
        }
        if let (Sql::Integer(child), _) = self.element_value(class, prop, elem_row)? {
            let child_class = self
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            self.delete_row(ctx, child_class, child)?;
        }
        Ok(())
    }

    /// Removes every element of a collection.
    pub fn clear_collection(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        owner: i64,
    ) -> Result<()> {
        let table = self.cat.elements(&class.name, &prop.name);
        if self.cat.is_embedded_link(prop) {
            let children: Vec<Sql> = {
                let mut stmt = self
                    .conn
                    .prepare_cached(&format!("SELECT value FROM {table} WHERE owner = ?1"))?;
                let rows = stmt.query_map([owner], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            let child_class = self
                .cat
                .class(prop.object_type.as_deref().unwrap_or_default())?;
            for child in children {
                if let Sql::Integer(child) = child {
                    self.delete_row(ctx, child_class, child)?;
                }
            }
        }
        self.conn
            .prepare_cached(&format!("DELETE FROM {table} WHERE owner = ?1"))?
            .execute([owner])?;
        Ok(())
    }

    /// Sets a whole property (column or collection) of the object at `row`.
    pub fn set_property(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        row: i64,
        value: &Value,
    ) -> Result<()> {
        match storage_of(prop) {
            Storage::Computed => Err(StorageError::UnsupportedOperation {
                class: class.name.clone(),
                property: prop.name.clone(),
                operation: "writing",
                reason: "backlinks are computed, not stored".into(),
            }),
            Storage::Elements => {
                // Check the value's shape before anything is removed.
                let ok = matches!(
                    (prop.collection, value),
                    (Collection::List, Value::List(_))
                        | (Collection::Set, Value::Set(_) | Value::List(_))
                        | (
                            Collection::Dictionary,
                            Value::Dictionary(_) | Value::Embedded(_)
                        )
                );
                if !ok {
                    return Err(mismatch(
                        class,
                        prop,
                        "a collection of the property's kind",
                        value,
                    ));
                }
                self.clear_collection(ctx, class, prop, row)?;
                self.fill_collection(ctx, class, prop, row, value)
            }
            Storage::Column => {
                if class.primary_key.as_deref() == Some(prop.name.as_str()) {
                    return Err(StorageError::UnsupportedOperation {
                        class: class.name.clone(),
                        property: prop.name.clone(),
                        operation: "changing",
                        reason: "a primary key cannot change after creation".into(),
                    });
                }
                let old_child = if self.cat.is_embedded_link(prop) {
                    match self.raw_column(class, prop, row)?.0 {
                        Sql::Integer(child) => Some(child),
                        _ => None,
                    }
                } else {
                    None
                };
                let (sql, tag) = self.encode_value(ctx, class, prop, value)?;
                let mut set = format!("{} = ?1", quote(&prop.name));
                if prop.ty == PropertyType::Mixed {
                    set.push_str(&format!(", {} = ?3", quote(&tag_column(&prop.name))));
                }
                let mut stmt = self.conn.prepare_cached(&format!(
                    "UPDATE {} SET {set} WHERE _row = ?2",
                    self.cat.table(&class.name)
                ))?;
                if prop.ty == PropertyType::Mixed {
                    stmt.execute(params![sql, row, tag])?;
                } else {
                    stmt.execute(params![sql, row])?;
                }
                if let Some(child) = old_child {
                    let child_class = self
                        .cat
                        .class(prop.object_type.as_deref().unwrap_or_default())?;
                    self.delete_row(ctx, child_class, child)?;
                }
                self.record_field_clock(ctx, &class.name, row, &prop.name)
            }
        }
    }

    /// Sets single-valued, non-embedded property `prop` of the top-level object `pk` with
    /// cached statements; returns the object's row. A missing object is `ObjectNotFound`.
    /// `kept`, the writer connection this store runs on, keeps the statements prepared.
    pub fn update_column_by_pk(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        prop: &Property,
        pk: &PrimaryKey,
        value: &Value,
        kept: Option<&WriterConn>,
    ) -> Result<i64> {
        let (sql, tag) = self.encode_plain(class, prop, value)?;
        let not_found = || StorageError::ObjectNotFound {
            class: class.name.clone(),
            pk: pk_display(pk),
        };
        // Find the row through the primary key's index, then update by row key: SQLite runs
        // `UPDATE … RETURNING` through a temporary table, which costs more than both statements.
        let row = match (class.primary_key_property(), pk) {
            (None, PrimaryKey::Int(row)) => *row,
            (None, _) => return Err(not_found()),
            (Some(_), _) => self.row_of_with(kept, class, pk)?.ok_or_else(not_found)?,
        };
        let changed = self.with_stmt(kept, &self.cat.update_sql(&class.name, prop), |stmt| {
            bind_sql(stmt, 1, &sql)?;
            stmt.raw_bind_parameter(2, row)?;
            if prop.ty == PropertyType::Mixed {
                stmt.raw_bind_parameter(3, tag)?;
            }
            Ok(stmt.raw_execute()?)
        })?;
        if changed == 0 {
            return Err(not_found());
        }
        self.record_field_clock_with(kept, ctx, &class.name, row, &prop.name)?;
        Ok(row)
    }

    /// Records that field `prop` of `row` was written with the transaction's stamp.
    pub fn record_field_clock(
        &self,
        ctx: &WriteCtx,
        class: &str,
        row: i64,
        prop: &str,
    ) -> Result<()> {
        self.record_field_clock_with(None, ctx, class, row, prop)
    }

    /// [`Store::record_field_clock`], its statement kept by `kept` when given.
    fn record_field_clock_with(
        &self,
        kept: Option<&WriterConn>,
        ctx: &WriteCtx,
        class: &str,
        row: i64,
        prop: &str,
    ) -> Result<()> {
        self.with_stmt(
            kept,
            "INSERT OR REPLACE INTO __syncline_field_clocks (tbl, row, prop, clock, replica) VALUES (?1, ?2, ?3, ?4, ?5)",
            |stmt| {
                stmt.raw_bind_parameter(1, class)?;
                stmt.raw_bind_parameter(2, row)?;
                stmt.raw_bind_parameter(3, prop)?;
                stmt.raw_bind_parameter(4, ctx.stamp.clock.to_packed())?;
                stmt.raw_bind_parameter(5, ctx.stamp.replica.to_i64())?;
                stmt.raw_execute()?;
                Ok(())
            },
        )
    }

    /// Records that field `prop` of `row` was not written by its object's create (unless this
    /// transaction has written it since): a concurrent write made elsewhere must win over it.
    pub fn record_unwritten_field(&self, class: &str, row: i64, prop: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO __syncline_field_clocks (tbl, row, prop, clock, replica) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![class, row, prop, Stamp::MIN.clock.to_packed(), Stamp::MIN.replica.to_i64()])?;
        Ok(())
    }

    /// The stamp of the last write of field `prop` of `row` (its object's creation stamp if the
    /// field was not written since).
    #[allow(dead_code)] // read by the sync merge (`sync_store.rs`) and the tests
    pub fn field_clock(&self, class: &str, row: i64, prop: &str) -> Result<Stamp> {
        let found: Option<(i64, i64)> = self
            .conn
            .prepare_cached("SELECT clock, replica FROM __syncline_field_clocks WHERE tbl = ?1 AND row = ?2 AND prop = ?3")?
            .query_row(params![class, row, prop], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((clock, replica)) = found {
            return stamp(clock, replica);
        }
        let (clock, replica) = self
            .conn
            .prepare_cached(&format!(
                "SELECT _clock, _replica FROM {} WHERE _row = ?1",
                self.cat.table(class)
            ))?
            .query_row([row], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StorageError::corrupt(format!("row {row} of '{class}' is missing")))?;
        stamp(clock, replica)
    }

    /// Deletes the object at `row`: its embedded objects go with it, links to it become null,
    /// list and set elements linking to it are removed, dictionary values linking to it become
    /// null. A top-level object of a class with a primary key leaves a tombstone.
    pub fn delete_row(&self, ctx: &WriteCtx, class: &ObjectSchema, row: i64) -> Result<()> {
        // Embedded children first.
        for prop in &class.properties {
            if !self.cat.is_embedded_link(prop) {
                continue;
            }
            match storage_of(prop) {
                Storage::Column => {
                    if let Sql::Integer(child) = self.raw_column(class, prop, row)?.0 {
                        let child_class = self
                            .cat
                            .class(prop.object_type.as_deref().unwrap_or_default())?;
                        self.delete_row(ctx, child_class, child)?;
                    }
                }
                Storage::Elements => self.clear_collection(ctx, class, prop, row)?,
                Storage::Computed => {}
            }
        }
        for prop in &class.properties {
            if storage_of(prop) == Storage::Elements {
                self.conn
                    .prepare_cached(&format!(
                        "DELETE FROM {} WHERE owner = ?1",
                        self.cat.elements(&class.name, &prop.name)
                    ))?
                    .execute([row])?;
            }
        }
        if !class.embedded {
            self.unlink(ctx, class, row)?;
        }
        self.conn
            .prepare_cached("DELETE FROM __syncline_field_clocks WHERE tbl = ?1 AND row = ?2")?
            .execute(params![class.name, row])?;
        self.conn
            .prepare_cached(&format!(
                "DELETE FROM {} WHERE _row = ?1",
                self.cat.table(&class.name)
            ))?
            .execute([row])?;
        Ok(())
    }

    /// Removes every link to the object at `row` of `class`.
    fn unlink(&self, ctx: &WriteCtx, class: &ObjectSchema, row: i64) -> Result<()> {
        let mut touched: Vec<(String, i64)> = Vec::new();
        for holder in link_holders(self.cat, class, row) {
            let (other, prop, direct) = (holder.class, holder.prop, holder.direct);
            let owners: Vec<i64> = match storage_of(prop) {
                Storage::Computed => continue,
                Storage::Column => {
                    let col = quote(&prop.name);
                    let cond = column_link_condition(prop, direct);
                    let set = if direct {
                        format!("{col} = NULL")
                    } else {
                        let tag = quote(&tag_column(&prop.name));
                        format!("{col} = NULL, {tag} = 0")
                    };
                    let mut stmt = self.conn.prepare_cached(&format!(
                        "UPDATE {} SET {set} WHERE {cond} RETURNING _row",
                        self.cat.table(&other.name)
                    ))?;
                    let rows = stmt.query_map([&holder.arg], |r| r.get(0))?;
                    rows.collect::<rusqlite::Result<_>>()?
                }
                Storage::Elements => {
                    let table = self.cat.elements(&other.name, &prop.name);
                    let cond = element_link_condition(direct);
                    let sql = if prop.collection == Collection::Dictionary {
                        let set = if direct {
                            "value = NULL"
                        } else {
                            "value = NULL, \"value@type\" = 0"
                        };
                        format!("UPDATE {table} SET {set} WHERE {cond} RETURNING owner")
                    } else {
                        format!("DELETE FROM {table} WHERE {cond} RETURNING owner")
                    };
                    let mut stmt = self.conn.prepare_cached(&sql)?;
                    let rows = stmt.query_map([&holder.arg], |r| r.get(0))?;
                    rows.collect::<rusqlite::Result<_>>()?
                }
            };
            touched.extend(owners.into_iter().map(|o| (other.name.clone(), o)));
        }
        ctx.touched.borrow_mut().extend(touched);
        Ok(())
    }

    /// Writes a tombstone for a deleted object with a primary key.
    pub fn write_tombstone(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        pk: &PrimaryKey,
    ) -> Result<()> {
        let Some(pk_prop) = class.primary_key_property() else {
            return Ok(());
        };
        ctx.tombstones.set(Some(true));
        let stamp = ctx.stamp;
        let pk_sql = stored_pk(class, pk_prop, pk)?;
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO __syncline_tombstones (class, pk, clock, replica) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![class.name, pk_sql, stamp.clock.to_packed(), stamp.replica.to_i64()])?;
        Ok(())
    }

    /// Removes the tombstone of an object (when it is created again).
    pub fn clear_tombstone(
        &self,
        ctx: &WriteCtx,
        class: &ObjectSchema,
        pk: &PrimaryKey,
    ) -> Result<()> {
        let Some(pk_prop) = class.primary_key_property() else {
            return Ok(());
        };
        let any = match ctx.tombstones.get() {
            Some(any) => any,
            None => {
                let any: bool = self
                    .conn
                    .prepare_cached("SELECT EXISTS (SELECT 1 FROM __syncline_tombstones)")?
                    .query_row([], |r| r.get(0))?;
                ctx.tombstones.set(Some(any));
                any
            }
        };
        if !any {
            return Ok(());
        }
        let pk_sql = stored_pk(class, pk_prop, pk)?;
        self.conn
            .prepare_cached("DELETE FROM __syncline_tombstones WHERE class = ?1 AND pk IS ?2")?
            .execute(params![class.name, pk_sql])?;
        Ok(())
    }
}
