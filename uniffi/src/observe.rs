//! Change notifications: observe a query's results or one object with a listener.

use std::sync::Arc;

use syncline_core::changes as core;

use crate::database::DbObject;
use crate::value::PrimaryKey;

/// How observed results changed in one update (indices into the results).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChangeSet {
    /// Indices, in the previous results, of the objects that left (or moved).
    pub deletions: Vec<u64>,
    /// Indices, in the new results, of the objects that entered (or moved).
    pub insertions: Vec<u64>,
    /// Indices, in the new results, of the objects that stayed in place and changed.
    pub modifications: Vec<u64>,
}

/// What a listener receives: the initial state, then one event per commit that changed what
/// it observes.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ChangeEvent {
    /// A query observer's first event: the primary keys of the results, in order.
    ResultsInitial {
        /// The results' primary keys.
        keys: Vec<PrimaryKey>,
    },
    /// The query's results changed.
    ResultsChanged {
        /// The new results' primary keys, in order.
        keys: Vec<PrimaryKey>,
        /// How they differ from the previous results.
        changes: ChangeSet,
    },
    /// An object observer's first event: the object.
    ObjectInitial {
        /// The object.
        object: DbObject,
    },
    /// The observed object changed.
    ObjectChanged {
        /// The object as it is now.
        object: DbObject,
        /// The names of the properties that changed, in schema order.
        properties: Vec<String>,
    },
    /// The observed object was deleted; no event follows.
    ObjectDeleted,
    /// Re-running the query or re-reading the object failed; the observer stays registered.
    Failed {
        /// What went wrong.
        message: String,
    },
}

impl From<&core::ChangeEvent> for ChangeEvent {
    fn from(event: &core::ChangeEvent) -> Self {
        let keys =
            |keys: &[syncline_core::PrimaryKey]| keys.iter().cloned().map(Into::into).collect();
        match event {
            core::ChangeEvent::ResultsInitial { keys: k } => {
                ChangeEvent::ResultsInitial { keys: keys(k) }
            }
            core::ChangeEvent::ResultsChanged { keys: k, changes } => ChangeEvent::ResultsChanged {
                keys: keys(k),
                changes: ChangeSet {
                    deletions: changes.deletions.clone(),
                    insertions: changes.insertions.clone(),
                    modifications: changes.modifications.clone(),
                },
            },
            core::ChangeEvent::ObjectInitial { object } => ChangeEvent::ObjectInitial {
                object: object.clone().into(),
            },
            core::ChangeEvent::ObjectChanged { object, properties } => ChangeEvent::ObjectChanged {
                object: object.clone().into(),
                properties: properties.clone(),
            },
            core::ChangeEvent::ObjectDeleted => ChangeEvent::ObjectDeleted,
            core::ChangeEvent::Error { message } => ChangeEvent::Failed {
                message: message.clone(),
            },
        }
    }
}

/// Receives change events. Called after each commit, on the thread that committed, with no
/// database lock held (it may read and write).
#[uniffi::export(with_foreign)]
pub trait ChangeListener: Send + Sync {
    /// One change event.
    fn on_change(&self, event: ChangeEvent);
}

/// Keeps an observation alive: `cancel()` stops it, and so does dropping the handle.
#[derive(uniffi::Object)]
pub struct ObserverHandle {
    inner: core::ObserverHandle,
}

impl std::fmt::Debug for ObserverHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObserverHandle").finish_non_exhaustive()
    }
}

impl ObserverHandle {
    pub(crate) fn new(inner: core::ObserverHandle) -> Arc<Self> {
        Arc::new(ObserverHandle { inner })
    }
}

#[uniffi::export]
impl ObserverHandle {
    /// Stops the notifications (calling it again does nothing). A callback already running
    /// on another thread finishes.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// Whether notifications may still arrive (not cancelled; the object not deleted).
    pub fn is_active(&self) -> bool {
        self.inner.is_active()
    }
}

/// The core callback that forwards events to a foreign listener.
pub(crate) fn forward(
    listener: Arc<dyn ChangeListener>,
) -> impl Fn(&core::ChangeEvent) + Send + Sync {
    move |event| listener.on_change(event.into())
}
