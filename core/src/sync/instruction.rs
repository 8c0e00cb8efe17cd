//! Changesets and their instructions.

use std::fmt;

use crate::value::{Link, PrimaryKey, Value};

use super::clock::{ElementId, Hlc, ReplicaId, Stamp};
use super::SyncError;

/// One step of a property path inside an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A property, of the object or of the embedded object reached so far.
    Property(String),
    /// A dictionary entry (whose value is an embedded object when the path goes on).
    Key(String),
    /// A list element by its stable id (whose value is an embedded object when the path goes on).
    Element(ElementId),
}

impl fmt::Display for PathSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSegment::Property(name) => f.write_str(name),
            PathSegment::Key(key) => write!(f, "[{key:?}]"),
            PathSegment::Element(id) => write!(f, "[#{id}]"),
        }
    }
}

/// A property path: where in an object an instruction acts. Empty for whole-object instructions.
pub type Path = Vec<PathSegment>;

/// Prints a path as `a.b["key"].c[#element]`.
pub fn display_path(path: &[PathSegment]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i > 0 && matches!(segment, PathSegment::Property(_)) {
            out.push('.');
        }
        out.push_str(&segment.to_string());
    }
    out
}

/// What an instruction does at its object and path.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// Creates the object (a no-op when it exists: same primary key, same object). Path empty.
    CreateObject,
    /// Erases the object and everything in it. Path empty.
    EraseObject,
    /// Sets the field at the path. A `Value::Embedded` replaces the embedded object there with a
    /// new one holding those fields; `Value::Null` on an embedded-object field removes it.
    Set {
        /// The new value (a scalar, a link, null, or an embedded object).
        value: Value,
    },
    /// Adds to the integer field at the path (wrapping on overflow, so additions commute).
    AddInteger {
        /// The amount to add (negative to subtract).
        delta: i64,
    },
    /// Inserts an element into the list at the path.
    ListInsert {
        /// The new element's id; its clock and replica are the changeset's.
        element: ElementId,
        /// The ordering key: elements are ordered by `(position, element id)`.
        position: Vec<u8>,
        /// The element's value (an embedded object for a list of embedded objects).
        value: Value,
    },
    /// Replaces the value of a list element.
    ListSet {
        /// The element.
        element: ElementId,
        /// Its new value.
        value: Value,
    },
    /// Removes a list element.
    ListErase {
        /// The element.
        element: ElementId,
    },
    /// Moves a list element by giving it a new ordering key.
    ListMove {
        /// The element.
        element: ElementId,
        /// Its new ordering key.
        position: Vec<u8>,
    },
    /// Adds a value to the set at the path.
    SetAdd {
        /// The value.
        value: Value,
    },
    /// Removes a value from the set at the path.
    SetRemove {
        /// The value.
        value: Value,
    },
    /// Sets a dictionary entry.
    DictionarySet {
        /// The key.
        key: String,
        /// The value (an embedded object for a dictionary of embedded objects).
        value: Value,
    },
    /// Removes a dictionary entry.
    DictionaryErase {
        /// The key.
        key: String,
    },
    /// Removes every element of the list, set or dictionary at the path.
    Clear,
}

impl Operation {
    /// A short name for messages and the BSON encoding (`"set"`, `"list_insert"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Operation::CreateObject => "create_object",
            Operation::EraseObject => "erase_object",
            Operation::Set { .. } => "set",
            Operation::AddInteger { .. } => "add_integer",
            Operation::ListInsert { .. } => "list_insert",
            Operation::ListSet { .. } => "list_set",
            Operation::ListErase { .. } => "list_erase",
            Operation::ListMove { .. } => "list_move",
            Operation::SetAdd { .. } => "set_add",
            Operation::SetRemove { .. } => "set_remove",
            Operation::DictionarySet { .. } => "dictionary_set",
            Operation::DictionaryErase { .. } => "dictionary_erase",
            Operation::Clear => "clear",
        }
    }
}

/// One change to one object: the object (class + primary key), a property path inside it, and
/// the operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruction {
    /// The top-level object acted on.
    pub object: Link,
    /// Where inside the object (empty for `CreateObject` / `EraseObject`).
    pub path: Path,
    /// What is done there.
    pub op: Operation,
}

impl Instruction {
    /// `CreateObject` for `class` / `pk`.
    pub fn create(class: impl Into<String>, pk: PrimaryKey) -> Self {
        Self::whole(class, pk, Operation::CreateObject)
    }

    /// `EraseObject` for `class` / `pk`.
    pub fn erase(class: impl Into<String>, pk: PrimaryKey) -> Self {
        Self::whole(class, pk, Operation::EraseObject)
    }

    /// An instruction at `path` of the object `class` / `pk`.
    pub fn at(class: impl Into<String>, pk: PrimaryKey, path: Path, op: Operation) -> Self {
        Instruction {
            object: Link {
                class: class.into(),
                pk,
            },
            path,
            op,
        }
    }

    fn whole(class: impl Into<String>, pk: PrimaryKey, op: Operation) -> Self {
        Self::at(class, pk, Vec::new(), op)
    }

    /// Checks the shape: object instructions have an empty path, others a path that starts
    /// with a property and ends with a property (or a dictionary key / list element reached
    /// through an embedded object's property).
    pub fn validate(&self) -> Result<(), SyncError> {
        let fail = |reason: &str| {
            Err(SyncError::InvalidInstruction {
                object: describe_object(&self.object),
                path: display_path(&self.path),
                op: self.op.name(),
                reason: reason.to_owned(),
            })
        };
        if self.object.class.is_empty() {
            return fail("the class name is empty");
        }
        match (&self.op, self.path.is_empty()) {
            (Operation::CreateObject | Operation::EraseObject, false) => {
                return fail("whole-object instructions take an empty path")
            }
            (Operation::CreateObject | Operation::EraseObject, true) => return Ok(()),
            (_, true) => return fail("the path is empty"),
            _ => {}
        }
        if !matches!(self.path.first(), Some(PathSegment::Property(_))) {
            return fail("a path starts with a property name");
        }
        if !matches!(self.path.last(), Some(PathSegment::Property(_))) {
            return fail("a path ends with a property name");
        }
        // A key or element must be followed by a property of the embedded object it holds.
        for pair in self.path.windows(2) {
            if !matches!(pair[0], PathSegment::Property(_))
                && !matches!(pair[1], PathSegment::Property(_))
            {
                return fail("a dictionary key or list element is followed by a property");
            }
        }
        if self.path.iter().any(|s| match s {
            PathSegment::Property(p) => p.is_empty(),
            _ => false,
        }) {
            return fail("a property name in the path is empty");
        }
        Ok(())
    }
}

pub(crate) fn describe_object(object: &Link) -> String {
    format!("{}({})", object.class, describe_pk(&object.pk))
}

pub(crate) fn describe_pk(pk: &PrimaryKey) -> String {
    match pk {
        PrimaryKey::Null => "null".to_owned(),
        PrimaryKey::Int(v) => v.to_string(),
        PrimaryKey::String(v) => format!("{v:?}"),
        PrimaryKey::ObjectId(v) => format!("oid({v})"),
        PrimaryKey::Uuid(v) => format!("uuid({v})"),
    }
}

/// The changes of one write transaction on one replica, in order, with the transaction's
/// hybrid logical clock. `(replica, clock)` identifies a changeset: each replica's clock ticks
/// once per changeset.
#[derive(Debug, Clone, PartialEq)]
pub struct Changeset {
    /// The replica that made the changes.
    pub replica: ReplicaId,
    /// The transaction's clock.
    pub clock: Hlc,
    /// The changes, applied in order.
    pub instructions: Vec<Instruction>,
}

impl Changeset {
    /// An empty changeset made by `replica` at `clock`.
    pub fn new(replica: ReplicaId, clock: Hlc) -> Self {
        Changeset {
            replica,
            clock,
            instructions: Vec::new(),
        }
    }

    /// The stamp every instruction of this changeset carries (its last-writer-wins order).
    pub fn stamp(&self) -> Stamp {
        Stamp {
            clock: self.clock,
            replica: self.replica,
        }
    }

    /// The id for the next element this changeset inserts: the changeset's stamp and the
    /// number of instructions so far (unique within the changeset).
    pub fn next_element_id(&self) -> ElementId {
        ElementId {
            clock: self.clock,
            replica: self.replica,
            seq: u32::try_from(self.instructions.len()).unwrap_or(u32::MAX),
        }
    }

    /// Checks every instruction's shape, and that inserted elements carry this changeset's
    /// stamp (so element ids are unique across replicas) and are not inserted twice.
    pub fn validate(&self) -> Result<(), SyncError> {
        let mut inserted = std::collections::HashSet::new();
        for (index, instruction) in self.instructions.iter().enumerate() {
            instruction.validate()?;
            if let Operation::ListInsert { element, .. } = &instruction.op {
                if element.stamp() != self.stamp() {
                    return Err(SyncError::InvalidChangeset {
                        reason: format!(
                            "instruction {index} inserts element {element}, whose id does not \
                             carry the changeset's stamp {}",
                            self.stamp()
                        ),
                    });
                }
                if !inserted.insert(*element) {
                    return Err(SyncError::InvalidChangeset {
                        reason: format!("instruction {index} inserts element {element} twice"),
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

    use super::*;

    fn changeset() -> Changeset {
        Changeset::new(ReplicaId::new(9).unwrap(), Hlc::new(100, 0).unwrap())
    }

    #[test]
    fn validation_names_the_object_path_and_rule() {
        let bad = Instruction::at(
            "Dog",
            PrimaryKey::Int(1),
            vec![],
            Operation::Set { value: 1.into() },
        );
        let err = bad.validate().unwrap_err().to_string();
        assert!(
            err.contains("Dog(1)") && err.contains("path is empty"),
            "{err}"
        );

        let create_with_path = Instruction::at(
            "Dog",
            PrimaryKey::Int(1),
            vec![PathSegment::Property("a".into())],
            Operation::CreateObject,
        );
        assert!(create_with_path.validate().is_err());

        let key_last = Instruction::at(
            "Dog",
            PrimaryKey::Int(1),
            vec![
                PathSegment::Property("tags".into()),
                PathSegment::Key("k".into()),
            ],
            Operation::Set { value: 1.into() },
        );
        assert!(key_last.validate().is_err());

        let nested = Instruction::at(
            "Dog",
            PrimaryKey::Int(1),
            vec![
                PathSegment::Property("vets".into()),
                PathSegment::Key("k".into()),
                PathSegment::Property("name".into()),
            ],
            Operation::Set { value: "x".into() },
        );
        nested.validate().unwrap();
    }

    #[test]
    fn inserted_elements_must_carry_the_changeset_stamp() {
        let mut cs = changeset();
        let foreign = ElementId {
            clock: Hlc::new(1, 0).unwrap(),
            replica: cs.replica,
            seq: 0,
        };
        cs.instructions.push(Instruction::at(
            "Dog",
            PrimaryKey::Int(1),
            vec![PathSegment::Property("l".into())],
            Operation::ListInsert {
                element: foreign,
                position: vec![1],
                value: 1.into(),
            },
        ));
        assert!(cs.validate().is_err());
        let mut cs = changeset();
        let own = cs.next_element_id();
        for _ in 0..2 {
            cs.instructions.push(Instruction::at(
                "Dog",
                PrimaryKey::Int(1),
                vec![PathSegment::Property("l".into())],
                Operation::ListInsert {
                    element: own,
                    position: vec![1],
                    value: 1.into(),
                },
            ));
        }
        let err = cs.validate().unwrap_err().to_string();
        assert!(err.contains("twice"), "{err}");
    }
}
