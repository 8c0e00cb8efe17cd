//! Flexible Sync's rules for a schema and its queryable fields (`seeds/flexible-sync.txt`): at
//! most 10 queryable fields, each a top-level scalar or an array of scalars, no reserved field
//! names, a primary key `_id` of an allowed type in every synced class, class names of at most
//! 57 UTF-8 bytes.

use super::{is_reserved_field_name, Collection, PropertyType, Schema, SchemaError};

/// The most queryable fields an app may configure for Flexible Sync.
pub const MAX_QUERYABLE_FIELDS: usize = 10;

impl Schema {
    /// Checks the schema and its queryable fields against Flexible Sync's rules and returns the
    /// first problem (see [`Schema::sync_rule_errors`]).
    pub fn validate_sync_rules(&self, queryable_fields: &[String]) -> Result<(), SchemaError> {
        match self.sync_rule_errors(queryable_fields).into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every problem with the schema and its queryable fields under Flexible Sync's rules:
    /// every rule of [`Schema::validate`] for a synced schema (`_id` primary key of type
    /// objectId/string/int/uuid, reserved names, class names ≤ 57 UTF-8 bytes, …), plus: at most
    /// [`MAX_QUERYABLE_FIELDS`] queryable fields, no duplicates, none reserved, and each one
    /// present in some class and, in every top-level class that has it, a scalar or a list/set of
    /// scalars (not `mixed`, a link, an embedded object, a dictionary or backlinks).
    pub fn sync_rule_errors(&self, queryable_fields: &[String]) -> Vec<SchemaError> {
        let mut errors = self.validation_errors(true);
        let rule = |field: &str, reason: String| SchemaError::InvalidSyncRule {
            field: field.to_owned(),
            reason,
        };
        if queryable_fields.len() > MAX_QUERYABLE_FIELDS {
            errors.push(rule(
                "",
                format!(
                    "{} queryable fields; Flexible Sync allows at most {MAX_QUERYABLE_FIELDS}",
                    queryable_fields.len()
                ),
            ));
        }
        for (i, field) in queryable_fields.iter().enumerate() {
            if queryable_fields[..i].contains(field) {
                errors.push(rule(field, "listed more than once".into()));
                continue;
            }
            if is_reserved_field_name(field) {
                errors.push(rule(field, "a field name reserved by Device Sync".into()));
            }
            if field.contains('.') {
                errors.push(rule(
                    field,
                    "only top-level fields can be queryable, not a path into an embedded object"
                        .into(),
                ));
                continue;
            }
            let mut found = false;
            for class in self.classes.iter().filter(|c| !c.embedded) {
                let Some(p) = class.property(field) else {
                    continue;
                };
                found = true;
                let scalar = !matches!(
                    p.ty,
                    PropertyType::Mixed | PropertyType::Object | PropertyType::LinkingObjects
                );
                let shape_ok = matches!(
                    p.collection,
                    Collection::Single | Collection::List | Collection::Set
                );
                if !scalar || !shape_ok {
                    errors.push(rule(
                        field,
                        format!(
                            "in class {:?} it is {}; a queryable field must be a scalar or an \
                             array of scalars",
                            class.name,
                            p.type_description()
                        ),
                    ));
                }
            }
            if !found {
                errors.push(rule(field, "no top-level class has this property".into()));
            }
        }
        errors
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::schema::{ObjectSchema, Property};
    use std::string::String;
    use PropertyType::{Double, Int, Mixed, ObjectId, Uuid};

    fn fields(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn task_schema() -> Schema {
        Schema::new(vec![
            ObjectSchema::new(
                "Task",
                vec![
                    Property::new("_id", ObjectId),
                    Property::new("owner", PropertyType::String),
                    Property::new("assignee", PropertyType::String).optional(),
                    Property::new("tags", PropertyType::String).list(),
                    Property::new("labels", Int).set(),
                    Property::new("extra", Mixed),
                    Property::new("meta", PropertyType::String).dictionary(),
                    Property::link("project", "Project"),
                    Property::link("place", "Place"),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new(
                "Project",
                vec![
                    Property::new("_id", Uuid),
                    Property::new("owner", PropertyType::String),
                    Property::linking_objects("tasks", "Task", "project"),
                ],
            )
            .with_primary_key("_id"),
            ObjectSchema::new("Place", vec![Property::new("city", PropertyType::String)])
                .into_embedded(),
        ])
    }

    fn assert_rule(errors: &[SchemaError], needles: &[&str]) {
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages
                .iter()
                .any(|m| needles.iter().all(|n| m.contains(n))),
            "no error with {needles:?} in {messages:?}"
        );
    }

    #[test]
    fn eligible_fields_pass() {
        let schema = task_schema();
        schema
            .validate_sync_rules(&fields(&["owner", "assignee", "tags", "labels", "_id"]))
            .unwrap();
        schema.validate_sync_rules(&[]).unwrap();
    }

    #[test]
    fn ineligible_fields_are_named() {
        let schema = task_schema();
        for (field, needle) in [
            ("extra", "mixed"),
            ("meta", "string{}"),
            ("project", "Project?"),
            ("place", "Place?"),
            ("tasks", "linkingObjects"),
        ] {
            let errors = schema.sync_rule_errors(&fields(&[field]));
            assert_rule(
                &errors,
                &[&format!("queryable field {field:?}"), needle, "scalar"],
            );
        }
        let errors = schema.sync_rule_errors(&fields(&["place.city", "nothing", "owner", "owner"]));
        assert_rule(&errors, &["\"place.city\"", "top-level"]);
        assert_rule(&errors, &["\"nothing\"", "no top-level class"]);
        assert_rule(&errors, &["\"owner\"", "more than once"]);
    }

    #[test]
    fn at_most_ten_queryable_fields() {
        let mut props = vec![Property::new("_id", ObjectId)];
        let names: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
        props.extend(names.iter().map(|n| Property::new(n.clone(), Int)));
        let schema = Schema::new(vec![ObjectSchema::new("A", props).with_primary_key("_id")]);
        schema.validate_sync_rules(&names[..10]).unwrap();
        let errors = schema.sync_rule_errors(&names);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_rule(&errors, &["11 queryable fields", "at most 10"]);
    }

    #[test]
    fn reserved_names_ids_and_class_names() {
        let schema = Schema::new(vec![
            ObjectSchema::new(
                "A",
                vec![Property::new("_id", ObjectId), Property::new("limit", Int)],
            )
            .with_primary_key("_id"),
            ObjectSchema::new("NoId", vec![Property::new("x", Int)]),
            ObjectSchema::new("BadId", vec![Property::new("_id", Double)]).with_primary_key("_id"),
            ObjectSchema::new("é".repeat(29), vec![Property::new("_id", Int)])
                .with_primary_key("_id"),
        ]);
        let errors = schema.sync_rule_errors(&fields(&["limit", "TRUE"]));
        assert_rule(&errors, &["class \"A\", property \"limit\"", "reserved"]);
        assert_rule(&errors, &["queryable field \"limit\"", "reserved"]);
        assert_rule(&errors, &["queryable field \"TRUE\"", "reserved"]);
        assert_rule(&errors, &["class \"NoId\"", "_id"]);
        assert_rule(
            &errors,
            &[
                "class \"BadId\", property \"_id\"",
                "int, string, objectId or uuid",
            ],
        );
        assert_rule(&errors, &["58 UTF-8 bytes"]);
    }
}
