//! The registry of live handles and strings handed to C.
//!
//! A handle is the address of a small heap allocation used only as a unique key; the object it
//! stands for lives in the registry. Lookups clone the object out of the registry, so no call
//! ever dereferences a pointer it got from C: a freed, forged or wrong-kind handle is reported,
//! and a free on one thread cannot pull the object from under a call on another.

use std::collections::BTreeMap;
use std::ffi::{c_char, CString};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{CResult, Failure};
use crate::database::Database;
use crate::migration::Migration;
use crate::observe::ObserverHandle;
use crate::transaction::WriteTransaction;

/// An open database (`syncline_database_open`); free with `syncline_database_free`.
pub struct SynclineDatabase {
    _key: u8,
}

/// A write transaction (`syncline_database_begin_write`); free with `syncline_transaction_free`.
pub struct SynclineTransaction {
    _key: u8,
}

/// A migration in progress, given to a `SynclineMigrationCallback` for the call only.
pub struct SynclineMigration {
    _key: u8,
}

pub(crate) enum Entry {
    Migration(Arc<Migration>),
    Database(Arc<Database>),
    Transaction(Arc<WriteTransaction>),
    Observer(Arc<ObserverHandle>),
    String,
}

// A BTreeMap rather than a HashMap: its nodes are pointed to at their start, so leak checkers
// see the registry as reachable, not as "possibly lost".
fn registry() -> &'static Mutex<BTreeMap<usize, Entry>> {
    static REGISTRY: OnceLock<Mutex<BTreeMap<usize, Entry>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(BTreeMap::new()))
}

fn with_registry<T>(f: impl FnOnce(&mut BTreeMap<usize, Entry>) -> T) -> T {
    // The map stays consistent even if a holder panicked: every update is one insert/remove.
    f(&mut registry().lock().unwrap_or_else(PoisonError::into_inner))
}

fn register<H>(make_key: impl FnOnce() -> H, entry: Entry) -> *mut H {
    let ptr = Box::into_raw(Box::new(make_key()));
    with_registry(|map| map.insert(ptr as usize, entry));
    ptr
}

pub(crate) fn new_database(db: Arc<Database>) -> *mut SynclineDatabase {
    register(|| SynclineDatabase { _key: 0 }, Entry::Database(db))
}

pub(crate) fn new_transaction(txn: Arc<WriteTransaction>) -> *mut SynclineTransaction {
    register(|| SynclineTransaction { _key: 0 }, Entry::Transaction(txn))
}

/// The object behind a handle, if `pick` finds its entry of the right kind.
fn lookup<H, T>(
    handle: *const H,
    kind: &str,
    pick: impl FnOnce(&Entry) -> Option<T>,
) -> CResult<T> {
    let address = handle as usize;
    with_registry(|map| map.get(&address).and_then(pick)).ok_or_else(|| invalid(kind, address))
}

/// Unregisters an address whose entry `pick` accepts; an entry of another kind stays.
fn unregister<T>(
    address: usize,
    kind: &str,
    pick: impl FnOnce(Entry) -> Result<T, Entry>,
) -> CResult<T> {
    with_registry(|map| match map.remove(&address) {
        Some(entry) => pick(entry).map_err(|other| {
            map.insert(address, other);
            invalid(kind, address)
        }),
        None => Err(invalid(kind, address)),
    })
}

/// Removes a handle made by `register`; the object goes when its last user lets go of it.
fn free_handle<H, T>(
    handle: *mut H,
    kind: &str,
    pick: impl FnOnce(Entry) -> Result<T, Entry>,
) -> CResult<T> {
    let object = unregister(handle as usize, kind, pick)?;
    // SAFETY: every entry of this kind was registered by `register` with an `H` from
    // `Box::into_raw`, and it has just been removed from the registry, so it is freed exactly
    // once.
    drop(unsafe { Box::from_raw(handle) });
    Ok(object)
}

pub(crate) fn database(handle: *const SynclineDatabase) -> CResult<Arc<Database>> {
    lookup(handle, "database", |entry| match entry {
        Entry::Database(db) => Some(db.clone()),
        _ => None,
    })
}

pub(crate) fn transaction(handle: *const SynclineTransaction) -> CResult<Arc<WriteTransaction>> {
    lookup(handle, "transaction", |entry| match entry {
        Entry::Transaction(txn) => Some(txn.clone()),
        _ => None,
    })
}

fn invalid(kind: &str, address: usize) -> Failure {
    if address == 0 {
        Failure::InvalidHandle(format!("the {kind} handle is NULL"))
    } else {
        Failure::InvalidHandle(format!(
            "{address:#x} is not a live {kind} handle (freed already, or not from Syncline)"
        ))
    }
}

/// Removes a handle; the object goes when its last user lets go of it.
pub(crate) fn free_database(handle: *mut SynclineDatabase) -> CResult<Arc<Database>> {
    free_handle(handle, "database", |entry| match entry {
        Entry::Database(db) => Ok(db),
        other => Err(other),
    })
}

/// Removes a transaction handle; an open transaction rolls back when it goes.
pub(crate) fn free_transaction(handle: *mut SynclineTransaction) -> CResult<Arc<WriteTransaction>> {
    free_handle(handle, "transaction", |entry| match entry {
        Entry::Transaction(txn) => Ok(txn),
        other => Err(other),
    })
}

/// A string for C, registered so that `syncline_string_free` can tell a double free.
pub(crate) fn new_string(text: String) -> CResult<*mut c_char> {
    let text = CString::new(text)
        .map_err(|_| Failure::invalid_argument("the result contains a NUL character"))?;
    let ptr = text.into_raw();
    with_registry(|map| map.insert(ptr as usize, Entry::String));
    Ok(ptr)
}

pub(crate) fn free_string(ptr: *mut c_char) -> CResult {
    unregister(ptr as usize, "string", |entry| match entry {
        Entry::String => Ok(()),
        other => Err(other),
    })?;
    // SAFETY: registered by `new_string` from `CString::into_raw` and just unregistered.
    drop(unsafe { CString::from_raw(ptr) });
    Ok(())
}

/// An observation (`syncline_database_observe_query`/`_object`); free with
/// `syncline_observer_free`, which stops it.
pub struct SynclineObserver {
    _key: u8,
}

pub(crate) fn new_observer(observer: Arc<ObserverHandle>) -> *mut SynclineObserver {
    register(|| SynclineObserver { _key: 0 }, Entry::Observer(observer))
}

pub(crate) fn observer(handle: *const SynclineObserver) -> CResult<Arc<ObserverHandle>> {
    lookup(handle, "observer", |entry| match entry {
        Entry::Observer(observer) => Some(observer.clone()),
        _ => None,
    })
}

/// Removes an observer handle; the observation stops when it goes.
pub(crate) fn free_observer(handle: *mut SynclineObserver) -> CResult<Arc<ObserverHandle>> {
    free_handle(handle, "observer", |entry| match entry {
        Entry::Observer(observer) => Ok(observer),
        other => Err(other),
    })
}

pub(crate) fn new_migration(migration: Arc<Migration>) -> *mut SynclineMigration {
    register(
        || SynclineMigration { _key: 0 },
        Entry::Migration(migration),
    )
}

pub(crate) fn migration(handle: *const SynclineMigration) -> CResult<Arc<Migration>> {
    lookup(handle, "migration", |entry| match entry {
        Entry::Migration(migration) => Some(migration.clone()),
        _ => None,
    })
}

/// Removes a migration handle (when its callback has returned).
pub(crate) fn free_migration(handle: *mut SynclineMigration) -> CResult<Arc<Migration>> {
    free_handle(handle, "migration", |entry| match entry {
        Entry::Migration(migration) => Ok(migration),
        other => Err(other),
    })
}
