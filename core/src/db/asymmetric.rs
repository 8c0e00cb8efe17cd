//! Asymmetric (insert-only) classes, as Realm's Data Ingest: an app creates their objects, the
//! creates go to the sync outbox for the server, and nothing stays in the local file.
//!
//! A create is stored like any other first, so that it is validated the same way (types,
//! required properties, embedded objects, duplicate primary keys within the transaction) and
//! its changeset is recorded from the stored rows (list element ids, nested collections). At
//! commit, once the changeset is in the outbox, the rows, their field clocks and their merge
//! state are removed in the same SQLite transaction, so the file never holds them after a
//! commit. Every other access (read, query, observe, update, upsert, delete) names the class
//! and says it is asymmetric; so does a remote changeset that carries one of its objects,
//! since a server never sends them down.

use std::sync::Arc;

use rusqlite::Connection;

use super::WriteTransaction;
use crate::error::{Error, Result};
use crate::storage::layout::Catalog;
use crate::storage::objects::Store;
use crate::storage::StorageError;
use crate::sync::{Changeset, ReplicaId};
use crate::value::{Document, Link, PrimaryKey};

/// The error for an asymmetric class; `reason` says what cannot be done.
pub(super) fn asymmetric(class: &str, reason: impl Into<String>) -> Error {
    StorageError::AsymmetricClass {
        class: class.to_owned(),
        reason: reason.into(),
    }
    .into()
}

/// Refuses `class` when it is asymmetric (an unknown class is left to the caller's own check).
pub(super) fn refuse_asymmetric(cat: &Catalog, class: &str, reason: &str) -> Result<()> {
    match cat.class(class) {
        Ok(schema) if schema.asymmetric => Err(asymmetric(class, reason)),
        _ => Ok(()),
    }
}

/// Refuses a remote changeset that carries an instruction for an asymmetric class. Such
/// objects only travel up, so a changeset bringing one down is malformed: applying part of it
/// would hide the fault, and keeping the object would break the insert-only rule. This
/// replica's own changesets are let through (they are skipped as already applied).
pub(super) fn refuse_asymmetric_remote(
    cat: &Catalog,
    local: ReplicaId,
    changeset: &Changeset,
) -> Result<()> {
    if changeset.replica == local {
        return Ok(());
    }
    for instruction in &changeset.instructions {
        refuse_asymmetric(
            cat,
            &instruction.object.class,
            "a remote changeset cannot carry its objects (a server never sends them down); \
             nothing of the changeset was applied",
        )?;
    }
    Ok(())
}

impl WriteTransaction {
    /// Creates an object of the asymmetric class `class`: validated and recorded like any
    /// create, removed at commit (see the module docs). Returns its primary key.
    pub(super) fn create_asymmetric(&mut self, class: &str, doc: Document) -> Result<PrimaryKey> {
        if !self.recording {
            return Err(asymmetric(
                class,
                "this transaction records no changeset for the sync outbox (the database was \
                 opened with the outbox off, or this is a migration), so the object would be lost",
            ));
        }
        let cat = Arc::clone(&self.db.inner.catalog);
        let schema = cat.class(class)?;
        if schema.primary_key_position().is_none() {
            // `layout::check` refuses such a schema at open; kept for a clear message.
            return Err(asymmetric(class, "the class has no primary key"));
        }
        let store = Store {
            conn: self.conn()?,
            cat: &cat,
        };
        let given = store.resolve_document(schema, &doc)?;
        let row = store.insert_resolved(&self.ctx, schema, &given)?;
        let pk = super::new_object_pk(schema, row, &given)?;
        self.record_create(schema, row, &pk, &given)?;
        self.ingested.push((class.to_owned(), row));
        Ok(pk)
    }

    /// Removes the asymmetric objects created in this transaction, with their field clocks and
    /// merge state; called at commit after the changeset was recorded.
    pub(super) fn discard_ingested(&mut self, conn: &Connection) -> Result<()> {
        if self.ingested.is_empty() {
            return Ok(());
        }
        let store = Store {
            conn,
            cat: &self.db.inner.catalog,
        };
        let mut gone = Vec::with_capacity(self.ingested.len());
        for (class, row) in std::mem::take(&mut self.ingested) {
            let schema = store.cat.class(&class)?;
            let pk = store.pk_of(schema, row)?;
            store.delete_row(&self.ctx, schema, row)?;
            gone.push(Link { class, pk });
        }
        crate::storage::sync_store::forget_objects(conn, &gone)
    }
}

#[cfg(test)]
mod tests;
