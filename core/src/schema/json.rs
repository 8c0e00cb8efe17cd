//! The Realm JavaScript SDK form of a schema, as the product docs and the conformance data
//! write it: `{name, properties: {_id: 'objectId', birthday: {type: 'date', optional: true}},
//! primaryKey: '_id'}`, with the shorthand `string?`, `int[]`, `int<>`, `int{}`, `Class`.
//!
//! Parsing follows the SDK's normalisation: a to-one link and `mixed` are always nullable, a
//! list or set of links never has null elements, a dictionary of links always may.

use serde_json::{json, Map, Value as Json};

use super::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema, SchemaError,
};
use crate::value::Value;

impl Schema {
    /// Parses a schema from its JSON form: an array of classes (a single class object is
    /// accepted as a one-class schema). Only the shape is checked here; call
    /// [`Schema::validate`] for Realm's rules.
    pub fn from_json(json: &Json) -> Result<Schema, SchemaError> {
        match json {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| ObjectSchema::from_json_at(item, i))
                .collect::<Result<Vec<_>, _>>()
                .map(Schema::new),
            Json::Object(_) => Ok(Schema::new(vec![ObjectSchema::from_json_at(json, 0)?])),
            other => Err(SchemaError::Json {
                class: "#0".into(),
                property: None,
                reason: format!("a schema is an array of classes, got {}", json_kind(other)),
            }),
        }
    }

    /// Parses a schema from JSON text (see [`Schema::from_json`]).
    pub fn from_json_str(text: &str) -> Result<Schema, SchemaError> {
        let json: Json = serde_json::from_str(text).map_err(|e| SchemaError::Json {
            class: "#0".into(),
            property: None,
            reason: format!("not valid JSON: {e}"),
        })?;
        Schema::from_json(&json)
    }

    /// The schema's JSON form: an array of classes in declaration order.
    pub fn to_json(&self) -> Json {
        Json::Array(self.classes.iter().map(ObjectSchema::to_json).collect())
    }
}

impl ObjectSchema {
    /// Parses one class from its JSON form
    /// (`{name, properties, primaryKey?, embedded?, asymmetric?}`).
    pub fn from_json(json: &Json) -> Result<ObjectSchema, SchemaError> {
        Self::from_json_at(json, 0)
    }

    fn from_json_at(json: &Json, index: usize) -> Result<ObjectSchema, SchemaError> {
        let unnamed = format!("#{index}");
        let obj = json.as_object().ok_or_else(|| SchemaError::Json {
            class: unnamed.clone(),
            property: None,
            reason: format!("a class is a JSON object, got {}", json_kind(json)),
        })?;
        let name = match obj.get("name") {
            Some(Json::String(name)) => name.clone(),
            Some(other) => {
                return Err(class_error(
                    &unnamed,
                    format!("'name' must be a string, got {}", json_kind(other)),
                ))
            }
            None => return Err(class_error(&unnamed, "'name' is missing".into())),
        };
        let mut class = ObjectSchema::new(name.clone(), Vec::new());
        for (key, value) in obj {
            match key.as_str() {
                "name" => {}
                "properties" => {
                    let props = value.as_object().ok_or_else(|| {
                        class_error(
                            &name,
                            format!(
                                "'properties' must be an object mapping names to types, got {}",
                                json_kind(value)
                            ),
                        )
                    })?;
                    for (prop_name, prop_json) in props {
                        class
                            .properties
                            .push(Property::from_json(&name, prop_name, prop_json)?);
                    }
                }
                "primaryKey" => match value {
                    Json::String(pk) => class.primary_key = Some(pk.clone()),
                    Json::Null => {}
                    other => {
                        return Err(class_error(
                            &name,
                            format!("'primaryKey' must be a string, got {}", json_kind(other)),
                        ))
                    }
                },
                "embedded" => class.embedded = json_bool(&name, None, key, value)?,
                "asymmetric" => class.asymmetric = json_bool(&name, None, key, value)?,
                other => {
                    return Err(class_error(
                        &name,
                        format!(
                            "unknown key {other:?} (expected name, properties, primaryKey, \
                             embedded, asymmetric)"
                        ),
                    ))
                }
            }
        }
        if !obj.contains_key("properties") {
            return Err(class_error(&name, "'properties' is missing".into()));
        }
        Ok(class)
    }

    /// The class's JSON form. Properties come in declaration order; `primaryKey`, `embedded`
    /// and `asymmetric` appear only when set.
    pub fn to_json(&self) -> Json {
        let mut obj = Map::new();
        obj.insert("name".into(), Json::String(self.name.clone()));
        if self.embedded {
            obj.insert("embedded".into(), Json::Bool(true));
        }
        if self.asymmetric {
            obj.insert("asymmetric".into(), Json::Bool(true));
        }
        if let Some(pk) = &self.primary_key {
            obj.insert("primaryKey".into(), Json::String(pk.clone()));
        }
        let props: Map<String, Json> = self
            .properties
            .iter()
            .map(|p| (p.name.clone(), p.to_json()))
            .collect();
        obj.insert("properties".into(), Json::Object(props));
        Json::Object(obj)
    }
}

/// What a type string (`int?`, `Dog[]`, `string{}`) says.
struct TypeSpec {
    ty: PropertyType,
    object_type: Option<String>,
    collection: Collection,
    optional: bool,
    /// `counter`: an `int` presented as a counter.
    counter: bool,
}

const COLLECTION_SUFFIXES: [(&str, Collection); 3] = [
    ("[]", Collection::List),
    ("<>", Collection::Set),
    ("{}", Collection::Dictionary),
];

fn strip_collection_suffix(text: &str) -> Option<(&str, Collection)> {
    COLLECTION_SUFFIXES
        .iter()
        .find_map(|(suffix, c)| text.strip_suffix(suffix).map(|rest| (rest, *c)))
}

/// Parses the shorthand: `T`, `T?`, `T[]`, `T?[]`, `T<>`, `T?<>`, `T{}`, `T?{}`, where `T` is a
/// scalar type name or a class name.
fn parse_shorthand(text: &str) -> Result<TypeSpec, String> {
    if text.ends_with('?') && strip_collection_suffix(&text[..text.len() - 1]).is_some() {
        return Err(format!(
            "type {text:?}: a collection cannot be null; to allow null elements write the '?' \
             before the brackets (e.g. \"int?[]\")"
        ));
    }
    let (rest, collection) = strip_collection_suffix(text).unwrap_or((text, Collection::Single));
    let (base, optional) = match rest.strip_suffix('?') {
        Some(base) => (base, true),
        None => (rest, false),
    };
    if strip_collection_suffix(base).is_some()
        || strip_collection_suffix(rest).is_some()
        || matches!(base, "list" | "set" | "dictionary")
    {
        return Err(format!(
            "type {text:?}: collections of collections are not supported"
        ));
    }
    if base.is_empty() || base.ends_with('?') {
        return Err(format!("type {text:?} is not a type name"));
    }
    if base == "object" || base == "linkingObjects" {
        return Err(format!(
            "type {text:?}: '{base}' needs the long form with 'objectType'{}",
            if base == "linkingObjects" {
                " and 'property'"
            } else {
                ""
            }
        ));
    }
    if base == "counter" {
        if collection != Collection::Single {
            return Err(format!(
                "type {text:?}: a counter cannot be inside a collection"
            ));
        }
        return Ok(TypeSpec {
            ty: PropertyType::Int,
            object_type: None,
            collection,
            optional,
            counter: true,
        });
    }
    if let Some(ty) = PropertyType::from_scalar_name(base) {
        return Ok(TypeSpec {
            ty,
            object_type: None,
            collection,
            optional: optional || ty == PropertyType::Mixed,
            counter: false,
        });
    }
    if base.contains(['?', '[', ']', '<', '>', '{', '}']) {
        return Err(format!("type {text:?} is not a type name"));
    }
    link_spec(base, collection, optional, text)
}

/// A link (or embedded object) type with Realm's fixed nullability.
fn link_spec(
    target: &str,
    collection: Collection,
    optional: bool,
    text: &str,
) -> Result<TypeSpec, String> {
    let optional = match collection {
        Collection::Single | Collection::Dictionary => true,
        Collection::List | Collection::Set if optional => {
            return Err(format!(
                "type {text:?}: a {} of links cannot hold null",
                collection.name().unwrap_or("collection")
            ))
        }
        Collection::List | Collection::Set => false,
    };
    Ok(TypeSpec {
        ty: PropertyType::Object,
        object_type: Some(target.to_owned()),
        collection,
        optional,
        counter: false,
    })
}

impl Property {
    /// Parses one property of class `class` from its JSON form: a type string (shorthand) or
    /// an object `{type, objectType?, property?, optional?, indexed?, default?, presentation?}`.
    pub fn from_json(class: &str, name: &str, json: &Json) -> Result<Property, SchemaError> {
        let err = |reason: String| SchemaError::Json {
            class: class.to_owned(),
            property: Some(name.to_owned()),
            reason,
        };
        let obj = match json {
            Json::String(text) => {
                let spec = parse_shorthand(text).map_err(err)?;
                return Ok(property_from_spec(name, spec));
            }
            Json::Object(obj) => obj,
            other => {
                return Err(err(format!(
                    "a property is a type string or an object, got {}",
                    json_kind(other)
                )))
            }
        };
        let type_text = match obj.get("type") {
            Some(Json::String(t)) => t.as_str(),
            Some(other) => {
                return Err(err(format!(
                    "'type' must be a string, got {}",
                    json_kind(other)
                )))
            }
            None => return Err(err("'type' is missing".into())),
        };
        let object_type = match obj.get("objectType") {
            Some(Json::String(t)) => Some(t.as_str()),
            Some(Json::Null) | None => None,
            Some(other) => {
                return Err(err(format!(
                    "'objectType' must be a string, got {}",
                    json_kind(other)
                )))
            }
        };
        let explicit_optional = match obj.get("optional") {
            Some(v) => Some(json_bool(class, Some(name), "optional", v)?),
            None => None,
        };
        let mut spec = match type_text {
            "list" | "set" | "dictionary" => {
                let collection = match type_text {
                    "list" => Collection::List,
                    "set" => Collection::Set,
                    _ => Collection::Dictionary,
                };
                let element = object_type.ok_or_else(|| {
                    err(format!(
                        "type '{type_text}' needs 'objectType' (the element type or class)"
                    ))
                })?;
                element_spec(element, collection, explicit_optional).map_err(err)?
            }
            "object" => {
                let target = object_type.ok_or_else(|| {
                    err("type 'object' needs 'objectType' (the target class)".into())
                })?;
                if PropertyType::from_scalar_name(target).is_some()
                    || matches!(
                        target,
                        "object" | "linkingObjects" | "list" | "set" | "dictionary"
                    )
                {
                    return Err(err(format!(
                        "type 'object' links to a class; {target:?} is a type, not a class"
                    )));
                }
                if explicit_optional == Some(false) {
                    return Err(err(
                        "a to-one link is always optional ('optional: false' is not allowed)"
                            .into(),
                    ));
                }
                link_spec(target, Collection::Single, true, target).map_err(err)?
            }
            "linkingObjects" => {
                let origin_class = object_type.ok_or_else(|| {
                    err("type 'linkingObjects' needs 'objectType' (the origin class)".into())
                })?;
                let origin_property = match obj.get("property") {
                    Some(Json::String(p)) => p.clone(),
                    Some(other) => {
                        return Err(err(format!(
                            "'property' must be a string, got {}",
                            json_kind(other)
                        )))
                    }
                    None => {
                        return Err(err(
                            "type 'linkingObjects' needs 'property' (the origin class's link \
                             property)"
                                .into(),
                        ))
                    }
                };
                if explicit_optional == Some(true) {
                    return Err(err("backlinks ('linkingObjects') cannot be optional".into()));
                }
                let mut p = Property::linking_objects(name, origin_class, origin_property);
                apply_options(&mut p, obj, class, name)?;
                return Ok(p);
            }
            other => {
                if object_type.is_some() {
                    return Err(err(format!(
                        "'objectType' is only allowed with type object, list, set, dictionary \
                         or linkingObjects, not {other:?}"
                    )));
                }
                let mut spec = parse_shorthand(other).map_err(err)?;
                if let Some(optional) = explicit_optional {
                    if spec.ty == PropertyType::Object || spec.ty == PropertyType::Mixed {
                        if optional != spec.optional {
                            return Err(err(format!(
                                "type {other:?} cannot be made {}",
                                if optional { "optional" } else { "required" }
                            )));
                        }
                    } else if other.contains('?') && !optional {
                        return Err(err(format!(
                            "type {other:?} says optional but 'optional' is false"
                        )));
                    } else {
                        spec.optional = optional || spec.optional;
                    }
                }
                spec
            }
        };
        if obj.contains_key("property") {
            return Err(err(
                "'property' is only allowed with type 'linkingObjects'".into()
            ));
        }
        // Mixed is always nullable, whatever the JSON said (the SDK's normalisation).
        if spec.ty == PropertyType::Mixed {
            spec.optional = true;
        }
        let mut p = property_from_spec(name, spec);
        apply_options(&mut p, obj, class, name)?;
        Ok(p)
    }

    /// The property's JSON form: the bare type name for a required, unindexed scalar without
    /// default (and for `mixed`), the object form otherwise.
    pub fn to_json(&self) -> Json {
        let plain = self.collection == Collection::Single
            && self.ty != PropertyType::Object
            && self.ty != PropertyType::LinkingObjects
            && (!self.optional || self.ty == PropertyType::Mixed)
            && self.index == IndexKind::None
            && self.default.is_none()
            && self.presentation == Presentation::Plain;
        if plain {
            return Json::String(self.ty.name().to_owned());
        }
        let mut obj = Map::new();
        match (self.ty, self.collection) {
            (PropertyType::LinkingObjects, _) => {
                obj.insert("type".into(), json!("linkingObjects"));
                obj.insert("objectType".into(), json!(self.object_type));
                obj.insert("property".into(), json!(self.origin_property));
            }
            (ty, Collection::Single) => {
                obj.insert("type".into(), json!(ty.name()));
                if ty == PropertyType::Object {
                    obj.insert("objectType".into(), json!(self.object_type));
                }
            }
            (ty, collection) => {
                obj.insert("type".into(), json!(collection.name()));
                let element = match ty {
                    PropertyType::Object => self.object_type.clone().unwrap_or_default(),
                    ty => ty.name().to_owned(),
                };
                obj.insert("objectType".into(), Json::String(element));
            }
        }
        if self.optional && self.ty != PropertyType::LinkingObjects {
            obj.insert("optional".into(), Json::Bool(true));
        }
        match self.index {
            IndexKind::None => {}
            IndexKind::Regular => {
                obj.insert("indexed".into(), Json::Bool(true));
            }
            IndexKind::FullText => {
                obj.insert("indexed".into(), json!("full-text"));
            }
        }
        if let Some(default) = &self.default {
            obj.insert("default".into(), default_to_json(default));
        }
        if self.presentation == Presentation::Counter {
            obj.insert("presentation".into(), json!("counter"));
        }
        Json::Object(obj)
    }
}

/// The element type of a list, set or dictionary given as `objectType`.
fn element_spec(
    element: &str,
    collection: Collection,
    explicit_optional: Option<bool>,
) -> Result<TypeSpec, String> {
    if matches!(element, "list" | "set" | "dictionary")
        || strip_collection_suffix(element.trim_end_matches('?')).is_some()
    {
        return Err(format!(
            "objectType {element:?}: collections of collections are not supported"
        ));
    }
    if matches!(element, "object" | "linkingObjects") {
        return Err(format!(
            "objectType {element:?}: name the element type or the target class"
        ));
    }
    if element.trim_end_matches('?') == "counter" {
        return Err("a counter cannot be inside a collection".into());
    }
    // `objectType: 'int?'` is another way to say nullable elements.
    let (element, marked_optional) = match element.strip_suffix('?') {
        Some(base) => (base, true),
        None => (element, false),
    };
    if marked_optional && explicit_optional == Some(false) {
        return Err(format!(
            "objectType \"{element}?\" says nullable elements but 'optional' is false"
        ));
    }
    let optional = marked_optional || explicit_optional.unwrap_or(false);
    if element.is_empty() || element.contains(['?', '[', ']', '<', '>', '{', '}']) {
        return Err(format!(
            "objectType {element:?} is not a type or class name (use 'optional' for null \
             elements)"
        ));
    }
    match PropertyType::from_scalar_name(element) {
        Some(ty) => Ok(TypeSpec {
            ty,
            object_type: None,
            collection,
            optional: optional || ty == PropertyType::Mixed,
            counter: false,
        }),
        None => {
            // The SDK rejects `optional: true` on lists/sets of links and forces it on
            // dictionaries of links.
            let description = format!("{element}[]");
            link_spec(element, collection, optional, &description)
        }
    }
}

fn property_from_spec(name: &str, spec: TypeSpec) -> Property {
    Property {
        collection: spec.collection,
        optional: spec.optional,
        object_type: spec.object_type,
        presentation: if spec.counter {
            Presentation::Counter
        } else {
            Presentation::Plain
        },
        ..Property::new(name, spec.ty)
    }
}

/// Reads `indexed`, `default`, `presentation` (and tolerates `name`/`mapTo` equal to the
/// property's own name, as Realm's own schema listings print them).
fn apply_options(
    p: &mut Property,
    obj: &Map<String, Json>,
    class: &str,
    name: &str,
) -> Result<(), SchemaError> {
    let err = |reason: String| SchemaError::Json {
        class: class.to_owned(),
        property: Some(name.to_owned()),
        reason,
    };
    for (key, value) in obj {
        match key.as_str() {
            "type" | "objectType" | "optional" | "property" => {}
            "name" | "mapTo" => {
                if value.as_str() != Some(name) {
                    return Err(err(format!(
                        "'{key}' must equal the property's name (renaming with '{key}' is not \
                         supported)"
                    )));
                }
            }
            "indexed" => {
                p.index = match value {
                    Json::Bool(true) => IndexKind::Regular,
                    Json::Bool(false) | Json::Null => IndexKind::None,
                    Json::String(s) if s == "full-text" => IndexKind::FullText,
                    other => {
                        return Err(err(format!(
                            "'indexed' must be true, false or \"full-text\", got {other}"
                        )))
                    }
                }
            }
            "default" => {
                p.default = Some(
                    default_from_json(p, value)
                        .map_err(|reason| err(format!("'default' {value}: {reason}")))?,
                );
            }
            "presentation" => match value.as_str() {
                Some("counter") if p.ty == PropertyType::Int && !p.is_collection() => {
                    p.presentation = Presentation::Counter
                }
                Some("counter") => {
                    return Err(err(
                        "presentation \"counter\" is only allowed on a single int".into(),
                    ))
                }
                _ => {
                    return Err(err(format!(
                        "'presentation' must be \"counter\", got {value}"
                    )))
                }
            },
            other => {
                return Err(err(format!(
                    "unknown key {other:?} (expected type, objectType, property, optional, \
                     indexed, default, presentation)"
                )))
            }
        }
    }
    Ok(())
}

/// A default value given in (Extended) JSON, typed by the property it belongs to: plain JSON
/// numbers, strings and booleans take the property's type, other types use Extended JSON.
fn default_from_json(p: &Property, json: &Json) -> Result<Value, String> {
    if p.is_link() || p.is_computed() {
        return Err("links, embedded objects and backlinks cannot have a default".into());
    }
    Value::from_extended_json(json, p).map_err(|e| e.to_string())
}

/// A default value in the JSON form `default_from_json` reads back.
fn default_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::String(s) => Json::String(s.clone()),
        Value::Float(f) => float_json(f64::from(*f), f.to_string()),
        Value::Double(d) => float_json(*d, d.to_string()),
        Value::List(items) | Value::Set(items) => {
            Json::Array(items.iter().map(default_to_json).collect())
        }
        Value::Dictionary(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), default_to_json(v)))
                .collect(),
        ),
        other => other.to_extended_json(),
    }
}

/// A finite float as a JSON number written with the fewest digits that read back the same
/// (`0.1f32` → `0.1`, not `0.10000000149011612`); NaN and infinities as `$numberDouble`.
fn float_json(value: f64, shortest: String) -> Json {
    if value.is_finite() {
        shortest
            .parse::<serde_json::Number>()
            .map(Json::Number)
            .unwrap_or_else(|_| json!(value))
    } else {
        let text = if value.is_nan() {
            "NaN"
        } else if value > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        json!({ "$numberDouble": text })
    }
}

fn json_bool(
    class: &str,
    property: Option<&str>,
    key: &str,
    value: &Json,
) -> Result<bool, SchemaError> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::Null => Ok(false),
        other => Err(SchemaError::Json {
            class: class.to_owned(),
            property: property.map(str::to_owned),
            reason: format!("'{key}' must be true or false, got {}", json_kind(other)),
        }),
    }
}

fn class_error(class: &str, reason: String) -> SchemaError {
    SchemaError::Json {
        class: class.to_owned(),
        property: None,
        reason,
    }
}

/// `a string`, `an array`, … for error messages.
pub(crate) fn json_kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::value::Timestamp;

    fn parse(json: Json) -> Result<Schema, SchemaError> {
        Schema::from_json(&json)
    }

    fn prop(ty: Json) -> Result<Property, SchemaError> {
        Property::from_json("C", "p", &ty)
    }

    #[test]
    fn seeds_example_parses() {
        let schema = parse(json!([{
            "name": "User",
            "properties": {
                "_id": "objectId",
                "_partition": "string",
                "name": "string",
                "birthday": {"type": "date", "optional": true}
            },
            "primaryKey": "_id"
        }]))
        .unwrap();
        let user = schema.class("User").unwrap();
        assert_eq!(user.primary_key.as_deref(), Some("_id"));
        let names: Vec<_> = user.properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["_id", "_partition", "name", "birthday"]);
        assert_eq!(
            user.property("birthday").unwrap(),
            &Property::new("birthday", PropertyType::Date).optional()
        );
        assert_eq!(user.property("_id").unwrap().ty, PropertyType::ObjectId);
        schema.validate(true).unwrap();
    }

    #[test]
    fn shorthand_forms() {
        use PropertyType::*;
        let cases: Vec<(&str, Property)> = vec![
            ("bool", Property::new("p", Bool)),
            ("int", Property::new("p", Int)),
            ("float", Property::new("p", Float)),
            ("double", Property::new("p", Double)),
            ("string?", Property::new("p", String).optional()),
            ("data", Property::new("p", Binary)),
            ("date", Property::new("p", Date)),
            ("objectId", Property::new("p", ObjectId)),
            ("uuid?", Property::new("p", Uuid).optional()),
            ("decimal128", Property::new("p", Decimal128)),
            ("mixed", Property::new("p", Mixed).optional()),
            ("int[]", Property::new("p", Int).list()),
            ("int?[]", Property::new("p", Int).list().optional()),
            ("string<>", Property::new("p", String).set()),
            ("date?{}", Property::new("p", Date).dictionary().optional()),
            ("mixed[]", Property::new("p", Mixed).list()),
            ("Dog", Property::link("p", "Dog")),
            ("Dog?", Property::link("p", "Dog")),
            ("Dog[]", Property::link("p", "Dog").list()),
            ("Dog<>", Property::link("p", "Dog").set()),
            ("Dog{}", Property::link("p", "Dog").dictionary()),
            ("counter", Property::new("p", Int).counter()),
            ("counter?", Property::new("p", Int).counter().optional()),
        ];
        for (text, expected) in cases {
            assert_eq!(prop(json!(text)).unwrap(), expected, "{text}");
        }
        assert!(Property::link("p", "Dog").dictionary().optional);
        assert!(Property::new("p", Mixed).list().optional);
    }

    #[test]
    fn long_forms() {
        use PropertyType::*;
        let cases: Vec<(Json, Property)> = vec![
            (
                json!({"type": "int", "optional": true}),
                Property::new("p", Int).optional(),
            ),
            (
                json!({"type": "string", "indexed": true}),
                Property::new("p", String).indexed(),
            ),
            (
                json!({"type": "string", "indexed": "full-text"}),
                Property::new("p", String).full_text_indexed(),
            ),
            (
                json!({"type": "list", "objectType": "int"}),
                Property::new("p", Int).list(),
            ),
            (
                json!({"type": "set", "objectType": "string", "optional": true}),
                Property::new("p", String).set().optional(),
            ),
            (
                json!({"type": "dictionary", "objectType": "mixed"}),
                Property::new("p", Mixed).dictionary(),
            ),
            (
                json!({"type": "object", "objectType": "Pond", "optional": true}),
                Property::link("p", "Pond"),
            ),
            (
                json!({"type": "object", "objectType": "Pond"}),
                Property::link("p", "Pond"),
            ),
            (
                json!({"type": "list", "objectType": "Pond"}),
                Property::link("p", "Pond").list(),
            ),
            (json!({"type": "Pond"}), Property::link("p", "Pond")),
            (
                json!({"type": "linkingObjects", "objectType": "Project", "property": "items"}),
                Property::linking_objects("p", "Project", "items"),
            ),
            (
                json!({"type": "int", "default": 0}),
                Property::new("p", Int).with_default(Value::Int(0)),
            ),
            (
                json!({"type": "bool", "default": false}),
                Property::new("p", Bool).with_default(Value::Bool(false)),
            ),
            (
                json!({"type": "float", "default": 1.5}),
                Property::new("p", Float).with_default(Value::Float(1.5)),
            ),
            (
                json!({"type": "double", "default": 2}),
                Property::new("p", Double).with_default(Value::Double(2.0)),
            ),
            (
                json!({"type": "date", "default": {"$date": "2020-01-01T00:00:00.000000001Z"}}),
                Property::new("p", Date)
                    .with_default(Value::Date(Timestamp::new(1_577_836_800, 1))),
            ),
            (
                json!({"type": "int", "presentation": "counter"}),
                Property::new("p", Int).counter(),
            ),
            (
                json!({"type": "counter", "optional": true}),
                Property::new("p", Int).counter().optional(),
            ),
            (
                json!({"type": "int[]", "name": "p", "mapTo": "p"}),
                Property::new("p", Int).list(),
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(prop(json.clone()).unwrap(), expected, "{json}");
        }
    }

    #[test]
    fn bad_properties_are_named_errors() {
        let bad = [
            (json!("int[][]"), "collections of collections"),
            (json!("int[]?"), "a collection cannot be null"),
            (
                json!({"type": "list", "objectType": "list"}),
                "collections of collections",
            ),
            (
                json!({"type": "list", "objectType": "int[]"}),
                "collections of collections",
            ),
            (json!({"type": "list"}), "needs 'objectType'"),
            (json!("counter[]"), "counter cannot be inside a collection"),
            (
                json!({"type": "list", "objectType": "counter"}),
                "counter cannot be inside",
            ),
            (
                json!({"type": "list", "objectType": "int?", "optional": false}),
                "'optional' is false",
            ),
            (
                json!({"type": "list", "objectType": "Dog?"}),
                "cannot hold null",
            ),
            (json!("object"), "needs the long form"),
            (json!("linkingObjects"), "needs the long form"),
            (
                json!({"type": "linkingObjects", "objectType": "A"}),
                "needs 'property'",
            ),
            (
                json!({"type": "object", "objectType": "A", "optional": false}),
                "always optional",
            ),
            (
                json!({"type": "object", "objectType": "int"}),
                "is a type, not a class",
            ),
            (json!("Dog?[]"), "cannot hold null"),
            (
                json!({"type": "list", "objectType": "Dog", "optional": true}),
                "cannot hold null",
            ),
            (
                json!({"type": "mixed", "optional": false}),
                "cannot be made required",
            ),
            (
                json!({"type": "int", "objectType": "A"}),
                "'objectType' is only allowed",
            ),
            (
                json!({"type": "int", "indexed": "yes"}),
                "'indexed' must be",
            ),
            (json!({"type": "int", "default": "zero"}), "'default'"),
            (
                json!({"type": "int", "default": 1.5}),
                "not a 64-bit integer",
            ),
            (json!({"type": "int", "mapTo": "q"}), "renaming"),
            (
                json!({"type": "int", "colour": "red"}),
                "unknown key \"colour\"",
            ),
            (
                json!({"type": "string", "presentation": "counter"}),
                "single int",
            ),
            (json!({"optional": true}), "'type' is missing"),
            (json!(3), "type string or an object"),
            (json!("int??"), "not a type name"),
            (json!(""), "not a type name"),
        ];
        for (json, needle) in bad {
            let err = prop(json.clone()).expect_err(&json.to_string());
            let message = err.to_string();
            assert!(message.contains(needle), "{json}: {message}");
            assert!(message.contains("class \"C\", property \"p\""), "{message}");
        }
    }

    #[test]
    fn bad_classes_are_named_errors() {
        let bad = [
            (json!({"properties": {}}), "#0", "'name' is missing"),
            (json!({"name": "A"}), "\"A\"", "'properties' is missing"),
            (
                json!({"name": "A", "properties": []}),
                "\"A\"",
                "'properties' must be an object",
            ),
            (
                json!({"name": "A", "properties": {}, "primaryKey": 1}),
                "\"A\"",
                "'primaryKey'",
            ),
            (
                json!({"name": "A", "properties": {}, "embedded": "yes"}),
                "\"A\"",
                "'embedded'",
            ),
            (
                json!({"name": "A", "properties": {}, "primarykey": "x"}),
                "\"A\"",
                "unknown key",
            ),
        ];
        for (json, class, needle) in bad {
            let message = parse(json!([json])).unwrap_err().to_string();
            assert!(
                message.contains(class) && message.contains(needle),
                "{message}"
            );
        }
        assert!(parse(json!("User")).is_err());
        assert!(Schema::from_json_str("[{")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        let second = parse(json!([{"name": "A", "properties": {}}, 7])).unwrap_err();
        assert!(second.to_string().contains("#1"), "{second}");
    }

    #[test]
    fn to_json_reads_back_the_same_schema() {
        use PropertyType::*;
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "Every",
                vec![
                    Property::new("_id", ObjectId),
                    Property::new("b", Bool),
                    Property::new("i", Int).indexed(),
                    Property::new("f", Float).optional(),
                    Property::new("d", Double).with_default(Value::Double(0.5)),
                    Property::new("fd", Float).with_default(Value::Float(0.1)),
                    Property::new("s", String).full_text_indexed(),
                    Property::new("bin", Binary).optional(),
                    Property::new("t", Date).with_default(Value::Date(Timestamp::new(-1, -5))),
                    Property::new("u", Uuid),
                    Property::new("dec", Decimal128).optional(),
                    Property::new("m", Mixed),
                    Property::new("c", Int).counter(),
                    Property::new("li", Int).list(),
                    Property::new("lo", String).list().optional(),
                    Property::new("si", Int).set(),
                    Property::new("dm", Mixed).dictionary(),
                    Property::new("ds", String).dictionary(),
                    Property::link("one", "Every"),
                    Property::link("many", "Every").list(),
                    Property::link("uniq", "Every").set(),
                    Property::link("map", "Every").dictionary(),
                    Property::link("addr", "Address"),
                    Property::link("addrs", "Address").list(),
                    Property::linking_objects("back", "Every", "many"),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new("Address", vec![Property::new("street", String)]).into_embedded(),
            ObjectSchema::new("Log", vec![Property::new("_id", Uuid)])
                .with_primary_key("_id")
                .into_asymmetric(),
        ]);
        schema.validate(true).unwrap();
        let json = schema.to_json();
        assert_eq!(json[0]["properties"]["_id"], json!("objectId"));
        assert_eq!(
            json[0]["properties"]["f"],
            json!({"type": "float", "optional": true})
        );
        assert_eq!(json[0]["properties"]["fd"]["default"], json!(0.1));
        assert_eq!(
            json[0]["properties"]["one"],
            json!({"type": "object", "objectType": "Every", "optional": true})
        );
        assert_eq!(json[1]["embedded"], json!(true));
        let text = serde_json::to_string(&json).unwrap();
        assert_eq!(Schema::from_json_str(&text).unwrap(), schema);
    }

    #[test]
    fn every_conformance_schema_parses_validates_and_round_trips() {
        // `../shared/conformance/` beside the repository (found from any worktree depth).
        let text = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared/conformance/rql_cases.json"))
            .find_map(|path| std::fs::read_to_string(path).ok())
            .expect("shared/conformance/rql_cases.json beside the repository");
        let data: Json = serde_json::from_str(&text).unwrap();
        let suites = data["suites"].as_array().unwrap();
        assert!(!suites.is_empty());
        for suite in suites {
            let schema = Schema::from_json(&suite["schema"]).unwrap();
            schema.validate(false).unwrap();
            assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
        }
    }
}
