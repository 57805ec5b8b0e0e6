//! The translator: walks sqlparser's AST of a SuiteQL query and writes SQLite
//! SQL for the supported subset, refusing everything else.

mod expr;
mod function;
mod query;

use sqlparser::ast::{Expr, Ident, UnaryOperator, Value};

use crate::Error;
use crate::limits::{MAX_DEPTH, MAX_SQL_BYTES};
use crate::model::{Column, Model, Table};
use crate::sql::{Sql, Ty, ident};

/// Prefix of the aliases the translator invents; users may not use it.
const INTERNAL_PREFIX: &str = "ns$";
/// Alias of the record looked up by `BUILTIN.DF`.
const DISPLAY_ALIAS: &str = "ns$df";

/// An output column of a query or a column of a `FROM` item.
#[derive(Clone, Debug)]
pub(crate) struct OutColumn {
    pub(crate) name: String,
    pub(crate) ty: Ty,
    pub(crate) not_null: bool,
}

/// A translated query.
#[derive(Debug)]
pub(crate) struct QueryOut {
    pub(crate) sql: String,
    pub(crate) columns: Vec<OutColumn>,
    /// No ORDER BY or LIMIT: usable as an operand of UNION as is.
    pub(crate) bare: bool,
    /// A set operation (UNION, ...).
    pub(crate) compound: bool,
    /// Length of `sql` without its final ORDER BY, when nothing follows it.
    pub(crate) unordered_len: Option<usize>,
    /// The keyset predicate of a top-level SELECT.
    pub(crate) keyset: Option<KeysetSpan>,
}

/// A keyset predicate `column > bound` (or `>=`) and its span in the SQL.
#[derive(Debug)]
pub(crate) struct KeysetSpan {
    pub(crate) column: String,
    pub(crate) inclusive: bool,
    pub(crate) bound: i64,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A table (or subquery) in a FROM clause.
#[derive(Debug)]
struct Source {
    /// Lowercase alias (or table name) the translated SQL uses.
    alias: String,
    table: Option<&'static Table>,
    columns: Vec<OutColumn>,
}

/// The clause an expression is in, which decides what it may contain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Clause {
    #[default]
    Select,
    From,
    Where,
    GroupBy,
    Having,
    OrderBy,
}

impl Clause {
    fn name(self) -> &'static str {
        match self {
            Clause::Select => "the select list",
            Clause::From => "a join condition",
            Clause::Where => "WHERE",
            Clause::GroupBy => "GROUP BY",
            Clause::Having => "HAVING",
            Clause::OrderBy => "ORDER BY",
        }
    }
}

/// The names one SELECT can see.
#[derive(Debug, Default)]
struct Scope {
    sources: Vec<Source>,
    /// Columns named in `JOIN ... USING (...)`: unqualified, not ambiguous.
    using: Vec<String>,
    /// While translating a subquery in FROM, whose siblings it cannot see.
    hidden: bool,
    clause: Clause,
    /// Output columns, for aliases in ORDER BY, GROUP BY and HAVING.
    outputs: Vec<OutColumn>,
    aggregates: bool,
    in_aggregate: bool,
    /// Aliases of tables marked `(+)` in the WHERE condition being translated.
    outer_join_marks: Option<Vec<String>>,
    /// Aliases of tables of this scope the condition being translated uses.
    references: Option<Vec<String>>,
    /// Inside OR (or another place `(+)` may not be).
    no_outer_join: usize,
}

/// A column reference, resolved.
#[derive(Debug)]
struct Resolved {
    sql: Sql,
    /// The table and column, when the column is a table's (for `BUILTIN.DF`).
    origin: Option<(String, &'static Table, &'static Column)>,
    /// The scope level and alias of the FROM item the column belongs to.
    found: Option<(usize, String)>,
}

#[derive(Debug)]
pub(crate) struct Translator {
    scopes: Vec<Scope>,
    depth: usize,
    derived: usize,
    /// The current time, as `YYYY-MM-DDTHH:MM:SSZ`, if fixed.
    now: Option<String>,
    model: &'static Model,
    /// The user's date format, in which strings compared with dates are read first.
    date_format: Option<crate::DateFormat>,
}

impl Translator {
    pub(crate) fn new(
        now: Option<String>,
        model: &'static Model,
        date_format: Option<crate::DateFormat>,
    ) -> Translator {
        Translator {
            scopes: Vec::new(),
            depth: 0,
            derived: 0,
            now,
            model,
            date_format,
        }
    }

    /// Counts one level of nesting.
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::too_complex(format!(
                "expressions and subqueries nested more than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    /// Refuses SQL longer than the limit.
    fn check_size(sql: &Sql) -> Result<(), Error> {
        if sql.text.len() > MAX_SQL_BYTES {
            return Err(Error::too_complex(format!(
                "the translated SQL would exceed {MAX_SQL_BYTES} bytes"
            )));
        }
        Ok(())
    }

    /// Resolves a column reference, `qualifier.name` or `name`.
    fn resolve(&mut self, qualifier: Option<&Ident>, name: &Ident) -> Result<Resolved, Error> {
        let name_lc = name.value.to_lowercase();
        let qualifier_lc = qualifier.map(|q| q.value.to_lowercase());
        let current = self.scopes.len().saturating_sub(1);
        for (level, scope) in self.scopes.iter().enumerate().rev() {
            if scope.hidden {
                continue;
            }
            if let Some(q) = &qualifier_lc {
                let Some(source) = scope.sources.iter().find(|s| &s.alias == q) else {
                    continue;
                };
                let Some(col) = source.columns.iter().find(|c| c.name == name_lc) else {
                    return Err(Error::UnknownField {
                        field: name_lc,
                        record: Some(
                            source
                                .table
                                .map_or_else(|| source.alias.clone(), |t| t.name.to_owned()),
                        ),
                    });
                };
                let resolved = column_ref(source, col, level);
                let alias = source.alias.clone();
                if level == current {
                    self.note_reference(&alias);
                }
                return Ok(resolved);
            }
            let matches: Vec<&Source> = scope
                .sources
                .iter()
                .filter(|s| s.columns.iter().any(|c| c.name == name_lc))
                .collect();
            match matches.as_slice() {
                [] => {}
                [source] => {
                    let col = source.columns.iter().find(|c| c.name == name_lc);
                    let Some(col) = col else { continue };
                    let resolved = column_ref(source, col, level);
                    let alias = source.alias.clone();
                    if level == current {
                        self.note_reference(&alias);
                    }
                    return Ok(resolved);
                }
                [first, ..] => {
                    if scope.using.contains(&name_lc) {
                        let ty = first
                            .columns
                            .iter()
                            .find(|c| c.name == name_lc)
                            .map_or(Ty::Unknown, |c| c.ty);
                        return Ok(Resolved {
                            sql: Sql::atom(ident(&name_lc), ty),
                            origin: None,
                            found: None,
                        });
                    }
                    return Err(Error::AmbiguousField { field: name_lc });
                }
            }
        }
        let scope = self.scope();
        if qualifier.is_none()
            && matches!(
                scope.clause,
                Clause::OrderBy | Clause::GroupBy | Clause::Having
            )
            && let Some(out) = scope.outputs.iter().find(|o| o.name == name_lc)
        {
            let mut sql = Sql::atom(ident(&out.name), out.ty);
            sql.not_null = out.not_null;
            return Ok(Resolved {
                sql,
                origin: None,
                found: None,
            });
        }
        let record = match (&qualifier_lc, scope.sources.as_slice()) {
            (None, [only]) => Some(
                only.table
                    .map_or_else(|| only.alias.clone(), |t| t.name.to_owned()),
            ),
            _ => None,
        };
        Err(Error::UnknownField {
            field: match qualifier_lc {
                Some(q) => format!("{q}.{name_lc}"),
                None => name_lc,
            },
            record,
        })
    }

    fn note_reference(&mut self, alias: &str) {
        if let Some(refs) = &mut self.scope().references
            && !refs.iter().any(|a| a == alias)
        {
            refs.push(alias.to_owned());
        }
    }

    /// Registers a FROM item in the current scope.
    fn add_source(&mut self, source: Source) -> Result<(), Error> {
        let scope = self.scope();
        if scope.sources.iter().any(|s| s.alias == source.alias) {
            return Err(Error::invalid(format!(
                "table alias '{}' is used twice in one FROM clause",
                source.alias
            )));
        }
        scope.sources.push(source);
        Ok(())
    }

    /// A fresh alias for a subquery in FROM that has none.
    fn derived_alias(&mut self) -> String {
        self.derived += 1;
        format!("{INTERNAL_PREFIX}q{}", self.derived)
    }

    /// The current date and time (`SYSDATE`).
    fn now(&self) -> Sql {
        match &self.now {
            Some(now) => {
                let mut sql = Sql::string(now);
                sql.ty = Ty::DateTime;
                sql
            }
            None => Sql::atom(
                format!("strftime('{}', 'now')", crate::sql::DATETIME_FORMAT),
                Ty::DateTime,
            ),
        }
    }
}

fn column_ref(source: &Source, col: &OutColumn, level: usize) -> Resolved {
    let alias = ident(&source.alias);
    let mut sql = Sql::atom(format!("{alias}.{}", ident(&col.name)), col.ty);
    sql.not_null = col.not_null;
    let origin = source
        .table
        .and_then(|t| t.column(&col.name).map(|c| (alias, t, c)));
    Resolved {
        sql,
        origin,
        found: Some((level, source.alias.clone())),
    }
}

/// A lowercase alias the user chose, refusing the translator's own prefix.
fn user_alias(alias: &Ident) -> Result<String, Error> {
    let lc = alias.value.to_lowercase();
    if lc.starts_with(INTERNAL_PREFIX) {
        return Err(Error::unsupported(format!(
            "alias '{lc}' (the prefix {INTERNAL_PREFIX} is reserved)"
        )));
    }
    if lc.is_empty() {
        return Err(Error::invalid("empty alias"));
    }
    Ok(lc)
}

/// The value of a string literal (possibly in parentheses).
pub(crate) fn literal_string(e: &Expr) -> Option<&str> {
    match e {
        Expr::Nested(inner) => literal_string(inner),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::NationalStringLiteral(s) => Some(s),
            Value::QuoteDelimitedStringLiteral(q)
            | Value::NationalQuoteDelimitedStringLiteral(q) => Some(&q.value),
            _ => None,
        },
        _ => None,
    }
}

/// The value of a numeric literal (possibly negative or in parentheses).
pub(crate) fn literal_number(e: &Expr) -> Option<f64> {
    match e {
        Expr::Nested(inner) => literal_number(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match &**expr {
            Expr::Value(_) | Expr::Nested(_) => literal_number(expr).map(|n| -n),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => match &**expr {
            Expr::Value(_) | Expr::Nested(_) => literal_number(expr),
            _ => None,
        },
        Expr::Value(v) => match &v.value {
            Value::Number(n, false) => n.parse::<f64>().ok().filter(|n| n.is_finite()),
            _ => None,
        },
        _ => None,
    }
}

/// The value of an integer literal.
pub(crate) fn literal_integer(e: &Expr) -> Option<i64> {
    let n = literal_number(e)?;
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

/// Whether an expression is the `ROWNUM` pseudo-column.
fn is_rownum(e: &Expr) -> bool {
    match e {
        Expr::Identifier(id) => id.quote_style.is_none() && id.value.eq_ignore_ascii_case("rownum"),
        Expr::Nested(inner) => is_rownum(inner),
        _ => false,
    }
}
