//! Replica ids, hybrid logical clocks and the stamps derived from them.
//!
//! A hybrid logical clock ([`Hlc`]) is a wall-clock time in milliseconds plus a counter that
//! breaks ties inside one millisecond and carries causality: a replica that receives a remote
//! clock moves its own past it, so a change made after seeing another always has a higher clock,
//! even when the two machines' wall clocks disagree.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::SyncError;

/// The identity of one database replica (one local file, or the server), random per database.
///
/// Always in `1..=i64::MAX`, so it is stored as a positive SQLite `INTEGER` and a BSON `int64`
/// and compares the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicaId(u64);

impl ReplicaId {
    /// The smallest replica id.
    pub const MIN: ReplicaId = ReplicaId(1);

    /// A new random replica id (63 random bits, never zero).
    pub fn random() -> Self {
        let (high, low) = uuid::Uuid::new_v4().as_u64_pair();
        let id = (high ^ low.rotate_left(17)) & (i64::MAX as u64);
        ReplicaId(if id == 0 { 1 } else { id })
    }

    /// A replica id from its numeric value, which must be in `1..=i64::MAX`.
    pub fn new(id: u64) -> Result<Self, SyncError> {
        if id == 0 || id > i64::MAX as u64 {
            return Err(SyncError::InvalidReplicaId { id: id as i128 });
        }
        Ok(ReplicaId(id))
    }

    /// A replica id from its stored (SQLite / BSON) form.
    pub fn from_i64(id: i64) -> Result<Self, SyncError> {
        if id <= 0 {
            return Err(SyncError::InvalidReplicaId { id: i128::from(id) });
        }
        Ok(ReplicaId(id as u64))
    }

    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0
    }

    /// The stored (SQLite / BSON) form; always positive.
    pub fn to_i64(self) -> i64 {
        // The constructor keeps the value within `1..=i64::MAX`.
        self.0 as i64
    }
}

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A hybrid logical clock reading: milliseconds since the Unix epoch and a counter.
///
/// Ordered by `(physical_ms, counter)`. Packs into one positive `i64`
/// (`physical_ms << 16 | counter`, see [`Hlc::to_packed`]) whose integer order is the clock
/// order, for SQLite columns and BSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hlc {
    /// Wall-clock milliseconds since 1970-01-01T00:00:00Z (at most [`Hlc::MAX_PHYSICAL_MS`]).
    pub physical_ms: u64,
    /// Tie-breaker for events within the same millisecond.
    pub counter: u16,
}

impl Hlc {
    /// The zero clock, before every real event.
    pub const ZERO: Hlc = Hlc {
        physical_ms: 0,
        counter: 0,
    };

    /// The largest physical time a clock can hold (2^47 - 1 ms, about the year 6429), so that
    /// the packed form stays a positive `i64`.
    pub const MAX_PHYSICAL_MS: u64 = (1 << 47) - 1;

    /// A clock reading, checking that `physical_ms` is within range.
    pub fn new(physical_ms: u64, counter: u16) -> Result<Self, SyncError> {
        if physical_ms > Self::MAX_PHYSICAL_MS {
            return Err(SyncError::ClockOutOfRange { physical_ms });
        }
        Ok(Hlc {
            physical_ms,
            counter,
        })
    }

    /// The packed form `physical_ms << 16 | counter` (physical time clamped to
    /// [`Hlc::MAX_PHYSICAL_MS`]); integer order equals clock order.
    pub fn to_packed(self) -> i64 {
        let physical = self.physical_ms.min(Self::MAX_PHYSICAL_MS);
        ((physical << 16) | u64::from(self.counter)) as i64
    }

    /// The clock from its packed form; negative values are rejected.
    pub fn from_packed(packed: i64) -> Result<Self, SyncError> {
        if packed < 0 {
            return Err(SyncError::InvalidPackedClock { packed });
        }
        let packed = packed as u64;
        Ok(Hlc {
            physical_ms: packed >> 16,
            counter: (packed & 0xFFFF) as u16,
        })
    }

    /// The next reading after `self` when the wall clock gives no newer millisecond.
    fn successor(self) -> Hlc {
        if self.counter < u16::MAX {
            Hlc {
                physical_ms: self.physical_ms,
                counter: self.counter + 1,
            }
        } else if self.physical_ms < Self::MAX_PHYSICAL_MS {
            // Counter exhausted: borrow the next millisecond rather than wrap.
            Hlc {
                physical_ms: self.physical_ms + 1,
                counter: 0,
            }
        } else {
            self
        }
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.physical_ms, self.counter)
    }
}

/// Where a [`HybridClock`] reads wall-clock time from; tests inject a [`ManualTimeSource`].
pub trait TimeSource: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTimeSource;

impl TimeSource for SystemTimeSource {
    fn now_ms(&self) -> u64 {
        // A wall clock before 1970 reads as 0; the hybrid clock stays monotonic regardless.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A time source set by hand, for tests (shareable: clones see the same time).
#[derive(Debug, Clone, Default)]
pub struct ManualTimeSource(Arc<AtomicU64>);

impl ManualTimeSource {
    /// A source reading `now_ms`.
    pub fn new(now_ms: u64) -> Self {
        ManualTimeSource(Arc::new(AtomicU64::new(now_ms)))
    }

    /// Sets the time (it may go backwards).
    pub fn set(&self, now_ms: u64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }

    /// Moves the time by `delta_ms` (negative goes backwards, saturating at 0).
    pub fn advance(&self, delta_ms: i64) {
        let now = self.0.load(Ordering::SeqCst);
        self.set(now.saturating_add_signed(delta_ms));
    }
}

impl TimeSource for ManualTimeSource {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// A hybrid logical clock: hands out strictly increasing [`Hlc`] readings for local events and
/// moves past remote clocks it observes, even when the wall clock goes backwards.
#[derive(Clone)]
pub struct HybridClock {
    last: Hlc,
    source: Arc<dyn TimeSource>,
}

impl fmt::Debug for HybridClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HybridClock")
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl HybridClock {
    /// A clock on the system's wall clock that has handed out nothing yet.
    pub fn new() -> Self {
        Self::with_source(Arc::new(SystemTimeSource), Hlc::ZERO)
    }

    /// A clock on `source` that resumes after `last` (the last reading persisted, so clocks
    /// never go back across restarts).
    pub fn with_source(source: Arc<dyn TimeSource>, last: Hlc) -> Self {
        HybridClock { last, source }
    }

    /// The last reading handed out or observed.
    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A new reading for a local event, strictly greater than every earlier one.
    pub fn tick(&mut self) -> Hlc {
        let wall = self.source.now_ms().min(Hlc::MAX_PHYSICAL_MS);
        self.last = if wall > self.last.physical_ms {
            Hlc {
                physical_ms: wall,
                counter: 0,
            }
        } else {
            self.last.successor()
        };
        self.last
    }

    /// Observes a clock received from another replica, so that later local readings are
    /// greater than it; returns the new reading (itself greater than both).
    pub fn observe(&mut self, remote: Hlc) -> Hlc {
        let wall = self.source.now_ms().min(Hlc::MAX_PHYSICAL_MS);
        let remote = Hlc {
            physical_ms: remote.physical_ms.min(Hlc::MAX_PHYSICAL_MS),
            counter: remote.counter,
        };
        let newest = self.last.max(remote);
        self.last = if wall > newest.physical_ms {
            Hlc {
                physical_ms: wall,
                counter: 0,
            }
        } else {
            newest.successor()
        };
        self.last
    }
}

impl Default for HybridClock {
    fn default() -> Self {
        Self::new()
    }
}

/// When and where a change was made: the changeset's clock and replica.
///
/// Ordered by clock, then replica id: this is the last-writer-wins order of the merge rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stamp {
    /// The clock of the changeset that made the change.
    pub clock: Hlc,
    /// The replica that made it.
    pub replica: ReplicaId,
}

impl Stamp {
    /// The smallest stamp, older than every real change: the stamp of a value never written.
    pub const MIN: Stamp = Stamp {
        clock: Hlc::ZERO,
        replica: ReplicaId::MIN,
    };

    /// A stamp from its stored form (packed clock, replica id).
    pub fn from_stored(clock: i64, replica: i64) -> Result<Self, SyncError> {
        Ok(Stamp {
            clock: Hlc::from_packed(clock)?,
            replica: ReplicaId::from_i64(replica)?,
        })
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.clock, self.replica)
    }
}

/// The stable identity of a list element: the stamp of the changeset that inserted it plus a
/// sequence number unique within that changeset. Never reused, unlike an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElementId {
    /// The clock of the inserting changeset.
    pub clock: Hlc,
    /// The inserting replica.
    pub replica: ReplicaId,
    /// Unique among the elements inserted by that changeset.
    pub seq: u32,
}

impl ElementId {
    /// The length of [`ElementId::to_bytes`].
    pub const BYTES: usize = 20;

    /// The stamp of the changeset that inserted this element.
    pub fn stamp(&self) -> Stamp {
        Stamp {
            clock: self.clock,
            replica: self.replica,
        }
    }

    /// An order-preserving 20-byte form: packed clock, replica, seq, each big-endian.
    pub fn to_bytes(&self) -> [u8; Self::BYTES] {
        let mut out = [0u8; Self::BYTES];
        out[..8].copy_from_slice(&self.clock.to_packed().to_be_bytes());
        out[8..16].copy_from_slice(&self.replica.to_i64().to_be_bytes());
        out[16..].copy_from_slice(&self.seq.to_be_bytes());
        out
    }

    /// Reads the form written by [`ElementId::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SyncError> {
        let bad = || SyncError::InvalidElementId {
            len: bytes.len(),
            reason: "expected 20 bytes: packed clock, replica id, sequence number".into(),
        };
        if bytes.len() != Self::BYTES {
            return Err(bad());
        }
        let mut clock = [0u8; 8];
        clock.copy_from_slice(&bytes[..8]);
        let mut replica = [0u8; 8];
        replica.copy_from_slice(&bytes[8..16]);
        let mut seq = [0u8; 4];
        seq.copy_from_slice(&bytes[16..]);
        Ok(ElementId {
            clock: Hlc::from_packed(i64::from_be_bytes(clock))?,
            replica: ReplicaId::from_i64(i64::from_be_bytes(replica))?,
            seq: u32::from_be_bytes(seq),
        })
    }
}

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}#{}", self.clock, self.replica, self.seq)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    fn clock_at(ms: u64) -> (ManualTimeSource, HybridClock) {
        let source = ManualTimeSource::new(ms);
        let clock = HybridClock::with_source(Arc::new(source.clone()), Hlc::ZERO);
        (source, clock)
    }

    #[test]
    fn tick_follows_the_wall_clock_and_counts_within_a_millisecond() {
        let (time, mut clock) = clock_at(1_000);
        assert_eq!(clock.tick(), Hlc::new(1_000, 0).unwrap());
        assert_eq!(clock.tick(), Hlc::new(1_000, 1).unwrap());
        time.set(1_005);
        assert_eq!(clock.tick(), Hlc::new(1_005, 0).unwrap());
    }

    #[test]
    fn tick_stays_monotonic_when_the_wall_clock_goes_back() {
        let (time, mut clock) = clock_at(5_000);
        let first = clock.tick();
        time.set(10);
        let second = clock.tick();
        assert!(second > first);
        assert_eq!(second, Hlc::new(5_000, 1).unwrap());
    }

    #[test]
    fn counter_overflow_borrows_the_next_millisecond() {
        let source = ManualTimeSource::new(7);
        let mut clock = HybridClock::with_source(Arc::new(source), Hlc::new(7, u16::MAX).unwrap());
        assert_eq!(clock.tick(), Hlc::new(8, 0).unwrap());
    }

    #[test]
    fn observe_moves_past_a_remote_clock_from_the_future() {
        let (_time, mut clock) = clock_at(1_000);
        clock.tick();
        let remote = Hlc::new(9_000, 4).unwrap();
        let seen = clock.observe(remote);
        assert_eq!(seen, Hlc::new(9_000, 5).unwrap());
        assert!(clock.tick() > remote);
    }

    #[test]
    fn observe_of_an_older_clock_still_advances() {
        let (_time, mut clock) = clock_at(1_000);
        let before = clock.tick();
        let after = clock.observe(Hlc::new(3, 0).unwrap());
        assert!(after > before);
    }

    #[test]
    fn packed_form_round_trips_and_keeps_order() {
        let a = Hlc::new(1_700_000_000_000, 3).unwrap();
        let b = Hlc::new(1_700_000_000_000, 4).unwrap();
        let c = Hlc::new(1_700_000_000_001, 0).unwrap();
        for h in [
            a,
            b,
            c,
            Hlc::ZERO,
            Hlc::new(Hlc::MAX_PHYSICAL_MS, u16::MAX).unwrap(),
        ] {
            assert_eq!(Hlc::from_packed(h.to_packed()).unwrap(), h);
            assert!(h.to_packed() >= 0);
        }
        assert!(a.to_packed() < b.to_packed() && b.to_packed() < c.to_packed());
        assert!(Hlc::from_packed(-1).is_err());
        assert!(Hlc::new(Hlc::MAX_PHYSICAL_MS + 1, 0).is_err());
    }

    #[test]
    fn replica_ids_are_positive_and_validated() {
        for _ in 0..100 {
            let id = ReplicaId::random();
            assert!(id.to_i64() > 0);
            assert_eq!(ReplicaId::from_i64(id.to_i64()).unwrap(), id);
        }
        assert!(ReplicaId::new(0).is_err());
        assert!(ReplicaId::new(u64::MAX).is_err());
        assert!(ReplicaId::from_i64(-5).is_err());
    }

    #[test]
    fn element_id_bytes_round_trip_and_keep_order() {
        let r = ReplicaId::new(42).unwrap();
        let a = ElementId {
            clock: Hlc::new(10, 1).unwrap(),
            replica: r,
            seq: 7,
        };
        let b = ElementId { seq: 8, ..a };
        assert_eq!(ElementId::from_bytes(&a.to_bytes()).unwrap(), a);
        assert!(a.to_bytes() < b.to_bytes());
        assert!(ElementId::from_bytes(&[1, 2, 3]).is_err());
    }
}
