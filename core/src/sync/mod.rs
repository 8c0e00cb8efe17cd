//! Sync-ready data: hybrid logical clocks, changeset instructions, the outbox, and merge rules.
//!
//! Every local write transaction becomes a [`Changeset`]: the writing replica's [`ReplicaId`],
//! one [`Hlc`] reading from its [`HybridClock`] (ticked once per transaction), and the
//! [`Instruction`]s in order. All instructions of a changeset share its [`Stamp`]
//! `(clock, replica)`; list elements get an [`ElementId`] (the stamp plus a sequence number),
//! so they are addressed by identity, never by index, and concurrent inserts merge.
//!
//! # Addressing
//!
//! An instruction names its object by class and primary key (a [`Link`](crate::value::Link)),
//! and a place inside it by a [`Path`]: a property, then through embedded objects further
//! properties, dictionary keys ([`PathSegment::Key`]) and list elements
//! ([`PathSegment::Element`]). `tasks[#e].title` is the `title` of the embedded object in the
//! element `e` of the list `tasks`.
//!
//! # Merging
//!
//! [`merge::integrate`] applies a changeset by the merge rules (documented in [`merge`]) to any
//! [`MergeStore`]: [`InMemoryStore`] here, and the SQLite store behind
//! [`Database::apply_remote_changeset`](crate::Database::apply_remote_changeset), which applies a
//! remote changeset in one transaction without touching the outbox. Local write transactions
//! append their changeset to the outbox ([`Database::outbox`](crate::Database::outbox),
//! [`Database::remove_from_outbox`](crate::Database::remove_from_outbox)) and keep the merge
//! state current in the same transaction. The decision record is `docs/adr/sync-merge-rules.md`.
//!
//! # Translation to Realm's sync instructions
//!
//! The instruction set maps onto Realm's, so that a server endpoint can speak Realm's protocol:
//!
//! | Syncline                     | Realm                                                      |
//! |------------------------------|------------------------------------------------------------|
//! | `CreateObject`               | `CreateObject` (primary key as given)                      |
//! | `EraseObject`                | `EraseObject`                                              |
//! | `Set`                        | `Update` (path = Realm's path; embedded value = `Update` with the `ObjectValue` payload, then `Update`s of its fields) |
//! | `AddInteger`                 | `AddInteger`                                               |
//! | `ListInsert`                 | `ArrayInsert` at the index the element id's place has in the list at that moment |
//! | `ListSet`                    | `Update` of the element's current index                    |
//! | `ListErase`                  | `ArrayErase` at the element's current index                |
//! | `ListMove`                   | `ArrayMove` from the current index to the new one          |
//! | `SetAdd` / `SetRemove`       | `SetInsert` / `SetErase`                                   |
//! | `DictionarySet` / `Erase`    | `Update` / `Erase` on the dictionary path with the key     |
//! | `Clear`                      | `Clear`                                                    |
//!
//! Schema instructions (`AddTable`, `EraseTable`, `AddColumn`, `EraseColumn`) are derived from
//! the schema, which Syncline syncs separately. Element ids become indices by looking the element
//! up in the replica's ordered list (`(position, element id)` order); Realm's indices become ids
//! the same way in the other direction.

pub mod clock;
pub mod codec;
pub mod instruction;
pub mod memory;
pub mod merge;

pub use clock::{
    ElementId, Hlc, HybridClock, ManualTimeSource, ReplicaId, Stamp, SystemTimeSource, TimeSource,
};
pub use instruction::{display_path, Changeset, Instruction, Operation, Path, PathSegment};
pub use memory::InMemoryStore;
pub use merge::{integrate, Entry, Ghost, ListElement, MergeStore, ObjectState, Register};

/// Errors of the sync module: malformed clocks, ids, changesets and encodings, and failures to
/// apply a changeset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    /// A replica id outside `1..=i64::MAX`.
    #[error("invalid replica id {id}: replica ids are in 1..=9223372036854775807")]
    InvalidReplicaId {
        /// The value given.
        id: i128,
    },
    /// A clock whose physical time cannot be represented.
    #[error("clock physical time {physical_ms} ms is beyond the supported maximum (2^47 - 1)")]
    ClockOutOfRange {
        /// The physical time given.
        physical_ms: u64,
    },
    /// A packed clock that is negative.
    #[error("invalid packed clock {packed}: packed clocks are non-negative")]
    InvalidPackedClock {
        /// The packed value.
        packed: i64,
    },
    /// An element id in a malformed byte form.
    #[error("invalid element id of {len} bytes: {reason}")]
    InvalidElementId {
        /// The length given.
        len: usize,
        /// What is wrong.
        reason: String,
    },
    /// An instruction of the wrong shape.
    #[error("invalid {op} instruction on {object} at path '{path}': {reason}")]
    InvalidInstruction {
        /// The object, as `Class(pk)`.
        object: String,
        /// The path, printed.
        path: String,
        /// The operation's name.
        op: &'static str,
        /// The rule broken.
        reason: String,
    },
    /// A changeset that breaks a rule across its instructions.
    #[error("invalid changeset: {reason}")]
    InvalidChangeset {
        /// The rule broken.
        reason: String,
    },
    /// Bytes or a BSON document that are not a valid changeset.
    #[error("cannot decode changeset: {reason}")]
    Decode {
        /// What is malformed, and where.
        reason: String,
    },
    /// A changeset encoded in a format version this build does not know.
    #[error("unsupported changeset format version {version} (this build reads version 1)")]
    UnsupportedFormat {
        /// The version found.
        version: i64,
    },
    /// A changeset that could not be encoded.
    #[error("cannot encode changeset: {reason}")]
    Encode {
        /// Why.
        reason: String,
    },
}
