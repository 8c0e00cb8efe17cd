//! C: a header with one struct per class (borrowed pointers, `has_` flags for optional
//! scalars, pointer + length pairs for collections) and the schema's JSON form.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::{
    comment_safe, element_is_nullable, header, single_is_nullable, string_literal, ClassPlan,
    Element, ElementTypes, Language, Plan, SCHEMA_DOC,
};
use crate::schema::{Collection, Property, PropertyType, SchemaError};

const PRELUDE: &str = r#"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef SYNCLINE_MODEL_TYPES
#define SYNCLINE_MODEL_TYPES
/* A date: seconds since the Unix epoch and nanoseconds (same sign as seconds). */
typedef struct syncline_model_timestamp {
    int64_t seconds;
    int32_t nanos;
} syncline_model_timestamp;

/* Bytes of a `data` property. */
typedef struct syncline_model_bytes {
    const uint8_t *data;
    size_t len;
} syncline_model_bytes;

/* A link to a top-level object: its class and its primary key in Extended JSON
   (e.g. {"$oid": "..."}, "key", {"$numberLong": "7"}). */
typedef struct syncline_model_link {
    const char *class_name;
    const char *pk_json;
} syncline_model_link;

/* A `mixed` value in Extended JSON (NULL for null). */
typedef const char *syncline_model_mixed;
#endif
"#;

/// C's spelling of the element types.
const TYPES: ElementTypes = ElementTypes {
    bool: "bool",
    int: "int64_t",
    float: "float",
    double: "double",
    string: "const char *",
    binary: "syncline_model_bytes",
    date: "syncline_model_timestamp",
    object_id: "const char *",
    uuid: "const char *",
    decimal128: "const char *",
    mixed: "syncline_model_mixed",
    link: "syncline_model_link",
    embedded: "struct %",
};

/// Whether an element's C type can be NULL by itself (a pointer).
fn is_pointer(element: Element<'_>) -> bool {
    matches!(
        element,
        Element::Scalar(
            PropertyType::String
                | PropertyType::ObjectId
                | PropertyType::Uuid
                | PropertyType::Decimal128
                | PropertyType::Mixed
                | PropertyType::Object
                | PropertyType::LinkingObjects
        )
    )
}

pub(super) fn generate(plan: &Plan<'_>) -> Result<String, SchemaError> {
    let mut out = header("//");
    out.push_str("#ifndef SYNCLINE_MODELS_H\n#define SYNCLINE_MODELS_H\n");
    out.push_str(PRELUDE);
    let _ = writeln!(
        out,
        "\n/* {SCHEMA_DOC} */\n#define SYNCLINE_SCHEMA_JSON {}\n",
        string_literal(&plan.schema_json, Language::C)
    );
    for class in &plan.classes {
        let _ = writeln!(out, "typedef struct {0} {0};", class.type_name);
    }
    for class in &plan.classes {
        out.push('\n');
        class_code(plan, class, &mut out)?;
    }
    out.push_str("\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* SYNCLINE_MODELS_H */\n");
    Ok(out)
}

fn class_code(plan: &Plan<'_>, class: &ClassPlan<'_>, out: &mut String) -> Result<(), SchemaError> {
    let name = &class.type_name;
    let _ = writeln!(
        out,
        "/* {} of class {}. Strings are UTF-8 and borrowed. */",
        class.kind(),
        comment_safe(&class.class.name)
    );
    let _ = writeln!(
        out,
        "#define {name}_CLASS_NAME {}",
        string_literal(&class.class.name, Language::C)
    );
    let _ = writeln!(out, "struct {name} {{");
    if class.fields.is_empty() {
        out.push_str("    char unused; /* C structs need a member */\n");
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for field in &class.fields {
        let p = field.property;
        let _ = writeln!(
            out,
            "    /* {}: {} */",
            comment_safe(&p.name),
            comment_safe(&p.type_description())
        );
        for (declaration, member) in members(plan, p, &field.ident) {
            if let Some(other) = seen.insert(member.clone(), &p.name) {
                return Err(SchemaError::InvalidProperty {
                    class: class.class.name.clone(),
                    property: p.name.clone(),
                    reason: format!("its C member {member:?} is also one of property {other:?}"),
                });
            }
            let _ = writeln!(out, "    {declaration}");
        }
    }
    out.push_str("};\n");
    Ok(())
}

/// The member(s) holding property `p` under the name `ident`: (C declaration, member name).
fn members(plan: &Plan<'_>, p: &Property, ident: &str) -> Vec<(String, String)> {
    let element = plan.element(p);
    let ty = TYPES.of(element);
    let is_pointer = is_pointer(element);
    // `T *` for a value type, `const char *const *` for a pointer type.
    let pointer_to = |ty: &str| {
        if ty.ends_with('*') {
            format!("{ty}const *")
        } else {
            format!("const {ty} *")
        }
    };
    let plain = |ty: &str| {
        if ty.ends_with('*') {
            ty.to_owned()
        } else {
            format!("{ty} ")
        }
    };
    let member = |decl: String, name: String| (format!("{decl}{name};"), name);
    match (p.collection, element) {
        // An embedded object is its own struct, reached by pointer (NULL when unset).
        (Collection::Single, Element::Embedded(_)) => {
            vec![member(pointer_to(&ty), ident.to_owned())]
        }
        (Collection::Single, _) if single_is_nullable(p) && !is_pointer => vec![
            member("bool ".into(), format!("has_{ident}")),
            member(plain(&ty), ident.to_owned()),
        ],
        (Collection::Single, _) => vec![member(plain(&ty), ident.to_owned())],
        (collection, _) => {
            let mut out = Vec::new();
            if element_is_nullable(p) && !is_pointer {
                // Null elements of a value type: a presence flag per element.
                out.push(member("const bool *".into(), format!("{ident}_present")));
            }
            if collection == Collection::Dictionary {
                out.push(member(
                    "const char *const *".into(),
                    format!("{ident}_keys"),
                ));
                out.push(member(pointer_to(&ty), format!("{ident}_values")));
            } else {
                out.push(member(pointer_to(&ty), ident.to_owned()));
            }
            out.push(member("size_t ".into(), format!("{ident}_len")));
            out
        }
    }
}
