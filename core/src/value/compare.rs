//! Realm's comparison semantics on [`Value`]s: what `==`, `<`, `[c]` and `SORT` mean.
//!
//! - Numbers compare by mathematical value across `int`, `float`, `double` and `decimal128`
//!   (`1 == 1.0 == 1.0f == decimal 1.00`); ints and doubles are compared exactly, not through a
//!   lossy cast. NaN equals NaN (as in Realm's mixed comparison) and is ordered before every
//!   other number when sorting, but `<`/`>` with NaN are false.
//! - Strings compare by their UTF-8 bytes, binaries by their bytes; a string never equals a
//!   binary (as in Realm's mixed comparisons). `[c]` compares after Unicode lowercasing.
//! - `null` equals only `null`; `<`/`>` involving one `null` are false.
//! - Values of unrelated types (a string and an int in a `mixed` property) are never equal and
//!   not ordered for `<`/`>`.
//! - `SORT` uses a total order: null, bool, numbers, strings, binaries, dates, objectIds, UUIDs,
//!   links, then collections and embedded objects.

use std::cmp::Ordering;

use super::{Decimal128, Value};

/// A decoded decimal128: sign, coefficient (≤ 34 digits) and base-10 exponent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Dec {
    /// Not a number.
    NaN,
    /// Infinity; `true` for negative.
    Inf(bool),
    /// `(-1)^neg × coef × 10^exp`.
    Finite { neg: bool, coef: u128, exp: i32 },
}

const MAX_COEF: u128 = 9_999_999_999_999_999_999_999_999_999_999; // 34 digits

fn digits(mut c: u128) -> i32 {
    let mut n = 0;
    while c > 0 {
        c /= 10;
        n += 1;
    }
    n
}

fn pow10(n: u32) -> u128 {
    10u128.pow(n)
}

impl Dec {
    /// The exact decimal of an int.
    pub(crate) fn from_i64(i: i64) -> Dec {
        Dec::Finite {
            neg: i < 0,
            coef: u128::from(i.unsigned_abs()),
            exp: 0,
        }
    }

    /// The shortest decimal that reads back to `d` (17 significant digits at most).
    pub(crate) fn from_f64(d: f64) -> Dec {
        if d.is_nan() {
            return Dec::NaN;
        }
        if d.is_infinite() {
            return Dec::Inf(d < 0.0);
        }
        let text = format!("{d:e}");
        Dec::parse_sci(&text).unwrap_or(Dec::NaN)
    }

    /// The shortest decimal that reads back to the float `f` (about 7 significant digits), the
    /// way Realm turns floats into decimals (`4.4f` is 4.4, not 4.400000095…).
    pub(crate) fn from_f32(f: f32) -> Dec {
        if f.is_nan() {
            return Dec::NaN;
        }
        if f.is_infinite() {
            return Dec::Inf(f < 0.0);
        }
        Dec::parse_sci(&format!("{f:e}")).unwrap_or(Dec::NaN)
    }

    /// The decimal of a numeric value (floats at float precision); `None` for other values.
    pub(crate) fn of_value(v: &Value) -> Option<Dec> {
        match v {
            Value::Int(i) => Some(Dec::from_i64(*i)),
            Value::Float(f) => Some(Dec::from_f32(*f)),
            Value::Double(d) => Some(Dec::from_f64(*d)),
            Value::Decimal(d) => Some(Dec::from_decimal128(d)),
            _ => None,
        }
    }

    /// Parses `[-]d[.ddd]e[-]x` as Rust prints it for `{:e}`.
    fn parse_sci(text: &str) -> Option<Dec> {
        let (mantissa, exp) = text.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let neg = mantissa.starts_with('-');
        let mantissa = mantissa.trim_start_matches('-');
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let coef: u128 = format!("{int}{frac}").parse().ok()?;
        Some(Dec::Finite {
            neg,
            coef,
            exp: exp - frac.len() as i32,
        })
    }

    /// Decodes BSON's binary integer decimal encoding.
    pub(crate) fn from_decimal128(d: &Decimal128) -> Dec {
        let bits = u128::from_le_bytes(d.0.bytes());
        let neg = bits >> 127 == 1;
        let combination = (bits >> 122) & 0x1f;
        if combination == 0x1f {
            return Dec::NaN;
        }
        if combination == 0x1e {
            return Dec::Inf(neg);
        }
        let (exp_bits, coef) = if (bits >> 125) & 0b11 == 0b11 {
            // The large-coefficient form: its coefficients exceed 34 digits, so they are zero.
            (((bits >> 111) & 0x3fff) as i32, 0u128)
        } else {
            (((bits >> 113) & 0x3fff) as i32, bits & ((1u128 << 113) - 1))
        };
        let coef = if coef > MAX_COEF { 0 } else { coef };
        Dec::Finite {
            neg,
            coef,
            exp: exp_bits - 6176,
        }
    }

    /// Encodes as a decimal128 (rounding to 34 digits and clamping the exponent).
    pub(crate) fn to_decimal128(self) -> Decimal128 {
        let text = match self {
            Dec::NaN => "NaN".to_owned(),
            Dec::Inf(neg) => if neg { "-Infinity" } else { "Infinity" }.to_owned(),
            Dec::Finite { neg, coef, exp } => {
                let (coef, exp) = round_to_34(coef, exp);
                format!("{}{coef}E{exp}", if neg { "-" } else { "" })
            }
        };
        text.parse::<Decimal128>()
            .unwrap_or(Decimal128(bson::Decimal128::from_bytes([0; 16])))
    }

    fn is_zero(&self) -> bool {
        matches!(self, Dec::Finite { coef: 0, .. })
    }

    /// Total comparison of two non-NaN decimals.
    pub(crate) fn cmp(&self, other: &Dec) -> Option<Ordering> {
        let sign = |d: &Dec| -> i8 {
            match d {
                Dec::NaN => 0,
                Dec::Inf(true) => -2,
                Dec::Inf(false) => 2,
                Dec::Finite { coef: 0, .. } => 0,
                Dec::Finite { neg: true, .. } => -1,
                Dec::Finite { neg: false, .. } => 1,
            }
        };
        if matches!(self, Dec::NaN) || matches!(other, Dec::NaN) {
            return None;
        }
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb || sa.abs() == 2 || sa == 0 {
            return Some(sa.cmp(&sb));
        }
        let (
            Dec::Finite {
                coef: ca, exp: ea, ..
            },
            Dec::Finite {
                coef: cb, exp: eb, ..
            },
        ) = (self, other)
        else {
            return Some(Ordering::Equal);
        };
        let (da, db) = (digits(*ca), digits(*cb));
        let magnitude = (da + ea).cmp(&(db + eb)).then_with(|| {
            let na = ca * pow10((38 - da) as u32);
            let nb = cb * pow10((38 - db) as u32);
            na.cmp(&nb)
        });
        Some(if sa < 0 {
            magnitude.reverse()
        } else {
            magnitude
        })
    }

    /// Exact-as-possible sum (rounded to 34 digits).
    pub(crate) fn add(self, other: Dec) -> Dec {
        match (self, other) {
            (Dec::NaN, _) | (_, Dec::NaN) => Dec::NaN,
            (Dec::Inf(a), Dec::Inf(b)) => {
                if a == b {
                    Dec::Inf(a)
                } else {
                    Dec::NaN
                }
            }
            (Dec::Inf(a), _) | (_, Dec::Inf(a)) => Dec::Inf(a),
            (a, b) if b.is_zero() => a,
            (a, b) if a.is_zero() => b,
            (
                Dec::Finite {
                    neg: na,
                    coef: ca,
                    exp: ea,
                },
                Dec::Finite {
                    neg: nb,
                    coef: cb,
                    exp: eb,
                },
            ) => {
                // Bring both to the smaller exponent while the coefficient fits; an operand
                // that cannot be aligned is below the result's precision.
                let (mut ca, mut ea, mut cb, mut eb) = (ca, ea, cb, eb);
                while ea > eb {
                    match ca.checked_mul(10) {
                        Some(c) if c < pow10(37) => {
                            ca = c;
                            ea -= 1;
                        }
                        _ => break,
                    }
                }
                while eb > ea {
                    match cb.checked_mul(10) {
                        Some(c) if c < pow10(37) => {
                            cb = c;
                            eb -= 1;
                        }
                        _ => break,
                    }
                }
                while ea < eb {
                    ca /= 10;
                    ea += 1;
                }
                while eb < ea {
                    cb /= 10;
                    eb += 1;
                }
                let (neg, coef) = if na == nb {
                    (na, ca + cb)
                } else if ca >= cb {
                    (na, ca - cb)
                } else {
                    (nb, cb - ca)
                };
                let (coef, exp) = round_to_34(coef, ea);
                Dec::Finite { neg, coef, exp }
            }
        }
    }

    /// `self / n` for a positive count (for averages).
    pub(crate) fn div_count(self, n: u64) -> Dec {
        match self {
            Dec::Finite { neg, coef, exp } if n > 0 => {
                let mut c = coef;
                let mut e = exp;
                while c < pow10(36) && c != 0 {
                    c *= 10;
                    e -= 1;
                }
                let (coef, exp) = round_to_34(c / u128::from(n), e);
                Dec::Finite { neg, coef, exp }
            }
            other => other,
        }
    }
}

fn round_to_34(mut coef: u128, mut exp: i32) -> (u128, i32) {
    while coef > MAX_COEF {
        let rem = coef % 10;
        coef /= 10;
        if rem >= 5 {
            coef += 1;
        }
        exp += 1;
    }
    (coef, exp)
}

/// A number in the form comparisons need.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    Int(i64),
    Double(f64),
    Dec(Dec),
}

impl Num {
    pub(crate) fn of(value: &Value) -> Option<Num> {
        match value {
            Value::Int(i) => Some(Num::Int(*i)),
            Value::Float(f) => Some(Num::Double(f64::from(*f))),
            Value::Double(d) => Some(Num::Double(*d)),
            Value::Decimal(d) => Some(Num::Dec(Dec::from_decimal128(d))),
            _ => None,
        }
    }

    fn is_nan(&self) -> bool {
        match self {
            Num::Int(_) => false,
            Num::Double(d) => d.is_nan(),
            Num::Dec(d) => matches!(d, Dec::NaN),
        }
    }

    pub(crate) fn to_dec(self) -> Dec {
        match self {
            Num::Int(i) => Dec::from_i64(i),
            Num::Double(d) => Dec::from_f64(d),
            Num::Dec(d) => d,
        }
    }

    /// Numeric order; `None` when a NaN is involved.
    pub(crate) fn cmp(&self, other: &Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(b)),
            (Num::Double(a), Num::Double(b)) => a.partial_cmp(b),
            (Num::Int(i), Num::Double(d)) => cmp_int_double(*i, *d),
            (Num::Double(d), Num::Int(i)) => cmp_int_double(*i, *d).map(Ordering::reverse),
            (a, b) => a.to_dec().cmp(&b.to_dec()),
        }
    }
}

/// Compares an int with a double exactly (no rounding of large ints).
fn cmp_int_double(i: i64, d: f64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    // 2^63 as a double: every double at or above it exceeds every i64.
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if d >= TWO_63 {
        return Some(Ordering::Less);
    }
    if d < -TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = d.trunc();
    let ti = t as i64;
    Some(i.cmp(&ti).then_with(|| {
        let frac = d - t;
        0.0f64.partial_cmp(&frac).unwrap_or(Ordering::Equal)
    }))
}

/// Rank of a value's type in the total `SORT` order.
/// Compares two sequences item by item with `cmp`; when one is a prefix of the other, the
/// shorter sorts first.
fn lexicographic<T>(
    mut a: impl Iterator<Item = T>,
    mut b: impl Iterator<Item = T>,
    cmp: impl Fn(T, T) -> Ordering,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => match cmp(x, y) {
                Ordering::Equal => {}
                other => return other,
            },
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
        }
    }
}

/// Orders dictionary or embedded-object entries by key, then by value.
fn entry_cmp<K: Ord + ?Sized>((ka, va): (&K, &Value), (kb, vb): (&K, &Value)) -> Ordering {
    ka.cmp(kb).then_with(|| va.sort_cmp(vb))
}

fn sort_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::Float(_) | Value::Double(_) | Value::Decimal(_) => 2,
        Value::String(_) => 3,
        Value::Binary(_) => 4,
        Value::Date(_) => 5,
        Value::ObjectId(_) => 6,
        Value::Uuid(_) => 7,
        Value::Link(_) => 8,
        Value::List(_) => 9,
        Value::Set(_) => 10,
        Value::Dictionary(_) => 11,
        Value::Embedded(_) => 12,
    }
}

fn bytes_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::String(s) => Some(s.as_bytes()),
        Value::Binary(b) => Some(b),
        _ => None,
    }
}

/// Unicode lowercasing, the case folding `[c]` uses.
pub(crate) fn fold_case(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

impl Decimal128 {
    /// The sum, rounded to 34 significant digits (IEEE decimal semantics for infinities/NaN).
    pub fn add(&self, other: &Decimal128) -> Decimal128 {
        Dec::from_decimal128(self)
            .add(Dec::from_decimal128(other))
            .to_decimal128()
    }

    /// The quotient by a positive count (as averages need), rounded to 34 digits.
    pub fn div_count(&self, count: u64) -> Decimal128 {
        Dec::from_decimal128(self).div_count(count).to_decimal128()
    }
}

impl Value {
    /// Whether this is an `int`, `float`, `double` or `decimal128`.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Float(_) | Value::Double(_) | Value::Decimal(_)
        )
    }

    /// Realm's query equality (`==`); `case_insensitive` is the `[c]` modifier (strings only).
    pub fn query_eq(&self, other: &Value, case_insensitive: bool) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Null, _) | (_, Value::Null) => false,
            (a, b)
                if case_insensitive
                    && std::mem::discriminant(a) == std::mem::discriminant(b)
                    && bytes_of(a).is_some() =>
            {
                let (x, y) = (
                    bytes_of(a).unwrap_or_default(),
                    bytes_of(b).unwrap_or_default(),
                );
                x == y
                    || fold_case(&String::from_utf8_lossy(x))
                        == fold_case(&String::from_utf8_lossy(y))
            }
            (a, b) if a.is_numeric() && b.is_numeric() => match (Num::of(a), Num::of(b)) {
                (Some(x), Some(y)) if x.is_nan() && y.is_nan() => true,
                (Some(x), Some(y)) => x.cmp(&y) == Some(Ordering::Equal),
                _ => false,
            },
            (a, b) => match (bytes_of(a), bytes_of(b)) {
                (Some(x), Some(y)) => {
                    std::mem::discriminant(a) == std::mem::discriminant(b) && x == y
                }
                _ => match (a, b) {
                    (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
                        x.len() == y.len()
                            && x.iter()
                                .zip(y)
                                .all(|(p, q)| p.query_eq(q, case_insensitive))
                    }
                    (Value::Dictionary(x), Value::Dictionary(y)) => {
                        x.len() == y.len()
                            && x.iter().zip(y).all(|((kx, vx), (ky, vy))| {
                                kx == ky && vx.query_eq(vy, case_insensitive)
                            })
                    }
                    _ => a == b,
                },
            },
        }
    }

    /// Realm's query order for `<`, `<=`, `>`, `>=`: `None` when the two are not comparable
    /// (a null, a NaN, or types of different families such as a string and an int).
    pub fn query_cmp(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Null, _) | (_, Value::Null) => None,
            (a, b) if a.is_numeric() && b.is_numeric() => Num::of(a)?.cmp(&Num::of(b)?),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::ObjectId(a), Value::ObjectId(b)) => Some(a.bytes().cmp(&b.bytes())),
            (Value::Uuid(a), Value::Uuid(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Value::String(a), Value::String(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (Value::Binary(a), Value::Binary(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// The total order `SORT` uses: null first, then by type family (see the module
    /// documentation), numbers by value across numeric types, strings by UTF-8 bytes.
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        let (ra, rb) = (sort_rank(self), sort_rank(other));
        if ra != rb {
            return ra.cmp(&rb);
        }
        match (self, other) {
            (a, b) if a.is_numeric() => match (Num::of(a), Num::of(b)) {
                (Some(x), Some(y)) => match (x.is_nan(), y.is_nan()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(&y).unwrap_or(Ordering::Equal),
                },
                _ => Ordering::Equal,
            },
            (Value::Link(a), Value::Link(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) | (Value::Set(a), Value::Set(b)) => {
                lexicographic(a.iter(), b.iter(), |x, y| x.sort_cmp(y))
            }
            (Value::Dictionary(a), Value::Dictionary(b)) => {
                lexicographic(a.iter(), b.iter(), entry_cmp)
            }
            (Value::Embedded(a), Value::Embedded(b)) => {
                lexicographic(a.iter(), b.iter(), entry_cmp)
            }
            (a, b) => a.query_cmp(b).unwrap_or(Ordering::Equal),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::value::Timestamp;

    fn dec(s: &str) -> Value {
        Value::Decimal(s.parse().unwrap())
    }

    #[test]
    fn numbers_compare_across_types() {
        assert!(Value::Int(1).query_eq(&Value::Double(1.0), false));
        assert!(Value::Float(0.5).query_eq(&Value::Double(0.5), false));
        assert!(dec("1.00").query_eq(&Value::Int(1), false));
        assert!(dec("0.1").query_eq(&dec("0.10"), false));
        assert_eq!(dec("-2.5").query_cmp(&Value::Int(-2)), Some(Ordering::Less));
        assert_eq!(
            dec("1E+3").query_cmp(&Value::Double(999.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            dec("Infinity").query_cmp(&Value::Int(i64::MAX)),
            Some(Ordering::Greater)
        );
        // Exact int/double comparison: 2^53 + 1 is not equal to the double 2^53.
        assert!(!Value::Int(9_007_199_254_740_993)
            .query_eq(&Value::Double(9_007_199_254_740_992.0), false));
        assert_eq!(
            Value::Int(3).query_cmp(&Value::Double(2.5)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Value::Int(-3).query_cmp(&Value::Double(-2.5)),
            Some(Ordering::Less)
        );
        assert_eq!(Value::Double(f64::NAN).query_cmp(&Value::Int(1)), None);
        assert!(Value::Double(f64::NAN).query_eq(&Value::Double(f64::NAN), false));
    }

    #[test]
    fn strings_nulls_and_mixed_types() {
        assert_eq!(
            Value::from("B").query_cmp(&Value::from("a")),
            Some(Ordering::Less)
        );
        assert!(Value::from("Ünï").query_eq(&Value::from("üNÏ"), true));
        assert!(!Value::from("a").query_eq(&Value::from("A"), false));
        assert!(Value::Null.query_eq(&Value::Null, false));
        assert!(!Value::Null.query_eq(&Value::Int(0), false));
        assert_eq!(Value::Null.query_cmp(&Value::Int(0)), None);
        assert!(!Value::from("1").query_eq(&Value::Int(1), false));
        assert_eq!(Value::from("1").query_cmp(&Value::Int(1)), None);
        assert_eq!(
            Value::Bool(false).query_cmp(&Value::Bool(true)),
            Some(Ordering::Less)
        );
        assert!(!Value::from("ab").query_eq(&Value::Binary(b"ab".to_vec()), false));
        assert!(Value::Binary(b"AB".to_vec()).query_eq(&Value::Binary(b"ab".to_vec()), true));
    }

    #[test]
    fn sort_order_is_total() {
        let mut values = [
            Value::from("b"),
            Value::Date(Timestamp::new(0, 0)),
            Value::Int(2),
            Value::Null,
            Value::Double(1.5),
            Value::Bool(true),
            Value::Double(f64::NAN),
            Value::from("B"),
        ];
        values.sort_by(Value::sort_cmp);
        let names: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(
            names,
            [
                "Null",
                "Bool(true)",
                "Double(NaN)",
                "Double(1.5)",
                "Int(2)",
                "String(\"B\")",
                "String(\"b\")",
                "Date(Timestamp { seconds: 0, nanos: 0 })"
            ]
        );
    }

    #[test]
    fn decimal_arithmetic() {
        let a = Dec::from_decimal128(&"0.1".parse().unwrap());
        let b = Dec::from_decimal128(&"0.2".parse().unwrap());
        let sum = a.add(b).to_decimal128();
        assert!(Value::Decimal(sum).query_eq(&dec("0.3"), false));
        let avg = a.add(b).div_count(3).to_decimal128();
        assert!(Value::Decimal(avg).query_eq(&dec("0.1"), false));
        assert_eq!(
            Dec::from_decimal128(&"-Infinity".parse().unwrap()),
            Dec::Inf(true)
        );
        assert_eq!(Dec::from_decimal128(&"NaN".parse().unwrap()), Dec::NaN);
    }
}
