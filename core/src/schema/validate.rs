//! Realm's schema rules, plus Atlas Device Sync's for synced schemas (`seeds/`: primary key
//! `_id`, name limits, reserved field names).

use std::collections::HashSet;

use super::{
    Collection, IndexKind, ObjectSchema, Presentation, Property, PropertyType, Schema, SchemaError,
};
use crate::value::Value;

/// The longest class name, in UTF-8 bytes (Device Sync's limit; Realm's table names too).
pub const MAX_CLASS_NAME_BYTES: usize = 57;

/// The longest property name, in UTF-8 bytes (Realm's column name limit).
pub const MAX_PROPERTY_NAME_BYTES: usize = 63;

/// Field names Device Sync reserves in any capitalisation (`seeds/flexible-sync.txt`).
const RESERVED_ANY_CASE: [&str; 22] = [
    "and",
    "asc",
    "ascending",
    "beginswith",
    "between",
    "contains",
    "desc",
    "descending",
    "distinct",
    "endswith",
    "falsepredicate",
    "inf",
    "infinity",
    "like",
    "limit",
    "nan",
    "nil",
    "null",
    "or",
    "sort",
    "subquery",
    "truepredicate",
];

/// Field names Device Sync reserves with exactly this capitalisation (`seeds/flexible-sync.txt`).
const RESERVED_EXACT: [&str; 18] = [
    "ALL", "ANY", "B64", "IN", "NONE", "NOT", "SOME", "TRUE", "all", "any", "false", "in", "none",
    "not", "oid", "some", "true", "uuid",
];

/// Whether Device Sync reserves `name` as a field name: one of its keywords in any
/// capitalisation (`descending`, `DeScEnDiNg`), or with the exact capitalisation listed
/// (`true` and `TRUE`, but not `True`).
pub fn is_reserved_field_name(name: &str) -> bool {
    RESERVED_ANY_CASE
        .iter()
        .any(|k| k.eq_ignore_ascii_case(name))
        || RESERVED_EXACT.contains(&name)
}

impl PropertyType {
    /// Whether `value` (not null) is a value of this type. `mixed` takes anything.
    pub fn accepts(self, value: &Value) -> bool {
        matches!(
            (self, value),
            (PropertyType::Mixed, _)
                | (PropertyType::Bool, Value::Bool(_))
                | (PropertyType::Int, Value::Int(_))
                | (PropertyType::Float, Value::Float(_))
                | (PropertyType::Double, Value::Double(_))
                | (PropertyType::String, Value::String(_))
                | (PropertyType::Binary, Value::Binary(_))
                | (PropertyType::Date, Value::Date(_))
                | (PropertyType::ObjectId, Value::ObjectId(_))
                | (PropertyType::Uuid, Value::Uuid(_))
                | (PropertyType::Decimal128, Value::Decimal(_))
                | (PropertyType::Object, Value::Link(_) | Value::Embedded(_))
        )
    }

    /// Whether a regular index can be built on a single property of this type.
    pub fn is_indexable(self) -> bool {
        matches!(
            self,
            PropertyType::Bool
                | PropertyType::Int
                | PropertyType::String
                | PropertyType::Date
                | PropertyType::ObjectId
                | PropertyType::Uuid
                | PropertyType::Mixed
        )
    }
}

impl Schema {
    /// Checks every rule and returns the first broken one.
    ///
    /// Realm's rules always apply: unique class and property names, class names of 1 to 57
    /// UTF-8 bytes and property names of 1 to 63, links to existing classes, embedded classes
    /// without a primary key, primary keys of type int/string/objectId/uuid, backlinks whose
    /// origin exists and links back, Realm's nullability rules (links and mixed always nullable,
    /// lists and sets of links never), indexes on indexable types only, defaults of the
    /// property's type. With `synced`, Device Sync's too: every top-level class has the primary
    /// key `_id`, and no property uses a reserved field name.
    pub fn validate(&self, synced: bool) -> Result<(), SchemaError> {
        match self.validation_errors(synced).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every broken rule (see [`Schema::validate`]), in class and property order.
    pub fn validation_errors(&self, synced: bool) -> Vec<SchemaError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for class in &self.classes {
            if !seen.insert(class.name.as_str()) {
                errors.push(SchemaError::DuplicateClass {
                    class: class.name.clone(),
                });
            }
            validate_class(self, class, synced, &mut errors);
        }
        errors
    }
}

fn validate_class(
    schema: &Schema,
    class: &ObjectSchema,
    synced: bool,
    errors: &mut Vec<SchemaError>,
) {
    let class_error = |reason: String| SchemaError::InvalidClass {
        class: class.name.clone(),
        reason,
    };
    if class.name.is_empty() {
        errors.push(SchemaError::InvalidClassName {
            class: class.name.clone(),
            reason: "a class name cannot be empty".into(),
        });
    } else if class.name.len() > MAX_CLASS_NAME_BYTES {
        errors.push(SchemaError::InvalidClassName {
            class: class.name.clone(),
            reason: format!(
                "the class name is {} UTF-8 bytes long; the limit is {MAX_CLASS_NAME_BYTES}",
                class.name.len()
            ),
        });
    }
    if class.embedded && class.asymmetric {
        errors.push(class_error(
            "a class cannot be both embedded and asymmetric".into(),
        ));
    }
    match (&class.primary_key, class.embedded) {
        (Some(pk), true) => errors.push(class_error(format!(
            "an embedded class cannot have a primary key (primaryKey is {pk:?})"
        ))),
        (Some(pk), false) => match class.property(pk) {
            None => errors.push(class_error(format!(
                "the primary key {pk:?} is not one of the class's properties"
            ))),
            Some(p) => {
                if p.is_collection()
                    || !p.ty.can_be_primary_key()
                    || p.presentation == Presentation::Counter
                {
                    errors.push(SchemaError::InvalidProperty {
                        class: class.name.clone(),
                        property: p.name.clone(),
                        reason: format!(
                            "a primary key must be of type int, string, objectId or uuid, not {}{}",
                            p.type_description(),
                            if p.presentation == Presentation::Counter {
                                " presented as a counter"
                            } else {
                                ""
                            }
                        ),
                    });
                }
                if synced && pk != "_id" {
                    errors.push(class_error(format!(
                        "a synced class's primary key must be named \"_id\", not {pk:?}"
                    )));
                }
            }
        },
        (None, false) if synced => errors.push(class_error(
            "a synced class needs a primary key named \"_id\" (of type objectId, string, int or \
             uuid)"
                .into(),
        )),
        (None, _) => {}
    }
    let mut seen = HashSet::new();
    for p in &class.properties {
        if !seen.insert(p.name.as_str()) {
            errors.push(SchemaError::DuplicateProperty {
                class: class.name.clone(),
                property: p.name.clone(),
            });
        }
        validate_property(schema, class, p, synced, errors);
    }
}

fn validate_property(
    schema: &Schema,
    class: &ObjectSchema,
    p: &Property,
    synced: bool,
    errors: &mut Vec<SchemaError>,
) {
    let name_error = |reason: String| SchemaError::InvalidPropertyName {
        class: class.name.clone(),
        property: p.name.clone(),
        reason,
    };
    if p.name.is_empty() {
        errors.push(name_error("a property name cannot be empty".into()));
    } else if p.name.len() > MAX_PROPERTY_NAME_BYTES {
        errors.push(name_error(format!(
            "the property name is {} UTF-8 bytes long; the limit is {MAX_PROPERTY_NAME_BYTES}",
            p.name.len()
        )));
    }
    if synced && is_reserved_field_name(&p.name) {
        errors.push(name_error(format!(
            "{:?} is a field name reserved by Device Sync",
            p.name
        )));
    }
    let mut invalid = |reason: String| {
        errors.push(SchemaError::InvalidProperty {
            class: class.name.clone(),
            property: p.name.clone(),
            reason,
        })
    };
    if p.origin_property.is_some() && p.ty != PropertyType::LinkingObjects {
        invalid("only a linkingObjects property has an origin property".into());
    }
    match p.ty {
        PropertyType::Object => validate_link(schema, class, p, &mut invalid),
        PropertyType::LinkingObjects => validate_backlink(schema, class, p, &mut invalid),
        ty => {
            if let Some(target) = &p.object_type {
                invalid(format!(
                    "a {} property has no objectType (got {target:?})",
                    ty.name()
                ));
            }
            if ty == PropertyType::Mixed && !p.optional {
                invalid("mixed is always nullable; it must be optional".into());
            }
        }
    }
    match p.index {
        IndexKind::None => {}
        IndexKind::Regular => {
            if p.is_collection() || !p.ty.is_indexable() {
                invalid(format!(
                    "a {} property cannot be indexed (indexable: single bool, int, string, \
                     date, objectId, uuid, mixed)",
                    p.type_description()
                ));
            }
        }
        IndexKind::FullText => {
            if p.is_collection() || p.ty != PropertyType::String {
                invalid(format!(
                    "a full-text index needs a single string property, not {}",
                    p.type_description()
                ));
            }
        }
    }
    if p.presentation == Presentation::Counter && (p.ty != PropertyType::Int || p.is_collection()) {
        invalid(format!(
            "only a single int can be a counter, not {}",
            p.type_description()
        ));
    }
    if let Some(default) = &p.default {
        if let Err(reason) = check_default(p, default) {
            invalid(format!("default value: {reason}"));
        }
    }
}

fn validate_link(
    schema: &Schema,
    class: &ObjectSchema,
    p: &Property,
    invalid: &mut impl FnMut(String),
) {
    let Some(target_name) = &p.object_type else {
        invalid("a link needs an objectType (the target class)".into());
        return;
    };
    let Some(target) = schema.class(target_name) else {
        invalid(format!(
            "links to {target_name:?}, which is not a class of the schema"
        ));
        return;
    };
    match p.collection {
        Collection::Single if !p.optional => {
            invalid("a to-one link is always nullable; it must be optional".into())
        }
        Collection::Dictionary if !p.optional => {
            invalid("a dictionary of links always has nullable values; it must be optional".into())
        }
        Collection::List | Collection::Set if p.optional => invalid(format!(
            "a {} of links cannot hold null; it cannot be optional",
            p.collection.name().unwrap_or("collection")
        )),
        _ => {}
    }
    if p.collection == Collection::Set && target.embedded {
        invalid(format!(
            "a set cannot hold embedded objects ({target_name:?} is embedded)"
        ));
    }
    if target.asymmetric {
        invalid(format!(
            "links to {target_name:?}, an asymmetric class; asymmetric objects cannot be linked to"
        ));
    }
    if class.asymmetric && !target.embedded {
        invalid(format!(
            "an asymmetric class can only hold embedded objects, and {target_name:?} is not \
             embedded"
        ));
    }
}

fn validate_backlink(
    schema: &Schema,
    class: &ObjectSchema,
    p: &Property,
    invalid: &mut impl FnMut(String),
) {
    if p.is_collection() {
        invalid("backlinks (linkingObjects) are already a collection; they cannot be in a list, set or dictionary".into());
    }
    if p.optional {
        invalid("backlinks (linkingObjects) cannot be optional".into());
    }
    if p.index != IndexKind::None || p.default.is_some() {
        invalid("backlinks (linkingObjects) are computed; they have no index or default".into());
    }
    let (Some(origin_class), Some(origin_property)) = (&p.object_type, &p.origin_property) else {
        invalid(
            "backlinks (linkingObjects) need an origin class (objectType) and an origin property \
             (property)"
                .into(),
        );
        return;
    };
    let Some(origin) = schema.class(origin_class) else {
        invalid(format!(
            "backlinks from {origin_class:?}, which is not a class of the schema"
        ));
        return;
    };
    match origin.property(origin_property) {
        None => invalid(format!(
            "backlinks via {origin_class}.{origin_property}, which does not exist"
        )),
        Some(op) if op.ty != PropertyType::Object => invalid(format!(
            "backlinks via {origin_class}.{origin_property}, which is a {} and not a link",
            op.type_description()
        )),
        Some(op) if op.object_type.as_deref() != Some(class.name.as_str()) => invalid(format!(
            "backlinks via {origin_class}.{origin_property}, which links to {:?} and not to {:?}",
            op.object_type.as_deref().unwrap_or(""),
            class.name
        )),
        Some(_) => {}
    }
}

fn check_default(p: &Property, default: &Value) -> Result<(), String> {
    if matches!(p.ty, PropertyType::Object | PropertyType::LinkingObjects) {
        return Err("links, embedded objects and backlinks cannot have a default".into());
    }
    let check_element = |v: &Value| -> Result<(), String> {
        match v {
            Value::Null if p.optional => Ok(()),
            Value::Null => Err(format!("null, but {} is required", p.type_description())),
            v if p.ty.accepts(v) => Ok(()),
            v => Err(format!(
                "a {} value, but the property is {}",
                v.type_name(),
                p.type_description()
            )),
        }
    };
    match (p.collection, default) {
        (Collection::Single, v) => check_element(v),
        (Collection::List, Value::List(items)) | (Collection::Set, Value::Set(items)) => {
            items.iter().try_for_each(check_element)
        }
        (Collection::Dictionary, Value::Dictionary(map)) => {
            map.values().try_for_each(check_element)
        }
        (_, v) => Err(format!(
            "a {} value, but the property is {}",
            v.type_name(),
            p.type_description()
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use PropertyType::*;

    fn synced_class(name: &str, mut props: Vec<Property>) -> ObjectSchema {
        props.insert(0, Property::new("_id", ObjectId));
        ObjectSchema::new(name, props).with_primary_key("_id")
    }

    /// The errors of `schema`, asserted to mention every needle.
    fn assert_error(schema: &Schema, synced: bool, needles: &[&str]) {
        let errors = schema.validation_errors(synced);
        let messages: Vec<std::string::String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages
                .iter()
                .any(|m| needles.iter().all(|n| m.contains(n))),
            "no error with {needles:?} in {messages:?}"
        );
        assert!(schema.validate(synced).is_err());
    }

    #[test]
    fn a_good_schema_passes_local_and_synced() {
        let schema = Schema::new(vec![
            synced_class(
                "Task",
                vec![
                    Property::new("name", String).indexed(),
                    Property::link("owner", "User"),
                    Property::link("address", "Address"),
                    Property::new("tags", String).set(),
                ],
            ),
            synced_class(
                "User",
                vec![Property::linking_objects("tasks", "Task", "owner")],
            ),
            ObjectSchema::new("Address", vec![Property::new("city", String)]).into_embedded(),
        ]);
        assert_eq!(schema.validation_errors(true), vec![]);
        schema.validate(false).unwrap();
    }

    #[test]
    fn duplicate_names() {
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "A",
                vec![Property::new("x", Int), Property::new("x", String)],
            ),
            ObjectSchema::new("A", vec![]),
        ]);
        assert_error(&schema, false, &["class \"A\" is declared more than once"]);
        assert_error(
            &schema,
            false,
            &["class \"A\", property \"x\"", "more than once"],
        );
    }

    #[test]
    fn name_lengths_count_utf8_bytes() {
        let ok57 = "a".repeat(57);
        let long = "é".repeat(29); // 58 bytes, 29 characters
        let schema = Schema::new(vec![ObjectSchema::new(ok57.clone(), vec![])]);
        schema.validate(false).unwrap();
        let schema = Schema::new(vec![ObjectSchema::new(long.clone(), vec![])]);
        assert_error(&schema, false, &[&long, "58 UTF-8 bytes", "limit is 57"]);
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![
                Property::new("p".repeat(63), Int),
                Property::new("q".repeat(64), Int),
            ],
        )]);
        let errors = schema.validation_errors(false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].to_string().contains("64 UTF-8 bytes"),
            "{}",
            errors[0]
        );
        assert_error(
            &Schema::new(vec![ObjectSchema::new("", vec![])]),
            false,
            &["empty"],
        );
        let schema = Schema::new(vec![ObjectSchema::new("A", vec![Property::new("", Int)])]);
        assert_error(&schema, false, &["class \"A\"", "empty"]);
    }

    #[test]
    fn reserved_field_names_for_synced_classes() {
        for name in [
            "descending",
            "DeScEnDiNg",
            "TRUEPREDICATE",
            "Null",
            "limit",
            "true",
            "TRUE",
            "oid",
            "IN",
            "uuid",
        ] {
            assert!(is_reserved_field_name(name), "{name}");
            let schema = Schema::new(vec![synced_class("A", vec![Property::new(name, Int)])]);
            assert_error(
                &schema,
                true,
                &["class \"A\"", &format!("property {name:?}"), "reserved"],
            );
            schema.validate(false).unwrap();
        }
        for name in ["True", "tRUE", "Oid", "Uuid", "In", "name", "sorted", "_id"] {
            assert!(!is_reserved_field_name(name), "{name}");
        }
    }

    #[test]
    fn primary_key_rules() {
        for ty in [Int, String, ObjectId, Uuid] {
            let schema = Schema::new(vec![
                ObjectSchema::new("A", vec![Property::new("_id", ty)]).with_primary_key("_id")
            ]);
            schema.validate(true).unwrap();
        }
        for ty in [Bool, Double, Date, Decimal128, Mixed] {
            let schema = Schema::new(vec![
                ObjectSchema::new("A", vec![Property::new("_id", ty)]).with_primary_key("_id")
            ]);
            assert_error(
                &schema,
                false,
                &[
                    "class \"A\", property \"_id\"",
                    "primary key must be of type",
                ],
            );
        }
        let counter_pk = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![Property::new("_id", Int).counter()],
        )
        .with_primary_key("_id")]);
        assert_error(
            &counter_pk,
            false,
            &["property \"_id\"", "primary key must be of type"],
        );
        let list_pk = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![Property::new("k", Int).list()],
        )
        .with_primary_key("k")]);
        assert_error(&list_pk, false, &["property \"k\"", "int[]"]);
        let missing = Schema::new(vec![ObjectSchema::new("A", vec![]).with_primary_key("id")]);
        assert_error(&missing, false, &["class \"A\"", "\"id\" is not one of"]);
        let not_id = Schema::new(vec![
            ObjectSchema::new("A", vec![Property::new("id", Int)]).with_primary_key("id")
        ]);
        not_id.validate(false).unwrap();
        assert_error(&not_id, true, &["class \"A\"", "must be named \"_id\""]);
        let none = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![Property::new("_id", Int)],
        )]);
        none.validate(false).unwrap();
        assert_error(&none, true, &["class \"A\"", "needs a primary key"]);
    }

    #[test]
    fn embedded_and_asymmetric_rules() {
        let schema = Schema::new(vec![ObjectSchema::new(
            "E",
            vec![Property::new("_id", Int)],
        )
        .with_primary_key("_id")
        .into_embedded()]);
        assert_error(
            &schema,
            false,
            &["class \"E\"", "embedded class cannot have a primary key"],
        );
        // Embedded classes need no `_id` when synced.
        let schema = Schema::new(vec![ObjectSchema::new("E", vec![]).into_embedded()]);
        schema.validate(true).unwrap();
        let both = Schema::new(vec![ObjectSchema::new("E", vec![])
            .into_embedded()
            .into_asymmetric()]);
        assert_error(&both, false, &["both embedded and asymmetric"]);
        let schema = Schema::new(vec![
            synced_class(
                "Log",
                vec![
                    Property::link("user", "User"),
                    Property::link("at", "Place"),
                ],
            )
            .into_asymmetric(),
            synced_class("User", vec![Property::link("last", "Log")]),
            ObjectSchema::new("Place", vec![]).into_embedded(),
        ]);
        let errors = schema.validation_errors(true);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_error(
            &schema,
            true,
            &["class \"Log\", property \"user\"", "only hold embedded"],
        );
        assert_error(
            &schema,
            true,
            &["class \"User\", property \"last\"", "asymmetric"],
        );
        let set_of_embedded = Schema::new(vec![
            ObjectSchema::new("A", vec![Property::link("s", "Place").set()]),
            ObjectSchema::new("Place", vec![]).into_embedded(),
        ]);
        assert_error(
            &set_of_embedded,
            false,
            &["property \"s\"", "set cannot hold embedded"],
        );
    }

    #[test]
    fn links_must_point_to_classes_with_realms_nullability() {
        let schema = Schema::new(vec![ObjectSchema::new("A", vec![Property::link("b", "B")])]);
        assert_error(
            &schema,
            false,
            &["class \"A\", property \"b\"", "\"B\", which is not a class"],
        );
        let mut required = Property::link("b", "A");
        required.optional = false;
        let mut optional_list = Property::link("l", "A").list();
        optional_list.optional = true;
        let mut required_dict = Property::link("d", "A").dictionary();
        required_dict.optional = false;
        let mut no_target = Property::link("n", "A");
        no_target.object_type = None;
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![required, optional_list, required_dict, no_target],
        )]);
        assert_error(&schema, false, &["property \"b\"", "must be optional"]);
        assert_error(&schema, false, &["property \"l\"", "cannot be optional"]);
        assert_error(&schema, false, &["property \"d\"", "must be optional"]);
        assert_error(&schema, false, &["property \"n\"", "needs an objectType"]);
        let mut required_mixed = Property::new("m", Mixed);
        required_mixed.optional = false;
        let mut int_with_target = Property::new("i", Int);
        int_with_target.object_type = Some("A".into());
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![required_mixed, int_with_target],
        )]);
        assert_error(
            &schema,
            false,
            &["property \"m\"", "mixed is always nullable"],
        );
        assert_error(&schema, false, &["property \"i\"", "has no objectType"]);
    }

    #[test]
    fn backlinks_must_have_an_origin_that_links_back() {
        let base = || {
            vec![
                ObjectSchema::new(
                    "Project",
                    vec![
                        Property::link("items", "Item").list(),
                        Property::new("n", Int),
                    ],
                ),
                ObjectSchema::new("Other", vec![]),
            ]
        };
        let with = |p: Property| {
            let mut classes = base();
            classes.push(ObjectSchema::new("Item", vec![p]));
            Schema::new(classes)
        };
        with(Property::linking_objects("projects", "Project", "items"))
            .validate(false)
            .unwrap();
        assert_error(
            &with(Property::linking_objects("p", "Nope", "items")),
            false,
            &["class \"Item\", property \"p\"", "\"Nope\""],
        );
        assert_error(
            &with(Property::linking_objects("p", "Project", "nope")),
            false,
            &["Project.nope", "does not exist"],
        );
        assert_error(
            &with(Property::linking_objects("p", "Project", "n")),
            false,
            &["Project.n", "not a link"],
        );
        let mut classes = base();
        classes.push(ObjectSchema::new("Item", vec![]));
        classes[1]
            .properties
            .push(Property::linking_objects("p", "Project", "items"));
        assert_error(
            &Schema::new(classes),
            false,
            &["class \"Other\"", "links to \"Item\" and not to \"Other\""],
        );
        let mut no_origin = Property::linking_objects("p", "Project", "items");
        no_origin.origin_property = None;
        assert_error(&with(no_origin), false, &["need an origin class"]);
        assert_error(
            &with(Property::linking_objects("p", "Project", "items").list()),
            false,
            &["already a collection"],
        );
        assert_error(
            &with(Property::linking_objects("p", "Project", "items").optional()),
            false,
            &["cannot be optional"],
        );
        let mut stray = Property::new("q", Int);
        stray.origin_property = Some("x".into());
        assert_error(
            &with(stray),
            false,
            &["only a linkingObjects property has an origin"],
        );
    }

    #[test]
    fn index_counter_and_default_rules() {
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![
                Property::new("ok_i", Int).indexed(),
                Property::new("ok_m", Mixed).indexed(),
                Property::new("ok_ft", String).full_text_indexed(),
                Property::new("ok_c", Int).counter(),
                Property::new("ok_d", Double)
                    .optional()
                    .with_default(Value::Null),
                Property::new("ok_l", Int)
                    .list()
                    .with_default(Value::List(vec![Value::Int(1)])),
                Property::new("d", Double).indexed(),
                Property::new("l", Int).list().indexed(),
                Property::new("ft", Int).full_text_indexed(),
                Property::new("c", String).counter(),
                Property::new("wrong", Int).with_default(Value::String("x".into())),
                Property::new("null", Int).with_default(Value::Null),
                Property::new("shape", Int)
                    .list()
                    .with_default(Value::Int(1)),
            ],
        )]);
        let errors = schema.validation_errors(false);
        assert_eq!(errors.len(), 7, "{errors:?}");
        assert_error(&schema, false, &["property \"d\"", "cannot be indexed"]);
        assert_error(&schema, false, &["property \"l\"", "cannot be indexed"]);
        assert_error(
            &schema,
            false,
            &["property \"ft\"", "full-text index needs a single string"],
        );
        assert_error(&schema, false, &["property \"c\"", "counter"]);
        assert_error(
            &schema,
            false,
            &["property \"wrong\"", "default value: a string value"],
        );
        assert_error(
            &schema,
            false,
            &["property \"null\"", "default value: null"],
        );
        assert_error(
            &schema,
            false,
            &["property \"shape\"", "default value: a int value"],
        );
        let schema = Schema::new(vec![ObjectSchema::new(
            "A",
            vec![Property::link("b", "A").with_default(Value::Null)],
        )]);
        assert_error(&schema, false, &["property \"b\"", "cannot have a default"]);
    }

    #[test]
    fn json_schemas_are_validated_too() {
        let schema = Schema::from_json_str(
            r#"[{"name": "Dog", "properties": {"_id": "objectId", "owner": "Person"}, "primaryKey": "_id"}]"#,
        )
        .unwrap();
        assert_error(
            &schema,
            true,
            &["class \"Dog\", property \"owner\"", "\"Person\""],
        );
    }
}
