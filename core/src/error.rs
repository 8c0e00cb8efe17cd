//! The crate's top-level error: one variant per module, so `?` works across modules and a
//! caller (or the FFI layer) can still tell which part of the engine refused.

use crate::query::QueryError;
use crate::schema::SchemaError;
use crate::storage::StorageError;
use crate::sync::SyncError;
use crate::value::ValueError;

/// Any error of the Syncline engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Storage: opening files, schema mismatches, object reads and writes.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An invalid schema.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// An invalid query, or a failure while evaluating one.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// A value conversion.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// Sync data: clocks, changesets, their encoding.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// An error raised by application code inside a migration or transaction callback.
    #[error("{0}")]
    Callback(String),
}

impl Error {
    /// An error carrying an application's own message (for callbacks that fail).
    pub fn callback(message: impl Into<String>) -> Self {
        Error::Callback(message.into())
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
