//! Compiles a bound query ([`BoundQuery`]) to parameterized SQL over the storage layout.
//!
//! Only what SQL can answer *exactly* as the in-memory evaluator would is compiled. Realm's
//! comparisons are two-valued: under a `NOT` (and inside `ALL`) every compiled condition is
//! made two-valued (never SQL `NULL`), so `NOT` and `!=` keep Realm's null semantics;
//! elsewhere SQL's `WHERE` treats `NULL` as false already, and the bare comparison lets SQLite
//! use an index. The top-level conjuncts that cannot be compiled form a residual predicate,
//! evaluated in memory on the rows SQL returns; the answer is the same either way.
//!
//! Compiled today:
//! - comparisons of a single-valued path (properties through to-one links and embedded
//!   objects) of type bool, int, float, double, string, binary, date, objectId or uuid with a
//!   constant of the same family: `== != < <= > >=`, case-sensitive `BEGINSWITH`, `ENDSWITH`,
//!   `CONTAINS`, `LIKE`, and `IN {…}`;
//! - links compared with `null`;
//! - `ANY`/`ALL`/`NONE` (and the implicit `ANY`) on a list, set or dictionary of such scalars
//!   of the queried class: an indexed lookup in the element table;
//! - `@count`/`@size` of a collection compared with a number, and so `@links.@count` and
//!   `@links.Class.property.@count` (links held in mixed values counted through their
//!   indexes and the SQL functions `sl_mixed_link` and `sl_nested_links`);
//! - `AND`/`OR`/`NOT`, `TRUEPREDICATE`/`FALSEPREDICATE` of compiled parts;
//! - `SORT` on single-valued paths of those types, and `LIMIT` after it.
//!
//! Everything else (case-insensitive comparisons, decimals, mixed, arithmetic, subqueries,
//! backlinks, dictionary keys, `@type`, aggregates other than the count, DISTINCT, full-text)
//! is left to the evaluator. Query text and values never reach the SQL text: values are bound
//! parameters, names come from the schema.

use rusqlite::types::Value as Sql;

use crate::query::bound::{
    AggregateOp, BoundQuery, CompareOp, Comparison, Expr, Modifier, Path, Predicate, Quantifier,
    Step,
};
use crate::schema::{Collection, PropertyType};
use crate::value::compare::fold_case;
use crate::value::{PrimaryKey, Value};

use super::encode::{encode_date, MixedTag};
use super::layout::{nested_collections, quote, tag_column, Catalog};

/// A query compiled to SQL plus what is left for the evaluator.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// `SELECT t._row, <primary key> FROM … WHERE … ORDER BY … [LIMIT …]`: the matching rows.
    pub sql: String,
    /// The bound parameters, in placeholder order.
    pub params: Vec<Sql>,
    /// The conjuncts SQL could not express (`None` when the WHERE clause is exact).
    pub residual: Option<Predicate>,
    /// The modifiers still to apply in memory (empty when SQL applied them all).
    pub modifiers: Vec<Modifier>,
    /// `SELECT count(*) …` of the WHERE clause alone, with the same parameters, when no LIMIT
    /// was taken into SQL.
    pub count_sql: Option<String>,
}

impl Compiled {
    /// Whether the whole query ran in SQL.
    pub fn fully_sql(&self) -> bool {
        self.residual.is_none() && self.modifiers.is_empty()
    }
}

/// The family of a typed scalar, for deciding which constants compare exactly in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Number,
    Bool,
    String,
    Binary,
    Date,
    ObjectId,
    Uuid,
}

fn family_of_type(ty: PropertyType) -> Option<Family> {
    Some(match ty {
        PropertyType::Int | PropertyType::Float | PropertyType::Double => Family::Number,
        PropertyType::Bool => Family::Bool,
        PropertyType::String => Family::String,
        PropertyType::Binary => Family::Binary,
        PropertyType::Date => Family::Date,
        PropertyType::ObjectId => Family::ObjectId,
        PropertyType::Uuid => Family::Uuid,
        _ => return None,
    })
}

/// The SQL form of a non-null constant of `family`, or `None` if it does not belong there.
fn constant(family: Family, v: &Value) -> Option<Sql> {
    Some(match (family, v) {
        (Family::Number, Value::Int(i)) => Sql::Integer(*i),
        // NaN would be bound as NULL by SQLite: leave it to the evaluator.
        (Family::Number, Value::Float(f)) if !f.is_nan() => Sql::Real(f64::from(*f)),
        (Family::Number, Value::Double(d)) if !d.is_nan() => Sql::Real(*d),
        (Family::Bool, Value::Bool(b)) => Sql::Integer(i64::from(*b)),
        (Family::String, Value::String(s)) => Sql::Text(s.clone()),
        (Family::Binary, Value::Binary(b)) => Sql::Blob(b.clone()),
        (Family::Date, Value::Date(d)) => Sql::Blob(encode_date(*d)),
        (Family::ObjectId, Value::ObjectId(o)) => Sql::Blob(o.bytes().to_vec()),
        (Family::Uuid, Value::Uuid(u)) => Sql::Blob(u.as_bytes().to_vec()),
        _ => return None,
    })
}

/// `expr` as a condition that is never NULL when `strict` (a NULL comparison is false in
/// Realm); outside a NOT, SQL's WHERE already treats NULL as false, and the bare form lets
/// SQLite use an index.
fn two_valued(strict: bool, expr: String) -> String {
    if strict {
        format!("COALESCE({expr}, 0)")
    } else {
        format!("({expr})")
    }
}

/// A SQL fragment and its parameters.
#[derive(Debug, Clone, Default)]
struct Frag {
    sql: String,
    params: Vec<Sql>,
}

impl Frag {
    fn new(sql: impl Into<String>) -> Self {
        Frag {
            sql: sql.into(),
            params: Vec::new(),
        }
    }
}

/// A single value expression: SQL yielding the value (or NULL), with its type.
struct ValueExpr {
    frag: Frag,
    ty: PropertyType,
}

struct Compiler<'c> {
    cat: &'c Catalog,
    class: String,
}

impl Compiler<'_> {
    /// SQL for a single-valued path from row alias `t`: properties through to-one links and
    /// embedded objects.
    fn single_path(&self, path: &Path) -> Option<ValueExpr> {
        if path.multi || path.steps.is_empty() {
            return None;
        }
        let mut current_class = self.class.clone();
        let mut expr = String::new();
        let mut ty = PropertyType::Mixed;
        for (i, step) in path.steps.iter().enumerate() {
            let Step::Property(p) = step else {
                return None;
            };
            if p.collection != Collection::Single || p.class != current_class {
                return None;
            }
            let class = self.cat.schema.class(&p.class)?;
            let prop = class.property(&p.name)?;
            if prop.collection != Collection::Single {
                return None;
            }
            let column = quote(&p.name);
            expr = if i == 0 {
                format!("t.{column}")
            } else {
                format!(
                    "(SELECT {column} FROM {} WHERE _row = {expr})",
                    self.cat.table(&p.class)
                )
            };
            ty = p.ty;
            let last = i + 1 == path.steps.len();
            if !last {
                if p.ty != PropertyType::Object {
                    return None;
                }
                current_class = p.target.clone()?;
            }
        }
        Some(ValueExpr {
            frag: Frag::new(expr),
            ty,
        })
    }

    /// A two-valued condition `x <op> c` on a value expression `x` of type `ty` and a constant.
    fn condition(
        &self,
        strict: bool,
        x: &str,
        ty: PropertyType,
        op: CompareOp,
        c: &Value,
        ci: bool,
    ) -> Option<Frag> {
        if ty == PropertyType::Object {
            // Links compare exactly only with null.
            return match (op, c) {
                (CompareOp::Eq, Value::Null) => Some(Frag::new(format!("({x} IS NULL)"))),
                (CompareOp::Ne, Value::Null) => Some(Frag::new(format!("({x} IS NOT NULL)"))),
                _ => None,
            };
        }
        let family = family_of_type(ty)?;
        if ci && family != Family::String {
            return None;
        }
        // `[c]` compares case-folded strings (orderings ignore it, as in the evaluator).
        let folded_x;
        let folded_c;
        let (x, c) = if ci
            && !c.is_null()
            && !matches!(
                op,
                CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
            ) {
            let Value::String(text) = c else {
                return None;
            };
            folded_x = format!("sl_fold({x})");
            folded_c = Value::String(fold_case(text));
            (folded_x.as_str(), &folded_c)
        } else {
            (x, c)
        };
        if c.is_null() {
            return Some(Frag::new(match op {
                CompareOp::Eq | CompareOp::Le | CompareOp::Ge | CompareOp::Like => {
                    format!("({x} IS NULL)")
                }
                CompareOp::Ne => format!("({x} IS NOT NULL)"),
                CompareOp::Lt | CompareOp::Gt => "0".into(),
                // A null needle matches every text, and null too.
                CompareOp::BeginsWith | CompareOp::EndsWith | CompareOp::Contains => "1".into(),
                CompareOp::In => return None,
            }));
        }
        let value = constant(family, c)?;
        let mut frag = Frag::default();
        match op {
            CompareOp::Eq | CompareOp::Ne => {
                // `IS` never yields NULL; with a non-null constant it is plain equality.
                let eq = format!("({x} IS ?)");
                frag.sql = if op == CompareOp::Eq {
                    eq
                } else {
                    format!("(NOT {eq})")
                };
                frag.params.push(value);
            }
            CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
                let sym = match op {
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    _ => ">=",
                };
                // A stored NaN (the text 'NaN') is not ordered against numbers.
                frag.sql = if matches!(ty, PropertyType::Float | PropertyType::Double) {
                    two_valued(strict, format!("{x} {sym} ? AND typeof({x}) != 'text'"))
                } else {
                    two_valued(strict, format!("{x} {sym} ?"))
                };
                frag.params.push(value);
            }
            CompareOp::BeginsWith | CompareOp::EndsWith | CompareOp::Contains | CompareOp::Like => {
                let (Family::String, Sql::Text(needle)) = (family, &value) else {
                    return None;
                };
                let chars = needle.chars().count() as i64;
                match op {
                    _ if needle.is_empty() && op != CompareOp::Like => {
                        frag.sql = format!("({x} IS NOT NULL)");
                    }
                    CompareOp::BeginsWith => {
                        frag.sql = two_valued(strict, format!("substr({x}, 1, ?) = ?"));
                        frag.params.push(Sql::Integer(chars));
                        frag.params.push(value);
                    }
                    CompareOp::EndsWith => {
                        frag.sql = two_valued(strict, format!("substr({x}, -?) = ?"));
                        frag.params.push(Sql::Integer(chars));
                        frag.params.push(value);
                    }
                    CompareOp::Contains => {
                        frag.sql = two_valued(strict, format!("instr({x}, ?) > 0"));
                        frag.params.push(value);
                    }
                    _ => {
                        // GLOB has Realm's `*` and `?`, plus classes in `[]` that Realm lacks.
                        if needle.contains(['[', ']']) {
                            return None;
                        }
                        frag.sql = two_valued(strict, format!("{x} GLOB ?"));
                        frag.params.push(value);
                    }
                }
            }
            CompareOp::In => return None,
        }
        Some(frag)
    }

    /// `x IN {values}`: true when x equals one of them.
    fn in_list(
        &self,
        strict: bool,
        x: &str,
        ty: PropertyType,
        values: &[Value],
        ci: bool,
    ) -> Option<Frag> {
        let mut parts = Vec::new();
        let mut frag = Frag::default();
        for v in values {
            let c = self.condition(strict, x, ty, CompareOp::Eq, v, ci)?;
            parts.push(c.sql);
            frag.params.extend(c.params);
        }
        frag.sql = if parts.is_empty() {
            "0".into()
        } else {
            format!("({})", parts.join(" OR "))
        };
        Some(frag)
    }

    /// The items of a multi-valued path as SQL: `FROM …` joins yielding one row per item,
    /// the expression of the root object's row, and the item's value expression and type.
    ///
    /// Supported: lists and sets of links or embedded objects, then to-one links, then a
    /// scalar property; or lists/sets/dictionaries of scalars reached through lists and sets of
    /// links. A to-one link before a to-many step is left to the evaluator (a null link there
    /// yields one null item, which joins cannot tell from an empty list).
    fn multi_source(&self, path: &Path) -> Option<(String, String, String, PropertyType)> {
        if !path.multi {
            return None;
        }
        let mut from = String::new();
        let mut root = String::new();
        let mut prev: Option<String> = None;
        let mut current_class = self.class.clone();
        let mut seen_to_one = false;
        let last = path.steps.len().checked_sub(1)?;
        for (i, step) in path.steps.iter().enumerate() {
            let Step::Property(p) = step else {
                return None;
            };
            if p.class != current_class {
                return None;
            }
            let owner = prev
                .as_deref()
                .map_or_else(|| "t._row".to_owned(), |a| format!("{a}._row"));
            let is_last = i == last;
            match (p.ty, p.collection) {
                (PropertyType::Object, Collection::List | Collection::Set)
                    if !is_last && !seen_to_one =>
                {
                    let e = format!("e{i}");
                    let a = format!("a{i}");
                    let target = p.target.clone()?;
                    let elements = self.cat.elements(&p.class, &p.name);
                    if prev.is_none() {
                        from = format!("{elements} {e}");
                        root = format!("{e}.owner");
                    } else {
                        from.push_str(&format!(" JOIN {elements} {e} ON {e}.owner = {owner}"));
                    }
                    from.push_str(&format!(
                        " JOIN {} {a} ON {a}._row = {e}.value",
                        self.cat.table(&target)
                    ));
                    prev = Some(a);
                    current_class = target;
                }
                (PropertyType::Object, Collection::Single) if !is_last && prev.is_some() => {
                    let b = format!("b{i}");
                    let target = p.target.clone()?;
                    from.push_str(&format!(
                        " LEFT JOIN {} {b} ON {b}._row = {}.{}",
                        self.cat.table(&target),
                        prev.as_deref()?,
                        quote(&p.name)
                    ));
                    seen_to_one = true;
                    prev = Some(b);
                    current_class = target;
                }
                (ty, Collection::Single) if is_last && prev.is_some() => {
                    family_of_type(ty)?;
                    let value = format!("{}.{}", prev.as_deref()?, quote(&p.name));
                    return Some((from, root, value, ty));
                }
                (ty, Collection::List | Collection::Set | Collection::Dictionary)
                    if is_last && !seen_to_one && ty != PropertyType::Object =>
                {
                    family_of_type(ty)?;
                    let elements = self.cat.elements(&p.class, &p.name);
                    if prev.is_none() {
                        from = format!("{elements} v");
                        root = "v.owner".into();
                    } else {
                        from.push_str(&format!(" JOIN {elements} v ON v.owner = {owner}"));
                    }
                    return Some((from, root, "v.value".into(), ty));
                }
                _ => return None,
            }
        }
        None
    }

    fn count_path(&self, path: &Path) -> Option<ValueExpr> {
        let [Step::Aggregate {
            op: AggregateOp::Count,
            over,
        }] = path.steps.as_slice()
        else {
            return None;
        };
        let sources: Vec<(&str, &str)> = match over.as_slice() {
            [Step::Backlinks {
                origin_class,
                origin_property,
                ..
            }] => vec![(origin_class, origin_property)],
            [Step::AllBacklinks { sources, .. }] => sources
                .iter()
                .map(|(c, p)| (c.as_str(), p.as_str()))
                .collect(),
            [Step::Property(p)] => return self.collection_count(p),
            _ => return None,
        };
        self.backlink_count(&sources)
    }

    /// `@links.@count` / `@links.Class.property.@count` of the queried object: the links to its
    /// row in each origin's link column or element table (indexed), embedded origin classes
    /// included (their rows all belong to a top-level object: embedded rows go with their
    /// parent). A `mixed` origin adds its links through the partial index on link values and,
    /// for links inside nested lists and dictionaries, the rows holding such collections that
    /// name the class (`sl_nested_links` counts in each).
    fn backlink_count(&self, sources: &[(&str, &str)]) -> Option<ValueExpr> {
        let target = self.cat.schema.class(&self.class)?;
        // The class name as SQL text and as the bytes that start a link to it inside a nested
        // collection's BSON (`$ref` is a C string), written in hex: names never reach SQL as
        // text to escape.
        let hex: String = self.class.bytes().map(|b| format!("{b:02x}")).collect();
        let class_text = format!("CAST(x'{hex}' AS TEXT)");
        let needle = format!("x'{hex}00'");
        let target_pk = target
            .primary_key
            .as_deref()
            .map_or_else(|| "t._row".to_owned(), |pk| format!("t.{}", quote(pk)));
        let mut terms = Vec::new();
        for (class, property) in sources {
            let origin = self.cat.schema.class(class)?;
            let prop = origin.property(property)?;
            let mixed = match prop.ty {
                PropertyType::Mixed => true,
                PropertyType::Object if prop.object_type.as_deref() == Some(&self.class) => false,
                _ => return None,
            };
            // Unqualified names inside the subqueries: they resolve to the origin table first,
            // and the nested-collection condition must read exactly as its partial index's.
            let (from, value, tag) = match prop.collection {
                Collection::Single => (
                    self.cat.table(class),
                    quote(property),
                    quote(&tag_column(property)),
                ),
                _ => (
                    self.cat.elements(class, property),
                    "value".to_owned(),
                    "\"value@type\"".to_owned(),
                ),
            };
            if !mixed {
                terms.push(format!(
                    "(SELECT count(*) FROM {from} WHERE {value} = t._row)"
                ));
                continue;
            }
            terms.push(format!(
                "(SELECT count(*) FROM {from} WHERE {tag} = {} AND {value} = sl_mixed_link({class_text}, t._row))",
                MixedTag::Link as i64
            ));
            terms.push(format!(
                "(SELECT coalesce(sum(sl_nested_links({value}, {class_text}, {target_pk})), 0) \
                 FROM {from} WHERE {} AND instr({value}, {needle}) > 0)",
                nested_collections(&tag)
            ));
        }
        let sql = if terms.is_empty() {
            "0".to_owned()
        } else {
            format!("({})", terms.join(" + "))
        };
        Some(ValueExpr {
            frag: Frag::new(sql),
            ty: PropertyType::Int,
        })
    }

    /// `collection.@count` of a collection property of the queried object.
    fn collection_count(&self, p: &crate::query::bound::PropertyStep) -> Option<ValueExpr> {
        if p.class != self.class || p.collection == Collection::Single {
            return None;
        }
        Some(ValueExpr {
            frag: Frag::new(format!(
                "(SELECT count(*) FROM {} WHERE owner = t._row)",
                self.cat.elements(&p.class, &p.name)
            )),
            ty: PropertyType::Int,
        })
    }

    fn comparison(&self, strict: bool, c: &Comparison) -> Option<Frag> {
        // `constant IN path`: the constant equals one of the path's items.
        if let (Expr::Constant(v), Expr::Path(p), CompareOp::In) = (&c.left, &c.right, c.op) {
            if !p.multi {
                return None;
            }
            return self.quantified(
                p,
                Quantifier::Any,
                CompareOp::Eq,
                Some(v),
                &c.right,
                c.case_insensitive,
            );
        }
        if let (Expr::Path(p), Expr::Constant(Value::Link(link)), CompareOp::Eq | CompareOp::Ne) =
            (&c.left, &c.right, c.op)
        {
            return self.link_equals(p, link, c.op == CompareOp::Ne);
        }
        // Normalise to `path op constant`.
        let (path, op, constant) = match (&c.left, &c.right) {
            (Expr::Path(p), Expr::Constant(v)) => (p, c.op, Some(v)),
            (Expr::Path(p), Expr::List(_)) if c.op == CompareOp::In => (p, c.op, None),
            (Expr::Constant(v), Expr::Path(p)) if !p.multi => {
                let flipped = match c.op {
                    CompareOp::Eq => CompareOp::Eq,
                    CompareOp::Ne => CompareOp::Ne,
                    CompareOp::Lt => CompareOp::Gt,
                    CompareOp::Le => CompareOp::Ge,
                    CompareOp::Gt => CompareOp::Lt,
                    CompareOp::Ge => CompareOp::Le,
                    _ => return None,
                };
                (p, flipped, Some(v))
            }
            _ => return None,
        };
        if let Some(single) = self.single_path(path).or_else(|| self.count_path(path)) {
            let mut frag = single.frag;
            let cond = match (op, constant, &c.right) {
                (CompareOp::In, None, Expr::List(values)) => {
                    self.in_list(strict, &frag.sql, single.ty, values, c.case_insensitive)?
                }
                (op, Some(v), _) => {
                    self.condition(strict, &frag.sql, single.ty, op, v, c.case_insensitive)?
                }
                _ => return None,
            };
            // The value expression appears inside the condition as text without parameters.
            if !frag.params.is_empty() {
                return None;
            }
            frag.sql = cond.sql;
            frag.params = cond.params;
            return Some(frag);
        }
        // Quantified comparison over the items of a multi-valued path.
        self.quantified(
            path,
            c.quantifier,
            op,
            constant,
            &c.right,
            c.case_insensitive,
        )
    }

    /// `link == constant link` (or `!=`) on a single-valued link path.
    fn link_equals(&self, path: &Path, link: &crate::value::Link, negate: bool) -> Option<Frag> {
        let single = self.single_path(path)?;
        let Some(Step::Property(last)) = path.steps.last() else {
            return None;
        };
        if single.ty != PropertyType::Object || last.embedded {
            return None;
        }
        let target = self.cat.schema.class(last.target.as_deref()?)?;
        let x = single.frag.sql;
        let mut frag = Frag::default();
        let eq = if link.class != target.name {
            "0".to_owned()
        } else {
            match target.primary_key_property() {
                None => {
                    let PrimaryKey::Int(row) = link.pk else {
                        return None;
                    };
                    frag.params.push(Sql::Integer(row));
                    format!("COALESCE({x} = ?, 0)")
                }
                Some(pk) => {
                    let value = match &link.pk {
                        PrimaryKey::Null => Sql::Null,
                        other => {
                            match super::encode::encode_scalar(pk.ty, &Value::from(other.clone())) {
                                Ok(v) => v,
                                // A key of another type names no object of the class.
                                Err(_) => return Some(Frag::new(if negate { "1" } else { "0" })),
                            }
                        }
                    };
                    frag.params.push(value);
                    format!(
                        "COALESCE({x} = (SELECT _row FROM {} WHERE {} IS ?), 0)",
                        self.cat.table(&target.name),
                        quote(&pk.name)
                    )
                }
            }
        };
        frag.sql = if negate {
            format!("(NOT {eq})")
        } else {
            format!("({eq})")
        };
        Some(frag)
    }

    /// `Q item ∈ path: item op constant` (or `item IN list`) as a subquery over the items.
    fn quantified(
        &self,
        path: &Path,
        quantifier: Quantifier,
        op: CompareOp,
        constant: Option<&Value>,
        right: &Expr,
        ci: bool,
    ) -> Option<Frag> {
        let (from, root, value, ty) = self.multi_source(path)?;
        // Inside the subquery's WHERE a NULL counts as false, except under ALL's NOT.
        let strict = quantifier == Quantifier::All;
        let cond = match (op, constant, right) {
            (CompareOp::In, None, Expr::List(values)) => {
                self.in_list(strict, &value, ty, values, ci)?
            }
            (op, Some(v), _) => self.condition(strict, &value, ty, op, v, ci)?,
            _ => return None,
        };
        let sql = match quantifier {
            Quantifier::Any => {
                format!("(t._row IN (SELECT {root} FROM {from} WHERE {}))", cond.sql)
            }
            Quantifier::None => {
                format!(
                    "(t._row NOT IN (SELECT {root} FROM {from} WHERE {}))",
                    cond.sql
                )
            }
            Quantifier::All => format!(
                "(t._row NOT IN (SELECT {root} FROM {from} WHERE NOT {}))",
                cond.sql
            ),
        };
        Some(Frag {
            sql,
            params: cond.params,
        })
    }

    fn predicate(&self, strict: bool, p: &Predicate) -> Option<Frag> {
        match p {
            Predicate::True => Some(Frag::new("1")),
            Predicate::False => Some(Frag::new("0")),
            Predicate::Not(inner) => {
                // `NOT NULL` is NULL: under a NOT every condition must be two-valued.
                let f = self.predicate(true, inner)?;
                Some(Frag {
                    sql: format!("(NOT {})", f.sql),
                    params: f.params,
                })
            }
            Predicate::And(parts) | Predicate::Or(parts) => {
                let joiner = if matches!(p, Predicate::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                let mut out = Frag::default();
                let mut sqls = Vec::new();
                for part in parts {
                    let f = self.predicate(strict, part)?;
                    sqls.push(f.sql);
                    out.params.extend(f.params);
                }
                out.sql = if sqls.is_empty() {
                    if joiner == " AND " {
                        "1".into()
                    } else {
                        "0".into()
                    }
                } else {
                    format!("({})", sqls.join(joiner))
                };
                Some(out)
            }
            Predicate::Compare(c) => self.comparison(strict, c),
            // Geometry on the sphere is left to the evaluator.
            Predicate::FullText { .. } | Predicate::GeoWithin { .. } => None,
        }
    }

    /// The ORDER BY expressions of a sort key, each to be sorted in the key's direction.
    fn sort_key(&self, path: &Path) -> Option<Vec<String>> {
        let v = self.single_path(path)?;
        let sortable = matches!(
            v.ty,
            PropertyType::Bool
                | PropertyType::Int
                | PropertyType::Float
                | PropertyType::Double
                | PropertyType::String
                | PropertyType::Binary
                | PropertyType::Date
                | PropertyType::ObjectId
                | PropertyType::Uuid
        );
        if !sortable || !v.frag.params.is_empty() {
            return None;
        }
        let x = v.frag.sql;
        Some(
            if matches!(v.ty, PropertyType::Float | PropertyType::Double) {
                // Null first, then NaN (stored as text), then numbers: the evaluator's order.
                vec![
                    format!("({x} IS NOT NULL)"),
                    format!("(typeof({x}) != 'text')"),
                    x,
                ]
            } else {
                vec![x]
            },
        )
    }
}

fn conjuncts<'p>(p: &'p Predicate, out: &mut Vec<&'p Predicate>) {
    match p {
        Predicate::And(parts) => {
            for part in parts {
                conjuncts(part, out);
            }
        }
        Predicate::True => {}
        other => out.push(other),
    }
}

/// Compiles `query` for the tables described by `cat`.
pub fn compile(query: &BoundQuery, cat: &Catalog) -> Compiled {
    let compiler = Compiler {
        cat,
        class: query.class.clone(),
    };
    let mut parts = Vec::new();
    conjuncts(&query.predicate, &mut parts);
    let mut where_sql = Vec::new();
    let mut params = Vec::new();
    let mut residual = Vec::new();
    for part in parts {
        match compiler.predicate(false, part) {
            Some(f) => {
                where_sql.push(f.sql);
                params.extend(f.params);
            }
            None => residual.push(part.clone()),
        }
    }
    let mut order = vec![];
    let mut limit = None;
    let mut modifiers: Vec<Modifier> = query.modifiers.clone();
    if residual.is_empty() {
        // Take SORT/LIMIT clauses into SQL while they are compilable, in written order.
        let mut taken = 0;
        for m in &query.modifiers {
            match m {
                Modifier::Sort(keys) if limit.is_none() => {
                    let mut sql_keys = Vec::new();
                    let mut compiled_keys = 0;
                    for k in keys {
                        match compiler.sort_key(&k.path) {
                            Some(exprs) => {
                                compiled_keys += 1;
                                let dir = if k.ascending { "ASC" } else { "DESC" };
                                sql_keys.extend(exprs.into_iter().map(|e| format!("{e} {dir}")));
                            }
                            None => break,
                        }
                    }
                    if compiled_keys != keys.len() {
                        break;
                    }
                    // A later sort re-sorts stably: its keys come first, the earlier ones break ties.
                    sql_keys.extend(order);
                    order = sql_keys;
                }
                Modifier::Limit(n) => {
                    limit = Some(limit.map_or(*n, |l: usize| l.min(*n)));
                }
                _ => break,
            }
            taken += 1;
        }
        modifiers.drain(..taken);
    }
    order.push("t._row ASC".into());
    let pk_column = cat
        .schema
        .class(&query.class)
        .and_then(|c| c.primary_key.as_deref())
        .map_or_else(|| "t._row".to_owned(), |pk| format!("t.{}", quote(pk)));
    let where_clause = if where_sql.is_empty() {
        "1".to_owned()
    } else {
        where_sql.join(" AND ")
    };
    let count_sql = limit.is_none().then(|| {
        format!(
            "SELECT count(*) FROM {} t WHERE {where_clause}",
            cat.table(&query.class)
        )
    });
    let mut sql = format!(
        "SELECT t._row, {pk_column} FROM {} t WHERE {where_clause} ORDER BY {}",
        cat.table(&query.class),
        order.join(", ")
    );
    if let Some(n) = limit {
        sql.push_str(" LIMIT ?");
        params.push(Sql::Integer(i64::try_from(n).unwrap_or(i64::MAX)));
    }
    Compiled {
        sql,
        params,
        residual: match residual.len() {
            0 => None,
            1 => residual.pop(),
            _ => Some(Predicate::And(residual)),
        },
        modifiers,
        count_sql,
    }
}
