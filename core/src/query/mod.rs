//! Realm Query Language: parser, AST, in-memory evaluator.
