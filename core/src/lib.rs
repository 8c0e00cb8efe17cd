//! Syncline's engine: an offline-first object database on SQLite.
//!
//! Modules, one per concept (see `DESIGN.md`): [`value`], [`schema`], [`storage`], [`query`],
//! [`changes`], [`sync`].

pub mod changes;
pub mod query;
pub mod schema;
pub mod storage;
pub mod sync;
pub mod value;

pub use schema::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema, SchemaError,
};
pub use value::{
    Decimal128, Document, Link, ObjectId, PrimaryKey, Timestamp, Uuid, Value, ValueError,
};
