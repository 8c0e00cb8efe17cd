//! The outbox's compact binary form of a [`Changeset`].
//!
//! Writing the outbox is on the path of every local commit, so its encoding is built for speed
//! and size: a write transaction encodes each instruction as it is made (no instruction objects
//! are kept), class and property names are interned once per changeset, integers are varints,
//! and an instruction on the same object as the one before it does not repeat the object.
//! It is a local storage format only; the wire uses the sync module's BSON encoding.
//!
//! Layout (version 3): `0x03`, replica, packed clock, the string table (count, then length and
//! UTF-8 bytes of each), the create shapes (count, then for each its field count and each
//! field's name index and kind), the instruction count, then each instruction: its object (`0`
//! for the object of the previous instruction, else the class's string index plus one and the
//! primary key), path (segment count, then segments), operation (tag and payload). A create
//! with its fields is one record that reads back as the `CreateObject` and one `Set` per
//! field: tag 13 gives the field count, then each field's name index and value; tag 14 gives a
//! shape index, then each field's value without its tag (a boolean as one byte). The
//! instruction count counts those expanded instructions. Values are a tag byte and a payload;
//! see `Writer::value`. Version 2, still read, had no shapes (and no tag 14); version 1 wrote
//! the class index and primary key in every instruction and had no tag 13.

use crate::sync::{Changeset, ElementId, Hlc, Instruction, Operation, PathSegment, ReplicaId};
use crate::value::{Decimal128, Document, Link, ObjectId, PrimaryKey, Timestamp, Uuid, Value};

use super::{Result, StorageError};

const VERSION: u8 = 3;

/// The operation tag of a create followed by its field values (version 2).
const CREATE_WITH_FIELDS: u8 = 13;

/// The operation tag of a create whose fields follow a shape of the entry's shape table
/// (version 3): their values without names or tags.
const CREATE_WITH_SHAPE: u8 = 14;

/// The kind of a shape's boolean field: its value is one byte, 0 or 1. Every other kind is
/// the tag of a scalar value (`Writer::value`), and the value is what follows that tag.
const BOOL_KIND: u8 = 1;

/// The kind of `value` in a create shape, if it is a scalar (tags 0 to 12).
pub fn shape_kind(value: &Value) -> Option<u8> {
    match value_tag(value) {
        2 => Some(BOOL_KIND),
        tag @ 0..=12 => Some(tag),
        _ => None,
    }
}

/// The tag that starts the encoding of `v`.
fn value_tag(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(false) => 1,
        Value::Bool(true) => 2,
        Value::Int(_) => 3,
        Value::Float(_) => 4,
        Value::Double(_) => 5,
        Value::String(_) => 6,
        Value::Binary(_) => 7,
        Value::Date(_) => 8,
        Value::ObjectId(_) => 9,
        Value::Uuid(_) => 10,
        Value::Decimal(_) => 11,
        Value::Link(_) => 12,
        Value::List(_) => 13,
        Value::Set(_) => 14,
        Value::Dictionary(_) => 15,
        Value::Embedded(_) => 16,
    }
}

/// Encodes instructions one by one; [`Writer::finish`] gives the outbox entry.
#[derive(Debug, Default)]
pub struct Writer {
    body: Vec<u8>,
    strings: indexmap::IndexSet<String>,
    count: u64,
    /// The object of the last instruction: its class's string index and encoded primary key.
    last_class: Option<usize>,
    last_pk: Vec<u8>,
    /// Where the next primary key is encoded before it is compared with `last_pk`.
    scratch: Vec<u8>,
    /// The string index the next name is likely to have: names come in runs in the order they
    /// were first seen (a class, then its properties).
    hint: usize,
    /// The create shapes: each field's name index and kind.
    shapes: Vec<Vec<(usize, u8)>>,
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_pk(out: &mut Vec<u8>, pk: &PrimaryKey) {
    match pk {
        PrimaryKey::Null => out.push(0),
        PrimaryKey::Int(i) => {
            out.push(1);
            varint(out, zigzag(*i));
        }
        PrimaryKey::String(s) => {
            out.push(2);
            varint(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        PrimaryKey::ObjectId(o) => {
            out.push(3);
            out.extend_from_slice(&o.bytes());
        }
        PrimaryKey::Uuid(u) => {
            out.push(4);
            out.extend_from_slice(u.as_bytes());
        }
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// Up to this many distinct names, [`Writer`] finds a name by scanning instead of hashing.
const SCAN_NAMES: usize = 16;

impl Writer {
    fn uint(&mut self, v: u64) {
        varint(&mut self.body, v);
    }

    fn int(&mut self, v: i64) {
        self.uint(zigzag(v));
    }

    fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.body.extend_from_slice(b);
    }

    /// The index of `s` in the string table, added if new.
    fn intern(&mut self, s: &str) -> usize {
        if self.strings.get_index(self.hint).is_some_and(|n| n == s) {
            self.hint += 1;
            return self.hint - 1;
        }
        // A changeset names few classes and properties: comparing against a short table is
        // cheaper than hashing every name.
        let known = if self.strings.len() <= SCAN_NAMES {
            self.strings.iter().position(|n| n == s)
        } else {
            self.strings.get_index_of(s)
        };
        let index = match known {
            Some(i) => i,
            None => self.strings.insert_full(s.to_owned()).0,
        };
        self.hint = index + 1;
        index
    }

    fn name(&mut self, s: &str) {
        let index = self.intern(s);
        self.uint(index as u64);
    }

    /// Starts an instruction on the object `class`/`pk`.
    fn object(&mut self, class: &str, pk: &PrimaryKey) {
        // Runs of instructions on one object (a create and its fields) are the common case.
        let class_index = match self.last_class {
            Some(i) if self.strings.get_index(i).is_some_and(|n| n == class) => {
                self.hint = i + 1;
                i
            }
            _ => self.intern(class),
        };
        self.object_at(class_index, pk);
    }

    /// [`Writer::object`] for the class at string index `class_index`.
    fn object_at(&mut self, class_index: usize, pk: &PrimaryKey) {
        self.count += 1;
        self.scratch.clear();
        put_pk(&mut self.scratch, pk);
        if self.last_class == Some(class_index) && self.scratch == self.last_pk {
            self.body.push(0);
            return;
        }
        self.uint(class_index as u64 + 1);
        self.body.extend_from_slice(&self.scratch);
        self.last_class = Some(class_index);
        std::mem::swap(&mut self.scratch, &mut self.last_pk);
    }

    fn pk(&mut self, pk: &PrimaryKey) {
        put_pk(&mut self.body, pk);
    }

    fn element(&mut self, id: &ElementId) {
        self.uint(id.clock.to_packed() as u64);
        self.uint(id.replica.get());
        self.uint(u64::from(id.seq));
    }

    fn value(&mut self, v: &Value) {
        self.body.push(value_tag(v));
        self.payload(v);
    }

    /// What follows `v`'s tag.
    fn payload(&mut self, v: &Value) {
        match v {
            Value::Null | Value::Bool(_) => {}
            Value::Int(i) => self.int(*i),
            Value::Float(f) => self.body.extend_from_slice(&f.to_le_bytes()),
            Value::Double(d) => self.body.extend_from_slice(&d.to_le_bytes()),
            Value::String(s) => self.bytes(s.as_bytes()),
            Value::Binary(b) => self.bytes(b),
            Value::Date(ts) => {
                self.int(ts.seconds);
                self.int(i64::from(ts.nanos));
            }
            Value::ObjectId(o) => self.body.extend_from_slice(&o.bytes()),
            Value::Uuid(u) => self.body.extend_from_slice(u.as_bytes()),
            Value::Decimal(d) => self.body.extend_from_slice(&d.0.bytes()),
            Value::Link(l) => {
                self.name(&l.class);
                self.pk(&l.pk);
            }
            Value::List(items) | Value::Set(items) => {
                self.uint(items.len() as u64);
                for item in items {
                    self.value(item);
                }
            }
            Value::Dictionary(map) => {
                self.uint(map.len() as u64);
                for (k, item) in map {
                    self.bytes(k.as_bytes());
                    self.value(item);
                }
            }
            Value::Embedded(doc) => {
                self.uint(doc.len() as u64);
                for (k, item) in doc {
                    self.name(k);
                    self.value(item);
                }
            }
        }
    }

    /// Records one instruction.
    pub fn push(&mut self, ins: &Instruction) {
        self.push_parts(&ins.object.class, &ins.object.pk, &ins.path, &ins.op);
    }

    /// Records the instruction `op` at `path` in the object `class`/`pk`.
    pub fn push_parts(
        &mut self,
        class: &str,
        pk: &PrimaryKey,
        path: &[PathSegment],
        op: &Operation,
    ) {
        self.object(class, pk);
        self.uint(path.len() as u64);
        for seg in path {
            self.segment(seg);
        }
        self.operation(op);
    }

    /// The index of `name` in this entry's string table (added if new): what
    /// [`Writer::push_create_at`] takes for class and property names, so that a caller
    /// creating many objects of one class looks its names up once.
    pub fn name_index(&mut self, name: &str) -> usize {
        self.intern(name)
    }

    /// Records the creation of the object of class `class` and primary key `pk` with the first
    /// values of its fields, class and field names given by their [`Writer::name_index`]: what
    /// `push_parts` records for `Operation::CreateObject` followed by an `Operation::Set` at
    /// each one-property path, in one record.
    pub fn push_create_at<'v>(
        &mut self,
        class: usize,
        pk: &PrimaryKey,
        fields: impl ExactSizeIterator<Item = (usize, &'v Value)>,
    ) {
        self.object_at(class, pk);
        self.count += fields.len() as u64;
        self.uint(0);
        self.body.push(CREATE_WITH_FIELDS);
        self.uint(fields.len() as u64);
        for (name, value) in fields {
            self.uint(name as u64);
            self.value(value);
        }
    }

    /// Adds a create shape to the entry: the fields' name indexes ([`Writer::name_index`]) and
    /// kinds ([`shape_kind`]), in the order their values will follow. Returns its index for
    /// [`Writer::push_create_shaped`].
    pub fn add_shape(&mut self, fields: Vec<(usize, u8)>) -> usize {
        self.shapes.push(fields);
        self.shapes.len() - 1
    }

    /// Records the creation of the object of class `class` (a [`Writer::name_index`]) and
    /// primary key `pk` with one value per field of shape `shape`, in its order. Each value
    /// must have its field's kind ([`shape_kind`]).
    pub fn push_create_shaped<'v>(
        &mut self,
        class: usize,
        pk: &PrimaryKey,
        shape: usize,
        values: impl ExactSizeIterator<Item = &'v Value>,
    ) {
        self.object_at(class, pk);
        self.count += values.len() as u64;
        self.uint(0);
        self.body.push(CREATE_WITH_SHAPE);
        self.uint(shape as u64);
        for value in values {
            match value {
                Value::Bool(b) => self.body.push(u8::from(*b)),
                other => self.payload(other),
            }
        }
    }

    /// How many instructions were recorded.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The outbox entry of the recorded instructions as the changeset `replica`/`clock`.
    pub fn finish(&self, replica: ReplicaId, clock: Hlc) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.body.len() + 64);
        out.push(VERSION);
        varint(&mut out, replica.get());
        varint(&mut out, clock.to_packed() as u64);
        varint(&mut out, self.strings.len() as u64);
        for s in &self.strings {
            varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        varint(&mut out, self.shapes.len() as u64);
        for shape in &self.shapes {
            varint(&mut out, shape.len() as u64);
            for (name, kind) in shape {
                varint(&mut out, *name as u64);
                out.push(*kind);
            }
        }
        varint(&mut out, self.count);
        out.extend_from_slice(&self.body);
        out
    }

    fn segment(&mut self, seg: &PathSegment) {
        match seg {
            PathSegment::Property(p) => {
                self.body.push(0);
                self.name(p);
            }
            PathSegment::Key(k) => {
                self.body.push(1);
                self.bytes(k.as_bytes());
            }
            PathSegment::Element(id) => {
                self.body.push(2);
                self.element(id);
            }
        }
    }

    fn operation(&mut self, op: &Operation) {
        match op {
            Operation::CreateObject => self.body.push(0),
            Operation::EraseObject => self.body.push(1),
            Operation::Set { value } => {
                self.body.push(2);
                self.value(value);
            }
            Operation::AddInteger { delta } => {
                self.body.push(3);
                self.int(*delta);
            }
            Operation::ListInsert {
                element,
                position,
                value,
            } => {
                self.body.push(4);
                self.element(element);
                self.bytes(position);
                self.value(value);
            }
            Operation::ListSet { element, value } => {
                self.body.push(5);
                self.element(element);
                self.value(value);
            }
            Operation::ListErase { element } => {
                self.body.push(6);
                self.element(element);
            }
            Operation::ListMove { element, position } => {
                self.body.push(7);
                self.element(element);
                self.bytes(position);
            }
            Operation::SetAdd { value } => {
                self.body.push(8);
                self.value(value);
            }
            Operation::SetRemove { value } => {
                self.body.push(9);
                self.value(value);
            }
            Operation::DictionarySet { key, value } => {
                self.body.push(10);
                self.bytes(key.as_bytes());
                self.value(value);
            }
            Operation::DictionaryErase { key } => {
                self.body.push(11);
                self.bytes(key.as_bytes());
            }
            Operation::Clear => self.body.push(12),
        }
    }
}

/// Encodes a changeset for the outbox.
pub fn encode(cs: &Changeset) -> Vec<u8> {
    let mut w = Writer::default();
    for ins in &cs.instructions {
        w.push(ins);
    }
    w.finish(cs.replica, cs.clock)
}

struct Reader<'b> {
    buf: &'b [u8],
    at: usize,
    strings: Vec<String>,
    version: u8,
    /// The create shapes (version 3): each field's name and kind.
    shapes: Vec<Vec<(String, u8)>>,
    /// The object of the previous instruction (version 2 refers back to it).
    last: Option<Link>,
}

fn bad(what: &str) -> StorageError {
    StorageError::corrupt(format!("an outbox entry is malformed: {what}"))
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.at).ok_or_else(|| bad("it ends early"))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| bad("it ends early"))?;
        let out = &self.buf[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn uint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("a varint is too long"))
    }

    fn int(&mut self) -> Result<i64> {
        Ok(unzigzag(self.uint()?))
    }

    fn len(&mut self) -> Result<usize> {
        let n = usize::try_from(self.uint()?).map_err(|_| bad("a length is too large"))?;
        if n > self.buf.len() {
            return Err(bad("a length is larger than the entry"));
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| bad("a string is not UTF-8"))
    }

    fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }

    fn name(&mut self) -> Result<String> {
        let i = self.len()?;
        self.name_at(i)
    }

    fn name_at(&self, i: usize) -> Result<String> {
        self.strings
            .get(i)
            .cloned()
            .ok_or_else(|| bad("a name index is out of range"))
    }

    fn object(&mut self) -> Result<Link> {
        if self.version == 1 {
            return Ok(Link {
                class: self.name()?,
                pk: self.pk()?,
            });
        }
        let object = match self.len()? {
            0 => self
                .last
                .clone()
                .ok_or_else(|| bad("the first instruction refers to a previous object"))?,
            head => Link {
                class: self.name_at(head - 1)?,
                pk: self.pk()?,
            },
        };
        self.last = Some(object.clone());
        Ok(object)
    }

    fn pk(&mut self) -> Result<PrimaryKey> {
        Ok(match self.byte()? {
            0 => PrimaryKey::Null,
            1 => PrimaryKey::Int(self.int()?),
            2 => PrimaryKey::String(self.string()?),
            3 => PrimaryKey::ObjectId(ObjectId::from_bytes(self.array()?)),
            4 => PrimaryKey::Uuid(Uuid::from_bytes(self.array()?)),
            _ => return Err(bad("an unknown primary key tag")),
        })
    }

    fn element(&mut self) -> Result<ElementId> {
        let clock = i64::try_from(self.uint()?).map_err(|_| bad("a clock is out of range"))?;
        Ok(ElementId {
            clock: Hlc::from_packed(clock).map_err(|e| bad(&e.to_string()))?,
            replica: ReplicaId::new(self.uint()?).map_err(|e| bad(&e.to_string()))?,
            seq: u32::try_from(self.uint()?)
                .map_err(|_| bad("a sequence number is out of range"))?,
        })
    }

    fn value(&mut self) -> Result<Value> {
        let tag = self.byte()?;
        self.payload(tag)
    }

    /// The value a create shape's field of kind `kind` holds.
    fn shaped(&mut self, kind: u8) -> Result<Value> {
        if kind != BOOL_KIND {
            return self.payload(kind);
        }
        match self.byte()? {
            0 => Ok(Value::Bool(false)),
            1 => Ok(Value::Bool(true)),
            _ => Err(bad("a shaped boolean is neither 0 nor 1")),
        }
    }

    /// The value that the tag `tag` starts.
    fn payload(&mut self, tag: u8) -> Result<Value> {
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(false),
            2 => Value::Bool(true),
            3 => Value::Int(self.int()?),
            4 => Value::Float(f32::from_le_bytes(self.array()?)),
            5 => Value::Double(f64::from_le_bytes(self.array()?)),
            6 => Value::String(self.string()?),
            7 => Value::Binary(self.bytes()?),
            8 => {
                let seconds = self.int()?;
                let nanos =
                    i32::try_from(self.int()?).map_err(|_| bad("nanoseconds out of range"))?;
                Value::Date(Timestamp::new(seconds, nanos))
            }
            9 => Value::ObjectId(ObjectId::from_bytes(self.array()?)),
            10 => Value::Uuid(Uuid::from_bytes(self.array()?)),
            11 => Value::Decimal(Decimal128(bson::Decimal128::from_bytes(self.array()?))),
            12 => Value::Link(Link {
                class: self.name()?,
                pk: self.pk()?,
            }),
            tag @ (13 | 14) => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value()?);
                }
                if tag == 13 {
                    Value::List(items)
                } else {
                    Value::Set(items)
                }
            }
            15 => {
                let n = self.len()?;
                let mut map = std::collections::BTreeMap::new();
                for _ in 0..n {
                    let k = self.string()?;
                    map.insert(k, self.value()?);
                }
                Value::Dictionary(map)
            }
            16 => {
                let n = self.len()?;
                let mut doc = Document::with_capacity(n);
                for _ in 0..n {
                    let k = self.name()?;
                    doc.insert(k, self.value()?);
                }
                Value::Embedded(doc)
            }
            _ => return Err(bad("an unknown value tag")),
        })
    }

    /// Reads one record: an instruction, or (tags 13 and 14) a create and its field sets.
    fn record(&mut self, out: &mut Vec<Instruction>) -> Result<()> {
        let Link { class, pk } = self.object()?;
        let n = self.len()?;
        let mut path = Vec::with_capacity(n);
        for _ in 0..n {
            path.push(match self.byte()? {
                0 => PathSegment::Property(self.name()?),
                1 => PathSegment::Key(self.string()?),
                2 => PathSegment::Element(self.element()?),
                _ => return Err(bad("an unknown path segment tag")),
            });
        }
        let tag = self.byte()?;
        let shaped = tag == CREATE_WITH_SHAPE && self.version >= 3;
        if shaped || (tag == CREATE_WITH_FIELDS && self.version >= 2) {
            if !path.is_empty() {
                return Err(bad("a create has a path"));
            }
            // Tag 14 names a shape for its fields; tag 13 counts them and names each.
            let shape = if shaped { Some(self.len()?) } else { None };
            let n = match shape {
                Some(shape) => self
                    .shapes
                    .get(shape)
                    .ok_or_else(|| bad("a shape index is out of range"))?
                    .len(),
                None => self.len()?,
            };
            out.push(Instruction::create(class.clone(), pk.clone()));
            for i in 0..n {
                let (name, value) = match shape {
                    Some(shape) => {
                        let (name, kind) = self.shapes[shape][i].clone();
                        (name, self.shaped(kind)?)
                    }
                    None => (self.name()?, self.value()?),
                };
                out.push(Instruction::at(
                    class.clone(),
                    pk.clone(),
                    vec![PathSegment::Property(name)],
                    Operation::Set { value },
                ));
            }
            return Ok(());
        }
        let op = match tag {
            0 => Operation::CreateObject,
            1 => Operation::EraseObject,
            2 => Operation::Set {
                value: self.value()?,
            },
            3 => Operation::AddInteger { delta: self.int()? },
            4 => Operation::ListInsert {
                element: self.element()?,
                position: self.bytes()?,
                value: self.value()?,
            },
            5 => Operation::ListSet {
                element: self.element()?,
                value: self.value()?,
            },
            6 => Operation::ListErase {
                element: self.element()?,
            },
            7 => Operation::ListMove {
                element: self.element()?,
                position: self.bytes()?,
            },
            8 => Operation::SetAdd {
                value: self.value()?,
            },
            9 => Operation::SetRemove {
                value: self.value()?,
            },
            10 => Operation::DictionarySet {
                key: self.string()?,
                value: self.value()?,
            },
            11 => Operation::DictionaryErase {
                key: self.string()?,
            },
            12 => Operation::Clear,
            _ => return Err(bad("an unknown operation tag")),
        };
        out.push(Instruction::at(class, pk, path, op));
        Ok(())
    }
}

/// Decodes an outbox entry written by [`encode`].
pub fn decode(bytes: &[u8]) -> Result<Changeset> {
    let mut r = Reader {
        buf: bytes,
        at: 0,
        strings: Vec::new(),
        version: 0,
        shapes: Vec::new(),
        last: None,
    };
    r.version = r.byte()?;
    if !(1..=VERSION).contains(&r.version) {
        return Err(bad("an unknown version"));
    }
    let replica = ReplicaId::new(r.uint()?).map_err(|e| bad(&e.to_string()))?;
    let clock = i64::try_from(r.uint()?).map_err(|_| bad("a clock is out of range"))?;
    let clock = Hlc::from_packed(clock).map_err(|e| bad(&e.to_string()))?;
    let n = r.len()?;
    for _ in 0..n {
        let s = r.string()?;
        r.strings.push(s);
    }
    if r.version >= 3 {
        let n = r.len()?;
        for _ in 0..n {
            let fields = r.len()?;
            let mut shape = Vec::with_capacity(fields);
            for _ in 0..fields {
                let name = r.name()?;
                let kind = r.byte()?;
                if kind > 12 {
                    return Err(bad("a shape field has a kind that is not a scalar"));
                }
                shape.push((name, kind));
            }
            r.shapes.push(shape);
        }
    }
    let count = r.len()?;
    let mut cs = Changeset::new(replica, clock);
    cs.instructions.reserve(count);
    while cs.instructions.len() < count {
        r.record(&mut cs.instructions)?;
    }
    if cs.instructions.len() != count {
        return Err(bad("the instruction count does not match"));
    }
    if r.at != bytes.len() {
        return Err(bad("trailing bytes"));
    }
    Ok(cs)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use super::*;

    /// Records a create with named fields, as the recorder does for a create that matches no
    /// shape.
    fn push_create(w: &mut Writer, class: &str, pk: &PrimaryKey, fields: &[(&str, &Value)]) {
        let class = w.name_index(class);
        let fields: Vec<_> = fields
            .iter()
            .map(|(name, value)| (w.name_index(name), *value))
            .collect();
        w.push_create_at(class, pk, fields.into_iter());
    }

    #[test]
    fn every_operation_and_value_round_trips() {
        let replica = ReplicaId::new(77).unwrap();
        let clock = Hlc::new(123_456, 3).unwrap();
        let element = ElementId {
            clock,
            replica,
            seq: 9,
        };
        let mut embedded = Document::new();
        embedded.insert("street", Value::String("Main".into()));
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-5),
            Value::Float(1.5),
            Value::Double(-2.25),
            Value::String("é".into()),
            Value::Binary(vec![0, 255]),
            Value::Date(Timestamp::new(-3, -7)),
            Value::ObjectId(ObjectId::from_bytes([7; 12])),
            Value::Uuid(Uuid::from_bytes([3; 16])),
            Value::Decimal("1.25".parse().unwrap()),
            Value::Link(Link {
                class: "Dog".into(),
                pk: PrimaryKey::String("rex".into()),
            }),
            Value::List(vec![Value::Int(1), Value::Null]),
            Value::Set(vec![Value::Int(2)]),
            Value::Dictionary(BTreeMap::from([("k".to_string(), Value::Int(3))])),
            Value::Embedded(embedded),
        ];
        let path = vec![
            PathSegment::Property("items".into()),
            PathSegment::Element(element),
            PathSegment::Property("tags".into()),
        ];
        let mut cs = Changeset::new(replica, clock);
        cs.instructions.push(Instruction::create(
            "Dog",
            PrimaryKey::ObjectId(ObjectId::from_bytes([1; 12])),
        ));
        cs.instructions
            .push(Instruction::erase("Dog", PrimaryKey::Null));
        for v in &values {
            cs.instructions.push(Instruction::at(
                "Dog",
                PrimaryKey::Int(-1),
                path.clone(),
                Operation::Set { value: v.clone() },
            ));
        }
        for op in [
            Operation::AddInteger { delta: -9 },
            Operation::ListInsert {
                element,
                position: vec![0x80, 1],
                value: Value::Int(1),
            },
            Operation::ListSet {
                element,
                value: Value::Int(2),
            },
            Operation::ListErase { element },
            Operation::ListMove {
                element,
                position: vec![0x81, 0, 0],
            },
            Operation::SetAdd {
                value: Value::Int(3),
            },
            Operation::SetRemove {
                value: Value::Int(3),
            },
            Operation::DictionarySet {
                key: "k".into(),
                value: Value::Int(4),
            },
            Operation::DictionaryErase { key: "k".into() },
            Operation::Clear,
        ] {
            cs.instructions.push(Instruction::at(
                "Cat",
                PrimaryKey::Uuid(Uuid::nil()),
                vec![
                    PathSegment::Key("x".into()),
                    PathSegment::Property("y".into()),
                ],
                op,
            ));
        }
        let bytes = encode(&cs);
        assert_eq!(decode(&bytes).unwrap(), cs);
        // Every truncation is an error, not a panic.
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err());
        }
        assert!(decode(&[9]).is_err());
    }

    #[test]
    fn creates_and_runs_on_one_object_are_compact_and_read_back_as_instructions() {
        let replica = ReplicaId::new(5).unwrap();
        let clock = Hlc::new(99, 1).unwrap();
        let name = Value::String("Rex".into());
        let age = Value::Int(3);
        let mut w = Writer::default();
        push_create(
            &mut w,
            "Dog",
            &PrimaryKey::Int(1),
            &[("name", &name), ("age", &age)],
        );
        push_create(&mut w, "Dog", &PrimaryKey::Int(2), &[]);
        let set = |pk: i64, field: &str, value: Value| {
            Instruction::at(
                "Dog",
                PrimaryKey::Int(pk),
                vec![PathSegment::Property(field.into())],
                Operation::Set { value },
            )
        };
        let later = [
            set(2, "age", Value::Int(4)),
            set(2, "name", Value::Null),
            Instruction::erase("Cat", PrimaryKey::Int(2)),
            set(1, "age", Value::Int(5)),
        ];
        for ins in &later {
            w.push(ins);
        }
        assert_eq!(w.len(), 8);
        let bytes = w.finish(replica, clock);
        let mut expected = Changeset::new(replica, clock);
        expected.instructions = vec![
            Instruction::create("Dog", PrimaryKey::Int(1)),
            set(1, "name", name.clone()),
            set(1, "age", age.clone()),
            Instruction::create("Dog", PrimaryKey::Int(2)),
        ];
        expected.instructions.extend(later);
        // The same instructions one by one take more room (each names its object).
        assert_compact(&bytes, &encode(&expected), &expected);
    }

    /// `compact` and `longer` both decode to `expected`, `compact` is the shorter, and every
    /// truncation of it is an error, not a panic.
    fn assert_compact(compact: &[u8], longer: &[u8], expected: &Changeset) {
        assert_eq!(&decode(compact).unwrap(), expected);
        assert_eq!(&decode(longer).unwrap(), expected);
        assert!(
            compact.len() < longer.len(),
            "{} {}",
            compact.len(),
            longer.len()
        );
        for cut in 0..compact.len() {
            assert!(decode(&compact[..cut]).is_err());
        }
    }

    /// The changeset of replica 7 at `clock` that creates Dog(5) with n = 9, then runs `then`.
    fn dog_5_with_n_9(clock: Hlc, then: Vec<Instruction>) -> Changeset {
        let mut expected = Changeset::new(ReplicaId::new(7).unwrap(), clock);
        expected.instructions = vec![
            Instruction::create("Dog", PrimaryKey::Int(5)),
            Instruction::at(
                "Dog",
                PrimaryKey::Int(5),
                vec![PathSegment::Property("n".into())],
                Operation::Set {
                    value: Value::Int(9),
                },
            ),
        ];
        expected.instructions.extend(then);
        expected
    }

    #[test]
    fn version_1_entries_still_read() {
        // Version 1: every instruction names its class and primary key.
        let clock = Hlc::new(1_000, 2).unwrap();
        let mut bytes = vec![1, 7];
        varint(&mut bytes, clock.to_packed() as u64);
        bytes.extend_from_slice(&[2, 3, b'D', b'o', b'g', 1, b'n']);
        // Two instructions: create Dog(5), set Dog(5).n = 9.
        bytes.extend_from_slice(&[2, 0, 1, 10, 0, 0, 0, 1, 10, 1, 0, 1, 2, 3, 18]);
        assert_eq!(decode(&bytes).unwrap(), dog_5_with_n_9(clock, vec![]));
        // A "same object as before" head is not version 1: there it is class index 0.
        let mut v2 = bytes.clone();
        v2[0] = 2;
        assert!(decode(&v2).is_err());
    }

    #[test]
    fn shaped_creates_read_back_as_instructions_and_take_less_room() {
        let replica = ReplicaId::new(5).unwrap();
        let clock = Hlc::new(2_000, 1).unwrap();
        let rows = [
            [
                Value::from("Rex"),
                Value::Int(3),
                Value::Bool(true),
                Value::Null,
            ],
            [
                Value::from("Ada"),
                Value::Int(-70),
                Value::Bool(false),
                Value::Null,
            ],
        ];
        let mut shaped = Writer::default();
        let mut named = Writer::default();
        for (w, use_shape) in [(&mut shaped, true), (&mut named, false)] {
            let class = w.name_index("Dog");
            let names = ["name", "age", "good", "note"].map(|n| w.name_index(n));
            let kinds: Vec<_> = names
                .iter()
                .zip(&rows[0])
                .map(|(n, v)| (*n, shape_kind(v).unwrap()))
                .collect();
            let shape = w.add_shape(kinds);
            for (i, row) in rows.iter().enumerate() {
                let pk = PrimaryKey::Int(i as i64);
                if use_shape {
                    w.push_create_shaped(class, &pk, shape, row.iter());
                } else {
                    w.push_create_at(class, &pk, names.iter().copied().zip(row.iter()));
                }
            }
        }
        let mut expected = Changeset::new(replica, clock);
        for (i, row) in rows.iter().enumerate() {
            let pk = PrimaryKey::Int(i as i64);
            expected
                .instructions
                .push(Instruction::create("Dog", pk.clone()));
            for (name, value) in ["name", "age", "good", "note"].iter().zip(row) {
                expected.instructions.push(Instruction::at(
                    "Dog",
                    pk.clone(),
                    vec![PathSegment::Property((*name).into())],
                    Operation::Set {
                        value: value.clone(),
                    },
                ));
            }
        }
        let shaped = shaped.finish(replica, clock);
        assert_compact(&shaped, &named.finish(replica, clock), &expected);
        // The last create's boolean is its last byte (its null note has none): anything but 0 or 1
        // is an error.
        let mut bad_bool = shaped.clone();
        let at = bad_bool.len() - 1;
        assert_eq!(bad_bool[at], 0);
        bad_bool[at] = 2;
        assert!(decode(&bad_bool).is_err());
    }

    #[test]
    fn a_shape_out_of_range_or_of_a_collection_kind_is_an_error() {
        let replica = ReplicaId::new(5).unwrap();
        let clock = Hlc::new(2_000, 1).unwrap();
        let mut w = Writer::default();
        let class = w.name_index("Dog");
        let age = w.name_index("age");
        let shape = w.add_shape(vec![(age, 3)]);
        w.push_create_shaped(
            class,
            &PrimaryKey::Int(1),
            shape + 1,
            [Value::Int(1)].iter(),
        );
        assert!(decode(&w.finish(replica, clock)).is_err());
        let mut w = Writer::default();
        let class = w.name_index("Dog");
        let age = w.name_index("age");
        let shape = w.add_shape(vec![(age, 13)]);
        w.push_create_shaped(class, &PrimaryKey::Int(1), shape, [Value::Int(1)].iter());
        assert!(decode(&w.finish(replica, clock)).is_err());
    }

    #[test]
    fn version_2_entries_still_read() {
        // Version 2: no shape table; a create with its fields names each field.
        let clock = Hlc::new(1_000, 2).unwrap();
        let mut bytes = vec![2, 7];
        varint(&mut bytes, clock.to_packed() as u64);
        bytes.extend_from_slice(&[2, 3, b'D', b'o', b'g', 1, b'n']);
        // Create Dog(5) with n = 9, then erase the same object.
        bytes.extend_from_slice(&[3, 1, 1, 10, 0, 13, 1, 1, 3, 18, 0, 0, 1]);
        let erase = Instruction::erase("Dog", PrimaryKey::Int(5));
        assert_eq!(decode(&bytes).unwrap(), dog_5_with_n_9(clock, vec![erase]));
    }

    proptest::proptest! {
        /// Any bytes, or a valid entry with bytes flipped, decode to an error or a changeset,
        /// never a panic or a runaway allocation.
        #[test]
        fn damaged_entries_are_errors_not_panics(
            noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            flips in proptest::collection::vec((0usize..64, proptest::prelude::any::<u8>()), 0..4),
        ) {
            let _ = decode(&noise);
            let mut w = Writer::default();
            let name = Value::String("Rex".into());
            push_create(&mut w, "Dog", &PrimaryKey::Int(1), &[("name", &name)]);
            let (class, field) = (w.name_index("Dog"), w.name_index("name"));
            let shape = w.add_shape(vec![(field, 6)]);
            w.push_create_shaped(class, &PrimaryKey::Int(2), shape, [name.clone()].iter());
            w.push(&Instruction::erase("Dog", PrimaryKey::Int(1)));
            let mut bytes = w.finish(ReplicaId::new(3).unwrap(), Hlc::new(5, 0).unwrap());
            let n = bytes.len();
            for (at, b) in flips {
                bytes[at % n] ^= b;
            }
            let _ = decode(&bytes);
        }
    }
}
