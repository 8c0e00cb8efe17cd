//! TypeScript: one interface per class (the shape of its objects) and the schema as Realm JS
//! object-schema constants.

use std::fmt::Write as _;

use super::{
    comment_safe, header, single_is_nullable, string_literal, write_classes, ClassPlan,
    ElementTypes, FieldTypes, Language, Plan,
};
use crate::schema::PropertyType;

const PRELUDE: &str = r#"
/** An objectId: 24 hexadecimal digits. */
export type ObjectId = string;
/** A UUID in its hyphenated form. */
export type Uuid = string;
/** A decimal128 number in its text form (exponent and digits kept exactly). */
export type Decimal128 = string;
/** A primary key: int, string, objectId or uuid. */
export type PrimaryKey = number | string | null;
/** A link to a top-level object: its class and primary key. */
export interface Link {
  className: string;
  pk: PrimaryKey;
}
/** A value of a `mixed` property. */
export type Mixed =
  | null
  | boolean
  | number
  | string
  | Date
  | Uint8Array
  | Link
  | Mixed[]
  | { [key: string]: Mixed };

/** A property of a Realm JS-style object schema. */
export type PropertySchema =
  | string
  | {
      type: string;
      objectType?: string;
      property?: string;
      optional?: boolean;
      indexed?: boolean | "full-text";
      default?: unknown;
      presentation?: "counter";
    };

/** A Realm JS-style object schema, the form `syncline` reads and writes. */
export interface ObjectSchema {
  name: string;
  properties: { [name: string]: PropertySchema };
  primaryKey?: string;
  embedded?: boolean;
  asymmetric?: boolean;
}
"#;

/// TypeScript's spelling of the field types.
const TYPES: FieldTypes = FieldTypes {
    elements: ElementTypes {
        bool: "boolean",
        int: "number",
        float: "number",
        double: "number",
        string: "string",
        binary: "Uint8Array",
        date: "Date",
        object_id: "ObjectId",
        uuid: "Uuid",
        decimal128: "Decimal128",
        mixed: "Mixed",
        link: "Link",
        embedded: "%",
    },
    nullable: "% | null",
    nullable_element: "(% | null)",
    list: "%[]",
    set: "%[]",
    dictionary: "{ [key: string]: % }",
};

pub(super) fn generate(plan: &Plan<'_>) -> String {
    let mut out = header("//");
    out.push_str(PRELUDE);
    write_classes(plan, "\n", class_code, &mut out);
    out.push_str(
        "\n/** The schema these models were generated from: open the database with it. */\n",
    );
    let names: Vec<String> = plan
        .classes
        .iter()
        .map(|c| format!("{}Schema", c.type_name))
        .collect();
    let _ = writeln!(
        out,
        "export const schema: ObjectSchema[] = [{}];",
        names.join(", ")
    );
    out
}

/// A property key: bare when it is an identifier, quoted otherwise.
fn key(name: &str) -> String {
    let identifier = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        name.to_owned()
    } else {
        string_literal(name, Language::TypeScript)
    }
}

fn class_code(plan: &Plan<'_>, class: &ClassPlan<'_>, out: &mut String) {
    let name = &class.type_name;
    let _ = writeln!(out, "/** {} */", class.summary());
    let _ = writeln!(out, "export interface {name} {{");
    for field in &class.fields {
        let p = field.property;
        let optional_key = single_is_nullable(p) || p.ty == PropertyType::Mixed;
        let _ = writeln!(out, "  /** {} */", field.summary());
        let _ = writeln!(
            out,
            "  {}{}: {};",
            key(&p.name),
            if optional_key { "?" } else { "" },
            TYPES.of(plan, p)
        );
    }
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "/** The object schema of class `{}` (Realm JS form). */",
        comment_safe(&class.class.name)
    );
    let json = serde_json::to_string_pretty(&class.class.to_json()).unwrap_or_default();
    let _ = writeln!(out, "export const {name}Schema: ObjectSchema = {json};");
}
