//! Binding: resolves a [`ParsedQuery`] against a schema, a class and the `$n` arguments,
//! checks types and operators, and produces the [`BoundQuery`].

use super::ast::{self, KeyExpr, Literal, Operator, ParsedQuery, PathElem, Span};
use super::bound::{
    AggregateOp, ArithOp, BoundQuery, CompareOp, Comparison, EmbeddedHolder, Expr, GeoPoint,
    GeoShape, ListIndex, Modifier, NestedStep, Path, Predicate, PropertyStep, Quantifier, SortKey,
    Step,
};
use super::eval::parse_full_text;
use super::QueryError;
use crate::schema::{Collection, IndexKind, ObjectSchema, PropertyType, Schema};
use crate::value::compare::Dec;
use crate::value::Value;

/// Binds `query` for objects of `class`.
pub(crate) fn bind(
    query: &ParsedQuery,
    schema: &Schema,
    class: &str,
    args: &[Value],
) -> Result<BoundQuery, QueryError> {
    let object_schema = schema.class(class).ok_or_else(|| QueryError::Invalid {
        position: 0,
        message: format!("no class named '{class}' in the schema"),
    })?;
    if object_schema.embedded {
        return Err(QueryError::Invalid {
            position: 0,
            message: format!("'{class}' is an embedded class; query its parent class instead"),
        });
    }
    let binder = Binder { schema, args };
    let scope = Scope {
        class: class.to_owned(),
        variable: None,
        outer: Vec::new(),
    };
    let predicate = binder.predicate(&query.predicate, &scope)?;
    let mut modifiers = Vec::new();
    for m in &query.modifiers {
        modifiers.push(binder.modifier(m, &scope)?);
    }
    Ok(BoundQuery {
        class: class.to_owned(),
        predicate,
        modifiers,
    })
}

struct Binder<'a> {
    schema: &'a Schema,
    args: &'a [Value],
}

/// Where paths start: the queried class, or a subquery's element class and its variable.
#[derive(Clone)]
struct Scope {
    class: String,
    variable: Option<String>,
    /// Variables of enclosing subqueries (they cannot be reused).
    outer: Vec<String>,
}

/// The static type of an operand.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// The `null` literal.
    Null,
    /// A value of a scalar type (`Mixed` when any).
    Scalar(PropertyType),
    /// An object of this class.
    Object(String),
    /// A type name (`@type`); `true` when the type is fixed by the schema (not `mixed`).
    TypeName(bool),
    /// A number literal not yet typed.
    NumberLiteral,
}

fn ty_name(ty: &Ty) -> String {
    match ty {
        Ty::Null => "null".into(),
        Ty::Scalar(t) => scalar_name(*t).into(),
        Ty::Object(c) => format!("link to '{c}'"),
        Ty::TypeName(_) => "type name".into(),
        Ty::NumberLiteral => "number".into(),
    }
}

fn scalar_name(t: PropertyType) -> &'static str {
    match t {
        PropertyType::Bool => "bool",
        PropertyType::Int => "int",
        PropertyType::Float => "float",
        PropertyType::Double => "double",
        PropertyType::String => "string",
        PropertyType::Binary => "binary",
        PropertyType::Date => "date",
        PropertyType::ObjectId => "objectId",
        PropertyType::Uuid => "uuid",
        PropertyType::Decimal128 => "decimal128",
        PropertyType::Mixed => "mixed",
        PropertyType::Object => "object",
        PropertyType::LinkingObjects => "linkingObjects",
    }
}

fn is_numeric(t: PropertyType) -> bool {
    matches!(
        t,
        PropertyType::Int | PropertyType::Float | PropertyType::Double | PropertyType::Decimal128
    )
}

/// An operand before constants are typed against the other side.
#[derive(Debug, Clone)]
enum Operand {
    Path {
        path: Path,
        ty: Ty,
        span: Span,
    },
    Literal(Literal, Span),
    Argument(usize, Span),
    List(Vec<Operand>, Span),
    Arith {
        op: ArithOp,
        left: Box<Operand>,
        right: Box<Operand>,
        ty: Ty,
        span: Span,
    },
    Subquery {
        expr: Expr,
        span: Span,
    },
    Object {
        class: String,
        key: Box<Operand>,
        span: Span,
    },
}

impl Operand {
    fn span(&self) -> Span {
        match self {
            Operand::Path { span, .. }
            | Operand::Literal(_, span)
            | Operand::Argument(_, span)
            | Operand::List(_, span)
            | Operand::Arith { span, .. }
            | Operand::Subquery { span, .. }
            | Operand::Object { span, .. } => *span,
        }
    }

    fn is_constant(&self) -> bool {
        match self {
            Operand::Literal(..) | Operand::Argument(..) | Operand::Object { .. } => true,
            Operand::List(items, _) => items.iter().all(Operand::is_constant),
            Operand::Arith { left, right, .. } => left.is_constant() && right.is_constant(),
            _ => false,
        }
    }

    fn multi(&self, args: &[Value]) -> bool {
        match self {
            Operand::Path { path, .. } => path.multi,
            Operand::List(..) => true,
            Operand::Argument(n, _) => matches!(args.get(*n), Some(Value::List(_) | Value::Set(_))),
            Operand::Arith { left, right, .. } => left.multi(args) || right.multi(args),
            _ => false,
        }
    }
}

fn invalid(span: Span, message: impl Into<String>) -> QueryError {
    QueryError::Invalid {
        position: span.start,
        message: message.into(),
    }
}

/// What the path walker is looking at.
#[derive(Debug, Clone)]
enum State {
    /// One object of a class (possibly reached through a null link).
    Object(String),
    /// One value.
    Value(PropertyType),
    /// A list or set of objects of a class (from a property or backlinks).
    Objects {
        class: String,
        is_set: bool,
        is_list: bool,
    },
    /// A list or set of values.
    Values { ty: PropertyType, is_set: bool },
    /// A dictionary whose values are of `ty` (`Object` with `target` for links).
    Dict {
        ty: PropertyType,
        target: Option<String>,
    },
    /// Every backlink (`@links`), only counted.
    AllLinks,
    /// Type names; `true` when fixed by the schema.
    TypeNames(bool),
}

impl<'a> Binder<'a> {
    fn class(&self, name: &str, span: Span) -> Result<&'a ObjectSchema, QueryError> {
        self.schema
            .class(name)
            .ok_or_else(|| invalid(span, format!("no class named '{name}' in the schema")))
    }

    fn predicate(&self, p: &ast::Predicate, scope: &Scope) -> Result<Predicate, QueryError> {
        Ok(match p {
            ast::Predicate::True(_) => Predicate::True,
            ast::Predicate::False(_) => Predicate::False,
            ast::Predicate::And(a, b) => self.connective(true, [a.as_ref(), b.as_ref()], scope)?,
            ast::Predicate::Or(a, b) => self.connective(false, [a.as_ref(), b.as_ref()], scope)?,
            ast::Predicate::Not(inner, _) => {
                Predicate::Not(Box::new(self.predicate(inner, scope)?))
            }
            ast::Predicate::Compare(c) => self.comparison(c, scope)?,
            ast::Predicate::GeoWithin(g) => self.geo_within(g, scope)?,
        })
    }

    /// `a AND b` (`and`) or `a OR b`: a side that is itself the same connective gives its parts,
    /// so a chain binds to one flat list rather than a deep tree.
    fn connective(
        &self,
        and: bool,
        sides: [&ast::Predicate; 2],
        scope: &Scope,
    ) -> Result<Predicate, QueryError> {
        let mut parts = Vec::new();
        for side in sides {
            match self.predicate(side, scope)? {
                Predicate::And(inner) if and => parts.extend(inner),
                Predicate::Or(inner) if !and => parts.extend(inner),
                other => parts.push(other),
            }
        }
        Ok(if and {
            Predicate::And(parts)
        } else {
            Predicate::Or(parts)
        })
    }

    fn geo_within(&self, g: &ast::GeoWithin, scope: &Scope) -> Result<Predicate, QueryError> {
        let quantifier = g.quantifier.map_or(Quantifier::Any, |(q, _)| q);
        let ast::Expr::Path(kp) = &g.left else {
            return Err(invalid(
                g.left.span(),
                "GEOWITHIN needs a key path to a point object on its left",
            ));
        };
        let (path, ty) = self.path(kp, scope)?;
        let Ty::Object(class) = &ty else {
            return Err(invalid(
                kp.span,
                format!(
                    "GEOWITHIN needs a link to an object with 'type' and 'coordinates' (a geospatial point), not a {}",
                    ty_name(&ty)
                ),
            ));
        };
        let schema = self.class(class, kp.span)?;
        let type_ok = schema
            .property("type")
            .is_some_and(|p| p.ty == PropertyType::String && p.collection == Collection::Single);
        let coords_ok = schema.property("coordinates").is_some_and(|p| {
            p.collection == Collection::List
                && matches!(
                    p.ty,
                    PropertyType::Double
                        | PropertyType::Float
                        | PropertyType::Int
                        | PropertyType::Mixed
                )
        });
        if !(type_ok && coords_ok) {
            return Err(invalid(
                kp.span,
                format!(
                    "class '{class}' is not a geospatial point: it needs a string property 'type' and a list of doubles 'coordinates'"
                ),
            ));
        }
        if g.quantifier.is_some() && !path.multi {
            return Err(invalid(
                kp.span,
                "the key path after ANY/ALL/NONE must contain a list (a to-many relationship or a collection)",
            ));
        }
        let shape = self.geo_shape(&g.shape)?;
        super::geo::validate(&shape).map_err(|why| invalid(g.shape.span(), why))?;
        Ok(Predicate::GeoWithin {
            quantifier,
            path,
            shape,
        })
    }

    fn geo_number(&self, e: &ast::Expr) -> Result<f64, QueryError> {
        let value = match e {
            ast::Expr::Literal(Literal::Number(text), span) => parse_f64(text, *span)?,
            ast::Expr::Argument(n, span) => match self.arg(*n, *span)? {
                Value::Int(i) => i as f64,
                Value::Double(d) => d,
                Value::Float(f) => f64::from(f),
                other => {
                    return Err(QueryError::Argument {
                        index: *n,
                        message: format!(
                            "a geospatial coordinate or radius must be a number, got a {}",
                            other.type_name()
                        ),
                    })
                }
            },
            other => {
                return Err(invalid(
                    other.span(),
                    "a geospatial coordinate must be a number",
                ))
            }
        };
        Ok(value)
    }

    /// A written point, its range checked (the error points at the point).
    fn geo_point(&self, p: &ast::GeoPointExpr) -> Result<GeoPoint, QueryError> {
        let point = GeoPoint {
            longitude: self.geo_number(&p.longitude)?,
            latitude: self.geo_number(&p.latitude)?,
        };
        super::geo::check_point(&point).map_err(|why| invalid(p.span, why))?;
        Ok(point)
    }

    fn geo_shape(&self, shape: &ast::GeoShapeExpr) -> Result<GeoShape, QueryError> {
        Ok(match shape {
            ast::GeoShapeExpr::Circle { center, radius, .. } => {
                if center.has_altitude {
                    return Err(invalid(
                        center.span,
                        "the center of a geoCircle must have exactly 2 coordinates (longitude, latitude), found 3",
                    ));
                }
                let shape = GeoShape::Circle {
                    center: self.geo_point(center)?,
                    radius: self.geo_number(radius)?,
                };
                // A bad radius is reported at the radius.
                super::geo::validate(&shape).map_err(|why| invalid(radius.span(), why))?;
                shape
            }
            ast::GeoShapeExpr::Box {
                bottom_left,
                top_right,
                ..
            } => GeoShape::Box {
                bottom_left: self.geo_point(bottom_left)?,
                top_right: self.geo_point(top_right)?,
            },
            ast::GeoShapeExpr::Polygon { rings, .. } => {
                let mut points = Vec::with_capacity(rings.len());
                for (i, (ring, span)) in rings.iter().enumerate() {
                    let ring = ring
                        .iter()
                        .map(|p| self.geo_point(p))
                        .collect::<Result<Vec<_>, _>>()?;
                    // A ring that is not closed, too small or crossing itself is reported at
                    // the ring.
                    let name = if i == 0 {
                        "the outer ring".to_owned()
                    } else {
                        format!("hole {i}")
                    };
                    super::geo::check_ring(&ring, &name).map_err(|why| invalid(*span, why))?;
                    points.push(ring);
                }
                let mut rings = points.into_iter();
                GeoShape::Polygon {
                    outer: rings.next().unwrap_or_default(),
                    holes: rings.collect(),
                }
            }
            ast::GeoShapeExpr::Argument(n, span) => {
                let value = self.arg(*n, *span)?;
                geo_shape_argument(&value).map_err(|why| QueryError::Argument {
                    index: *n,
                    message: format!("argument ${n} is not a geospatial shape: {why}"),
                })?
            }
        })
    }

    fn comparison(&self, c: &ast::Comparison, scope: &Scope) -> Result<Predicate, QueryError> {
        let (quantifier, explicit) = c
            .quantifier
            .map_or((Quantifier::Any, false), |(q, _)| (q, true));
        let left = self.operand(&c.left, scope)?;
        if c.op == Operator::Text {
            return self.full_text(left, &c.right, c.op_span, scope);
        }
        if c.op == Operator::Between {
            let ast::Expr::List(bounds, span) = &c.right else {
                return Err(invalid(
                    c.op_span,
                    "BETWEEN needs a list of two values: {low, high}",
                ));
            };
            if bounds.len() != 2 {
                return Err(invalid(
                    *span,
                    "BETWEEN needs exactly two values: {low, high}",
                ));
            }
            // On a list only `ALL x BETWEEN {…}` is meaningful (as in realm-core): both bounds
            // must hold for every element, which the two conjuncts below express exactly.
            if left.multi(self.args) && !(explicit && quantifier == Quantifier::All) {
                return Err(invalid(
                    c.left.span(),
                    "BETWEEN on a list needs ALL (ALL list BETWEEN {low, high})",
                ));
            }
            let low = self.operand(&bounds[0], scope)?;
            let high = self.operand(&bounds[1], scope)?;
            let ge = self.compare(
                (quantifier, explicit, None),
                left.clone(),
                Operator::Ge,
                false,
                low,
                c.op_span,
            )?;
            let le = self.compare(
                (quantifier, explicit, None),
                left,
                Operator::Le,
                false,
                high,
                c.op_span,
            )?;
            return Ok(Predicate::And(vec![ge, le]));
        }
        let right = self.operand(&c.right, scope)?;
        let right_quantifier = c.right_quantifier.map(|(q, _)| q);
        self.compare(
            (quantifier, explicit, right_quantifier),
            left,
            c.op,
            c.case_insensitive,
            right,
            c.op_span,
        )
    }

    fn full_text(
        &self,
        left: Operand,
        right: &ast::Expr,
        op_span: Span,
        scope: &Scope,
    ) -> Result<Predicate, QueryError> {
        let Operand::Path { path, ty, span } = left else {
            return Err(invalid(op_span, "TEXT needs a string property on its left"));
        };
        if ty != Ty::Scalar(PropertyType::String) || path.multi {
            return Err(invalid(
                span,
                "TEXT needs a single string property on its left",
            ));
        }
        if let Some(Step::Property(p)) = path.steps.last() {
            let indexed = self
                .schema
                .class(&p.class)
                .and_then(|c| c.property(&p.name))
                .is_some_and(|prop| prop.index == IndexKind::FullText);
            if !indexed {
                return Err(invalid(
                    span,
                    format!(
                        "property '{}' of '{}' has no full-text index, which TEXT needs",
                        p.name, p.class
                    ),
                ));
            }
        }
        let text = match self.operand(right, scope)? {
            Operand::Literal(Literal::String(s), _) => s,
            Operand::Argument(n, s) => match self.arg(n, s)? {
                Value::String(text) => text,
                other => {
                    return Err(QueryError::Argument {
                        index: n,
                        message: format!("TEXT needs a string, got a {}", other.type_name()),
                    })
                }
            },
            other => return Err(invalid(other.span(), "TEXT needs a string of search terms")),
        };
        Ok(Predicate::FullText {
            path,
            query: parse_full_text(&text),
        })
    }

    fn arg(&self, n: usize, span: Span) -> Result<Value, QueryError> {
        self.args
            .get(n)
            .cloned()
            .ok_or_else(|| QueryError::Argument {
                index: n,
                message: if self.args.is_empty() {
                    format!(
                        "the query uses ${n} (at {}) but no arguments were given",
                        span.start
                    )
                } else {
                    format!(
                        "the query uses ${n} (at {}) but only {} argument(s) were given",
                        span.start,
                        self.args.len()
                    )
                },
            })
    }

    fn compare(
        &self,
        (quantifier, explicit, right_quantifier): (Quantifier, bool, Option<Quantifier>),
        left: Operand,
        op: Operator,
        case_insensitive: bool,
        right: Operand,
        op_span: Span,
    ) -> Result<Predicate, QueryError> {
        // `@type` comparisons become membership in a list of canonical type names.
        let left_is_type = matches!(
            &left,
            Operand::Path {
                ty: Ty::TypeName(_),
                ..
            }
        );
        let right_is_type = matches!(
            &right,
            Operand::Path {
                ty: Ty::TypeName(_),
                ..
            }
        );
        if (left_is_type || right_is_type) && case_insensitive {
            return Err(invalid(op_span, "@type cannot be compared with [c]"));
        }
        if left_is_type != right_is_type {
            let (path_op, other) = if left_is_type {
                (left, right)
            } else {
                (right, left)
            };
            return self.type_comparison(quantifier, right_quantifier, path_op, op, other, op_span);
        }
        let mut op = match op {
            Operator::Eq => CompareOp::Eq,
            Operator::Ne => CompareOp::Ne,
            Operator::Lt => CompareOp::Lt,
            Operator::Le => CompareOp::Le,
            Operator::Gt => CompareOp::Gt,
            Operator::Ge => CompareOp::Ge,
            Operator::BeginsWith => CompareOp::BeginsWith,
            Operator::EndsWith => CompareOp::EndsWith,
            Operator::Contains => CompareOp::Contains,
            Operator::Like => CompareOp::Like,
            Operator::In => CompareOp::In,
            Operator::Between | Operator::Text => {
                return Err(invalid(
                    op_span,
                    format!("{} cannot be used here", op.name()),
                ))
            }
        };
        let lty = self.static_ty(&left)?;
        let rty = self.static_ty(&right)?;
        if explicit && !left.multi(self.args) {
            return Err(invalid(
                left.span(),
                format!(
                    "the key path after {} must contain a list (a to-many relationship or a collection)",
                    match quantifier {
                        Quantifier::Any => "ANY",
                        Quantifier::All => "ALL",
                        Quantifier::None => "NONE",
                    }
                ),
            ));
        }
        if let (Operand::Path { path: lp, span, .. }, Operand::Path { path: rp, .. }) =
            (&left, &right)
        {
            if is_primitive_list(lp) && is_primitive_list(rp) {
                return Err(invalid(
                    *span,
                    "comparing two lists of primitive values property by property is not supported",
                ));
            }
        }
        if right_quantifier.is_some() && !right.multi(self.args) {
            return Err(invalid(
                right.span(),
                "ANY/ALL/NONE on the right needs a list {…}, a list argument or a key path to a collection",
            ));
        }
        if op == CompareOp::In && !right.multi(self.args) {
            return Err(invalid(
                right.span(),
                "the expression after IN must be a list {…}, a list argument or a key path to a collection",
            ));
        }
        for (side, other_ty) in [(&left, &rty), (&right, &lty)] {
            if let Operand::Path {
                path,
                ty: Ty::Object(_),
                span,
            } = side
            {
                if path.multi && *other_ty == Ty::Null {
                    return Err(invalid(
                        *span,
                        "comparing a list of objects with null is not supported; use @count == 0",
                    ));
                }
            }
        }
        // The type constants are converted to: the non-constant side's type.
        let target = match (left.is_constant(), right.is_constant()) {
            (true, false) => rty.clone(),
            (false, true) => lty.clone(),
            _ => Ty::Scalar(PropertyType::Mixed),
        };
        let left_expr = self.typed(&left, &target)?;
        let right_expr = self.typed(&right, &target)?;
        let lty = if left.is_constant() {
            constant_ty(&left_expr)
        } else {
            lty
        };
        let rty = if right.is_constant() {
            constant_ty(&right_expr)
        } else {
            rty
        };
        // A constant list may mix types; its elements of other types just never match.
        if !matches!(left_expr, Expr::List(_)) && !matches!(right_expr, Expr::List(_)) {
            self.check_types(&lty, &rty, op_span)?;
        }
        self.check_operator(op, &lty, &rty, &left, &right, op_span)?;
        if case_insensitive {
            for t in [&lty, &rty] {
                let stringish = matches!(
                    t,
                    Ty::Null
                        | Ty::Scalar(
                            PropertyType::String | PropertyType::Binary | PropertyType::Mixed
                        )
                );
                if !stringish {
                    return Err(invalid(
                        op_span,
                        format!(
                            "[c] (case-insensitive) needs strings, not type '{}'",
                            ty_name(t)
                        ),
                    ));
                }
            }
        }
        let (mut left_expr, mut right_expr) = (left_expr, right_expr);
        // Put a constant on the right where the operator allows it, for simpler consumers.
        if left.is_constant() && !right.is_constant() && right_quantifier.is_none() {
            let flipped = match op {
                CompareOp::Eq => Some(CompareOp::Eq),
                CompareOp::Ne => Some(CompareOp::Ne),
                CompareOp::Lt => Some(CompareOp::Gt),
                CompareOp::Le => Some(CompareOp::Ge),
                CompareOp::Gt => Some(CompareOp::Lt),
                CompareOp::Ge => Some(CompareOp::Le),
                _ => None,
            };
            if let Some(f) = flipped {
                if !left.multi(self.args) {
                    op = f;
                    std::mem::swap(&mut left_expr, &mut right_expr);
                }
            }
        }
        let right_expr = match right_quantifier {
            Some(q) => Expr::Quantified {
                quantifier: q,
                expr: Box::new(right_expr),
            },
            None => right_expr,
        };
        Ok(Predicate::Compare(Comparison {
            quantifier,
            explicit_quantifier: explicit,
            left: left_expr,
            op,
            case_insensitive,
            right: right_expr,
        }))
    }

    fn type_comparison(
        &self,
        quantifier: Quantifier,
        right_quantifier: Option<Quantifier>,
        path: Operand,
        op: Operator,
        other: Operand,
        op_span: Span,
    ) -> Result<Predicate, QueryError> {
        // On a single value of a fixed type the comparison is a constant; on a collection of
        // a fixed type it still says something (nulls have their own type, and an empty
        // collection matches `ALL`), as in the docs' `ALL comments.@type == 'string'`.
        if let Operand::Path {
            ty: Ty::TypeName(true),
            span,
            path: fixed_path,
        } = &path
        {
            if !fixed_path.multi {
                return Err(invalid(
                *span,
                "this @type is fixed by the schema, so comparing it with a type name compares two constants",
            ));
            }
        }
        if matches!(right_quantifier, Some(Quantifier::All | Quantifier::None)) {
            return Err(invalid(
                op_span,
                "@type supports only ANY on a list of type names",
            ));
        }
        let names: Vec<String> = match &other {
            Operand::Literal(Literal::String(s), span) => self.type_names(s, *span)?,
            Operand::Argument(n, span) => match self.arg(*n, *span)? {
                Value::String(s) => self.type_names(&s, *span)?,
                Value::List(items) => {
                    let mut all = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) => all.extend(self.type_names(&s, *span)?),
                            v => {
                                return Err(QueryError::Argument {
                                    index: *n,
                                    message: format!(
                                        "@type compares with type names, got a {}",
                                        v.type_name()
                                    ),
                                })
                            }
                        }
                    }
                    all
                }
                v => {
                    return Err(QueryError::Argument {
                        index: *n,
                        message: format!(
                            "@type compares with a type name, got a {}",
                            v.type_name()
                        ),
                    })
                }
            },
            Operand::List(items, _) => {
                let mut all = Vec::new();
                for item in items {
                    match item {
                        Operand::Literal(Literal::String(s), span) => {
                            all.extend(self.type_names(s, *span)?)
                        }
                        other => {
                            return Err(invalid(
                                other.span(),
                                "@type compares with type names such as 'string'",
                            ))
                        }
                    }
                }
                all
            }
            other => {
                return Err(invalid(
                    other.span(),
                    "@type compares with a type name such as 'string'",
                ))
            }
        };
        let negate = match op {
            Operator::Eq | Operator::In => false,
            Operator::Ne => true,
            _ => {
                return Err(invalid(
                    op_span,
                    format!("@type supports ==, != and IN, not {}", op.name()),
                ))
            }
        };
        let Operand::Path { path, .. } = path else {
            return Err(invalid(op_span, "@type needs a key path"));
        };
        let multi = path.multi;
        let member = |q: Quantifier| {
            Predicate::Compare(Comparison {
                quantifier: q,
                explicit_quantifier: true,
                left: Expr::Path(path.clone()),
                op: CompareOp::In,
                case_insensitive: false,
                right: Expr::List(names.iter().map(|n| Value::String(n.clone())).collect()),
            })
        };
        Ok(match (negate, multi, quantifier) {
            (false, _, q) => member(q),
            (true, false, _) => Predicate::Not(Box::new(member(Quantifier::Any))),
            // Some item is not of the types = not every item is.
            (true, true, Quantifier::Any) => Predicate::Not(Box::new(member(Quantifier::All))),
            (true, true, Quantifier::All) => Predicate::Not(Box::new(member(Quantifier::Any))),
            (true, true, Quantifier::None) => member(Quantifier::All),
        })
    }

    /// The canonical type names (as `Value::type_name` spells them) a name in a query means.
    fn type_names(&self, name: &str, span: Span) -> Result<Vec<String>, QueryError> {
        // `'string|double'` names several types.
        if name.contains('|') {
            let mut all = Vec::new();
            for part in name.split('|') {
                if part.trim().is_empty() {
                    return Err(invalid(
                        span,
                        format!("unable to parse the type name list '{name}'"),
                    ));
                }
                all.extend(self.type_names(part.trim(), span)?);
            }
            return Ok(all);
        }
        let names: &[&str] = match name.to_ascii_lowercase().as_str() {
            "null" => &["null"],
            "bool" | "boolean" => &["bool"],
            "int" | "integer" | "long" | "int16" | "int32" | "int64" | "short" | "byte" | "char" => {
                &["int"]
            }
            "float" => &["float"],
            "double" => &["double"],
            "decimal" | "decimal128" => &["decimal128"],
            "numeric" | "number" => &["int", "float", "double", "decimal128"],
            "string" => &["string"],
            "binary" | "data" | "bytearray" | "byte[]" => &["binary"],
            "date" | "timestamp" | "datetimeoffset" => &["date"],
            "objectid" | "oid" => &["objectId"],
            "uuid" | "guid" => &["uuid"],
            "collection" => &["list", "set", "dictionary"],
            "object" | "link" | "objectlink" => &["object"],
            "list" | "array" => &["list"],
            "set" => &["set"],
            "dictionary" | "map" => &["dictionary"],
            "mixed" | "any" => &[
                "null", "bool", "int", "float", "double", "decimal128", "string", "binary",
                "date", "objectId", "uuid", "object", "list", "set", "dictionary",
            ],
            _ => {
                return Err(invalid(
                    span,
                    format!("unknown type name '{name}' for @type (e.g. 'string', 'int', 'numeric', 'null')"),
                ))
            }
        };
        Ok(names.iter().map(|s| (*s).to_owned()).collect())
    }

    fn static_ty(&self, o: &Operand) -> Result<Ty, QueryError> {
        Ok(match o {
            Operand::Path { ty, .. } | Operand::Arith { ty, .. } => ty.clone(),
            Operand::Subquery { .. } => Ty::Scalar(PropertyType::Int),
            Operand::Object { class, .. } => Ty::Object(class.clone()),
            Operand::Literal(Literal::Null, _) => Ty::Null,
            Operand::Literal(Literal::Number(_), _) => Ty::NumberLiteral,
            Operand::Literal(l, _) => literal_ty(l),
            Operand::Argument(n, span) => value_ty(&self.arg(*n, *span)?),
            Operand::List(items, _) => match items.first() {
                Some(first) => self.static_ty(first)?,
                None => Ty::Null,
            },
        })
    }

    /// The operand as a bound expression, constants converted for `target`.
    fn typed(&self, o: &Operand, target: &Ty) -> Result<Expr, QueryError> {
        Ok(match o {
            Operand::Path { path, .. } => Expr::Path(path.clone()),
            Operand::Subquery { expr, .. } => expr.clone(),
            Operand::Object { class, key, span } => {
                Expr::Constant(self.object_literal(class, key, *span)?)
            }
            Operand::Literal(l, span) => Expr::Constant(self.literal(l, target, *span)?),
            Operand::Argument(n, span) => match self.arg(*n, *span)? {
                // Elements of a list that cannot be compared with the other side simply never
                // match (as in Realm), rather than making the query invalid.
                Value::List(items) | Value::Set(items) => Expr::List(
                    items
                        .iter()
                        .map(|v| self.argument(*n, v, target).unwrap_or_else(|_| v.clone()))
                        .collect(),
                ),
                v => Expr::Constant(self.argument(*n, &v, target)?),
            },
            Operand::List(items, _) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let typed = match self.typed(item, target) {
                        Ok(e) => e,
                        // An element of another type never matches (as in Realm).
                        Err(_) => self.typed(item, &Ty::Scalar(PropertyType::Mixed))?,
                    };
                    match typed {
                        Expr::Constant(v) => values.push(v),
                        Expr::List(vs) => values.extend(vs),
                        _ => {
                            return Err(invalid(
                                item.span(),
                                "a list {…} holds constants (literals and arguments) only",
                            ))
                        }
                    }
                }
                Expr::List(values)
            }
            Operand::Arith {
                op,
                left,
                right,
                ty,
                ..
            } => {
                let inner = match ty {
                    Ty::Scalar(t) if is_numeric(*t) => ty.clone(),
                    _ => Ty::Scalar(PropertyType::Mixed),
                };
                let l = self.typed(left, &inner)?;
                let r = self.typed(right, &inner)?;
                match (&l, &r) {
                    (Expr::Constant(a), Expr::Constant(b)) => {
                        let folded = super::eval::arithmetic_value(*op, a, b);
                        Expr::Constant(convert_number(folded, target))
                    }
                    _ => Expr::Arithmetic {
                        op: *op,
                        left: Box::new(l),
                        right: Box::new(r),
                    },
                }
            }
        })
    }

    fn literal(&self, l: &Literal, target: &Ty, span: Span) -> Result<Value, QueryError> {
        let mismatch = |what: &str| {
            invalid(
                span,
                format!(
                    "unsupported comparison between type '{}' and type '{what}'",
                    ty_name(target)
                ),
            )
        };
        let t = match target {
            Ty::Scalar(t) => Some(*t),
            Ty::Null | Ty::NumberLiteral => Some(PropertyType::Mixed),
            Ty::TypeName(_) => Some(PropertyType::String),
            Ty::Object(_) => None,
        };
        Ok(match l {
            Literal::Null => Value::Null,
            Literal::Number(text) => match t {
                Some(PropertyType::Int) if text.ends_with("inf") => {
                    return Err(invalid(span, "Infinity not supported for int"))
                }
                Some(PropertyType::Int) if text == "nan" => {
                    return Err(invalid(span, "NaN not supported for int"))
                }
                Some(PropertyType::Int) | Some(PropertyType::Mixed) => parse_number(text, span)?,
                Some(PropertyType::Float) => match parse_number(text, span)? {
                    Value::Int(i) => Value::Float(i as f32),
                    _ => Value::Float(parse_f64(text, span)? as f32),
                },
                Some(PropertyType::Double) => Value::Double(parse_f64(text, span)?),
                Some(PropertyType::Decimal128) => {
                    let norm = match text.as_str() {
                        "inf" => "Infinity".to_owned(),
                        "-inf" => "-Infinity".to_owned(),
                        "nan" => "NaN".to_owned(),
                        other => other.to_owned(),
                    };
                    Value::Decimal(
                        norm.parse()
                            .map_err(|_| invalid(span, format!("'{text}' is not a decimal128")))?,
                    )
                }
                _ => return Err(mismatch("number")),
            },
            Literal::Bool(b) => match t {
                Some(PropertyType::Bool) | Some(PropertyType::Mixed) => Value::Bool(*b),
                _ => return Err(mismatch("bool")),
            },
            Literal::String(s) => match t {
                // A string literal compared with a binary property means its bytes.
                Some(PropertyType::Binary) => Value::Binary(s.clone().into_bytes()),
                Some(PropertyType::String) | Some(PropertyType::Mixed) => Value::String(s.clone()),
                _ => return Err(mismatch("string")),
            },
            Literal::ObjectId(o) => match t {
                Some(PropertyType::ObjectId) | Some(PropertyType::Mixed) => Value::ObjectId(*o),
                _ => return Err(mismatch("objectId")),
            },
            Literal::Uuid(u) => match t {
                Some(PropertyType::Uuid) | Some(PropertyType::Mixed) => Value::Uuid(*u),
                _ => return Err(mismatch("uuid")),
            },
            Literal::Timestamp(ts) => match t {
                Some(PropertyType::Date) | Some(PropertyType::Mixed) => Value::Date(*ts),
                _ => return Err(mismatch("date")),
            },
            Literal::Binary(b) => match t {
                Some(PropertyType::Binary)
                | Some(PropertyType::String)
                | Some(PropertyType::Mixed) => Value::Binary(b.clone()),
                _ => return Err(mismatch("binary")),
            },
        })
    }

    fn argument(&self, n: usize, v: &Value, target: &Ty) -> Result<Value, QueryError> {
        let fail = || QueryError::Argument {
            index: n,
            message: format!(
                "cannot compare argument ${n} with value {} (a {}) to a {}",
                v.to_extended_json(),
                v.type_name(),
                ty_name(target)
            ),
        };
        if v.is_null() {
            return Ok(Value::Null);
        }
        Ok(match target {
            Ty::Scalar(PropertyType::Mixed) | Ty::Null | Ty::NumberLiteral | Ty::TypeName(_) => {
                v.clone()
            }
            Ty::Object(class) => match v {
                Value::Link(l) if &l.class == class => v.clone(),
                _ => return Err(fail()),
            },
            Ty::Scalar(t) => {
                let t = *t;
                if is_numeric(t) {
                    if !v.is_numeric() {
                        return Err(fail());
                    }
                    if t == PropertyType::Int {
                        let special = match v {
                            Value::Double(d) => Some(*d),
                            Value::Float(f) => Some(f64::from(*f)),
                            _ => None,
                        };
                        if let Some(d) = special.filter(|d| !d.is_finite()) {
                            return Err(QueryError::Argument {
                                index: n,
                                message: if d.is_nan() {
                                    "NaN not supported for int".to_owned()
                                } else {
                                    "Infinity not supported for int".to_owned()
                                },
                            });
                        }
                    }
                    convert_number(v.clone(), target)
                } else {
                    // A string argument for a binary property means its bytes.
                    if let (PropertyType::Binary, Value::String(text)) = (t, v) {
                        return Ok(Value::Binary(text.clone().into_bytes()));
                    }
                    let ok = matches!(
                        (t, v),
                        (PropertyType::Bool, Value::Bool(_))
                            | (
                                PropertyType::String | PropertyType::Binary,
                                Value::String(_) | Value::Binary(_)
                            )
                            | (PropertyType::Date, Value::Date(_))
                            | (PropertyType::ObjectId, Value::ObjectId(_))
                            | (PropertyType::Uuid, Value::Uuid(_))
                    );
                    if !ok {
                        return Err(fail());
                    }
                    v.clone()
                }
            }
        })
    }

    fn check_types(&self, l: &Ty, r: &Ty, op_span: Span) -> Result<(), QueryError> {
        let family = |t: &Ty| -> Option<u8> {
            match t {
                Ty::Null | Ty::Scalar(PropertyType::Mixed) => None,
                Ty::NumberLiteral => Some(1),
                Ty::Scalar(t) if is_numeric(*t) => Some(1),
                Ty::Scalar(PropertyType::String | PropertyType::Binary) | Ty::TypeName(_) => {
                    Some(2)
                }
                Ty::Scalar(PropertyType::Bool) => Some(3),
                Ty::Scalar(PropertyType::Date) => Some(4),
                Ty::Scalar(PropertyType::ObjectId) => Some(5),
                Ty::Scalar(PropertyType::Uuid) => Some(6),
                Ty::Object(_) | Ty::Scalar(_) => Some(7),
            }
        };
        let compatible = match (family(l), family(r)) {
            (Some(7), Some(7)) => l == r,
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if !compatible {
            return Err(invalid(
                op_span,
                format!(
                    "unsupported comparison between type '{}' and type '{}'",
                    ty_name(l),
                    ty_name(r)
                ),
            ));
        }
        Ok(())
    }

    fn check_operator(
        &self,
        op: CompareOp,
        l: &Ty,
        r: &Ty,
        left: &Operand,
        right: &Operand,
        op_span: Span,
    ) -> Result<(), QueryError> {
        let stringish = |t: &Ty| {
            matches!(
                t,
                Ty::Null
                    | Ty::Scalar(PropertyType::String | PropertyType::Binary | PropertyType::Mixed)
            )
        };
        let name = match op {
            CompareOp::BeginsWith => "BEGINSWITH",
            CompareOp::EndsWith => "ENDSWITH",
            CompareOp::Contains => "CONTAINS",
            CompareOp::Like => "LIKE",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
            _ => return Ok(()),
        };
        match op {
            CompareOp::BeginsWith | CompareOp::EndsWith | CompareOp::Contains | CompareOp::Like => {
                for (t, o) in [(l, left), (r, right)] {
                    if !stringish(t) {
                        if let Operand::Argument(n, _) = o {
                            return Err(QueryError::Argument {
                                index: *n,
                                message: format!("cannot compare argument ${n} (a {}) with {name}, which needs strings", ty_name(t)),
                            });
                        }
                        return Err(invalid(
                            op_span,
                            format!(
                                "unsupported comparison operator {name} for type '{}'",
                                ty_name(t)
                            ),
                        ));
                    }
                }
            }
            _ => {
                for t in [l, r] {
                    if matches!(t, Ty::Object(_)) {
                        return Err(invalid(
                            op_span,
                            format!("unsupported operator {name} for links: only ==, != and IN compare objects"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `obj('Class', key)` as a link, the key typed for the class's primary key.
    fn object_literal(&self, class: &str, key: &Operand, span: Span) -> Result<Value, QueryError> {
        let schema = self.class(class, span)?;
        let pk_ty = schema
            .primary_key_property()
            .map(|p| p.ty)
            .unwrap_or(PropertyType::Int);
        let value = match self.typed(key, &Ty::Scalar(pk_ty))? {
            Expr::Constant(v) => v,
            _ => {
                return Err(invalid(
                    span,
                    "the primary key of obj(…) must be a literal or an argument",
                ))
            }
        };
        let pk = crate::value::PrimaryKey::try_from(value).map_err(|e| {
            invalid(
                span,
                format!("invalid primary key for '{class}' in obj(…): {e}"),
            )
        })?;
        Ok(Value::Link(crate::value::Link {
            class: class.to_owned(),
            pk,
        }))
    }

    fn operand(&self, e: &ast::Expr, scope: &Scope) -> Result<Operand, QueryError> {
        Ok(match e {
            ast::Expr::Object { class, key, span } => Operand::Object {
                class: class.clone(),
                key: Box::new(self.operand(key, scope)?),
                span: *span,
            },
            ast::Expr::Literal(l, s) => Operand::Literal(l.clone(), *s),
            ast::Expr::Argument(n, s) => {
                self.arg(*n, *s)?;
                Operand::Argument(*n, *s)
            }
            ast::Expr::List(items, s) => Operand::List(
                items
                    .iter()
                    .map(|i| self.operand(i, scope))
                    .collect::<Result<_, _>>()?,
                *s,
            ),
            ast::Expr::Path(kp) => {
                let (path, ty) = self.path(kp, scope)?;
                Operand::Path {
                    path,
                    ty,
                    span: kp.span,
                }
            }
            ast::Expr::Arithmetic {
                op,
                left,
                right,
                span,
            } => {
                let l = self.operand(left, scope)?;
                let r = self.operand(right, scope)?;
                let mut result = PropertyType::Int;
                for side in [&l, &r] {
                    let t = self.static_ty(side)?;
                    let t = match t {
                        Ty::NumberLiteral => match side {
                            Operand::Literal(Literal::Number(text), _)
                                if text.parse::<i64>().is_ok() =>
                            {
                                PropertyType::Int
                            }
                            _ => PropertyType::Double,
                        },
                        Ty::Scalar(t) if is_numeric(t) || t == PropertyType::Mixed => t,
                        Ty::Null => PropertyType::Mixed,
                        other => {
                            return Err(invalid(
                                side.span(),
                                format!("arithmetic needs numbers, not a {}", ty_name(&other)),
                            ))
                        }
                    };
                    result = widen(result, t);
                }
                if l.multi(self.args) && r.multi(self.args) {
                    return Err(invalid(*span, "arithmetic on two lists is not supported"));
                }
                Operand::Arith {
                    op: *op,
                    left: Box::new(l),
                    right: Box::new(r),
                    ty: Ty::Scalar(result),
                    span: *span,
                }
            }
            ast::Expr::Subquery {
                collection,
                variable,
                predicate,
                span,
            } => {
                let (path, ty) = self.path(collection, scope)?;
                let Ty::Object(class) = ty else {
                    return Err(invalid(
                        collection.span,
                        "a subquery can not operate on a list of primitive values: SUBQUERY needs a list of objects",
                    ));
                };
                if !path.multi {
                    return Err(invalid(
                        collection.span,
                        "SUBQUERY needs a to-many key path (a list, set or backlinks)",
                    ));
                }
                if scope.variable.as_ref() == Some(variable) || scope.outer.contains(variable) {
                    return Err(invalid(
                        *span,
                        format!("the variable '{variable}' is already used by an enclosing SUBQUERY; choose another name"),
                    ));
                }
                let mut outer = scope.outer.clone();
                outer.extend(scope.variable.clone());
                let inner = Scope {
                    class: class.clone(),
                    variable: Some(variable.clone()),
                    outer,
                };
                let predicate = self.predicate(predicate, &inner)?;
                Operand::Subquery {
                    expr: Expr::SubqueryCount {
                        collection: path,
                        class,
                        predicate: Box::new(predicate),
                    },
                    span: *span,
                }
            }
        })
    }

    fn prop_step(
        &self,
        class: &ObjectSchema,
        name: &str,
        span: Span,
    ) -> Result<(Step, State), QueryError> {
        let prop = class
            .property(name)
            .ok_or_else(|| invalid(span, format!("'{}' has no property '{name}'", class.name)))?;
        if prop.ty == PropertyType::LinkingObjects {
            let origin_class = prop.object_type.clone().unwrap_or_default();
            let origin_property = prop.origin_property.clone().unwrap_or_default();
            return Ok((
                Step::Backlinks {
                    holders: embedded_holders(self.schema, &[origin_class.as_str()]),
                    origin_class: origin_class.clone(),
                    origin_property,
                },
                State::Objects {
                    class: origin_class,
                    is_set: false,
                    is_list: false,
                },
            ));
        }
        let target = prop.object_type.clone();
        let embedded = match (&target, prop.ty) {
            (Some(t), PropertyType::Object) => self.class(t, span)?.embedded,
            _ => false,
        };
        let step = Step::Property(PropertyStep {
            class: class.name.clone(),
            name: name.to_owned(),
            ty: prop.ty,
            collection: prop.collection,
            target: target.clone(),
            embedded,
        });
        let state = match (prop.ty, prop.collection) {
            (PropertyType::Object, Collection::Single) => State::Object(target.unwrap_or_default()),
            (PropertyType::Object, Collection::List | Collection::Set) => State::Objects {
                class: target.unwrap_or_default(),
                is_set: prop.collection == Collection::Set,
                is_list: prop.collection == Collection::List,
            },
            (ty, Collection::Dictionary) => State::Dict { ty, target },
            (ty, Collection::Single) => State::Value(ty),
            (ty, _) => State::Values {
                ty,
                is_set: prop.collection == Collection::Set,
            },
        };
        Ok((step, state))
    }

    /// Resolves a key path; returns the bound path and the type of what it yields.
    fn path(&self, kp: &ast::KeyPath, scope: &Scope) -> Result<(Path, Ty), QueryError> {
        let mut steps: Vec<Step> = Vec::new();
        let mut state = State::Object(scope.class.clone());
        let mut multi = false;
        // Start of the steps that produced the current (unconsumed) collection.
        let mut coll_start: Option<usize> = None;
        // `[$n]` with an integer argument is a list index (`mixed[$0]`, `list[$0]`), with a
        // string one a dictionary key.
        let rewritten: Vec<PathElem> = kp
            .elems
            .iter()
            .map(|e| match e {
                PathElem::Key(KeyExpr::Argument(n), span) => match self.args.get(*n) {
                    Some(Value::Int(i)) => match usize::try_from(*i) {
                        Ok(at) => PathElem::Index(ast::IndexSel::At(at), *span),
                        Err(_) => e.clone(),
                    },
                    _ => e.clone(),
                },
                other => other.clone(),
            })
            .collect();
        let mut elems = rewritten.iter().peekable();
        if let Some(PathElem::Variable(name, span)) = elems.peek() {
            match &scope.variable {
                Some(v) if v == name => {
                    elems.next();
                }
                _ => {
                    return Err(invalid(
                        *span,
                        format!("unknown variable '{name}': variables are declared by SUBQUERY"),
                    ))
                }
            }
        }
        // Entering the elements of a pending collection makes the path multi-valued.
        let flatten = |state: &mut State, multi: &mut bool, coll_start: &mut Option<usize>| {
            if coll_start.take().is_some() {
                *multi = true;
            }
            match state.clone() {
                State::Objects { class, .. } => *state = State::Object(class),
                State::Values { ty, .. } => *state = State::Value(ty),
                State::Dict {
                    ty: PropertyType::Object,
                    target,
                } => *state = State::Object(target.unwrap_or_default()),
                State::Dict { ty, .. } => *state = State::Value(ty),
                _ => {}
            }
        };
        while let Some(elem) = elems.next() {
            let span = elem.span();
            match elem {
                PathElem::Variable(name, _) => {
                    return Err(invalid(
                        span,
                        format!("variable '{name}' can only start a key path"),
                    ))
                }
                PathElem::Property(name, _) => {
                    if matches!(state, State::Value(PropertyType::Mixed)) {
                        // `mixed.key` reads a key of a dictionary held in the mixed value.
                        steps.push(Step::Nested(NestedStep::Key(name.clone())));
                        continue;
                    }
                    if let State::Dict { ty, target } = &state {
                        // `dict.key` reads a key.
                        steps.push(Step::Key(name.clone()));
                        coll_start = None;
                        state = match (ty, target) {
                            (PropertyType::Object, Some(t)) => State::Object(t.clone()),
                            (t, _) => State::Value(*t),
                        };
                        continue;
                    }
                    flatten(&mut state, &mut multi, &mut coll_start);
                    match &state {
                        State::Object(class) => {
                            let class = self.class(class, span)?;
                            if class.property(name).is_none() && name == "length" {
                                return Err(invalid(
                                    span,
                                    format!("'{}' has no property 'length'", class.name),
                                ));
                            }
                            let (step, next) = self.prop_step(class, name, span)?;
                            let is_coll = matches!(
                                next,
                                State::Objects { .. } | State::Values { .. } | State::Dict { .. }
                            );
                            if is_coll {
                                coll_start = Some(steps.len());
                            }
                            steps.push(step);
                            state = next;
                        }
                        State::Value(PropertyType::String | PropertyType::Binary)
                            if name == "length" =>
                        {
                            steps.push(Step::Length);
                            state = State::Value(PropertyType::Int);
                        }
                        State::Value(t) => {
                            return Err(invalid(
                                span,
                                format!(
                                    "cannot read property '{name}' of a {} value",
                                    scalar_name(*t)
                                ),
                            ))
                        }
                        _ => {
                            return Err(invalid(
                                span,
                                format!("cannot read property '{name}' here"),
                            ))
                        }
                    }
                }
                PathElem::Links {
                    class, property, ..
                } => {
                    flatten(&mut state, &mut multi, &mut coll_start);
                    let State::Object(target) = &state else {
                        return Err(invalid(span, "@links must follow an object"));
                    };
                    let origin = self.class(class, span)?;
                    let prop = origin.property(property).ok_or_else(|| {
                        invalid(span, format!("'{class}' has no property '{property}'"))
                    })?;
                    // A mixed property can hold links to any class (typed links, which
                    // Realm tracks as backlinks too).
                    let links_here = prop.ty == PropertyType::Mixed
                        || (prop.ty == PropertyType::Object
                            && prop.object_type.as_deref() == Some(target.as_str()));
                    if !links_here {
                        return Err(invalid(
                            span,
                            format!(
                                "property '{property}' of '{class}' does not link to '{target}'"
                            ),
                        ));
                    }
                    coll_start = Some(steps.len());
                    steps.push(Step::Backlinks {
                        origin_class: class.clone(),
                        origin_property: property.clone(),
                        holders: embedded_holders(self.schema, &[class.as_str()]),
                    });
                    state = State::Objects {
                        class: class.clone(),
                        is_set: false,
                        is_list: false,
                    };
                }
                PathElem::AllLinks(_) => {
                    flatten(&mut state, &mut multi, &mut coll_start);
                    let State::Object(target) = &state else {
                        return Err(invalid(span, "@links must follow an object"));
                    };
                    // Embedded objects hold backlinks like any object (realm-core counts
                    // every backlink column of the target table, embedded origins included).
                    let mut sources = Vec::new();
                    let mut embedded_origins = Vec::new();
                    for c in &self.schema.classes {
                        for p in &c.properties {
                            let links_here = p.ty == PropertyType::Mixed
                                || (p.ty == PropertyType::Object
                                    && p.object_type.as_deref() == Some(target.as_str()));
                            if links_here {
                                sources.push((c.name.clone(), p.name.clone()));
                                if c.embedded && !embedded_origins.contains(&c.name.as_str()) {
                                    embedded_origins.push(c.name.as_str());
                                }
                            }
                        }
                    }
                    coll_start = Some(steps.len());
                    steps.push(Step::AllBacklinks {
                        sources,
                        holders: embedded_holders(self.schema, &embedded_origins),
                    });
                    state = State::AllLinks;
                }
                PathElem::Index(sel, _) => match (&state, coll_start) {
                    (State::Value(PropertyType::Mixed), None) => {
                        // A list (or dictionary, for `[*]`/`[SIZE]`) held in a mixed value.
                        let nested = match sel {
                            ast::IndexSel::First => NestedStep::Index(ListIndex::First),
                            ast::IndexSel::Last => NestedStep::Index(ListIndex::Last),
                            ast::IndexSel::At(i) => NestedStep::Index(ListIndex::At(*i)),
                            ast::IndexSel::All => {
                                multi = true;
                                NestedStep::All
                            }
                            ast::IndexSel::Size => {
                                state = State::Value(PropertyType::Int);
                                NestedStep::Size
                            }
                        };
                        steps.push(Step::Nested(nested));
                    }
                    (State::Dict { .. }, Some(_)) if matches!(sel, ast::IndexSel::All) => {
                        steps.push(Step::Values);
                        coll_start = None;
                        multi = true;
                        flatten_dict(&mut state);
                        continue;
                    }
                    (State::Dict { .. }, Some(start)) if matches!(sel, ast::IndexSel::Size) => {
                        count_from(&mut steps, start, &mut state);
                        coll_start = None;
                        continue;
                    }
                    (State::Dict { .. }, _) => {
                        return Err(invalid(
                            span,
                            "dictionaries are not ordered: use a key, as in dict['key']",
                        ))
                    }
                    (
                        State::Objects { is_set: true, .. } | State::Values { is_set: true, .. },
                        _,
                    ) => return Err(invalid(span, "sets are not ordered and cannot be indexed")),
                    (State::Objects { is_list: false, .. }, _) => {
                        return Err(invalid(span, "only lists can be indexed"))
                    }
                    (State::Objects { .. } | State::Values { .. }, Some(start)) => {
                        let step = match sel {
                            ast::IndexSel::First => Step::Index(ListIndex::First),
                            ast::IndexSel::Last => Step::Index(ListIndex::Last),
                            ast::IndexSel::At(i) => Step::Index(ListIndex::At(*i)),
                            ast::IndexSel::All => {
                                flatten(&mut state, &mut multi, &mut coll_start);
                                continue;
                            }
                            ast::IndexSel::Size => {
                                count_from(&mut steps, start, &mut state);
                                coll_start = None;
                                continue;
                            }
                        };
                        steps.push(step);
                        coll_start = None;
                        flatten_single(&mut state);
                    }
                    _ => return Err(invalid(span, "only lists can be indexed")),
                },
                PathElem::Key(key, _) => {
                    let nested = matches!(state, State::Value(PropertyType::Mixed));
                    let (ty, target) = match state.clone() {
                        State::Dict { ty, target } => (ty, target),
                        _ if nested => (PropertyType::Mixed, None),
                        _ => return Err(invalid(span, "only dictionaries have keys")),
                    };
                    let key = match key {
                        KeyExpr::Literal(k) => k.clone(),
                        KeyExpr::Argument(n) => match self.arg(*n, span)? {
                            Value::String(k) => k,
                            other => {
                                return Err(QueryError::Argument {
                                    index: *n,
                                    message: format!(
                                        "a dictionary key must be a string, got a {}",
                                        other.type_name()
                                    ),
                                })
                            }
                        },
                    };
                    if nested {
                        steps.push(Step::Nested(NestedStep::Key(key)));
                        continue;
                    }
                    steps.push(Step::Key(key));
                    coll_start = None;
                    state = match (ty, target) {
                        (PropertyType::Object, Some(t)) => State::Object(t),
                        (t, _) => State::Value(t),
                    };
                }
                PathElem::Keys(_) if matches!(state, State::Value(PropertyType::Mixed)) => {
                    steps.push(Step::Nested(NestedStep::Keys));
                    multi = true;
                    state = State::Value(PropertyType::String);
                }
                PathElem::Values(_) if matches!(state, State::Value(PropertyType::Mixed)) => {
                    steps.push(Step::Nested(NestedStep::All));
                    multi = true;
                }
                PathElem::Keys(_) => {
                    if !matches!(state, State::Dict { .. }) || coll_start.is_none() {
                        return Err(invalid(span, "@keys needs a dictionary"));
                    }
                    steps.push(Step::Keys);
                    coll_start = None;
                    multi = true;
                    state = State::Value(PropertyType::String);
                }
                PathElem::Values(_) => {
                    if coll_start.is_none() {
                        return Err(invalid(span, "@values needs a dictionary or a collection"));
                    }
                    steps.push(Step::Values);
                    coll_start = None;
                    multi = true;
                    flatten_dict(&mut state);
                }
                PathElem::Type(_) => {
                    flatten(&mut state, &mut multi, &mut coll_start);
                    if matches!(state, State::AllLinks) {
                        return Err(invalid(span, "@type needs values"));
                    }
                    let fixed = !matches!(
                        state,
                        State::Value(PropertyType::Mixed)
                            | State::Values {
                                ty: PropertyType::Mixed,
                                ..
                            }
                            | State::Dict {
                                ty: PropertyType::Mixed,
                                ..
                            }
                    );
                    steps.push(Step::Type);
                    state = State::TypeNames(fixed);
                }
                PathElem::Aggregate(op, _) => {
                    let count = matches!(op, ast::AggregateOp::Count | ast::AggregateOp::Size);
                    let Some(start) = coll_start else {
                        // `@size`/`@count` of a string is its length; of a mixed value, the size
                        // of the list or dictionary it holds (or its length when it holds a
                        // string); of a to-one link, 0 or 1.
                        if matches!(state, State::Value(PropertyType::Mixed)) {
                            if count {
                                steps.push(Step::Nested(NestedStep::Size));
                                state = State::Value(PropertyType::Int);
                            } else {
                                let agg = match op {
                                    ast::AggregateOp::Sum => AggregateOp::Sum,
                                    ast::AggregateOp::Avg => AggregateOp::Avg,
                                    ast::AggregateOp::Min => AggregateOp::Min,
                                    _ => AggregateOp::Max,
                                };
                                steps.push(Step::Aggregate {
                                    op: agg,
                                    over: vec![Step::Nested(NestedStep::All)],
                                });
                            }
                            continue;
                        }
                        if count {
                            if let State::Value(PropertyType::String | PropertyType::Binary) = state
                            {
                                steps.push(Step::Length);
                                state = State::Value(PropertyType::Int);
                                continue;
                            }
                            let to_one_link = matches!(
                                steps.last(),
                                Some(Step::Property(p))
                                    if p.ty == PropertyType::Object && p.collection == Collection::Single
                            );
                            if matches!(state, State::Object(_)) && to_one_link {
                                let link = steps.len() - 1;
                                count_from(&mut steps, link, &mut state);
                                continue;
                            }
                        }
                        return Err(invalid(
                            span,
                            "an aggregate (@count, @sum, …) needs a collection before it",
                        ));
                    };
                    // The aggregate covers the last collection of the path; the to-many steps
                    // before it apply ANY/ALL/NONE to the per-collection results, as in
                    // realm-core (`list.integers.@count == 1`).
                    let mut over = steps.split_off(start);
                    coll_start = None;
                    let agg = match op {
                        ast::AggregateOp::Count | ast::AggregateOp::Size => AggregateOp::Count,
                        ast::AggregateOp::Sum => AggregateOp::Sum,
                        ast::AggregateOp::Avg => AggregateOp::Avg,
                        ast::AggregateOp::Min => AggregateOp::Min,
                        ast::AggregateOp::Max => AggregateOp::Max,
                    };
                    let name = match op {
                        ast::AggregateOp::Count => "@count",
                        ast::AggregateOp::Size => "@size",
                        ast::AggregateOp::Sum => "@sum",
                        ast::AggregateOp::Avg => "@avg",
                        ast::AggregateOp::Min => "@min",
                        ast::AggregateOp::Max => "@max",
                    };
                    if count {
                        steps.push(Step::Aggregate { op: agg, over });
                        state = State::Value(PropertyType::Int);
                        continue;
                    }
                    // The element type; for objects, the property after the aggregate.
                    let elem_ty = match state.clone() {
                        State::Values { ty, .. } | State::Dict { ty, .. }
                            if ty != PropertyType::Object =>
                        {
                            ty
                        }
                        State::Objects { class, .. }
                        | State::Dict {
                            target: Some(class),
                            ..
                        } => {
                            let mut cls = class;
                            let mut ty = None;
                            while let Some(PathElem::Property(pname, pspan)) = elems.peek() {
                                let c = self.class(&cls, *pspan)?;
                                let (step, next) = self.prop_step(c, pname, *pspan)?;
                                elems.next();
                                over.push(step);
                                match next {
                                    State::Object(t) => cls = t,
                                    State::Value(t) => {
                                        ty = Some(t);
                                        break;
                                    }
                                    _ => {
                                        return Err(invalid(
                                            *pspan,
                                            format!(
                                                "{name} needs a single-valued property after it"
                                            ),
                                        ))
                                    }
                                }
                            }
                            ty.ok_or_else(|| {
                                invalid(span, format!("{name} on objects needs a property after it, as in items.{name}.price"))
                            })?
                        }
                        _ => return Err(invalid(span, format!("{name} needs a collection"))),
                    };
                    let allowed = match agg {
                        AggregateOp::Sum | AggregateOp::Avg => {
                            is_numeric(elem_ty) || elem_ty == PropertyType::Mixed
                        }
                        _ => {
                            is_numeric(elem_ty)
                                || matches!(elem_ty, PropertyType::Mixed | PropertyType::Date)
                        }
                    };
                    if !allowed {
                        let what = match over.last() {
                            Some(Step::Property(p)) => {
                                format!("property '{}' of '{}'", p.name, p.class)
                            }
                            _ => "this collection".to_owned(),
                        };
                        return Err(invalid(
                            span,
                            format!(
                                "{name} is not defined for {} values ({what})",
                                scalar_name(elem_ty)
                            ),
                        ));
                    }
                    let result = match agg {
                        AggregateOp::Avg if elem_ty == PropertyType::Decimal128 => {
                            PropertyType::Decimal128
                        }
                        AggregateOp::Avg if elem_ty != PropertyType::Mixed => PropertyType::Double,
                        _ => elem_ty,
                    };
                    steps.push(Step::Aggregate { op: agg, over });
                    state = State::Value(result);
                }
            }
        }
        if coll_start.is_some() {
            multi = true;
        }
        let (value_type, object_class, ty) = match state {
            State::Object(c) | State::Objects { class: c, .. } => {
                (PropertyType::Object, Some(c.clone()), Ty::Object(c))
            }
            State::Dict {
                ty: PropertyType::Object,
                target: Some(c),
            } => (PropertyType::Object, Some(c.clone()), Ty::Object(c)),
            State::Value(t) | State::Values { ty: t, .. } | State::Dict { ty: t, .. } => {
                (t, None, Ty::Scalar(t))
            }
            State::AllLinks => {
                return Err(invalid(
                    kp.span,
                    "@links needs @count or @size after it (as in @links.@count)",
                ))
            }
            State::TypeNames(fixed) => (PropertyType::String, None, Ty::TypeName(fixed)),
        };
        Ok((
            Path {
                steps,
                multi,
                value_type,
                object_class,
            },
            ty,
        ))
    }

    fn modifier(&self, m: &ast::Modifier, scope: &Scope) -> Result<Modifier, QueryError> {
        let single = |kp: &ast::KeyPath, clause: &str| -> Result<Path, QueryError> {
            let (path, ty) = self.path(kp, scope).map_err(|e| match e {
                QueryError::Invalid { position, message } => QueryError::Invalid {
                    position,
                    message: format!("{message} (in the {clause} clause)"),
                },
                other => other,
            })?;
            if path.multi {
                return Err(invalid(
                    kp.span,
                    format!("cannot {clause} by a to-many key path"),
                ));
            }
            if matches!(ty, Ty::Object(_)) {
                return Err(invalid(
                    kp.span,
                    format!("cannot {clause} by a link; name a property of the linked object"),
                ));
            }
            Ok(path)
        };
        Ok(match m {
            ast::Modifier::Sort(keys, _) => Modifier::Sort(
                keys.iter()
                    .map(|(kp, asc)| {
                        Ok(SortKey {
                            path: single(kp, "sort")?,
                            ascending: *asc,
                        })
                    })
                    .collect::<Result<_, QueryError>>()?,
            ),
            ast::Modifier::Distinct(paths, _) => Modifier::Distinct(
                paths
                    .iter()
                    .map(|kp| single(kp, "distinct"))
                    .collect::<Result<_, _>>()?,
            ),
            ast::Modifier::Limit(n, _) => Modifier::Limit(*n),
        })
    }
}

/// A shape given as an argument: a dictionary (or embedded object) in the form Realm's SDKs
/// use: `{center: [lon, lat], distance: radians}` (a circle), `{bottomLeft: [lon, lat],
/// topRight: [lon, lat]}` (a box) or `{outerRing: [[lon, lat], …], holes: [[[lon, lat], …]]}`
/// (a polygon). A point may also be `{longitude, latitude}`.
fn geo_shape_argument(value: &Value) -> Result<GeoShape, String> {
    let fields: Vec<(&str, &Value)> = match value {
        Value::Dictionary(map) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Value::Embedded(doc) => doc.iter().collect(),
        other => {
            return Err(format!(
                "expected a circle, box or polygon document, got a {}",
                other.type_name()
            ))
        }
    };
    let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let number = geo_number;
    // A point: `[lon, lat(, alt)]`, `{longitude, latitude(, altitude)}` or
    // `{type: "Point", coordinates: [lon, lat(, alt)]}`; `Some(true)` when it has an altitude.
    fn point_of(v: &Value, what: &str) -> Result<(GeoPoint, bool), String> {
        let number = geo_number;
        match v {
            Value::List(items) if (2..=3).contains(&items.len()) => Ok((
                GeoPoint {
                    longitude: number(&items[0], "a longitude")?,
                    latitude: number(&items[1], "a latitude")?,
                },
                items.len() == 3,
            )),
            Value::Dictionary(map) if map.contains_key("coordinates") => {
                if map.get("type") != Some(&Value::from("Point")) {
                    return Err(format!(
                        "{what} has coordinates but its type is not 'Point'"
                    ));
                }
                match map.get("coordinates") {
                    Some(coordinates) => point_of(coordinates, what),
                    None => Err(format!("{what} has no coordinates")),
                }
            }
            Value::Dictionary(map) => {
                let field = |k: &str| {
                    map.get(k)
                        .ok_or_else(|| format!("{what} has no '{k}'"))
                        .and_then(|v| number(v, k))
                };
                Ok((
                    GeoPoint {
                        longitude: field("longitude")?,
                        latitude: field("latitude")?,
                    },
                    map.contains_key("altitude"),
                ))
            }
            _ => Err(format!(
                "{what} must be [longitude, latitude], {{longitude, latitude}} or a Point"
            )),
        }
    }
    let point = |v: &Value, what: &str| point_of(v, what).map(|(p, _)| p);
    let ring = |v: &Value, what: &str| -> Result<Vec<GeoPoint>, String> {
        match v {
            Value::List(items) => items.iter().map(|p| point(p, what)).collect(),
            _ => Err(format!("{what} must be a list of points")),
        }
    };
    if let (Some(center), Some(distance)) = (get("center"), get("distance")) {
        let (center, altitude) = point_of(center, "the center")?;
        if altitude {
            return Err(
                "the center of a geo circle must have exactly 2 coordinates, found 3".into(),
            );
        }
        return Ok(GeoShape::Circle {
            center,
            radius: number(distance, "the distance")?,
        });
    }
    // GeoJSON's canonical polygon: `{type: "Polygon", coordinates: [outer, hole, …]}`.
    if let (Some(Value::String(kind)), Some(Value::List(rings))) = (get("type"), get("coordinates"))
    {
        if kind != "Polygon" {
            return Err(format!("a '{kind}' is not a region (expected a Polygon)"));
        }
        let mut rings = rings.iter();
        let outer = match rings.next() {
            Some(r) => ring(r, "the outer ring")?,
            None => return Err("a Polygon needs at least its outer ring".into()),
        };
        return Ok(GeoShape::Polygon {
            outer,
            holes: rings.map(|h| ring(h, "a hole")).collect::<Result<_, _>>()?,
        });
    }
    if let (Some(bl), Some(tr)) = (get("bottomLeft"), get("topRight")) {
        return Ok(GeoShape::Box {
            bottom_left: point(bl, "bottomLeft")?,
            top_right: point(tr, "topRight")?,
        });
    }
    if let Some(outer) = get("outerRing") {
        let holes = match get("holes") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::List(items)) => items
                .iter()
                .map(|h| ring(h, "a hole"))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err("holes must be a list of rings".into()),
        };
        return Ok(GeoShape::Polygon {
            outer: ring(outer, "the outer ring")?,
            holes,
        });
    }
    Err("expected {center, distance}, {bottomLeft, topRight} or {outerRing, holes}".into())
}

/// Replaces the steps from `start` on with a count of what they reach (`[size]`, `@count` of a
/// to-one link): the path then reads an int.
fn count_from(steps: &mut Vec<Step>, start: usize, state: &mut State) {
    let over = steps.split_off(start);
    steps.push(Step::Aggregate {
        op: AggregateOp::Count,
        over,
    });
    *state = State::Value(PropertyType::Int);
}

fn flatten_single(state: &mut State) {
    match state.clone() {
        State::Objects { class, .. } => *state = State::Object(class),
        State::Values { ty, .. } => *state = State::Value(ty),
        _ => {}
    }
}

fn flatten_dict(state: &mut State) {
    match state.clone() {
        State::Dict {
            ty: PropertyType::Object,
            target,
        } => *state = State::Object(target.unwrap_or_default()),
        State::Dict { ty, .. } => *state = State::Value(ty),
        other => {
            *state = other;
            flatten_single(state);
        }
    }
}

fn widen(a: PropertyType, b: PropertyType) -> PropertyType {
    use PropertyType::*;
    match (a, b) {
        (Mixed, _) | (_, Mixed) => Mixed,
        (Decimal128, _) | (_, Decimal128) => Decimal128,
        (Double, _) | (_, Double) => Double,
        (Float, _) | (_, Float) => Float,
        _ => Int,
    }
}

fn literal_ty(l: &Literal) -> Ty {
    match l {
        Literal::Null => Ty::Null,
        Literal::Bool(_) => Ty::Scalar(PropertyType::Bool),
        Literal::Number(_) => Ty::NumberLiteral,
        Literal::String(_) => Ty::Scalar(PropertyType::String),
        Literal::ObjectId(_) => Ty::Scalar(PropertyType::ObjectId),
        Literal::Uuid(_) => Ty::Scalar(PropertyType::Uuid),
        Literal::Timestamp(_) => Ty::Scalar(PropertyType::Date),
        Literal::Binary(_) => Ty::Scalar(PropertyType::Binary),
    }
}

fn value_ty(v: &Value) -> Ty {
    match v {
        Value::Null => Ty::Null,
        Value::Bool(_) => Ty::Scalar(PropertyType::Bool),
        Value::Int(_) => Ty::Scalar(PropertyType::Int),
        Value::Float(_) => Ty::Scalar(PropertyType::Float),
        Value::Double(_) => Ty::Scalar(PropertyType::Double),
        Value::String(_) => Ty::Scalar(PropertyType::String),
        Value::Binary(_) => Ty::Scalar(PropertyType::Binary),
        Value::Date(_) => Ty::Scalar(PropertyType::Date),
        Value::ObjectId(_) => Ty::Scalar(PropertyType::ObjectId),
        Value::Uuid(_) => Ty::Scalar(PropertyType::Uuid),
        Value::Decimal(_) => Ty::Scalar(PropertyType::Decimal128),
        Value::Link(l) => Ty::Object(l.class.clone()),
        Value::List(items) | Value::Set(items) => items
            .iter()
            .find(|v| !v.is_null())
            .map_or(Ty::Null, value_ty),
        Value::Dictionary(_) | Value::Embedded(_) => Ty::Scalar(PropertyType::Mixed),
    }
}

fn constant_ty(e: &Expr) -> Ty {
    match e {
        Expr::Constant(v) => value_ty(v),
        Expr::List(items) => items
            .iter()
            .find(|v| !v.is_null())
            .map_or(Ty::Null, value_ty),
        _ => Ty::Scalar(PropertyType::Mixed),
    }
}

fn parse_f64(text: &str, span: Span) -> Result<f64, QueryError> {
    match text {
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        "nan" => Ok(f64::NAN),
        t => t
            .parse::<f64>()
            .map_err(|_| invalid(span, format!("'{t}' is not a number"))),
    }
}

/// An untyped number: an int when it is written as one and fits, else a double.
fn parse_number(text: &str, span: Span) -> Result<Value, QueryError> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    parse_f64(text, span).map(Value::Double)
}

/// Converts a number to the numeric type of `target` (ints stay ints against other ints).
fn convert_number(v: Value, target: &Ty) -> Value {
    match (target, &v) {
        (Ty::Scalar(PropertyType::Float), Value::Int(i)) => Value::Float(*i as f32),
        (Ty::Scalar(PropertyType::Float), Value::Double(d)) => Value::Float(*d as f32),
        (Ty::Scalar(PropertyType::Double), Value::Int(i)) => Value::Double(*i as f64),
        (Ty::Scalar(PropertyType::Double), Value::Float(f)) => Value::Double(f64::from(*f)),
        (Ty::Scalar(PropertyType::Decimal128), Value::Int(i)) => {
            Value::Decimal(Dec::from_i64(*i).to_decimal128())
        }
        (Ty::Scalar(PropertyType::Decimal128), Value::Double(d)) => {
            Value::Decimal(Dec::from_f64(*d).to_decimal128())
        }
        (Ty::Scalar(PropertyType::Decimal128), Value::Float(f)) => {
            Value::Decimal(Dec::from_f64(f64::from(*f)).to_decimal128())
        }
        _ => v,
    }
}

/// Every property of `schema` through which objects of the embedded classes `embedded` are
/// held, directly or inside other embedded objects (empty when none of them is embedded), in
/// schema order.
fn embedded_holders(schema: &Schema, embedded: &[&str]) -> Vec<EmbeddedHolder> {
    let is_embedded = |name: &str| schema.class(name).is_some_and(|c| c.embedded);
    let mut reached: Vec<&str> = embedded
        .iter()
        .copied()
        .filter(|c| is_embedded(c))
        .collect();
    // Classes whose objects can hold (at any depth) objects of the searched classes; embedded
    // classes may nest, even recursively, so this runs to a fixed point.
    loop {
        let mut grew = false;
        for c in schema.classes.iter().filter(|c| c.embedded) {
            if reached.contains(&c.name.as_str()) {
                continue;
            }
            let holds = c.properties.iter().any(|p| {
                p.ty == PropertyType::Object
                    && p.object_type
                        .as_deref()
                        .is_some_and(|t| reached.contains(&t))
            });
            if holds {
                reached.push(c.name.as_str());
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let mut out = Vec::new();
    for c in &schema.classes {
        for p in &c.properties {
            let Some(target) = p.object_type.as_deref() else {
                continue;
            };
            if p.ty == PropertyType::Object && reached.contains(&target) {
                out.push(EmbeddedHolder {
                    class: c.name.clone(),
                    property: p.name.clone(),
                    embedded_class: target.to_owned(),
                    top_level: !c.embedded,
                });
            }
        }
    }
    out
}

/// Whether the path ends on a list or set property of primitive values (not through links).
fn is_primitive_list(path: &Path) -> bool {
    matches!(
        path.steps.last(),
        Some(Step::Property(p))
            if matches!(p.collection, Collection::List | Collection::Set) && p.ty != PropertyType::Object
    )
}

/// A coordinate or distance of a geospatial shape argument as a number.
fn geo_number(v: &Value, what: &str) -> Result<f64, String> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Double(d) => Ok(*d),
        Value::Float(f) => Ok(f64::from(*f)),
        other => Err(format!(
            "{what} must be a number, not a {}",
            other.type_name()
        )),
    }
}
