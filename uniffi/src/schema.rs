//! The schema across the boundary: typed records mirroring the core's `Schema`, and the JSON
//! form (`[{"name": "Task", "properties": {...}, "primaryKey": "_id"}]`) both ways.

use syncline_core::schema as core;

use crate::error::Result;
use crate::value::Value;

/// Declares an exported enum with the variants of a core enum, and `From` both ways (an
/// exhaustive match each way, so a variant added to either side fails to compile here).
macro_rules! exported_enum {
    (
        $(#[$meta:meta])*
        pub enum $ffi:ident mirrors $core:ty {
            $($(#[$variant_meta:meta])* $variant:ident,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
        pub enum $ffi {
            $($(#[$variant_meta])* $variant,)+
        }

        impl From<$core> for $ffi {
            fn from(value: $core) -> Self {
                type Core = $core;
                match value {
                    $(Core::$variant => $ffi::$variant,)+
                }
            }
        }

        impl From<$ffi> for $core {
            fn from(value: $ffi) -> Self {
                type Core = $core;
                match value {
                    $($ffi::$variant => Core::$variant,)+
                }
            }
        }
    };
}

exported_enum! {
    /// The type of a property's value (or of each element of a collection).
    pub enum PropertyType mirrors core::PropertyType {
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
}

exported_enum! {
    /// How a property holds its values.
    pub enum CollectionKind mirrors core::Collection {
        /// One value.
        Single,
        /// An ordered list.
        List,
        /// A set of unique values.
        Set,
        /// A map from string keys to values.
        Dictionary,
    }
}

exported_enum! {
    /// Which index a property has.
    pub enum IndexKind mirrors core::IndexKind {
        /// No index.
        None,
        /// An equality and range index.
        Regular,
        /// A full-text index (strings).
        FullText,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_type_converts_to_the_variant_of_the_same_name_and_back() {
        for ty in core::PropertyType::ALL {
            let exported = PropertyType::from(ty);
            assert_eq!(format!("{exported:?}"), format!("{ty:?}"));
            assert_eq!(core::PropertyType::from(exported), ty);
        }
    }
}
