//! Model code generation: from a schema, one source file of model types for an app in Swift,
//! Kotlin, C, TypeScript or Python, as App Services' "Realm Object Models" tab offers.
//!
//! Every generated file carries the schema itself in its JSON form (to open a database with)
//! and, per class, a type with one typed field per stored property. The Swift, Kotlin and
//! Python types convert to and from the field maps of the Syncline bindings (`[String: Value]`,
//! `Map<String, Value>`, `dict[str, Value]`): `init(fields:)` / `toFields()`,
//! `fromFields` / `toFields`, `from_fields` / `to_fields`. The C header declares plain structs;
//! the TypeScript module declares interfaces and the schema as Realm JS-style constants.
//!
//! Names that are not identifiers in the target language (keywords, spaces, leading digits)
//! are adjusted, and the stored name stays in the conversion code; two names that would become
//! the same identifier are an error.

mod c;
mod kotlin;
mod python;
mod swift;
mod typescript;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use super::{Collection, ObjectSchema, Property, PropertyType, Schema, SchemaError};

/// A language model code can be generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// Swift structs for the Syncline Swift package.
    Swift,
    /// Kotlin data classes for the Syncline Kotlin library.
    Kotlin,
    /// A C header of structs for the Syncline C library.
    C,
    /// TypeScript interfaces and Realm JS-style schema constants.
    TypeScript,
    /// Python dataclasses for the Syncline Python module.
    Python,
}

impl Language {
    /// Every language, in the order of the docs.
    pub const ALL: [Language; 5] = [
        Language::Swift,
        Language::Kotlin,
        Language::C,
        Language::TypeScript,
        Language::Python,
    ];

    /// The language's name as the command line spells it: `swift`, `kotlin`, `c`,
    /// `typescript`, `python`.
    pub fn name(self) -> &'static str {
        match self {
            Language::Swift => "swift",
            Language::Kotlin => "kotlin",
            Language::C => "c",
            Language::TypeScript => "typescript",
            Language::Python => "python",
        }
    }

    /// The usual file extension of a generated file, without the dot.
    pub fn file_extension(self) -> &'static str {
        match self {
            Language::Swift => "swift",
            Language::Kotlin => "kt",
            Language::C => "h",
            Language::TypeScript => "ts",
            Language::Python => "py",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = SchemaError;

    /// Reads a language name (`swift`, `kotlin`, `c`, `typescript` or `ts`, `python` or `py`;
    /// any case).
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "swift" => Language::Swift,
            "kotlin" | "kt" => Language::Kotlin,
            "c" => Language::C,
            "typescript" | "ts" => Language::TypeScript,
            "python" | "py" => Language::Python,
            _ => {
                return Err(SchemaError::UnknownLanguage {
                    language: name.to_owned(),
                })
            }
        })
    }
}

impl Schema {
    /// Model code for this schema in `language` (see the [module docs](self)). The schema is
    /// validated first (Realm's rules, not sync's); an invalid schema is that error.
    pub fn generate_models(&self, language: Language) -> Result<String, SchemaError> {
        self.validate(false)?;
        let plan = Plan::new(self, language)?;
        Ok(match language {
            Language::Swift => swift::generate(&plan),
            Language::Kotlin => kotlin::generate(&plan),
            Language::C => c::generate(&plan)?,
            Language::TypeScript => typescript::generate(&plan),
            Language::Python => python::generate(&plan),
        })
    }
}

/// What every generator needs: the classes with their language-level names.
struct Plan<'a> {
    schema: &'a Schema,
    classes: Vec<ClassPlan<'a>>,
    /// The schema's JSON form, compact.
    schema_json: String,
}

struct ClassPlan<'a> {
    class: &'a ObjectSchema,
    /// The type's name in the target language.
    type_name: String,
    /// The stored properties with their field names (backlinks are computed, not stored).
    fields: Vec<FieldPlan<'a>>,
}

struct FieldPlan<'a> {
    property: &'a Property,
    /// The field's name in the target language.
    ident: String,
}

/// What one value of a field (or one element of a collection field) is.
#[derive(Clone, Copy)]
enum Element<'a> {
    /// A scalar (or `mixed`).
    Scalar(PropertyType),
    /// A link to a top-level class, held as the bindings' `Link`.
    Link,
    /// An embedded object, held as the embedded class's generated type.
    Embedded(&'a str),
}

impl<'a> Plan<'a> {
    fn new(schema: &'a Schema, language: Language) -> Result<Self, SchemaError> {
        let mut type_names: HashMap<String, &str> = HashMap::new();
        let mut classes = Vec::new();
        for class in &schema.classes {
            let mut type_name = identifier(&class.name, language, true);
            if is_reserved_type_name(language, &type_name) {
                type_name.push_str("Model");
            }
            if let Some(other) = type_names.insert(type_name.clone(), &class.name) {
                return Err(SchemaError::InvalidClass {
                    class: class.name.clone(),
                    reason: format!(
                        "its {language} type name {type_name:?} is also that of class {other:?}"
                    ),
                });
            }
            let mut idents: HashMap<String, &str> = HashMap::new();
            let mut fields = Vec::new();
            for property in class.persisted_properties() {
                let ident = identifier(&property.name, language, false);
                if let Some(other) = idents.insert(ident.clone(), &property.name) {
                    return Err(SchemaError::InvalidProperty {
                        class: class.name.clone(),
                        property: property.name.clone(),
                        reason: format!(
                            "its {language} field name {ident:?} is also that of property \
                             {other:?}"
                        ),
                    });
                }
                fields.push(FieldPlan { property, ident });
            }
            classes.push(ClassPlan {
                class,
                type_name,
                fields,
            });
        }
        let schema_json = serde_json::to_string(&schema.to_json()).unwrap_or_default();
        Ok(Plan {
            schema,
            classes,
            schema_json,
        })
    }

    /// The element kind of a field.
    fn element(&self, property: &'a Property) -> Element<'_> {
        match property.ty {
            PropertyType::Object => {
                let target = property.object_type.as_deref().unwrap_or_default();
                match self.schema.class(target) {
                    Some(c) if c.embedded => Element::Embedded(self.type_name(target)),
                    _ => Element::Link,
                }
            }
            ty => Element::Scalar(ty),
        }
    }

    /// The generated type name of the class `class`.
    fn type_name<'s>(&'s self, class: &'s str) -> &'s str {
        self.classes
            .iter()
            .find(|c| c.class.name == class)
            .map_or(class, |c| c.type_name.as_str())
    }
}

impl ClassPlan<'_> {
    /// How the generated type's doc comment names what it is.
    fn kind(&self) -> &'static str {
        if self.class.embedded {
            "An embedded object"
        } else {
            "An object"
        }
    }

    /// The first line of the generated type's doc comment: "An object of class `Name`.".
    fn summary(&self) -> String {
        format!(
            "{} of class `{}`.",
            self.kind(),
            comment_safe(&self.class.name)
        )
    }
}

impl FieldPlan<'_> {
    /// A field's doc comment: "`name`: type.".
    fn summary(&self) -> String {
        format!(
            "`{}`: {}.",
            comment_safe(&self.property.name),
            comment_safe(&self.property.type_description())
        )
    }
}

/// The doc comment of the schema's JSON form in a generated file.
const SCHEMA_DOC: &str =
    "The schema these models were generated from, in its JSON form: open the database with it.";

/// The doc comment of a model type's constant holding its class's name.
const CLASS_NAME_DOC: &str = "The class's name in the database.";

/// The doc comment of a model type's conversion from the bindings' field map.
const FROM_FIELDS_DOC: &str = "The object read from its fields, as the bindings return them.";

/// The doc comment of a model type's conversion to the bindings' field map.
const TO_FIELDS_DOC: &str = "The object's fields, to create or update it with the bindings.";

/// How a language spells the type of one element: a name per scalar type (`mixed` for the
/// bindings' value type), the bindings' link type, and a pattern for an embedded class's
/// generated type (`%` stands for the type name).
struct ElementTypes {
    bool: &'static str,
    int: &'static str,
    float: &'static str,
    double: &'static str,
    string: &'static str,
    binary: &'static str,
    date: &'static str,
    object_id: &'static str,
    uuid: &'static str,
    decimal128: &'static str,
    mixed: &'static str,
    link: &'static str,
    embedded: &'static str,
}

impl ElementTypes {
    /// The type of one element.
    fn of(&self, element: Element<'_>) -> String {
        match element {
            Element::Scalar(ty) => match ty {
                PropertyType::Bool => self.bool,
                PropertyType::Int => self.int,
                PropertyType::Float => self.float,
                PropertyType::Double => self.double,
                PropertyType::String => self.string,
                PropertyType::Binary => self.binary,
                PropertyType::Date => self.date,
                PropertyType::ObjectId => self.object_id,
                PropertyType::Uuid => self.uuid,
                PropertyType::Decimal128 => self.decimal128,
                PropertyType::Mixed | PropertyType::Object | PropertyType::LinkingObjects => {
                    self.mixed
                }
            }
            .to_owned(),
            Element::Link => self.link.to_owned(),
            Element::Embedded(name) => fill(self.embedded, name),
        }
    }
}

/// How a language spells the type of a field: its element types, and patterns (`%` stands for
/// the inner type) for a value that may be null, an element that may be null, and the
/// collections.
struct FieldTypes {
    elements: ElementTypes,
    nullable: &'static str,
    nullable_element: &'static str,
    list: &'static str,
    set: &'static str,
    dictionary: &'static str,
}

impl FieldTypes {
    /// The type of the field holding property `p`.
    fn of(&self, plan: &Plan<'_>, p: &Property) -> String {
        let element = self.elements.of(plan.element(p));
        let element = if element_is_nullable(p) {
            fill(self.nullable_element, &element)
        } else {
            element
        };
        match p.collection {
            Collection::Single if single_is_nullable(p) => fill(self.nullable, &element),
            Collection::Single => element,
            Collection::List => fill(self.list, &element),
            Collection::Set => fill(self.set, &element),
            Collection::Dictionary => fill(self.dictionary, &element),
        }
    }
}

/// `pattern` with its `%` replaced by `inner`.
fn fill(pattern: &str, inner: &str) -> String {
    pattern.replacen('%', inner, 1)
}

/// How the Swift, Kotlin and Python models convert fields to and from the bindings' field
/// maps: the names of the generated file's helpers, as patterns (`%` stands for the argument
/// list, a helper's suffix such as `ObjectId`, an embedded type's name, or a decoder). The walk
/// over a field is shared: [`Conversions::read_field`].
struct Conversions {
    /// The language, for its string literals.
    language: Language,
    /// Helper suffixes are snake_case (`object_id`) rather than `ObjectId`.
    snake_case: bool,
    /// The decoding function of scalar or link elements (`%`: the helper suffix).
    decode: &'static str,
    /// The decoding function of an embedded class's elements (`%`: its type name).
    decode_embedded: &'static str,
    /// A decoding function made to read null as null (`%`: the decoder).
    decode_nullable: &'static str,
    /// The encoding function of scalar or link elements (`%`: the helper suffix).
    encode: &'static str,
    /// Reads a `mixed` field, a missing one as null (`%`: the key).
    read_mixed: &'static str,
    /// Reads a single value that must be there and not null (`%`: the arguments).
    read_required: &'static str,
    /// Reads a single value that may be missing or null.
    read_optional: &'static str,
    /// Reads a list (sets are accepted too).
    read_list: &'static str,
    /// Reads a set.
    read_set: &'static str,
    /// Reads a dictionary.
    read_dictionary: &'static str,
}

impl Conversions {
    /// The name that the conversion helpers of an element's kind end in (embedded objects
    /// convert with their own type's code instead).
    fn helper_suffix(&self, element: Element<'_>) -> String {
        let suffix = match element {
            Element::Scalar(ty) => match ty {
                PropertyType::Bool => "Bool",
                PropertyType::Int => "Int",
                PropertyType::Float => "Float",
                PropertyType::Double => "Double",
                PropertyType::String => "String",
                PropertyType::Binary => "Data",
                PropertyType::Date => "Date",
                PropertyType::ObjectId => "ObjectId",
                PropertyType::Uuid => "Uuid",
                PropertyType::Decimal128 => "Decimal128",
                PropertyType::Mixed | PropertyType::Object | PropertyType::LinkingObjects => {
                    "Mixed"
                }
            },
            Element::Link => "Link",
            Element::Embedded(_) => "",
        };
        if self.snake_case {
            snake_case(suffix)
        } else {
            suffix.to_owned()
        }
    }

    /// What a type error names as expected where an object of the embedded class `class`
    /// belongs, as a string literal.
    fn embedded_expected(&self, class: &ClassPlan<'_>) -> String {
        string_literal(&format!("an embedded {}", class.class.name), self.language)
    }

    /// The encoding function of a scalar or link element.
    fn encoder(&self, element: Element<'_>) -> String {
        fill(self.encode, &self.helper_suffix(element))
    }

    /// The decoding function of one element of property `p` (wrapped for nullable elements).
    fn decoder(&self, plan: &Plan<'_>, p: &Property) -> String {
        let base = match plan.element(p) {
            Element::Embedded(name) => fill(self.decode_embedded, name),
            other => fill(self.decode, &self.helper_suffix(other)),
        };
        if element_is_nullable(p) {
            fill(self.decode_nullable, &base)
        } else {
            base
        }
    }

    /// The expression reading property `p` from the bindings' field map `fields`, for errors
    /// located at `path` plus the property's name.
    fn read_field(&self, plan: &Plan<'_>, p: &Property) -> String {
        let key = string_literal(&p.name, self.language);
        if p.collection == Collection::Single && p.ty == PropertyType::Mixed {
            return fill(self.read_mixed, &key);
        }
        let read = match p.collection {
            Collection::Single if single_is_nullable(p) => self.read_optional,
            Collection::Single => self.read_required,
            Collection::List => self.read_list,
            Collection::Set => self.read_set,
            Collection::Dictionary => self.read_dictionary,
        };
        let path = string_literal(&format!(".{}", p.name), self.language);
        let decode = self.decoder(plan, p);
        fill(read, &format!("fields, {key}, path + {path}, {decode}"))
    }
}

/// A name in UpperCamelCase (`ObjectId`) as snake_case (`object_id`).
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A kind of element that the Swift, Kotlin and Python models convert with a helper of its
/// own (`synclineDecodeObjectId`, `_encode_object_id`): every scalar type and links.
struct HelperKind {
    element: Element<'static>,
    /// The bindings' `Value` case holding it, as Kotlin spells it (`ObjectId`), and the name
    /// of the case's payload; `None` for `mixed`, which is a `Value` itself.
    case: Option<(&'static str, &'static str)>,
    /// What an error calls a value of this kind.
    expected: &'static str,
}

/// Every helper kind, in the order the generated files list their helpers.
const HELPER_KINDS: [HelperKind; 12] = [
    helper_kind(PropertyType::Bool, "Bool", "value", "bool"),
    helper_kind(PropertyType::Int, "Int", "value", "int"),
    helper_kind(PropertyType::Float, "Float", "value", "float"),
    helper_kind(PropertyType::Double, "Double", "value", "double"),
    helper_kind(PropertyType::String, "String", "value", "string"),
    helper_kind(PropertyType::Binary, "Binary", "value", "data"),
    helper_kind(PropertyType::Date, "Date", "value", "date"),
    helper_kind(PropertyType::ObjectId, "ObjectId", "hex", "objectId"),
    helper_kind(PropertyType::Uuid, "Uuid", "value", "uuid"),
    helper_kind(
        PropertyType::Decimal128,
        "Decimal128",
        "value",
        "decimal128",
    ),
    HelperKind {
        element: Element::Scalar(PropertyType::Mixed),
        case: None,
        expected: "mixed",
    },
    HelperKind {
        element: Element::Link,
        case: Some(("Link", "value")),
        expected: "a link",
    },
];

const fn helper_kind(
    ty: PropertyType,
    case: &'static str,
    payload: &'static str,
    expected: &'static str,
) -> HelperKind {
    HelperKind {
        element: Element::Scalar(ty),
        case: Some((case, payload)),
        expected,
    }
}

/// Each class's code as `class_code` writes it, after `separator`.
fn write_classes(
    plan: &Plan<'_>,
    separator: &str,
    class_code: fn(&Plan<'_>, &ClassPlan<'_>, &mut String),
    out: &mut String,
) {
    for class in &plan.classes {
        out.push_str(separator);
        class_code(plan, class, out);
    }
}

/// Whether a field's single value may be null in the model (`T?`): optional scalars, links and
/// embedded objects, and `mixed` (whose null is `Value` null, so it is not `T?`).
fn single_is_nullable(property: &Property) -> bool {
    property.collection == Collection::Single
        && property.optional
        && property.ty != PropertyType::Mixed
}

/// Whether the elements of a collection field may be null in the model (not for `mixed`,
/// whose null is a `Value`, nor for links, which Realm keeps non-null in lists and sets).
fn element_is_nullable(property: &Property) -> bool {
    property.collection != Collection::Single
        && property.optional
        && !matches!(property.ty, PropertyType::Mixed | PropertyType::Object)
}

/// The bindings' own type names, which the Swift, Kotlin and Python models refer to.
const BINDINGS_TYPE_NAMES: [&str; 4] = ["Value", "Link", "Timestamp", "PrimaryKey"];

/// Whether a generated type must not take the name `name` (the language's or the bindings'
/// own).
fn is_reserved_type_name(language: Language, name: &str) -> bool {
    let bindings = matches!(
        language,
        Language::Swift | Language::Kotlin | Language::Python
    );
    (bindings && BINDINGS_TYPE_NAMES.contains(&name))
        || reserved_type_names(language).contains(&name)
}

/// Type names that generated types must not take, besides [`BINDINGS_TYPE_NAMES`].
fn reserved_type_names(language: Language) -> &'static [&'static str] {
    match language {
        Language::Swift => &[
            "String",
            "Int",
            "Int64",
            "Int32",
            "Bool",
            "Float",
            "Double",
            "Data",
            "Date",
            "Array",
            "Set",
            "Dictionary",
            "Error",
            "Any",
            "Optional",
            "Syncline",
            "SynclineSchema",
            "Self",
            "Type",
            "Protocol",
        ],
        Language::Kotlin => &[
            "String",
            "Int",
            "Long",
            "Boolean",
            "Float",
            "Double",
            "ByteArray",
            "List",
            "Set",
            "Map",
            "Any",
            "Unit",
            "Nothing",
            "SynclineSchema",
        ],
        Language::Python => &["SCHEMA_JSON", "dataclasses", "typing"],
        Language::TypeScript => &[
            "Link",
            "PrimaryKey",
            "ObjectId",
            "Uuid",
            "Decimal128",
            "Mixed",
            "Timestamp",
            "Date",
            "Record",
            "Array",
            "String",
            "Number",
            "Boolean",
            "Object",
            "schema",
        ],
        Language::C => &[],
    }
}

fn keywords(language: Language) -> &'static [&'static str] {
    match language {
        Language::Swift => &[
            "associatedtype",
            "class",
            "deinit",
            "enum",
            "extension",
            "fileprivate",
            "func",
            "import",
            "init",
            "inout",
            "internal",
            "let",
            "open",
            "operator",
            "private",
            "precedencegroup",
            "protocol",
            "public",
            "rethrows",
            "static",
            "struct",
            "subscript",
            "typealias",
            "var",
            "break",
            "case",
            "catch",
            "continue",
            "default",
            "defer",
            "do",
            "else",
            "fallthrough",
            "for",
            "guard",
            "if",
            "in",
            "repeat",
            "return",
            "throw",
            "switch",
            "where",
            "while",
            "Any",
            "as",
            "await",
            "false",
            "is",
            "nil",
            "self",
            "Self",
            "super",
            "throws",
            "true",
            "try",
            "async",
            "some",
            "any",
        ],
        Language::Kotlin => &[
            "as",
            "break",
            "class",
            "continue",
            "do",
            "else",
            "false",
            "for",
            "fun",
            "if",
            "in",
            "interface",
            "is",
            "null",
            "object",
            "package",
            "return",
            "super",
            "this",
            "throw",
            "true",
            "try",
            "typealias",
            "typeof",
            "val",
            "var",
            "when",
            "while",
        ],
        Language::Python => &[
            "False",
            "None",
            "True",
            "and",
            "as",
            "assert",
            "async",
            "await",
            "break",
            "class",
            "continue",
            "def",
            "del",
            "elif",
            "else",
            "except",
            "finally",
            "for",
            "from",
            "global",
            "if",
            "import",
            "in",
            "is",
            "lambda",
            "nonlocal",
            "not",
            "or",
            "pass",
            "raise",
            "return",
            "try",
            "while",
            "with",
            "yield",
            "CLASS_NAME",
            "from_fields",
            "to_fields",
            "dataclasses",
            "typing",
            "Value",
            "Link",
            "Timestamp",
        ],
        Language::TypeScript => &[
            "break",
            "case",
            "catch",
            "class",
            "const",
            "continue",
            "debugger",
            "default",
            "delete",
            "do",
            "else",
            "enum",
            "export",
            "extends",
            "false",
            "finally",
            "for",
            "function",
            "if",
            "import",
            "in",
            "instanceof",
            "new",
            "null",
            "return",
            "super",
            "switch",
            "this",
            "throw",
            "true",
            "try",
            "typeof",
            "var",
            "void",
            "while",
            "with",
        ],
        Language::C => &[
            "auto",
            "break",
            "case",
            "char",
            "const",
            "continue",
            "default",
            "do",
            "double",
            "else",
            "enum",
            "extern",
            "float",
            "for",
            "goto",
            "if",
            "inline",
            "int",
            "long",
            "register",
            "restrict",
            "return",
            "short",
            "signed",
            "sizeof",
            "static",
            "struct",
            "switch",
            "typedef",
            "union",
            "unsigned",
            "void",
            "volatile",
            "while",
            "bool",
            "true",
            "false",
            "_Bool",
            "_Complex",
            "_Imaginary",
        ],
    }
}

/// `name` as an identifier of `language`: characters other than ASCII letters, digits and `_`
/// become `_`, a leading digit gets a `_` before it, and keywords get the language's escape
/// (Swift and Kotlin backticks for fields, a trailing `_` otherwise).
fn identifier(name: &str, language: Language, is_type: bool) -> String {
    let mut ident: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if keywords(language).contains(&ident.as_str()) {
        match language {
            Language::Swift | Language::Kotlin if !is_type => return format!("`{ident}`"),
            _ => ident.push('_'),
        }
    }
    ident
}

/// `text` as a double-quoted string literal of `language` (JSON and names are embedded this
/// way; non-ASCII is escaped so that the generated file is plain ASCII).
fn string_literal(text: &str, language: Language) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if language == Language::Kotlin => out.push_str("\\$"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => match language {
                Language::Swift => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                Language::C => {
                    // Octal escapes (exactly three digits) never swallow the next character.
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\{b:03o}"));
                    }
                }
                Language::Python if (c as u32) > 0xffff => {
                    out.push_str(&format!("\\U{:08x}", c as u32))
                }
                _ => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            },
        }
    }
    out.push('"');
    out
}

/// `text` made safe inside a line or block comment (no line breaks, no `*/`).
fn comment_safe(text: &str) -> String {
    text.replace("*/", "* /").replace(['\n', '\r'], " ")
}

/// The header comment of every generated file (`prefix` is the line-comment marker).
fn header(prefix: &str) -> String {
    format!(
        "{prefix} Generated by Syncline from the app's schema (`syncline codegen`). Do not edit:\n\
         {prefix} regenerate it when the schema changes.\n"
    )
}

#[cfg(test)]
mod tests;
