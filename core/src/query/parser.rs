//! Recursive-descent parser: tokens → [`ParsedQuery`].
//!
//! Grammar (keywords are case-insensitive; a keyword where an operand is expected and not
//! followed by an operator's position is still read as a property name, as in Realm):
//!
//! ```text
//! query      := or modifier*
//! or         := and (("||" | OR) and)*
//! and        := not (("&&" | AND) not)*
//! not        := ("!" | NOT) not | atom
//! atom       := TRUEPREDICATE | FALSEPREDICATE | "(" or ")" | comparison
//! comparison := [ANY | SOME | ALL | NONE] expr op ["[c]"] expr
//!             | expr BETWEEN "{" expr "," expr "}"
//!             | [ANY | SOME | ALL | NONE] path GEOWITHIN (shape | "$n")
//! shape      := geoBox "(" point "," point ")" | geoCircle "(" point "," coord ")"
//!             | geoPolygon "(" ring ("," ring)* ")"
//! ring       := "{" point ("," point)* "}"
//! point      := "[" coord "," coord ["," coord] "]"
//! coord      := ["-" | "+"] number | "$n"
//! op         := == = != <> < <= =< > >= => BEGINSWITH ENDSWITH CONTAINS LIKE IN TEXT
//! expr       := term (("+" | "-") term)*
//! term       := factor (("*" | "/") factor)*
//! factor     := "(" expr ")" | "{" [expr ("," expr)*] "}" | literal | "$n" | path
//!             | SUBQUERY "(" path "," $var "," or ")" "." (@count | @size)
//! path       := elem ("." elem | "[" (FIRST | LAST | SIZE | "*" | int | string | "$n") "]")*
//! modifier   := SORT "(" path (ASC|ASCENDING|DESC|DESCENDING) ("," …)* ")"
//!             | DISTINCT "(" path ("," path)* ")" | LIMIT "(" int ")"
//! ```

use super::ast::{
    AggregateOp, ArithOp, Comparison, Expr, GeoPointExpr, GeoShapeExpr, GeoWithin, IndexSel,
    KeyExpr, KeyPath, Literal, Modifier, Operator, ParsedQuery, PathElem, Predicate, Quantifier,
    Span,
};
use super::lexer::{tokenize, Tok, Token};
use super::QueryError;

/// Parses a query text.
pub(crate) fn parse(text: &str) -> Result<ParsedQuery, QueryError> {
    let tokens = tokenize(text)?;
    let mut p = Parser { tokens, pos: 0 };
    if p.at_eof() {
        return Err(p.expected("a predicate", None));
    }
    let predicate = p.or()?;
    let mut modifiers = Vec::new();
    while let Some(m) = p.modifier()? {
        modifiers.push(m);
    }
    if !p.at_eof() {
        return Err(p.expected(
            "AND, OR, SORT, DISTINCT, LIMIT or the end of the query",
            Some(p.previous_text()),
        ));
    }
    Ok(ParsedQuery {
        predicate,
        modifiers,
    })
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) => format!("'{w}'"),
        Tok::Arg(n) => format!("'${n}'"),
        Tok::Number { text, .. } => format!("the number {text}"),
        Tok::Str(s) => format!("the string '{s}'"),
        Tok::Oid(_) => "an objectId literal".to_owned(),
        Tok::Uuid(_) => "a uuid literal".to_owned(),
        Tok::Time(_) => "a date literal".to_owned(),
        Tok::B64(_) => "a binary literal".to_owned(),
        Tok::Punct(p) => format!("'{p}'"),
        Tok::Eof => "end of query".to_owned(),
    }
}

fn is_kw(tok: &Tok, kw: &str) -> bool {
    matches!(tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
}

fn is_operator_token(tok: &Tok) -> bool {
    match tok {
        Tok::Punct(p) => matches!(
            *p,
            "==" | "=" | "!=" | "<>" | "<" | "<=" | "=<" | ">" | ">=" | "=>"
        ),
        Tok::Word(w) => [
            "BEGINSWITH",
            "ENDSWITH",
            "CONTAINS",
            "LIKE",
            "IN",
            "BETWEEN",
            "TEXT",
            "GEOWITHIN",
        ]
        .iter()
        .any(|k| w.eq_ignore_ascii_case(k)),
        _ => false,
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn peek_at(&self, n: usize) -> &Token {
        &self.tokens[(self.pos + n).min(self.tokens.len() - 1)]
    }

    fn at_eof(&self) -> bool {
        self.peek().tok == Tok::Eof
    }

    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn previous_text(&self) -> String {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => describe(&t.tok),
            None => "the start".to_owned(),
        }
    }

    /// `expected X [after Y] but found Z` at the current token.
    fn expected(&self, what: &str, after: Option<String>) -> QueryError {
        let t = self.peek();
        let after = after.map(|a| format!(" after {a}")).unwrap_or_default();
        QueryError::Syntax {
            position: t.span.start,
            message: format!("expected {what}{after} but found {}", describe(&t.tok)),
        }
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek().tok == Tok::Punct(match_punct(p)) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect_punct(&mut self, p: &'static str, after: &str) -> Result<Span, QueryError> {
        if self.peek().tok == Tok::Punct(p) {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("'{p}'"), Some(after.to_owned())))
        }
    }

    fn or(&mut self) -> Result<Predicate, QueryError> {
        self.logical("||", "OR", Self::and, Predicate::Or)
    }

    fn and(&mut self) -> Result<Predicate, QueryError> {
        self.logical("&&", "AND", Self::not, Predicate::And)
    }

    /// One precedence level of logic: `operand`s joined, left to right, by `punct` or the
    /// keyword `kw` (`||`/`OR` over conjunctions, `&&`/`AND` over negations) through `join`.
    fn logical(
        &mut self,
        punct: &'static str,
        kw: &str,
        operand: fn(&mut Self) -> Result<Predicate, QueryError>,
        join: fn(Box<Predicate>, Box<Predicate>) -> Predicate,
    ) -> Result<Predicate, QueryError> {
        let mut left = operand(self)?;
        loop {
            let t = &self.peek().tok;
            if *t == Tok::Punct(punct) || is_kw(t, kw) {
                self.bump();
                let right = operand(self)?;
                left = join(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    /// Whether the word at the current position is used as a keyword, not a property name:
    /// a property name would be followed by an operator or a path continuation.
    fn keyword_position(&self) -> bool {
        let next = &self.peek_at(1).tok;
        !(is_operator_token(next)
            || *next == Tok::Punct(".")
            || *next == Tok::Punct("[")
            || matches!(next, Tok::Punct("+" | "-" | "*" | "/")))
    }

    fn not(&mut self) -> Result<Predicate, QueryError> {
        let t = self.peek().clone();
        if t.tok == Tok::Punct("!") || is_kw(&t.tok, "NOT") {
            self.bump();
            if self.at_eof() {
                return Err(self.expected("a predicate", Some(describe(&t.tok))));
            }
            let inner = self.not()?;
            return Ok(Predicate::Not(Box::new(inner), t.span));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Predicate, QueryError> {
        let t = self.peek().clone();
        if is_kw(&t.tok, "TRUEPREDICATE") && self.keyword_position() {
            self.bump();
            return Ok(Predicate::True(t.span));
        }
        if is_kw(&t.tok, "FALSEPREDICATE") && self.keyword_position() {
            self.bump();
            return Ok(Predicate::False(t.span));
        }
        if t.tok == Tok::Punct("(") {
            // `(` opens either a grouped predicate or an arithmetic operand: try the
            // predicate first and fall back, reporting whichever attempt got further.
            let start = self.pos;
            self.bump();
            let grouped = self.or().and_then(|p| {
                self.expect_punct(")", "the grouped predicate")?;
                Ok(p)
            });
            match grouped {
                Ok(p)
                    if !is_operator_token(&self.peek().tok)
                        && !matches!(self.peek().tok, Tok::Punct("+" | "-" | "*" | "/")) =>
                {
                    return Ok(p)
                }
                Ok(_) => {
                    self.pos = start;
                    return self.comparison();
                }
                Err(first) => {
                    let first_pos = self.pos;
                    self.pos = start;
                    return match self.comparison() {
                        Ok(c) => Ok(c),
                        Err(second) => {
                            if first_pos >= self.pos {
                                Err(first)
                            } else {
                                Err(second)
                            }
                        }
                    };
                }
            }
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Predicate, QueryError> {
        let t = self.peek().clone();
        let mut quantifier = None;
        for (kw, q) in [
            ("ANY", Quantifier::Any),
            ("SOME", Quantifier::Any),
            ("ALL", Quantifier::All),
            ("NONE", Quantifier::None),
        ] {
            if is_kw(&t.tok, kw) && self.keyword_position() {
                self.bump();
                quantifier = Some((q, t.span));
                break;
            }
        }
        if self.at_eof() || matches!(self.peek().tok, Tok::Punct(")")) {
            return Err(self.expected("a predicate", quantifier.map(|_| describe(&t.tok))));
        }
        let left = self.expr()?;
        let op_tok = self.peek().clone();
        if is_kw(&op_tok.tok, "GEOWITHIN") {
            self.bump();
            let shape = self.geo_shape()?;
            return Ok(Predicate::GeoWithin(Box::new(GeoWithin {
                quantifier,
                left,
                op_span: op_tok.span,
                shape,
            })));
        }
        let op = match &op_tok.tok {
            Tok::Punct("==") | Tok::Punct("=") => Operator::Eq,
            Tok::Punct("!=") | Tok::Punct("<>") => Operator::Ne,
            Tok::Punct("<") => Operator::Lt,
            Tok::Punct("<=") | Tok::Punct("=<") => Operator::Le,
            Tok::Punct(">") => Operator::Gt,
            Tok::Punct(">=") | Tok::Punct("=>") => Operator::Ge,
            t if is_kw(t, "BEGINSWITH") => Operator::BeginsWith,
            t if is_kw(t, "ENDSWITH") => Operator::EndsWith,
            t if is_kw(t, "CONTAINS") => Operator::Contains,
            t if is_kw(t, "LIKE") => Operator::Like,
            t if is_kw(t, "IN") => Operator::In,
            t if is_kw(t, "BETWEEN") => Operator::Between,
            t if is_kw(t, "TEXT") => Operator::Text,
            _ => {
                return Err(self.expected(
                    "a comparison operator (==, !=, <, >, BEGINSWITH, IN, …)",
                    Some(self.previous_text()),
                ))
            }
        };
        self.bump();
        let mut case_insensitive = false;
        if self.peek().tok == Tok::Punct("[") {
            if let (Tok::Word(w), Tok::Punct("]")) = (&self.peek_at(1).tok, &self.peek_at(2).tok) {
                if w == "c" || w == "C" {
                    self.bump();
                    self.bump();
                    self.bump();
                    case_insensitive = true;
                } else {
                    return Err(QueryError::Syntax {
                        position: self.peek_at(1).span.start,
                        message: format!(
                            "unknown operator modifier '[{w}]': only [c] (case-insensitive) exists"
                        ),
                    });
                }
            }
        }
        let after_op = format!("'{}'", op.name());
        let mut right_quantifier = None;
        let q = self.peek().clone();
        for (kw, quant) in [
            ("ANY", Quantifier::Any),
            ("SOME", Quantifier::Any),
            ("ALL", Quantifier::All),
            ("NONE", Quantifier::None),
        ] {
            if is_kw(&q.tok, kw) && self.keyword_position() {
                self.bump();
                right_quantifier = Some((quant, q.span));
                break;
            }
        }
        if self.at_eof() {
            return Err(self.expected("a value", Some(after_op)));
        }
        let right = if op == Operator::Between {
            let open = self.expect_punct("{", "BETWEEN")?;
            let low = self.expr()?;
            self.expect_punct(",", "the lower bound of BETWEEN")?;
            let high = self.expr()?;
            let close = self.expect_punct("}", "the upper bound of BETWEEN")?;
            Expr::List(vec![low, high], open.to(close))
        } else {
            self.expr_after(&after_op)?
        };
        Ok(Predicate::Compare(Box::new(Comparison {
            quantifier,
            left,
            op,
            op_span: op_tok.span,
            case_insensitive,
            right_quantifier,
            right,
        })))
    }

    /// The region after `GEOWITHIN`.
    fn geo_shape(&mut self) -> Result<GeoShapeExpr, QueryError> {
        let t = self.peek().clone();
        let kind = match &t.tok {
            Tok::Arg(n) => {
                self.bump();
                return Ok(GeoShapeExpr::Argument(*n, t.span));
            }
            Tok::Word(w) => w.to_ascii_lowercase(),
            _ => String::new(),
        };
        if !matches!(kind.as_str(), "geobox" | "geocircle" | "geopolygon") {
            return Err(self.expected(
                "geoBox(…), geoPolygon(…), geoCircle(…) or an argument",
                Some("'GEOWITHIN'".into()),
            ));
        }
        self.bump();
        let name = match kind.as_str() {
            "geobox" => "geoBox",
            "geocircle" => "geoCircle",
            _ => "geoPolygon",
        };
        self.expect_punct("(", name)?;
        let shape = match name {
            "geoBox" => {
                let bottom_left = self.geo_point(&format!("'{name}('"))?;
                self.expect_punct(",", "the bottom-left corner of geoBox")?;
                let top_right = self.geo_point("','")?;
                let close = self.expect_punct(")", "the top-right corner of geoBox")?;
                GeoShapeExpr::Box {
                    bottom_left,
                    top_right,
                    span: t.span.to(close),
                }
            }
            "geoCircle" => {
                let center = self.geo_point(&format!("'{name}('"))?;
                self.expect_punct(",", "the center of geoCircle")?;
                let radius = self.geo_coordinate("the center of geoCircle")?;
                let close = self.expect_punct(")", "the radius of geoCircle")?;
                GeoShapeExpr::Circle {
                    center,
                    radius,
                    span: t.span.to(close),
                }
            }
            _ => {
                let mut rings = Vec::new();
                loop {
                    let open = self.expect_punct(
                        "{",
                        if rings.is_empty() {
                            "'geoPolygon('"
                        } else {
                            "',' in geoPolygon"
                        },
                    )?;
                    let mut points = vec![self.geo_point("'{'")?];
                    while self.eat_punct(",") {
                        points.push(self.geo_point("','")?);
                    }
                    let close = self.expect_punct("}", "the points of a geoPolygon ring")?;
                    rings.push((points, open.to(close)));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                let close = self.expect_punct(")", "the rings of geoPolygon")?;
                GeoShapeExpr::Polygon {
                    rings,
                    span: t.span.to(close),
                }
            }
        };
        Ok(shape)
    }

    /// `[longitude, latitude]` or `[longitude, latitude, altitude]`.
    fn geo_point(&mut self, after: &str) -> Result<GeoPointExpr, QueryError> {
        if self.peek().tok != Tok::Punct("[") {
            return Err(self.expected("a point [longitude, latitude]", Some(after.to_owned())));
        }
        let open = self.bump().span;
        let longitude = self.geo_coordinate("'['")?;
        self.expect_punct(",", "the longitude")?;
        let latitude = self.geo_coordinate("','")?;
        // The altitude: accepted and ignored, as in Realm (except for a circle's center).
        let has_altitude = self.eat_punct(",");
        if has_altitude {
            self.geo_coordinate("the latitude")?;
        }
        let close = self.expect_punct("]", "the coordinates of a point")?;
        Ok(GeoPointExpr {
            longitude,
            latitude,
            has_altitude,
            span: open.to(close),
        })
    }

    /// A coordinate or radius: as in realm-core's grammar, a natural number, a float
    /// (optionally negative) or `$n`; a negative integer such as `-45` is rejected (write
    /// `-45.0`).
    fn geo_coordinate(&mut self, after: &str) -> Result<Expr, QueryError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Arg(n) => {
                self.bump();
                Ok(Expr::Argument(*n, t.span))
            }
            Tok::Number { text, .. } => {
                self.bump();
                Ok(Expr::Literal(Literal::Number(text.clone()), t.span))
            }
            Tok::Punct("-") => match self.peek_at(1).tok.clone() {
                Tok::Number {
                    text,
                    plain_int: false,
                } => {
                    let n = self.peek_at(1).clone();
                    self.bump();
                    self.bump();
                    Ok(Expr::Literal(
                        Literal::Number(format!("-{text}")),
                        t.span.to(n.span),
                    ))
                }
                _ => Err(QueryError::Syntax {
                    position: t.span.start,
                    message: "expected a natural number, a float or an argument in a geospatial shape (a negative coordinate is written as a float, e.g. -45.0)".to_owned(),
                }),
            },
            _ => Err(self.expected(
                "a natural number, a float or an argument",
                Some(after.to_owned()),
            )),
        }
    }

    fn expr(&mut self) -> Result<Expr, QueryError> {
        let after = self.previous_text();
        self.expr_after(&after)
    }

    fn expr_after(&mut self, after: &str) -> Result<Expr, QueryError> {
        self.arithmetic(
            after,
            &[("+", ArithOp::Add), ("-", ArithOp::Sub)],
            Self::term,
        )
    }

    fn term(&mut self, after: &str) -> Result<Expr, QueryError> {
        self.arithmetic(
            after,
            &[("*", ArithOp::Mul), ("/", ArithOp::Div)],
            Self::factor,
        )
    }

    /// One precedence level: `operand`s joined, left to right, by the operators in `ops`
    /// (`+ -` over terms, `* /` over factors).
    fn arithmetic(
        &mut self,
        after: &str,
        ops: &[(&str, ArithOp)],
        operand: fn(&mut Self, &str) -> Result<Expr, QueryError>,
    ) -> Result<Expr, QueryError> {
        let mut left = operand(self, after)?;
        loop {
            let op = match self.peek().tok {
                Tok::Punct(p) => ops.iter().find(|(text, _)| *text == p),
                _ => None,
            };
            let Some(&(_, op)) = op else {
                return Ok(left);
            };
            let op_text = describe(&self.bump().tok);
            let right = operand(self, &op_text)?;
            let span = left.span().to(right.span());
            left = Expr::Arithmetic {
                op,
                left: Box::new(left),
                right: Box::new(right),
                span,
            };
        }
    }

    fn factor(&mut self, after: &str) -> Result<Expr, QueryError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Punct("(") => {
                self.bump();
                let inner = self.expr_after("'('")?;
                let close = self.expect_punct(")", "the parenthesised expression")?;
                Ok(match inner {
                    Expr::Arithmetic {
                        op, left, right, ..
                    } => Expr::Arithmetic {
                        op,
                        left,
                        right,
                        span: t.span.to(close),
                    },
                    other => other,
                })
            }
            Tok::Punct("{") => {
                self.bump();
                let mut items = Vec::new();
                if self.peek().tok != Tok::Punct("}") {
                    loop {
                        items.push(self.expr_after("'{'")?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                }
                let close = self.expect_punct("}", "the list's elements")?;
                Ok(Expr::List(items, t.span.to(close)))
            }
            Tok::Punct(sign @ ("-" | "+")) => {
                let negative = *sign == "-";
                self.bump();
                let n = self.peek().clone();
                let prefix = if negative { "-" } else { "" };
                match &n.tok {
                    Tok::Number { text, .. } => {
                        self.bump();
                        Ok(Expr::Literal(
                            Literal::Number(format!("{prefix}{text}")),
                            t.span.to(n.span),
                        ))
                    }
                    Tok::Word(w)
                        if ["inf", "infinity"]
                            .iter()
                            .any(|k| w.eq_ignore_ascii_case(k)) =>
                    {
                        self.bump();
                        Ok(Expr::Literal(
                            Literal::Number(format!("{prefix}inf")),
                            t.span.to(n.span),
                        ))
                    }
                    Tok::Word(w) if w.eq_ignore_ascii_case("nan") => {
                        self.bump();
                        Ok(Expr::Literal(
                            Literal::Number("nan".into()),
                            t.span.to(n.span),
                        ))
                    }
                    _ => Err(self.expected("a number", Some(format!("'{sign}'")))),
                }
            }
            Tok::Number { text, .. } => {
                self.bump();
                Ok(Expr::Literal(Literal::Number(text.clone()), t.span))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Literal(Literal::String(s.clone()), t.span))
            }
            Tok::Oid(o) => {
                self.bump();
                Ok(Expr::Literal(Literal::ObjectId(*o), t.span))
            }
            Tok::Uuid(u) => {
                self.bump();
                Ok(Expr::Literal(Literal::Uuid(*u), t.span))
            }
            Tok::Time(ts) => {
                self.bump();
                Ok(Expr::Literal(Literal::Timestamp(*ts), t.span))
            }
            Tok::B64(b) => {
                self.bump();
                Ok(Expr::Literal(Literal::Binary(b.clone()), t.span))
            }
            Tok::Arg(n) => {
                self.bump();
                Ok(Expr::Argument(*n, t.span))
            }
            Tok::Word(w) => {
                let continues = matches!(self.peek_at(1).tok, Tok::Punct(".") | Tok::Punct("["));
                let lower = w.to_ascii_lowercase();
                if !continues {
                    let literal = match lower.as_str() {
                        "true" => Some(Literal::Bool(true)),
                        "false" => Some(Literal::Bool(false)),
                        "null" | "nil" => Some(Literal::Null),
                        "inf" | "infinity" => Some(Literal::Number("inf".into())),
                        "nan" => Some(Literal::Number("nan".into())),
                        _ => None,
                    };
                    if let Some(l) = literal {
                        self.bump();
                        return Ok(Expr::Literal(l, t.span));
                    }
                }
                if lower == "subquery" && self.peek_at(1).tok == Tok::Punct("(") {
                    return self.subquery();
                }
                if (lower == "bin" || lower == "binary") && self.peek_at(1).tok == Tok::Punct("(") {
                    self.bump();
                    self.bump();
                    let inner = self.bump();
                    let bytes = match inner.tok {
                        Tok::Str(s) => s.into_bytes(),
                        Tok::B64(b) => b,
                        _ => {
                            self.pos -= 1;
                            return Err(self.expected("a string", Some(format!("'{w}('"))));
                        }
                    };
                    let close = self.expect_punct(")", "the binary literal")?;
                    return Ok(Expr::Literal(Literal::Binary(bytes), t.span.to(close)));
                }
                if lower == "obj" && self.peek_at(1).tok == Tok::Punct("(") {
                    self.bump();
                    self.bump();
                    let class = match &self.peek().tok {
                        Tok::Str(c) => c.clone(),
                        _ => {
                            return Err(
                                self.expected("a class name in quotes", Some("'obj('".into()))
                            )
                        }
                    };
                    self.bump();
                    self.expect_punct(",", "the class name of obj(…)")?;
                    let key = self.factor("','")?;
                    let close = self.expect_punct(")", "the primary key of obj(…)")?;
                    return Ok(Expr::Object {
                        class,
                        key: Box::new(key),
                        span: t.span.to(close),
                    });
                }
                if ["and", "or", "not"].contains(&lower.as_str()) {
                    return Err(self.expected("a value", Some(after.to_owned())));
                }
                Ok(Expr::Path(self.path()?))
            }
            _ => Err(self.expected("a value", Some(after.to_owned()))),
        }
    }

    fn subquery(&mut self) -> Result<Expr, QueryError> {
        let start = self.bump().span;
        self.expect_punct("(", "SUBQUERY")?;
        if !matches!(self.peek().tok, Tok::Word(_)) {
            return Err(self.expected("a key path to a collection", Some("'SUBQUERY('".into())));
        }
        let collection = self.path()?;
        self.expect_punct(",", "the SUBQUERY's collection")?;
        let variable = match &self.peek().tok {
            Tok::Word(w) if w.starts_with('$') && w.len() > 1 => w.clone(),
            _ => {
                return Err(self.expected(
                    "a variable such as $x",
                    Some("the SUBQUERY's collection".into()),
                ))
            }
        };
        self.bump();
        self.expect_punct(",", "the SUBQUERY's variable")?;
        if self.peek().tok == Tok::Punct(")") {
            return Err(self.expected("a predicate", Some("the SUBQUERY's variable".into())));
        }
        let predicate = self.or()?;
        self.expect_punct(")", "the SUBQUERY's predicate")?;
        if self.peek().tok != Tok::Punct(".") {
            return Err(self.expected("'.@count' or '.@size'", Some("SUBQUERY(…)".into())));
        }
        self.bump();
        let agg = self.peek().clone();
        match &agg.tok {
            Tok::Word(w) if w == "@count" || w == "@size" => {
                self.bump();
            }
            _ => {
                return Err(self.expected(
                    "@count or @size (the only aggregate of a SUBQUERY)",
                    Some("'SUBQUERY(…).'".into()),
                ))
            }
        }
        Ok(Expr::Subquery {
            collection,
            variable,
            predicate: Box::new(predicate),
            span: start.to(agg.span),
        })
    }

    /// A path element after `.` (or the first one).
    fn path_elem(&mut self, first: bool) -> Result<PathElem, QueryError> {
        let t = self.peek().clone();
        let Tok::Word(w) = &t.tok else {
            return Err(self.expected("a property name", Some(self.previous_text())));
        };
        self.bump();
        if let Some(var) = w.strip_prefix('$') {
            if first && !var.is_empty() {
                return Ok(PathElem::Variable(w.clone(), t.span));
            }
            return Ok(PathElem::Property(w.clone(), t.span));
        }
        if !w.starts_with('@') {
            return Ok(PathElem::Property(w.clone(), t.span));
        }
        let elem = match w.to_ascii_lowercase().as_str() {
            "@links" => {
                if self.peek().tok != Tok::Punct(".") {
                    return Err(self.expected("'.' and a class name", Some("'@links'".into())));
                }
                // `@links.@count`: the next element is the aggregate.
                if matches!(&self.peek_at(1).tok, Tok::Word(n) if n.starts_with('@')) {
                    return Ok(PathElem::AllLinks(t.span));
                }
                self.bump();
                let class = match &self.peek().tok {
                    Tok::Word(c) => c.clone(),
                    _ => return Err(self.expected("a class name", Some("'@links.'".into()))),
                };
                self.bump();
                self.expect_punct(".", "the @links class")?;
                let last = self.peek().clone();
                let property = match &last.tok {
                    Tok::Word(p) => p.clone(),
                    _ => return Err(self.expected("a property name", Some(format!("'@links.{class}.'")))),
                };
                self.bump();
                return Ok(PathElem::Links {
                    class,
                    property,
                    span: t.span.to(last.span),
                });
            }
            "@count" => PathElem::Aggregate(AggregateOp::Count, t.span),
            "@size" => PathElem::Aggregate(AggregateOp::Size, t.span),
            "@sum" => PathElem::Aggregate(AggregateOp::Sum, t.span),
            "@avg" => PathElem::Aggregate(AggregateOp::Avg, t.span),
            "@min" => PathElem::Aggregate(AggregateOp::Min, t.span),
            "@max" => PathElem::Aggregate(AggregateOp::Max, t.span),
            "@keys" => PathElem::Keys(t.span),
            "@values" => PathElem::Values(t.span),
            "@type" => PathElem::Type(t.span),
            _ => {
                return Err(QueryError::Syntax {
                    position: t.span.start,
                    message: format!(
                        "unknown keyword '{w}': expected @links, @count, @size, @sum, @avg, @min, @max, @keys, @values or @type"
                    ),
                })
            }
        };
        if first {
            return Err(QueryError::Syntax {
                position: t.span.start,
                message: format!("'{w}' must follow a key path (as in 'items.{w}')"),
            });
        }
        Ok(elem)
    }

    fn path(&mut self) -> Result<KeyPath, QueryError> {
        let start = self.peek().span;
        let mut elems = vec![self.path_elem(true)?];
        let mut end = elems[0].span();
        loop {
            match self.peek().tok {
                Tok::Punct(".") => {
                    self.bump();
                    let e = self.path_elem(false)?;
                    end = e.span();
                    elems.push(e);
                }
                Tok::Punct("[") => {
                    // `[c]` after a path belongs to an operator, not to the path.
                    if matches!(&self.peek_at(1).tok, Tok::Word(w) if w == "c" || w == "C")
                        && self.peek_at(2).tok == Tok::Punct("]")
                    {
                        break;
                    }
                    let open = self.bump().span;
                    let inner = self.bump();
                    let elem = match &inner.tok {
                        Tok::Word(w) if w.eq_ignore_ascii_case("FIRST") => {
                            PathElem::Index(IndexSel::First, open)
                        }
                        Tok::Word(w) if w.eq_ignore_ascii_case("LAST") => {
                            PathElem::Index(IndexSel::Last, open)
                        }
                        Tok::Word(w) if w.eq_ignore_ascii_case("SIZE") => {
                            PathElem::Index(IndexSel::Size, open)
                        }
                        Tok::Punct("*") => PathElem::Index(IndexSel::All, open),
                        Tok::Number {
                            text,
                            plain_int: true,
                        } => match text.parse::<usize>() {
                            Ok(i) => PathElem::Index(IndexSel::At(i), open),
                            Err(_) => {
                                return Err(QueryError::Syntax {
                                    position: inner.span.start,
                                    message: format!("list index {text} is too large"),
                                })
                            }
                        },
                        Tok::Str(s) => PathElem::Key(KeyExpr::Literal(s.clone()), open),
                        Tok::Arg(n) => PathElem::Key(KeyExpr::Argument(*n), open),
                        _ => {
                            self.pos -= 1;
                            return Err(self.expected(
                                "FIRST, LAST, SIZE, *, an index, a quoted key or an argument",
                                Some("'['".into()),
                            ));
                        }
                    };
                    let close = self.expect_punct("]", "the subscript")?;
                    let elem = match elem {
                        PathElem::Index(sel, _) => PathElem::Index(sel, open.to(close)),
                        PathElem::Key(k, _) => PathElem::Key(k, open.to(close)),
                        other => other,
                    };
                    end = close;
                    elems.push(elem);
                }
                _ => break,
            }
        }
        Ok(KeyPath {
            elems,
            span: start.to(end),
        })
    }

    fn modifier(&mut self) -> Result<Option<Modifier>, QueryError> {
        let t = self.peek().clone();
        let Tok::Word(w) = &t.tok else {
            return Ok(None);
        };
        let kw = w.to_ascii_uppercase();
        if !matches!(kw.as_str(), "SORT" | "DISTINCT" | "LIMIT") {
            return Ok(None);
        }
        self.bump();
        self.expect_punct("(", &kw)?;
        let modifier = match kw.as_str() {
            "SORT" => {
                let mut keys = Vec::new();
                loop {
                    if !matches!(self.peek().tok, Tok::Word(_)) {
                        return Err(
                            self.expected("a key path to sort by", Some(self.previous_text()))
                        );
                    }
                    let path = self.path()?;
                    let dir = self.peek().clone();
                    let ascending = match &dir.tok {
                        Tok::Word(d)
                            if d.eq_ignore_ascii_case("ASC")
                                || d.eq_ignore_ascii_case("ASCENDING") =>
                        {
                            true
                        }
                        Tok::Word(d)
                            if d.eq_ignore_ascii_case("DESC")
                                || d.eq_ignore_ascii_case("DESCENDING") =>
                        {
                            false
                        }
                        _ => {
                            return Err(
                                self.expected("ASC or DESC", Some("the sort key path".into()))
                            )
                        }
                    };
                    self.bump();
                    keys.push((path, ascending));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                let close = self.expect_punct(")", "the SORT keys")?;
                Modifier::Sort(keys, t.span.to(close))
            }
            "DISTINCT" => {
                let mut paths = Vec::new();
                loop {
                    if !matches!(self.peek().tok, Tok::Word(_)) {
                        return Err(self.expected("a key path", Some(self.previous_text())));
                    }
                    paths.push(self.path()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                let close = self.expect_punct(")", "the DISTINCT key paths")?;
                Modifier::Distinct(paths, t.span.to(close))
            }
            _ => {
                let n = self.peek().clone();
                let limit = match &n.tok {
                    Tok::Number {
                        text,
                        plain_int: true,
                    } => text.parse::<usize>().map_err(|_| QueryError::Syntax {
                        position: n.span.start,
                        message: format!("LIMIT {text} is too large"),
                    })?,
                    _ => {
                        return Err(self.expected("a non-negative integer", Some("'LIMIT('".into())))
                    }
                };
                self.bump();
                let close = self.expect_punct(")", "the LIMIT count")?;
                Modifier::Limit(limit, t.span.to(close))
            }
        };
        Ok(Some(modifier))
    }
}

fn match_punct(p: &str) -> &'static str {
    match p {
        "," => ",",
        "." => ".",
        ")" => ")",
        "(" => "(",
        "}" => "}",
        "]" => "]",
        _ => "",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::value::{ObjectId, Timestamp, Uuid};

    fn err(text: &str) -> (usize, String) {
        match parse(text).unwrap_err() {
            QueryError::Syntax { position, message } => (position, message),
            other => panic!("{other:?}"),
        }
    }

    fn comparison(text: &str) -> Comparison {
        match parse(text).unwrap().predicate {
            Predicate::Compare(c) => *c,
            other => panic!("{other:?}"),
        }
    }

    fn literal(text: &str) -> Literal {
        match comparison(&format!("x == {text}")).right {
            Expr::Literal(l, _) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_say_where_and_what_was_expected() {
        assert_eq!(
            err("progressMinutes =="),
            (
                18,
                "expected a value after '==' but found end of query".into()
            )
        );
        assert_eq!(
            err("name == 'a' AND"),
            (15, "expected a predicate but found end of query".into())
        );
        let (pos, msg) = err("invalidQuery");
        assert_eq!(pos, 12);
        assert!(msg.starts_with("expected a comparison operator"), "{msg}");
        let (pos, msg) = err("a == 1)");
        assert_eq!(pos, 6);
        assert!(
            msg.contains("AND, OR, SORT, DISTINCT, LIMIT or the end of the query"),
            "{msg}"
        );
        assert_eq!(err("(a == 1").0, 7);
        assert_eq!(err("").1, "expected a predicate but found end of query");
        let (pos, msg) = err("a == 1 SORT(a)");
        assert_eq!(pos, 13);
        assert!(msg.contains("ASC or DESC"), "{msg}");
        assert!(err("a == 1 LIMIT(2.5)").1.contains("non-negative integer"));
        assert!(err("a == 1 LIMIT(0x10)").1.contains("non-negative integer"));
        assert!(err("SUBQUERY(items, $x, $x.a == 1) > 0")
            .1
            .contains("'.@count'"));
        assert!(err("SUBQUERY(items, x, x.a == 1).@count > 0")
            .1
            .contains("variable"));
        assert!(err("a ==[d] 'x'").1.contains("[d]"));
        assert!(err("@count > 1").1.contains("must follow a key path"));
        assert!(err("a.@foo > 1").1.contains("unknown keyword '@foo'"));
        assert!(err("a BETWEEN 1").1.contains("'{'"));
        assert_eq!(err("a == 1 &&").0, 9);
    }

    #[test]
    fn every_literal_form() {
        assert_eq!(literal("null"), Literal::Null);
        assert_eq!(literal("nil"), Literal::Null);
        assert_eq!(literal("NULL"), Literal::Null);
        assert_eq!(literal("true"), Literal::Bool(true));
        assert_eq!(literal("FALSE"), Literal::Bool(false));
        assert_eq!(literal("42"), Literal::Number("42".into()));
        assert_eq!(literal("-1"), Literal::Number("-1".into()));
        assert_eq!(literal("0x1F"), Literal::Number("31".into()));
        assert_eq!(literal("1.5e3"), Literal::Number("1.5e3".into()));
        assert_eq!(literal("inf"), Literal::Number("inf".into()));
        assert_eq!(literal("-infinity"), Literal::Number("-inf".into()));
        assert_eq!(literal("nan"), Literal::Number("nan".into()));
        assert_eq!(literal("'it'"), Literal::String("it".into()));
        assert_eq!(literal(r#""a\"b""#), Literal::String(r#"a\"b"#.into()));
        assert_eq!(
            literal("oid(6001c033600510df3bbfd864)"),
            Literal::ObjectId(ObjectId::parse_str("6001c033600510df3bbfd864").unwrap())
        );
        assert_eq!(
            literal("uuid(d1b186e1-e9e0-4768-a1a7-c492519d47ee)"),
            Literal::Uuid(Uuid::parse_str("d1b186e1-e9e0-4768-a1a7-c492519d47ee").unwrap())
        );
        assert_eq!(literal("T1:2"), Literal::Timestamp(Timestamp::new(1, 2)));
        assert_eq!(
            literal("2017-12-01@12:07:53:505"),
            Literal::Timestamp(Timestamp::new(1_512_130_073, 505))
        );
        assert_eq!(literal("B64\"QUI=\""), Literal::String("AB".into()));
        assert_eq!(literal("bin('AB')"), Literal::Binary(b"AB".to_vec()));
        assert_eq!(
            literal("binary(B64\"QUI=\")"),
            Literal::Binary(b"AB".to_vec())
        );
        assert_eq!(literal("+2E2"), Literal::Number("2E2".into()));
        assert_eq!(literal("-NaN"), Literal::Number("nan".into()));
        assert!(
            matches!(comparison("x == obj('Dog', 'pluto')").right, Expr::Object { ref class, .. } if class == "Dog")
        );
        let c = comparison("x == ALL {1, 2}");
        assert_eq!(c.right_quantifier.map(|q| q.0), Some(Quantifier::All));
    }

    #[test]
    fn every_operator() {
        for (text, op) in [
            ("==", Operator::Eq),
            ("=", Operator::Eq),
            ("!=", Operator::Ne),
            ("<>", Operator::Ne),
            ("<", Operator::Lt),
            ("<=", Operator::Le),
            ("=<", Operator::Le),
            (">", Operator::Gt),
            (">=", Operator::Ge),
            ("=>", Operator::Ge),
            ("BEGINSWITH", Operator::BeginsWith),
            ("endswith", Operator::EndsWith),
            ("Contains", Operator::Contains),
            ("LIKE", Operator::Like),
            ("IN", Operator::In),
            ("TEXT", Operator::Text),
        ] {
            let c = comparison(&format!("a {text} 'x'"));
            assert_eq!(c.op, op, "{text}");
            assert!(!c.case_insensitive);
            let c = comparison(&format!("a {text}[c] 'x'"));
            assert!(c.case_insensitive, "{text}[c]");
        }
        let c = comparison("a BETWEEN {1, 2}");
        assert_eq!(c.op, Operator::Between);
        assert!(matches!(c.right, Expr::List(ref v, _) if v.len() == 2));
    }

    #[test]
    fn logic_precedence_and_keywords_as_names() {
        let q = parse("a == 1 || b == 2 && !(c == 3)").unwrap();
        let Predicate::Or(_, right) = q.predicate else {
            panic!()
        };
        let Predicate::And(_, not) = *right else {
            panic!()
        };
        assert!(matches!(*not, Predicate::Not(..)));
        assert!(parse("NOT NOT != 'NOT'").is_err());
        assert!(parse("not.a = 0").is_err());
        assert!(parse("a == a AND == a").is_err());
        assert!(parse("NOT0.a = 0").is_ok());
        assert!(parse("sort > 0 && distinct > 0 && limit > 0 && in in 'in'").is_ok());
        assert!(matches!(
            parse("contains contains 'contains'").unwrap().predicate,
            Predicate::Compare(_)
        ));
        assert!(matches!(
            parse("TRUEPREDICATE").unwrap().predicate,
            Predicate::True(_)
        ));
        assert!(matches!(
            parse("falsepredicate").unwrap().predicate,
            Predicate::False(_)
        ));
        let c = comparison("ANY items.price > 5");
        assert_eq!(c.quantifier.map(|q| q.0), Some(Quantifier::Any));
        let c = comparison("SOME items.price > 5");
        assert_eq!(c.quantifier.map(|q| q.0), Some(Quantifier::Any));
        assert_eq!(
            comparison("ALL x > 5").quantifier.map(|q| q.0),
            Some(Quantifier::All)
        );
        assert_eq!(
            comparison("NONE x > 5").quantifier.map(|q| q.0),
            Some(Quantifier::None)
        );
    }

    #[test]
    fn arithmetic_and_grouping() {
        let c = comparison("priority >= 2 * (2 - 1) + 2");
        let Expr::Arithmetic {
            op: ArithOp::Add,
            left,
            ..
        } = c.right
        else {
            panic!()
        };
        assert!(matches!(
            *left,
            Expr::Arithmetic {
                op: ArithOp::Mul,
                ..
            }
        ));
        // A parenthesis may open an arithmetic operand rather than a group.
        let c = comparison("(a + 1) * 2 > 3");
        assert!(matches!(
            c.left,
            Expr::Arithmetic {
                op: ArithOp::Mul,
                ..
            }
        ));
        assert!(matches!(
            parse("((a == 1))").unwrap().predicate,
            Predicate::Compare(_)
        ));
    }

    #[test]
    fn key_paths() {
        let c = comparison("@links.Project.items.@count > 1");
        let Expr::Path(p) = c.left else { panic!() };
        assert!(
            matches!(p.elems[0], PathElem::Links { ref class, ref property, .. } if class == "Project" && property == "items")
        );
        assert!(matches!(
            p.elems[1],
            PathElem::Aggregate(AggregateOp::Count, _)
        ));
        let Expr::Path(p) = comparison("@links.@count == 0").left else {
            panic!()
        };
        assert!(matches!(p.elems[0], PathElem::AllLinks(_)));
        let Expr::Path(p) = comparison("dict['k'] == 1").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Key(KeyExpr::Literal(ref k), _) if k == "k"));
        let Expr::Path(p) = comparison("dict[$0] == 1").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Key(KeyExpr::Argument(0), _)));
        let Expr::Path(p) = comparison("list[FIRST] == 1").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Index(IndexSel::First, _)));
        let Expr::Path(p) = comparison("list[2].@type == 'int'").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Index(IndexSel::At(2), _)));
        assert!(matches!(p.elems[2], PathElem::Type(_)));
        let Expr::Path(p) = comparison("d.@keys == 'a'").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Keys(_)));
        let Expr::Path(p) = comparison("d[*] == 'a'").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Index(IndexSel::All, _)));
        let Expr::Path(p) = comparison("d.@values == 'a'").left else {
            panic!()
        };
        assert!(matches!(p.elems[1], PathElem::Values(_)));
        assert_eq!(p.span, Span { start: 0, end: 9 });
        assert!(matches!(
            comparison("SUBQUERY(items, $x, $x.a == 1 AND $x.b > 2).@size > 0").left,
            Expr::Subquery { ref variable, .. } if variable == "$x"
        ));
    }

    #[test]
    fn modifiers_in_order() {
        let q = parse("TRUEPREDICATE sort(a ASC, b.c descending) DISTINCT(a) LIMIT(5) LIMIT(1)")
            .unwrap();
        assert_eq!(q.modifiers.len(), 4);
        assert!(
            matches!(q.modifiers[0], Modifier::Sort(ref k, _) if k.len() == 2 && k[0].1 && !k[1].1)
        );
        assert!(matches!(q.modifiers[1], Modifier::Distinct(ref p, _) if p.len() == 1));
        assert!(matches!(q.modifiers[2], Modifier::Limit(5, _)));
        assert!(matches!(q.modifiers[3], Modifier::Limit(1, _)));
    }
}
