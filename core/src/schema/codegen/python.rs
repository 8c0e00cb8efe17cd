//! Python: one dataclass per class, converting to and from the bindings' `dict[str, Value]`
//! (module `syncline`).

use std::fmt::Write as _;

use super::{
    comment_safe, element_is_nullable, header, single_is_nullable, snake_case, string_literal,
    write_classes, ClassPlan, Conversions, Element, ElementTypes, FieldTypes, Language, Plan,
    FROM_FIELDS_DOC, HELPER_KINDS, SCHEMA_DOC, TO_FIELDS_DOC,
};
use crate::schema::{Collection, Property, PropertyType};

/// Helpers shared by the generated types, before those of each kind.
const HELPERS: &str = r#"

def _wrong_type(value: Value, path: str, expected: str) -> TypeError:
    return TypeError(f"{path}: expected {expected}, found {value!r}")


def _required(fields: typing.Mapping[str, Value], key: str, path: str, decode: typing.Callable[[Value, str], typing.Any]) -> typing.Any:
    if key not in fields:
        raise ValueError(f"{path} is missing")
    value = fields[key]
    if isinstance(value, Value.NULL):
        raise ValueError(f"{path} is null, but it is required")
    return decode(value, path)


def _optional(fields: typing.Mapping[str, Value], key: str, path: str, decode: typing.Callable[[Value, str], typing.Any]) -> typing.Any:
    value = fields.get(key)
    if value is None or isinstance(value, Value.NULL):
        return None
    return decode(value, path)


def _nullable(decode: typing.Callable[[Value, str], typing.Any]) -> typing.Callable[[Value, str], typing.Any]:
    return lambda value, path: None if isinstance(value, Value.NULL) else decode(value, path)


def _list(fields: typing.Mapping[str, Value], key: str, path: str, decode: typing.Callable[[Value, str], typing.Any]) -> typing.List[typing.Any]:
    value = fields.get(key)
    if value is None or isinstance(value, Value.NULL):
        return []
    if not isinstance(value, (Value.LIST, Value.SET)):
        raise _wrong_type(value, path, "a list")
    return [decode(element, f"{path}[{i}]") for i, element in enumerate(value.values)]


def _dictionary(fields: typing.Mapping[str, Value], key: str, path: str, decode: typing.Callable[[Value, str], typing.Any]) -> typing.Dict[str, typing.Any]:
    value = fields.get(key)
    if value is None or isinstance(value, Value.NULL):
        return {}
    if not isinstance(value, Value.DICTIONARY):
        raise _wrong_type(value, path, "a dictionary")
    return {k: decode(v, f"{path}[{k}]") for k, v in value.entries.items()}


def _scalar(variant: typing.Any, attribute: str, expected: str) -> typing.Callable[[Value, str], typing.Any]:
    def decode(value: Value, path: str) -> typing.Any:
        if not isinstance(value, variant):
            raise _wrong_type(value, path, expected)
        return getattr(value, attribute)
    return decode


"#;

/// The helpers of the generated file: [`HELPERS`], then the decoding and encoding helper of
/// every kind of element (`mixed` converts as itself, the others by their `Value` case).
fn write_helpers(out: &mut String) {
    out.push_str(HELPERS);
    let cased = HELPER_KINDS
        .iter()
        .filter_map(|kind| Some((kind, kind.case?)));
    for (kind, (case, payload)) in cased.clone() {
        let _ = writeln!(
            out,
            "_decode_{} = _scalar(Value.{}, \"{payload}\", \"{}\")",
            CONVERSIONS.helper_suffix(kind.element),
            snake_case(case).to_ascii_uppercase(),
            kind.expected
        );
    }
    out.push_str(
        "\n\ndef _decode_mixed(value: Value, path: str) -> Value:\n    return value\n\n\n",
    );
    for (kind, (case, _)) in cased {
        let _ = writeln!(
            out,
            "_encode_{} = Value.{}",
            CONVERSIONS.helper_suffix(kind.element),
            snake_case(case).to_ascii_uppercase()
        );
    }
    out.push_str("\n\ndef _encode_mixed(value: Value) -> Value:\n    return value\n");
}

/// Python's spelling of the field types (embedded types are quoted: they may be declared
/// later in the file).
const TYPES: FieldTypes = FieldTypes {
    elements: ElementTypes {
        bool: "bool",
        int: "int",
        float: "float",
        double: "float",
        string: "str",
        binary: "bytes",
        date: "Timestamp",
        object_id: "str",
        uuid: "str",
        decimal128: "str",
        mixed: "Value",
        link: "Link",
        embedded: "\"%\"",
    },
    nullable: "typing.Optional[%]",
    nullable_element: "typing.Optional[%]",
    list: "typing.List[%]",
    set: "typing.List[%]",
    dictionary: "typing.Dict[str, %]",
};

/// Python's conversion helpers (written by [`write_helpers`]).
const CONVERSIONS: Conversions = Conversions {
    language: Language::Python,
    snake_case: true,
    decode: "_decode_%",
    decode_embedded: "%._from_value",
    decode_nullable: "_nullable(%)",
    encode: "_encode_%",
    read_mixed: "fields.get(%, Value.NULL())",
    read_required: "_required(%)",
    read_optional: "_optional(%)",
    read_list: "_list(%)",
    read_set: "_list(%)",
    read_dictionary: "_dictionary(%)",
};

pub(super) fn generate(plan: &Plan<'_>) -> String {
    let mut out = header("#");
    out.push_str("\"\"\"Model types for the Syncline Python bindings.\"\"\"\n\n");
    out.push_str("from __future__ import annotations\n\nimport dataclasses\nimport typing\n\n");
    out.push_str("from syncline import Link, Timestamp, Value\n\n");
    let _ = writeln!(
        out,
        "#: {SCHEMA_DOC}\nSCHEMA_JSON = {}",
        string_literal(&plan.schema_json, Language::Python)
    );
    write_helpers(&mut out);
    write_classes(plan, "\n\n", class_code, &mut out);
    out
}

fn class_code(plan: &Plan<'_>, class: &ClassPlan<'_>, out: &mut String) {
    let name = &class.type_name;
    out.push_str("@dataclasses.dataclass\n");
    let _ = writeln!(out, "class {name}:");
    let _ = writeln!(
        out,
        "    {}\n",
        string_literal(
            &format!("{} of class {:?}.", class.kind(), class.class.name),
            Language::Python
        )
    );
    let _ = writeln!(
        out,
        "    CLASS_NAME: typing.ClassVar[str] = {}",
        string_literal(&class.class.name, Language::Python)
    );
    // Dataclass fields without a default must come first.
    let (required, defaulted): (Vec<_>, Vec<_>) = class
        .fields
        .iter()
        .partition(|f| default_value(f.property).is_none());
    for field in required.iter().chain(defaulted.iter()) {
        let p = field.property;
        let _ = writeln!(
            out,
            "    {}: {}{}  # {:?}: {}",
            field.ident,
            TYPES.of(plan, p),
            default_value(p)
                .map(|d| format!(" = {d}"))
                .unwrap_or_default(),
            comment_safe(&p.name),
            comment_safe(&p.type_description())
        );
    }
    out.push_str("\n    @classmethod\n");
    let _ = writeln!(
        out,
        "    def from_fields(cls, fields: typing.Mapping[str, Value], path: str = {}) -> \"{name}\":",
        string_literal(&class.class.name, Language::Python)
    );
    let _ = writeln!(out, "        \"\"\"{FROM_FIELDS_DOC}\"\"\"");
    out.push_str("        return cls(\n");
    for field in &class.fields {
        let call = CONVERSIONS.read_field(plan, field.property);
        let _ = writeln!(out, "            {}={call},", field.ident);
    }
    out.push_str("        )\n\n");
    out.push_str("    def to_fields(self) -> typing.Dict[str, Value]:\n");
    let _ = writeln!(out, "        \"\"\"{TO_FIELDS_DOC}\"\"\"");
    out.push_str("        return {\n");
    for field in &class.fields {
        let p = field.property;
        let key = string_literal(&p.name, Language::Python);
        let this = format!("self.{}", field.ident);
        let element = |var: &str| {
            if element_is_nullable(p) {
                format!(
                    "(Value.NULL() if {var} is None else {})",
                    encode(plan, p, var)
                )
            } else {
                encode(plan, p, var)
            }
        };
        let value = match p.collection {
            Collection::Single if single_is_nullable(p) => format!(
                "Value.NULL() if {this} is None else {}",
                encode(plan, p, &this)
            ),
            Collection::Single => encode(plan, p, &this),
            Collection::List => format!("Value.LIST([{} for e in {this}])", element("e")),
            Collection::Set => format!("Value.SET([{} for e in {this}])", element("e")),
            Collection::Dictionary => format!(
                "Value.DICTIONARY({{k: {} for k, e in {this}.items()}})",
                element("e")
            ),
        };
        let _ = writeln!(out, "            {key}: {value},");
    }
    out.push_str("        }\n");
    if class.class.embedded {
        out.push_str("\n    @classmethod\n");
        let _ = writeln!(
            out,
            "    def _from_value(cls, value: Value, path: str) -> \"{name}\":"
        );
        out.push_str("        if not isinstance(value, Value.EMBEDDED):\n");
        let _ = writeln!(
            out,
            "            raise _wrong_type(value, path, {})",
            CONVERSIONS.embedded_expected(class)
        );
        out.push_str("        return cls.from_fields(value.fields, path)\n\n");
        out.push_str("    def _to_value(self) -> Value:\n");
        out.push_str("        return Value.EMBEDDED(self.to_fields())\n");
    }
}

fn default_value(p: &Property) -> Option<&'static str> {
    match p.collection {
        Collection::Single if p.ty == PropertyType::Mixed => {
            Some("dataclasses.field(default_factory=Value.NULL)")
        }
        Collection::Single if single_is_nullable(p) => Some("None"),
        Collection::Single => None,
        Collection::List | Collection::Set => Some("dataclasses.field(default_factory=list)"),
        Collection::Dictionary => Some("dataclasses.field(default_factory=dict)"),
    }
}

/// The expression encoding the (non-null) element `var`.
fn encode(plan: &Plan<'_>, p: &Property, var: &str) -> String {
    match plan.element(p) {
        Element::Embedded(_) => format!("{var}._to_value()"),
        other => format!("{}({var})", CONVERSIONS.encoder(other)),
    }
}
