//! Change notifications: observers of query results and of single objects, and their change sets.
//!
//! ```no_run
//! # fn main() -> Result<(), syncline_core::Error> {
//! # let db: syncline_core::Database = unimplemented!();
//! use syncline_core::changes::ChangeEvent;
//!
//! let handle = db.observe_query("Task", "done == false SORT(priority DESC)", &[], |event| {
//!     match event {
//!         ChangeEvent::ResultsInitial { keys } => println!("{} open tasks", keys.len()),
//!         ChangeEvent::ResultsChanged { keys, changes } => {
//!             println!("now {}: {:?}", keys.len(), changes)
//!         }
//!         ChangeEvent::Error { message } => eprintln!("{message}"),
//!         _ => {}
//!     }
//! })?;
//! // … writes on any thread notify the callback …
//! handle.cancel(); // or drop the handle
//! # Ok(())
//! # }
//! ```
//!
//! # Delivery
//!
//! - The callback first receives the initial state ([`ChangeEvent::ResultsInitial`] or
//!   [`ChangeEvent::ObjectInitial`]), then one event after each commit that changed what it
//!   observes. A commit that changes nothing observed delivers nothing.
//! - Events are delivered after the commit, on the thread that committed, with no lock of the
//!   database held: a callback may read, write (its own commit is delivered after it returns)
//!   or cancel observers. Observers registered on one thread see commits made on any thread.
//! - Each observer receives its events one at a time, in commit order. When commits from other
//!   threads land while an event is being delivered, the next event covers all of them (its
//!   change set is their sum), and it is delivered by the thread already delivering.
//! - [`observe_query`](crate::Database::observe_query) and
//!   [`observe_object`](crate::Database::observe_object) deliver the initial state on the
//!   calling thread before they return.
//! - A failure to re-run a query or re-read an object (a read error) is delivered as
//!   [`ChangeEvent::Error`]; the observer stays registered and the next successful event is
//!   computed against the last state it delivered.
//!
//! # What counts as a change
//!
//! A result object (or the observed object) counts as **modified** when a commit:
//! - set, added to, removed from or cleared any of its stored properties, including values
//!   inside its embedded objects and its lists, sets and dictionaries (also when the value
//!   written equals the old one), or removed a link from it because the target was deleted;
//! - or modified an object it reaches through at most [`LINK_DEPTH`] links: to-one links and
//!   lists, sets and dictionaries of links, links held inside its embedded objects (at any
//!   nesting, in single, list and dictionary slots), and links held in `mixed` values (single or
//!   in a collection, of the object or of its embedded objects, also inside lists and
//!   dictionaries nested in a `mixed` value). A link inside an embedded
//!   object is one hop from the top-level object holding it; deleting an object that such a link
//!   pointed to modifies that top-level object too.
//!
//! For a query observer, the change set lists **deletions** (indices in the previous results),
//! **insertions** and **modifications** (indices in the new results), each ascending. An object
//! that moved (a sort key changed) is a deletion at its old index plus an insertion at its new
//! one, and is not also listed as a modification; the moved objects are as few as possible.
//! Objects entering or leaving a `LIMIT` window are insertions and deletions. An update with an
//! empty change set is never delivered.
//!
//! For an object observer, [`ChangeEvent::ObjectChanged`] names the properties that changed, in
//! schema order: properties written in the commit, properties whose value differs, and the
//! properties through which a changed linked object is reached (a link, `mixed` or collection
//! property, or the embedded-object property holding the link). When the object is deleted,
//! [`ChangeEvent::ObjectDeleted`] is delivered once and the observation ends.

mod diff;
mod observer;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::db::{Database, Object};
use crate::error::Result;
use crate::query::BoundQuery;
use crate::storage::StorageError;
use crate::value::{PrimaryKey, Value};

use observer::{Observer, Target};

/// How many links away a change still counts as a modification of a result object (as in
/// Realm: the object's own properties plus 4 levels of linked objects).
pub const LINK_DEPTH: usize = 4;

/// How observed results changed in one update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Indices, in the previous results, of the objects that left (or moved).
    pub deletions: Vec<u64>,
    /// Indices, in the new results, of the objects that entered (or moved).
    pub insertions: Vec<u64>,
    /// Indices, in the new results, of the objects that stayed in place and changed.
    pub modifications: Vec<u64>,
}

impl ChangeSet {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.deletions.is_empty() && self.insertions.is_empty() && self.modifications.is_empty()
    }
}

/// What an observer's callback receives.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeEvent {
    /// A query observer's first event: the results when observation started.
    ResultsInitial {
        /// The primary keys (row keys for a class without one) of the results, in order.
        keys: Vec<PrimaryKey>,
    },
    /// The query's results changed.
    ResultsChanged {
        /// The new results, in order.
        keys: Vec<PrimaryKey>,
        /// How they differ from the previously delivered results.
        changes: ChangeSet,
    },
    /// An object observer's first event: the object when observation started.
    ObjectInitial {
        /// The object.
        object: Object,
    },
    /// The observed object changed.
    ObjectChanged {
        /// The object as it is now.
        object: Object,
        /// The names of the properties that changed, in schema order.
        properties: Vec<String>,
    },
    /// The observed object was deleted; no event follows.
    ObjectDeleted,
    /// Re-running the query or re-reading the object failed; the observer stays registered.
    Error {
        /// What went wrong.
        message: String,
    },
}

/// An observer callback.
pub type ChangeCallback = Arc<dyn Fn(&ChangeEvent) + Send + Sync>;

/// Keeps an observation alive: [`ObserverHandle::cancel`] or dropping it stops the
/// notifications.
///
/// Once `cancel` returns, no event is delivered any more, except that a delivery already under
/// way on another thread may still finish the callback it is starting. The handle does not keep
/// the database open; it is `Send + Sync`.
pub struct ObserverHandle {
    observer: Arc<Observer>,
}

impl std::fmt::Debug for ObserverHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserverHandle")
            .field("active", &self.is_active())
            .finish_non_exhaustive()
    }
}

impl ObserverHandle {
    /// Stops the notifications (idempotent).
    pub fn cancel(&self) {
        self.observer.cancel();
    }

    /// Whether notifications may still arrive: not cancelled, and for an object observer, the
    /// object not deleted.
    pub fn is_active(&self) -> bool {
        self.observer.is_active()
    }
}

impl Drop for ObserverHandle {
    fn drop(&mut self) {
        self.observer.cancel();
    }
}

impl Database {
    /// Observes the results of a Realm Query Language query on `class` with the `$0…$n`
    /// arguments `args` (`SORT`, `DISTINCT` and `LIMIT` included): `callback` receives
    /// [`ChangeEvent::ResultsInitial`], then [`ChangeEvent::ResultsChanged`] after each commit
    /// that changed the results (see [`crate::changes`] for what counts).
    ///
    /// An invalid query, one on an asymmetric class, or one that fails on the current data, is
    /// an error here.
    pub fn observe_query(
        &self,
        class: &str,
        rql: &str,
        args: &[Value],
        callback: impl Fn(&ChangeEvent) + Send + Sync + 'static,
    ) -> Result<ObserverHandle> {
        let query = BoundQuery::new(rql, self.schema(), class, args)?;
        self.observe_bound_query(query, callback)
    }

    /// [`Database::observe_query`] with a query already bound.
    pub fn observe_bound_query(
        &self,
        query: BoundQuery,
        callback: impl Fn(&ChangeEvent) + Send + Sync + 'static,
    ) -> Result<ObserverHandle> {
        refuse_asymmetric(self, &query.class)?;
        let observer = Observer::start(self, Target::query(query), Arc::new(callback))?;
        Ok(ObserverHandle { observer })
    }

    /// Observes one object of `class` by primary key (row key for a class without one):
    /// `callback` receives [`ChangeEvent::ObjectInitial`], then
    /// [`ChangeEvent::ObjectChanged`] with the changed property names after each commit that
    /// changed it, and [`ChangeEvent::ObjectDeleted`] when it is deleted.
    ///
    /// An unknown, embedded or asymmetric class, or a missing object, is an error here.
    pub fn observe_object(
        &self,
        class: &str,
        pk: &PrimaryKey,
        callback: impl Fn(&ChangeEvent) + Send + Sync + 'static,
    ) -> Result<ObserverHandle> {
        refuse_asymmetric(self, class)?;
        let target = Target::object(class, pk.clone());
        let observer = Observer::start(self, target, Arc::new(callback))?;
        Ok(ObserverHandle { observer })
    }
}

/// Asymmetric objects are not kept locally: there is nothing to observe.
fn refuse_asymmetric(db: &Database, class: &str) -> Result<()> {
    match db.schema().class(class) {
        Some(schema) if schema.asymmetric => Err(StorageError::AsymmetricClass {
            class: class.to_owned(),
            reason: "its objects cannot be observed".into(),
        }
        .into()),
        _ => Ok(()),
    }
}
