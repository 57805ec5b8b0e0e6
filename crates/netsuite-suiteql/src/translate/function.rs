//! Function calls: Oracle's functions as SQLite expressions, aggregates and
//! `BUILTIN.DF`.

use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectNamePart, OrderBySort,
};

use super::expr::{as_datetime, concatenate, date_literal, floor_ceil, format_number};
use super::{Clause, DISPLAY_ALIAS, Translator, literal_integer, literal_string};
use crate::Error;
use crate::format::{
    looks_like_date_format, parse_date_format, parse_date_literal, parse_loose_date,
    parse_number_format, to_char_date, to_char_number, to_date_sql,
};
use crate::model::{self, Display};
use crate::sql::{Sql, Ty, call, ident, prec, string};

/// An argument of a call: an expression or `*`.
enum Arg<'a> {
    Expr(&'a Expr),
    Star,
}

const AGGREGATES: &[&str] = &["COUNT", "SUM", "AVG", "MIN", "MAX", "LISTAGG"];

impl Translator {
    pub(crate) fn function(&mut self, f: &Function) -> Result<Sql, Error> {
        let name = function_name(f)?;
        if f.uses_odbc_syntax {
            return Err(Error::unsupported("ODBC function syntax"));
        }
        if !matches!(f.parameters, FunctionArguments::None) {
            return Err(Error::unsupported(format!(
                "function {name} with parameters"
            )));
        }
        if f.over.is_some() {
            return Err(Error::unsupported(format!("window function {name}")));
        }
        if f.filter.is_some() {
            return Err(Error::unsupported(format!("FILTER on {name}")));
        }
        if f.null_treatment.is_some() {
            return Err(Error::unsupported(format!(
                "IGNORE / RESPECT NULLS on {name}"
            )));
        }
        if !f.within_group.is_empty() && name != "LISTAGG" {
            return Err(Error::unsupported(format!("WITHIN GROUP on {name}")));
        }
        let (distinct, args) = match &f.args {
            FunctionArguments::None => {
                return match name.as_str() {
                    "CURRENT_DATE" | "CURRENT_TIMESTAMP" | "SYSDATE" | "SYSTIMESTAMP"
                    | "LOCALTIMESTAMP" => Ok(self.now()),
                    _ => Err(Error::unsupported(format!("function {name}"))),
                };
            }
            FunctionArguments::Subquery(_) => {
                return Err(Error::unsupported(format!("function {name} on a subquery")));
            }
            FunctionArguments::List(list) => {
                if !list.clauses.is_empty() {
                    return Err(Error::unsupported(format!(
                        "clauses in the arguments of {name}"
                    )));
                }
                let mut args = Vec::with_capacity(list.args.len());
                for a in &list.args {
                    args.push(match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Arg::Expr(e),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => Arg::Star,
                        FunctionArg::Unnamed(_) => {
                            return Err(Error::unsupported(format!(
                                "table.* as an argument of {name}"
                            )));
                        }
                        _ => return Err(Error::unsupported(format!("named arguments of {name}"))),
                    });
                }
                (
                    matches!(list.duplicate_treatment, Some(DuplicateTreatment::Distinct)),
                    args,
                )
            }
        };
        if AGGREGATES.contains(&name.as_str()) {
            return self.aggregate(&name, distinct, &args, f);
        }
        if distinct {
            return Err(Error::unsupported(format!("DISTINCT in {name}")));
        }
        let mut exprs = Vec::with_capacity(args.len());
        for a in &args {
            match a {
                Arg::Expr(e) => exprs.push(*e),
                Arg::Star => return Err(Error::unsupported(format!("* as an argument of {name}"))),
            }
        }
        let sql = self.scalar(&name, &exprs)?;
        Self::check_size(&sql)?;
        Ok(sql)
    }

    /// Translates all arguments.
    fn args(&mut self, args: &[&Expr]) -> Result<Vec<Sql>, Error> {
        args.iter().map(|a| self.expr(a)).collect()
    }

    /// Dispatches on the function name (one small function each: see
    /// `expr_inner`).
    fn scalar(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        match name {
            "NVL" => self.call_nvl(name, args),
            "NVL2" => self.call_nvl2(name, args),
            "COALESCE" | "GREATEST" | "LEAST" => self.call_coalesce(name, args),
            "NULLIF" => self.call_nullif(name, args),
            "DECODE" => self.call_decode(name, args),
            "ABS" | "SIGN" => self.call_abs(name, args),
            "FLOOR" | "CEIL" => self.call_floor(name, args),
            "MOD" => self.call_mod(name, args),
            "ROUND" => self.call_round(name, args),
            "TRUNC" => self.call_trunc(name, args),
            "UPPER" | "LOWER" | "LENGTH" => self.call_upper(name, args),
            "LTRIM" | "RTRIM" => self.call_ltrim(name, args),
            "TRIM" => self.call_trim(name, args),
            "SUBSTR" => self.substr(args),
            "INSTR" => self.call_instr(name, args),
            "REPLACE" => self.call_replace(name, args),
            "LPAD" | "RPAD" => self.call_lpad(name, args),
            "CONCAT" => self.call_concat(name, args),
            "TO_CHAR" => self.call_to_char(name, args),
            "TO_DATE" | "TO_TIMESTAMP" => self.call_to_date(name, args),
            "TO_NUMBER" => self.call_to_number(name, args),
            "ADD_MONTHS" => self.call_add_months(name, args),
            "LAST_DAY" => self.call_last_day(name, args),
            "SYSDATE" | "CURRENT_DATE" | "CURRENT_TIMESTAMP" | "SYSTIMESTAMP" => {
                self.call_sysdate(name, args)
            }
            "BUILTIN.DF" => self.call_builtin_df(name, args),
            "REGEXP_LIKE" | "REGEXP_SUBSTR" | "REGEXP_REPLACE" | "REGEXP_INSTR"
            | "REGEXP_COUNT" => Err(Error::unsupported(format!("function {name}"))),
            _ => Err(Error::unsupported(format!("function {name}"))),
        }
    }

    fn call_nvl(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 2)?;
        let a = self.args(args)?;
        let ty = known(a[0].ty, a[1].ty);
        Ok(Sql::atom(call("coalesce", &[&a[0].text, &a[1].text]), ty))
    }

    fn call_nvl2(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 3, 3)?;
        let a = self.args(args)?;
        Ok(Sql::atom(
            format!(
                "CASE WHEN {} IS NOT NULL THEN {} ELSE {} END",
                a[0].operand(prec::EQ + 1),
                a[1].text,
                a[2].text
            ),
            known(a[1].ty, a[2].ty),
        ))
    }

    fn call_coalesce(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, usize::MAX)?;
        let a = self.args(args)?;
        let ty = a.iter().map(|s| s.ty).fold(Ty::Unknown, known);
        let texts: Vec<&str> = a.iter().map(|s| s.text.as_str()).collect();
        let f = match name {
            "COALESCE" => "coalesce",
            "GREATEST" => "max",
            _ => "min",
        };
        Ok(Sql::atom(call(f, &texts), ty))
    }

    fn call_nullif(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 2)?;
        let a = self.args(args)?;
        Ok(Sql::atom(
            call("nullif", &[&a[0].text, &a[1].text]),
            a[0].ty,
        ))
    }

    fn call_decode(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 3, usize::MAX)?;
        let a = self.args(args)?;
        let x = a[0].operand(prec::EQ + 1);
        let mut out = String::from("CASE");
        let mut ty = Ty::Unknown;
        let mut rest = &a[1..];
        while rest.len() >= 2 {
            // Oracle's DECODE matches NULL with NULL: IS, not =.
            out.push_str(&format!(
                " WHEN {x} IS {} THEN {}",
                rest[0].operand(prec::EQ + 1),
                rest[1].text
            ));
            ty = known(ty, rest[1].ty);
            rest = &rest[2..];
        }
        if let [default] = rest {
            out.push_str(" ELSE ");
            out.push_str(&default.text);
            ty = known(ty, default.ty);
        }
        out.push_str(" END");
        Ok(Sql::atom(out, ty))
    }

    fn call_abs(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        let a = self.args(args)?;
        Ok(Sql::atom(
            call(&name.to_ascii_lowercase(), &[&a[0].text]),
            Ty::Number,
        ))
    }

    fn call_floor(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        let a = self.args(args)?;
        Ok(floor_ceil(&a[0], name == "CEIL"))
    }

    fn call_mod(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 2)?;
        let a = self.args(args)?;
        let (x, y) = (a[0].operand(prec::ADD), a[1].operand(prec::MUL + 1));
        Ok(Sql::atom(
            format!(
                "CASE WHEN {y} = 0 THEN {x} ELSE {x} - {y} * CAST({} / {y} AS INTEGER) END",
                format_args!("CAST({} AS REAL)", a[0].text)
            ),
            Ty::Number,
        ))
    }

    fn call_round(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let x = self.expr(args[0])?;
        if x.ty.is_date() {
            return Err(Error::unsupported("ROUND on a date"));
        }
        let digits = match args.get(1) {
            None => Some(0),
            Some(d) => literal_integer(d),
        };
        let text = match digits {
            Some(0) => format!("CAST(round({}) AS INTEGER)", x.text),
            Some(d) if d > 0 => format!("round({}, {d})", x.text),
            Some(d) if d >= -15 => {
                let p = 10i64.pow(u32::try_from(-d).unwrap_or(0));
                format!(
                    "CAST(round({} / {p}.0) AS INTEGER) * {p}",
                    x.operand(prec::MUL + 1)
                )
            }
            Some(_) => "0".to_owned(),
            None => {
                let d = self.expr(args[1])?;
                format!("round({}, {})", x.text, d.text)
            }
        };
        Ok(Sql::atom(text, Ty::Number))
    }

    fn call_trunc(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let x = self.expr(args[0])?;
        let unit = args.get(1).map(|a| (literal_string(a), a));
        match unit {
            None if x.ty.is_date() => Ok(Sql::atom(format!("date({})", x.text), Ty::Date)),
            None if x.ty == Ty::Number => Ok(Sql::atom(
                format!("CAST({} AS INTEGER)", x.text),
                Ty::Number,
            )),
            None => Ok(Sql::atom(
                format!(
                    "CASE WHEN typeof({0}) IN ('integer', 'real') THEN CAST({0} AS INTEGER) ELSE date({0}) END",
                    x.text
                ),
                Ty::Unknown,
            )),
            Some((Some(unit), _)) => trunc_date(&x, unit),
            Some((None, digits)) => {
                let Some(d) = literal_integer(digits) else {
                    return Err(Error::unsupported(
                        "TRUNC with a number of digits that is not a literal",
                    ));
                };
                Ok(trunc_number(&x, d))
            }
        }
    }

    fn call_upper(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        let a = self.args(args)?;
        let ty = if name == "LENGTH" {
            Ty::Number
        } else {
            Ty::Text
        };
        Ok(Sql::atom(
            call(&name.to_ascii_lowercase(), &[&a[0].text]),
            ty,
        ))
    }

    fn call_ltrim(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let a = self.args(args)?;
        let texts: Vec<&str> = a.iter().map(|s| s.text.as_str()).collect();
        Ok(Sql::atom(
            call(&name.to_ascii_lowercase(), &texts),
            Ty::Text,
        ))
    }

    fn call_trim(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        let a = self.args(args)?;
        Ok(Sql::atom(call("trim", &[&a[0].text]), Ty::Text))
    }

    fn call_instr(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 4)?;
        let a = self.args(&args[..2])?;
        let position = match args.get(2) {
            None => 1,
            Some(p) => literal_integer(p).filter(|p| *p >= 1).ok_or_else(|| {
                Error::unsupported("INSTR with a start position that is not a positive literal")
            })?,
        };
        if let Some(o) = args.get(3)
            && literal_integer(o) != Some(1)
        {
            return Err(Error::unsupported("INSTR with an occurrence other than 1"));
        }
        if position == 1 {
            return Ok(Sql::atom(
                call("instr", &[&a[0].text, &a[1].text]),
                Ty::Number,
            ));
        }
        let found = format!("instr(substr({}, {position}), {})", a[0].text, a[1].text);
        Ok(Sql::atom(
            format!(
                "CASE WHEN {found} > 0 THEN {found} + {} ELSE 0 END",
                position - 1
            ),
            Ty::Number,
        ))
    }

    fn call_replace(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 3)?;
        let a = self.args(args)?;
        let with = match a.get(2) {
            None => "''".to_owned(),
            Some(w) if w.not_null => w.text.clone(),
            Some(w) => format!("ifnull({}, '')", w.text),
        };
        Ok(Sql::atom(
            call("replace", &[&a[0].text, &a[1].text, &with]),
            Ty::Text,
        ))
    }

    fn call_lpad(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 3)?;
        let x = self.expr(args[0])?;
        let width = literal_integer(args[1])
            .filter(|w| *w <= 4000)
            .ok_or_else(|| {
                Error::unsupported(format!(
                    "{name} with a length that is not a literal up to 4000"
                ))
            })?;
        let pad = match args.get(2) {
            None => " ",
            Some(p) => literal_string(p).ok_or_else(|| {
                Error::unsupported(format!("{name} with padding that is not a literal"))
            })?,
        };
        if width < 1 || pad.is_empty() {
            return Ok(Sql::atom("NULL", Ty::Text));
        }
        let width = usize::try_from(width).unwrap_or(0);
        let padding: String = pad.chars().cycle().take(width).collect();
        let padding = string(&padding);
        let s = &x.text;
        let text = if name == "LPAD" {
            format!(
                "CASE WHEN length({s}) >= {width} THEN substr({s}, 1, {width}) ELSE substr({padding}, 1, {width} - length({s})) || {s} END"
            )
        } else {
            format!(
                "CASE WHEN length({s}) >= {width} THEN substr({s}, 1, {width}) ELSE {s} || substr({padding}, 1, {width} - length({s})) END"
            )
        };
        Ok(Sql::atom(text, Ty::Text))
    }

    fn call_concat(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 2)?;
        let a = self.args(args)?;
        Ok(concatenate(a))
    }

    fn call_to_char(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let x = self.expr(args[0])?;
        self.char_of(x, args.get(1).copied())
    }

    fn call_to_date(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let out = self.date_of(args[0], args.get(1).copied())?;
        Ok(if name == "TO_TIMESTAMP" {
            as_datetime(out)
        } else {
            out
        })
    }

    fn call_to_number(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 2)?;
        let x = self.expr(args[0])?;
        let group = match args.get(1) {
            None => false,
            Some(f) => {
                let Some(format) = literal_string(f).and_then(parse_number_format) else {
                    return Err(Error::unsupported("this TO_NUMBER format"));
                };
                format.has_group()
            }
        };
        if x.ty == Ty::Number {
            return Ok(x);
        }
        let text = if group {
            format!("CAST(replace({}, ',', '') AS NUMERIC)", x.text)
        } else {
            format!("CAST({} AS NUMERIC)", x.text)
        };
        Ok(Sql::atom(text, Ty::Number))
    }

    fn call_add_months(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 2, 2)?;
        let d = self.expr(args[0])?;
        let months = match literal_integer(args[1]) {
            Some(m) => string(&format!("{m:+} months")),
            None => {
                let m = self.expr(args[1])?;
                format!("printf('%+d months', {})", m.text)
            }
        };
        Ok(add_months(&d, &months))
    }

    fn call_last_day(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        let d = self.expr(args[0])?;
        let day = format!("date({}, 'start of month', '+1 month', '-1 day')", d.text);
        Ok(keep_time(&d, day))
    }

    fn call_sysdate(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 0, 0)?;
        Ok(self.now())
    }

    fn call_builtin_df(&mut self, name: &str, args: &[&Expr]) -> Result<Sql, Error> {
        arity(name, args.len(), 1, 1)?;
        self.display(args[0])
    }

    /// `SUBSTR(s, position [, length])` with Oracle's position 0 and negative lengths.
    pub(crate) fn substr(&mut self, args: &[&Expr]) -> Result<Sql, Error> {
        if !(2..=3).contains(&args.len()) {
            return Err(Error::arguments("SUBSTR", "2 or 3 arguments"));
        }
        let s = self.expr(args[0])?;
        let position = match literal_integer(args[1]) {
            Some(0) => "1".to_owned(),
            _ => self.expr(args[1])?.text,
        };
        match args.get(2) {
            None => Ok(Sql::atom(call("substr", &[&s.text, &position]), Ty::Text)),
            Some(len) if literal_integer(len).is_some_and(|l| l < 1) => {
                Ok(Sql::atom("NULL", Ty::Text))
            }
            Some(len) => {
                let len = self.expr(len)?;
                Ok(Sql::atom(
                    call("substr", &[&s.text, &position, &len.text]),
                    Ty::Text,
                ))
            }
        }
    }

    fn aggregate(
        &mut self,
        name: &str,
        distinct: bool,
        args: &[Arg<'_>],
        f: &Function,
    ) -> Result<Sql, Error> {
        let clause = self.scope().clause;
        if !matches!(clause, Clause::Select | Clause::Having | Clause::OrderBy) {
            return Err(Error::invalid(format!(
                "aggregate function {name} is not allowed in {}",
                clause.name()
            )));
        }
        if self.scope().in_aggregate {
            return Err(Error::unsupported(
                "aggregate functions nested in aggregate functions",
            ));
        }
        self.scope().aggregates = true;
        self.scope().in_aggregate = true;
        let out = self.aggregate_inner(name, distinct, args, f);
        self.scope().in_aggregate = false;
        out
    }

    fn aggregate_inner(
        &mut self,
        name: &str,
        distinct: bool,
        args: &[Arg<'_>],
        f: &Function,
    ) -> Result<Sql, Error> {
        let d = if distinct { "DISTINCT " } else { "" };
        match (name, args) {
            ("COUNT", [Arg::Star]) if !distinct => Ok(Sql::atom("count(*)", Ty::Number)),
            ("COUNT" | "SUM" | "AVG" | "MIN" | "MAX", [Arg::Expr(e)]) => {
                let x = self.expr(e)?;
                let ty = if matches!(name, "MIN" | "MAX") {
                    x.ty
                } else {
                    Ty::Number
                };
                Ok(Sql::atom(
                    format!("{}({d}{})", name.to_ascii_lowercase(), x.text),
                    ty,
                ))
            }
            ("LISTAGG", [Arg::Expr(e), rest @ ..]) if rest.len() <= 1 => {
                let x = self.expr(e)?;
                let separator = match rest {
                    [] => "",
                    [Arg::Expr(s)] => literal_string(s).ok_or_else(|| {
                        Error::unsupported("LISTAGG with a separator that is not a literal")
                    })?,
                    _ => return Err(Error::arguments("LISTAGG", "1 or 2 arguments")),
                };
                let mut order = Vec::new();
                for o in &f.within_group {
                    let e = self.expr(&o.expr)?;
                    let desc = matches!(o.options.sort, Some(OrderBySort::Desc));
                    order.push(format!("{}{}", e.text, if desc { " DESC" } else { "" }));
                }
                let order = if order.is_empty() {
                    String::new()
                } else {
                    format!(" ORDER BY {}", order.join(", "))
                };
                if distinct {
                    if separator != "," {
                        return Err(Error::unsupported(
                            "LISTAGG(DISTINCT ...) with a separator other than ','",
                        ));
                    }
                    return Ok(Sql::atom(
                        format!("group_concat(DISTINCT {}{order})", x.text),
                        Ty::Text,
                    ));
                }
                Ok(Sql::atom(
                    format!("group_concat({}, {}{order})", x.text, string(separator)),
                    Ty::Text,
                ))
            }
            _ => Err(Error::arguments(
                name,
                if name == "LISTAGG" {
                    "1 or 2 arguments"
                } else {
                    "1 argument"
                },
            )),
        }
    }

    fn char_of(&mut self, x: Sql, format: Option<&Expr>) -> Result<Sql, Error> {
        let Some(format) = format else {
            return Ok(match x.ty {
                Ty::Date | Ty::DateTime | Ty::Text => x,
                Ty::Number => Sql::atom(
                    format!(
                        "CASE WHEN {0} = CAST({0} AS INTEGER) THEN CAST(CAST({0} AS INTEGER) AS TEXT) ELSE CAST({0} AS TEXT) END",
                        x.text
                    ),
                    Ty::Text,
                ),
                Ty::Unknown => Sql::atom(format!("CAST({} AS TEXT)", x.text), Ty::Text),
            });
        };
        let Some(format) = literal_string(format) else {
            return Err(Error::unsupported(
                "TO_CHAR with a format that is not a literal",
            ));
        };
        let as_date = match x.ty {
            Ty::Date | Ty::DateTime => true,
            Ty::Number => false,
            _ => looks_like_date_format(format),
        };
        if as_date {
            let elements = parse_date_format(format)?;
            Ok(Sql::atom(to_char_date(&x.text, &elements), Ty::Text))
        } else {
            let Some(f) = parse_number_format(format) else {
                return Err(Error::unsupported(format!("number format '{format}'")));
            };
            Ok(Sql::atom(to_char_number(&x.text, &f)?, Ty::Text))
        }
    }

    fn date_of(&mut self, value: &Expr, format: Option<&Expr>) -> Result<Sql, Error> {
        let elements = match format {
            Some(f) => match literal_string(f) {
                Some(f) => Some(parse_date_format(f)?),
                None => {
                    return Err(Error::unsupported(
                        "TO_DATE with a format that is not a literal",
                    ));
                }
            },
            None => None,
        };
        if let Some(text) = literal_string(value) {
            let parsed = match &elements {
                Some(e) => parse_date_literal(text, e)?,
                None => parse_loose_date(text).ok_or_else(|| {
                    Error::invalid(format!("'{text}' is not a date (give TO_DATE a format)"))
                })?,
            };
            return Ok(if parsed.has_time {
                date_literal(&parsed.datetime_text(), Ty::DateTime)
            } else {
                date_literal(&parsed.date_text(), Ty::Date)
            });
        }
        let x = self.expr(value)?;
        if x.ty.is_date() || x.text == "NULL" {
            return Ok(x);
        }
        let Some(elements) = elements else {
            return Err(Error::unsupported(
                "TO_DATE without a format on a value that is not a literal",
            ));
        };
        let (text, has_time) = to_date_sql(&x.text, &elements)?;
        Ok(Sql::atom(
            text,
            if has_time { Ty::DateTime } else { Ty::Date },
        ))
    }

    /// `BUILTIN.DF(column)`: the display value of a column.
    fn display(&mut self, arg: &Expr) -> Result<Sql, Error> {
        let resolved = match arg {
            Expr::Identifier(id) => self.resolve(None, id)?,
            Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                self.resolve(Some(&parts[0]), &parts[1])?
            }
            _ => {
                let x = self.expr(arg)?;
                return Ok(x);
            }
        };
        let Some((alias, _table, column)) = resolved.origin else {
            return Ok(resolved.sql);
        };
        if column.display == Display::Value {
            return Ok(resolved.sql);
        }
        let value = resolved.sql.text;
        let text = match column.display {
            Display::Value => value,
            Display::Record(target) => {
                let a = ident(DISPLAY_ALIAS);
                let name = self
                    .model
                    .table(target)
                    .map_or_else(|| "NULL".to_owned(), |t| model::record_name(t, &a));
                format!(
                    "(SELECT {name} FROM {} AS {a} WHERE {a}.\"id\" = {value})",
                    ident(target)
                )
            }
            Display::Codes(codes) => model::code_display(&value, codes),
            Display::TransactionStatus => {
                model::status_display(&format!("{alias}.\"type\""), &value)
            }
        };
        Ok(Sql::atom(text, Ty::Text))
    }
}

/// Checks the number of arguments of a function.
fn arity(name: &str, n: usize, min: usize, max: usize) -> Result<(), Error> {
    if n >= min && n <= max {
        return Ok(());
    }
    Err(Error::arguments(
        name,
        match (min, max) {
            (1, 1) => "1 argument".to_owned(),
            (a, b) if a == b => format!("{a} arguments"),
            (a, usize::MAX) => format!("at least {a} arguments"),
            (a, b) if b == a + 1 => format!("{a} or {b} arguments"),
            (a, b) => format!("{a} to {b} arguments"),
        },
    ))
}

/// The upper-case name of a function; `BUILTIN.DF` keeps its prefix.
fn function_name(f: &Function) -> Result<String, Error> {
    let parts: Vec<String> = f
        .name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => id.value.to_ascii_uppercase(),
            ObjectNamePart::Function(f) => f.name.value.to_ascii_uppercase(),
        })
        .collect();
    match parts.as_slice() {
        [name] => Ok(name.clone()),
        [prefix, name] if prefix == "BUILTIN" => Ok(format!("BUILTIN.{name}")),
        _ => Err(Error::unsupported(format!("function {}", parts.join(".")))),
    }
}

/// The first known type.
fn known(a: Ty, b: Ty) -> Ty {
    if a == Ty::Unknown { b } else { a }
}

/// A date computed from `d` as `YYYY-MM-DD`, keeping `d`'s time of day when
/// `d` is a date-time.
fn keep_time(d: &Sql, day: String) -> Sql {
    if d.ty == Ty::DateTime {
        Sql::atom(
            format!("{day} || strftime('T%H:%M:%SZ', {})", d.text),
            Ty::DateTime,
        )
    } else {
        Sql::atom(day, Ty::Date)
    }
}

/// `ADD_MONTHS(d, n)`: the same day n months later, or the last day of that
/// month when it is shorter or `d` is the last day of its month.
fn add_months(d: &Sql, months: &str) -> Sql {
    let x = &d.text;
    let last = format!("date({x}, 'start of month', {months}, '+1 month', '-1 day')");
    let same = format!(
        "date({x}, 'start of month', {months}, printf('+%d days', strftime('%d', {x}) - 1))"
    );
    let day = format!(
        "CASE WHEN date({x}) = date({x}, 'start of month', '+1 month', '-1 day') THEN {last} ELSE min({last}, {same}) END"
    );
    keep_time(d, day)
}

/// `TRUNC(date, unit)`.
fn trunc_date(x: &Sql, unit: &str) -> Result<Sql, Error> {
    let t = &x.text;
    let text = match unit.to_ascii_uppercase().as_str() {
        "DD" | "DDD" | "J" => format!("date({t})"),
        "MM" | "MON" | "MONTH" | "RM" => format!("date({t}, 'start of month')"),
        "YYYY" | "YEAR" | "SYYYY" | "SYEAR" | "YYY" | "YY" | "Y" => {
            format!("date({t}, 'start of year')")
        }
        "Q" => format!(
            "date({t}, 'start of month', printf('-%d months', (CAST(strftime('%m', {t}) AS INTEGER) - 1) % 3))"
        ),
        "IW" => format!("date({t}, '-6 days', 'weekday 1')"),
        "D" | "DY" | "DAY" => format!("date({t}, '-6 days', 'weekday 0')"),
        "HH" | "HH12" | "HH24" => {
            return Ok(Sql::atom(
                format!("strftime('%Y-%m-%dT%H:00:00Z', {t})"),
                Ty::DateTime,
            ));
        }
        "MI" => {
            return Ok(Sql::atom(
                format!("strftime('%Y-%m-%dT%H:%M:00Z', {t})"),
                Ty::DateTime,
            ));
        }
        other => return Err(Error::unsupported(format!("TRUNC unit '{other}'"))),
    };
    Ok(Sql::atom(text, Ty::Date))
}

/// `TRUNC(number, digits)`.
fn trunc_number(x: &Sql, digits: i64) -> Sql {
    let t = &x.text;
    let text = match digits {
        0 => format!("CAST({t} AS INTEGER)"),
        // Multiply, round away binary noise (15.79 * 100 = 1578.999...), cut.
        d if (1..=15).contains(&d) => {
            let scale = format_number(10f64.powi(i32::try_from(d).unwrap_or(0)));
            format!(
                "CAST(round({} * {scale}, 6) AS INTEGER) / {scale}.0",
                x.operand(prec::MUL + 1)
            )
        }
        d if (-15..0).contains(&d) => {
            let p = 10i64.pow(u32::try_from(-d).unwrap_or(0));
            format!("CAST({} / {p} AS INTEGER) * {p}", x.operand(prec::MUL + 1))
        }
        d if d > 0 => t.clone(),
        _ => "0".to_owned(),
    };
    Sql::atom(text, Ty::Number)
}
