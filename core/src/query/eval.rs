//! The in-memory evaluator: a [`BoundQuery`] against any [`ObjectSource`], without SQLite.
//!
//! The sync server uses it to decide whether a changed object matches a subscription
//! ([`matches`]); [`evaluate`] runs a whole query; [`apply_modifiers`] applies
//! SORT/DISTINCT/LIMIT to a list of objects and is shared with the storage layer.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::bound::{
    AggregateOp, ArithOp, BoundQuery, CompareOp, Comparison, EmbeddedHolder, Expr, FullTextQuery,
    ListIndex, Modifier, NestedStep, Path, Predicate, PropertyStep, Quantifier, Step,
};
use super::QueryError;
use crate::value::compare::{fold_case, Dec, Num};
use crate::value::{Document, Link, PrimaryKey, Value};

/// Read access to objects, as the evaluator needs it. Implemented by [`super::MemoryStore`]
/// and by the storage layer's transactions.
///
/// Objects are named by [`Link`] (class and primary key; for a class without a primary key,
/// `PrimaryKey::Int` of its row key). Embedded objects are never named: they are read as
/// `Value::Embedded` from their parent's property.
pub trait ObjectSource {
    /// The primary keys of all objects of `class`, in natural (insertion) order.
    fn object_keys(&self, class: &str) -> Result<Vec<PrimaryKey>, QueryError>;

    /// Whether `object` exists (a link to a missing object reads as null).
    fn contains(&self, object: &Link) -> Result<bool, QueryError>;

    /// The stored value of `property` of `object`: `Value::Link` for a link, `Value::Embedded`
    /// for an embedded object, `List`/`Set`/`Dictionary` for collections, `Value::Null` when
    /// unset or when the object does not exist. Never called for linking-objects properties.
    fn property_value(&self, object: &Link, property: &str) -> Result<Value, QueryError>;

    /// The objects of `origin_class` whose `origin_property` (a link, or a list, set or
    /// dictionary of links) points to `target`, once per link, in natural order.
    ///
    /// The default scans `origin_class` ([`scan_backlinks`]); a store with an index should
    /// override it.
    fn backlinks(
        &self,
        target: &Link,
        origin_class: &str,
        origin_property: &str,
    ) -> Result<Vec<PrimaryKey>, QueryError> {
        scan_backlinks(self, target, origin_class, origin_property)
    }

    /// For backlinks from the *embedded* class `origin_class`: the top-level objects that hold
    /// (at any depth) an embedded object whose `origin_property` links to `target`, each once,
    /// in natural order within its class. The evaluator then reads only these objects; `None`
    /// (the default) makes it read every object of the classes that can hold such embedded
    /// objects. A store with an index should override it.
    fn embedded_backlink_owners(
        &self,
        target: &Link,
        origin_class: &str,
        origin_property: &str,
    ) -> Result<Option<Vec<Link>>, QueryError> {
        let _ = (target, origin_class, origin_property);
        Ok(None)
    }
}

/// The objects of `origin_class` whose `origin_property` holds a link to `target` (once per
/// link, also inside lists, dictionaries and collections nested in mixed values), found by
/// reading every object of the class.
pub fn scan_backlinks<S: ObjectSource + ?Sized>(
    source: &S,
    target: &Link,
    origin_class: &str,
    origin_property: &str,
) -> Result<Vec<PrimaryKey>, QueryError> {
    let mut out = Vec::new();
    for pk in source.object_keys(origin_class)? {
        let origin = Link {
            class: origin_class.to_owned(),
            pk,
        };
        let value = source.property_value(&origin, origin_property)?;
        let count = count_links(&value, target);
        for _ in 0..count {
            out.push(origin.pk.clone());
        }
    }
    Ok(out)
}

/// How many links to `target` `value` holds (itself, or inside lists, sets, dictionaries and
/// collections nested in mixed values).
pub(crate) fn count_links(value: &Value, target: &Link) -> usize {
    match value {
        Value::Link(l) => usize::from(l == target),
        Value::List(items) | Value::Set(items) => {
            items.iter().map(|v| count_links(v, target)).sum()
        }
        Value::Dictionary(map) => map.values().map(|v| count_links(v, target)).sum(),
        _ => 0,
    }
}

/// An object during evaluation.
#[derive(Debug, Clone)]
enum Obj {
    Top(Link),
    Embedded(Rc<EmbeddedObj>),
}

/// An embedded object during evaluation: its fields and, when the path reached it from the
/// object holding it, that object (its one backlink, as in Realm).
#[derive(Debug)]
struct EmbeddedObj {
    /// Its class (empty when unknown: such an object matches no backlink search).
    class: String,
    fields: Document,
    /// The holding object and the property holding this one.
    parent: Option<(Obj, String)>,
}

impl Obj {
    fn embedded(class: &str, fields: Document, parent: Option<(Obj, String)>) -> Obj {
        Obj::Embedded(Rc::new(EmbeddedObj {
            class: class.to_owned(),
            fields,
            parent,
        }))
    }

    fn class(&self) -> &str {
        match self {
            Obj::Top(link) => &link.class,
            Obj::Embedded(e) => &e.class,
        }
    }
}

/// What a path step yields.
#[derive(Debug, Clone)]
enum Item {
    Value(Value),
    Object(Obj),
    /// A list or set, its elements already turned into items.
    Coll(Vec<Item>),
    /// A dictionary, its values already turned into items.
    Dict(BTreeMap<String, Item>),
    /// What a path reads through a null (or dangling) to-one link: `null` for single values,
    /// nothing for collections, and not counted by `@count`.
    NullLink,
}

impl Item {
    fn into_value(self) -> Value {
        match self {
            Item::Value(v) => v,
            Item::Object(Obj::Top(l)) => Value::Link(l),
            Item::Object(Obj::Embedded(e)) => {
                Value::Embedded(Rc::try_unwrap(e).map_or_else(|e| e.fields.clone(), |e| e.fields))
            }
            Item::Coll(items) => Value::List(items.into_iter().map(Item::into_value).collect()),
            Item::Dict(map) => {
                Value::Dictionary(map.into_iter().map(|(k, v)| (k, v.into_value())).collect())
            }
            Item::NullLink => Value::Null,
        }
    }
}

/// Expands collections into their elements (dictionaries into their values).
fn flatten(items: Vec<Item>) -> Vec<Item> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Item::Coll(elems) => out.extend(elems),
            Item::Dict(map) => out.extend(map.into_values()),
            other => out.push(other),
        }
    }
    out
}

struct Evaluator<'s, S: ObjectSource + ?Sized> {
    source: &'s S,
}

/// What [`Evaluator::search_embedded`] looks for.
struct EmbeddedSearch<'a> {
    target: &'a Link,
    origin_class: &'a str,
    origin_property: &'a str,
    holders: &'a [EmbeddedHolder],
}

impl<S: ObjectSource + ?Sized> Evaluator<'_, S> {
    /// A stored value as an item: links resolved to objects, embedded documents to objects,
    /// collections to item collections.
    fn to_item(&self, value: Value) -> Result<Item, QueryError> {
        Ok(match value {
            Value::Link(link) => {
                if self.source.contains(&link)? {
                    Item::Object(Obj::Top(link))
                } else {
                    Item::NullLink
                }
            }
            Value::Embedded(doc) => Item::Object(Obj::embedded("", doc, None)),
            other => self.collection_item(other, Self::to_item)?,
        })
    }

    /// The value of an embedded-object property `p` of `holder` as an item: its embedded
    /// objects (one, or a list or dictionary of them) know their class and their holder.
    fn embedded_item(
        &self,
        value: Value,
        holder: &Obj,
        p: &PropertyStep,
    ) -> Result<Item, QueryError> {
        let class = p.target.as_deref().unwrap_or_default();
        Ok(match value {
            Value::Embedded(doc) => Item::Object(Obj::embedded(
                class,
                doc,
                Some((holder.clone(), p.name.clone())),
            )),
            Value::List(items) | Value::Set(items) => Item::Coll(
                items
                    .into_iter()
                    .map(|v| self.embedded_item(v, holder, p))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Dictionary(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    out.insert(k, self.embedded_item(v, holder, p)?);
                }
                Item::Dict(out)
            }
            other => self.to_item(other)?,
        })
    }

    /// The embedded objects of `origin_class` whose `origin_property` links to `target`, once
    /// per link, found inside the top-level objects that hold them through `holders` (only
    /// those the source names, when it can tell).
    fn embedded_backlinks(
        &self,
        target: &Link,
        origin_class: &str,
        origin_property: &str,
        holders: &[EmbeddedHolder],
    ) -> Result<Vec<Item>, QueryError> {
        let owners = self
            .source
            .embedded_backlink_owners(target, origin_class, origin_property)?;
        let mut tops: Vec<&str> = Vec::new();
        for h in holders.iter().filter(|h| h.top_level) {
            if !tops.contains(&h.class.as_str()) {
                tops.push(&h.class);
            }
        }
        let search = EmbeddedSearch {
            target,
            origin_class,
            origin_property,
            holders,
        };
        let mut out = Vec::new();
        for top in tops {
            let keys = match &owners {
                Some(links) => links
                    .iter()
                    .filter(|l| l.class == top)
                    .map(|l| l.pk.clone())
                    .collect(),
                None => self.source.object_keys(top)?,
            };
            for pk in keys {
                let holder = Obj::Top(Link {
                    class: top.to_owned(),
                    pk,
                });
                self.search_embedded(&search, &holder, &mut out)?;
            }
        }
        Ok(out)
    }

    /// Adds to `out` the linking embedded objects inside `holder` (depth first, an object
    /// before those it holds).
    fn search_embedded(
        &self,
        search: &EmbeddedSearch<'_>,
        holder: &Obj,
        out: &mut Vec<Item>,
    ) -> Result<(), QueryError> {
        for h in search.holders.iter().filter(|h| h.class == holder.class()) {
            let docs = match self.read(holder, &h.property)? {
                Value::Embedded(doc) => vec![doc],
                Value::List(items) | Value::Set(items) => items
                    .into_iter()
                    .filter_map(|v| match v {
                        Value::Embedded(doc) => Some(doc),
                        _ => None,
                    })
                    .collect(),
                Value::Dictionary(map) => map
                    .into_values()
                    .filter_map(|v| match v {
                        Value::Embedded(doc) => Some(doc),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for doc in docs {
                let links = if h.embedded_class == search.origin_class {
                    doc.get(search.origin_property)
                        .map_or(0, |v| count_links(v, search.target))
                } else {
                    0
                };
                let obj = Obj::embedded(
                    &h.embedded_class,
                    doc,
                    Some((holder.clone(), h.property.clone())),
                );
                for _ in 0..links {
                    out.push(Item::Object(obj.clone()));
                }
                self.search_embedded(search, &obj, out)?;
            }
        }
        Ok(())
    }

    /// The objects linking to `item` through `origin_property` of `origin_class`: for a
    /// top-level object, from the source (inside embedded objects when `holders` is not
    /// empty); for an embedded object, the object holding it when that is the property.
    fn backlinks_of(
        &self,
        item: &Item,
        origin_class: &str,
        origin_property: &str,
        holders: &[EmbeddedHolder],
    ) -> Result<Vec<Item>, QueryError> {
        Ok(match item {
            Item::Object(Obj::Top(link)) => {
                if holders.iter().any(|h| h.embedded_class == origin_class) {
                    self.embedded_backlinks(link, origin_class, origin_property, holders)?
                } else {
                    self.source
                        .backlinks(link, origin_class, origin_property)?
                        .into_iter()
                        .map(|pk| {
                            Item::Object(Obj::Top(Link {
                                class: origin_class.to_owned(),
                                pk,
                            }))
                        })
                        .collect()
                }
            }
            Item::Object(Obj::Embedded(e)) => match &e.parent {
                Some((parent, property))
                    if parent.class() == origin_class && property == origin_property =>
                {
                    vec![Item::Object(parent.clone())]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        })
    }

    /// A list, set or dictionary as an item whose elements `element` makes (a link to a
    /// deleted object is not an element); any other value as itself.
    fn collection_item(
        &self,
        value: Value,
        element: fn(&Self, Value) -> Result<Item, QueryError>,
    ) -> Result<Item, QueryError> {
        Ok(match value {
            Value::List(items) | Value::Set(items) => {
                let mut out = Vec::with_capacity(items.len());
                for v in items {
                    if let Value::Link(l) = &v {
                        if !self.source.contains(l)? {
                            continue;
                        }
                    }
                    out.push(element(self, v)?);
                }
                Item::Coll(out)
            }
            Value::Dictionary(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    out.insert(k, element(self, v)?);
                }
                Item::Dict(out)
            }
            other => Item::Value(other),
        })
    }

    /// A `mixed` value as an item: a link resolved to its object, a list or dictionary kept
    /// whole as a value (it is reached only through [`Step::Nested`], never flattened).
    fn mixed_item(&self, value: Value) -> Result<Item, QueryError> {
        match value {
            Value::Link(_) => self.to_item(value),
            other => Ok(Item::Value(other)),
        }
    }

    /// A stored `mixed` property (single or a collection of mixed values) as an item.
    fn mixed_property_item(&self, value: Value, single: bool) -> Result<Item, QueryError> {
        match value {
            Value::List(_) | Value::Set(_) | Value::Dictionary(_) if !single => {
                self.collection_item(value, Self::mixed_item)
            }
            other => self.mixed_item(other),
        }
    }

    /// One step into the list or dictionary held by each mixed value.
    fn nested(&self, items: Vec<Item>, step: &NestedStep) -> Result<Vec<Item>, QueryError> {
        let mut out = Vec::new();
        // A collection property's elements (`items[*].key`) are stepped into one by one.
        for item in flatten(items) {
            let value = match item {
                Item::Value(v) => v,
                Item::Coll(_) | Item::Dict(_) => item.into_value(),
                Item::Object(_) | Item::NullLink => {
                    if *step == NestedStep::Size {
                        out.push(Item::Value(Value::Null));
                    }
                    continue;
                }
            };
            match (step, value) {
                (NestedStep::Index(index), Value::List(mut elems)) => {
                    let at = match index {
                        ListIndex::First => 0,
                        ListIndex::Last => elems.len().wrapping_sub(1),
                        ListIndex::At(i) => *i,
                    };
                    if at < elems.len() {
                        out.push(self.mixed_item(elems.swap_remove(at))?);
                    }
                }
                (NestedStep::Key(key), Value::Dictionary(mut map)) => {
                    if let Some(v) = map.remove(key) {
                        out.push(self.mixed_item(v)?);
                    }
                }
                (NestedStep::All, Value::List(elems)) => {
                    for v in elems {
                        out.push(self.mixed_item(v)?);
                    }
                }
                (NestedStep::All, Value::Dictionary(map)) => {
                    for v in map.into_values() {
                        out.push(self.mixed_item(v)?);
                    }
                }
                (NestedStep::Keys, Value::Dictionary(map)) => {
                    out.extend(map.into_keys().map(|k| Item::Value(Value::String(k))));
                }
                (NestedStep::Size, v) => out.push(Item::Value(match v {
                    Value::List(elems) => Value::Int(elems.len() as i64),
                    Value::Dictionary(map) => Value::Int(map.len() as i64),
                    Value::String(text) => Value::Int(text.chars().count() as i64),
                    Value::Binary(bytes) => Value::Int(bytes.len() as i64),
                    _ => Value::Null,
                })),
                _ => {}
            }
        }
        Ok(out)
    }

    fn read(&self, obj: &Obj, property: &str) -> Result<Value, QueryError> {
        match obj {
            Obj::Top(link) => self.source.property_value(link, property),
            Obj::Embedded(e) => Ok(e.fields.get(property).cloned().unwrap_or(Value::Null)),
        }
    }

    fn steps(&self, mut items: Vec<Item>, steps: &[Step]) -> Result<Vec<Item>, QueryError> {
        for step in steps {
            items = self.step(items, step)?;
        }
        Ok(items)
    }

    fn step(&self, items: Vec<Item>, step: &Step) -> Result<Vec<Item>, QueryError> {
        let mut out = Vec::new();
        match step {
            Step::Property(p) => {
                for item in flatten(items) {
                    match item {
                        Item::Object(obj) => {
                            let value = self.read(&obj, &p.name)?;
                            // A null to-one link (or embedded object) reads as a null link.
                            let is_single_ref = p.collection == crate::schema::Collection::Single
                                && p.ty == crate::schema::PropertyType::Object;
                            if is_single_ref && value.is_null() {
                                out.push(Item::NullLink);
                            } else if p.embedded {
                                out.push(self.embedded_item(value, &obj, p)?);
                            } else if p.ty == crate::schema::PropertyType::Mixed {
                                let single = p.collection == crate::schema::Collection::Single;
                                out.push(self.mixed_property_item(value, single)?);
                            } else {
                                out.push(self.to_item(value)?);
                            }
                        }
                        // A path through a null link reads as null for single values.
                        Item::NullLink if p.collection == crate::schema::Collection::Single => {
                            out.push(Item::NullLink)
                        }
                        _ => {}
                    }
                }
            }
            Step::Backlinks {
                origin_class,
                origin_property,
                holders,
            } => {
                for item in flatten(items) {
                    out.extend(self.backlinks_of(&item, origin_class, origin_property, holders)?);
                }
            }
            Step::AllBacklinks { sources, holders } => {
                for item in flatten(items) {
                    for (class, property) in sources {
                        out.extend(self.backlinks_of(&item, class, property, holders)?);
                    }
                }
            }
            Step::Key(key) => {
                for item in items {
                    match item {
                        Item::Dict(mut map) => {
                            out.push(map.remove(key).unwrap_or(Item::Value(Value::Null)))
                        }
                        Item::NullLink => out.push(Item::NullLink),
                        _ => {}
                    }
                }
            }
            Step::Index(index) => {
                for item in items {
                    if let Item::Coll(mut elems) = item {
                        let at = match index {
                            ListIndex::First => 0,
                            ListIndex::Last => elems.len().wrapping_sub(1),
                            ListIndex::At(i) => *i,
                        };
                        if at < elems.len() {
                            out.push(elems.swap_remove(at));
                        }
                    }
                }
            }
            Step::Keys => {
                for item in items {
                    if let Item::Dict(map) = item {
                        out.extend(map.into_keys().map(|k| Item::Value(Value::String(k))));
                    }
                }
            }
            Step::Values => out = flatten(items),
            Step::Aggregate { op, over } => {
                for item in items {
                    let values = flatten(self.steps(vec![item], over)?)
                        .into_iter()
                        .filter(|i| !matches!(i, Item::NullLink))
                        .map(Item::into_value)
                        .collect();
                    // Realm sums `mixed` collections with a decimal accumulator.
                    let mixed = matches!(
                        over.last(),
                        Some(Step::Property(p)) if p.ty == crate::schema::PropertyType::Mixed
                    ) || matches!(over.last(), Some(Step::Nested(_)));
                    out.push(Item::Value(aggregate(*op, values, mixed)));
                }
            }
            Step::Length => {
                for item in flatten(items) {
                    out.push(Item::Value(match item {
                        Item::Value(Value::String(s)) => Value::Int(s.chars().count() as i64),
                        Item::Value(Value::Binary(b)) => Value::Int(b.len() as i64),
                        _ => Value::Null,
                    }));
                }
            }
            Step::Type => {
                for item in flatten(items) {
                    let v = item.into_value();
                    out.push(Item::Value(Value::String(v.type_name().to_owned())));
                }
            }
            Step::Nested(step) => out = self.nested(items, step)?,
        }
        Ok(out)
    }

    fn path_values(&self, obj: &Obj, path: &Path) -> Result<Vec<Value>, QueryError> {
        let items = self.steps(vec![Item::Object(obj.clone())], &path.steps)?;
        Ok(flatten(items).into_iter().map(Item::into_value).collect())
    }

    fn expr(&self, obj: &Obj, expr: &Expr) -> Result<Vec<Value>, QueryError> {
        Ok(match expr {
            Expr::Constant(v) => vec![v.clone()],
            Expr::List(values) => values.clone(),
            Expr::Quantified { expr, .. } => self.expr(obj, expr)?,
            Expr::Path(path) => self.path_values(obj, path)?,
            Expr::Arithmetic { op, left, right } => {
                let l = self.expr(obj, left)?;
                let r = self.expr(obj, right)?;
                let mut out = Vec::with_capacity(l.len().max(r.len()));
                for a in &l {
                    for b in &r {
                        out.push(arithmetic(*op, a, b));
                    }
                }
                out
            }
            Expr::SubqueryCount {
                collection,
                predicate,
                ..
            } => {
                let items =
                    flatten(self.steps(vec![Item::Object(obj.clone())], &collection.steps)?);
                let mut count = 0i64;
                for item in items {
                    if let Item::Object(element) = item {
                        if self.predicate(&element, predicate)? {
                            count += 1;
                        }
                    }
                }
                vec![Value::Int(count)]
            }
        })
    }

    fn predicate(&self, obj: &Obj, predicate: &Predicate) -> Result<bool, QueryError> {
        Ok(match predicate {
            Predicate::True => true,
            Predicate::False => false,
            Predicate::And(parts) => {
                for p in parts {
                    if !self.predicate(obj, p)? {
                        return Ok(false);
                    }
                }
                true
            }
            Predicate::Or(parts) => {
                for p in parts {
                    if self.predicate(obj, p)? {
                        return Ok(true);
                    }
                }
                false
            }
            Predicate::Not(p) => !self.predicate(obj, p)?,
            Predicate::Compare(c) => self.compare(obj, c)?,
            Predicate::FullText { path, query } => self
                .path_values(obj, path)?
                .iter()
                .any(|v| matches!(v, Value::String(s) if full_text_matches(s, query))),
            Predicate::GeoWithin {
                quantifier,
                path,
                shape,
            } => {
                let items = flatten(self.steps(vec![Item::Object(obj.clone())], &path.steps)?);
                let mut inside = Vec::with_capacity(items.len());
                for item in items {
                    // A null link or a value that is not an object is not a point.
                    let within = match item {
                        Item::Object(point) => {
                            let ty = self.read(&point, "type")?;
                            let coordinates = self.read(&point, "coordinates")?;
                            super::geo::point_of(&ty, &coordinates)
                                .is_some_and(|p| super::geo::contains(shape, &p))
                        }
                        _ => false,
                    };
                    inside.push(Value::Bool(within));
                }
                quantify(*quantifier, &inside, |v| matches!(v, Value::Bool(true)))
            }
        })
    }

    /// The values of a multi-valued operand in groups that are compared separately (see
    /// [`group_split`]); `all` is the operand's values, the one group otherwise.
    fn groups(
        &self,
        obj: &Obj,
        expr: &Expr,
        all: Vec<Value>,
    ) -> Result<Vec<Vec<Value>>, QueryError> {
        let Expr::Path(path) = expr else {
            return Ok(vec![all]);
        };
        let Some(k) = group_split(&path.steps) else {
            return Ok(vec![all]);
        };
        let (prefix, suffix) = path.steps.split_at(k + 1);
        let items = flatten(self.steps(vec![Item::Object(obj.clone())], prefix)?);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let values = flatten(self.steps(vec![item], suffix)?)
                .into_iter()
                .map(Item::into_value)
                .collect();
            out.push(values);
        }
        Ok(out)
    }

    fn compare(&self, obj: &Obj, c: &Comparison) -> Result<bool, QueryError> {
        let (right_quantifier, right_expr) = match &c.right {
            Expr::Quantified { quantifier, expr } => (Some(*quantifier), expr.as_ref()),
            other => (None, other),
        };
        let left = self.expr(obj, &c.left)?;
        let right = self.expr(obj, right_expr)?;
        let left_const = matches!(c.left, Expr::Constant(_));
        let op = if c.op == CompareOp::In {
            CompareOp::Eq
        } else {
            c.op
        };
        let ci = c.case_insensitive;
        // Two lists without quantifiers compare in order, except that `path IN {…}` keeps its
        // membership meaning (ANY element of the path is in the list).
        let membership = c.op == CompareOp::In && matches!(c.left, Expr::Path(_));
        if is_multi(&c.left)
            && is_multi(right_expr)
            && !c.explicit_quantifier
            && c.quantifier == Quantifier::Any
            && right_quantifier.is_none()
            && !membership
        {
            // Values of different objects (or nested collections) are never merged into one
            // list: each side is compared per group and some pair of groups must match, as in
            // realm-core (`links.list == {4, 5, 6}` compares each linked object's list).
            let left_groups = self.groups(obj, &c.left, left)?;
            let right_groups = self.groups(obj, right_expr, right)?;
            let eq_op = if op == CompareOp::Ne {
                CompareOp::Eq
            } else {
                op
            };
            let any = left_groups
                .iter()
                .any(|l| right_groups.iter().any(|r| elementwise(eq_op, ci, l, r)));
            return Ok(if op == CompareOp::Ne { !any } else { any });
        }
        let right_quantifier = right_quantifier.unwrap_or(Quantifier::Any);
        Ok(quantify(c.quantifier, &left, |l| {
            quantify(right_quantifier, &right, |r| {
                compare_values(op, ci, l, r, left_const)
            })
        }))
    }
}

/// Where a path's items split into groups for an in-order list comparison: after the last
/// step that yields several objects or nested values, when the next step takes them one at a
/// time.
fn group_split(steps: &[Step]) -> Option<usize> {
    (0..steps.len().saturating_sub(1)).rev().find(|&k| {
        let splits = match &steps[k] {
            Step::Property(p) => {
                p.ty == crate::schema::PropertyType::Object
                    && p.collection != crate::schema::Collection::Single
            }
            Step::Backlinks { .. } | Step::AllBacklinks { .. } => true,
            Step::Nested(NestedStep::All) => true,
            _ => false,
        };
        let per_item = matches!(
            steps[k + 1],
            Step::Property(_) | Step::Backlinks { .. } | Step::Nested(_)
        );
        // Only a collection after the split is kept apart per item; plain properties read
        // through links still form one list (`items.price == {5.5, 4.0}`).
        let into_collection = steps[k + 1..].iter().any(|s| match s {
            Step::Property(p) => p.collection != crate::schema::Collection::Single,
            Step::Nested(_) | Step::Key(_) | Step::Index(_) | Step::Keys | Step::Values => true,
            _ => false,
        });
        splits && per_item && into_collection
    })
}

fn elementwise(op: CompareOp, ci: bool, left: &[Value], right: &[Value]) -> bool {
    left.len() == right.len()
        && left
            .iter()
            .zip(right)
            .all(|(l, r)| compare_values(op, ci, l, r, false))
}

fn quantify(q: Quantifier, items: &[Value], f: impl Fn(&Value) -> bool) -> bool {
    match q {
        Quantifier::Any => items.iter().any(f),
        Quantifier::All => items.iter().all(f),
        Quantifier::None => !items.iter().any(f),
    }
}

fn is_multi(expr: &Expr) -> bool {
    match expr {
        Expr::Quantified { expr, .. } => is_multi(expr),
        Expr::Constant(_) | Expr::SubqueryCount { .. } => false,
        Expr::List(_) => true,
        Expr::Path(p) => p.multi,
        Expr::Arithmetic { left, right, .. } => is_multi(left) || is_multi(right),
    }
}

fn text_of(v: &Value) -> Option<&[u8]> {
    match v {
        Value::String(s) => Some(s.as_bytes()),
        Value::Binary(b) => Some(b),
        _ => None,
    }
}

/// One comparison of two values under Realm's rules (see [`crate::value`] for `==`/`<`).
pub(crate) fn compare_values(
    op: CompareOp,
    ci: bool,
    l: &Value,
    r: &Value,
    left_is_constant: bool,
) -> bool {
    match op {
        CompareOp::Eq | CompareOp::In => l.query_eq(r, ci),
        CompareOp::Ne => !l.query_eq(r, ci),
        CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
            if l.is_null() && r.is_null() {
                return matches!(op, CompareOp::Le | CompareOp::Ge);
            }
            match l.query_cmp(r) {
                Some(o) => match op {
                    CompareOp::Lt => o == Ordering::Less,
                    CompareOp::Le => o != Ordering::Greater,
                    CompareOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                },
                None => false,
            }
        }
        CompareOp::BeginsWith | CompareOp::EndsWith | CompareOp::Contains => {
            // A null needle behaves like the empty string, but a constant null haystack
            // contains nothing (Realm's behaviour for `NULL CONTAINS name`).
            if left_is_constant && l.is_null() {
                return false;
            }
            if r.is_null() {
                return true;
            }
            if l.is_null() {
                return false;
            }
            // Strings and binaries are different types: a string never contains bytes.
            if std::mem::discriminant(l) != std::mem::discriminant(r) {
                return false;
            }
            let (Some(hay), Some(needle)) = (text_of(l), text_of(r)) else {
                return false;
            };
            let (hay, needle) = if ci {
                (
                    fold_case(&String::from_utf8_lossy(hay)).into_bytes(),
                    fold_case(&String::from_utf8_lossy(needle)).into_bytes(),
                )
            } else {
                (hay.to_vec(), needle.to_vec())
            };
            match op {
                CompareOp::BeginsWith => hay.starts_with(&needle),
                CompareOp::EndsWith => hay.ends_with(&needle),
                _ => needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle.as_slice()),
            }
        }
        CompareOp::Like => match (l, r) {
            (_, Value::Null) => l.is_null(),
            (Value::Null, _) => false,
            _ => match (text_of(l), text_of(r)) {
                (Some(text), Some(pattern))
                    if std::mem::discriminant(l) == std::mem::discriminant(r) =>
                {
                    let text = String::from_utf8_lossy(text);
                    let pattern = String::from_utf8_lossy(pattern);
                    if ci {
                        like(&fold_case(&text), &fold_case(&pattern))
                    } else {
                        like(&text, &pattern)
                    }
                }
                _ => false,
            },
        },
    }
}

/// Wildcard match: `*` matches any run of characters, `?` exactly one.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && p[pi] == t[ti])) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `a op b` on numbers (null when either is not a number, or on division of ints by zero).
pub(crate) fn arithmetic_value(op: ArithOp, a: &Value, b: &Value) -> Value {
    arithmetic(op, a, b)
}

fn arithmetic(op: ArithOp, a: &Value, b: &Value) -> Value {
    let (Some(x), Some(y)) = (Num::of(a), Num::of(b)) else {
        return Value::Null;
    };
    match (x, y) {
        // Realm follows C++ arithmetic: ints stay ints (wrapping, truncating division; a
        // division by zero is null), floats stay floats unless a double is involved.
        (Num::Int(i), Num::Int(j)) => Value::Int(match op {
            ArithOp::Add => i.wrapping_add(j),
            ArithOp::Sub => i.wrapping_sub(j),
            ArithOp::Mul => i.wrapping_mul(j),
            ArithOp::Div => {
                if j == 0 {
                    return Value::Null;
                }
                i.wrapping_div(j)
            }
        }),
        (Num::Dec(_), _) | (_, Num::Dec(_)) => {
            let (dx, dy) = (
                Dec::of_value(a).unwrap_or_else(|| x.to_dec()),
                Dec::of_value(b).unwrap_or_else(|| y.to_dec()),
            );
            match op {
                ArithOp::Add => Value::Decimal(dx.add(dy).to_decimal128()),
                ArithOp::Sub => {
                    let neg = match dy {
                        Dec::Finite { neg, coef, exp } => Dec::Finite {
                            neg: !neg,
                            coef,
                            exp,
                        },
                        Dec::Inf(n) => Dec::Inf(!n),
                        Dec::NaN => Dec::NaN,
                    };
                    Value::Decimal(dx.add(neg).to_decimal128())
                }
                _ => {
                    let r = float_op(op, dec_to_f64(dx), dec_to_f64(dy));
                    Value::Decimal(Dec::from_f64(r).to_decimal128())
                }
            }
        }
        _ => {
            let r = float_op(op, num_to_f64(x), num_to_f64(y));
            let float_only = matches!(
                (a, b),
                (Value::Float(_), Value::Float(_) | Value::Int(_))
                    | (Value::Int(_), Value::Float(_))
            );
            if float_only {
                Value::Float(r as f32)
            } else {
                Value::Double(r)
            }
        }
    }
}

fn float_op(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
    }
}

fn dec_to_f64(d: Dec) -> f64 {
    match d {
        Dec::NaN => f64::NAN,
        Dec::Inf(true) => f64::NEG_INFINITY,
        Dec::Inf(false) => f64::INFINITY,
        Dec::Finite { neg, coef, exp } => {
            let v: f64 = format!("{coef}e{exp}").parse().unwrap_or(f64::NAN);
            if neg {
                -v
            } else {
                v
            }
        }
    }
}

fn num_to_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Double(d) => d,
        Num::Dec(d) => dec_to_f64(d),
    }
}

/// `@count`, `@sum`, `@avg`, `@min`, `@max` over a collection's values.
fn aggregate(op: AggregateOp, values: Vec<Value>, mixed: bool) -> Value {
    match op {
        AggregateOp::Count => Value::Int(values.len() as i64),
        AggregateOp::Min | AggregateOp::Max => {
            let mut best: Option<Value> = None;
            for v in values.into_iter().filter(|v| !v.is_null() && !is_nan(v)) {
                best = Some(match best {
                    None => v,
                    Some(b) => {
                        let o = v.sort_cmp(&b);
                        let better = if op == AggregateOp::Min {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        };
                        if better {
                            v
                        } else {
                            b
                        }
                    }
                });
            }
            best.unwrap_or(Value::Null)
        }
        AggregateOp::Sum | AggregateOp::Avg => {
            let nums: Vec<Value> = values
                .into_iter()
                .filter(|v| v.is_numeric() && !is_nan(v))
                .collect();
            let count = nums.len();
            if count == 0 {
                return if op == AggregateOp::Sum {
                    Value::Int(0)
                } else {
                    Value::Null
                };
            }
            let all = |f: fn(&Value) -> bool| nums.iter().all(f);
            if all(|v| matches!(v, Value::Int(_))) && !(mixed && op == AggregateOp::Avg) {
                // Ints sum as ints (wrapping like Realm's int64); their average is a double.
                let sum = nums.iter().fold(0i64, |acc, v| match v {
                    Value::Int(i) => acc.wrapping_add(*i),
                    _ => acc,
                });
                return if op == AggregateOp::Sum {
                    Value::Int(sum)
                } else {
                    Value::Double(sum as f64 / count as f64)
                };
            }
            if !mixed && all(|v| matches!(v, Value::Float(_))) {
                // Only floats: float arithmetic.
                let sum: f32 = nums
                    .iter()
                    .map(|v| if let Value::Float(f) = v { *f } else { 0.0 })
                    .sum();
                return if op == AggregateOp::Sum {
                    Value::Float(sum)
                } else {
                    Value::Float(sum / count as f32)
                };
            }
            if !mixed && all(|v| matches!(v, Value::Int(_) | Value::Double(_))) {
                let sum: f64 = nums
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => *i as f64,
                        Value::Double(d) => *d,
                        _ => 0.0,
                    })
                    .sum();
                return if op == AggregateOp::Sum {
                    Value::Double(sum)
                } else {
                    Value::Double(sum / count as f64)
                };
            }
            // Decimals, or floats mixed with other numbers (a mixed collection): sum as
            // decimals, each float at float precision, as Realm does.
            let sum = nums
                .iter()
                .filter_map(Dec::of_value)
                .fold(Dec::from_i64(0), Dec::add);
            if op == AggregateOp::Sum {
                Value::Decimal(sum.to_decimal128())
            } else {
                Value::Decimal(sum.div_count(count as u64).to_decimal128())
            }
        }
    }
}

fn is_nan(v: &Value) -> bool {
    match v {
        Value::Float(f) => f.is_nan(),
        Value::Double(d) => d.is_nan(),
        Value::Decimal(d) => matches!(Dec::from_decimal128(d), Dec::NaN),
        _ => false,
    }
}

/// Lowercases and strips common Latin diacritics, the normalisation of full-text tokens.
fn normalize_token(token: &str) -> String {
    fold_case(token)
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

/// The tokens of a text: maximal runs of ASCII and Latin-1 letters and digits (Realm's
/// full-text tokenizer treats every other character as whitespace), normalised.
pub(crate) fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() && u32::from(c) <= 0xFF))
        .filter(|t| !t.is_empty())
        .map(normalize_token)
        .collect()
}

/// Parses full-text search terms: words, `-word` to exclude, `word*` for a prefix.
pub fn parse_full_text(query: &str) -> FullTextQuery {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for word in query.split_whitespace() {
        let (negated, word) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        let (prefix, word) = match word.strip_suffix('*') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        for (i, token) in tokenize(word).into_iter().enumerate() {
            let term = super::bound::FullTextTerm {
                token,
                prefix: prefix && i + 1 == tokenize(word).len(),
            };
            if negated {
                exclude.push(term);
            } else {
                include.push(term);
            }
        }
    }
    FullTextQuery { include, exclude }
}

fn full_text_matches(text: &str, query: &FullTextQuery) -> bool {
    let tokens = tokenize(text);
    let has = |t: &super::bound::FullTextTerm| {
        tokens.iter().any(|tok| {
            if t.prefix {
                tok.starts_with(&t.token)
            } else {
                *tok == t.token
            }
        })
    };
    (!query.include.is_empty() || !query.exclude.is_empty())
        && query.include.iter().all(has)
        && !query.exclude.iter().any(has)
}

/// Whether `object` matches the query's predicate (SORT/DISTINCT/LIMIT are not considered).
/// Returns `false` for an object of another class or one that does not exist.
pub fn matches<S: ObjectSource + ?Sized>(
    query: &BoundQuery,
    source: &S,
    object: &Link,
) -> Result<bool, QueryError> {
    if object.class != query.class || !source.contains(object)? {
        return Ok(false);
    }
    Evaluator { source }.predicate(&Obj::Top(object.clone()), &query.predicate)
}

/// Whether an object given by its fields (not necessarily stored in `source`) matches the
/// predicate; links in `fields` are followed through `source`. The object has no identity
/// here, so backlinks *to* it (`@links`, linking-objects properties) read as empty.
pub fn document_matches<S: ObjectSource + ?Sized>(
    query: &BoundQuery,
    source: &S,
    fields: &Document,
) -> Result<bool, QueryError> {
    let obj = Obj::embedded(&query.class, fields.clone(), None);
    Evaluator { source }.predicate(&obj, &query.predicate)
}

/// Runs the query: the matching objects of its class in natural order, then its
/// SORT/DISTINCT/LIMIT clauses. Returns the primary keys.
pub fn evaluate<S: ObjectSource + ?Sized>(
    query: &BoundQuery,
    source: &S,
) -> Result<Vec<PrimaryKey>, QueryError> {
    let evaluator = Evaluator { source };
    let mut hits = Vec::new();
    for pk in source.object_keys(&query.class)? {
        let link = Link {
            class: query.class.clone(),
            pk,
        };
        let obj = Obj::Top(link);
        if evaluator.predicate(&obj, &query.predicate)? {
            if let Obj::Top(link) = obj {
                hits.push(link);
            }
        }
    }
    let ordered = apply_modifiers(&query.modifiers, source, hits)?;
    Ok(ordered.into_iter().map(|l| l.pk).collect())
}

/// The value of a single-valued path (SORT/DISTINCT keys) for one object; `null` when it
/// yields nothing.
pub fn path_value<S: ObjectSource + ?Sized>(
    path: &Path,
    source: &S,
    object: &Link,
) -> Result<Value, QueryError> {
    let values = Evaluator { source }.path_values(&Obj::Top(object.clone()), path)?;
    Ok(values.into_iter().next().unwrap_or(Value::Null))
}

/// Applies SORT, DISTINCT and LIMIT clauses in order to `objects` (given in natural order):
/// sorting is stable with nulls first ascending, DISTINCT keeps the first object of each
/// combination of values, LIMIT keeps a prefix.
pub fn apply_modifiers<S: ObjectSource + ?Sized>(
    modifiers: &[Modifier],
    source: &S,
    mut objects: Vec<Link>,
) -> Result<Vec<Link>, QueryError> {
    for modifier in modifiers {
        match modifier {
            Modifier::Limit(n) => objects.truncate(*n),
            Modifier::Sort(keys) => {
                let mut keyed = Vec::with_capacity(objects.len());
                for obj in objects {
                    let mut values = Vec::with_capacity(keys.len());
                    for key in keys {
                        values.push(path_value(&key.path, source, &obj)?);
                    }
                    keyed.push((values, obj));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    for ((x, y), key) in a.iter().zip(b).zip(keys) {
                        let o = x.sort_cmp(y);
                        let o = if key.ascending { o } else { o.reverse() };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                objects = keyed.into_iter().map(|(_, o)| o).collect();
            }
            Modifier::Distinct(paths) => {
                let mut keyed = Vec::with_capacity(objects.len());
                for (i, obj) in objects.iter().enumerate() {
                    let mut values = Vec::with_capacity(paths.len());
                    for path in paths {
                        values.push(path_value(path, source, obj)?);
                    }
                    keyed.push((values, i));
                }
                // Group equal key combinations by sorting (stable, so the first of each
                // group is the earliest object), then keep those firsts in the old order.
                let cmp = |a: &Vec<Value>, b: &Vec<Value>| {
                    a.iter()
                        .zip(b)
                        .map(|(x, y)| x.sort_cmp(y))
                        .find(|o| *o != Ordering::Equal)
                        .unwrap_or(Ordering::Equal)
                };
                keyed.sort_by(|(a, _), (b, _)| cmp(a, b));
                let mut keep = vec![false; objects.len()];
                let mut previous: Option<&Vec<Value>> = None;
                for (values, i) in &keyed {
                    if previous.is_none_or(|p| cmp(p, values) != Ordering::Equal) {
                        keep[*i] = true;
                    }
                    previous = Some(values);
                }
                objects = objects
                    .into_iter()
                    .zip(keep)
                    .filter_map(|(o, k)| k.then_some(o))
                    .collect();
            }
        }
    }
    Ok(objects)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::query::bound::{PropertyStep, SortKey};
    use crate::query::MemoryStore;
    use crate::schema::{Collection, ObjectSchema, Property, PropertyType, Schema};

    fn store() -> MemoryStore {
        let schema = Schema::new(vec![ObjectSchema::new(
            "Person",
            vec![
                Property::new("_id", PropertyType::Int),
                Property::new("name", PropertyType::String),
                Property::link("buddy", "Person"),
                Property::new("scores", PropertyType::Int).list(),
            ],
        )
        .with_primary_key("_id")]);
        let mut store = MemoryStore::new(schema);
        for (id, name, buddy, scores) in [
            (1, "Bob", Some(2), vec![1, 5]),
            (2, "Ann", None, vec![]),
            (3, "ann", Some(1), vec![7]),
        ] {
            let mut doc = Document::new();
            doc.insert("_id", Value::Int(id));
            doc.insert("name", Value::from(name));
            doc.insert(
                "buddy",
                buddy.map_or(Value::Null, |b| {
                    Value::Link(Link {
                        class: "Person".into(),
                        pk: PrimaryKey::Int(b),
                    })
                }),
            );
            doc.insert(
                "scores",
                Value::List(scores.into_iter().map(Value::Int).collect()),
            );
            store.insert("Person", doc).unwrap();
        }
        store
    }

    fn prop(name: &str, ty: PropertyType, collection: Collection, target: Option<&str>) -> Step {
        Step::Property(PropertyStep {
            class: "Person".into(),
            name: name.into(),
            ty,
            collection,
            target: target.map(Into::into),
            embedded: false,
        })
    }

    fn path(steps: Vec<Step>, multi: bool) -> Path {
        Path {
            steps,
            multi,
            value_type: PropertyType::Mixed,
            object_class: None,
        }
    }

    fn query(predicate: Predicate, modifiers: Vec<Modifier>) -> BoundQuery {
        BoundQuery {
            class: "Person".into(),
            predicate,
            modifiers,
        }
    }

    fn cmp(left: Expr, op: CompareOp, right: Expr) -> Predicate {
        Predicate::Compare(Comparison {
            quantifier: Quantifier::Any,
            explicit_quantifier: false,
            left,
            op,
            case_insensitive: false,
            right,
        })
    }

    fn ids(keys: Vec<PrimaryKey>) -> Vec<i64> {
        keys.into_iter()
            .map(|k| match k {
                PrimaryKey::Int(i) => i,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn follows_links_and_null_links_read_as_null() {
        let s = store();
        let buddy_name = path(
            vec![
                prop(
                    "buddy",
                    PropertyType::Object,
                    Collection::Single,
                    Some("Person"),
                ),
                prop("name", PropertyType::String, Collection::Single, None),
            ],
            false,
        );
        let q = query(
            cmp(
                Expr::Path(buddy_name.clone()),
                CompareOp::Eq,
                Expr::Constant(Value::from("Ann")),
            ),
            vec![],
        );
        assert_eq!(ids(evaluate(&q, &s).unwrap()), vec![1]);
        let q = query(
            cmp(
                Expr::Path(buddy_name),
                CompareOp::Eq,
                Expr::Constant(Value::Null),
            ),
            vec![],
        );
        assert_eq!(ids(evaluate(&q, &s).unwrap()), vec![2]);
    }

    #[test]
    fn quantifiers_aggregates_and_modifiers() {
        let s = store();
        let scores = path(
            vec![prop("scores", PropertyType::Int, Collection::List, None)],
            true,
        );
        let all = Predicate::Compare(Comparison {
            quantifier: Quantifier::All,
            explicit_quantifier: true,
            left: Expr::Path(scores.clone()),
            op: CompareOp::Gt,
            case_insensitive: false,
            right: Expr::Constant(Value::Int(2)),
        });
        // ALL is vacuously true for the empty list of object 2.
        assert_eq!(ids(evaluate(&query(all, vec![]), &s).unwrap()), vec![2, 3]);
        let sum = path(
            vec![Step::Aggregate {
                op: AggregateOp::Sum,
                over: scores.steps.clone(),
            }],
            false,
        );
        let q = query(
            cmp(
                Expr::Path(sum),
                CompareOp::Eq,
                Expr::Constant(Value::Int(0)),
            ),
            vec![],
        );
        assert_eq!(ids(evaluate(&q, &s).unwrap()), vec![2]);
        let name = path(
            vec![prop("name", PropertyType::String, Collection::Single, None)],
            false,
        );
        let sorted = query(
            Predicate::True,
            vec![
                Modifier::Sort(vec![SortKey {
                    path: name.clone(),
                    ascending: true,
                }]),
                Modifier::Limit(2),
            ],
        );
        assert_eq!(ids(evaluate(&sorted, &s).unwrap()), vec![2, 1]);
        let distinct = query(Predicate::True, vec![Modifier::Distinct(vec![name])]);
        assert_eq!(ids(evaluate(&distinct, &s).unwrap()), vec![1, 2, 3]);
    }

    #[test]
    fn matches_one_object() {
        let s = store();
        let name = path(
            vec![prop("name", PropertyType::String, Collection::Single, None)],
            false,
        );
        let q = query(
            Predicate::Compare(Comparison {
                quantifier: Quantifier::Any,
                explicit_quantifier: false,
                left: Expr::Path(name),
                op: CompareOp::BeginsWith,
                case_insensitive: true,
                right: Expr::Constant(Value::from("AN")),
            }),
            vec![],
        );
        let link = |i| Link {
            class: "Person".into(),
            pk: PrimaryKey::Int(i),
        };
        assert!(!matches(&q, &s, &link(1)).unwrap());
        assert!(matches(&q, &s, &link(3)).unwrap());
        assert!(!matches(&q, &s, &link(9)).unwrap());
    }

    #[test]
    fn string_operators_and_like() {
        let ops = |op, l: &str, r: &str| {
            compare_values(op, false, &Value::from(l), &Value::from(r), false)
        };
        assert!(ops(CompareOp::Contains, "abc", "b"));
        assert!(ops(CompareOp::EndsWith, "abc", ""));
        assert!(!ops(CompareOp::BeginsWith, "abc", "b"));
        assert!(like("abc", "a*"));
        assert!(like("abc", "?b?"));
        assert!(!like("abc", "?b"));
        assert!(like("", "*"));
        assert!(compare_values(
            CompareOp::Contains,
            false,
            &Value::Null,
            &Value::Null,
            false
        ));
        assert!(!compare_values(
            CompareOp::Contains,
            false,
            &Value::Null,
            &Value::Null,
            true
        ));
        assert!(!compare_values(
            CompareOp::Lt,
            false,
            &Value::Null,
            &Value::Bool(true),
            false
        ));
    }

    #[test]
    fn null_links_read_as_null_and_count_nothing() {
        let s = store();
        let run = |text: &str| {
            ids(BoundQuery::new(text, s.schema(), "Person", &[])
                .unwrap()
                .evaluate(&s)
                .unwrap())
        };
        assert_eq!(run("buddy.scores.@count == 0"), vec![1, 2]);
        assert_eq!(run("buddy.@links.@count == 0"), vec![2]);
        assert_eq!(run("buddy.buddy.name == null"), vec![1, 2]);
        assert_eq!(run("@links.Person.buddy.@count == 1"), vec![1, 2]);
    }

    #[test]
    fn full_text() {
        let q = parse_full_text("write -tests wri*");
        assert_eq!(q.include.len(), 2);
        assert!(full_text_matches("Write docs", &parse_full_text("write")));
        assert!(!full_text_matches(
            "Write tests",
            &parse_full_text("write -tests")
        ));
        assert!(full_text_matches("Writing", &parse_full_text("wri*")));
        assert!(full_text_matches("Café crème", &parse_full_text("cafe")));
        assert!(full_text_matches(
            "full-text search",
            &parse_full_text("text")
        ));
        assert!(full_text_matches(
            "a 🦄 unicorn",
            &parse_full_text("unicorn")
        ));
    }
}
