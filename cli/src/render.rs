//! Values and objects as text for a terminal: one short cell per value, a table per result.

use syncline_core::db::describe_pk;
use syncline_core::Value;

/// The widest a table cell gets before it is cut with `…`.
const MAX_CELL_CHARS: usize = 40;

/// A value as one short line: `"text"` unquoted, links as `Class(pk)`, collections inline.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(d) => d.to_string(),
        Value::String(s) => s.replace('\n', "\\n").replace('\t', "\\t"),
        Value::Binary(b) => format!("<{} bytes>", b.len()),
        Value::Date(ts) => ts.to_iso8601(),
        Value::ObjectId(oid) => oid.to_hex(),
        Value::Uuid(u) => u.hyphenated().to_string(),
        Value::Decimal(d) => d.to_string(),
        Value::Link(link) => format!("{}({})", link.class, describe_pk(&link.pk)),
        Value::List(items) => format!("[{}]", join(items.iter().map(nested))),
        Value::Set(items) => format!("<{}>", join(items.iter().map(nested))),
        Value::Dictionary(map) => format!(
            "{{{}}}",
            join(map.iter().map(|(k, v)| format!("{k}: {}", nested(v))))
        ),
        Value::Embedded(doc) => format!(
            "{{{}}}",
            join(doc.iter().map(|(k, v)| format!("{k}: {}", nested(v))))
        ),
    }
}

/// Inside a collection strings are quoted, so `["a, b"]` and `["a", "b"]` differ.
fn nested(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        other => cell(other),
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn truncate(text: String) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A table with a header row, columns padded to their widest cell, and a count line.
pub fn table(header: &[String], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().cloned().map(truncate).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                out.push_str("  ");
            }
            out.push_str(c);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(w - c.chars().count()));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(&rule));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(&format!(
        "({} object{})\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use syncline_core::{Link, PrimaryKey, Timestamp};

    use super::*;

    #[test]
    fn cells_are_short_and_unambiguous() {
        assert_eq!(cell(&Value::String("a\nb".into())), "a\\nb");
        assert_eq!(
            cell(&Value::List(vec!["a, b".into(), Value::Int(2)])),
            "[\"a, b\", 2]"
        );
        assert_eq!(
            cell(&Value::Link(Link {
                class: "Dog".into(),
                pk: PrimaryKey::String("rex".into())
            })),
            "Dog(\"rex\")"
        );
        assert_eq!(
            cell(&Value::Date(Timestamp::new(0, 0))),
            "1970-01-01T00:00:00.000Z"
        );
        let dict = BTreeMap::from([("k".to_owned(), Value::Bool(true))]);
        assert_eq!(cell(&Value::Dictionary(dict)), "{k: true}");
        assert_eq!(cell(&Value::Binary(vec![1, 2])), "<2 bytes>");
    }

    #[test]
    fn tables_align_and_cut_long_cells() {
        let long = "x".repeat(50);
        let out = table(
            &["_id".into(), "name".into()],
            &[vec!["1".into(), long], vec!["22".into(), "Bo".into()]],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "_id  name");
        assert_eq!(lines[1], format!("---  {}", "-".repeat(40)));
        assert!(lines[2].ends_with('…'));
        assert_eq!(lines[2].chars().count(), 5 + 40);
        assert_eq!(lines[3], "22   Bo");
        assert_eq!(lines[4], "(2 objects)");
    }
}
