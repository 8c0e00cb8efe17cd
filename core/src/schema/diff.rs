//! Schema change classification, as Development Mode needs it (`seeds/create-a-data-model.txt`):
//! compare an old and a new schema and list each change as additive, server-breaking or breaking.

use std::fmt;

use super::{ObjectSchema, Property, Schema, SchemaError};

/// How disruptive a schema change is for a synced app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// New class, new property, added default, or a client-only detail (index, backlinks,
    /// counter presentation): existing data and clients keep working.
    Additive,
    /// A removed class or property: the server's schema would lose data that other clients
    /// may still use.
    ServerBreaking,
    /// A renamed class or property, a changed type, optional ↔ required, a changed primary key
    /// or class kind: existing data no longer fits.
    Breaking,
}

impl ChangeKind {
    /// `additive`, `server-breaking` or `breaking`.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Additive => "additive",
            ChangeKind::ServerBreaking => "server-breaking",
            ChangeKind::Breaking => "breaking",
        }
    }
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChange {
    /// How disruptive it is.
    pub kind: ChangeKind,
    /// The class concerned (its old name for a renamed class).
    pub class: String,
    /// The property concerned (its old name for a renamed property), or `None` for a change to
    /// the class itself.
    pub property: Option<String>,
    /// What changed, e.g. `type changed from int to string`.
    pub description: String,
}

impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.property {
            Some(p) => write!(
                f,
                "{}: class {:?}, property {p:?}: {}",
                self.kind.name(),
                self.class,
                self.description
            ),
            None => write!(
                f,
                "{}: class {:?}: {}",
                self.kind.name(),
                self.class,
                self.description
            ),
        }
    }
}

impl Schema {
    /// Every change from `self` (the old schema) to `new`, classified. New classes come first in
    /// `new`'s order, then removed ones. A class or property that disappears while one of the
    /// same shape appears is reported once, as renamed.
    pub fn diff(&self, new: &Schema) -> Vec<SchemaChange> {
        let mut changes = Vec::new();
        let removed: Vec<&ObjectSchema> = self
            .classes
            .iter()
            .filter(|c| new.class(&c.name).is_none())
            .collect();
        let added: Vec<&ObjectSchema> = new
            .classes
            .iter()
            .filter(|c| self.class(&c.name).is_none())
            .collect();
        let renames = pair_unique(&removed, &added, same_class_shape);
        for class in &new.classes {
            match self.class(&class.name) {
                Some(old) => diff_class(old, class, &mut changes),
                None => {
                    if let Some(old) = renames.iter().find(|(_, to)| to.name == class.name) {
                        changes.push(SchemaChange {
                            kind: ChangeKind::Breaking,
                            class: old.0.name.clone(),
                            property: None,
                            description: format!(
                                "renamed to {:?} (or removed, and a class of the same shape \
                                 added)",
                                class.name
                            ),
                        });
                    } else {
                        changes.push(SchemaChange {
                            kind: ChangeKind::Additive,
                            class: class.name.clone(),
                            property: None,
                            description: format!(
                                "new {}class",
                                if class.embedded { "embedded " } else { "" }
                            ),
                        });
                    }
                }
            }
        }
        for class in removed {
            if renames.iter().any(|(from, _)| from.name == class.name) {
                continue;
            }
            changes.push(SchemaChange {
                kind: ChangeKind::ServerBreaking,
                class: class.name.clone(),
                property: None,
                description: "class removed".into(),
            });
        }
        changes
    }
}

/// The pairs `(a, b)` where `a` matches exactly one `b` and that `b` exactly one `a`.
fn pair_unique<'a, T>(
    from: &[&'a T],
    to: &[&'a T],
    same: impl Fn(&T, &T) -> bool,
) -> Vec<(&'a T, &'a T)> {
    from.iter()
        .filter_map(|a| {
            let matches: Vec<&&T> = to.iter().filter(|b| same(a, b)).collect();
            match matches.as_slice() {
                [b] if from.iter().filter(|x| same(x, b)).count() == 1 => Some((*a, **b)),
                _ => None,
            }
        })
        .collect()
}

fn same_class_shape(a: &ObjectSchema, b: &ObjectSchema) -> bool {
    a.embedded == b.embedded
        && a.primary_key == b.primary_key
        && a.properties.len() == b.properties.len()
        && a.properties.iter().all(|p| b.property(&p.name) == Some(p))
}

/// Whether two properties hold the same data (same type, collection, nullability, target).
fn same_property_shape(a: &Property, b: &Property) -> bool {
    a.ty == b.ty
        && a.collection == b.collection
        && a.optional == b.optional
        && a.object_type == b.object_type
        && a.origin_property == b.origin_property
}

fn diff_class(old: &ObjectSchema, new: &ObjectSchema, changes: &mut Vec<SchemaChange>) {
    let class_change = |kind, description: String| SchemaChange {
        kind,
        class: new.name.clone(),
        property: None,
        description,
    };
    if old.primary_key != new.primary_key {
        changes.push(class_change(
            ChangeKind::Breaking,
            format!(
                "primary key changed from {} to {}",
                old.primary_key.as_deref().unwrap_or("none"),
                new.primary_key.as_deref().unwrap_or("none")
            ),
        ));
    }
    if old.embedded != new.embedded {
        changes.push(class_change(
            ChangeKind::Breaking,
            if new.embedded {
                "made embedded".into()
            } else {
                "made top-level (no longer embedded)".into()
            },
        ));
    }
    if old.asymmetric != new.asymmetric {
        changes.push(class_change(
            ChangeKind::Breaking,
            if new.asymmetric {
                "made asymmetric".into()
            } else {
                "no longer asymmetric".into()
            },
        ));
    }
    // Backlinks are computed on the client: adding or removing them touches no data.
    let stored_removed: Vec<&Property> = old
        .persisted_properties()
        .filter(|p| new.property(&p.name).is_none())
        .collect();
    let stored_added: Vec<&Property> = new
        .persisted_properties()
        .filter(|p| old.property(&p.name).is_none())
        .collect();
    let renames = pair_unique(&stored_removed, &stored_added, same_property_shape);
    let change = |kind, property: &str, description: String| SchemaChange {
        kind,
        class: new.name.clone(),
        property: Some(property.to_owned()),
        description,
    };
    for p in &new.properties {
        let Some(before) = old.property(&p.name) else {
            if let Some((from, _)) = renames.iter().find(|(_, to)| to.name == p.name) {
                changes.push(change(
                    ChangeKind::Breaking,
                    &from.name,
                    format!(
                        "renamed to {:?} (or removed, and a property of the same type added)",
                        p.name
                    ),
                ));
            } else {
                changes.push(change(
                    ChangeKind::Additive,
                    &p.name,
                    if p.is_computed() {
                        "new backlinks (computed on the client)".into()
                    } else if p.optional {
                        format!("new optional property ({})", p.type_description())
                    } else {
                        format!("new property ({})", p.type_description())
                    },
                ));
            }
            continue;
        };
        diff_property(before, p, &mut |kind, description| {
            changes.push(change(kind, &p.name, description))
        });
    }
    for p in &old.properties {
        if new.property(&p.name).is_some() || renames.iter().any(|(from, _)| from.name == p.name) {
            continue;
        }
        changes.push(if p.is_computed() {
            change(
                ChangeKind::Additive,
                &p.name,
                "backlinks removed (computed on the client)".into(),
            )
        } else {
            change(
                ChangeKind::ServerBreaking,
                &p.name,
                format!("property removed (was {})", p.type_description()),
            )
        });
    }
}

fn diff_property(old: &Property, new: &Property, report: &mut impl FnMut(ChangeKind, String)) {
    let same_type = old.ty == new.ty
        && old.collection == new.collection
        && old.object_type == new.object_type
        && old.origin_property == new.origin_property;
    if !same_type {
        let kind = if old.is_computed() && new.is_computed() {
            ChangeKind::Additive
        } else {
            ChangeKind::Breaking
        };
        report(
            kind,
            format!(
                "type changed from {} to {}",
                old.type_description(),
                new.type_description()
            ),
        );
    } else if old.optional != new.optional {
        report(
            ChangeKind::Breaking,
            if new.optional {
                "required → optional".into()
            } else {
                "optional → required".into()
            },
        );
    }
    if old.index != new.index {
        report(
            ChangeKind::Additive,
            format!(
                "index changed from {:?} to {:?} (client-only)",
                old.index, new.index
            ),
        );
    }
    match (&old.default, &new.default) {
        (None, Some(_)) => report(ChangeKind::Additive, "default added".into()),
        (Some(_), None) => report(ChangeKind::Additive, "default removed (client-only)".into()),
        (Some(a), Some(b)) if a != b => {
            report(ChangeKind::Additive, "default changed (client-only)".into())
        }
        _ => {}
    }
    if old.presentation != new.presentation {
        report(
            ChangeKind::Additive,
            format!(
                "presentation changed from {:?} to {:?} (client-only)",
                old.presentation, new.presentation
            ),
        );
    }
}

/// Development Mode's decision on a client's proposed schema `new` against the server's `old`.
///
/// With Development Mode on, additive changes are accepted and returned (to apply); any
/// server-breaking or breaking change refuses the whole proposal. With it off, any change at all
/// is refused. A refusal is [`SchemaError::ChangesRefused`] listing the offending changes.
pub fn development_mode_decision(
    old: &Schema,
    new: &Schema,
    development_mode: bool,
) -> Result<Vec<SchemaChange>, SchemaError> {
    let changes = old.diff(new);
    let refused: Vec<SchemaChange> = if development_mode {
        changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Additive)
            .cloned()
            .collect()
    } else {
        changes.clone()
    };
    if refused.is_empty() {
        Ok(changes)
    } else {
        Err(SchemaError::ChangesRefused {
            development_mode,
            changes: refused,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::schema::PropertyType::*;
    use crate::value::Value;

    fn user(extra: Vec<Property>) -> ObjectSchema {
        let mut props = vec![
            Property::new("_id", ObjectId),
            Property::new("name", String),
            Property::new("birthday", Date),
        ];
        props.extend(extra);
        ObjectSchema::new("User", props).with_primary_key("_id")
    }

    fn only(changes: &[SchemaChange]) -> &SchemaChange {
        assert_eq!(changes.len(), 1, "{changes:?}");
        &changes[0]
    }

    fn change(old: ObjectSchema, new: ObjectSchema) -> Vec<SchemaChange> {
        Schema::new(vec![old]).diff(&Schema::new(vec![new]))
    }

    #[test]
    fn no_change_is_no_change() {
        let schema = Schema::new(vec![user(vec![])]);
        assert_eq!(schema.diff(&schema.clone()), vec![]);
        assert_eq!(
            development_mode_decision(&schema, &schema, false).unwrap(),
            vec![]
        );
    }

    #[test]
    fn additive_changes() {
        let old = Schema::new(vec![user(vec![])]);
        let mut new = Schema::new(vec![
            user(vec![
                Property::new("nick", String).optional(),
                Property::new("age", Int),
                Property::linking_objects("dogs", "Dog", "owner"),
            ]),
            ObjectSchema::new(
                "Dog",
                vec![Property::new("_id", Int), Property::link("owner", "User")],
            )
            .with_primary_key("_id"),
        ]);
        new.classes[0].properties[1] = Property::new("name", String)
            .with_default(Value::String("?".into()))
            .indexed();
        let changes = old.diff(&new);
        assert!(
            changes.iter().all(|c| c.kind == ChangeKind::Additive),
            "{changes:?}"
        );
        let text: Vec<std::string::String> = changes.iter().map(ToString::to_string).collect();
        let has = |needle: &str| text.iter().any(|t| t.contains(needle));
        assert!(
            has("additive: class \"User\", property \"nick\": new optional property (string?)"),
            "{text:?}"
        );
        assert!(
            has("class \"User\", property \"age\": new property (int)"),
            "{text:?}"
        );
        assert!(has("property \"dogs\": new backlinks"), "{text:?}");
        assert!(has("property \"name\": default added"), "{text:?}");
        assert!(has("property \"name\": index changed"), "{text:?}");
        assert!(has("additive: class \"Dog\": new class"), "{text:?}");
        assert_eq!(changes.len(), 6);
        let accepted = development_mode_decision(&old, &new, true).unwrap();
        assert_eq!(accepted, changes);
        let Err(SchemaError::ChangesRefused {
            development_mode,
            changes: refused,
        }) = development_mode_decision(&old, &new, false)
        else {
            panic!("Development Mode off must refuse");
        };
        assert!(!development_mode);
        assert_eq!(refused, changes);
    }

    #[test]
    fn server_breaking_changes() {
        let old = Schema::new(vec![
            user(vec![
                Property::new("nick", String).optional(),
                Property::linking_objects("dogs", "Dog", "owner"),
            ]),
            ObjectSchema::new(
                "Dog",
                vec![Property::new("_id", Int), Property::link("owner", "User")],
            )
            .with_primary_key("_id"),
        ]);
        let new = Schema::new(vec![user(vec![])]);
        let changes = old.diff(&new);
        let text: Vec<std::string::String> = changes.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"server-breaking: class \"User\", property \"nick\": property removed (was string?)".to_owned()), "{text:?}");
        assert!(
            text.contains(&"server-breaking: class \"Dog\": class removed".to_owned()),
            "{text:?}"
        );
        // Backlinks have no server form: removing them breaks nothing.
        assert!(
            text.iter()
                .any(|t| t.starts_with("additive: class \"User\", property \"dogs\"")),
            "{text:?}"
        );
        let err = development_mode_decision(&old, &new, true).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("accepts only additive"), "{message}");
        assert!(
            message.contains("class \"Dog\": class removed"),
            "{message}"
        );
        assert!(!message.contains("dogs"), "{message}");
    }

    #[test]
    fn breaking_changes() {
        let optional = change(user(vec![]), {
            let mut u = user(vec![]);
            u.properties[2] = Property::new("birthday", Date).optional();
            u
        });
        let c = only(&optional);
        assert_eq!(
            (c.kind, c.property.as_deref()),
            (ChangeKind::Breaking, Some("birthday"))
        );
        assert!(c.description.contains("required → optional"));

        let required = change(
            user(vec![Property::new("n", Int).optional()]),
            user(vec![Property::new("n", Int)]),
        );
        assert!(only(&required).description.contains("optional → required"));

        let retyped = change(
            user(vec![Property::new("n", Int)]),
            user(vec![Property::new("n", String)]),
        );
        let c = only(&retyped);
        assert_eq!(c.kind, ChangeKind::Breaking);
        assert_eq!(c.description, "type changed from int to string");

        let to_list = change(
            user(vec![Property::new("n", Int)]),
            user(vec![Property::new("n", Int).list()]),
        );
        assert!(only(&to_list).description.contains("from int to int[]"));

        let renamed = change(
            user(vec![Property::new("nick", String).optional()]),
            user(vec![Property::new("nickname", String).optional()]),
        );
        let c = only(&renamed);
        assert_eq!(
            (c.kind, c.property.as_deref()),
            (ChangeKind::Breaking, Some("nick"))
        );
        assert!(c.description.contains("renamed to \"nickname\""));

        let pk = change(user(vec![]), user(vec![]).with_primary_key("name"));
        let c = only(&pk);
        assert_eq!(
            (c.kind, c.property.as_deref()),
            (ChangeKind::Breaking, None)
        );
        assert!(c
            .description
            .contains("primary key changed from _id to name"));

        let embedded = change(
            ObjectSchema::new("A", vec![Property::new("x", Int)]),
            ObjectSchema::new("A", vec![Property::new("x", Int)]).into_embedded(),
        );
        assert!(only(&embedded).description.contains("made embedded"));

        let class_renamed = Schema::new(vec![user(vec![])]).diff(&Schema::new(vec![{
            let mut u = user(vec![]);
            u.name = "Person".into();
            u
        }]));
        let c = only(&class_renamed);
        assert_eq!((c.kind, c.class.as_str()), (ChangeKind::Breaking, "User"));
        assert!(c.description.contains("renamed to \"Person\""));

        let err = development_mode_decision(
            &Schema::new(vec![user(vec![Property::new("n", Int)])]),
            &Schema::new(vec![user(vec![Property::new("n", String)])]),
            true,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("breaking: class \"User\", property \"n\": type changed"),
            "{err}"
        );
    }

    #[test]
    fn ambiguous_renames_are_removals_and_additions() {
        // Two removed strings and one added: no unique pairing, so no rename is claimed.
        let changes = change(
            user(vec![Property::new("a", String), Property::new("b", String)]),
            user(vec![Property::new("c", String)]),
        );
        let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ChangeKind::Additive,
                ChangeKind::ServerBreaking,
                ChangeKind::ServerBreaking
            ]
        );
    }
}
