//! Object schema: classes and properties as in Realm, their validation, and their JSON forms.
//!
//! - [`Schema`], [`ObjectSchema`], [`Property`]: the schema in Rust types.
//! - [`Schema::from_json`] / [`Schema::to_json`]: the Realm JavaScript SDK form used by the
//!   product docs (`{name, properties: {_id: 'objectId'}, primaryKey: '_id'}`).
//! - [`Schema::validate`]: Realm's rules, plus Atlas Device Sync's for synced schemas.
//! - [`Schema::to_json_schema`] / [`Schema::from_json_schema`]: the App Services form (JSON
//!   Schema with `relationships`), as Development Mode writes it.
//! - [`SchemaInferrer`]: a schema from sample documents (Extended JSON or BSON).
//! - [`Schema::diff`] and [`development_mode_decision`]: schema changes, classified.
//! - [`Schema::validate_sync_rules`]: Flexible Sync's rules for queryable fields.

pub mod codegen;
mod diff;
mod infer;
mod json;
mod json_schema;
mod sync_rules;
mod validate;

pub use diff::{development_mode_decision, ChangeKind, SchemaChange};
pub use infer::{Inference, SchemaInferrer};
pub use json_schema::{
    with_relationships, JsonSchemaExport, JsonSchemaImport, JsonSchemaOptions, MappingNote,
};
pub use sync_rules::MAX_QUERYABLE_FIELDS;
pub use validate::{is_reserved_field_name, MAX_CLASS_NAME_BYTES, MAX_PROPERTY_NAME_BYTES};

use crate::value::Value;

/// Errors about a schema: its JSON form, or a rule of Realm or Device Sync it breaks.
///
/// Every message names the class, the property (when there is one) and the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SchemaError {
    /// The JSON form of a schema is malformed (not the expected shape, unknown type, …).
    #[error("schema JSON: {}: {reason}", location(class, property.as_deref()))]
    Json {
        /// The class, or `#N` (its position in the array) when it has no readable name.
        class: String,
        /// The property, when the problem is inside one.
        property: Option<String>,
        /// What was wrong.
        reason: String,
    },
    /// Two classes have the same name.
    #[error("class {class:?} is declared more than once")]
    DuplicateClass {
        /// The repeated class name.
        class: String,
    },
    /// Two properties of one class have the same name.
    #[error("class {class:?}, property {property:?}: declared more than once")]
    DuplicateProperty {
        /// The class.
        class: String,
        /// The repeated property name.
        property: String,
    },
    /// A class name is empty or longer than [`MAX_CLASS_NAME_BYTES`] UTF-8 bytes.
    #[error("class {class:?}: {reason}")]
    InvalidClassName {
        /// The class name.
        class: String,
        /// Which naming rule it breaks.
        reason: String,
    },
    /// A property name is empty, longer than [`MAX_PROPERTY_NAME_BYTES`] UTF-8 bytes, or a
    /// field name Device Sync reserves.
    #[error("class {class:?}, property {property:?}: {reason}")]
    InvalidPropertyName {
        /// The class.
        class: String,
        /// The property name.
        property: String,
        /// Which naming rule it breaks.
        reason: String,
    },
    /// A property's type, collection, nullability, index or default breaks a rule.
    #[error("class {class:?}, property {property:?}: {reason}")]
    InvalidProperty {
        /// The class.
        class: String,
        /// The property.
        property: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// An App Services JSON Schema cannot be read, or a class cannot be written as one.
    #[error("JSON Schema at {path}: {reason}")]
    JsonSchema {
        /// Where in the document: `Title.properties.name.items.bsonType`.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A sample document for schema inference cannot be read.
    #[error("sample {location}: {reason}")]
    InvalidSample {
        /// Which document (`line 3`, `document 2 (byte 120)`) and field.
        location: String,
        /// What was wrong.
        reason: String,
    },
    /// Development Mode refused a proposed schema: with it off any change, with it on any
    /// change that is not additive.
    #[error(
        "schema change refused ({}): {}",
        if *development_mode {
            "Development Mode accepts only additive changes"
        } else {
            "Development Mode is off"
        },
        changes.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    ChangesRefused {
        /// Whether Development Mode was on.
        development_mode: bool,
        /// The changes that were refused, each naming its class and property.
        changes: Vec<SchemaChange>,
    },
    /// A queryable field breaks a Flexible Sync rule.
    #[error("sync rules: {}", sync_rule_message(field, reason))]
    InvalidSyncRule {
        /// The queryable field, or empty for a rule about all of them (their number).
        field: String,
        /// Which rule it breaks.
        reason: String,
    },
    /// Model code was asked for in a language Syncline does not generate.
    #[error("unknown language {language:?} (expected swift, kotlin, c, typescript or python)")]
    UnknownLanguage {
        /// The language asked for.
        language: String,
    },
    /// A class-level rule is broken (primary key, embedded, asymmetric).
    #[error("class {class:?}: {reason}")]
    InvalidClass {
        /// The class.
        class: String,
        /// Which rule it breaks.
        reason: String,
    },
}

/// `class "A", property "b"` or `class "A"`, for error messages.
fn location(class: &str, property: Option<&str>) -> String {
    match property {
        Some(p) => format!("class {class:?}, property {p:?}"),
        None => format!("class {class:?}"),
    }
}

/// `queryable field "f": reason`, or the reason alone for a rule about all fields.
fn sync_rule_message(field: &str, reason: &str) -> String {
    if field.is_empty() {
        reason.to_owned()
    } else {
        format!("queryable field {field:?}: {reason}")
    }
}

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

impl PropertyType {
    /// Every property type, in declaration order.
    pub const ALL: [PropertyType; 13] = [
        PropertyType::Bool,
        PropertyType::Int,
        PropertyType::Float,
        PropertyType::Double,
        PropertyType::String,
        PropertyType::Binary,
        PropertyType::Date,
        PropertyType::ObjectId,
        PropertyType::Uuid,
        PropertyType::Decimal128,
        PropertyType::Mixed,
        PropertyType::Object,
        PropertyType::LinkingObjects,
    ];

    /// The type's name as Realm's JavaScript SDK spells it (`int`, `data`, `objectId`, …).
    pub fn name(self) -> &'static str {
        match self {
            PropertyType::Bool => "bool",
            PropertyType::Int => "int",
            PropertyType::Float => "float",
            PropertyType::Double => "double",
            PropertyType::String => "string",
            PropertyType::Binary => "data",
            PropertyType::Date => "date",
            PropertyType::ObjectId => "objectId",
            PropertyType::Uuid => "uuid",
            PropertyType::Decimal128 => "decimal128",
            PropertyType::Mixed => "mixed",
            PropertyType::Object => "object",
            PropertyType::LinkingObjects => "linkingObjects",
        }
    }

    /// The scalar type named `name` in Realm's JavaScript SDK spelling (`object` and
    /// `linkingObjects` are not scalars and give `None`).
    pub fn from_scalar_name(name: &str) -> Option<PropertyType> {
        // Read back through `name` so the two spellings cannot drift apart.
        PropertyType::ALL.into_iter().find(|ty| {
            !matches!(ty, PropertyType::Object | PropertyType::LinkingObjects) && ty.name() == name
        })
    }

    /// Whether a primary key may have this type (`int`, `string`, `objectId`, `uuid`).
    pub fn can_be_primary_key(self) -> bool {
        matches!(
            self,
            PropertyType::Int | PropertyType::String | PropertyType::ObjectId | PropertyType::Uuid
        )
    }
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

impl Collection {
    /// The collection's name as Realm's JavaScript SDK spells it (`list`, `set`,
    /// `dictionary`), or `None` for a single value.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Collection::Single => None,
            Collection::List => Some("list"),
            Collection::Set => Some("set"),
            Collection::Dictionary => Some("dictionary"),
        }
    }
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

/// How the SDKs present an `int` property to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Presentation {
    /// A plain value.
    #[default]
    Plain,
    /// A counter (Realm's `MutableRealmInt` / `Counter`): increments from different devices
    /// add up instead of overwriting each other.
    Counter,
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
    /// How an `int` property is presented (plain or counter).
    pub presentation: Presentation,
}

impl Property {
    /// A required, unindexed single-value property of a scalar type.
    ///
    /// `mixed` is always nullable (as in Realm), so `Property::new("x", PropertyType::Mixed)`
    /// is optional.
    pub fn new(name: impl Into<String>, ty: PropertyType) -> Self {
        Property {
            name: name.into(),
            ty,
            collection: Collection::Single,
            optional: ty == PropertyType::Mixed,
            index: IndexKind::None,
            object_type: None,
            origin_property: None,
            default: None,
            presentation: Presentation::Plain,
        }
    }

    /// A to-one link (or embedded object) to `target`; always optional, as in Realm.
    pub fn link(name: impl Into<String>, target: impl Into<String>) -> Self {
        Property {
            optional: true,
            object_type: Some(target.into()),
            ..Property::new(name, PropertyType::Object)
        }
    }

    /// Backlinks: the objects of `origin_class` whose `origin_property` links to this object.
    pub fn linking_objects(
        name: impl Into<String>,
        origin_class: impl Into<String>,
        origin_property: impl Into<String>,
    ) -> Self {
        Property {
            object_type: Some(origin_class.into()),
            origin_property: Some(origin_property.into()),
            ..Property::new(name, PropertyType::LinkingObjects)
        }
    }

    /// The same property, nullable (for a collection: with nullable elements).
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The same property as a list of its type. Lists of links have non-null elements.
    pub fn list(mut self) -> Self {
        self.collection = Collection::List;
        self.optional = self.ty == PropertyType::Mixed;
        self
    }

    /// The same property as a set of its type. Sets of links have non-null elements.
    pub fn set(mut self) -> Self {
        self.collection = Collection::Set;
        self.optional = self.ty == PropertyType::Mixed;
        self
    }

    /// The same property as a dictionary of its type. Dictionaries of links and of `mixed`
    /// have nullable values, as in Realm.
    pub fn dictionary(mut self) -> Self {
        self.collection = Collection::Dictionary;
        self.optional = matches!(self.ty, PropertyType::Mixed | PropertyType::Object);
        self
    }

    /// The same property with a regular index.
    pub fn indexed(mut self) -> Self {
        self.index = IndexKind::Regular;
        self
    }

    /// The same property with a full-text index.
    pub fn full_text_indexed(mut self) -> Self {
        self.index = IndexKind::FullText;
        self
    }

    /// The same property with a default value for new objects.
    pub fn with_default(mut self, value: Value) -> Self {
        self.default = Some(value);
        self
    }

    /// The same `int` property presented as a counter.
    pub fn counter(mut self) -> Self {
        self.presentation = Presentation::Counter;
        self
    }

    /// Whether this is a link (to-one, or a collection of links) or an embedded object.
    pub fn is_link(&self) -> bool {
        self.ty == PropertyType::Object
    }

    /// Whether this property is computed (backlinks) rather than stored.
    pub fn is_computed(&self) -> bool {
        self.ty == PropertyType::LinkingObjects
    }

    /// Whether this property holds a list, set or dictionary.
    pub fn is_collection(&self) -> bool {
        self.collection != Collection::Single
    }

    /// The property's type as Realm's JavaScript SDK shorthand spells it: `int`, `string?`,
    /// `int[]`, `Dog?`, `Dog{}`, `linkingObjects(Dog.owner)`… (for messages and listings).
    pub fn type_description(&self) -> String {
        let base = match self.ty {
            PropertyType::Object => self.object_type.clone().unwrap_or_else(|| "object".into()),
            PropertyType::LinkingObjects => format!(
                "linkingObjects({}.{})",
                self.object_type.as_deref().unwrap_or("?"),
                self.origin_property.as_deref().unwrap_or("?")
            ),
            ty => ty.name().to_owned(),
        };
        let q = if self.optional { "?" } else { "" };
        match self.collection {
            Collection::Single => format!("{base}{q}"),
            Collection::List => format!("{base}{q}[]"),
            Collection::Set => format!("{base}{q}<>"),
            Collection::Dictionary => format!("{base}{q}{{}}"),
        }
    }
}

/// One class of objects.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSchema {
    /// The class name (at most 57 UTF-8 bytes).
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
    /// A schema of these classes.
    pub fn new(classes: Vec<ObjectSchema>) -> Self {
        Schema { classes }
    }

    /// The class named `name`.
    pub fn class(&self, name: &str) -> Option<&ObjectSchema> {
        self.classes.iter().find(|c| c.name == name)
    }
}

impl ObjectSchema {
    /// A top-level class without a primary key.
    pub fn new(name: impl Into<String>, properties: Vec<Property>) -> Self {
        ObjectSchema {
            name: name.into(),
            properties,
            primary_key: None,
            embedded: false,
            asymmetric: false,
        }
    }

    /// The same class with `property` as its primary key.
    pub fn with_primary_key(mut self, property: impl Into<String>) -> Self {
        self.primary_key = Some(property.into());
        self
    }

    /// The same class, embedded (no primary key; lives inside its parent object).
    pub fn into_embedded(mut self) -> Self {
        self.embedded = true;
        self
    }

    /// The same class, asymmetric (insert-only, for asymmetric sync).
    pub fn into_asymmetric(mut self) -> Self {
        self.asymmetric = true;
        self
    }

    /// The property named `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The primary key property, if the class has one.
    pub fn primary_key_property(&self) -> Option<&Property> {
        self.primary_key_position().map(|i| &self.properties[i])
    }

    /// The position of the primary key property in `properties`, if the class has one.
    pub fn primary_key_position(&self) -> Option<usize> {
        let name = self.primary_key.as_deref()?;
        self.properties.iter().position(|p| p.name == name)
    }

    /// The stored (not computed) properties, in declaration order.
    pub fn persisted_properties(&self) -> impl Iterator<Item = &Property> {
        self.properties.iter().filter(|p| !p.is_computed())
    }
}
