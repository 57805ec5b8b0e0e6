//! Expressions: columns, literals, operators, CASE, subqueries.

use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, CeilFloorKind, DataType, DateTimeField, Expr, Ident, Query,
    TrimWhereField, TypedString, UnaryOperator, Value,
};

use super::{Clause, Translator, literal_string};
use crate::format::{parse_compared_date, parse_loose_date};
use crate::sql::{DATETIME_FORMAT, Sql, Ty, call, join_all, prec, string};
use crate::{DateFormat, Error};

impl Translator {
    /// Translates an expression.
    pub(crate) fn expr(&mut self, e: &Expr) -> Result<Sql, Error> {
        self.enter()?;
        let out = self.expr_inner(e);
        self.leave();
        let out = out?;
        Self::check_size(&out)?;
        Ok(out)
    }

    /// Dispatches on the kind of expression. Each kind has its own small
    /// function: in debug builds a frame holds the temporaries of every arm
    /// of a match, and this recursion must stay shallow in bytes.
    fn expr_inner(&mut self, e: &Expr) -> Result<Sql, Error> {
        match e {
            Expr::Identifier(id) => self.identifier(id),
            Expr::CompoundIdentifier(parts) => self.compound_identifier(parts),
            Expr::Value(v) => value(&v.value),
            Expr::TypedString(ts) => typed_string(ts),
            Expr::Nested(inner) => self.nested(inner),
            Expr::BinaryOp { .. } => self.binary_chain(e),
            Expr::UnaryOp { op, expr } => self.unary(op, expr),
            Expr::IsNull(x) => self.is_null(x, "IS NULL"),
            Expr::IsNotNull(x) => self.is_null(x, "IS NOT NULL"),
            Expr::InList {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated),
            Expr::InSubquery {
                expr,
                subquery,
                negated,
            } => self.in_subquery(expr, subquery, *negated),
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => self.between(expr, *negated, low, high),
            Expr::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char,
            } => self.like(*negated, expr, pattern, escape_char.as_deref()),
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            Expr::Cast {
                kind,
                expr,
                data_type,
                format,
            } => self.cast(kind, expr, data_type, format.is_some()),
            Expr::Extract { field, expr, .. } => self.extract(field, expr),
            Expr::Ceil { expr, field } => self.ceil_floor(expr, field, true),
            Expr::Floor { expr, field } => self.ceil_floor(expr, field, false),
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                special,
                shorthand,
            } => self.substring(
                expr,
                substring_from.as_deref(),
                substring_for.as_deref(),
                *special && *shorthand,
            ),
            Expr::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => self.trim(
                trim_where.as_ref(),
                trim_what.as_deref(),
                expr,
                trim_characters.is_some(),
            ),
            Expr::Function(f) => self.function(f),
            Expr::Exists { subquery, negated } => self.exists(subquery, *negated),
            Expr::Subquery(q) => self.scalar_subquery(q),
            Expr::OuterJoin(inner) => self.outer_join_mark(inner),
            other => Err(unsupported_expr(other)),
        }
    }

    fn compound_identifier(&mut self, parts: &[Ident]) -> Result<Sql, Error> {
        match parts {
            [name] => self.identifier(name),
            [qualifier, name] => Ok(self.resolve(Some(qualifier), name)?.sql),
            _ => Err(Error::UnknownField {
                field: parts
                    .iter()
                    .map(|p| p.value.to_lowercase())
                    .collect::<Vec<_>>()
                    .join("."),
                record: None,
            }),
        }
    }

    fn nested(&mut self, inner: &Expr) -> Result<Sql, Error> {
        let inner = self.expr(inner)?;
        Ok(Sql {
            text: format!("({})", inner.text),
            prec: prec::ATOM,
            ..inner
        })
    }

    fn unary(&mut self, op: &UnaryOperator, expr: &Expr) -> Result<Sql, Error> {
        match op {
            UnaryOperator::Plus => self.expr(expr),
            UnaryOperator::Minus => {
                let x = self.expr(expr)?;
                let number = x.number().map(|n| -n);
                let mut out = Sql::op(
                    format!("-{}", x.into_operand(prec::ATOM)),
                    Ty::Number,
                    prec::UNARY,
                );
                out.set_number(number);
                Ok(out)
            }
            UnaryOperator::Not => {
                let x = self.expr(expr)?;
                Ok(Sql::op(
                    format!("NOT {}", x.into_operand(prec::NOT)),
                    Ty::Number,
                    prec::NOT,
                ))
            }
            other => Err(Error::unsupported(format!("operator {other}"))),
        }
    }

    fn is_null(&mut self, x: &Expr, test: &str) -> Result<Sql, Error> {
        let x = self.expr(x)?;
        Ok(Sql::op(
            format!("{} {test}", x.into_operand(prec::EQ + 1)),
            Ty::Number,
            prec::EQ,
        ))
    }

    fn in_list(&mut self, expr: &Expr, list: &[Expr], negated: bool) -> Result<Sql, Error> {
        let mut x = self.expr(expr)?;
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            items.push(self.expr(item)?);
        }
        if x.ty == Ty::Date && items.iter().any(|i| i.ty == Ty::DateTime) {
            x = as_datetime(x);
        }
        let items: Vec<String> = items
            .into_iter()
            .map(|i| harmonize(x.clone(), i, self.date_format).1.text)
            .collect();
        let not = if negated { "NOT " } else { "" };
        let out = Sql::op(
            format!(
                "{} {not}IN ({})",
                x.into_operand(prec::EQ + 1),
                items.join(", ")
            ),
            Ty::Number,
            prec::EQ,
        );
        Self::check_size(&out)?;
        Ok(out)
    }

    fn in_subquery(&mut self, expr: &Expr, subquery: &Query, negated: bool) -> Result<Sql, Error> {
        let x = self.expr(expr)?;
        let q = self.query(subquery)?;
        if q.columns.len() != 1 {
            return Err(Error::invalid("the subquery of IN must return one column"));
        }
        let not = if negated { "NOT " } else { "" };
        Ok(Sql::op(
            format!("{} {not}IN ({})", x.into_operand(prec::EQ + 1), q.sql),
            Ty::Number,
            prec::EQ,
        ))
    }

    fn between(
        &mut self,
        expr: &Expr,
        negated: bool,
        low: &Expr,
        high: &Expr,
    ) -> Result<Sql, Error> {
        let mut x = self.expr(expr)?;
        let low = self.expr(low)?;
        let high = self.expr(high)?;
        if x.ty == Ty::Date && (low.ty == Ty::DateTime || high.ty == Ty::DateTime) {
            x = as_datetime(x);
        }
        let low = harmonize(x.clone(), low, self.date_format).1;
        let high = harmonize(x.clone(), high, self.date_format).1;
        let not = if negated { "NOT " } else { "" };
        Ok(Sql::op(
            format!(
                "{} {not}BETWEEN {} AND {}",
                x.into_operand(prec::EQ + 1),
                low.into_operand(prec::EQ + 1),
                high.into_operand(prec::EQ + 1)
            ),
            Ty::Number,
            prec::EQ,
        ))
    }

    fn case(
        &mut self,
        operand: Option<&Expr>,
        conditions: &[CaseWhen],
        else_result: Option<&Expr>,
    ) -> Result<Sql, Error> {
        let mut out = String::from("CASE");
        if let Some(op) = operand {
            out.push(' ');
            out.push_str(&self.expr(op)?.text);
        }
        let mut ty = Ty::Unknown;
        for when in conditions {
            let c = self.expr(&when.condition)?;
            let r = self.expr(&when.result)?;
            if ty == Ty::Unknown {
                ty = r.ty;
            }
            out.push_str(" WHEN ");
            out.push_str(&c.text);
            out.push_str(" THEN ");
            out.push_str(&r.text);
        }
        if let Some(e) = else_result {
            let e = self.expr(e)?;
            if ty == Ty::Unknown {
                ty = e.ty;
            }
            out.push_str(" ELSE ");
            out.push_str(&e.text);
        }
        out.push_str(" END");
        Ok(Sql::atom(out, ty))
    }

    fn cast(
        &mut self,
        kind: &CastKind,
        expr: &Expr,
        data_type: &DataType,
        has_format: bool,
    ) -> Result<Sql, Error> {
        if *kind != CastKind::Cast {
            return Err(Error::unsupported(match kind {
                CastKind::DoubleColon => "the :: cast",
                _ => "TRY_CAST / SAFE_CAST",
            }));
        }
        if has_format {
            return Err(Error::unsupported("CAST ... FORMAT"));
        }
        let x = self.expr(expr)?;
        cast_to(x, data_type)
    }

    fn extract(&mut self, field: &DateTimeField, expr: &Expr) -> Result<Sql, Error> {
        let f = match field {
            DateTimeField::Year => "%Y",
            DateTimeField::Month => "%m",
            DateTimeField::Day => "%d",
            DateTimeField::Hour => "%H",
            DateTimeField::Minute => "%M",
            DateTimeField::Second => "%S",
            other => return Err(Error::unsupported(format!("EXTRACT({other})"))),
        };
        let x = self.expr(expr)?;
        Ok(Sql::atom(
            format!("CAST(strftime('{f}', {}) AS INTEGER)", x.text),
            Ty::Number,
        ))
    }

    fn ceil_floor(&mut self, expr: &Expr, field: &CeilFloorKind, ceil: bool) -> Result<Sql, Error> {
        if !matches!(
            field,
            CeilFloorKind::DateTimeField(DateTimeField::NoDateTime)
        ) {
            return Err(Error::unsupported("CEIL / FLOOR with a scale or unit"));
        }
        let x = self.expr(expr)?;
        Ok(floor_ceil(&x, ceil))
    }

    fn substring(
        &mut self,
        expr: &Expr,
        from: Option<&Expr>,
        length: Option<&Expr>,
        substr: bool,
    ) -> Result<Sql, Error> {
        if !substr {
            return Err(Error::unsupported("function SUBSTRING (use SUBSTR)"));
        }
        let Some(from) = from else {
            return Err(Error::arguments("SUBSTR", "2 or 3 arguments"));
        };
        let mut args: Vec<&Expr> = vec![expr, from];
        if let Some(f) = length {
            args.push(f);
        }
        self.substr(&args)
    }

    fn trim(
        &mut self,
        trim_where: Option<&TrimWhereField>,
        trim_what: Option<&Expr>,
        expr: &Expr,
        has_characters: bool,
    ) -> Result<Sql, Error> {
        if has_characters {
            return Err(Error::unsupported("TRIM with a list of characters"));
        }
        let x = self.expr(expr)?;
        let name = match trim_where {
            None | Some(TrimWhereField::Both) => "trim",
            Some(TrimWhereField::Leading) => "ltrim",
            Some(TrimWhereField::Trailing) => "rtrim",
        };
        let text = match trim_what {
            Some(what) => {
                let what = self.expr(what)?;
                call(name, &[&x.text, &what.text])
            }
            None => call(name, &[&x.text]),
        };
        Ok(Sql::atom(text, Ty::Text))
    }

    fn exists(&mut self, subquery: &Query, negated: bool) -> Result<Sql, Error> {
        let q = self.query(subquery)?;
        if negated {
            Ok(Sql::op(
                format!("NOT EXISTS ({})", q.sql),
                Ty::Number,
                prec::NOT,
            ))
        } else {
            Ok(Sql::atom(format!("EXISTS ({})", q.sql), Ty::Number))
        }
    }

    fn scalar_subquery(&mut self, q: &Query) -> Result<Sql, Error> {
        let q = self.query(q)?;
        if q.columns.len() != 1 {
            return Err(Error::invalid(
                "a subquery used as a value must return one column",
            ));
        }
        Ok(Sql::atom(format!("({})", q.sql), q.columns[0].ty))
    }

    /// An unqualified name: a pseudo-column (`ROWNUM`, `SYSDATE`) or a column.
    fn identifier(&mut self, id: &Ident) -> Result<Sql, Error> {
        if id.quote_style.is_none() {
            match id.value.to_ascii_uppercase().as_str() {
                "ROWNUM" => return self.rownum_column(),
                "SYSDATE" | "SYSTIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
                | "LOCALTIMESTAMP" => {
                    return Ok(self.now());
                }
                "TRUE" | "FALSE" => {
                    return Err(Error::unsupported("TRUE / FALSE (use 'T' and 'F')"));
                }
                "ROWID" | "LEVEL" | "USER" | "UID" | "CONNECT_BY_ROOT" => {
                    return Err(Error::unsupported(format!(
                        "pseudo-column {}",
                        id.value.to_ascii_uppercase()
                    )));
                }
                _ => {}
            }
        }
        Ok(self.resolve(None, id)?.sql)
    }

    /// `ROWNUM` outside a `ROWNUM <= n` condition: the row's number.
    fn rownum_column(&mut self) -> Result<Sql, Error> {
        match self.scope().clause {
            Clause::Select | Clause::OrderBy => Ok(Sql::atom("row_number() OVER ()", Ty::Number)),
            clause => Err(Error::unsupported(format!(
                "ROWNUM in {} (only ROWNUM <= n, < n or = 1 as a condition of its own in WHERE)",
                clause.name()
            ))),
        }
    }

    /// `column(+)`: an Oracle outer join marker in a WHERE condition.
    fn outer_join_mark(&mut self, inner: &Expr) -> Result<Sql, Error> {
        let (qualifier, name) = match inner {
            Expr::Identifier(id) => (None, id),
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => (Some(&parts[0]), &parts[1]),
            _ => return Err(Error::unsupported("(+) on something other than a column")),
        };
        let scope = self.scope();
        if scope.outer_join_marks.is_none() || scope.no_outer_join > 0 {
            return Err(Error::unsupported(
                "the (+) outer join operator outside a WHERE condition of its own (in OR, a subquery, ...)",
            ));
        }
        let resolved = self.resolve(qualifier, name)?;
        let current = self.scopes.len() - 1;
        let alias = match &resolved.found {
            Some((level, alias)) if *level == current => alias.clone(),
            _ => return Err(Error::unsupported("(+) on a column of an outer query")),
        };
        let scope = self.scope();
        if let Some(marks) = &mut scope.outer_join_marks
            && !marks.contains(&alias)
        {
            marks.push(alias);
        }
        Ok(resolved.sql)
    }

    /// A chain of binary operators, walked iteratively (chains can be long).
    fn binary_chain(&mut self, e: &Expr) -> Result<Sql, Error> {
        let mut chain: Vec<(&BinaryOperator, &Expr)> = Vec::new();
        let mut base = e;
        // An AND (OR) chain is followed only through AND (OR): its leftmost
        // operand is a condition of its own.
        let logical = match e {
            Expr::BinaryOp { op, .. } if matches!(op, BinaryOperator::And | BinaryOperator::Or) => {
                Some(op)
            }
            _ => None,
        };
        while let Expr::BinaryOp { left, op, right } = base {
            if logical.is_some_and(|l| l != op) {
                break;
            }
            chain.push((op, right));
            base = left;
        }
        chain.reverse();
        let has_or = chain.iter().any(|(op, _)| **op == BinaryOperator::Or);
        if has_or {
            self.scope().no_outer_join += 1;
        }
        let out = self.fold_chain(base, &chain);
        if has_or {
            self.scope().no_outer_join -= 1;
        }
        out
    }

    fn fold_chain(
        &mut self,
        base: &Expr,
        chain: &[(&BinaryOperator, &Expr)],
    ) -> Result<Sql, Error> {
        for (logical, keyword, p) in [
            (BinaryOperator::And, "AND", prec::AND),
            (BinaryOperator::Or, "OR", prec::OR),
        ] {
            if chain.iter().all(|(op, _)| **op == logical) {
                let mut parts = Vec::with_capacity(chain.len() + 1);
                parts.push(self.expr(base)?);
                for (_, right) in chain {
                    parts.push(self.expr(right)?);
                }
                let out = join_all(parts, keyword, p);
                Self::check_size(&out)?;
                return Ok(out);
            }
        }
        let mut acc = self.expr(base)?;
        let mut concat: Vec<Sql> = Vec::new();
        for (op, right) in chain {
            let r = self.expr(right)?;
            if **op == BinaryOperator::StringConcat {
                if concat.is_empty() {
                    concat.push(acc);
                }
                concat.push(r);
                acc = Sql::atom("", Ty::Text);
                continue;
            }
            if !concat.is_empty() {
                acc = concatenate(std::mem::take(&mut concat));
            }
            acc = binary(acc, op, r, self.date_format)?;
            Self::check_size(&acc)?;
        }
        if !concat.is_empty() {
            acc = concatenate(concat);
        }
        Ok(acc)
    }

    /// `x LIKE pattern [ESCAPE c]` as a case-sensitive GLOB, as Oracle's LIKE
    /// is case-sensitive and SQLite's is not.
    fn like(
        &mut self,
        negated: bool,
        expr: &Expr,
        pattern: &Expr,
        escape: Option<&Expr>,
    ) -> Result<Sql, Error> {
        let x = self.expr(expr)?;
        let escape = match escape {
            None => None,
            Some(e) => match literal_string(e) {
                Some(s) if s.chars().count() == 1 => s.chars().next(),
                _ => return Err(Error::invalid("ESCAPE must be a single character")),
            },
        };
        let glob = match literal_string(pattern) {
            Some(p) => string(&like_to_glob(p, escape)?),
            None => {
                if escape.is_some() {
                    return Err(Error::unsupported(
                        "LIKE ... ESCAPE with a pattern that is not a literal",
                    ));
                }
                let p = self.expr(pattern)?;
                format!(
                    "replace(replace(replace(replace(replace({}, '[', '[[]'), '*', '[*]'), '?', '[?]'), '%', '*'), '_', '?')",
                    p.text
                )
            }
        };
        let not = if negated { "NOT " } else { "" };
        Ok(Sql::op(
            format!("{} {not}GLOB {glob}", x.into_operand(prec::EQ + 1)),
            Ty::Number,
            prec::EQ,
        ))
    }
}

impl Sql {
    /// The value of a numeric literal, if this is one.
    pub(crate) fn number(&self) -> Option<f64> {
        if self.ty != Ty::Number {
            return None;
        }
        self.literal.as_deref().and_then(|l| l.parse().ok())
    }

    pub(crate) fn set_number(&mut self, n: Option<f64>) {
        if let Some(n) = n {
            self.literal = Some(n.to_string());
        }
    }

    /// The value of a string literal, if this is one.
    pub(crate) fn text_literal(&self) -> Option<&str> {
        if self.ty == Ty::Number {
            return None;
        }
        self.literal.as_deref()
    }
}

/// The error for an expression outside the supported subset.
fn unsupported_expr(e: &Expr) -> Error {
    Error::unsupported(match e {
        Expr::Like { any: true, .. } => "LIKE ANY",
        Expr::ILike { .. } => "ILIKE",
        Expr::SimilarTo { .. } => "SIMILAR TO",
        Expr::RLike { .. } => "REGEXP",
        Expr::AnyOp { .. } => "ANY / SOME comparison",
        Expr::AllOp { .. } => "ALL comparison",
        Expr::Tuple(_) => "row values (a, b)",
        Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => "* in an expression",
        Expr::Collate { .. } => "COLLATE",
        Expr::AtTimeZone { .. } => "AT TIME ZONE",
        Expr::Interval(_) => "INTERVAL",
        Expr::Prior(_) => "PRIOR (CONNECT BY)",
        Expr::Convert { .. } => "CONVERT",
        Expr::Position { .. } => "POSITION",
        Expr::Overlay { .. } => "OVERLAY",
        Expr::IsTrue(_)
        | Expr::IsNotTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotFalse(_)
        | Expr::IsUnknown(_)
        | Expr::IsNotUnknown(_) => "IS TRUE / FALSE / UNKNOWN",
        Expr::IsDistinctFrom(..) | Expr::IsNotDistinctFrom(..) => "IS [NOT] DISTINCT FROM",
        Expr::GroupingSets(_) | Expr::Cube(_) | Expr::Rollup(_) => "GROUPING SETS, CUBE or ROLLUP",
        Expr::Array(_) | Expr::Map(_) | Expr::Struct { .. } | Expr::Dictionary(_) => {
            "arrays, maps and structs"
        }
        Expr::CompoundFieldAccess { .. } | Expr::JsonAccess { .. } => "field access and subscripts",
        Expr::Lambda(_) => "lambda functions",
        Expr::MemberOf(_) => "MEMBER OF",
        Expr::MatchAgainst { .. } => "MATCH ... AGAINST",
        _ => "this kind of expression",
    })
}

/// A literal value.
fn value(v: &Value) -> Result<Sql, Error> {
    match v {
        Value::Number(n, long) => {
            if *long || !is_number(n) {
                return Err(Error::unsupported(format!("numeric literal {n}")));
            }
            let mut sql = Sql::atom(n.clone(), Ty::Number);
            sql.literal = Some(n.clone());
            sql.not_null = true;
            Ok(sql)
        }
        Value::SingleQuotedString(s) | Value::NationalStringLiteral(s) => Ok(Sql::string(s)),
        Value::QuoteDelimitedStringLiteral(q) | Value::NationalQuoteDelimitedStringLiteral(q) => {
            Ok(Sql::string(&q.value))
        }
        Value::Null => Ok(Sql::atom("NULL", Ty::Unknown)),
        Value::Boolean(_) => Err(Error::unsupported("TRUE / FALSE (use 'T' and 'F')")),
        Value::Placeholder(p) => Err(Error::unsupported(format!("bind parameter {p}"))),
        Value::DoubleQuotedString(_) => Err(Error::unsupported("double-quoted string")),
        _ => Err(Error::unsupported("this kind of literal")),
    }
}

fn is_number(n: &str) -> bool {
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(i) => (&n[..i], Some(&n[i + 1..])),
        None => (n, None),
    };
    let digits = mantissa.chars().filter(char::is_ascii_digit).count();
    digits > 0
        && mantissa.chars().filter(|c| *c == '.').count() <= 1
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
        })
}

/// `DATE '2024-01-15'`, `TIMESTAMP '2024-01-15 10:00:00'`.
fn typed_string(ts: &TypedString) -> Result<Sql, Error> {
    let Value::SingleQuotedString(text) = &ts.value.value else {
        return Err(Error::unsupported("this kind of typed literal"));
    };
    let parsed = parse_loose_date(text).filter(|_| !text.contains('/'));
    match (&ts.data_type, parsed) {
        (DataType::Date, Some(d)) if !d.has_time => Ok(date_literal(&d.date_text(), Ty::Date)),
        (DataType::Timestamp(..) | DataType::Datetime(_), Some(d)) => {
            Ok(date_literal(&d.datetime_text(), Ty::DateTime))
        }
        (DataType::Date | DataType::Timestamp(..) | DataType::Datetime(_), None) => Err(
            Error::invalid(format!("'{text}' is not a valid date literal")),
        ),
        _ => Err(Error::unsupported(format!("{} literal", ts.data_type))),
    }
}

/// A date or date-time literal (as text in the canonical form).
pub(crate) fn date_literal(text: &str, ty: Ty) -> Sql {
    let mut sql = Sql::string(text);
    sql.ty = ty;
    sql
}

/// A date as a date-time (midnight), for comparisons with date-times.
pub(crate) fn as_datetime(x: Sql) -> Sql {
    if x.ty != Ty::Date {
        return x;
    }
    if let Some(d) = x.text_literal().and_then(parse_loose_date) {
        return date_literal(&d.datetime_text(), Ty::DateTime);
    }
    Sql::atom(
        format!("strftime('{DATETIME_FORMAT}', {})", x.text),
        Ty::DateTime,
    )
}

/// Makes the two sides of a comparison comparable as text: a date against a
/// date-time compares as date-times, and a string literal against a date is
/// read as a date (in the user's date format, `'1/15/2024'`, `'2024-01-15'`) in
/// the date's form.
pub(crate) fn harmonize(l: Sql, r: Sql, user: Option<DateFormat>) -> (Sql, Sql) {
    match (l.ty, r.ty) {
        (Ty::Date, Ty::DateTime) => (as_datetime(l), r),
        (Ty::DateTime, Ty::Date) => (l, as_datetime(r)),
        (Ty::Date | Ty::DateTime, Ty::Text) => {
            match r.text_literal().and_then(|t| parse_compared_date(t, user)) {
                Some(d) if l.ty == Ty::DateTime || d.has_time => (
                    as_datetime(l),
                    date_literal(&d.datetime_text(), Ty::DateTime),
                ),
                Some(d) => (l, date_literal(&d.date_text(), Ty::Date)),
                None => (l, r),
            }
        }
        (Ty::Text, Ty::Date | Ty::DateTime) => {
            let (r, l) = harmonize(r, l, user);
            (l, r)
        }
        _ => (l, r),
    }
}

/// `left op right`.
fn binary(l: Sql, op: &BinaryOperator, r: Sql, user: Option<DateFormat>) -> Result<Sql, Error> {
    use BinaryOperator as B;
    Ok(match op {
        B::And => Sql::binary(l, "AND", r, prec::AND, Ty::Number),
        B::Or => Sql::binary(l, "OR", r, prec::OR, Ty::Number),
        B::Eq | B::NotEq | B::Lt | B::LtEq | B::Gt | B::GtEq => {
            let (l, r) = harmonize(l, r, user);
            let (text, p) = match op {
                B::Eq => ("=", prec::EQ),
                B::NotEq => ("<>", prec::EQ),
                B::Lt => ("<", prec::CMP),
                B::LtEq => ("<=", prec::CMP),
                B::Gt => (">", prec::CMP),
                _ => (">=", prec::CMP),
            };
            Sql::binary(l, text, r, p, Ty::Number)
        }
        B::Plus | B::Minus => additive(l, *op == B::Minus, r),
        B::Multiply => Sql::binary(l, "*", r, prec::MUL, Ty::Number),
        // Oracle divides exactly; SQLite divides integers as integers.
        B::Divide => Sql::binary(
            Sql::atom(format!("CAST({} AS REAL)", l.text), Ty::Number),
            "/",
            r,
            prec::MUL,
            Ty::Number,
        ),
        B::Modulo => return Err(Error::unsupported("operator % (use MOD)")),
        other => return Err(Error::unsupported(format!("operator {other}"))),
    })
}

/// `+` and `-`, with Oracle's date arithmetic (date ± days, date - date).
fn additive(l: Sql, minus: bool, r: Sql) -> Sql {
    match (l.ty.is_date(), r.ty.is_date()) {
        (true, true) if minus => Sql::binary(
            Sql::atom(format!("julianday({})", l.text), Ty::Number),
            "-",
            Sql::atom(format!("julianday({})", r.text), Ty::Number),
            prec::ADD,
            Ty::Number,
        ),
        (true, false) => shift_days(l, r, minus),
        (false, true) if !minus => shift_days(r, l, false),
        _ => Sql::binary(l, if minus { "-" } else { "+" }, r, prec::ADD, Ty::Number),
    }
}

/// `date + days` (days may be fractional).
fn shift_days(date: Sql, days: Sql, minus: bool) -> Sql {
    let modifier = match days.number() {
        Some(n) => {
            let n = if minus { -n } else { n };
            string(&format!(
                "{}{} days",
                if n < 0.0 { "-" } else { "+" },
                format_number(n.abs())
            ))
        }
        None => format!(
            "printf('%+.6f days', {}{})",
            if minus { "-" } else { "" },
            days.into_operand(prec::ATOM)
        ),
    };
    if date.ty == Ty::Date {
        Sql::atom(format!("date({}, {modifier})", date.text), Ty::Date)
    } else {
        Sql::atom(
            format!("strftime('{DATETIME_FORMAT}', {}, {modifier})", date.text),
            Ty::DateTime,
        )
    }
}

pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// `a || b || c` with Oracle's semantics: NULL is an empty string, and an
/// empty result is NULL.
pub(crate) fn concatenate(parts: Vec<Sql>) -> Sql {
    let inner: Vec<String> = parts
        .into_iter()
        .map(|p| {
            if p.not_null && p.text_literal().is_some() {
                p.text
            } else {
                format!("ifnull({}, '')", p.text)
            }
        })
        .collect();
    Sql::atom(format!("nullif({}, '')", inner.join(" || ")), Ty::Text)
}

/// `FLOOR(x)` / `CEIL(x)` without SQLite's math functions.
pub(crate) fn floor_ceil(x: &Sql, ceil: bool) -> Sql {
    let t = x.operand(prec::CMP + 1);
    let text = if ceil {
        format!(
            "(CAST({0} AS INTEGER) + ({1} > CAST({0} AS INTEGER)))",
            x.text, t
        )
    } else {
        format!(
            "(CAST({0} AS INTEGER) - ({1} < CAST({0} AS INTEGER)))",
            x.text, t
        )
    };
    Sql::atom(text, Ty::Number)
}

/// `CAST(x AS type)` with Oracle type names.
fn cast_to(x: Sql, data_type: &DataType) -> Result<Sql, Error> {
    let name = data_type.to_string().to_ascii_uppercase();
    let base = name.split('(').next().unwrap_or("").trim();
    let (sqlite, ty) = match base {
        "NUMBER" | "NUMERIC" | "DECIMAL" | "DEC" => ("NUMERIC", Ty::Number),
        "INTEGER" | "INT" | "SMALLINT" | "BIGINT" => ("INTEGER", Ty::Number),
        "FLOAT" | "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "BINARY_FLOAT" | "BINARY_DOUBLE" => {
            ("REAL", Ty::Number)
        }
        "VARCHAR2" | "VARCHAR" | "NVARCHAR2" | "NVARCHAR" | "CHAR" | "NCHAR" | "CLOB" | "NCLOB"
        | "TEXT" | "CHARACTER VARYING" | "CHARACTER" => ("TEXT", Ty::Text),
        "DATE" => return Ok(Sql::atom(format!("date({})", x.text), Ty::Date)),
        "TIMESTAMP" => {
            return Ok(Sql::atom(
                format!("strftime('{DATETIME_FORMAT}', {})", x.text),
                Ty::DateTime,
            ));
        }
        _ => return Err(Error::unsupported(format!("CAST to {name}"))),
    };
    Ok(Sql::atom(format!("CAST({} AS {sqlite})", x.text), ty))
}

/// A LIKE pattern as a GLOB pattern.
fn like_to_glob(pattern: &str, escape: Option<char>) -> Result<String, Error> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let (c, literal) = if Some(c) == escape {
            match chars.next() {
                Some(next) => (next, true),
                None => {
                    return Err(Error::invalid(
                        "a LIKE pattern ends with its escape character",
                    ));
                }
            }
        } else {
            (c, false)
        };
        match c {
            '%' if !literal => out.push('*'),
            '_' if !literal => out.push('?'),
            '*' => out.push_str("[*]"),
            '?' => out.push_str("[?]"),
            '[' => out.push_str("[[]"),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert_eq!(like_to_glob("a%b_c", None).unwrap(), "a*b?c");
        assert_eq!(like_to_glob("*?[", None).unwrap(), "[*][?][[]");
        assert_eq!(like_to_glob("100\\%", Some('\\')).unwrap(), "100%");
        assert!(like_to_glob("x\\", Some('\\')).is_err());
    }

    #[test]
    fn numbers() {
        assert!(is_number("12"));
        assert!(is_number("1.5e-3"));
        assert!(is_number(".5"));
        assert!(!is_number("1.2.3"));
        assert!(!is_number("0x1F"));
        assert!(!is_number("1e"));
    }
}
