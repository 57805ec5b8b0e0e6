//! Limits that keep hostile input from exhausting the stack or memory.
//!
//! sqlparser bounds its own recursion (50 levels, with stack growth through
//! its `recursive-protection` feature), but it builds chains of infix
//! operators (`a OR b OR c ...`, `x IS NULL IS NULL ...`, `a UNION b UNION c
//! ...`) in a loop, as left-deep trees of any depth. Dropping such a tree, or
//! walking it, recurses once per operator, so the number of operator tokens is
//! bounded before parsing, and the translator walks operator chains
//! iteratively and counts its own depth.

use sqlparser::dialect::OracleDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use crate::Error;

/// Longest SuiteQL text accepted, in bytes.
pub(crate) const MAX_QUERY_BYTES: usize = 1 << 20;
/// Most operator tokens (and parentheses) in one query; bounds the depth of
/// operator chains, so of the parse tree.
pub(crate) const MAX_OPERATORS: usize = 4096;
/// Deepest nesting of expressions and queries the translator follows
/// (operator chains count once).
pub(crate) const MAX_DEPTH: usize = 96;
/// Longest SQL the translator produces, in bytes (some functions repeat their
/// argument, so nesting them multiplies the length).
pub(crate) const MAX_SQL_BYTES: usize = 4 << 20;

/// Tokenizes `sql`, refusing input too long or with too many operators.
pub(crate) fn tokenize(sql: &str) -> Result<Vec<TokenWithSpan>, Error> {
    if sql.len() > MAX_QUERY_BYTES {
        return Err(Error::too_complex(format!(
            "the query is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    if sql.contains('\0') {
        return Err(Error::Parse {
            message: "the query contains a NUL character".into(),
        });
    }
    let tokens = Tokenizer::new(&OracleDialect, sql)
        .tokenize_with_location()
        .map_err(|e| Error::Parse {
            message: e.to_string(),
        })?;
    let operators = tokens.iter().filter(|t| is_operator(&t.token)).count();
    if operators > MAX_OPERATORS {
        return Err(Error::too_complex(format!(
            "more than {MAX_OPERATORS} operators and parentheses"
        )));
    }
    Ok(tokens)
}

/// Whether a token can extend an operator chain or open a nesting level.
fn is_operator(token: &Token) -> bool {
    match token {
        Token::Word(w) => matches!(
            w.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::XOR
                | Keyword::NOT
                | Keyword::IS
                | Keyword::IN
                | Keyword::BETWEEN
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::SIMILAR
                | Keyword::REGEXP
                | Keyword::RLIKE
                | Keyword::COLLATE
                | Keyword::AT
                | Keyword::UNION
                | Keyword::EXCEPT
                | Keyword::MINUS
                | Keyword::INTERSECT
                | Keyword::MEMBER
                | Keyword::OVERLAPS
                | Keyword::DIV
                | Keyword::ESCAPE
                | Keyword::JOIN
                | Keyword::SELECT
                | Keyword::CASE
        ),
        Token::EOF
        | Token::Number(..)
        | Token::Char(_)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::DollarQuotedString(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::TripleSingleQuotedByteStringLiteral(_)
        | Token::TripleDoubleQuotedByteStringLiteral(_)
        | Token::SingleQuotedRawStringLiteral(_)
        | Token::DoubleQuotedRawStringLiteral(_)
        | Token::TripleSingleQuotedRawStringLiteral(_)
        | Token::TripleDoubleQuotedRawStringLiteral(_)
        | Token::NationalStringLiteral(_)
        | Token::QuoteDelimitedStringLiteral(_)
        | Token::NationalQuoteDelimitedStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_)
        | Token::Placeholder(_)
        | Token::Comma
        | Token::Whitespace(_)
        | Token::Period
        | Token::SemiColon
        | Token::RParen
        | Token::RBracket
        | Token::RBrace => false,
        _ => true,
    }
}

/// What the first word of a statement says it is, if not a query.
pub(crate) fn statement_kind(tokens: &[TokenWithSpan]) -> Option<String> {
    let first = tokens
        .iter()
        .map(|t| &t.token)
        .find(|t| !matches!(t, Token::Whitespace(_)))?;
    match first {
        Token::Word(w) if w.quote_style.is_none() => match w.keyword {
            Keyword::SELECT | Keyword::WITH | Keyword::NoKeyword => None,
            _ => Some(w.value.to_ascii_uppercase()),
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_operators() {
        assert!(tokenize("SELECT a FROM t WHERE a = 1 AND b = 2").is_ok());
        let long = format!("SELECT 1{} FROM dual", " OR 1".repeat(MAX_OPERATORS + 1));
        assert!(matches!(tokenize(&long), Err(Error::TooComplex { .. })));
        // Literals, identifiers and commas are free.
        let list = format!(
            "SELECT 1 FROM t WHERE id IN ({})",
            vec!["1"; 20_000].join(",")
        );
        assert!(tokenize(&list).is_ok());
    }

    #[test]
    fn statement_kinds() {
        let kind = |s: &str| statement_kind(&tokenize(s).unwrap());
        assert_eq!(kind("  insert into t values (1)"), Some("INSERT".into()));
        assert_eq!(kind("PRAGMA table_info(x)"), Some("PRAGMA".into()));
        assert_eq!(kind("select 1 from dual"), None);
        assert_eq!(kind("(select 1 from dual)"), None);
    }
}
