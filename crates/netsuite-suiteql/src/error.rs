//! Why a SuiteQL query cannot be translated.

/// Why a SuiteQL query cannot be translated.
///
/// Every message is lowercase and names the construct or the field at fault;
/// the emulator reports it as NetSuite does, after "Invalid search query.
/// Detailed unprocessed description follows. Search error occurred: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid SQL.
    #[error("syntax error: {message}")]
    Parse {
        /// What the parser found, with the line and column.
        message: String,
    },
    /// A statement other than a query (`INSERT`, `UPDATE`, `DELETE`, `DROP`,
    /// `PRAGMA`, `ATTACH`, ...).
    #[error("only SELECT queries are supported, not {statement}")]
    NotSelect {
        /// The kind of statement, e.g. `INSERT`.
        statement: String,
    },
    /// A construct SuiteQL (or this emulator) does not support, such as a
    /// `WITH` clause, a window function or an unknown function.
    #[error("unsupported construct: {construct}")]
    Unsupported {
        /// The construct, e.g. `function REGEXP_LIKE`.
        construct: String,
    },
    /// A table that is not one of the model's ([`crate::Model::tables`]).
    #[error("record '{name}' was not found")]
    UnknownTable {
        /// The table name, in lowercase.
        name: String,
    },
    /// A column that no table in scope has.
    #[error("field '{field}'{} was not found", record.as_ref().map(|r| format!(" for record '{r}'")).unwrap_or_default())]
    UnknownField {
        /// The column, in lowercase, qualified as written (`t.foo`).
        field: String,
        /// The table searched, when there was exactly one.
        record: Option<String>,
    },
    /// An unqualified column that more than one table in scope has.
    #[error("field '{field}' is ambiguous: qualify it with a table name or alias")]
    AmbiguousField {
        /// The column, in lowercase.
        field: String,
    },
    /// A function called with the wrong number or kind of arguments.
    #[error("function {function} expects {expected}")]
    Arguments {
        /// The function, in uppercase.
        function: String,
        /// What it expects, e.g. `2 arguments`.
        expected: String,
    },
    /// A query that is well-formed but wrong: a duplicate alias, a date
    /// literal that does not match its format, set operands of different
    /// widths, ...
    #[error("invalid query: {message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
    /// A query nested too deeply or too long to translate safely.
    #[error("query too complex: {reason}")]
    TooComplex {
        /// Which limit was exceeded.
        reason: String,
    },
}

impl Error {
    pub(crate) fn unsupported(construct: impl Into<String>) -> Error {
        Error::Unsupported {
            construct: construct.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid {
            message: message.into(),
        }
    }

    pub(crate) fn arguments(function: &str, expected: impl Into<String>) -> Error {
        Error::Arguments {
            function: function.to_owned(),
            expected: expected.into(),
        }
    }

    pub(crate) fn too_complex(reason: impl Into<String>) -> Error {
        Error::TooComplex {
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_lowercase_and_name_the_construct() {
        let e = Error::UnknownField {
            field: "foo".into(),
            record: Some("transaction".into()),
        };
        assert_eq!(
            e.to_string(),
            "field 'foo' for record 'transaction' was not found"
        );
        let e = Error::UnknownField {
            field: "t.foo".into(),
            record: None,
        };
        assert_eq!(e.to_string(), "field 't.foo' was not found");
        assert_eq!(
            Error::unsupported("function REGEXP_LIKE").to_string(),
            "unsupported construct: function REGEXP_LIKE"
        );
        assert_eq!(
            Error::NotSelect {
                statement: "INSERT".into()
            }
            .to_string(),
            "only SELECT queries are supported, not INSERT"
        );
    }
}
