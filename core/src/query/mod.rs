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

pub mod ast;
mod bind;
pub mod bound;
pub mod eval;
mod geo;
mod lexer;
mod memory;
mod parser;

pub use bound::BoundQuery;
pub use eval::{apply_modifiers, evaluate, matches, ObjectSource};
pub use memory::MemoryStore;

use crate::schema::Schema;
use crate::value::{Link, PrimaryKey, Value};

/// A parsed Realm Query Language query, not yet bound to a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    text: String,
    parsed: ast::ParsedQuery,
}

impl Query {
    /// Parses `text`; a syntax error says where and what was expected.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        Ok(Query {
            text: text.to_owned(),
            parsed: parser::parse(text)?,
        })
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The syntax tree.
    pub fn ast(&self) -> &ast::ParsedQuery {
        &self.parsed
    }

    /// Resolves the query for objects of `class` with the `$0…$n` arguments `args`: checks
    /// names, types and operators, and types every literal.
    pub fn bind(
        &self,
        schema: &Schema,
        class: &str,
        args: &[Value],
    ) -> Result<BoundQuery, QueryError> {
        bind::bind(&self.parsed, schema, class, args)
    }
}

impl BoundQuery {
    /// Parses and binds in one step.
    pub fn new(
        text: &str,
        schema: &Schema,
        class: &str,
        args: &[Value],
    ) -> Result<BoundQuery, QueryError> {
        Query::parse(text)?.bind(schema, class, args)
    }

    /// Runs the query over `source`: primary keys of the matches, ordered and limited by the
    /// query's SORT/DISTINCT/LIMIT clauses.
    pub fn evaluate<S: ObjectSource + ?Sized>(
        &self,
        source: &S,
    ) -> Result<Vec<PrimaryKey>, QueryError> {
        eval::evaluate(self, source)
    }

    /// Whether one object matches the predicate.
    pub fn matches<S: ObjectSource + ?Sized>(
        &self,
        source: &S,
        object: &Link,
    ) -> Result<bool, QueryError> {
        eval::matches(self, source, object)
    }
}

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
    #[error("{message}")]
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
