//! Splits query text into tokens with byte positions.

use base64::Engine as _;

use super::ast::Span;
use super::QueryError;
use crate::value::iso8601::timestamp_from_parts;
use crate::value::{ObjectId, Timestamp, Uuid};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An identifier or keyword (may start with `@`, or with `$` for a subquery variable).
    Word(String),
    /// `$n`.
    Arg(usize),
    /// A number: normalised text (hex converted to decimal) and whether it was written as a
    /// plain non-negative decimal integer.
    Number { text: String, plain_int: bool },
    /// A quoted string, verbatim.
    Str(String),
    /// `oid(…)`.
    Oid(ObjectId),
    /// `uuid(…)`.
    Uuid(Uuid),
    /// A date literal.
    Time(Timestamp),
    /// `B64"…"`.
    B64(Vec<u8>),
    /// Punctuation and symbolic operators.
    Punct(&'static str),
    /// End of the query.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

const PUNCTS: [&str; 25] = [
    "==", "=<", "=>", "!=", "<>", "<=", ">=", "&&", "||", "=", "<", ">", "!", "(", ")", "{", "}",
    "[", "]", ",", ".", "+", "-", "*", "/",
];

fn syntax(position: usize, message: impl Into<String>) -> QueryError {
    QueryError::Syntax {
        position,
        message: message.into(),
    }
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$' || c == '@'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn digits_len(s: &str) -> usize {
        s.bytes().take_while(u8::is_ascii_digit).count()
    }

    /// `YYYY-MM-DD@HH:MM:SS[:nanos]` or with `T` instead of `@` (also `.fraction` and a `Z`).
    fn try_date(&mut self) -> Result<Option<Timestamp>, QueryError> {
        let s = self.rest();
        let b = s.as_bytes();
        let start = self.pos;
        let mut i = 0;
        let num = |i: &mut usize, min: usize, max: usize| -> Option<u64> {
            let n = Self::digits_len(&s[*i..]);
            if n < min || n > max {
                return None;
            }
            let v = s[*i..*i + n].parse().ok()?;
            *i += n;
            Some(v)
        };
        let Some(year) = num(&mut i, 4, 4) else {
            return Ok(None);
        };
        if b.get(i) != Some(&b'-') {
            return Ok(None);
        }
        i += 1;
        let Some(month) = num(&mut i, 1, 2) else {
            return Ok(None);
        };
        if b.get(i) != Some(&b'-') {
            return Ok(None);
        }
        i += 1;
        let Some(day) = num(&mut i, 1, 2) else {
            return Ok(None);
        };
        if !matches!(b.get(i), Some(b'@') | Some(b'T')) {
            return Ok(None);
        }
        i += 1;
        let mut time = [0u64; 3];
        for (k, slot) in time.iter_mut().enumerate() {
            if k > 0 {
                if b.get(i) != Some(&b':') {
                    return Err(syntax(
                        start,
                        "a date literal needs HH:MM:SS after the date",
                    ));
                }
                i += 1;
            }
            *slot = num(&mut i, 1, 2).ok_or_else(|| {
                syntax(
                    start + i,
                    "expected 1 or 2 digits in the date literal's time",
                )
            })?;
        }
        // `:N` nanoseconds follow Realm's Timestamp convention: they carry the sign of the
        // seconds, so before the epoch `23:59:59:1` is one nanosecond *earlier* than 23:59:59.
        let mut colon_nanos = 0u64;
        let mut fraction_nanos = 0u64;
        if b.get(i) == Some(&b':') {
            i += 1;
            colon_nanos = num(&mut i, 1, 9).ok_or_else(|| {
                syntax(start + i, "expected nanoseconds (1 to 9 digits) after ':'")
            })?;
        } else if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
            let n = Self::digits_len(&s[i..]);
            if n > 9 {
                return Err(syntax(
                    start + i,
                    "at most 9 fractional digits in a date literal",
                ));
            }
            let frac: u64 = s[i..i + n].parse().unwrap_or(0);
            fraction_nanos = frac * 10u64.pow(9 - n as u32);
            i += n;
        }
        if matches!(b.get(i), Some(b'Z') | Some(b'z')) {
            i += 1;
        }
        let whole = timestamp_from_parts(
            year as i64,
            month as u32,
            day as u32,
            time[0] as u32,
            time[1] as u32,
            time[2] as u32,
            fraction_nanos as u32,
        )
        .map_err(|reason| syntax(start, format!("invalid date literal: {reason}")))?;
        let colon = colon_nanos as i128;
        let signed = if whole.seconds < 0 { -colon } else { colon };
        let ts = Timestamp::from_total_nanos(whole.total_nanos() + signed);
        self.pos += i;
        Ok(Some(ts))
    }

    /// `T<seconds>:<nanoseconds>`, signs allowed; the two parts must not have opposite signs.
    fn try_t_timestamp(&mut self) -> Result<Option<Timestamp>, QueryError> {
        let s = self.rest();
        let start = self.pos;
        let Some(body) = s.strip_prefix('T') else {
            return Ok(None);
        };
        let signed = |t: &str| -> Option<(i64, usize, bool)> {
            let neg = t.starts_with('-');
            let off = usize::from(neg);
            let n = Self::digits_len(&t[off..]);
            if n == 0 {
                return None;
            }
            let v: i64 = t[off..off + n].parse().ok()?;
            Some((if neg { -v } else { v }, off + n, neg))
        };
        let Some((secs, n1, _)) = signed(body) else {
            return Ok(None);
        };
        if body.as_bytes().get(n1) != Some(&b':') {
            return Ok(None);
        }
        let Some((nanos, n2, _)) = signed(&body[n1 + 1..]) else {
            return Err(syntax(
                start,
                "expected nanoseconds after ':' in a T<seconds>:<nanoseconds> literal",
            ));
        };
        if nanos.abs() > 999_999_999 {
            return Err(syntax(start, "nanoseconds must be below 1000000000"));
        }
        if (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0) {
            return Err(syntax(
                start,
                "seconds and nanoseconds of a timestamp literal must have the same sign",
            ));
        }
        let after = body[n1 + 1 + n2..].chars().next();
        if after.is_some_and(is_word_char) {
            return Ok(None);
        }
        self.pos += 1 + n1 + 1 + n2;
        Ok(Some(Timestamp::new(secs, nanos as i32)))
    }

    fn number(&mut self) -> Result<Tok, QueryError> {
        let s = self.rest();
        let start = self.pos;
        if s.starts_with("0x") || s.starts_with("0X") {
            let n = s[2..].bytes().take_while(u8::is_ascii_hexdigit).count();
            if n == 0 {
                return Err(syntax(start, "expected hex digits after '0x'"));
            }
            let v = i64::from_str_radix(&s[2..2 + n], 16)
                .map_err(|_| syntax(start, "hex literal does not fit a 64-bit int"))?;
            self.pos += 2 + n;
            return Ok(Tok::Number {
                text: v.to_string(),
                plain_int: false,
            });
        }
        let b = s.as_bytes();
        let mut i = Self::digits_len(s);
        let mut plain_int = i > 0;
        if b.get(i) == Some(&b'.') && (i != 0 || b.get(1).is_some_and(u8::is_ascii_digit)) {
            i += 1;
            i += Self::digits_len(&s[i..]);
            plain_int = false;
        }
        if matches!(b.get(i), Some(b'e') | Some(b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+') | Some(b'-')) {
                j += 1;
            }
            let n = Self::digits_len(&s[j..]);
            if n > 0 {
                i = j + n;
                plain_int = false;
            }
        }
        let text = s[..i].to_owned();
        self.pos += i;
        Ok(Tok::Number { text, plain_int })
    }

    fn string(&mut self, quote: char) -> Result<String, QueryError> {
        let start = self.pos;
        self.pos += 1;
        let body_start = self.pos;
        loop {
            let Some(c) = self.peek() else {
                return Err(syntax(
                    start,
                    format!("unterminated string: no closing {quote}"),
                ));
            };
            if c == '\\' {
                // Escapes are validated but kept verbatim: Realm compares the text between the
                // quotes as written.
                let at = self.pos;
                self.pos += 1;
                match self.peek() {
                    Some('"' | '\'' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | '0') => {
                        self.pos += 1
                    }
                    Some('u') => {
                        let hex = self.text[self.pos + 1..]
                            .bytes()
                            .take(4)
                            .take_while(u8::is_ascii_hexdigit)
                            .count();
                        if hex != 4 {
                            return Err(syntax(
                                at,
                                "invalid unicode escape: '\\u' needs 4 hex digits",
                            ));
                        }
                        self.pos += 5;
                    }
                    Some(e) => {
                        return Err(syntax(
                            at,
                            format!("invalid escape sequence '\\{e}' in a string"),
                        ))
                    }
                    None => {
                        return Err(syntax(
                            start,
                            format!("unterminated string: no closing {quote}"),
                        ))
                    }
                }
            } else if c == quote {
                let body = self.text[body_start..self.pos].to_owned();
                self.pos += 1;
                return Ok(body);
            } else {
                self.pos += c.len_utf8();
            }
        }
    }

    /// `oid(…)` / `uuid(…)`: the text between the parentheses.
    fn call_argument(&mut self, name_len: usize) -> Result<(String, usize), QueryError> {
        let start = self.pos;
        let open = self.pos + name_len;
        let close = self.text[open..]
            .find(')')
            .ok_or_else(|| syntax(start, "expected ')' to close the literal"))?;
        let inner = self.text[open + 1..open + close].trim().to_owned();
        self.pos = open + close + 1;
        Ok((inner, start))
    }

    fn next(&mut self) -> Result<Token, QueryError> {
        self.skip_space();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span { start, end: start },
            });
        };
        let tok = if c.is_ascii_digit() {
            match self.try_date()? {
                Some(ts) => Tok::Time(ts),
                None => self.number()?,
            }
        } else if c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
            self.number()?
        } else if c == '\'' || c == '"' {
            Tok::Str(self.string(c)?)
        } else if c == 'T'
            && self
                .peek_at(1)
                .is_some_and(|d| d.is_ascii_digit() || d == '-')
        {
            match self.try_t_timestamp()? {
                Some(ts) => Tok::Time(ts),
                None => self.word()?,
            }
        } else if is_word_start(c) {
            self.word_or_literal()?
        } else {
            let rest = self.rest();
            let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else {
                return Err(syntax(start, format!("unexpected character {c:?}")));
            };
            self.pos += p.len();
            Tok::Punct(p)
        };
        Ok(Token {
            tok,
            span: Span {
                start,
                end: self.pos,
            },
        })
    }

    /// An identifier. A backslash escapes a space (`float\ fees`) or writes a tab (`\t`), as
    /// realm-core allows for property names with such characters.
    fn word(&mut self) -> Result<Tok, QueryError> {
        let start = self.pos;
        let mut w = String::new();
        let mut first = true;
        while let Some(c) = self.peek() {
            if c == '\\' && !first {
                match self.peek_at(1) {
                    Some(' ') => w.push(' '),
                    Some('t') => w.push('\t'),
                    other => {
                        return Err(syntax(
                            self.pos,
                            format!(
                                "invalid escape '\\{}' in a name: only '\\ ' (space) and '\\t' (tab) are allowed",
                                other.map(String::from).unwrap_or_default()
                            ),
                        ))
                    }
                }
                self.pos += 2;
                continue;
            }
            let ok = if first {
                is_word_start(c)
            } else {
                is_word_char(c)
            };
            if !ok {
                break;
            }
            w.push(c);
            self.pos += c.len_utf8();
            first = false;
        }
        if w.is_empty() {
            return Err(syntax(start, "expected a name"));
        }
        if let Some(digits) = w.strip_prefix('$') {
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                return digits
                    .parse()
                    .map(Tok::Arg)
                    .map_err(|_| syntax(start, format!("argument index ${digits} is too large")));
            }
        }
        Ok(Tok::Word(w))
    }

    fn word_or_literal(&mut self) -> Result<Tok, QueryError> {
        let start = self.pos;
        let rest = self.rest();
        let lower: String = rest
            .chars()
            .take(5)
            .collect::<String>()
            .to_ascii_lowercase();
        if rest.starts_with("B64\"") || rest.starts_with("B64'") {
            self.pos += 3;
            let quote = self.peek().unwrap_or('"');
            let body = self.string(quote)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body.trim())
                .map_err(|e| syntax(start, format!("invalid base64 in B64 literal: {e}")))?;
            // `B64"…"` writes a string in base64 (Realm uses it for strings with special
            // characters); bytes that are not UTF-8 can only be a binary.
            return Ok(match String::from_utf8(bytes) {
                Ok(text) => Tok::Str(text),
                Err(e) => Tok::B64(e.into_bytes()),
            });
        }
        if lower.starts_with("oid(") {
            let (inner, at) = self.call_argument(3)?;
            let oid = ObjectId::parse_str(&inner).map_err(|_| {
                syntax(
                    at,
                    format!("invalid objectId literal oid({inner}): expected 24 hex digits"),
                )
            })?;
            return Ok(Tok::Oid(oid));
        }
        if lower.starts_with("uuid(") {
            let (inner, at) = self.call_argument(4)?;
            let uuid = Uuid::parse_str(&inner)
                .map_err(|_| syntax(at, format!("invalid uuid literal uuid({inner})")))?;
            return Ok(Tok::Uuid(uuid));
        }
        self.word()
    }
}

/// All tokens of `text`, ending with [`Tok::Eof`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut out = Vec::new();
    loop {
        let t = lexer.next()?;
        let end = t.tok == Tok::Eof;
        out.push(t);
        if end {
            return Ok(out);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<Tok> {
        tokenize(text).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn words_numbers_and_operators() {
        assert_eq!(
            toks("a.b >= 0x1F"),
            vec![
                Tok::Word("a".into()),
                Tok::Punct("."),
                Tok::Word("b".into()),
                Tok::Punct(">="),
                Tok::Number {
                    text: "31".into(),
                    plain_int: false
                },
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("$0 =< 1.5e3"),
            vec![
                Tok::Arg(0),
                Tok::Punct("=<"),
                Tok::Number {
                    text: "1.5e3".into(),
                    plain_int: false
                },
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("10.")[0],
            Tok::Number {
                text: "10.".into(),
                plain_int: false
            }
        );
        assert_eq!(
            toks(".5")[0],
            Tok::Number {
                text: ".5".into(),
                plain_int: false
            }
        );
        assert_eq!(toks("@links")[0], Tok::Word("@links".into()));
        assert_eq!(toks("$x")[0], Tok::Word("$x".into()));
    }

    #[test]
    fn strings_are_verbatim() {
        assert_eq!(toks(r#"'a\'b'"#)[0], Tok::Str(r"a\'b".into()));
        assert_eq!(toks(r#""x""#)[0], Tok::Str("x".into()));
        let e = tokenize("name == 'abc").unwrap_err();
        assert_eq!(e, syntax(8, "unterminated string: no closing '"));
    }

    #[test]
    fn typed_literals() {
        assert_eq!(toks("T1:2")[0], Tok::Time(Timestamp::new(1, 2)));
        assert_eq!(toks("T-1:-2")[0], Tok::Time(Timestamp::new(-1, -2)));
        assert!(tokenize("T1:-2").is_err());
        assert_eq!(
            toks("1970-01-01@00:00:01:5")[0],
            Tok::Time(Timestamp::new(1, 5))
        );
        assert_eq!(
            toks("1969-12-31T23:59:59")[0],
            Tok::Time(Timestamp::new(-1, 0))
        );
        assert_eq!(
            toks("2017-12-1@12:07:53")[0],
            Tok::Time(Timestamp::new(1_512_130_073, 0))
        );
        assert_eq!(toks("B64\"AQI=\"")[0], Tok::Str("\u{1}\u{2}".into()));
        assert_eq!(toks("B64\"/w==\"")[0], Tok::B64(vec![255]));
        assert_eq!(toks("float\\ fees")[0], Tok::Word("float fees".into()));
        assert_eq!(
            toks("nullable\\tdata")[0],
            Tok::Word("nullable\tdata".into())
        );
        assert!(tokenize("true\\flove").is_err());
        assert!(tokenize("'\\a'").is_err());
        assert!(tokenize("'\\u0'").is_err());
        assert_eq!(toks("'\\u01111'")[0], Tok::Str("\\u01111".into()));
        assert!(matches!(
            toks("oid(6001c033600510df3bbfd864)")[0],
            Tok::Oid(_)
        ));
        assert!(matches!(
            toks("uuid(d1b186e1-e9e0-4768-a1a7-c492519d47ee)")[0],
            Tok::Uuid(_)
        ));
        assert!(tokenize("oid(123)").is_err());
        assert_eq!(toks("TRUEPREDICATE")[0], Tok::Word("TRUEPREDICATE".into()));
    }

    #[test]
    fn unexpected_character_has_position() {
        assert_eq!(
            tokenize("a == #").unwrap_err(),
            syntax(5, "unexpected character '#'")
        );
    }
}
