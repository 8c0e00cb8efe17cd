//! One observer: what it watches, the commits waiting for it, and the loop that turns them into
//! events.
//!
//! Each observer registers its own commit hook. The hook keeps only the changes of classes the
//! observer depends on (so an unrelated commit costs a few map look-ups) and queues them; the
//! first thread that finds the observer idle becomes its deliverer and runs [`Observer::drive`]
//! until the queue is empty. Commits that arrive meanwhile, from any thread (including the
//! deliverer's own callbacks), only queue: that is what keeps one observer's events sequential
//! and in commit order without holding any lock while a callback runs.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{diff, ChangeCallback, ChangeEvent, LINK_DEPTH};
use crate::db::{
    describe_pk, CommitInfo, Database, HookId, Object, ObjectChangeKind, WeakDatabase,
};
use crate::error::Result;
use crate::query::bound::{Expr, Modifier, Path, Predicate, Step};
use crate::query::BoundQuery;
use crate::schema::{PropertyType, Schema};
use crate::storage::objects::Store;
use crate::storage::StorageError;
use crate::value::{Link, PrimaryKey};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A callback that panicked leaves plain data behind, still consistent.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What is observed.
pub(super) enum Target {
    /// A query's results.
    Query {
        /// The query.
        query: Box<BoundQuery>,
        /// Every class the query reads (filter, sort keys, links, backlinks, subqueries): a
        /// change in one of them may change the results.
        classes: HashSet<String>,
    },
    /// One top-level object.
    Object {
        /// Its class.
        class: String,
        /// Its primary key.
        pk: PrimaryKey,
    },
}

impl Target {
    pub(super) fn query(query: BoundQuery) -> Self {
        let mut classes = HashSet::from([query.class.clone()]);
        predicate_classes(&query.predicate, &mut classes);
        for modifier in &query.modifiers {
            match modifier {
                Modifier::Sort(keys) => keys
                    .iter()
                    .for_each(|k| path_classes(&k.path, &mut classes)),
                Modifier::Distinct(paths) => {
                    paths.iter().for_each(|p| path_classes(p, &mut classes))
                }
                Modifier::Limit(_) => {}
            }
        }
        Target::Query {
            query: Box::new(query),
            classes,
        }
    }

    pub(super) fn object(class: &str, pk: PrimaryKey) -> Self {
        Target::Object {
            class: class.to_owned(),
            pk,
        }
    }

    fn root(&self) -> &str {
        match self {
            Target::Query { query, .. } => &query.class,
            Target::Object { class, .. } => class,
        }
    }
}

fn predicate_classes(p: &Predicate, out: &mut HashSet<String>) {
    match p {
        Predicate::True | Predicate::False => {}
        Predicate::And(items) | Predicate::Or(items) => {
            items.iter().for_each(|p| predicate_classes(p, out))
        }
        Predicate::Not(inner) => predicate_classes(inner, out),
        Predicate::Compare(c) => {
            expr_classes(&c.left, out);
            expr_classes(&c.right, out);
        }
        Predicate::FullText { path, .. } | Predicate::GeoWithin { path, .. } => {
            path_classes(path, out)
        }
    }
}

fn expr_classes(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Constant(_) | Expr::List(_) => {}
        Expr::Path(path) => path_classes(path, out),
        Expr::Quantified { expr, .. } => expr_classes(expr, out),
        Expr::Arithmetic { left, right, .. } => {
            expr_classes(left, out);
            expr_classes(right, out);
        }
        Expr::SubqueryCount {
            collection,
            class,
            predicate,
        } => {
            path_classes(collection, out);
            out.insert(class.clone());
            predicate_classes(predicate, out);
        }
    }
}

fn path_classes(path: &Path, out: &mut HashSet<String>) {
    steps_classes(&path.steps, out);
    if let Some(class) = &path.object_class {
        out.insert(class.clone());
    }
}

fn steps_classes(steps: &[Step], out: &mut HashSet<String>) {
    for step in steps {
        match step {
            Step::Property(p) => {
                out.insert(p.class.clone());
                if let Some(target) = &p.target {
                    out.insert(target.clone());
                }
            }
            Step::Backlinks {
                origin_class,
                holders,
                ..
            } => {
                out.insert(origin_class.clone());
                // Embedded linking objects change with the top-level objects holding them.
                out.extend(holders.iter().map(|h| h.class.clone()));
            }
            Step::AllBacklinks { sources, holders } => {
                out.extend(sources.iter().map(|(class, _)| class.clone()));
                out.extend(holders.iter().map(|h| h.class.clone()));
            }
            Step::Aggregate { over, .. } => steps_classes(over, out),
            Step::Key(_)
            | Step::Index(_)
            | Step::Keys
            | Step::Values
            | Step::Length
            | Step::Type
            | Step::Nested(_) => {}
        }
    }
}

/// A way for an object of one class to link to an object of a top-level class: a link
/// property, or a `mixed` property (which may hold a link to any top-level class), of a
/// top-level class or of an embedded class held inside one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    /// The class holding the property (embedded or top-level).
    origin: String,
    /// The property.
    property: String,
}

/// The link graph around the observed class, within [`LINK_DEPTH`].
///
/// An object's links are those of its own properties and of the embedded objects inside it, at
/// any nesting: a link held in an embedded object counts as one hop from the top-level object
/// holding it. A `mixed` value may hold a link to any top-level class, so a `mixed` property
/// within reach makes every top-level class reachable one hop further.
struct Watch {
    /// The observed class (the query's class, or the object's).
    root: String,
    /// Classes whose changes are read by the query (empty for an object observer).
    query_classes: HashSet<String>,
    /// Link hops from `root` to each top-level class reachable within `LINK_DEPTH`.
    dist: HashMap<String, usize>,
    /// For each linked top-level class: the properties that link to it from within reach.
    incoming: HashMap<String, Vec<Edge>>,
    /// For each embedded class within reach: the `(class, property)` slots holding its objects.
    parents: HashMap<String, Vec<(String, String)>>,
}

impl Watch {
    fn new(schema: &Schema, root: &str, query_classes: HashSet<String>) -> Self {
        let mut dist = HashMap::from([(root.to_owned(), 0)]);
        let mut incoming: HashMap<String, Vec<Edge>> = HashMap::new();
        let mut parents: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut queue = VecDeque::from([root.to_owned()]);
        // Top-level classes a `mixed` value can link to (asymmetric objects are not kept).
        let any_target: Vec<&str> = schema
            .classes
            .iter()
            .filter(|c| !c.embedded && !c.asymmetric)
            .map(|c| c.name.as_str())
            .collect();
        while let Some(name) = queue.pop_front() {
            let d = dist.get(&name).copied().unwrap_or(LINK_DEPTH);
            let is_top_level = schema.class(&name).is_some_and(|c| !c.embedded);
            if d >= LINK_DEPTH || !is_top_level {
                continue;
            }
            // The object's own properties, then those of the embedded objects inside it.
            let mut body = vec![name.clone()];
            let mut inside = HashSet::from([name.clone()]);
            while let Some(holder) = body.pop() {
                let Some(class) = schema.class(&holder) else {
                    continue;
                };
                for prop in &class.properties {
                    let targets: Vec<&str> = match (prop.ty, prop.object_type.as_deref()) {
                        (PropertyType::Mixed, _) => any_target.clone(),
                        (PropertyType::Object, Some(target)) => match schema.class(target) {
                            Some(t) if t.embedded => {
                                let slot = (holder.clone(), prop.name.clone());
                                let slots = parents.entry(target.to_owned()).or_default();
                                if !slots.contains(&slot) {
                                    slots.push(slot);
                                }
                                if inside.insert(target.to_owned()) {
                                    body.push(target.to_owned());
                                }
                                continue;
                            }
                            Some(_) => vec![target],
                            None => continue,
                        },
                        _ => continue,
                    };
                    for target in targets {
                        let edge = Edge {
                            origin: holder.clone(),
                            property: prop.name.clone(),
                        };
                        let edges = incoming.entry(target.to_owned()).or_default();
                        if !edges.contains(&edge) {
                            edges.push(edge);
                        }
                        if !dist.contains_key(target) {
                            dist.insert(target.to_owned(), d + 1);
                            queue.push_back(target.to_owned());
                        }
                    }
                }
            }
        }
        Watch {
            root: root.to_owned(),
            query_classes,
            dist,
            incoming,
            parents,
        }
    }

    /// The top-level object holding the object at `row` of `class` (itself when `class` is
    /// top-level), with the top-level property through which it holds it (`property` when
    /// `class` is top-level).
    fn top_level<'w>(
        &'w self,
        store: &Store<'_>,
        class: &'w str,
        row: i64,
        property: &'w str,
    ) -> Result<Option<(&'w str, i64, &'w str)>> {
        let (mut class, mut row, mut property) = (class, row, property);
        // Each step goes one embedding level up; the schema bounds the nesting.
        for _ in 0..=self.parents.len() {
            let Some(slots) = self.parents.get(class) else {
                return Ok(Some((class, row, property)));
            };
            match store.embedded_parent(row, slots)? {
                Some(parent) => (class, row, property) = parent,
                None => return Ok(None),
            }
        }
        Ok(None)
    }
}

/// How an object was touched by the commits waiting for delivery.
#[derive(Debug, Clone)]
enum Touch {
    /// Properties were written (names of the top-level properties; possibly none known).
    Modified(BTreeSet<String>),
    /// Created or deleted. Nothing can link to such an object without being modified itself
    /// in the same commits, so it never needs to be followed back through links.
    Replaced,
}

/// Changes of the commits waiting for delivery, by class and primary key.
#[derive(Debug, Default)]
struct Pending(HashMap<String, HashMap<PrimaryKey, Touch>>);

impl Pending {
    fn note(&mut self, class: &str, pk: &PrimaryKey, touch: Touch) {
        let objects = match self.0.get_mut(class) {
            Some(objects) => objects,
            None => self.0.entry(class.to_owned()).or_default(),
        };
        match (objects.get_mut(pk), touch) {
            (Some(Touch::Modified(names)), Touch::Modified(more)) => names.extend(more),
            (Some(existing), Touch::Replaced) => *existing = Touch::Replaced,
            (Some(Touch::Replaced), Touch::Modified(_)) => {}
            (None, touch) => {
                objects.insert(pk.clone(), touch);
            }
        }
    }

    fn merge(&mut self, other: Pending) {
        for (class, objects) in other.0 {
            for (pk, touch) in objects {
                self.note(&class, &pk, touch);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn get(&self, class: &str, pk: &PrimaryKey) -> Option<&Touch> {
        self.0.get(class).and_then(|objects| objects.get(pk))
    }

    fn touches_any(&self, classes: &HashSet<String>) -> bool {
        self.0.keys().any(|class| classes.contains(class))
    }
}

/// What the observer last delivered.
enum Current {
    Results(Vec<PrimaryKey>),
    Object(Object),
    /// The object was deleted; nothing more to deliver.
    Ended,
}

struct State {
    /// Whether a thread is running [`Observer::drive`].
    delivering: bool,
    /// The initial event, until delivered.
    initial: Option<ChangeEvent>,
    /// Changes of commits not yet delivered.
    pending: Pending,
    /// Changes of a batch whose evaluation failed, added to the next batch.
    carried: Pending,
    /// The last delivered state; taken by the deliverer while it computes.
    current: Option<Current>,
}

/// A registered observer, shared by its handle and its commit hook.
pub(super) struct Observer {
    db: WeakDatabase,
    target: Target,
    watch: Watch,
    callback: ChangeCallback,
    /// Cancelled by the handle, or ended by the object's deletion.
    stopped: AtomicBool,
    hook: Mutex<Option<HookId>>,
    state: Mutex<State>,
}

impl Observer {
    /// Registers the observer, reads the initial state and delivers it.
    pub(super) fn start(
        db: &Database,
        target: Target,
        callback: ChangeCallback,
    ) -> Result<Arc<Observer>> {
        let query_classes = match &target {
            Target::Query { classes, .. } => classes.clone(),
            Target::Object { .. } => HashSet::new(),
        };
        let watch = Watch::new(db.schema(), target.root(), query_classes);
        let observer = Arc::new(Observer {
            db: db.downgrade(),
            target,
            watch,
            callback,
            stopped: AtomicBool::new(false),
            hook: Mutex::new(None),
            // Delivering from the start: commits racing with the initial read only queue.
            state: Mutex::new(State {
                delivering: true,
                initial: None,
                pending: Pending::default(),
                carried: Pending::default(),
                current: None,
            }),
        });
        // The hook goes in before the initial read, so that no commit after that read is
        // missed; the hook holds the observer until `cancel` removes it.
        let hooked = Arc::clone(&observer);
        let id = db.add_commit_hook(move |info| hooked.on_commit(info));
        *lock(&observer.hook) = Some(id);
        // Commits queued so far are part of the snapshot read next. (One that commits between
        // here and the snapshot is both in the snapshot and queued: its diff is then empty,
        // but its objects may be reported as modified once.)
        lock(&observer.state).pending = Pending::default();
        let (event, current) = match observer.read_initial(db) {
            Ok(initial) => initial,
            Err(e) => {
                observer.cancel();
                return Err(e);
            }
        };
        {
            let mut state = lock(&observer.state);
            state.initial = Some(event);
            state.current = Some(current);
        }
        observer.drive();
        Ok(observer)
    }

    fn read_initial(&self, db: &Database) -> Result<(ChangeEvent, Current)> {
        let txn = db.begin_read()?;
        match &self.target {
            Target::Query { query, .. } => {
                let keys = txn.query_bound(query)?.keys;
                Ok((
                    ChangeEvent::ResultsInitial { keys: keys.clone() },
                    Current::Results(keys),
                ))
            }
            Target::Object { class, pk } => {
                let object = txn
                    .get(class, pk)?
                    .ok_or_else(|| StorageError::ObjectNotFound {
                        class: class.clone(),
                        pk: describe_pk(pk),
                    })?;
                Ok((
                    ChangeEvent::ObjectInitial {
                        object: object.clone(),
                    },
                    Current::Object(object),
                ))
            }
        }
    }

    /// Stops notifications and unregisters the commit hook (idempotent).
    pub(super) fn cancel(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let hook = lock(&self.hook).take();
        if let (Some(id), Some(db)) = (hook, self.db.upgrade()) {
            db.remove_commit_hook(id);
        }
    }

    pub(super) fn is_active(&self) -> bool {
        !self.stopped.load(Ordering::SeqCst)
    }

    /// The commit hook: keep what may matter, and deliver unless a thread already does.
    fn on_commit(&self, info: &CommitInfo) {
        if !self.is_active() {
            return;
        }
        let relevant = self.relevant(info);
        if relevant.is_empty() {
            return;
        }
        {
            let mut state = lock(&self.state);
            state.pending.merge(relevant);
            if state.delivering {
                return;
            }
            state.delivering = true;
        }
        self.drive();
    }

    /// The changes of a commit that may matter: objects of classes the query reads, the
    /// observed object, and modified objects that could be linked from what is observed.
    fn relevant(&self, info: &CommitInfo) -> Pending {
        let mut relevant = Pending::default();
        for (class, objects) in &info.objects {
            let read_by_query = self.watch.query_classes.contains(class);
            let linked = self.watch.incoming.contains_key(class);
            let observed = match &self.target {
                Target::Object { class: c, pk } => (c == class).then_some(pk),
                Target::Query { .. } => None,
            };
            if !read_by_query && !linked && observed.is_none() {
                continue;
            }
            for (pk, kind) in objects {
                let touch = match kind {
                    ObjectChangeKind::Modified(names) => Touch::Modified(names.clone()),
                    ObjectChangeKind::Created | ObjectChangeKind::Deleted => Touch::Replaced,
                };
                let is_observed = observed == Some(pk);
                let propagates = linked && matches!(touch, Touch::Modified(_));
                if read_by_query || is_observed || propagates {
                    relevant.note(class, pk, touch);
                }
            }
        }
        relevant
    }

    /// Delivers the initial event and every queued batch, until the queue is empty. Only one
    /// thread runs it at a time (the `delivering` flag); it holds no lock during callbacks.
    fn drive(&self) {
        let _reset = ResetOnPanic(&self.state);
        loop {
            let (batch, current) = {
                let mut state = lock(&self.state);
                if !self.is_active() {
                    state.delivering = false;
                    return;
                }
                if let Some(event) = state.initial.take() {
                    drop(state);
                    self.deliver(&event);
                    continue;
                }
                if state.pending.is_empty() {
                    state.delivering = false;
                    return;
                }
                let mut batch = std::mem::take(&mut state.pending);
                batch.merge(std::mem::take(&mut state.carried));
                match state.current.take() {
                    Some(current) => (batch, current),
                    None => {
                        // Unreachable: only the deliverer takes `current`, and puts it back.
                        state.delivering = false;
                        return;
                    }
                }
            };
            let (event, current, failed) = self.update(&batch, current);
            let ended = matches!(current, Current::Ended);
            {
                let mut state = lock(&self.state);
                state.current = Some(current);
                if failed {
                    state.carried.merge(batch);
                }
            }
            if let Some(event) = event {
                self.deliver(&event);
            }
            if ended {
                self.cancel();
            }
        }
    }

    fn deliver(&self, event: &ChangeEvent) {
        if self.is_active() {
            (self.callback)(event);
        }
    }

    /// Computes the event for one batch: `(event, new state, whether it failed)`.
    fn update(&self, batch: &Pending, current: Current) -> (Option<ChangeEvent>, Current, bool) {
        let Some(db) = self.db.upgrade() else {
            return (None, current, false);
        };
        let result = match (&self.target, &current) {
            (Target::Query { query, .. }, Current::Results(old)) => self
                .update_results(&db, query, batch, old)
                .map(|(event, keys)| (event, Current::Results(keys))),
            (Target::Object { class, pk }, Current::Object(old)) => {
                self.update_object(&db, class, pk, batch, old)
            }
            _ => return (None, current, false),
        };
        match result {
            Ok((event, next)) => (event, next, false),
            Err(e) => (
                Some(ChangeEvent::Error {
                    message: e.to_string(),
                }),
                current,
                true,
            ),
        }
    }

    fn update_results(
        &self,
        db: &Database,
        query: &BoundQuery,
        batch: &Pending,
        old: &[PrimaryKey],
    ) -> Result<(Option<ChangeEvent>, Vec<PrimaryKey>)> {
        let txn = db.begin_read()?;
        // Only a change to a class the query reads can change which objects match, or their
        // order; changes further along links can only modify them.
        let keys = if batch.touches_any(&self.watch.query_classes) {
            txn.query_bound(query)?.keys
        } else {
            old.to_vec()
        };
        let dirty = dirty_objects(batch, &txn.store()?, &self.watch, None)?;
        let root = dirty.objects.get(&self.watch.root);
        let changes = diff::diff(old, &keys, |pk| root.is_some_and(|r| r.contains(pk)));
        let event = (!changes.is_empty()).then(|| ChangeEvent::ResultsChanged {
            keys: keys.clone(),
            changes,
        });
        Ok((event, keys))
    }

    fn update_object(
        &self,
        db: &Database,
        class: &str,
        pk: &PrimaryKey,
        batch: &Pending,
        old: &Object,
    ) -> Result<(Option<ChangeEvent>, Current)> {
        let txn = db.begin_read()?;
        let Some(object) = txn.get(class, pk)? else {
            return Ok((Some(ChangeEvent::ObjectDeleted), Current::Ended));
        };
        let mut names: BTreeSet<String> = BTreeSet::new();
        if let Some(Touch::Modified(written)) = batch.get(class, pk) {
            names.extend(written.iter().filter(|n| !n.is_empty()).cloned());
        }
        for (name, value) in &object.fields {
            if old.fields.get(name) != Some(value) {
                names.insert(name.to_owned());
            }
        }
        names.extend(
            old.fields
                .keys()
                .filter(|n| !object.fields.contains_key(n))
                .map(str::to_owned),
        );
        let dirty = dirty_objects(batch, &txn.store()?, &self.watch, Some(pk))?;
        names.extend(dirty.root_properties);
        if names.is_empty() {
            return Ok((None, Current::Object(object)));
        }
        let order: HashMap<&str, usize> = db
            .schema()
            .class(class)
            .map(|c| {
                c.properties
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.name.as_str(), i))
                    .collect()
            })
            .unwrap_or_default();
        let mut properties: Vec<String> = names.into_iter().collect();
        properties.sort_by_key(|n| order.get(n.as_str()).copied().unwrap_or(usize::MAX));
        Ok((
            Some(ChangeEvent::ObjectChanged {
                object: object.clone(),
                properties,
            }),
            Current::Object(object),
        ))
    }
}

/// Resets the `delivering` flag if a callback panics, so that the observer is not stuck.
struct ResetOnPanic<'a>(&'a Mutex<State>);

impl Drop for ResetOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut state = lock(self.0);
            state.delivering = false;
        }
    }
}

/// The objects that count as changed by a batch.
struct Dirty {
    /// Changed objects by class: those the commits touched, and those that reach a modified
    /// object through at most [`LINK_DEPTH`] links.
    objects: HashMap<String, HashSet<PrimaryKey>>,
    /// For an object observer: its link properties through which a changed object is reached.
    root_properties: BTreeSet<String>,
}

/// Follows links backwards from each modified object, level by level, up to [`LINK_DEPTH`]
/// links from the observed class: an object of class `C` is followed back through a link of
/// class `B` only if `B` is close enough to the observed class for the chain to fit. A link
/// found in an embedded object leads to the top-level object holding it.
fn dirty_objects(
    batch: &Pending,
    store: &Store<'_>,
    watch: &Watch,
    observed: Option<&PrimaryKey>,
) -> Result<Dirty> {
    let mut objects: HashMap<String, HashSet<PrimaryKey>> = HashMap::new();
    let mut frontier = Vec::new();
    for (class, touched) in &batch.0 {
        let seen = objects.entry(class.clone()).or_default();
        for (pk, touch) in touched {
            seen.insert(pk.clone());
            if matches!(touch, Touch::Modified(_)) && watch.incoming.contains_key(class) {
                frontier.push(Link {
                    class: class.clone(),
                    pk: pk.clone(),
                });
            }
        }
    }
    let mut root_properties = BTreeSet::new();
    for level in 1..=LINK_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for target in &frontier {
            let Some(edges) = watch.incoming.get(&target.class) else {
                continue;
            };
            for edge in edges {
                let origin = store.cat.class(&edge.origin)?;
                let prop = store.cat.property(origin, &edge.property)?;
                for row in store.rows_linking_to(target, origin, prop)? {
                    let Some((class, row, property)) =
                        watch.top_level(store, &edge.origin, row, &edge.property)?
                    else {
                        continue;
                    };
                    let fits = watch
                        .dist
                        .get(class)
                        .is_some_and(|d| d + level <= LINK_DEPTH);
                    if !fits {
                        continue;
                    }
                    let owner = store.pk_of(store.cat.class(class)?, row)?;
                    if class == watch.root && observed == Some(&owner) {
                        root_properties.insert(property.to_owned());
                    }
                    let seen = objects.entry(class.to_owned()).or_default();
                    if seen.insert(owner.clone()) {
                        next.push(Link {
                            class: class.to_owned(),
                            pk: owner,
                        });
                    }
                }
            }
        }
        frontier = next;
    }
    Ok(Dirty {
        objects,
        root_properties,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use std::collections::BTreeMap;

    use super::*;
    use crate::changes::tests::db;

    fn info(changes: &[(&str, i64, ObjectChangeKind)]) -> CommitInfo {
        let mut info = CommitInfo::default();
        for (class, pk, kind) in changes {
            info.objects
                .entry((*class).to_owned())
                .or_insert_with(BTreeMap::new)
                .insert(PrimaryKey::Int(*pk), kind.clone());
        }
        info
    }

    fn modified() -> ObjectChangeKind {
        ObjectChangeKind::Modified(BTreeSet::from(["name".to_owned()]))
    }

    #[test]
    fn a_query_reads_the_classes_of_its_paths_sorts_and_subqueries() {
        let db = db();
        let query = BoundQuery::new(
            "best.toy.name == 'ball' AND SUBQUERY(pets, $x, $x.name == 'Rex').@count > 0 \
             SORT(friend.age ASC)",
            db.schema(),
            "Person",
            &[],
        )
        .unwrap();
        let Target::Query { classes, .. } = Target::query(query) else {
            unreachable!()
        };
        let mut classes: Vec<_> = classes.into_iter().collect();
        classes.sort();
        assert_eq!(classes, vec!["Dog", "Person", "Toy"]);
    }

    #[test]
    fn the_link_graph_stops_at_the_link_depth() {
        let db = db();
        let watch = Watch::new(db.schema(), "L0", HashSet::new());
        assert_eq!(watch.dist.get("L4"), Some(&4));
        assert_eq!(watch.dist.get("L5"), None);
        assert_eq!(watch.incoming.get("L4").map(Vec::len), Some(1));
        let watch = Watch::new(db.schema(), "Person", HashSet::new());
        assert_eq!(watch.dist.get("Toy"), Some(&2));
        // Embedded classes are part of their parent, not link targets.
        assert_eq!(watch.dist.get("Address"), None);
    }

    #[test]
    fn unrelated_changes_are_dropped_in_the_commit_hook() {
        let db = db();
        let handle = db.observe_query("Person", "age > 1", &[], |_| {}).unwrap();
        let o = &handle.observer;
        // Another class; a dog created (nothing links to it yet).
        assert!(o
            .relevant(&info(&[("Note", 1, ObjectChangeKind::Created)]))
            .is_empty());
        assert!(o
            .relevant(&info(&[("Dog", 1, ObjectChangeKind::Created)]))
            .is_empty());
        assert!(o.relevant(&info(&[("L1", 1, modified())])).is_empty());
        // The query's class, a linked dog or toy modified.
        assert!(!o
            .relevant(&info(&[("Person", 9, ObjectChangeKind::Created)]))
            .is_empty());
        assert!(!o.relevant(&info(&[("Dog", 1, modified())])).is_empty());
        assert!(!o.relevant(&info(&[("Toy", 1, modified())])).is_empty());

        db.write(|txn| {
            let mut d = crate::value::Document::new();
            d.insert("_id", 1.into());
            d.insert("v", 1.into());
            txn.create("L5", d).map(|_| ())
        })
        .unwrap();
        let handle = db
            .observe_object("L5", &PrimaryKey::Int(1), |_| {})
            .unwrap();
        let o = &handle.observer;
        // Other objects of the class (which nothing links to), and other classes.
        assert!(o.relevant(&info(&[("L5", 2, modified())])).is_empty());
        assert!(o.relevant(&info(&[("L4", 1, modified())])).is_empty());
        assert!(!o.relevant(&info(&[("L5", 1, modified())])).is_empty());
        assert!(!o
            .relevant(&info(&[("L5", 1, ObjectChangeKind::Deleted)]))
            .is_empty());
    }
}
