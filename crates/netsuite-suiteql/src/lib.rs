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
//! Only `SELECT` queries over [`TABLES`] are accepted, and only the constructs
//! listed in the README; anything else is an [`Error`] naming it. The SQL runs
//! against the tables of [`schema_sql`] with SQLite's built-in functions only
//! (no math extension, no user functions).
//!
//! The translation keeps Oracle's semantics where SQLite differs: identifiers
//! are case-insensitive and always quoted, `LIKE` is case-sensitive (as
//! `GLOB`), `||` treats NULL as an empty string, `/` divides exactly, NULLs
//! sort last ascending and first descending, `DECODE` matches NULL with NULL,
//! and dates are compared as text in one canonical form (`YYYY-MM-DD`, or
//! `YYYY-MM-DDTHH:MM:SSZ` for date-times).

mod error;
mod format;
mod limits;
mod schema;
mod sql;
mod translate;

use sqlparser::ast::Statement;
use sqlparser::dialect::OracleDialect;
use sqlparser::parser::{Parser, ParserError};

pub use error::Error;
pub use schema::{TABLES, schema_sql};

/// A SuiteQL query translated to SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Translation {
    /// One SQLite `SELECT` statement, with no parameters.
    pub sql: String,
    /// The output columns, in order, in lowercase, named as NetSuite names
    /// them: the alias, else the column name, else `expr1`, `expr2`, ...
    pub columns: Vec<String>,
}

/// Options of [`translate_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// The current time for `SYSDATE` and `CURRENT_DATE`, as
    /// `YYYY-MM-DDTHH:MM:SSZ` (UTC). `None` uses SQLite's clock.
    pub now: Option<String>,
}

impl Options {
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
    let out = translate::Translator::new(now).query(query)?;
    Ok(Translation {
        sql: out.sql,
        columns: out.columns.into_iter().map(|c| c.name).collect(),
    })
}
