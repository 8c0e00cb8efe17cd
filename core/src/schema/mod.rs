//! Object schema: classes and properties as in Realm, their validation, and their JSON forms.

use crate::value::Value;

/// The scalar or reference type of a property (or of a collection's elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropertyType {
    /// `bool`.
    Bool,
    /// `int` (64-bit).
    Int,
    /// `float` (32-bit).
    Float,
    /// `double` (64-bit).
    Double,
    /// `string`.
    String,
    /// `data` / binary.
    Binary,
    /// `date` (nanosecond timestamp).
    Date,
    /// `objectId`.
    ObjectId,
    /// `uuid`.
    Uuid,
    /// `decimal128`.
    Decimal128,
    /// `mixed`: any value of the types above, or a link.
    Mixed,
    /// A reference to an object of `Property::object_type`: a link to a top-level class, or
    /// an embedded object when that class is embedded.
    Object,
    /// A computed inverse relationship (backlinks) to `object_type` via `origin_property`.
    LinkingObjects,
}

/// How a property holds its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Collection {
    /// One value.
    #[default]
    Single,
    /// An ordered list (duplicates allowed).
    List,
    /// A set of unique values.
    Set,
    /// A map from string keys to values.
    Dictionary,
}

/// Which index a property has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IndexKind {
    /// No index.
    #[default]
    None,
    /// A regular (equality and range) index.
    Regular,
    /// A full-text index on a string property.
    FullText,
}

/// One property of a class.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The property's name (at most 63 UTF-8 bytes).
    pub name: String,
    /// The type of the value, or of each element of a collection.
    pub ty: PropertyType,
    /// Single value, list, set or dictionary.
    pub collection: Collection,
    /// For a single value: whether it may be null. For a collection: whether its elements may.
    pub optional: bool,
    /// Which index the property has.
    pub index: IndexKind,
    /// The target class of an `Object` or `LinkingObjects` property.
    pub object_type: Option<String>,
    /// For `LinkingObjects`: the property of `object_type` that links here.
    pub origin_property: Option<String>,
    /// The value a new object gets when the property is not given.
    pub default: Option<Value>,
}

/// One class of objects.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSchema {
    /// The class name (at most 57 UTF-8 bytes for synced classes).
    pub name: String,
    /// The properties, in declaration order.
    pub properties: Vec<Property>,
    /// The name of the primary key property, if any.
    pub primary_key: Option<String>,
    /// Embedded classes live only inside their parent object and have no primary key.
    pub embedded: bool,
    /// Asymmetric (insert-only, upload-only) classes for asymmetric sync.
    pub asymmetric: bool,
}

/// A database's whole schema: its classes, in declaration order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The classes.
    pub classes: Vec<ObjectSchema>,
}

impl Schema {
    /// The class named `name`.
    pub fn class(&self, name: &str) -> Option<&ObjectSchema> {
        self.classes.iter().find(|c| c.name == name)
    }
}

impl ObjectSchema {
    /// The property named `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The primary key property, if the class has one.
    pub fn primary_key_property(&self) -> Option<&Property> {
        self.primary_key.as_deref().and_then(|pk| self.property(pk))
    }
}
