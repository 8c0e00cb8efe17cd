//! Realm Query Language: parser, AST, binding against a schema, in-memory evaluator.
//!
//! ```text
//! text ──Query::parse──▶ ast::ParsedQuery ──Query::bind(schema, class, args)──▶ BoundQuery
//!                                                  │
//!                       eval::evaluate / eval::matches (any ObjectSource, e.g. MemoryStore)
//!                       storage: compiles BoundQuery to SQL with bound parameters
//! ```
//!
//! Errors are [`QueryError`]s: syntax errors give the byte position and what was expected;
//! binding errors name the class, property or argument.

pub mod bound;
pub mod eval;
mod memory;

pub use bound::BoundQuery;
pub use eval::{apply_modifiers, evaluate, matches, ObjectSource};
pub use memory::MemoryStore;

/// Errors of the query module.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// The text is not a valid query.
    #[error("at {position}: {message}")]
    Syntax {
        /// Byte offset in the query text.
        position: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The query is well-formed but does not fit the schema or the operator's rules.
    #[error("at {position}: {message}")]
    Invalid {
        /// Byte offset in the query text of the offending part.
        position: usize,
        /// What is wrong, naming the class, property or operator.
        message: String,
    },
    /// A `$n` argument is missing or has the wrong type.
    #[error("argument ${index}: {message}")]
    Argument {
        /// The argument's index.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// The [`ObjectSource`] failed to read objects.
    #[error("reading objects failed: {0}")]
    Source(String),
    /// A [`MemoryStore`] operation was rejected.
    #[error("memory store: {0}")]
    Store(String),
}
