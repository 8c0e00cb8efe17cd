//! Sync-ready data: hybrid logical clocks, changeset instructions, the outbox, and merge rules.
