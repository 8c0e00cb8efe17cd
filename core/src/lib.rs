//! Syncline's engine: an offline-first object database on SQLite.
//!
//! Modules, one per concept (see `DESIGN.md`): [`value`], [`schema`], [`storage`], [`query`],
//! [`changes`], [`sync`]; [`interchange`] reads and writes a database's objects as Extended JSON.

pub mod changes;
pub mod db;
pub mod error;
pub mod interchange;
pub mod query;
pub mod schema;
pub mod storage;
pub mod sync;
pub mod value;

pub use changes::{ChangeEvent, ChangeSet, ObserverHandle};
pub use db::{
    CommitInfo, Config, Database, HookId, Migration, Object, ObjectChangeKind, ReadTransaction,
    Results, WriteTransaction,
};
pub use error::{Error, Result};
pub use schema::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema, SchemaError,
};
pub use storage::{PathElement, StorageError};
pub use value::{
    Decimal128, Document, Link, ObjectId, PrimaryKey, Timestamp, Uuid, Value, ValueError,
};

/// The README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
