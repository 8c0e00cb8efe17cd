//! The schema across the boundary: typed records mirroring the core's `Schema`, and the JSON
//! form (`[{"name": "Task", "properties": {...}, "primaryKey": "_id"}]`) both ways.

use syncline_core::schema as core;

use crate::error::Result;
use crate::value::Value;

/// The type of a property's value (or of each element of a collection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
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
    /// `data` (bytes).
    Binary,
    /// `date`.
    Date,
    /// `objectId`.
    ObjectId,
    /// `uuid`.
    Uuid,
    /// `decimal128`.
    Decimal128,
    /// `mixed`: any of the above, or a link.
    Mixed,
    /// A link to `object_type`, or an embedded object when that class is embedded.
    Object,
    /// Computed backlinks from `object_type` through `origin_property`.
    LinkingObjects,
}

/// How a property holds its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CollectionKind {
    /// One value.
    Single,
    /// An ordered list.
    List,
    /// A set of unique values.
    Set,
    /// A map from string keys to values.
    Dictionary,
}

/// Which index a property has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum IndexKind {
    /// No index.
    None,
    /// An equality and range index.
    Regular,
    /// A full-text index (strings).
    FullText,
}

/// One property of a class.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PropertySchema {
    /// The property's name.
    pub name: String,
    /// The type of the value or of each element.
    pub property_type: PropertyType,
    /// Single value, list, set or dictionary.
    pub collection: CollectionKind,
    /// Whether the value (or each element) may be null.
    #[uniffi(default = false)]
    pub optional: bool,
    /// The property's index.
    pub index: IndexKind,
    /// The target class of an `Object` or `LinkingObjects` property.
    #[uniffi(default = None)]
    pub object_type: Option<String>,
    /// For `LinkingObjects`: the property of `object_type` that links here.
    #[uniffi(default = None)]
    pub origin_property: Option<String>,
    /// The value a new object gets when the property is not given.
    #[uniffi(default = None)]
    pub default_value: Option<Value>,
    /// Whether an `int` property is a counter (concurrent increments add up).
    #[uniffi(default = false)]
    pub counter: bool,
}

/// One class of objects.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ClassSchema {
    /// The class name.
    pub name: String,
    /// The properties, in declaration order.
    pub properties: Vec<PropertySchema>,
    /// The primary key property's name, if the class has one.
    #[uniffi(default = None)]
    pub primary_key: Option<String>,
    /// Whether objects of this class live only inside a parent object.
    #[uniffi(default = false)]
    pub embedded: bool,
    /// Whether the class is insert-only (asymmetric sync).
    #[uniffi(default = false)]
    pub asymmetric: bool,
}

impl From<core::PropertyType> for PropertyType {
    fn from(ty: core::PropertyType) -> Self {
        use core::PropertyType as T;
        match ty {
            T::Bool => PropertyType::Bool,
            T::Int => PropertyType::Int,
            T::Float => PropertyType::Float,
            T::Double => PropertyType::Double,
            T::String => PropertyType::String,
            T::Binary => PropertyType::Binary,
            T::Date => PropertyType::Date,
            T::ObjectId => PropertyType::ObjectId,
            T::Uuid => PropertyType::Uuid,
            T::Decimal128 => PropertyType::Decimal128,
            T::Mixed => PropertyType::Mixed,
            T::Object => PropertyType::Object,
            T::LinkingObjects => PropertyType::LinkingObjects,
        }
    }
}

impl From<PropertyType> for core::PropertyType {
    fn from(ty: PropertyType) -> Self {
        use core::PropertyType as T;
        match ty {
            PropertyType::Bool => T::Bool,
            PropertyType::Int => T::Int,
            PropertyType::Float => T::Float,
            PropertyType::Double => T::Double,
            PropertyType::String => T::String,
            PropertyType::Binary => T::Binary,
            PropertyType::Date => T::Date,
            PropertyType::ObjectId => T::ObjectId,
            PropertyType::Uuid => T::Uuid,
            PropertyType::Decimal128 => T::Decimal128,
            PropertyType::Mixed => T::Mixed,
            PropertyType::Object => T::Object,
            PropertyType::LinkingObjects => T::LinkingObjects,
        }
    }
}

impl From<core::Collection> for CollectionKind {
    fn from(c: core::Collection) -> Self {
        match c {
            core::Collection::Single => CollectionKind::Single,
            core::Collection::List => CollectionKind::List,
            core::Collection::Set => CollectionKind::Set,
            core::Collection::Dictionary => CollectionKind::Dictionary,
        }
    }
}

impl From<CollectionKind> for core::Collection {
    fn from(c: CollectionKind) -> Self {
        match c {
            CollectionKind::Single => core::Collection::Single,
            CollectionKind::List => core::Collection::List,
            CollectionKind::Set => core::Collection::Set,
            CollectionKind::Dictionary => core::Collection::Dictionary,
        }
    }
}

impl From<core::IndexKind> for IndexKind {
    fn from(i: core::IndexKind) -> Self {
        match i {
            core::IndexKind::None => IndexKind::None,
            core::IndexKind::Regular => IndexKind::Regular,
            core::IndexKind::FullText => IndexKind::FullText,
        }
    }
}

impl From<IndexKind> for core::IndexKind {
    fn from(i: IndexKind) -> Self {
        match i {
            IndexKind::None => core::IndexKind::None,
            IndexKind::Regular => core::IndexKind::Regular,
            IndexKind::FullText => core::IndexKind::FullText,
        }
    }
}

impl From<core::Property> for PropertySchema {
    fn from(p: core::Property) -> Self {
        PropertySchema {
            name: p.name,
            property_type: p.ty.into(),
            collection: p.collection.into(),
            optional: p.optional,
            index: p.index.into(),
            object_type: p.object_type,
            origin_property: p.origin_property,
            default_value: p.default.map(Value::from),
            counter: p.presentation == core::Presentation::Counter,
        }
    }
}

impl TryFrom<PropertySchema> for core::Property {
    type Error = crate::error::SynclineError;

    fn try_from(p: PropertySchema) -> Result<Self> {
        Ok(core::Property {
            name: p.name,
            ty: p.property_type.into(),
            collection: p.collection.into(),
            optional: p.optional,
            index: p.index.into(),
            object_type: p.object_type,
            origin_property: p.origin_property,
            default: p.default_value.map(TryInto::try_into).transpose()?,
            presentation: if p.counter {
                core::Presentation::Counter
            } else {
                core::Presentation::Plain
            },
        })
    }
}

impl From<core::ObjectSchema> for ClassSchema {
    fn from(c: core::ObjectSchema) -> Self {
        ClassSchema {
            name: c.name,
            properties: c.properties.into_iter().map(Into::into).collect(),
            primary_key: c.primary_key,
            embedded: c.embedded,
            asymmetric: c.asymmetric,
        }
    }
}

impl TryFrom<ClassSchema> for core::ObjectSchema {
    type Error = crate::error::SynclineError;

    fn try_from(c: ClassSchema) -> Result<Self> {
        Ok(core::ObjectSchema {
            name: c.name,
            properties: c
                .properties
                .into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_>>()?,
            primary_key: c.primary_key,
            embedded: c.embedded,
            asymmetric: c.asymmetric,
        })
    }
}

/// The core's schema from typed class records.
pub(crate) fn schema_from_classes(classes: Vec<ClassSchema>) -> Result<core::Schema> {
    Ok(core::Schema::new(
        classes
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<_>>()?,
    ))
}

/// The typed class records of the core's schema.
pub(crate) fn classes_from_schema(schema: &core::Schema) -> Vec<ClassSchema> {
    schema.classes.iter().cloned().map(Into::into).collect()
}

/// Parses a schema from its JSON form (an array of classes) into typed records, checking
/// Realm's rules. Lets an app inspect or adjust a JSON schema before opening a database.
#[uniffi::export]
pub fn parse_schema_json(json: String) -> Result<Vec<ClassSchema>> {
    let schema = core::Schema::from_json_str(&json)?;
    schema.validate(false)?;
    Ok(classes_from_schema(&schema))
}

/// The JSON form of a schema given as typed records.
#[uniffi::export]
pub fn schema_to_json(classes: Vec<ClassSchema>) -> Result<String> {
    Ok(schema_from_classes(classes)?.to_json().to_string())
}
