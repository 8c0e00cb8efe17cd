//! Reading inputs and writing outputs, and the one-line errors that name the file.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use serde_json::Value as Json;
use syncline_core::schema::MappingNote;
use syncline_core::Schema;

/// An error of the tool: what it concerns (a file, an argument, the query) and what was wrong.
#[derive(Debug)]
pub enum CliError {
    /// A problem with one input: `input: message`, where `message` says where inside it.
    At {
        /// The file (or `--arg 2`, `query`…).
        input: String,
        /// Where in it and which rule.
        message: String,
    },
    /// A message that names its input itself.
    Line(String),
    /// Several problems, one line each.
    Many(Vec<CliError>),
    /// Stdout was closed (e.g. `| head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    /// A problem with `input`.
    pub fn at(input: impl fmt::Display, message: impl fmt::Display) -> Self {
        CliError::At {
            input: input.to_string(),
            message: message.to_string(),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::At { input, message } => write!(f, "{input}: {message}"),
            CliError::Line(message) => write!(f, "{message}"),
            CliError::Many(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        write!(f, "\nsyncline: ")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            CliError::BrokenPipe => write!(f, "stdout was closed"),
        }
    }
}

/// A JSON syntax error's message without serde's trailing ` at line L column C` (the caller
/// says where, once).
pub fn json_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// An error of the database at `path`: engine messages that name the file already stand alone.
pub fn db_error(path: &Path, e: impl fmt::Display) -> CliError {
    let message = e.to_string();
    if message.contains(&shown(path)) {
        CliError::Line(message)
    } else {
        CliError::at(shown(path), message)
    }
}

/// `path` for messages.
pub fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// The file's bytes.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::at(shown(path), format!("cannot read: {e}")))
}

/// The file's text (UTF-8).
pub fn read_text(path: &Path) -> Result<String, CliError> {
    String::from_utf8(read_bytes(path)?).map_err(|e| {
        CliError::at(
            shown(path),
            format!("byte {}: not UTF-8 text", e.utf8_error().valid_up_to()),
        )
    })
}

/// The file's JSON; a syntax error names the line and column.
pub fn read_json(path: &Path) -> Result<Json, CliError> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::at(
            shown(path),
            format!(
                "line {}, column {}: not valid JSON: {}",
                e.line(),
                e.column(),
                json_reason(&e)
            ),
        )
    })
}

/// Whether a JSON document is an App Services JSON Schema rather than Realm's JS form: it (or
/// its first element) has `bsonType` or `title`, which the JS form never uses.
fn is_json_schema(json: &Json) -> bool {
    let first = match json {
        Json::Array(items) => items.first(),
        other => Some(other),
    };
    first
        .and_then(Json::as_object)
        .is_some_and(|o| o.contains_key("bsonType") || o.contains_key("title"))
}

/// Reads a schema file in Realm's JavaScript SDK form (an array of classes) or as App Services
/// JSON Schemas (one document or an array of them), without Realm's rules.
pub fn read_schema(path: &Path) -> Result<Schema, CliError> {
    let json = read_json(path)?;
    if is_json_schema(&json) {
        let documents = match json {
            Json::Array(items) => items,
            other => vec![other],
        };
        let import =
            Schema::from_json_schema(&documents).map_err(|e| CliError::at(shown(path), e))?;
        print_notes(path, &import.notes);
        Ok(import.schema)
    } else {
        Schema::from_json(&json).map_err(|e| CliError::at(shown(path), e))
    }
}

/// [`read_schema`], then Realm's rules (the first broken one is the error).
pub fn load_schema(path: &Path) -> Result<Schema, CliError> {
    let schema = read_schema(path)?;
    schema
        .validate(false)
        .map_err(|e| CliError::at(shown(path), e))?;
    Ok(schema)
}

/// Prints what a mapping dropped or assumed, on stderr (stdout holds the result).
pub fn print_notes(path: &Path, notes: &[MappingNote]) {
    for note in notes {
        eprintln!("note: {}: {note}", shown(path));
    }
}

/// Writes `text` to stdout; a closed stdout ends the command quietly.
pub fn print(text: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    let result = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(CliError::BrokenPipe),
        Err(e) => Err(CliError::at("stdout", e)),
    }
}

/// `json` pretty-printed with a final newline.
pub fn pretty(json: &Json) -> String {
    let mut text = serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string());
    text.push('\n');
    text
}

/// Writes `json` to `path`, creating its directories.
pub fn write_json(path: &Path, json: &Json) -> Result<(), CliError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::at(shown(dir), format!("cannot create directory: {e}")))?;
    }
    std::fs::write(path, pretty(json))
        .map_err(|e| CliError::at(shown(path), format!("cannot write: {e}")))
}
