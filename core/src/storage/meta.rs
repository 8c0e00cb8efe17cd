//! The metadata tables: recognising a Syncline file, its format and schema versions, the stored
//! schema, and the schema diff that decides between an automatic and a required migration.

use std::path::Path;

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::schema::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema,
};

use super::encode::{decode_nested, encode_mixed_link, type_name};
use super::layout::{self, storage_of, Catalog, Storage};
use super::reverse::count_nested_links;
use super::{Result, StorageError, APPLICATION_ID, FORMAT_VERSION};

/// Opens a connection with the pragmas every Syncline connection uses.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| StorageError::Open {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| classify(path, e))?;
    conn.set_prepared_statement_cache_capacity(256);
    // Plans must not depend on bound values: otherwise SQLite re-prepares a cached query each
    // time a parameter it looked at gets a new value.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(|e| classify(path, e))?;
    // `sl_fold(text)`: the case folding of Realm's `[c]`, so case-insensitive comparisons run
    // in SQL with exactly the evaluator's meaning.
    conn.create_scalar_function(
        "sl_fold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                rusqlite::types::ValueRef::Text(t) => Some(crate::value::compare::fold_case(
                    &String::from_utf8_lossy(t),
                )),
                _ => None,
            })
        },
    )
    .map_err(|e| classify(path, e))?;
    // `sl_mixed_link(class, row)`: a link as a mixed column stores it, so SQL can look links in
    // mixed values up through their partial index (`C.p.links`).
    conn.create_scalar_function(
        "sl_mixed_link",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match (ctx.get_raw(0), ctx.get_raw(1)) {
                (ValueRef::Text(class), ValueRef::Integer(row)) => {
                    Some(encode_mixed_link(&String::from_utf8_lossy(class), row))
                }
                _ => None,
            })
        },
    )
    .map_err(|e| classify(path, e))?;
    // `sl_nested_links(collection, class, pk)`: how many links to the object of `class` with
    // stored primary key `pk` a nested list or dictionary of a mixed value holds.
    conn.create_scalar_function(
        "sl_nested_links",
        3,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let (ValueRef::Blob(bytes), ValueRef::Text(class)) = (ctx.get_raw(0), ctx.get_raw(1))
            else {
                return Ok(0i64);
            };
            let value = decode_nested(rusqlite::types::Value::Blob(bytes.to_vec()))
                .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
            let class = String::from_utf8_lossy(class);
            Ok(count_nested_links(&value, &class, ctx.get_raw(2)) as i64)
        },
    )
    .map_err(|e| classify(path, e))?;
    Ok(conn)
}

/// Maps the errors SQLite gives for foreign files to storage errors naming the file.
pub fn classify(path: &Path, err: rusqlite::Error) -> StorageError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StorageError::NotADatabase {
            path: path.display().to_string(),
        },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => StorageError::Corrupt {
            detail: format!("{}: {err}", path.display()),
        },
        _ => StorageError::Sqlite(err),
    }
}

/// What the file holds.
#[derive(Debug)]
pub enum FileState {
    /// A new (empty) database.
    New,
    /// A Syncline database with this schema version and stored schema.
    Existing {
        /// The schema version of the file.
        schema_version: u64,
        /// The schema the file was last written with.
        schema: Schema,
    },
}

/// Recognises the file: new, Syncline (with a readable format) or an error.
pub fn inspect(conn: &Connection, path: &Path) -> Result<FileState> {
    let app_id: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| classify(path, e))?;
    if app_id != APPLICATION_ID {
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| classify(path, e))?;
        if app_id == 0 && tables == 0 {
            return Ok(FileState::New);
        }
        return Err(StorageError::ForeignDatabase {
            path: path.display().to_string(),
            application_id: app_id,
        });
    }
    let get = |key: &str| -> Result<Option<i64>> {
        conn.query_row(
            "SELECT value FROM __syncline_meta WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| classify(path, e))
    };
    let format = get("format_version")?
        .ok_or_else(|| StorageError::corrupt("the format version is missing"))?;
    if format > FORMAT_VERSION {
        return Err(StorageError::NewerFormat {
            found: format,
            supported: FORMAT_VERSION,
        });
    }
    let schema_version = get("schema_version")?
        .ok_or_else(|| StorageError::corrupt("the schema version is missing"))?;
    Ok(FileState::Existing {
        schema_version: u64::try_from(schema_version)
            .map_err(|_| StorageError::corrupt("the schema version is negative"))?,
        schema: load_schema(conn)?,
    })
}

/// Creates the internal tables of a new file (inside the caller's transaction).
pub fn initialize(conn: &Connection, replica_id: i64) -> Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID};
         CREATE TABLE __syncline_meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
         CREATE TABLE __syncline_classes (name TEXT PRIMARY KEY, position INTEGER NOT NULL,
             primary_key TEXT, embedded INTEGER NOT NULL, asymmetric INTEGER NOT NULL);
         CREATE TABLE __syncline_properties (class TEXT NOT NULL, name TEXT NOT NULL,
             position INTEGER NOT NULL, type TEXT NOT NULL, collection TEXT NOT NULL,
             optional INTEGER NOT NULL, indexed TEXT NOT NULL, object_type TEXT,
             origin_property TEXT, presentation TEXT NOT NULL DEFAULT 'plain',
             PRIMARY KEY (class, name)) WITHOUT ROWID;
         CREATE TABLE __syncline_field_clocks (tbl TEXT NOT NULL, row INTEGER NOT NULL,
             prop TEXT NOT NULL, clock INTEGER NOT NULL, replica INTEGER NOT NULL,
             PRIMARY KEY (tbl, row, prop)) WITHOUT ROWID;
         CREATE TABLE __syncline_tombstones (class TEXT NOT NULL, pk, clock INTEGER NOT NULL,
             replica INTEGER NOT NULL, PRIMARY KEY (class, pk)) WITHOUT ROWID;
         CREATE TABLE __syncline_outbox (id INTEGER PRIMARY KEY, changeset BLOB NOT NULL);"
    ))?;
    conn.execute(
        "INSERT INTO __syncline_meta (key, value) VALUES ('format_version', ?1), ('replica_id', ?2), ('clock', 0), ('schema_version', 0)",
        params![FORMAT_VERSION, replica_id],
    )?;
    Ok(())
}

/// Reads an integer from the metadata table.
pub fn get_meta(conn: &Connection, key: &str) -> Result<i64> {
    conn.query_row(
        "SELECT value FROM __syncline_meta WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StorageError::corrupt(format!("metadata '{key}' is missing")))
}

/// Writes an integer to the metadata table.
pub fn set_meta(conn: &Connection, key: &str, value: i64) -> Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO __syncline_meta (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    Ok(())
}

fn collection_name(c: Collection) -> &'static str {
    match c {
        Collection::Single => "single",
        Collection::List => "list",
        Collection::Set => "set",
        Collection::Dictionary => "dictionary",
    }
}

fn index_name(i: IndexKind) -> &'static str {
    match i {
        IndexKind::None => "none",
        IndexKind::Regular => "regular",
        IndexKind::FullText => "full-text",
    }
}

fn parse_type(s: &str) -> Result<PropertyType> {
    PropertyType::ALL
        .into_iter()
        .find(|t| type_name(*t) == s)
        .ok_or_else(|| StorageError::corrupt(format!("unknown stored property type '{s}'")))
}

/// Replaces the stored schema and schema version.
pub fn store_schema(conn: &Connection, schema: &Schema, version: u64) -> Result<()> {
    conn.execute_batch("DELETE FROM __syncline_classes; DELETE FROM __syncline_properties;")?;
    for (ci, class) in schema.classes.iter().enumerate() {
        conn.execute(
            "INSERT INTO __syncline_classes (name, position, primary_key, embedded, asymmetric) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![class.name, ci as i64, class.primary_key, class.embedded, class.asymmetric],
        )?;
        for (pi, p) in class.properties.iter().enumerate() {
            conn.execute(
                "INSERT INTO __syncline_properties (class, name, position, type, collection, optional, indexed, object_type, origin_property, presentation) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    class.name,
                    p.name,
                    pi as i64,
                    type_name(p.ty),
                    collection_name(p.collection),
                    p.optional,
                    index_name(p.index),
                    p.object_type,
                    p.origin_property,
                    match p.presentation {
                        Presentation::Plain => "plain",
                        Presentation::Counter => "counter",
                    }
                ],
            )?;
        }
    }
    set_meta(
        conn,
        "schema_version",
        i64::try_from(version).map_err(|_| StorageError::InvalidSchema {
            class: String::new(),
            reason: format!("schema version {version} is too large"),
        })?,
    )
}

/// Reads the stored schema (without defaults, which do not shape storage).
pub fn load_schema(conn: &Connection) -> Result<Schema> {
    let mut classes = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT name, primary_key, embedded, asymmetric FROM __syncline_classes ORDER BY position",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ObjectSchema {
            name: r.get(0)?,
            primary_key: r.get(1)?,
            embedded: r.get(2)?,
            asymmetric: r.get(3)?,
            properties: Vec::new(),
        })
    })?;
    for row in rows {
        classes.push(row?);
    }
    let mut stmt = conn.prepare(
        "SELECT name, type, collection, optional, indexed, object_type, origin_property, presentation FROM __syncline_properties WHERE class = ?1 ORDER BY position",
    )?;
    for class in &mut classes {
        let rows = stmt.query_map([&class.name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        for row in rows {
            let (
                name,
                ty,
                collection,
                optional,
                indexed,
                object_type,
                origin_property,
                presentation,
            ) = row?;
            let collection = match collection.as_str() {
                "single" => Collection::Single,
                "list" => Collection::List,
                "set" => Collection::Set,
                "dictionary" => Collection::Dictionary,
                other => {
                    return Err(StorageError::corrupt(format!(
                        "unknown stored collection kind '{other}'"
                    )))
                }
            };
            let index = match indexed.as_str() {
                "none" => IndexKind::None,
                "regular" => IndexKind::Regular,
                "full-text" => IndexKind::FullText,
                other => {
                    return Err(StorageError::corrupt(format!(
                        "unknown stored index kind '{other}'"
                    )))
                }
            };
            class.properties.push(Property {
                name,
                ty: parse_type(&ty)?,
                collection,
                optional,
                index,
                object_type,
                origin_property,
                default: None,
                presentation: if presentation == "counter" {
                    Presentation::Counter
                } else {
                    Presentation::Plain
                },
            });
        }
    }
    Ok(Schema { classes })
}

/// The differences between the stored schema and the app's.
#[derive(Debug, Default)]
pub struct SchemaDiff {
    /// Changes applied automatically: (class, property or None for a whole class).
    pub added_classes: Vec<String>,
    /// New properties that need storage: (class, property).
    pub added_properties: Vec<(String, String)>,
    /// Properties whose index changed: (class, property).
    pub index_changes: Vec<(String, String)>,
    /// Changes that need a migration, described for the error message.
    pub breaking: Vec<String>,
}

impl SchemaDiff {
    /// Whether the schemas lay out the same tables and indexes.
    pub fn is_empty(&self) -> bool {
        self.added_classes.is_empty()
            && self.added_properties.is_empty()
            && self.index_changes.is_empty()
            && self.breaking.is_empty()
    }
}

fn describe(p: &Property) -> String {
    let inner = match p.ty {
        PropertyType::Object | PropertyType::LinkingObjects => {
            format!(
                "{}<{}>",
                type_name(p.ty),
                p.object_type.as_deref().unwrap_or("?")
            )
        }
        t => type_name(t).to_owned(),
    };
    let inner = if p.optional {
        format!("{inner}?")
    } else {
        inner
    };
    match p.collection {
        Collection::Single => inner,
        c => format!("{}<{inner}>", collection_name(c)),
    }
}

/// Compares the stored schema `old` with the app's `new`.
pub fn diff(old: &Schema, new: &Schema) -> SchemaDiff {
    let mut d = SchemaDiff::default();
    for oc in &old.classes {
        if new.class(&oc.name).is_none() {
            d.breaking.push(format!("class '{}' was removed", oc.name));
        }
    }
    for nc in &new.classes {
        let Some(oc) = old.class(&nc.name) else {
            d.added_classes.push(nc.name.clone());
            continue;
        };
        if oc.primary_key != nc.primary_key {
            d.breaking.push(format!(
                "class '{}' changed its primary key from {:?} to {:?}",
                nc.name, oc.primary_key, nc.primary_key
            ));
        }
        if oc.embedded != nc.embedded {
            d.breaking.push(format!(
                "class '{}' changed from {} to {}",
                nc.name,
                if oc.embedded { "embedded" } else { "top-level" },
                if nc.embedded { "embedded" } else { "top-level" }
            ));
        }
        if oc.asymmetric != nc.asymmetric {
            d.breaking
                .push(format!("class '{}' changed its asymmetric flag", nc.name));
        }
        for op in &oc.properties {
            if nc.property(&op.name).is_none() && storage_of(op) != Storage::Computed {
                d.breaking
                    .push(format!("property '{}.{}' was removed", nc.name, op.name));
            }
        }
        for np in &nc.properties {
            let Some(op) = oc.property(&np.name) else {
                match storage_of(np) {
                    Storage::Computed => {}
                    Storage::Elements => {
                        d.added_properties.push((nc.name.clone(), np.name.clone()))
                    }
                    Storage::Column => {
                        if np.optional || np.default.is_some() {
                            d.added_properties.push((nc.name.clone(), np.name.clone()));
                        } else {
                            d.breaking.push(format!(
                                "required property '{}.{}' was added (make it optional or give it a default)",
                                nc.name, np.name
                            ));
                        }
                    }
                }
                continue;
            };
            if describe(op) != describe(np) {
                if storage_of(op) == Storage::Computed && storage_of(np) == Storage::Computed {
                    continue;
                }
                d.breaking.push(format!(
                    "property '{}.{}' changed from {} to {}",
                    nc.name,
                    np.name,
                    describe(op),
                    describe(np)
                ));
            } else if op.index != np.index
                || (op.origin_property != np.origin_property && storage_of(np) == Storage::Computed)
            {
                d.index_changes.push((nc.name.clone(), np.name.clone()));
            }
        }
    }
    d
}

/// Applies the additive part of a diff to the live tables.
pub fn apply_additive(conn: &Connection, new: &Catalog, d: &SchemaDiff) -> Result<()> {
    for class in &d.added_classes {
        layout::create_class(conn, new, new.class(class)?)?;
    }
    for (class, prop) in &d.added_properties {
        let c = new.class(class)?;
        let p = new.property(c, prop)?;
        match storage_of(p) {
            Storage::Column => {
                layout::add_column(conn, new, c, p)?;
                if let Some(default) = &p.default {
                    super::objects::fill_column(conn, new, c, p, default)?;
                }
            }
            Storage::Elements => layout::create_elements(conn, new, c, p)?,
            Storage::Computed => {}
        }
    }
    for (class, prop) in &d.index_changes {
        let c = new.class(class)?;
        let p = new.property(c, prop)?;
        if storage_of(p) == Storage::Column {
            layout::drop_column_index(conn, new, class, prop)?;
            layout::create_column_index(conn, new, c, p)?;
        }
    }
    Ok(())
}
