//! The one public error of the FFI layer: a small enum whose variants say what kind of thing
//! went wrong, each with the core's message, which names the class, property or position.
//!
//! All conversions from the core's errors are here, so that every entry point reports the
//! same kind for the same failure (in uniffi exceptions and in C status codes alike).

use syncline_core::{Error as CoreError, SchemaError, StorageError, ValueError};

/// Why a Syncline call failed. The message says what was wrong and where.
///
/// A flat error: in Kotlin, Swift and Python each variant is an exception (error case) whose
/// message is the text below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum SynclineError {
    /// An argument was malformed: bad JSON, a wrong value type, an unknown class or property.
    #[error("{message}")]
    InvalidArgument {
        /// What was wrong with the argument.
        message: String,
    },
    /// The schema is invalid, or does not match the database file and needs a migration.
    #[error("{message}")]
    Schema {
        /// Which class, property and rule.
        message: String,
    },
    /// The query text or its arguments are invalid.
    #[error("{message}")]
    Query {
        /// Where in the query and what was expected.
        message: String,
    },
    /// The object addressed does not exist.
    #[error("{message}")]
    NotFound {
        /// Which class and primary key.
        message: String,
    },
    /// A write conflicts with the data: a duplicate primary key or a link to a missing object.
    #[error("{message}")]
    Conflict {
        /// Which object or property.
        message: String,
    },
    /// The database or transaction was closed (or committed/cancelled) before this call.
    #[error("{message}")]
    Closed {
        /// What was closed.
        message: String,
    },
    /// The database file cannot be opened, read or written.
    #[error("{message}")]
    Storage {
        /// What SQLite or the file system reported.
        message: String,
    },
    /// The class is asymmetric (insert-only): its objects can only be created (they go to the
    /// sync outbox and are not kept locally), never read, queried, observed, updated or deleted.
    #[error("{message}")]
    Asymmetric {
        /// Which class and what was attempted.
        message: String,
    },
    /// Application code called back by Syncline (a write block) failed.
    #[error("{message}")]
    Callback {
        /// The application's message.
        message: String,
    },
}

impl SynclineError {
    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        SynclineError::InvalidArgument {
            message: message.into(),
        }
    }

    pub(crate) fn closed(what: &str) -> Self {
        SynclineError::Closed {
            message: format!("the {what} is closed"),
        }
    }
}

impl From<CoreError> for SynclineError {
    fn from(error: CoreError) -> Self {
        let message = error.to_string();
        match error {
            CoreError::Storage(storage) => match storage {
                StorageError::UnknownClass { .. }
                | StorageError::UnknownProperty { .. }
                | StorageError::TypeMismatch { .. }
                | StorageError::MissingRequired { .. }
                | StorageError::InvalidPath { .. }
                | StorageError::IndexOutOfBounds { .. }
                | StorageError::UnsupportedOperation { .. }
                | StorageError::NestedWrite => SynclineError::InvalidArgument { message },
                StorageError::InvalidSchema { .. }
                | StorageError::MigrationRequired { .. }
                | StorageError::NewerSchemaVersion { .. } => SynclineError::Schema { message },
                StorageError::ObjectNotFound { .. } => SynclineError::NotFound { message },
                StorageError::AsymmetricClass { .. } => SynclineError::Asymmetric { message },
                StorageError::DuplicatePrimaryKey { .. } | StorageError::DanglingLink { .. } => {
                    SynclineError::Conflict { message }
                }
                _ => SynclineError::Storage { message },
            },
            CoreError::Schema(_) => SynclineError::Schema { message },
            CoreError::Query(_) => SynclineError::Query { message },
            CoreError::Value(_) => SynclineError::InvalidArgument { message },
            CoreError::Callback(_) => SynclineError::Callback { message },
            _ => SynclineError::Storage { message },
        }
    }
}

impl From<SchemaError> for SynclineError {
    fn from(error: SchemaError) -> Self {
        SynclineError::Schema {
            message: error.to_string(),
        }
    }
}

impl From<ValueError> for SynclineError {
    fn from(error: ValueError) -> Self {
        SynclineError::InvalidArgument {
            message: error.to_string(),
        }
    }
}

impl From<syncline_core::query::QueryError> for SynclineError {
    fn from(error: syncline_core::query::QueryError) -> Self {
        SynclineError::Query {
            message: error.to_string(),
        }
    }
}

/// The failure of application code that Syncline called (a write block), as thrown by it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CallbackError {
    /// The application code failed; `reason` is its message.
    #[error("{reason}")]
    Failed {
        /// The application's message.
        reason: String,
    },
}

/// What foreign code threw that was not a `CallbackError` (e.g. any Kotlin exception).
impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CallbackError::Failed {
            reason: error.reason,
        }
    }
}

impl From<CallbackError> for SynclineError {
    fn from(error: CallbackError) -> Self {
        SynclineError::Callback {
            message: error.to_string(),
        }
    }
}

/// Result of the FFI layer's calls.
pub type Result<T, E = SynclineError> = std::result::Result<T, E>;
