//! Syncline's FFI layer: the core's API for Swift, Kotlin and Python (uniffi) and for C.
//!
//! The layer converts types and errors and does nothing else: every rule lives in
//! `syncline-core`. The uniffi part is exported with proc-macros; the C ABI in [`capi`] is a
//! set of `extern "C"` functions over the same core calls.

pub mod capi;
mod database;
mod error;
mod interop;
mod migration;
mod observe;
mod query;
mod schema;
mod transaction;
mod value;

pub use database::{Database, DbObject};
pub use error::{CallbackError, SynclineError};
pub use interop::{
    schema_development_mode_decision, schema_diff, schema_from_json_schema, schema_generate_models,
    schema_infer, schema_sync_rule_errors, schema_to_json_schema, SchemaChange, SchemaChangeKind,
    SchemaInference, SchemaMapping,
};
pub use migration::{Migration, MigrationHandler};
pub use observe::{ChangeEvent, ChangeListener, ChangeSet, ObserverHandle};
pub use query::SortDescriptor;
pub use schema::{ClassSchema, CollectionKind, IndexKind, PropertySchema, PropertyType};
pub use transaction::{WriteBlock, WriteTransaction};
pub use value::{Link, PrimaryKey, Timestamp, Value};

uniffi::setup_scaffolding!("syncline");

/// The version of the Syncline library, e.g. `0.1.0`.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
