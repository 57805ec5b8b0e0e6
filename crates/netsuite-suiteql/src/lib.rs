//! SuiteQL, NetSuite's Oracle-like SQL dialect, translated to SQLite SQL for
//! the offline NetSuite emulator.
//!
//! ```
//! let t = netsuite_suiteql::translate(
//!     "SELECT t.id, t.tranid, BUILTIN.DF(t.entity) AS customer \
//!      FROM transaction t WHERE t.type = 'SalesOrd' AND ROWNUM <= 10",
//! )?;
//! assert_eq!(t.columns, ["id", "tranid", "customer"]);
//! assert!(t.sql.ends_with("LIMIT 10"));
//! # Ok::<(), netsuite_suiteql::Error>(())
//! ```
//!
//! Only `SELECT` queries over the tables of the [`model`] are accepted, and only
//! the constructs listed in the README; anything else is an [`Error`] naming it.
//! The SQL runs against the tables of [`schema_sql`] with SQLite's built-in
//! functions only (no math extension, no user functions).
//!
//! The crate also holds the NetSuite data model both the translator and the
//! emulator read ([`model`]), and the compiler of the REST record API's `q`
//! filter ([`filter`]).
//!
//! The translation keeps Oracle's semantics where SQLite differs: identifiers
//! are case-insensitive and always quoted, `LIKE` is case-sensitive (as
//! `GLOB`), `||` treats NULL as an empty string, `/` divides exactly, NULLs
//! sort last ascending and first descending, `DECODE` matches NULL with NULL,
//! and dates are compared as text in one canonical form (`YYYY-MM-DD`, or
//! `YYYY-MM-DDTHH:MM:SSZ` for date-times).

mod date_format;
mod error;
pub mod filter;
mod format;
mod limits;
pub mod model;
mod sql;
mod translate;

use sqlparser::ast::Statement;
use sqlparser::dialect::OracleDialect;
use sqlparser::parser::{Parser, ParserError};

pub use date_format::{DateFormat, DateKind};
pub use error::Error;
pub use model::Model;

/// `CREATE TABLE` and `CREATE INDEX` statements (all `IF NOT EXISTS`) for the
/// SQLite tables behind SuiteQL, generated from [`Model::netsuite`].
#[must_use]
pub fn schema_sql() -> &'static str {
    Model::netsuite().schema_sql()
}

/// A SuiteQL query translated to SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Translation {
    /// One SQLite `SELECT` statement, with no parameters.
    pub sql: String,
    /// The output columns, in order, in lowercase, named as NetSuite names
    /// them: the alias, else the column name, else `expr1`, `expr2`, ...
    pub columns: Vec<String>,
    /// For each output column, whether it holds dates or date-times (as far as the
    /// translator can tell: columns of those types, and expressions whose type is
    /// one, such as `MAX(trandate)`, `NVL(shipdate, trandate)` or `TRUNC(SYSDATE)`).
    /// Their values are stored ISO text, which NetSuite shows in the user's date
    /// format: [`DateFormat::display`].
    pub dates: Vec<Option<DateKind>>,
    /// Byte length of the statement without its final `ORDER BY`, when
    /// nothing (such as a `LIMIT`) follows it: see [`Translation::unordered`].
    unordered_len: Option<usize>,
    /// The keyset predicate of the statement, if it has one.
    pub keyset: Option<Keyset>,
}

impl Translation {
    /// The statement without its final `ORDER BY` (when nothing such as a
    /// `LIMIT` follows it): the order does not change a count, and SQLite can
    /// count an unordered subquery without computing its rows.
    #[must_use]
    pub fn unordered(&self) -> &str {
        match self.unordered_len {
            Some(n) => &self.sql[..n],
            None => &self.sql,
        }
    }
}

/// The comparison of a keyset predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeysetOp {
    /// `column > bound`.
    Greater,
    /// `column >= bound`.
    GreaterOrEqual,
}

/// The one keyset predicate (`column > N` or `column >= N`, N an integer) of
/// a statement whose top-level `WHERE` is a conjunction, with no grouping,
/// aggregates, distinct rows, set operations or row limits: as rows are
/// filtered one by one, `count(col > new) = count(col > old) - count(old <
/// col <= new)`, which lets a caller count keyset pages cheaply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Keyset {
    /// The column, as SQLite SQL (`"t"."id"`).
    pub column: String,
    /// `>` or `>=`.
    pub op: KeysetOp,
    /// The integer the column is compared with (`N`).
    pub bound: i64,
    /// [`Translation::unordered`] before and after the predicate.
    before: String,
    after: String,
}

impl Keyset {
    /// The unordered statement with the predicate cut out: the same for every
    /// page of one keyset scan, whatever the bound.
    #[must_use]
    pub fn shape(&self) -> String {
        format!("{}\u{0}{}", self.before, self.after)
    }

    /// The unordered statement restricted to the rows between `lo` and `hi`
    /// in the predicate's direction: `lo < col <= hi` (or `lo <= col < hi`
    /// for `>=`).
    #[must_use]
    pub fn between(&self, lo: i64, hi: i64) -> String {
        let c = &self.column;
        let range = match self.op {
            KeysetOp::GreaterOrEqual => format!("{c} >= {lo} AND {c} < {hi}"),
            KeysetOp::Greater => format!("{c} > {lo} AND {c} <= {hi}"),
        };
        format!("{}{range}{}", self.before, self.after)
    }
}

/// Options of [`translate_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The current time for `SYSDATE` and `CURRENT_DATE`, as
    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC). `None` uses SQLite's clock.
    pub now: Option<String>,
    /// The tables queries may use ([`Model::netsuite`] by default).
    pub model: &'static Model,
    /// The user's date format: a string compared with a date
    /// (`trandate > '10/1/2025'`) is read in it first, as NetSuite's implicit
    /// conversion does, then as ISO or `MM/DD/YYYY`. `None` skips the first step.
    pub date_format: Option<DateFormat>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            now: None,
            model: Model::netsuite(),
            date_format: None,
        }
    }
}

impl Options {
    /// Translates over another model (an extended one, in tests).
    #[must_use]
    pub fn with_model(mut self, model: &'static Model) -> Options {
        self.model = model;
        self
    }

    /// Reads strings compared with dates in the user's date format first.
    #[must_use]
    pub fn with_date_format(mut self, format: DateFormat) -> Options {
        self.date_format = Some(format);
        self
    }

    /// Fixes the current time (`YYYY-MM-DDTHH:MM:SSZ`, UTC).
    #[must_use]
    pub fn with_now(mut self, now: impl Into<String>) -> Options {
        self.now = Some(now.into());
        self
    }
}

/// Translates a SuiteQL query to SQLite SQL (see the crate documentation).
///
/// `SYSDATE` reads SQLite's clock; use [`translate_with`] to fix it.
pub fn translate(suiteql: &str) -> Result<Translation, Error> {
    translate_with(suiteql, &Options::default())
}

/// Translates a SuiteQL query to SQLite SQL, with [`Options`].
pub fn translate_with(suiteql: &str, options: &Options) -> Result<Translation, Error> {
    let now = match &options.now {
        None => None,
        Some(now) => match format::parse_loose_date(now) {
            Some(d) if now.ends_with('Z') => Some(d.datetime_text()),
            _ => {
                return Err(Error::invalid(format!(
                    "the current time '{now}' is not YYYY-MM-DDTHH:MM:SSZ"
                )));
            }
        },
    };
    let tokens = limits::tokenize(suiteql)?;
    let kind = limits::statement_kind(&tokens);
    let statements = Parser::new(&OracleDialect)
        .with_tokens_with_locations(tokens)
        .parse_statements();
    let statements = match statements {
        Ok(s) => s,
        Err(e) => {
            if let Some(statement) = kind {
                return Err(Error::NotSelect { statement });
            }
            return Err(match e {
                ParserError::RecursionLimitExceeded => {
                    Error::too_complex("the query is nested more than 50 levels")
                }
                ParserError::ParserError(m) | ParserError::TokenizerError(m) => {
                    Error::Parse { message: m }
                }
            });
        }
    };
    let query = match statements.as_slice() {
        [] => {
            return Err(Error::Parse {
                message: "the query is empty".into(),
            });
        }
        [Statement::Query(q)] => q,
        [_] => {
            return Err(Error::NotSelect {
                statement: kind.unwrap_or_else(|| "this statement".into()),
            });
        }
        _ => return Err(Error::unsupported("multiple statements")),
    };
    let out = translate::Translator::new(now, options.model, options.date_format).query(query)?;
    let keyset = out.keyset.map(|k| Keyset {
        column: k.column,
        op: if k.inclusive {
            KeysetOp::GreaterOrEqual
        } else {
            KeysetOp::Greater
        },
        bound: k.bound,
        before: out.sql[..k.start].to_owned(),
        after: out.sql[k.end..out.unordered_len.unwrap_or(out.sql.len())].to_owned(),
    });
    Ok(Translation {
        unordered_len: out.unordered_len,
        sql: out.sql,
        dates: out.columns.iter().map(|c| c.ty.date_kind()).collect(),
        columns: out.columns.into_iter().map(|c| c.name).collect(),
        keyset,
    })
}
