//! Ordering keys for list elements: byte strings that sort (bytewise) in list order and can
//! always be generated between two neighbours, so a list insert never renumbers other elements
//! and two replicas can insert concurrently.
//!
//! A key is an *integer part* followed by an optional *fraction*:
//! - the integer part is a head byte `h` and `len(h)` big-endian bytes, where
//!   `len(h) = h - 0x7F` for `h >= 0x80` and `0x80 - h` below; heads order the lengths so that
//!   incrementing past `FF…FF` moves to the next head (appends grow keys logarithmically);
//! - the fraction is a byte string without trailing zero bytes (so there is always room below
//!   it), used when inserting between two keys with the same integer part.
//!
//! Equal keys (concurrent inserts at one place) are ordered by the element id, see the layout
//! in the parent module.

use super::{Result, StorageError};

const FIRST: [u8; 2] = [0x80, 0x00];

fn int_len(head: u8) -> usize {
    if head >= 0x80 {
        usize::from(head - 0x7F)
    } else {
        usize::from(0x80 - head)
    }
}

/// Splits a key into (integer part, fraction).
fn split(key: &[u8]) -> Result<(&[u8], &[u8])> {
    let head = *key
        .first()
        .ok_or_else(|| StorageError::corrupt("an empty list ordering key"))?;
    let end = 1 + int_len(head);
    if key.len() < end || key.last() == Some(&0) && key.len() > end {
        return Err(StorageError::corrupt("a malformed list ordering key"));
    }
    Ok(key.split_at(end))
}

fn increment(int: &[u8]) -> Result<Vec<u8>> {
    let mut out = int.to_vec();
    for i in (1..out.len()).rev() {
        if out[i] == 0xFF {
            out[i] = 0;
        } else {
            out[i] += 1;
            return Ok(out);
        }
    }
    let head = int[0];
    if head == 0xFE {
        return Err(StorageError::corrupt("list ordering key space exhausted"));
    }
    let mut next = vec![head + 1];
    next.resize(1 + int_len(head + 1), 0);
    Ok(next)
}

fn decrement(int: &[u8]) -> Result<Vec<u8>> {
    let mut out = int.to_vec();
    for i in (1..out.len()).rev() {
        if out[i] == 0 {
            out[i] = 0xFF;
        } else {
            out[i] -= 1;
            return Ok(out);
        }
    }
    let head = int[0];
    if head == 0x01 {
        return Err(StorageError::corrupt("list ordering key space exhausted"));
    }
    let mut next = vec![head - 1];
    next.resize(1 + int_len(head - 1), 0xFF);
    Ok(next)
}

/// A fraction strictly between `lo` and `hi` (`None` = no upper bound); `lo < hi` required.
fn mid_fraction(lo: &[u8], hi: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut upper = hi;
    let mut i = 0;
    loop {
        let a = u16::from(lo.get(i).copied().unwrap_or(0));
        let b = match upper.and_then(|h| h.get(i)) {
            Some(b) => u16::from(*b),
            None => 256,
        };
        if b > a + 1 {
            out.push(((a + b) / 2) as u8);
            return out;
        }
        out.push(a as u8);
        if b == a + 1 {
            // Everything from here on is below `hi`: only `lo` bounds the rest.
            upper = None;
        }
        i += 1;
    }
}

/// A key strictly between `before` and `after` (either may be absent: start or end of list).
///
/// Fails only on malformed keys or if `before >= after`.
pub fn between(before: Option<&[u8]>, after: Option<&[u8]>) -> Result<Vec<u8>> {
    match (before, after) {
        (None, None) => Ok(FIRST.to_vec()),
        (Some(a), None) => increment(split(a)?.0),
        (None, Some(b)) => decrement(split(b)?.0),
        (Some(a), Some(b)) => {
            if a >= b {
                return Err(StorageError::corrupt("list ordering keys out of order"));
            }
            let (ia, fa) = split(a)?;
            let (ib, fb) = split(b)?;
            if ia == ib {
                let mut out = ia.to_vec();
                out.extend(mid_fraction(fa, Some(fb)));
                return Ok(out);
            }
            let next = increment(ia)?;
            if next.as_slice() < b {
                return Ok(next);
            }
            let mut out = ia.to_vec();
            out.extend(mid_fraction(fa, None));
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn appends_and_prepends_stay_short() {
        let mut last = between(None, None).expect("first");
        for _ in 0..100_000 {
            let next = between(Some(&last), None).expect("append");
            assert!(next > last);
            last = next;
        }
        assert!(last.len() <= 4, "key length {}", last.len());
        let mut first = between(None, None).expect("first");
        for _ in 0..100_000 {
            let next = between(None, Some(&first)).expect("prepend");
            assert!(next < first);
            first = next;
        }
        assert!(first.len() <= 4);
    }

    #[test]
    fn malformed_keys_are_errors() {
        assert!(between(Some(&[]), None).is_err());
        assert!(between(Some(&[0x81, 1]), None).is_err());
        assert!(between(Some(&[0x80, 5]), Some(&[0x80, 4])).is_err());
    }

    proptest! {
        /// Random inserts into a list keep the keys strictly increasing.
        #[test]
        fn random_inserts_keep_order(positions in proptest::collection::vec(0usize..1000, 1..300)) {
            let mut keys: Vec<Vec<u8>> = Vec::new();
            for p in positions {
                let at = p % (keys.len() + 1);
                let before = if at == 0 { None } else { Some(keys[at - 1].as_slice()) };
                let after = keys.get(at).map(Vec::as_slice);
                let key = between(before, after).expect("between");
                if let Some(b) = before { prop_assert!(b < key.as_slice()); }
                if let Some(a) = after { prop_assert!(key.as_slice() < a); }
                prop_assert!(split(&key).is_ok());
                keys.insert(at, key);
            }
        }
    }
}
