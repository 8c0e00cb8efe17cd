//! ISO-8601 text for [`Timestamp`]s: `2024-01-01T00:00:00.000000001Z`, nanosecond precision,
//! pre-epoch instants and years outside `0000..=9999` (written with a sign, `+275760-…`).

use super::{Timestamp, ValueError};

const NANOS_PER_SEC: i128 = 1_000_000_000;
const SECS_PER_DAY: i128 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian civil date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i128 {
    // The well-known era-based algorithm: eras of 400 years have a fixed number of days.
    let y = i128::from(year) - i128::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i128::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i128::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

/// A timestamp from a civil UTC date and time plus nanoseconds; checks every field's range.
pub(crate) fn timestamp_from_parts(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
) -> Result<Timestamp, String> {
    if !(1..=12).contains(&month) {
        return Err(format!("month {month} is not in 1..=12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!(
            "time {hour:02}:{minute:02}:{second:02} is out of range"
        ));
    }
    if nanos > 999_999_999 {
        return Err(format!("nanoseconds {nanos} exceed 999999999"));
    }
    let days = days_from_civil(year, month, day);
    let secs = days * SECS_PER_DAY
        + i128::from(hour) * 3600
        + i128::from(minute) * 60
        + i128::from(second);
    Ok(Timestamp::from_total_nanos(
        secs * NANOS_PER_SEC + i128::from(nanos),
    ))
}

/// Writes `ts` as ISO-8601 UTC with 3, 6 or 9 fractional digits (the fewest that are exact).
pub(crate) fn format(ts: &Timestamp) -> String {
    let total = ts.total_nanos();
    let secs = total.div_euclid(NANOS_PER_SEC);
    let nanos = total.rem_euclid(NANOS_PER_SEC);
    let days = secs.div_euclid(SECS_PER_DAY);
    let sod = secs.rem_euclid(SECS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let year_text = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("+{year:06}")
    };
    let fraction = if nanos % 1_000_000 == 0 {
        format!("{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!("{:06}", nanos / 1_000)
    } else {
        format!("{nanos:09}")
    };
    format!(
        "{year_text}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

fn parse_error(text: &str, reason: impl Into<String>) -> ValueError {
    ValueError::Parse {
        kind: "ISO-8601 date",
        text: text.to_owned(),
        reason: reason.into(),
    }
}

/// A small cursor over ASCII text for the date grammar.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, min: usize, max: usize) -> Option<(u64, usize)> {
        let start = self.pos;
        let mut value: u64 = 0;
        while self.pos < self.bytes.len() && self.pos - start < max {
            let b = self.bytes[self.pos];
            if !b.is_ascii_digit() {
                break;
            }
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        let n = self.pos - start;
        (n >= min).then_some((value, n))
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
}

/// Parses ISO-8601: `[±]YYYY-MM-DDTHH:MM:SS[.fraction up to 9 digits](Z|±HH:MM|±HHMM)`.
/// A missing zone means UTC. Pre-epoch instants and sub-second fractions are exact.
pub(crate) fn parse(text: &str) -> Result<Timestamp, ValueError> {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let negative_year = if c.eat(b'-') {
        true
    } else {
        c.eat(b'+');
        false
    };
    let (year, _) = c
        .digits(4, 9)
        .ok_or_else(|| parse_error(text, "expected a year of at least 4 digits"))?;
    let year = if negative_year {
        -(year as i64)
    } else {
        year as i64
    };
    let field = |c: &mut Cursor<'_>, sep: u8, what: &str| -> Result<u32, ValueError> {
        if !c.eat(sep) {
            return Err(parse_error(
                text,
                format!("expected '{}' before the {what}", sep as char),
            ));
        }
        c.digits(2, 2)
            .map(|(v, _)| v as u32)
            .ok_or_else(|| parse_error(text, format!("expected two digits for the {what}")))
    };
    let month = field(&mut c, b'-', "month")?;
    let day = field(&mut c, b'-', "day")?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return Err(parse_error(
            text,
            "expected 'T' between the date and the time",
        ));
    }
    let hour = c
        .digits(2, 2)
        .map(|(v, _)| v as u32)
        .ok_or_else(|| parse_error(text, "expected two digits for the hour"))?;
    let minute = field(&mut c, b':', "minute")?;
    let second = field(&mut c, b':', "second")?;
    let mut nanos = 0u32;
    if c.eat(b'.') {
        let (frac, n) = c
            .digits(1, 9)
            .ok_or_else(|| parse_error(text, "expected 1 to 9 fractional digits"))?;
        if c.peek().is_some_and(|b| b.is_ascii_digit()) {
            return Err(parse_error(text, "more than 9 fractional digits"));
        }
        nanos = (frac * 10u64.pow(9 - n as u32)) as u32;
    }
    let mut offset_secs: i128 = 0;
    match c.peek() {
        Some(b'Z') | Some(b'z') => c.pos += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let (h, _) = c
                .digits(2, 2)
                .ok_or_else(|| parse_error(text, "expected a two-digit zone hour"))?;
            c.eat(b':');
            let (m, _) = c
                .digits(2, 2)
                .ok_or_else(|| parse_error(text, "expected two-digit zone minutes"))?;
            let off = i128::from(h) * 3600 + i128::from(m) * 60;
            offset_secs = if sign == b'+' { off } else { -off };
        }
        None => {}
        Some(_) => return Err(parse_error(text, "unexpected text after the time")),
    }
    if c.pos != c.bytes.len() {
        return Err(parse_error(text, "unexpected text after the time zone"));
    }
    let ts = timestamp_from_parts(year, month, day, hour, minute, second, nanos)
        .map_err(|reason| parse_error(text, reason))?;
    Ok(Timestamp::from_total_nanos(
        ts.total_nanos() - offset_secs * NANOS_PER_SEC,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_epoch_and_nanos() {
        let ts = parse("1970-01-01T00:00:00.000000001Z").unwrap();
        assert_eq!(ts, Timestamp::new(0, 1));
        assert_eq!(format(&ts), "1970-01-01T00:00:00.000000001Z");
        assert_eq!(format(&Timestamp::new(0, 0)), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn pre_epoch_with_fraction() {
        let ts = parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(ts, Timestamp::new(0, -500_000_000));
        assert_eq!(format(&ts), "1969-12-31T23:59:59.500Z");
        let ts = parse("1900-01-01T00:00:00.123456Z").unwrap();
        assert_eq!(format(&ts), "1900-01-01T00:00:00.123456Z");
    }

    #[test]
    fn offsets_and_expanded_years() {
        assert_eq!(
            parse("2024-01-01T01:00:00+01:00").unwrap(),
            parse("2024-01-01T00:00:00Z").unwrap()
        );
        let far = Timestamp::new(8_640_000_000_000_000, 0);
        let text = format(&far);
        assert!(text.starts_with('+'), "{text}");
        assert_eq!(parse(&text).unwrap(), far);
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "2024-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01",
            "2024-01-01T00:00:00.1234567890Z",
            "2024-01-01T24:00:00Z",
            "x",
        ] {
            assert!(parse(bad).is_err(), "{bad} should be rejected");
        }
        assert!(parse("2024-02-29T00:00:00Z").is_ok());
    }
}
