//! Swift: one `struct` per class, converting to and from the bindings' `[String: Value]`.

use std::fmt::Write as _;

use super::{
    comment_safe, element_is_nullable, header, single_is_nullable, string_literal, write_classes,
    ClassPlan, Conversions, Element, ElementTypes, FieldTypes, Language, Plan, CLASS_NAME_DOC,
    FROM_FIELDS_DOC, HELPER_KINDS, SCHEMA_DOC, TO_FIELDS_DOC,
};
use crate::schema::{Collection, PropertyType};

/// Helpers shared by the generated types, before those of each kind (all file-private, so
/// several generated files can live in one module).
const HELPERS: &str = r#"
fileprivate struct SynclineModelError: Error, CustomStringConvertible {
    let description: String
}

fileprivate typealias SynclineDecode<T> = (Syncline.Value, String) throws -> T

fileprivate func synclineWrongType(_ value: Syncline.Value, _ path: String, _ expected: String) -> SynclineModelError {
    SynclineModelError(description: "\(path): expected \(expected), found \(value)")
}

fileprivate func synclineRequired<T>(_ fields: [String: Syncline.Value], _ key: String, _ path: String, _ decode: SynclineDecode<T>) throws -> T {
    guard let value = fields[key] else {
        throw SynclineModelError(description: "\(path) is missing")
    }
    if case .null = value {
        throw SynclineModelError(description: "\(path) is null, but it is required")
    }
    return try decode(value, path)
}

fileprivate func synclineOptional<T>(_ fields: [String: Syncline.Value], _ key: String, _ path: String, _ decode: SynclineDecode<T>) throws -> T? {
    guard let value = fields[key] else { return nil }
    if case .null = value { return nil }
    return try decode(value, path)
}

fileprivate func synclineNullable<T>(_ decode: @escaping SynclineDecode<T>) -> SynclineDecode<T?> {
    { value, path in
        if case .null = value { return nil }
        return try decode(value, path)
    }
}

fileprivate func synclineList<T>(_ fields: [String: Syncline.Value], _ key: String, _ path: String, _ decode: SynclineDecode<T>) throws -> [T] {
    guard let value = fields[key] else { return [] }
    switch value {
    case .null:
        return []
    case .list(values: let values), .set(values: let values):
        return try values.enumerated().map { try decode($0.element, "\(path)[\($0.offset)]") }
    default:
        throw synclineWrongType(value, path, "a list")
    }
}

fileprivate func synclineDictionary<T>(_ fields: [String: Syncline.Value], _ key: String, _ path: String, _ decode: SynclineDecode<T>) throws -> [String: T] {
    guard let value = fields[key] else { return [:] }
    switch value {
    case .null:
        return [:]
    case .dictionary(entries: let entries):
        var out: [String: T] = [:]
        for (entryKey, entry) in entries {
            out.updateValue(try decode(entry, "\(path)[\(entryKey)]"), forKey: entryKey)
        }
        return out
    default:
        throw synclineWrongType(value, path, "a dictionary")
    }
}

"#;

/// The helpers of the generated file: [`HELPERS`], then the decoding and encoding helper of
/// every kind of element.
fn write_helpers(out: &mut String) {
    out.push_str(HELPERS);
    for kind in &HELPER_KINDS {
        let suffix = CONVERSIONS.helper_suffix(kind.element);
        let ty = TYPES.elements.of(kind.element);
        let _ = writeln!(
            out,
            "fileprivate func synclineDecode{suffix}(_ value: Syncline.Value, _ path: String) \
             throws -> {ty} {{"
        );
        match kind.case {
            Some((case, payload)) => {
                let _ = writeln!(
                    out,
                    "    if case .{}({payload}: let x) = value {{ return x }}\n    \
                     throw synclineWrongType(value, path, \"{}\")",
                    lower_first(case),
                    kind.expected
                );
            }
            None => out.push_str("    value\n"),
        }
        out.push_str("}\n\n");
    }
    for kind in &HELPER_KINDS {
        let suffix = CONVERSIONS.helper_suffix(kind.element);
        let ty = TYPES.elements.of(kind.element);
        let value = match kind.case {
            Some((case, payload)) => format!(".{}({payload}: x)", lower_first(case)),
            None => "x".to_owned(),
        };
        let _ = writeln!(
            out,
            "fileprivate func synclineEncode{suffix}(_ x: {ty}) -> Syncline.Value {{ {value} }}"
        );
    }
}

/// A `Value` case as Swift spells it (`objectId`).
fn lower_first(case: &str) -> String {
    let mut chars = case.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
}

/// Swift's spelling of the field types.
const TYPES: FieldTypes = FieldTypes {
    elements: ElementTypes {
        bool: "Bool",
        int: "Int64",
        float: "Float",
        double: "Double",
        string: "String",
        binary: "Data",
        date: "Syncline.Timestamp",
        object_id: "String",
        uuid: "String",
        decimal128: "String",
        mixed: "Syncline.Value",
        link: "Syncline.Link",
        embedded: "%",
    },
    nullable: "%?",
    nullable_element: "%?",
    list: "[%]",
    set: "[%]",
    dictionary: "[String: %]",
};

/// Swift's conversion helpers (written by [`write_helpers`]).
const CONVERSIONS: Conversions = Conversions {
    language: Language::Swift,
    snake_case: false,
    decode: "synclineDecode%",
    decode_embedded: "{ try %(value: $0, path: $1) }",
    decode_nullable: "synclineNullable(%)",
    encode: "synclineEncode%",
    read_mixed: "fields[%] ?? .null",
    read_required: "try synclineRequired(%)",
    read_optional: "try synclineOptional(%)",
    read_list: "try synclineList(%)",
    read_set: "try synclineList(%)",
    read_dictionary: "try synclineDictionary(%)",
};

pub(super) fn generate(plan: &Plan<'_>) -> String {
    let mut out = header("//");
    out.push_str("\nimport Foundation\nimport Syncline\n\n");
    let _ = writeln!(
        out,
        "/// {SCHEMA_DOC}\npublic enum SynclineSchema {{\n    \
         /// The schema's JSON form (an array of classes).\n    \
         public static let json = {}\n}}",
        string_literal(&plan.schema_json, Language::Swift)
    );
    write_classes(plan, "\n", class_code, &mut out);
    write_helpers(&mut out);
    out
}

fn class_code(plan: &Plan<'_>, class: &ClassPlan<'_>, out: &mut String) {
    let name = &class.type_name;
    let _ = writeln!(out, "/// {}", class.summary());
    let _ = writeln!(out, "public struct {name} {{");
    let _ = writeln!(out, "    /// {CLASS_NAME_DOC}");
    let _ = writeln!(
        out,
        "    public static let className = {}\n",
        string_literal(&class.class.name, Language::Swift)
    );
    let mut params = Vec::new();
    for field in &class.fields {
        let ty = TYPES.of(plan, field.property);
        let _ = writeln!(
            out,
            "    /// `{}`: {}.",
            comment_safe(&field.property.name),
            comment_safe(&field.property.type_description())
        );
        let _ = writeln!(out, "    public var {}: {ty}", field.ident);
        let default = default_value(field.property);
        params.push(format!("{}: {ty}{default}", field.ident));
    }
    // The memberwise initializer of a public struct is internal: apps need a public one.
    out.push_str("\n    /// A new object with these values.\n");
    let _ = writeln!(out, "    public init({}) {{", params.join(", "));
    for field in &class.fields {
        let _ = writeln!(out, "        self.{0} = {0}", field.ident);
    }
    out.push_str("    }\n\n");
    let _ = writeln!(out, "    /// {FROM_FIELDS_DOC}");
    out.push_str("    public init(fields: [String: Syncline.Value]) throws {\n");
    out.push_str("        try self.init(fields: fields, path: Self.className)\n    }\n\n");
    out.push_str("    fileprivate init(fields: [String: Syncline.Value], path: String) throws {\n");
    for field in &class.fields {
        let call = CONVERSIONS.read_field(plan, field.property);
        let _ = writeln!(out, "        self.{} = {call}", field.ident);
    }
    out.push_str("    }\n\n");
    let _ = writeln!(out, "    /// {TO_FIELDS_DOC}");
    out.push_str("    public func toFields() -> [String: Syncline.Value] {\n");
    if class.fields.is_empty() {
        out.push_str("        [:]\n    }\n");
    } else {
        out.push_str("        var fields: [String: Syncline.Value] = [:]\n");
    }
    for field in &class.fields {
        let p = field.property;
        let key = string_literal(&p.name, Language::Swift);
        let encode = encoder(plan, p);
        let ident = &field.ident;
        let element = if element_is_nullable(p) {
            format!("{{ $0.map({encode}) ?? .null }}")
        } else {
            encode.clone()
        };
        let value = match p.collection {
            Collection::Single if single_is_nullable(p) => {
                format!("{ident}.map({encode}) ?? .null")
            }
            Collection::Single => format!("{encode}({ident})"),
            Collection::List => format!(".list(values: {ident}.map({element}))"),
            Collection::Set => format!(".set(values: {ident}.map({element}))"),
            Collection::Dictionary => format!(".dictionary(entries: {ident}.mapValues({element}))"),
        };
        let _ = writeln!(out, "        fields[{key}] = {value}");
    }
    if !class.fields.is_empty() {
        out.push_str("        return fields\n    }\n");
    }
    if class.class.embedded {
        out.push_str(
            "\n    fileprivate init(value: Syncline.Value, path: String) throws {\n\
             \x20       guard case .embedded(fields: let fields) = value else {\n",
        );
        let _ = writeln!(
            out,
            "            throw synclineWrongType(value, path, {})",
            CONVERSIONS.embedded_expected(class)
        );
        out.push_str("        }\n        try self.init(fields: fields, path: path)\n    }\n\n");
        out.push_str("    fileprivate func toValue() -> Syncline.Value {\n");
        out.push_str("        .embedded(fields: toFields())\n    }\n");
    }
    out.push_str("}\n");
}

fn default_value(p: &crate::schema::Property) -> &'static str {
    match p.collection {
        Collection::Single if p.ty == PropertyType::Mixed => " = .null",
        Collection::Single if single_is_nullable(p) => " = nil",
        Collection::Single => "",
        Collection::List | Collection::Set => " = []",
        Collection::Dictionary => " = [:]",
    }
}

/// The encoding function of one (non-null) element.
fn encoder(plan: &Plan<'_>, p: &crate::schema::Property) -> String {
    match plan.element(p) {
        Element::Embedded(_) => "{ $0.toValue() }".to_owned(),
        other => CONVERSIONS.encoder(other),
    }
}
