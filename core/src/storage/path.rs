//! Property paths into an object: `name`, `address.street`, `items[2].name`, `tags['home']`.

use super::{Result, StorageError};

/// One step of a property path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathElement {
    /// A property of the current object.
    Property(String),
    /// An element of a list, by position.
    Index(usize),
    /// An entry of a dictionary, by key.
    Key(String),
}

/// Parses a path: properties separated by `.`, list positions as `[n]`, dictionary keys as
/// `['key']` or `["key"]` (a backslash escapes the quote or itself).
pub fn parse(class: &str, path: &str) -> Result<Vec<PathElement>> {
    let err = |reason: String| StorageError::InvalidPath {
        class: class.to_owned(),
        path: path.to_owned(),
        reason,
    };
    let chars: Vec<char> = path.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut expect_name = true;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                if expect_name {
                    return Err(err(format!("expected a property name at position {i}")));
                }
                i += 1;
                match chars.get(i) {
                    Some(q @ ('\'' | '"')) => {
                        let quote = *q;
                        i += 1;
                        let mut key = String::new();
                        loop {
                            match chars.get(i) {
                                None => return Err(err("unterminated dictionary key".into())),
                                Some('\\') => {
                                    let c = chars
                                        .get(i + 1)
                                        .ok_or_else(|| err("unterminated escape".into()))?;
                                    key.push(*c);
                                    i += 2;
                                }
                                Some(c) if *c == quote => {
                                    i += 1;
                                    break;
                                }
                                Some(c) => {
                                    key.push(*c);
                                    i += 1;
                                }
                            }
                        }
                        out.push(PathElement::Key(key));
                    }
                    _ => {
                        let start = i;
                        while chars.get(i).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        let digits: String = chars[start..i].iter().collect();
                        let index = digits.parse::<usize>().map_err(|_| {
                            err(format!(
                                "expected a list index or a quoted key at position {start}"
                            ))
                        })?;
                        out.push(PathElement::Index(index));
                    }
                }
                if chars.get(i) != Some(&']') {
                    return Err(err(format!("expected ']' at position {i}")));
                }
                i += 1;
            }
            '.' => {
                if expect_name {
                    return Err(err(format!("expected a property name at position {i}")));
                }
                expect_name = true;
                i += 1;
            }
            _ => {
                if !expect_name {
                    return Err(err(format!("expected '.' or '[' at position {i}")));
                }
                let start = i;
                while i < chars.len() && !matches!(chars[i], '.' | '[' | ']') {
                    i += 1;
                }
                out.push(PathElement::Property(chars[start..i].iter().collect()));
                expect_name = false;
            }
        }
    }
    if expect_name {
        return Err(err(if path.is_empty() {
            "the path is empty".into()
        } else {
            "the path ends with '.'".into()
        }));
    }
    Ok(out)
}

/// Prints a path in the form [`parse`] reads.
pub fn display(path: &[PathElement]) -> String {
    let mut out = String::new();
    for (i, el) in path.iter().enumerate() {
        match el {
            PathElement::Property(p) => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(p);
            }
            PathElement::Index(n) => out.push_str(&format!("[{n}]")),
            PathElement::Key(k) => {
                out.push_str("['");
                out.push_str(&k.replace('\\', "\\\\").replace('\'', "\\'"));
                out.push_str("']");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathElement::*;

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse("C", "items[2].name").ok(),
            Some(vec![
                Property("items".into()),
                Index(2),
                Property("name".into())
            ])
        );
        assert_eq!(
            parse("C", "tags['a\\'b'].x").ok(),
            Some(vec![
                Property("tags".into()),
                Key("a'b".into()),
                Property("x".into())
            ])
        );
        let p = parse("C", "a.b[\"k\"]").expect("parses");
        assert_eq!(parse("C", &display(&p)).ok(), Some(p));
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in ["", "a.", ".a", "a[", "a[x]", "a['k", "[1]", "a[1]b", "a..b"] {
            assert!(
                matches!(parse("C", bad), Err(StorageError::InvalidPath { .. })),
                "{bad}"
            );
        }
    }
}
