//! Table and column names, and the DDL that creates a class's tables and indexes.

use rusqlite::Connection;

use crate::schema::{Collection, IndexKind, ObjectSchema, Property, PropertyType, Schema};

use super::encode::column_type;
use super::{Result, StorageError};

/// Prefix of every internal table; class names may not start with it.
pub const INTERNAL_PREFIX: &str = "__syncline_";

/// Quotes an identifier for SQL. Identifiers come from the schema, never from query text.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The name of the mixed type-tag column of property `prop`.
pub fn tag_column(prop: &str) -> String {
    format!("{prop}@type")
}

/// How a property is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A column of the class table (scalar, link, embedded object, mixed).
    Column,
    /// An element table (list, set, dictionary).
    Elements,
    /// Not stored (backlinks).
    Computed,
}

/// How `prop` is stored.
pub fn storage_of(prop: &Property) -> Storage {
    if prop.ty == PropertyType::LinkingObjects {
        Storage::Computed
    } else if prop.collection == Collection::Single {
        Storage::Column
    } else {
        Storage::Elements
    }
}

/// The schema a set of tables was written with, and where those tables are.
///
/// The table prefix is empty for the live tables; a migration reads the previous tables under
/// a prefix while it writes the new ones.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The schema.
    pub schema: Schema,
    prefix: String,
    /// Per class: the INSERT statement for a new row (see [`insert_columns`]).
    insert_sql: std::collections::HashMap<String, String>,
    /// Per class with a primary key: the SELECT of the row key for a primary key value.
    row_sql: std::collections::HashMap<String, String>,
    /// Per class, per single-valued property: the UPDATE of that column by row key (a mixed
    /// property's tag is `?3`).
    update_sql: std::collections::HashMap<String, std::collections::HashMap<String, String>>,
}

/// The columns a new row of `class` is inserted with, in statement order: `_clock`,
/// `_replica`, then each single-valued property (and a mixed property's tag column).
pub fn insert_columns(class: &ObjectSchema) -> Vec<String> {
    let mut cols = vec!["_clock".to_owned(), "_replica".to_owned()];
    cols.extend(value_columns(class));
    cols
}

/// The columns that hold `class`'s values, quoted, in property order: each single-valued
/// property, and a mixed property's tag column after it.
pub fn value_columns(class: &ObjectSchema) -> Vec<String> {
    let mut cols = Vec::new();
    for prop in &class.properties {
        if storage_of(prop) == Storage::Column {
            cols.push(quote(&prop.name));
            if prop.ty == PropertyType::Mixed {
                cols.push(quote(&tag_column(&prop.name)));
            }
        }
    }
    cols
}

/// `UPDATE table SET column = ?1 [, tag = ?3] WHERE _row = ?2`.
fn update_column_sql(table: &str, prop: &Property) -> String {
    let column = quote(&prop.name);
    if prop.ty == PropertyType::Mixed {
        format!(
            "UPDATE {table} SET {column} = ?1, {} = ?3 WHERE _row = ?2",
            quote(&tag_column(&prop.name))
        )
    } else {
        format!("UPDATE {table} SET {column} = ?1 WHERE _row = ?2")
    }
}

impl Catalog {
    /// The catalog of the live tables for `schema`.
    pub fn new(schema: Schema) -> Self {
        Self::with_prefix(schema, "")
    }

    /// A catalog whose tables carry `prefix` (used for the old tables during a migration).
    pub fn with_prefix(schema: Schema, prefix: &str) -> Self {
        let insert_sql = schema
            .classes
            .iter()
            .map(|class| {
                let cols = insert_columns(class);
                let placeholders: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES ({})",
                    quote(&format!("{prefix}{}", class.name)),
                    cols.join(", "),
                    placeholders.join(", ")
                );
                (class.name.clone(), sql)
            })
            .collect();
        // Hot statements are written once here rather than formatted on every call.
        let mut row_sql = std::collections::HashMap::new();
        let mut update_sql = std::collections::HashMap::new();
        for class in &schema.classes {
            let table = quote(&format!("{prefix}{}", class.name));
            if let Some(pk) = class.primary_key_property() {
                row_sql.insert(
                    class.name.clone(),
                    format!("SELECT _row FROM {table} WHERE {} = ?1", quote(&pk.name)),
                );
            }
            let updates = class
                .properties
                .iter()
                .filter(|p| storage_of(p) == Storage::Column)
                .map(|p| (p.name.clone(), update_column_sql(&table, p)))
                .collect();
            update_sql.insert(class.name.clone(), updates);
        }
        Catalog {
            schema,
            prefix: prefix.to_owned(),
            insert_sql,
            row_sql,
            update_sql,
        }
    }

    /// The SELECT of the row key of the object of `class` with a given primary key value
    /// (`?1`), if `class` has a primary key.
    pub fn row_sql(&self, class: &str) -> Option<&str> {
        self.row_sql.get(class).map(String::as_str)
    }

    /// The UPDATE of single-valued property `prop` of a row of `class`: the value is `?1`,
    /// the row key `?2`, a mixed property's tag `?3`.
    pub fn update_sql(&self, class: &str, prop: &Property) -> std::borrow::Cow<'_, str> {
        match self.update_sql.get(class).and_then(|m| m.get(&prop.name)) {
            Some(sql) => sql.as_str().into(),
            None => update_column_sql(&self.table(class), prop).into(),
        }
    }

    /// The INSERT statement for a new row of `class`, with the parameters of
    /// [`insert_columns`].
    pub fn insert_sql(&self, class: &str) -> Result<&str> {
        self.insert_sql
            .get(class)
            .map(String::as_str)
            .ok_or_else(|| StorageError::UnknownClass {
                class: class.to_owned(),
            })
    }

    /// The class named `name`, or an `UnknownClass` error.
    pub fn class(&self, name: &str) -> Result<&ObjectSchema> {
        self.schema
            .class(name)
            .ok_or_else(|| StorageError::UnknownClass {
                class: name.to_owned(),
            })
    }

    /// The property `prop` of `class`, or an `UnknownProperty` error.
    pub fn property<'a>(&self, class: &'a ObjectSchema, prop: &str) -> Result<&'a Property> {
        class
            .property(prop)
            .ok_or_else(|| StorageError::UnknownProperty {
                class: class.name.clone(),
                property: prop.to_owned(),
            })
    }

    /// Whether `class` is an embedded class.
    pub fn is_embedded(&self, class: &str) -> bool {
        self.schema.class(class).is_some_and(|c| c.embedded)
    }

    /// The unquoted table name of a class.
    pub fn table_name(&self, class: &str) -> String {
        format!("{}{class}", self.prefix)
    }

    /// The quoted table name of a class.
    pub fn table(&self, class: &str) -> String {
        quote(&self.table_name(class))
    }

    /// The unquoted element table name of a collection property.
    pub fn elements_name(&self, class: &str, prop: &str) -> String {
        format!("{}{class}.{prop}", self.prefix)
    }

    /// The quoted element table name of a collection property.
    pub fn elements(&self, class: &str, prop: &str) -> String {
        quote(&self.elements_name(class, prop))
    }

    /// Whether a link/object property points to an embedded class.
    pub fn is_embedded_link(&self, prop: &Property) -> bool {
        prop.ty == PropertyType::Object
            && prop
                .object_type
                .as_deref()
                .is_some_and(|t| self.is_embedded(t))
    }
}

/// Checks that the schema can be laid out: no class name reserved for internal tables, and no
/// two generated table or column names the same.
pub fn check(schema: &Schema) -> Result<()> {
    let mut tables = std::collections::HashSet::new();
    for class in &schema.classes {
        let invalid = |reason: String| StorageError::InvalidSchema {
            class: class.name.clone(),
            reason,
        };
        if class.name.starts_with(INTERNAL_PREFIX) {
            return Err(invalid(format!(
                "class names starting with '{INTERNAL_PREFIX}' are reserved"
            )));
        }
        if !tables.insert(class.name.clone()) {
            return Err(invalid("the class is declared twice".into()));
        }
        if class.asymmetric && class.primary_key.is_none() {
            return Err(invalid(
                "an asymmetric class needs a primary key: its objects exist only on the server, \
                 which tells them apart by it"
                    .into(),
            ));
        }
        let mut columns: std::collections::HashSet<String> =
            ["_row", "_clock", "_replica"].map(String::from).into();
        for prop in &class.properties {
            match storage_of(prop) {
                Storage::Computed => {}
                Storage::Elements => {
                    if !tables.insert(format!("{}.{}", class.name, prop.name)) {
                        return Err(invalid(format!(
                            "the table name of property '{}' collides with another",
                            prop.name
                        )));
                    }
                }
                Storage::Column => {
                    let mut names = vec![prop.name.clone()];
                    if prop.ty == PropertyType::Mixed {
                        names.push(tag_column(&prop.name));
                    }
                    for name in names {
                        if !columns.insert(name.to_lowercase()) {
                            return Err(invalid(format!(
                                "the column of property '{}' collides with another column (names are case-insensitive in SQLite; '_row', '_clock' and '_replica' are reserved)",
                                prop.name
                            )));
                        }
                    }
                }
            }
            if matches!(prop.ty, PropertyType::Object | PropertyType::LinkingObjects) {
                let target = prop.object_type.as_deref().unwrap_or_default();
                if schema.class(target).is_none() {
                    return Err(invalid(format!(
                        "property '{}' refers to unknown class '{target}'",
                        prop.name
                    )));
                }
            }
        }
        if let Some(pk) = &class.primary_key {
            match class.property(pk) {
                Some(p)
                    if p.collection == Collection::Single
                        && matches!(
                            p.ty,
                            PropertyType::Int
                                | PropertyType::String
                                | PropertyType::ObjectId
                                | PropertyType::Uuid
                        ) => {}
                _ => {
                    return Err(invalid(format!(
                    "primary key '{pk}' must be a property of type int, string, objectId or uuid"
                )))
                }
            }
        }
    }
    Ok(())
}

/// Column definitions (name and type) of a single-valued property.
fn column_defs(prop: &Property) -> Vec<String> {
    let mut out = vec![format!("{} {}", quote(&prop.name), column_type(prop.ty))];
    if prop.ty == PropertyType::Mixed {
        out.push(format!("{} INTEGER", quote(&tag_column(&prop.name))));
    }
    out
}

/// Creates the tables and indexes of `class` under `catalog`'s names.
pub fn create_class(conn: &Connection, catalog: &Catalog, class: &ObjectSchema) -> Result<()> {
    let mut cols = vec![
        "_row INTEGER PRIMARY KEY".to_owned(),
        "_clock INTEGER NOT NULL DEFAULT 0".to_owned(),
        "_replica INTEGER NOT NULL DEFAULT 0".to_owned(),
    ];
    for prop in &class.properties {
        if storage_of(prop) == Storage::Column {
            cols.extend(column_defs(prop));
        }
    }
    conn.execute_batch(&format!(
        "CREATE TABLE {} ({})",
        catalog.table(&class.name),
        cols.join(", ")
    ))?;
    for prop in &class.properties {
        match storage_of(prop) {
            Storage::Column => create_column_index(conn, catalog, class, prop)?,
            Storage::Elements => create_elements(conn, catalog, class, prop)?,
            Storage::Computed => {}
        }
    }
    Ok(())
}

/// The condition "the mixed value whose tag column is `tag` (quoted) holds a nested list or
/// dictionary", written the same way in the partial indexes on such rows and in the queries
/// that look for them (SQLite uses a partial index only for a query repeating its condition).
pub fn nested_collections(tag: &str) -> String {
    format!(
        "{tag} IN ({}, {})",
        super::encode::MixedTag::List as i64,
        super::encode::MixedTag::Dictionary as i64
    )
}

fn index_name(catalog: &Catalog, class: &str, prop: &str) -> String {
    quote(&format!("{}.{prop}.idx", catalog.table_name(class)))
}

/// Creates the index a single-valued property needs, if any: unique for the primary key, for
/// indexed properties, and for links (deleting a target nulls them). A `mixed` property also
/// gets a partial index on the links it holds (`C.p.links`), for the same reason and so that
/// change notifications find what links to a changed object, and one on the rows holding a
/// nested list or dictionary (`C.p.nested`, see [`nested_collections`]); both cost nothing
/// for other values.
pub fn create_column_index(
    conn: &Connection,
    catalog: &Catalog,
    class: &ObjectSchema,
    prop: &Property,
) -> Result<()> {
    if prop.ty == PropertyType::Mixed {
        let tag = quote(&tag_column(&prop.name));
        conn.execute_batch(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({}) WHERE {tag} = {};\n\
             CREATE INDEX IF NOT EXISTS {} ON {} ({tag}) WHERE {}",
            quote(&format!(
                "{}.{}.links",
                catalog.table_name(&class.name),
                prop.name
            )),
            catalog.table(&class.name),
            quote(&prop.name),
            super::encode::MixedTag::Link as i64,
            quote(&format!(
                "{}.{}.nested",
                catalog.table_name(&class.name),
                prop.name
            )),
            catalog.table(&class.name),
            nested_collections(&tag),
        ))?;
    }
    let is_pk = class.primary_key.as_deref() == Some(prop.name.as_str());
    let wanted = is_pk || prop.index != IndexKind::None || prop.ty == PropertyType::Object;
    if !wanted {
        return Ok(());
    }
    let mut cols = quote(&prop.name);
    if prop.ty == PropertyType::Mixed {
        cols = format!("{cols}, {}", quote(&tag_column(&prop.name)));
    }
    conn.execute_batch(&format!(
        "CREATE {}INDEX IF NOT EXISTS {} ON {} ({cols})",
        if is_pk { "UNIQUE " } else { "" },
        index_name(catalog, &class.name, &prop.name),
        catalog.table(&class.name),
    ))?;
    Ok(())
}

/// Drops the index of a single-valued property that is no longer indexed.
pub fn drop_column_index(
    conn: &Connection,
    catalog: &Catalog,
    class: &str,
    prop: &str,
) -> Result<()> {
    conn.execute_batch(&format!(
        "DROP INDEX IF EXISTS {}",
        index_name(catalog, class, prop)
    ))?;
    Ok(())
}

/// Adds a new single-valued property's column (and index) to an existing class table.
pub fn add_column(
    conn: &Connection,
    catalog: &Catalog,
    class: &ObjectSchema,
    prop: &Property,
) -> Result<()> {
    for def in column_defs(prop) {
        conn.execute_batch(&format!(
            "ALTER TABLE {} ADD COLUMN {def}",
            catalog.table(&class.name)
        ))?;
    }
    create_column_index(conn, catalog, class, prop)
}

/// Creates the element table of a collection property.
pub fn create_elements(
    conn: &Connection,
    catalog: &Catalog,
    class: &ObjectSchema,
    prop: &Property,
) -> Result<()> {
    let table = catalog.elements(&class.name, &prop.name);
    let name = catalog.elements_name(&class.name, &prop.name);
    let value_ty = column_type(prop.ty);
    let tag = if prop.ty == PropertyType::Mixed {
        ", \"value@type\" INTEGER"
    } else {
        ""
    };
    let value_cols = if prop.ty == PropertyType::Mixed {
        "value, \"value@type\""
    } else {
        "value"
    };
    let extra = match prop.collection {
        Collection::List => {
            ", pos BLOB NOT NULL, eclock INTEGER NOT NULL, ereplica INTEGER NOT NULL, eseq INTEGER NOT NULL"
        }
        Collection::Dictionary => ", key TEXT NOT NULL",
        _ => "",
    };
    let mut sql = format!(
        "CREATE TABLE {table} (_row INTEGER PRIMARY KEY, owner INTEGER NOT NULL, value {value_ty}{tag}{extra});\n\
         CREATE INDEX {} ON {table} ({value_cols}, owner);\n",
        quote(&format!("{name}.value.idx")),
    );
    match prop.collection {
        Collection::List => sql.push_str(&format!(
            "CREATE INDEX {} ON {table} (owner, pos, eclock, ereplica, eseq);",
            quote(&format!("{name}.pos.idx"))
        )),
        Collection::Set => sql.push_str(&format!(
            "CREATE UNIQUE INDEX {} ON {table} (owner, {value_cols});",
            quote(&format!("{name}.owner.idx"))
        )),
        Collection::Dictionary => sql.push_str(&format!(
            "CREATE UNIQUE INDEX {} ON {table} (owner, key);",
            quote(&format!("{name}.owner.idx"))
        )),
        Collection::Single => {}
    }
    if prop.ty == PropertyType::Mixed {
        // Links inside nested collections have no index; this one finds the elements that
        // hold a nested collection at all (see `create_column_index`).
        sql.push_str(&format!(
            "\nCREATE INDEX {} ON {table} (\"value@type\") WHERE {};",
            quote(&format!("{name}.nested")),
            nested_collections("\"value@type\""),
        ));
    }
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Drops every table of `class` (class table and element tables) under `catalog`'s names.
pub fn drop_class(conn: &Connection, catalog: &Catalog, class: &ObjectSchema) -> Result<()> {
    for prop in &class.properties {
        if storage_of(prop) == Storage::Elements {
            conn.execute_batch(&format!(
                "DROP TABLE IF EXISTS {}",
                catalog.elements(&class.name, &prop.name)
            ))?;
        }
    }
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS {}",
        catalog.table(&class.name)
    ))?;
    Ok(())
}
