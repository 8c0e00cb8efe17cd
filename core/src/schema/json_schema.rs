//! The App Services form of a schema: one JSON Schema per collection (`title`, `bsonType`,
//! `required`, `properties`) plus `relationships` for links, as Atlas Device Sync's Development
//! Mode writes it and as the "Data Model Mapping" page of the docs describes it.
//!
//! - scalars: `int` → `long` (`int` is read as well), `data` → `binData`, `decimal128` →
//!   `decimal`, the others by their own name; `required` lists the primary key and the
//!   non-optional single scalars.
//! - list → `array` + `items`; set → the same + `uniqueItems: true`; dictionary → `object` +
//!   `additionalProperties`. Nullable elements are written `bsonType: [T, "null"]`.
//! - a link (to-one or to-many) → the target's primary-key type, plus a `relationships` entry
//!   `{ref: "#/relationship/<data source>/<database>/<Class>", foreign_key, is_list}` keyed by
//!   the property's dotted path.
//! - an embedded object → the nested object schema, titled with the embedded class's name.
//! - backlinks, defaults, indexes, the counter presentation and `asymmetric` have no server form:
//!   they are dropped and a [`MappingNote`] says so.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::{json, Map, Value as Json};

use super::json::json_kind;
use super::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema, SchemaError,
};

/// Where links point in the `ref` of a relationship: `#/relationship/<data_source>/<database>/…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonSchemaOptions {
    /// The linked data source's name (App Services' default is `mongodb-atlas`).
    pub data_source: String,
    /// The database that holds one collection per class.
    pub database: String,
}

impl Default for JsonSchemaOptions {
    fn default() -> Self {
        JsonSchemaOptions {
            data_source: "mongodb-atlas".into(),
            database: "syncline".into(),
        }
    }
}

/// Something a mapping could not carry over, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingNote {
    /// The class concerned.
    pub class: String,
    /// The property concerned, if any.
    pub property: Option<String>,
    /// What was dropped or assumed.
    pub message: String,
}

impl fmt::Display for MappingNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.property {
            Some(p) => write!(
                f,
                "class {:?}, property {p:?}: {}",
                self.class, self.message
            ),
            None => write!(f, "class {:?}: {}", self.class, self.message),
        }
    }
}

/// A schema in App Services form: one JSON Schema per top-level class.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonSchemaExport {
    /// One document per top-level (non-embedded) class, in declaration order; embedded classes
    /// are inlined where they are used.
    pub collections: Vec<Json>,
    /// What has no server form and was dropped.
    pub notes: Vec<MappingNote>,
}

/// A schema read from App Services JSON Schemas.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonSchemaImport {
    /// The classes: one per document, then the embedded classes found inside them.
    pub schema: Schema,
    /// What was assumed (e.g. a generated name for an untitled embedded object).
    pub notes: Vec<MappingNote>,
}

impl JsonSchemaExport {
    /// The files App Services keeps for these collections, as (path relative to the app's root,
    /// content): `data_sources/<data source>/<database>/<Class>/schema.json` (the document
    /// without `relationships`) and `…/relationships.json` (`{}` when the class has no links).
    pub fn app_services_files(&self, options: &JsonSchemaOptions) -> Vec<(String, Json)> {
        let mut files = Vec::new();
        for doc in &self.collections {
            let mut schema = doc.clone();
            let relationships = schema
                .as_object_mut()
                .and_then(|obj| obj.remove("relationships"))
                .unwrap_or_else(|| Json::Object(Map::new()));
            let title = doc["title"].as_str().unwrap_or_default();
            let dir = format!(
                "data_sources/{}/{}/{title}",
                options.data_source, options.database
            );
            files.push((format!("{dir}/schema.json"), schema));
            files.push((format!("{dir}/relationships.json"), relationships));
        }
        files
    }
}

/// A collection's `schema.json` with its `relationships.json` put back inside: the one-document
/// form [`Schema::from_json_schema`] reads. `path` names the schema file in errors.
pub fn with_relationships(
    schema: Json,
    relationships: Json,
    path: &str,
) -> Result<Json, SchemaError> {
    let Json::Object(mut obj) = schema else {
        return Err(json_schema_error(
            path,
            format!("a JSON Schema is an object, got {}", json_kind(&schema)),
        ));
    };
    match relationships {
        Json::Object(rels) if rels.is_empty() => {}
        Json::Object(rels) => {
            if obj.contains_key("relationships") {
                return Err(json_schema_error(
                    &format!("{path}.relationships"),
                    "relationships are given both inside the schema and beside it".into(),
                ));
            }
            obj.insert("relationships".into(), Json::Object(rels));
        }
        other => {
            return Err(json_schema_error(
                &format!("{path} relationships"),
                format!(
                    "relationships.json must hold an object keyed by property path, got {}",
                    json_kind(&other)
                ),
            ))
        }
    }
    Ok(Json::Object(obj))
}

fn bson_type_name(ty: PropertyType) -> &'static str {
    match ty {
        PropertyType::Bool => "bool",
        PropertyType::Int => "long",
        PropertyType::Float => "float",
        PropertyType::Double => "double",
        PropertyType::String => "string",
        PropertyType::Binary => "binData",
        PropertyType::Date => "date",
        PropertyType::ObjectId => "objectId",
        PropertyType::Uuid => "uuid",
        PropertyType::Decimal128 => "decimal",
        PropertyType::Mixed => "mixed",
        PropertyType::Object => "object",
        PropertyType::LinkingObjects => "linkingObjects",
    }
}

/// The scalar type of a `bsonType` (or JSON Schema `type`) name.
fn scalar_from_bson_type(name: &str) -> Option<PropertyType> {
    Some(match name {
        "bool" | "boolean" => PropertyType::Bool,
        "long" | "int" | "integer" => PropertyType::Int,
        "float" => PropertyType::Float,
        "double" | "number" => PropertyType::Double,
        "string" => PropertyType::String,
        "binData" => PropertyType::Binary,
        "date" => PropertyType::Date,
        "objectId" => PropertyType::ObjectId,
        "uuid" => PropertyType::Uuid,
        "decimal" => PropertyType::Decimal128,
        "mixed" => PropertyType::Mixed,
        _ => return None,
    })
}

impl Schema {
    /// The App Services form of every top-level class (see the module documentation).
    ///
    /// Fails when a link's target is missing or has no primary key (the server stores a link
    /// as the target's primary key), or when embedded classes contain each other in a cycle.
    pub fn to_json_schema(
        &self,
        options: &JsonSchemaOptions,
    ) -> Result<JsonSchemaExport, SchemaError> {
        let mut collections = Vec::new();
        let mut notes = Vec::new();
        let mut used_embedded = std::collections::HashSet::new();
        for class in self.classes.iter().filter(|c| !c.embedded) {
            let mut writer = Writer {
                schema: self,
                options,
                relationships: Map::new(),
                notes: &mut notes,
                stack: vec![class.name.clone()],
                embedded_seen: &mut used_embedded,
            };
            let mut doc = writer.object_schema(class, "")?;
            if class.asymmetric {
                writer.note(
                    class,
                    None,
                    "asymmetric sync is configured on the server, not in the JSON Schema; \
                     not carried over",
                );
            }
            if !writer.relationships.is_empty() {
                let relationships = std::mem::take(&mut writer.relationships);
                if let Json::Object(obj) = &mut doc {
                    obj.insert("relationships".into(), Json::Object(relationships));
                }
            }
            collections.push(doc);
        }
        for class in self.classes.iter().filter(|c| c.embedded) {
            if !used_embedded.contains(&class.name) {
                notes.push(MappingNote {
                    class: class.name.clone(),
                    property: None,
                    message: "embedded class used by no top-level class; it has no collection \
                              of its own and was dropped"
                        .into(),
                });
            }
        }
        Ok(JsonSchemaExport { collections, notes })
    }

    /// The App Services form of the one top-level class `class` (see [`Schema::to_json_schema`]),
    /// with the notes about it and the embedded classes it inlines.
    pub fn class_to_json_schema(
        &self,
        class: &str,
        options: &JsonSchemaOptions,
    ) -> Result<(Json, Vec<MappingNote>), SchemaError> {
        match self.class(class) {
            None => Err(json_schema_error(
                class,
                format!("no class named {class:?}"),
            )),
            Some(c) if c.embedded => Err(json_schema_error(
                class,
                "an embedded class has no collection of its own".into(),
            )),
            Some(_) => {
                let export = self.to_json_schema(options)?;
                let doc = export
                    .collections
                    .into_iter()
                    .find(|doc| doc["title"] == class)
                    .unwrap_or(Json::Null);
                let notes = export
                    .notes
                    .into_iter()
                    .filter(|n| {
                        n.class == class
                            || (n.property.is_some()
                                && self.class(&n.class).is_some_and(|c| c.embedded))
                    })
                    .collect();
                Ok((doc, notes))
            }
        }
    }
}

struct Writer<'a> {
    schema: &'a Schema,
    options: &'a JsonSchemaOptions,
    relationships: Map<String, Json>,
    notes: &'a mut Vec<MappingNote>,
    /// The classes being inlined, outermost first (to refuse embedded cycles).
    stack: Vec<String>,
    embedded_seen: &'a mut std::collections::HashSet<String>,
}

impl Writer<'_> {
    fn note(&mut self, class: &ObjectSchema, property: Option<&Property>, message: &str) {
        self.notes.push(MappingNote {
            class: class.name.clone(),
            property: property.map(|p| p.name.clone()),
            message: message.into(),
        });
    }

    /// `{title, bsonType: object, required, properties}` for `class`, whose properties sit at
    /// `prefix` (dotted, for relationship keys) inside the top-level document.
    fn object_schema(&mut self, class: &ObjectSchema, prefix: &str) -> Result<Json, SchemaError> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for p in &class.properties {
            if p.is_computed() {
                self.note(
                    class,
                    Some(p),
                    "backlinks (linkingObjects) have no server form; dropped",
                );
                continue;
            }
            if p.default.is_some() {
                self.note(class, Some(p), "default values are client-only; dropped");
            }
            if p.index != IndexKind::None && class.primary_key.as_deref() != Some(&p.name) {
                self.note(class, Some(p), "indexes are client-only; dropped");
            }
            if p.presentation == Presentation::Counter {
                self.note(
                    class,
                    Some(p),
                    "a counter is stored as a plain long; the counter presentation is client-only",
                );
            }
            let path = if prefix.is_empty() {
                p.name.clone()
            } else {
                format!("{prefix}.{}", p.name)
            };
            let property_schema = self.property_schema(class, p, &path)?;
            let is_required = !p.optional
                && p.collection == Collection::Single
                && !matches!(p.ty, PropertyType::Object | PropertyType::Mixed);
            if is_required {
                required.push(Json::String(p.name.clone()));
            }
            properties.insert(p.name.clone(), property_schema);
        }
        Ok(json!({
            "title": class.name,
            "bsonType": "object",
            "required": required,
            "properties": properties,
        }))
    }

    fn property_schema(
        &mut self,
        class: &ObjectSchema,
        p: &Property,
        path: &str,
    ) -> Result<Json, SchemaError> {
        let element = self.element_schema(class, p, path)?;
        Ok(match p.collection {
            Collection::Single => element,
            Collection::List => json!({"bsonType": "array", "items": element}),
            Collection::Set => json!({"bsonType": "array", "uniqueItems": true, "items": element}),
            Collection::Dictionary => {
                json!({"bsonType": "object", "additionalProperties": element})
            }
        })
    }

    /// The schema of one value (of a single property, or of one element of a collection).
    fn element_schema(
        &mut self,
        class: &ObjectSchema,
        p: &Property,
        path: &str,
    ) -> Result<Json, SchemaError> {
        let error = |reason: String| SchemaError::InvalidProperty {
            class: class.name.clone(),
            property: p.name.clone(),
            reason,
        };
        if p.ty != PropertyType::Object {
            let name = bson_type_name(p.ty);
            let nullable_element = p.is_collection() && p.optional && p.ty != PropertyType::Mixed;
            return Ok(if nullable_element {
                json!({"bsonType": [name, "null"]})
            } else {
                json!({"bsonType": name})
            });
        }
        let target_name = p.object_type.as_deref().unwrap_or_default();
        let target = self.schema.class(target_name).ok_or_else(|| {
            error(format!(
                "links to {target_name:?}, which is not a class of the schema"
            ))
        })?;
        if target.embedded {
            if self.stack.iter().any(|c| c == target_name) {
                return Err(error(format!(
                    "embedded class {target_name:?} contains itself; a JSON Schema cannot \
                     inline a cycle"
                )));
            }
            self.embedded_seen.insert(target_name.to_owned());
            self.stack.push(target_name.to_owned());
            let nested = self.object_schema(target, path);
            self.stack.pop();
            return nested;
        }
        let pk = target.primary_key_property().ok_or_else(|| {
            error(format!(
                "links to {target_name:?}, which has no primary key; the server stores a link \
                 as the target's primary key"
            ))
        })?;
        self.relationships.insert(
            path.to_owned(),
            json!({
                "ref": format!(
                    "#/relationship/{}/{}/{}",
                    self.options.data_source, self.options.database, target_name
                ),
                "foreign_key": pk.name,
                "is_list": matches!(p.collection, Collection::List | Collection::Set),
            }),
        );
        Ok(json!({"bsonType": bson_type_name(pk.ty)}))
    }
}

fn json_schema_error(path: &str, reason: String) -> SchemaError {
    SchemaError::JsonSchema {
        path: path.to_owned(),
        reason,
    }
}

/// One relationship entry, as read.
struct Relationship {
    target: String,
    foreign_key: String,
    is_list: bool,
    used: bool,
}

/// A link read from a document, checked against its target once every class is known.
struct PendingLink {
    path: String,
    target: String,
    foreign_key: String,
    stored_as: PropertyType,
}

impl Schema {
    /// Reads App Services JSON Schemas (one document per collection) into a schema: one
    /// top-level class per document (primary key `_id` when present), plus every embedded class
    /// found inside them. Unsupported constructs (`enum`, `anyOf`, `minimum`, …), unknown
    /// `bsonType`s and conflicting definitions are errors naming the path in the document,
    /// written `Title.properties.name.items`.
    pub fn from_json_schema(documents: &[Json]) -> Result<JsonSchemaImport, SchemaError> {
        let mut reader = Reader {
            classes: Vec::new(),
            embedded: Vec::new(),
            notes: Vec::new(),
            links: Vec::new(),
        };
        for (i, doc) in documents.iter().enumerate() {
            reader.document(doc, i)?;
        }
        reader.check_links()?;
        let mut classes = reader.classes;
        classes.extend(reader.embedded.into_iter().map(|(_, class)| class));
        Ok(JsonSchemaImport {
            schema: Schema::new(classes),
            notes: reader.notes,
        })
    }
}

struct Reader {
    classes: Vec<ObjectSchema>,
    /// Embedded classes with the path where each was first defined.
    embedded: Vec<(String, ObjectSchema)>,
    notes: Vec<MappingNote>,
    links: Vec<PendingLink>,
}

/// Keywords with no Realm meaning that are skipped without a note.
const IGNORED_KEYWORDS: [&str; 3] = ["description", "$comment", "$schema"];

impl Reader {
    fn document(&mut self, doc: &Json, index: usize) -> Result<(), SchemaError> {
        let root = format!("#{index}");
        let obj = schema_object(doc, &root, "a JSON Schema")?;
        let title = read_title(obj, &root, "the class name")?.ok_or_else(|| {
            json_schema_error(&root, "'title' (the class name) is missing".into())
        })?;
        if self.classes.iter().any(|c| c.name == title) {
            return Err(json_schema_error(
                &title,
                format!("class {title:?} is defined by more than one document"),
            ));
        }
        let mut relationships = HashMap::new();
        if let Some(rels) = obj.get("relationships") {
            let rels = rels.as_object().ok_or_else(|| {
                json_schema_error(
                    &format!("{title}.relationships"),
                    "'relationships' must be an object keyed by property path".into(),
                )
            })?;
            for (key, rel) in rels {
                let path = format!("{title}.relationships.{key}");
                relationships.insert(key.clone(), read_relationship(rel, &path)?);
            }
        }
        let mut class = self.object_schema(obj, &title, &title, "", &mut relationships, true)?;
        if let Some((key, _)) = relationships.iter().find(|(_, r)| !r.used) {
            return Err(json_schema_error(
                &format!("{title}.relationships.{key}"),
                format!("no property at {key:?} can hold this relationship (a link is stored as the target's primary key, or an array of them)"),
            ));
        }
        class.name = title;
        self.classes.push(class);
        Ok(())
    }

    /// Reads an object schema with `properties` into a class named `name`.
    fn object_schema(
        &mut self,
        obj: &Map<String, Json>,
        name: &str,
        path: &str,
        prefix: &str,
        relationships: &mut HashMap<String, Relationship>,
        top_level: bool,
    ) -> Result<ObjectSchema, SchemaError> {
        for (key, value) in obj {
            match key.as_str() {
                "title" | "properties" | "required" => {}
                "relationships" if top_level => {}
                "bsonType" | "type" => {
                    if value.as_str() != Some("object") {
                        return Err(json_schema_error(
                            &format!("{path}.{key}"),
                            format!("a class's schema must have {key} \"object\", got {value}"),
                        ));
                    }
                }
                "additionalProperties" if value == &Json::Bool(false) => {}
                k if IGNORED_KEYWORDS.contains(&k) => {}
                other => return Err(unsupported(path, other)),
            }
        }
        let properties = match obj.get("properties") {
            Some(Json::Object(props)) => props,
            Some(other) => {
                return Err(json_schema_error(
                    &format!("{path}.properties"),
                    format!("'properties' must be an object, got {}", json_kind(other)),
                ))
            }
            None if top_level => {
                return Err(json_schema_error(path, "'properties' is missing".into()))
            }
            None => &Map::new(),
        };
        let mut required = Vec::new();
        if let Some(req) = obj.get("required") {
            let items = req.as_array().ok_or_else(|| {
                json_schema_error(
                    &format!("{path}.required"),
                    "'required' must be an array of property names".into(),
                )
            })?;
            for item in items {
                let Some(field) = item.as_str() else {
                    return Err(json_schema_error(
                        &format!("{path}.required"),
                        format!("'required' must hold property names, got {item}"),
                    ));
                };
                if !properties.contains_key(field) {
                    return Err(json_schema_error(
                        &format!("{path}.required"),
                        format!("{field:?} is required but is not among the properties"),
                    ));
                }
                required.push(field.to_owned());
            }
        }
        let mut class = ObjectSchema::new(name, Vec::new());
        for (prop_name, prop_schema) in properties {
            let prop_path = format!("{path}.properties.{prop_name}");
            let rel_key = if prefix.is_empty() {
                prop_name.clone()
            } else {
                format!("{prefix}.{prop_name}")
            };
            let mut p = self.property(
                prop_name,
                prop_schema,
                &prop_path,
                &rel_key,
                name,
                relationships,
            )?;
            let listed = required.iter().any(|r| r == prop_name);
            if p.collection == Collection::Single
                && !matches!(p.ty, PropertyType::Object | PropertyType::Mixed)
            {
                p.optional = p.optional || !listed;
            } else if listed {
                self.notes.push(MappingNote {
                    class: name.to_owned(),
                    property: Some(prop_name.clone()),
                    message: format!(
                        "listed in 'required', but a {} can't be required in Realm; ignored",
                        p.type_description()
                    ),
                });
            }
            class.properties.push(p);
        }
        if top_level {
            if let Some(id) = class.property("_id") {
                if id.collection != Collection::Single || !id.ty.can_be_primary_key() {
                    return Err(json_schema_error(
                        &format!("{path}.properties._id"),
                        format!(
                            "_id is the primary key and must be objectId, string, long/int or \
                             uuid, not {}",
                            id.type_description()
                        ),
                    ));
                }
                class.primary_key = Some("_id".into());
            } else {
                self.notes.push(MappingNote {
                    class: name.to_owned(),
                    property: None,
                    message: "no _id property: the class has no primary key (Device Sync needs \
                              one)"
                        .into(),
                });
            }
        } else {
            class.embedded = true;
        }
        Ok(class)
    }

    fn property(
        &mut self,
        name: &str,
        schema: &Json,
        path: &str,
        rel_key: &str,
        class: &str,
        relationships: &mut HashMap<String, Relationship>,
    ) -> Result<Property, SchemaError> {
        let obj = schema_object(schema, path, "a property schema")?;
        let (kind, nullable) = read_bson_type(obj, path)?;
        // Whether a relationship is declared here, and its `is_list`.
        let relationship = relationships.get(rel_key).map(|r| r.is_list);
        match kind.as_str() {
            "array" => {
                check_keywords(obj, path, &["items", "uniqueItems"])?;
                let unique = match obj.get("uniqueItems") {
                    None | Some(Json::Bool(false)) => false,
                    Some(Json::Bool(true)) => true,
                    Some(other) => {
                        return Err(json_schema_error(
                            &format!("{path}.uniqueItems"),
                            format!("'uniqueItems' must be true or false, got {other}"),
                        ))
                    }
                };
                let items = obj.get("items").ok_or_else(|| {
                    json_schema_error(path, "an array needs 'items' (the element schema)".into())
                })?;
                let collection = if unique {
                    Collection::Set
                } else {
                    Collection::List
                };
                if let Some(is_list) = relationship {
                    if !is_list {
                        return Err(json_schema_error(
                            path,
                            format!("an array, but its relationship {rel_key:?} has is_list false"),
                        ));
                    }
                }
                self.element(
                    name,
                    items,
                    &format!("{path}.items"),
                    rel_key,
                    class,
                    collection,
                    relationships,
                )
            }
            "object" if obj.contains_key("properties") || obj.contains_key("title") => {
                if relationship.is_some() {
                    return Err(json_schema_error(
                        path,
                        "an embedded object cannot also be a relationship".into(),
                    ));
                }
                self.element(
                    name,
                    schema,
                    path,
                    rel_key,
                    class,
                    Collection::Single,
                    relationships,
                )
            }
            "object" => {
                check_keywords(obj, path, &["additionalProperties"])?;
                let values = match obj.get("additionalProperties") {
                    Some(Json::Bool(true)) => &json!({"bsonType": "mixed"}),
                    Some(v @ Json::Object(_)) => v,
                    _ => {
                        return Err(json_schema_error(
                            path,
                            "an object needs 'properties' (an embedded object) or \
                             'additionalProperties' (a dictionary)"
                                .into(),
                        ))
                    }
                };
                self.element(
                    name,
                    values,
                    &format!("{path}.additionalProperties"),
                    rel_key,
                    class,
                    Collection::Dictionary,
                    relationships,
                )
            }
            _ => {
                check_keywords(obj, path, &[])?;
                if let Some(is_list) = relationship {
                    if is_list {
                        return Err(json_schema_error(
                            path,
                            format!(
                                "a single value, but its relationship {rel_key:?} has is_list true"
                            ),
                        ));
                    }
                }
                let mut p = self.element(
                    name,
                    schema,
                    path,
                    rel_key,
                    class,
                    Collection::Single,
                    relationships,
                )?;
                if nullable {
                    p.optional = true;
                }
                Ok(p)
            }
        }
    }

    /// A property whose (element) schema is `schema`, held as `collection`.
    #[allow(clippy::too_many_arguments)]
    fn element(
        &mut self,
        name: &str,
        schema: &Json,
        path: &str,
        rel_key: &str,
        class: &str,
        collection: Collection,
        relationships: &mut HashMap<String, Relationship>,
    ) -> Result<Property, SchemaError> {
        let obj = schema_object(schema, path, "an element schema")?;
        let (kind, nullable) = read_bson_type(obj, path)?;
        let base = match kind.as_str() {
            "array" => {
                return Err(json_schema_error(
                    path,
                    "collections of collections are not supported".into(),
                ))
            }
            "object" if obj.contains_key("properties") || obj.contains_key("title") => {
                let target = match read_title(obj, path, "the embedded class's name")? {
                    Some(t) => t,
                    None => {
                        let generated = format!("{class}_{name}");
                        self.notes.push(MappingNote {
                            class: class.to_owned(),
                            property: Some(name.to_owned()),
                            message: format!(
                                "embedded object without a title; named it {generated:?}"
                            ),
                        });
                        generated
                    }
                };
                // Outer embedded classes come before the ones nested in them, as written.
                let slot = self.embedded.len();
                let nested =
                    self.object_schema(obj, &target, path, rel_key, relationships, false)?;
                self.add_embedded(nested, path, slot)?;
                if collection == Collection::Set {
                    return Err(json_schema_error(
                        path,
                        "a set (uniqueItems) cannot hold embedded objects".into(),
                    ));
                }
                Property::link(name, target)
            }
            "object" => {
                return Err(json_schema_error(
                    path,
                    if collection == Collection::Single {
                        "an object needs 'properties' (an embedded object) or \
                         'additionalProperties' (a dictionary)"
                            .into()
                    } else {
                        "collections of collections are not supported".into()
                    },
                ))
            }
            scalar => {
                if collection != Collection::Single {
                    check_keywords(obj, path, &[])?;
                }
                let ty = scalar_from_bson_type(scalar).ok_or_else(|| {
                    json_schema_error(
                        &format!("{path}.bsonType"),
                        format!("bsonType {scalar:?} has no Realm type"),
                    )
                })?;
                match relationships.get_mut(rel_key) {
                    Some(rel) => {
                        rel.used = true;
                        if !ty.can_be_primary_key() {
                            return Err(json_schema_error(
                                path,
                                format!(
                                    "a relationship to {:?} is stored as the target's primary \
                                     key, which cannot be a {scalar}",
                                    rel.target
                                ),
                            ));
                        }
                        self.links.push(PendingLink {
                            path: path.to_owned(),
                            target: rel.target.clone(),
                            foreign_key: rel.foreign_key.clone(),
                            stored_as: ty,
                        });
                        Property::link(name, rel.target.clone())
                    }
                    None => Property::new(name, ty),
                }
            }
        };
        Ok(match collection {
            Collection::Single => base,
            Collection::List if nullable && base.ty != PropertyType::Object => {
                base.list().optional()
            }
            Collection::List => base.list(),
            Collection::Set if nullable && base.ty != PropertyType::Object => base.set().optional(),
            Collection::Set => base.set(),
            Collection::Dictionary if nullable => base.dictionary().optional(),
            Collection::Dictionary => base.dictionary(),
        })
    }

    fn add_embedded(
        &mut self,
        class: ObjectSchema,
        path: &str,
        slot: usize,
    ) -> Result<(), SchemaError> {
        if self.classes.iter().any(|c| c.name == class.name) {
            return Err(json_schema_error(
                path,
                format!(
                    "embedded object {:?} has the name of a top-level class",
                    class.name
                ),
            ));
        }
        match self.embedded.iter().find(|(_, c)| c.name == class.name) {
            Some((first, existing)) if existing != &class => Err(json_schema_error(
                path,
                format!(
                    "conflicting definitions of embedded class {:?} (first defined at {first})",
                    class.name
                ),
            )),
            Some(_) => Ok(()),
            None => {
                self.embedded.insert(slot, (path.to_owned(), class));
                Ok(())
            }
        }
    }

    fn check_links(&self) -> Result<(), SchemaError> {
        let by_name: BTreeMap<&str, &ObjectSchema> =
            self.classes.iter().map(|c| (c.name.as_str(), c)).collect();
        for link in &self.links {
            let Some(target) = by_name.get(link.target.as_str()) else {
                if self.embedded.iter().any(|(_, c)| c.name == link.target) {
                    return Err(json_schema_error(
                        &link.path,
                        format!(
                            "a relationship cannot point to the embedded class {:?}",
                            link.target
                        ),
                    ));
                }
                // The target may be given later (another run); the schema's validation will
                // say if it is missing.
                continue;
            };
            if target.primary_key.as_deref() != Some(link.foreign_key.as_str()) {
                return Err(json_schema_error(
                    &link.path,
                    format!(
                        "the relationship's foreign_key {:?} is not the primary key of {:?}",
                        link.foreign_key, link.target
                    ),
                ));
            }
            if let Some(pk) = target.primary_key_property() {
                if pk.ty != link.stored_as {
                    return Err(json_schema_error(
                        &link.path,
                        format!(
                            "stored as {}, but {:?}'s primary key is {}",
                            bson_type_name(link.stored_as),
                            link.target,
                            bson_type_name(pk.ty)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The `bsonType` (or JSON Schema `type`) of a schema, and whether it admits `null`
/// (`[T, "null"]`).
/// The schema at `path` as an object; anything else is an error saying `what` it is.
fn schema_object<'j>(
    schema: &'j Json,
    path: &str,
    what: &str,
) -> Result<&'j Map<String, Json>, SchemaError> {
    schema.as_object().ok_or_else(|| {
        json_schema_error(
            path,
            format!("{what} is an object, got {}", json_kind(schema)),
        )
    })
}

/// The `title` of the schema `obj` at `path` (`None` when it has none); a title that is not a
/// non-empty string is an error saying it must be `what`.
fn read_title(
    obj: &Map<String, Json>,
    path: &str,
    what: &str,
) -> Result<Option<String>, SchemaError> {
    match obj.get("title") {
        Some(Json::String(t)) if !t.is_empty() => Ok(Some(t.clone())),
        Some(other) => Err(json_schema_error(
            &format!("{path}.title"),
            format!("'title' must be {what}, got {other}"),
        )),
        None => Ok(None),
    }
}

fn read_bson_type(obj: &Map<String, Json>, path: &str) -> Result<(String, bool), SchemaError> {
    let (key, value) = match (obj.get("bsonType"), obj.get("type")) {
        (Some(_), Some(_)) => {
            return Err(json_schema_error(
                path,
                "give either 'bsonType' or 'type', not both".into(),
            ))
        }
        (Some(v), None) => ("bsonType", v),
        (None, Some(v)) => ("type", v),
        (None, None) => return Err(json_schema_error(path, "'bsonType' is missing".into())),
    };
    let at = format!("{path}.{key}");
    match value {
        Json::String(name) => Ok((name.clone(), false)),
        Json::Array(names) => {
            let mut non_null = Vec::new();
            let mut nullable = false;
            for name in names {
                match name.as_str() {
                    Some("null") => nullable = true,
                    Some(n) => non_null.push(n.to_owned()),
                    None => {
                        return Err(json_schema_error(
                            &at,
                            format!("type names must be strings, got {name}"),
                        ))
                    }
                }
            }
            match non_null.as_slice() {
                [one] => Ok((one.clone(), nullable)),
                [] => Err(json_schema_error(
                    &at,
                    "only \"null\" is not a type for Realm".into(),
                )),
                _ => Err(json_schema_error(
                    &at,
                    format!(
                        "several types {non_null:?}: a Realm property has one type (use \"mixed\")"
                    ),
                )),
            }
        }
        other => Err(json_schema_error(
            &at,
            format!("'{key}' must be a type name, got {}", json_kind(other)),
        )),
    }
}

/// Refuses any keyword but the type, `title`, the ignorable ones and `allowed`.
fn check_keywords(
    obj: &Map<String, Json>,
    path: &str,
    allowed: &[&str],
) -> Result<(), SchemaError> {
    for key in obj.keys() {
        let k = key.as_str();
        if !(k == "bsonType"
            || k == "type"
            || k == "title"
            || IGNORED_KEYWORDS.contains(&k)
            || allowed.contains(&k))
        {
            return Err(unsupported(path, k));
        }
    }
    Ok(())
}

fn unsupported(path: &str, keyword: &str) -> SchemaError {
    json_schema_error(
        &format!("{path}.{keyword}"),
        format!("the JSON Schema keyword {keyword:?} is not supported (no Realm equivalent)"),
    )
}

fn read_relationship(rel: &Json, path: &str) -> Result<Relationship, SchemaError> {
    let obj = rel.as_object().ok_or_else(|| {
        json_schema_error(
            path,
            "a relationship is an object {ref, foreign_key, is_list}".into(),
        )
    })?;
    for key in obj.keys() {
        if !matches!(key.as_str(), "ref" | "foreign_key" | "is_list") {
            return Err(json_schema_error(
                &format!("{path}.{key}"),
                format!("unknown relationship key {key:?} (expected ref, foreign_key, is_list)"),
            ));
        }
    }
    let reference = obj.get("ref").and_then(Json::as_str).ok_or_else(|| {
        json_schema_error(&format!("{path}.ref"), "'ref' must be a string".into())
    })?;
    // `#/relationship/<data source>/<database>/<collection>`: the collection is the class.
    let target = reference
        .strip_prefix("#/relationship/")
        .and_then(|rest| rest.rsplit('/').next())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            json_schema_error(
                &format!("{path}.ref"),
                format!(
                    "'ref' must be \"#/relationship/<data source>/<database>/<collection>\", got \
                     {reference:?}"
                ),
            )
        })?;
    let foreign_key = match obj.get("foreign_key") {
        None => "_id".to_owned(),
        Some(Json::String(k)) => k.clone(),
        Some(other) => {
            return Err(json_schema_error(
                &format!("{path}.foreign_key"),
                format!("'foreign_key' must be a string, got {other}"),
            ))
        }
    };
    let is_list = match obj.get("is_list") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(other) => {
            return Err(json_schema_error(
                &format!("{path}.is_list"),
                format!("'is_list' must be true or false, got {other}"),
            ))
        }
    };
    Ok(Relationship {
        target: target.to_owned(),
        foreign_key,
        is_list,
        used: false,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::value::Value;
    use PropertyType::*;

    /// A schema with every type that has a server form, in the order an import yields.
    fn every_type() -> Schema {
        Schema::new(vec![
            ObjectSchema::new(
                "Every",
                vec![
                    Property::new("_id", ObjectId),
                    Property::new("b", Bool),
                    Property::new("ob", Bool).optional(),
                    Property::new("i", Int),
                    Property::new("oi", Int).optional(),
                    Property::new("f", Float),
                    Property::new("d", Double).optional(),
                    Property::new("s", String),
                    Property::new("bin", Binary).optional(),
                    Property::new("t", Date),
                    Property::new("object_id", ObjectId).optional(),
                    Property::new("u", Uuid),
                    Property::new("dec", Decimal128).optional(),
                    Property::new("m", Mixed),
                    Property::new("li", Int).list(),
                    Property::new("lo", String).list().optional(),
                    Property::new("lm", Mixed).list(),
                    Property::new("si", Uuid).set(),
                    Property::new("so", Double).set().optional(),
                    Property::new("ds", String).dictionary(),
                    Property::new("do", Date).dictionary().optional(),
                    Property::new("dm", Mixed).dictionary(),
                    Property::link("one", "Other"),
                    Property::link("many", "Other").list(),
                    Property::link("uniq", "Other").set(),
                    Property::link("map", "Other").dictionary(),
                    Property::link("self_link", "Every"),
                    Property::link("addr", "Address"),
                    Property::link("addrs", "Address").list(),
                    Property::link("addr_map", "Address").dictionary(),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new(
                "Other",
                vec![
                    Property::new("_id", String),
                    Property::new("n", Int).optional(),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new(
                "Address",
                vec![
                    Property::new("street", String),
                    Property::link("owner", "Other"),
                    Property::link("geo", "Point"),
                ],
            )
            .into_embedded(),
            ObjectSchema::new(
                "Point",
                vec![Property::new("lat", Double), Property::new("lng", Double)],
            )
            .into_embedded(),
        ])
    }

    #[test]
    fn every_type_round_trips_losslessly() {
        let schema = every_type();
        schema.validate(true).unwrap();
        let export = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .unwrap();
        assert_eq!(export.collections.len(), 2);
        assert_eq!(export.notes, vec![]);
        let import = Schema::from_json_schema(&export.collections).unwrap();
        assert_eq!(import.notes, vec![]);
        assert_eq!(import.schema, schema);

        // The same through App Services' file layout.
        let options = JsonSchemaOptions::default();
        let files = export.app_services_files(&options);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "data_sources/mongodb-atlas/syncline/Every/schema.json",
                "data_sources/mongodb-atlas/syncline/Every/relationships.json",
                "data_sources/mongodb-atlas/syncline/Other/schema.json",
                "data_sources/mongodb-atlas/syncline/Other/relationships.json",
            ]
        );
        assert!(files[0].1.get("relationships").is_none());
        assert_eq!(files[3].1, json!({}));
        let documents: Vec<Json> = files
            .chunks(2)
            .map(|pair| {
                with_relationships(pair[0].1.clone(), pair[1].1.clone(), &pair[0].0).unwrap()
            })
            .collect();
        assert_eq!(documents, export.collections);
        let err = with_relationships(json!([]), json!({}), "x/schema.json").unwrap_err();
        assert!(err.to_string().contains("x/schema.json"), "{err}");
        let err = with_relationships(json!({}), json!([]), "x/schema.json").unwrap_err();
        assert!(
            err.to_string()
                .contains("relationships.json must hold an object"),
            "{err}"
        );
    }

    #[test]
    fn every_type_has_its_server_form() {
        let export = every_type()
            .to_json_schema(&JsonSchemaOptions::default())
            .unwrap();
        let doc = &export.collections[0];
        let p = &doc["properties"];
        let expected = [
            ("b", json!({"bsonType": "bool"})),
            ("i", json!({"bsonType": "long"})),
            ("f", json!({"bsonType": "float"})),
            ("d", json!({"bsonType": "double"})),
            ("s", json!({"bsonType": "string"})),
            ("bin", json!({"bsonType": "binData"})),
            ("t", json!({"bsonType": "date"})),
            ("object_id", json!({"bsonType": "objectId"})),
            ("u", json!({"bsonType": "uuid"})),
            ("dec", json!({"bsonType": "decimal"})),
            ("m", json!({"bsonType": "mixed"})),
            (
                "li",
                json!({"bsonType": "array", "items": {"bsonType": "long"}}),
            ),
            (
                "lo",
                json!({"bsonType": "array", "items": {"bsonType": ["string", "null"]}}),
            ),
            (
                "si",
                json!({"bsonType": "array", "uniqueItems": true, "items": {"bsonType": "uuid"}}),
            ),
            (
                "ds",
                json!({"bsonType": "object", "additionalProperties": {"bsonType": "string"}}),
            ),
            (
                "dm",
                json!({"bsonType": "object", "additionalProperties": {"bsonType": "mixed"}}),
            ),
            ("one", json!({"bsonType": "string"})),
            (
                "many",
                json!({"bsonType": "array", "items": {"bsonType": "string"}}),
            ),
            (
                "map",
                json!({"bsonType": "object", "additionalProperties": {"bsonType": "string"}}),
            ),
            ("self_link", json!({"bsonType": "objectId"})),
        ];
        for (name, schema) in expected {
            assert_eq!(p[name], schema, "{name}");
        }
        assert_eq!(doc["title"], "Every");
        assert_eq!(doc["bsonType"], "object");
        assert_eq!(
            doc["required"],
            json!(["_id", "b", "i", "f", "s", "t", "u"])
        );
        assert_eq!(p["addr"]["title"], "Address");
        assert_eq!(p["addr"]["required"], json!(["street"]));
        assert_eq!(p["addr"]["properties"]["geo"]["title"], "Point");
        assert_eq!(p["addrs"]["items"]["title"], "Address");
        assert_eq!(p["addr_map"]["additionalProperties"]["title"], "Address");
        let rels = &doc["relationships"];
        assert_eq!(
            rels["one"],
            json!({"ref": "#/relationship/mongodb-atlas/syncline/Other", "foreign_key": "_id", "is_list": false})
        );
        assert_eq!(rels["many"]["is_list"], true);
        assert_eq!(rels["uniq"]["is_list"], true);
        assert_eq!(rels["map"]["is_list"], false);
        assert_eq!(
            rels["addr.owner"]["ref"],
            "#/relationship/mongodb-atlas/syncline/Other"
        );
        assert_eq!(rels["addrs.owner"]["is_list"], false);
        assert!(rels.get("addr").is_none());
    }

    #[test]
    fn client_only_features_are_dropped_with_notes() {
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "Item",
                vec![
                    Property::new("_id", Int).indexed(),
                    Property::new("n", Int).counter(),
                    Property::new("s", String)
                        .indexed()
                        .with_default(Value::String("x".into())),
                    Property::linking_objects("owners", "Item", "next"),
                    Property::link("next", "Item"),
                ],
            )
            .with_primary_key("_id")
            .into_asymmetric(),
            ObjectSchema::new("Unused", vec![Property::new("x", Int)]).into_embedded(),
        ]);
        let export = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .unwrap();
        let notes: Vec<std::string::String> =
            export.notes.iter().map(ToString::to_string).collect();
        let has = |needle: &str| notes.iter().any(|n| n.contains(needle));
        assert!(
            has("class \"Item\", property \"owners\": backlinks"),
            "{notes:?}"
        );
        assert!(has("property \"n\": a counter"), "{notes:?}");
        assert!(has("property \"s\": default values"), "{notes:?}");
        assert!(has("property \"s\": indexes"), "{notes:?}");
        assert!(has("class \"Item\": asymmetric"), "{notes:?}");
        assert!(
            has("class \"Unused\": embedded class used by no"),
            "{notes:?}"
        );
        assert_eq!(notes.len(), 6, "{notes:?}");
        assert!(export.collections[0]["properties"].get("owners").is_none());
        assert_eq!(
            export.collections[0]["properties"]["n"],
            json!({"bsonType": "long"})
        );
        let (doc, notes) = schema
            .class_to_json_schema("Item", &JsonSchemaOptions::default())
            .unwrap();
        assert_eq!(doc, export.collections[0]);
        assert_eq!(notes.len(), 5);
    }

    #[test]
    fn links_need_a_target_with_a_primary_key_and_no_embedded_cycles() {
        let schema = Schema::new(vec![
            ObjectSchema::new("A", vec![Property::link("b", "B")]),
            ObjectSchema::new("B", vec![]),
        ]);
        let err = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .unwrap_err();
        assert!(
            err.to_string().contains("class \"A\", property \"b\""),
            "{err}"
        );
        assert!(err.to_string().contains("no primary key"), "{err}");
        let schema = Schema::new(vec![
            ObjectSchema::new("A", vec![Property::link("t", "Tree")]),
            ObjectSchema::new("Tree", vec![Property::link("kids", "Tree").list()]).into_embedded(),
        ]);
        let err = schema
            .to_json_schema(&JsonSchemaOptions::default())
            .unwrap_err();
        assert!(err.to_string().contains("contains itself"), "{err}");
        let err = schema
            .class_to_json_schema("Tree", &JsonSchemaOptions::default())
            .unwrap_err();
        assert!(err.to_string().contains("embedded"), "{err}");
        assert!(schema
            .class_to_json_schema("Nope", &JsonSchemaOptions::default())
            .is_err());
    }

    #[test]
    fn app_services_variants_are_read() {
        let doc = json!({
            "title": "Dog",
            "type": "object",
            "description": "a dog",
            "required": ["_id", "age"],
            "properties": {
                "_id": {"bsonType": "string"},
                "age": {"bsonType": "int"},
                "name": {"bsonType": ["string", "null"]},
                "score": {"type": "number"},
                "extra": {"bsonType": "object", "additionalProperties": true},
                "spot": {"bsonType": "object", "properties": {"x": {"bsonType": "double"}}},
                "tags": {"bsonType": "array", "items": {"bsonType": "string"}}
            }
        });
        let import = Schema::from_json_schema(&[doc]).unwrap();
        let dog = import.schema.class("Dog").unwrap();
        assert_eq!(dog.primary_key.as_deref(), Some("_id"));
        assert_eq!(dog.property("age").unwrap(), &Property::new("age", Int));
        assert_eq!(
            dog.property("name").unwrap(),
            &Property::new("name", String).optional()
        );
        assert_eq!(
            dog.property("score").unwrap(),
            &Property::new("score", Double).optional()
        );
        assert_eq!(
            dog.property("extra").unwrap(),
            &Property::new("extra", Mixed).dictionary()
        );
        assert_eq!(
            dog.property("spot").unwrap(),
            &Property::link("spot", "Dog_spot")
        );
        assert!(import.schema.class("Dog_spot").unwrap().embedded);
        assert!(import
            .notes
            .iter()
            .any(|n| n.message.contains("without a title")));
        assert!(import
            .notes
            .iter()
            .any(|n| n.message.contains("without a title")));
        let no_id = Schema::from_json_schema(&[
            json!({"title": "Log", "bsonType": "object", "properties": {}}),
        ])
        .unwrap();
        assert_eq!(no_id.schema.classes[0].primary_key, None);
        assert!(no_id.notes[0].message.contains("no _id"));
        let listed = Schema::from_json_schema(&[
            json!({"title": "L", "bsonType": "object", "required": ["xs"],
            "properties": {"xs": {"bsonType": "array", "items": {"bsonType": "int"}}}}),
        ])
        .unwrap();
        assert!(
            listed.notes[0].message.contains("can't be required"),
            "{:?}",
            listed.notes
        );
    }

    #[test]
    fn unsupported_and_conflicting_json_schemas_name_the_path() {
        let cases = [
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": "int", "minimum": 0}}}),
                "A.properties.n.minimum",
                "not supported",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"enum": [1, 2]}}}),
                "A.properties.n",
                "'bsonType' is missing",
            ),
            (
                json!({"title": "A", "bsonType": "object", "anyOf": []}),
                "A.anyOf",
                "not supported",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": "regex"}}}),
                "A.properties.n.bsonType",
                "no Realm type",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": ["int", "string"]}}}),
                "A.properties.n.bsonType",
                "several types",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": "array"}}}),
                "A.properties.n",
                "needs 'items'",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": "array", "items": {"bsonType": "array", "items": {"bsonType": "int"}}}}}),
                "A.properties.n.items",
                "collections of collections",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"n": {"bsonType": "object"}}}),
                "A.properties.n",
                "needs 'properties'",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"_id": {"bsonType": "double"}}}),
                "A.properties._id",
                "primary key",
            ),
            (
                json!({"title": "A", "bsonType": "object", "required": ["x"], "properties": {}}),
                "A.required",
                "not among the properties",
            ),
            (
                json!({"bsonType": "object", "properties": {}}),
                "#0",
                "'title'",
            ),
            (
                json!({"title": "A", "bsonType": "array"}),
                "A.bsonType",
                "\"object\"",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {},
                    "relationships": {"b": {"ref": "#/relationship/x/y/B", "foreign_key": "_id", "is_list": false}}}),
                "A.relationships.b",
                "no property",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"b": {"bsonType": "objectId"}},
                    "relationships": {"b": {"ref": "B", "foreign_key": "_id", "is_list": false}}}),
                "A.relationships.b.ref",
                "#/relationship/",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"b": {"bsonType": "objectId"}},
                    "relationships": {"b": {"ref": "#/relationship/x/y/B", "is_list": true}}}),
                "A.properties.b",
                "is_list true",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"b": {"bsonType": "double"}},
                    "relationships": {"b": {"ref": "#/relationship/x/y/B"}}}),
                "A.properties.b",
                "cannot be a double",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {"s": {"bsonType": "array", "uniqueItems": true,
                    "items": {"title": "E", "bsonType": "object", "properties": {}}}}}),
                "A.properties.s.items",
                "set",
            ),
            (
                json!({"title": "A", "bsonType": "object", "properties": {
                    "e1": {"title": "E", "bsonType": "object", "properties": {"x": {"bsonType": "int"}}},
                    "e2": {"title": "E", "bsonType": "object", "properties": {"x": {"bsonType": "string"}}}}}),
                "A.properties.e2",
                "conflicting definitions of embedded class \"E\"",
            ),
        ];
        for (doc, path, needle) in cases {
            let err = Schema::from_json_schema(std::slice::from_ref(&doc)).unwrap_err();
            let message = err.to_string();
            assert!(
                message.contains(&format!("at {path}:")) && message.contains(needle),
                "{doc}: {message}"
            );
        }
    }

    #[test]
    fn links_are_checked_against_their_targets() {
        let a = json!({"title": "A", "bsonType": "object", "required": ["_id"],
            "properties": {"_id": {"bsonType": "objectId"}, "b": {"bsonType": "long"}},
            "relationships": {"b": {"ref": "#/relationship/x/y/B", "foreign_key": "_id", "is_list": false}}});
        let b_string = json!({"title": "B", "bsonType": "object", "required": ["_id"],
            "properties": {"_id": {"bsonType": "string"}}});
        let err = Schema::from_json_schema(&[a.clone(), b_string]).unwrap_err();
        assert!(err.to_string().contains("A.properties.b"), "{err}");
        assert!(err.to_string().contains("primary key is string"), "{err}");
        let b_long = json!({"title": "B", "bsonType": "object", "required": ["_id"],
            "properties": {"_id": {"bsonType": "long"}}});
        let import = Schema::from_json_schema(&[a.clone(), b_long.clone()]).unwrap();
        assert_eq!(
            import.schema.class("A").unwrap().property("b").unwrap(),
            &Property::link("b", "B")
        );
        import.schema.validate(true).unwrap();
        let err = Schema::from_json_schema(&[a.clone(), a.clone()]).unwrap_err();
        assert!(err.to_string().contains("more than one document"), "{err}");
    }
}
