//! Kotlin: one `data class` per class, converting to and from the bindings'
//! `Map<String, Value>` (package `dev.syncline`).

use std::fmt::Write as _;

use super::{
    element_is_nullable, header, single_is_nullable, string_literal, write_classes, ClassPlan,
    Conversions, Element, ElementTypes, FieldTypes, Language, Plan, CLASS_NAME_DOC,
    FROM_FIELDS_DOC, HELPER_KINDS, SCHEMA_DOC, TO_FIELDS_DOC,
};
use crate::schema::{Collection, Property, PropertyType};

/// The package of the generated file.
const PACKAGE: &str = "dev.syncline.models";

/// The bindings' value type, spelled out so that no class of the app's schema can shadow it.
const VALUE: &str = "dev.syncline.Value";

/// Helpers shared by the generated types, before those of each kind.
const HELPERS: &str = r#"
private typealias SynclineDecode<T> = (dev.syncline.Value, String) -> T

private fun synclineWrongType(value: dev.syncline.Value, path: String, expected: String) =
    IllegalArgumentException("$path: expected $expected, found $value")

private fun <T> synclineRequired(fields: Map<String, dev.syncline.Value>, key: String, path: String, decode: SynclineDecode<T>): T {
    val value = fields[key] ?: throw IllegalArgumentException("$path is missing")
    if (value is dev.syncline.Value.Null) throw IllegalArgumentException("$path is null, but it is required")
    return decode(value, path)
}

private fun <T> synclineOptional(fields: Map<String, dev.syncline.Value>, key: String, path: String, decode: SynclineDecode<T>): T? {
    val value = fields[key] ?: return null
    if (value is dev.syncline.Value.Null) return null
    return decode(value, path)
}

private fun <T> synclineNullable(decode: SynclineDecode<T>): SynclineDecode<T?> =
    { value, path -> if (value is dev.syncline.Value.Null) null else decode(value, path) }

private fun <T> synclineList(fields: Map<String, dev.syncline.Value>, key: String, path: String, decode: SynclineDecode<T>): List<T> {
    val value = fields[key] ?: return emptyList()
    val values: kotlin.collections.List<dev.syncline.Value> = when (value) {
        is dev.syncline.Value.Null -> return emptyList()
        is dev.syncline.Value.ListOf -> value.values
        is dev.syncline.Value.SetOf -> value.values
        else -> throw synclineWrongType(value, path, "a list")
    }
    return values.mapIndexed { i: Int, element: dev.syncline.Value -> decode(element, "$path[$i]") }
}

private fun <T> synclineDictionary(fields: Map<String, dev.syncline.Value>, key: String, path: String, decode: SynclineDecode<T>): Map<String, T> {
    val value = fields[key] ?: return emptyMap()
    return when (value) {
        is dev.syncline.Value.Null -> emptyMap()
        is dev.syncline.Value.Dictionary -> value.entries.mapValues { entry: Map.Entry<String, dev.syncline.Value> -> decode(entry.value, "$path[${entry.key}]") }
        else -> throw synclineWrongType(value, path, "a dictionary")
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
        let signature =
            format!("private fun synclineDecode{suffix}(value: {VALUE}, path: String): {ty} =");
        match kind.case {
            Some((case, payload)) => {
                let _ = writeln!(
                    out,
                    "{signature}\n    (value as? {VALUE}.{case})?.{payload} ?: \
                     throw synclineWrongType(value, path, \"{}\")",
                    kind.expected
                );
            }
            // The path is unused, but the helper must fit `SynclineDecode`.
            None => {
                let _ = writeln!(out, "@Suppress(\"UNUSED_PARAMETER\")\n{signature} value");
            }
        }
    }
    out.push('\n');
    for kind in &HELPER_KINDS {
        let suffix = CONVERSIONS.helper_suffix(kind.element);
        let ty = TYPES.elements.of(kind.element);
        let value = match kind.case {
            Some((case, _)) => format!("{VALUE}.{case}(x)"),
            None => "x".to_owned(),
        };
        let _ = writeln!(
            out,
            "private fun synclineEncode{suffix}(x: {ty}): {VALUE} = {value}"
        );
    }
}

/// Kotlin's spelling of the field types.
const TYPES: FieldTypes = FieldTypes {
    elements: ElementTypes {
        bool: "Boolean",
        int: "Long",
        float: "Float",
        double: "Double",
        string: "String",
        binary: "ByteArray",
        date: "dev.syncline.Timestamp",
        object_id: "String",
        uuid: "String",
        decimal128: "String",
        mixed: VALUE,
        link: "dev.syncline.Link",
        embedded: "%",
    },
    nullable: "%?",
    nullable_element: "%?",
    list: "List<%>",
    set: "Set<%>",
    dictionary: "Map<String, %>",
};

/// Kotlin's conversion helpers (written by [`write_helpers`]).
const CONVERSIONS: Conversions = Conversions {
    language: Language::Kotlin,
    snake_case: false,
    decode: "::synclineDecode%",
    decode_embedded: "{ v, at -> %.fromValue(v, at) }",
    decode_nullable: "synclineNullable(%)",
    encode: "synclineEncode%",
    read_mixed: "fields[%] ?: dev.syncline.Value.Null",
    read_required: "synclineRequired(%)",
    read_optional: "synclineOptional(%)",
    read_list: "synclineList(%)",
    read_set: "synclineList(%).toSet()",
    read_dictionary: "synclineDictionary(%)",
};

pub(super) fn generate(plan: &Plan<'_>) -> String {
    let mut out = header("//");
    let _ = writeln!(out, "\npackage {PACKAGE}\n");
    let _ = writeln!(
        out,
        "/** {SCHEMA_DOC} */\npublic object SynclineSchema {{\n    \
         /** The schema's JSON form (an array of classes). */\n    \
         public const val JSON: String = {}\n}}",
        string_literal(&plan.schema_json, Language::Kotlin)
    );
    write_classes(plan, "\n", class_code, &mut out);
    write_helpers(&mut out);
    out
}

fn class_code(plan: &Plan<'_>, class: &ClassPlan<'_>, out: &mut String) {
    let name = &class.type_name;
    let _ = writeln!(out, "/** {} */", class.summary());
    // A data class needs at least one property; an empty class compares equal to any other.
    let data = if class.fields.is_empty() { "" } else { "data " };
    let _ = writeln!(out, "public {data}class {name}(");
    for field in &class.fields {
        let p = field.property;
        let _ = writeln!(out, "    /** {} */", field.summary());
        let _ = writeln!(
            out,
            "    val {}: {}{},",
            field.ident,
            TYPES.of(plan, p),
            default_value(p)
        );
    }
    out.push_str(") {\n");
    if class.fields.is_empty() {
        let _ = writeln!(
            out,
            "    override fun equals(other: Any?): Boolean = other is {name}\n\
             \x20   override fun hashCode(): Int = 0\n\
             \x20   override fun toString(): String = \"{name}()\"\n"
        );
    }
    let _ = writeln!(out, "    /** {TO_FIELDS_DOC} */");
    let _ = writeln!(
        out,
        "    public fun toFields(): Map<String, {VALUE}> = mapOf("
    );
    for field in &class.fields {
        let p = field.property;
        let key = string_literal(&p.name, Language::Kotlin);
        let ident = &field.ident;
        let element = |var: &str| {
            if element_is_nullable(p) {
                format!(
                    "({var}?.let {{ {} }} ?: {VALUE}.Null)",
                    encode(plan, p, "it")
                )
            } else {
                encode(plan, p, var)
            }
        };
        let value = match p.collection {
            Collection::Single if single_is_nullable(p) => {
                format!(
                    "({ident}?.let {{ {} }} ?: {VALUE}.Null)",
                    encode(plan, p, "it")
                )
            }
            Collection::Single => encode(plan, p, ident),
            Collection::List => format!(
                "{VALUE}.ListOf({ident}.map {{ synclineElement -> {} }})",
                element("synclineElement")
            ),
            Collection::Set => format!(
                "{VALUE}.SetOf({ident}.map {{ synclineElement -> {} }})",
                element("synclineElement")
            ),
            Collection::Dictionary => format!(
                "{VALUE}.Dictionary({ident}.mapValues {{ (_, synclineElement) -> {} }})",
                element("synclineElement")
            ),
        };
        let _ = writeln!(out, "        {key} to {value},");
    }
    out.push_str("    )\n");
    if class.class.embedded {
        let _ = writeln!(
            out,
            "\n    internal fun toValue(): {VALUE} = {VALUE}.Embedded(toFields())"
        );
    }
    out.push_str("\n    public companion object {\n");
    let _ = writeln!(out, "        /** {CLASS_NAME_DOC} */");
    let _ = writeln!(
        out,
        "        public const val CLASS_NAME: String = {}\n",
        string_literal(&class.class.name, Language::Kotlin)
    );
    let _ = writeln!(out, "        /** {FROM_FIELDS_DOC} */");
    let _ = writeln!(
        out,
        "        public fun fromFields(fields: Map<String, {VALUE}>): {name} = fromFields(fields, CLASS_NAME)\n"
    );
    let _ = writeln!(
        out,
        "        internal fun fromFields(fields: Map<String, {VALUE}>, path: String): {name} = {name}("
    );
    for field in &class.fields {
        let call = CONVERSIONS.read_field(plan, field.property);
        let _ = writeln!(out, "            {} = {call},", field.ident);
    }
    out.push_str("        )\n");
    if class.class.embedded {
        let _ = writeln!(
            out,
            "\n        internal fun fromValue(value: {VALUE}, path: String): {name} =\n\
             \x20           fromFields((value as? {VALUE}.Embedded)?.fields ?: throw synclineWrongType(value, path, {}), path)",
            CONVERSIONS.embedded_expected(class)
        );
    }
    out.push_str("    }\n}\n");
}

fn default_value(p: &Property) -> String {
    match p.collection {
        Collection::Single if p.ty == PropertyType::Mixed => format!(" = {VALUE}.Null"),
        Collection::Single if single_is_nullable(p) => " = null".into(),
        Collection::Single => String::new(),
        Collection::List => " = emptyList()".into(),
        Collection::Set => " = emptySet()".into(),
        Collection::Dictionary => " = emptyMap()".into(),
    }
}

/// The expression encoding the (non-null) element `var`.
fn encode(plan: &Plan<'_>, p: &Property, var: &str) -> String {
    match plan.element(p) {
        Element::Embedded(_) => format!("{var}.toValue()"),
        other => format!("{}({var})", CONVERSIONS.encoder(other)),
    }
}
