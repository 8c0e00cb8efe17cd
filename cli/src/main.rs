//! `syncline`: schema interop and a look inside local Syncline databases.
//!
//! The tool parses arguments, reads files, calls the core and prints; the work itself (schema
//! mapping, inference, diffs, imports) is `syncline-core`'s. Errors are one line on stderr,
//! `syncline: <file>: <where in it>: <rule>`, with exit status 1 (2 for a usage error).

mod db_cmd;
mod files;
mod render;
mod schema_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::files::CliError;

/// Schema interop and a look inside local Syncline databases.
#[derive(Debug, Parser)]
#[command(
    name = "syncline",
    version,
    after_help = "Examples:\n  \
        syncline schema to-json-schema model.json --out app/\n  \
        syncline schema infer people.jsonl\n  \
        syncline codegen --lang kotlin model.json > Models.kt\n  \
        syncline db import app.db --schema model.json --data data.json\n  \
        syncline db query app.db Person 'age > $0 SORT(name ASC)' --arg 30"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert, infer, compare and check schemas.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            syncline schema to-json-schema model.json\n  \
            syncline schema diff old.json new.json\n  \
            syncline schema check model.json --queryable owner_id"
    )]
    Schema(SchemaCommand),
    /// Import into, query, export and inspect a local database file.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            syncline db import app.db --schema model.json --data data.json\n  \
            syncline db query app.db Person 'age > 30'\n  \
            syncline db stats app.db"
    )]
    Db(DbCommand),
    /// Generate model types for an app from a schema.
    #[command(after_help = "Examples:\n  \
        syncline codegen --lang swift model.json > Models.swift\n  \
        syncline codegen --lang kotlin model.json --out app/src/main/kotlin/Models.kt\n\n\
        Languages: swift, kotlin, c (a header), typescript, python. The generated file holds the \
        schema to open a database with, and one type per class that converts to and from the \
        bindings' field maps.")]
    Codegen {
        /// The language: swift, kotlin, c, typescript or python.
        #[arg(long, value_name = "LANG")]
        lang: String,
        /// The schema (Realm JS form or App Services JSON Schemas).
        schema: PathBuf,
        /// Write the code to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Write a schema (Realm JS form) as App Services JSON Schemas, one per top-level class.
    #[command(after_help = "Examples:\n  \
        syncline schema to-json-schema model.json > collections.json\n  \
        syncline schema to-json-schema model.json --out app/   \
        # app/data_sources/mongodb-atlas/syncline/<Class>/{schema,relationships}.json")]
    ToJsonSchema {
        /// The schema: a JSON array of classes in Realm's JavaScript SDK form.
        file: PathBuf,
        /// Write App Services' files (`schema.json` and `relationships.json` per class) under
        /// this directory instead of printing one JSON array.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The data source named in relationship refs.
        #[arg(long, default_value = "mongodb-atlas")]
        data_source: String,
        /// The database named in relationship refs and file paths.
        #[arg(long, default_value = "syncline")]
        database: String,
    },
    /// Read App Services JSON Schemas into a schema in Realm JS form.
    #[command(after_help = "Examples:\n  \
        syncline schema from-json-schema Person.json Dog.json > model.json\n  \
        syncline schema from-json-schema app/data_sources/mongodb-atlas/syncline --out model/\n\n\
        Each FILE is a JSON Schema document, a JSON array of them, a `schema.json` (its sibling \
        `relationships.json` is read too), or a directory searched for `schema.json` files.")]
    FromJsonSchema {
        /// JSON Schema files or App Services directories.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write one `<Class>.json` per class under this directory instead of printing.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Infer a schema from sample documents (Extended JSON lines or a BSON dump).
    #[command(after_help = "Examples:\n  \
        syncline schema infer people.jsonl dogs.bson > model.json\n  \
        syncline schema infer export.json --class Person --json-schema\n\n\
        Each file's name (without extension) is its class, unless --class is given. Files ending \
        in .bson are BSON dumps; others hold one Extended JSON document per line, or a JSON array. \
        What was ambiguous is reported on stderr.")]
    Infer {
        /// Sample files.
        #[arg(required = true)]
        data: Vec<PathBuf>,
        /// The class of every sample (default: each file's name).
        #[arg(long)]
        class: Option<String>,
        /// Print App Services JSON Schemas instead of the Realm JS form.
        #[arg(long)]
        json_schema: bool,
    },
    /// List the changes from one schema to another: additive, server-breaking or breaking.
    #[command(after_help = "Examples:\n  \
        syncline schema diff old.json new.json\n  \
        syncline schema diff old.json new.json --development-mode on   \
        # exit status 1 unless every change is additive")]
    Diff {
        /// The old schema (Realm JS form or App Services JSON Schemas).
        old: PathBuf,
        /// The new schema.
        new: PathBuf,
        /// Decide as the server would with Development Mode on (additive changes accepted) or
        /// off (every change refused); a refusal exits with status 1.
        #[arg(long, value_name = "MODE")]
        development_mode: Option<OnOff>,
    },
    /// Check a schema and its queryable fields against Flexible Sync's rules.
    #[command(after_help = "Example:\n  \
        syncline schema check model.json --queryable owner_id --queryable status\n\n\
        Rules: every class has an `_id` primary key of type objectId, string, int or uuid; no \
        reserved field names; class names of at most 57 UTF-8 bytes; at most 10 queryable \
        fields, each a top-level scalar or array of scalars.")]
    Check {
        /// The schema (Realm JS form or App Services JSON Schemas).
        file: PathBuf,
        /// A queryable field (repeat for more; commas separate several too).
        #[arg(long, value_name = "FIELD", value_delimiter = ',')]
        queryable: Vec<String>,
    },
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Import objects from Extended JSON into a database (created if missing), all or nothing.
    #[command(after_help = "Examples:\n  \
        syncline db import app.db --schema model.json --data data.json\n  \
        syncline db import app.db --schema model.json --data people.jsonl --class Person\n\n\
        DATA is a JSON object mapping each class to an array of objects, or with --class JSON \
        lines (or an array) of that class. Values are Extended JSON ($oid, $uuid, $date, \
        $numberDecimal, $binary, $numberLong, $numberDouble); a link is the target's primary \
        key (a list of links, a list of keys); a link to a class without a primary key is the \
        target's 1-based position in its class's array. One write transaction: a failed import \
        leaves the database as it was.")]
    Import {
        /// The database file.
        db: PathBuf,
        /// The schema: a JSON array of classes in Realm JS form.
        #[arg(long)]
        schema: PathBuf,
        /// The objects to import.
        #[arg(long)]
        data: PathBuf,
        /// Read DATA as JSON lines of objects of this class.
        #[arg(long)]
        class: Option<String>,
    },
    /// Run a Realm Query Language query and print the matching objects in query order.
    #[command(after_help = "Examples:\n  \
        syncline db query app.db Person 'age >= $0 AND name BEGINSWITH $1' --arg 18 --arg '\"A\"'\n  \
        syncline db query app.db Person '_id IN $0' --arg '[1, 2, 3]' --json\n  \
        syncline db query app.db Dog 'owner == $0' --arg '{\"$link\": {\"class\": \"Person\", \"pk\": 1}}'\n\n\
        Each --arg is one positional argument ($0, $1, …) in Extended JSON: a JSON array for a \
        list, {\"$link\": {\"class\": C, \"pk\": V}} for an object.")]
    Query {
        /// The database file.
        db: PathBuf,
        /// The class to query.
        class: String,
        /// The query.
        rql: String,
        /// A positional argument in Extended JSON (repeat in order: $0, $1, …).
        #[arg(long = "arg", value_name = "JSON", allow_hyphen_values = true)]
        args: Vec<String>,
        /// Print a JSON array in Extended JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print every object as Extended JSON (what `db import` reads back).
    #[command(after_help = "Example:\n  \
        syncline db export app.db > data.json\n  \
        syncline db schema app.db > model.json\n  \
        syncline db import copy.db --schema model.json --data data.json")]
    Export {
        /// The database file.
        db: PathBuf,
    },
    /// Print the schema stored in a database (Realm JS form; defaults are not stored).
    #[command(after_help = "Example:\n  syncline db schema app.db > model.json")]
    Schema {
        /// The database file.
        db: PathBuf,
        /// Print App Services JSON Schemas instead.
        #[arg(long)]
        json_schema: bool,
    },
    /// Print a database's classes, object counts, file size, schema version and pending
    /// outbox changesets.
    #[command(after_help = "Example:\n  syncline db stats app.db --json")]
    Stats {
        /// The database file.
        db: PathBuf,
        /// Print a JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Schema(cmd) => match cmd {
            SchemaCommand::ToJsonSchema {
                file,
                out,
                data_source,
                database,
            } => schema_cmd::to_json_schema(&file, out.as_deref(), data_source, database),
            SchemaCommand::FromJsonSchema { files, out } => {
                schema_cmd::from_json_schema(&files, out.as_deref())
            }
            SchemaCommand::Infer {
                data,
                class,
                json_schema,
            } => schema_cmd::infer(&data, class.as_deref(), json_schema),
            SchemaCommand::Diff {
                old,
                new,
                development_mode,
            } => schema_cmd::diff(&old, &new, development_mode.map(|m| m == OnOff::On)),
            SchemaCommand::Check { file, queryable } => schema_cmd::check(&file, &queryable),
        },
        Command::Codegen { lang, schema, out } => {
            schema_cmd::codegen(&lang, &schema, out.as_deref())
        }
        Command::Db(cmd) => match cmd {
            DbCommand::Import {
                db,
                schema,
                data,
                class,
            } => db_cmd::import(&db, &schema, &data, class.as_deref()),
            DbCommand::Query {
                db,
                class,
                rql,
                args,
                json,
            } => db_cmd::query(&db, &class, &rql, &args, json),
            DbCommand::Export { db } => db_cmd::export(&db),
            DbCommand::Schema { db, json_schema } => db_cmd::schema(&db, json_schema),
            DbCommand::Stats { db, json } => db_cmd::stats(&db, json),
        },
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("syncline: {e}");
            ExitCode::FAILURE
        }
    }
}
