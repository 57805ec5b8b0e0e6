//! SQLite SQL text: quoting, operator precedence and typed fragments.

/// The type a SuiteQL expression has, as far as the translator can tell.
///
/// Dates are stored as text: [`Ty::Date`] as `YYYY-MM-DD`, [`Ty::DateTime`] as
/// `YYYY-MM-DDTHH:MM:SSZ` (UTC), so that text comparison orders them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Number,
    Text,
    Date,
    DateTime,
    Unknown,
}

impl Ty {
    pub(crate) fn is_date(self) -> bool {
        matches!(self, Ty::Date | Ty::DateTime)
    }

    /// Whether values of this type are dates or date-times.
    pub(crate) fn date_kind(self) -> Option<crate::DateKind> {
        match self {
            Ty::Date => Some(crate::DateKind::Date),
            Ty::DateTime => Some(crate::DateKind::DateTime),
            _ => None,
        }
    }
}

/// `strftime` format of a [`Ty::DateTime`] value.
pub(crate) const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Binding strength of SQLite operators (higher binds tighter).
pub(crate) mod prec {
    pub(crate) const OR: u8 = 1;
    pub(crate) const AND: u8 = 2;
    pub(crate) const NOT: u8 = 3;
    /// `=`, `<>`, `IS`, `IN`, `LIKE`, `GLOB`, `BETWEEN`, `IS NULL`.
    pub(crate) const EQ: u8 = 4;
    /// `<`, `<=`, `>`, `>=`.
    pub(crate) const CMP: u8 = 5;
    pub(crate) const ADD: u8 = 6;
    pub(crate) const MUL: u8 = 7;
    pub(crate) const UNARY: u8 = 9;
    pub(crate) const ATOM: u8 = 10;
}

/// A translated expression: SQLite text, its type and how tightly it binds.
#[derive(Clone, Debug)]
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) ty: Ty,
    pub(crate) prec: u8,
    /// The value of a string literal, kept for formats and date literals.
    pub(crate) literal: Option<String>,
    /// A column known never to be NULL (for ORDER BY without NULLS clauses).
    pub(crate) not_null: bool,
}

impl Sql {
    pub(crate) fn atom(text: impl Into<String>, ty: Ty) -> Sql {
        Sql {
            text: text.into(),
            ty,
            prec: prec::ATOM,
            literal: None,
            not_null: false,
        }
    }

    pub(crate) fn op(text: impl Into<String>, ty: Ty, prec: u8) -> Sql {
        Sql {
            prec,
            ..Sql::atom(text, ty)
        }
    }

    pub(crate) fn string(value: &str) -> Sql {
        Sql {
            literal: Some(value.to_owned()),
            not_null: true,
            ..Sql::atom(string(value), Ty::Text)
        }
    }

    /// The text, in parentheses unless it binds at least as tightly as `min`.
    pub(crate) fn operand(&self, min: u8) -> String {
        if self.prec >= min {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }

    /// Like [`Sql::operand`], consuming the fragment.
    pub(crate) fn into_operand(self, min: u8) -> String {
        if self.prec >= min {
            self.text
        } else {
            format!("({})", self.text)
        }
    }

    /// `left op right` for a left-associative operator of precedence `p`.
    pub(crate) fn binary(left: Sql, op: &str, right: Sql, p: u8, ty: Ty) -> Sql {
        let mut text = if left.prec >= p {
            left.text
        } else {
            format!("({})", left.text)
        };
        text.push(' ');
        text.push_str(op);
        text.push(' ');
        if right.prec > p {
            text.push_str(&right.text);
        } else {
            text.push('(');
            text.push_str(&right.text);
            text.push(')');
        }
        Sql::op(text, ty, p)
    }
}

/// `a AND b AND c ...` (or OR). Long lists are grouped as a balanced tree,
/// as SQLite refuses expressions more than 1000 levels deep.
pub(crate) fn join_all(mut parts: Vec<Sql>, keyword: &str, p: u8) -> Sql {
    const FLAT: usize = 8;
    if parts.len() <= FLAT {
        let mut parts = parts.into_iter();
        let mut acc = parts.next().unwrap_or_else(|| Sql::atom("1", Ty::Number));
        for next in parts {
            acc = Sql::binary(acc, keyword, next, p, Ty::Number);
        }
        return acc;
    }
    let right = parts.split_off(parts.len() / 2);
    Sql::binary(
        join_all(parts, keyword, p),
        keyword,
        join_all(right, keyword, p),
        p,
        Ty::Number,
    )
}

/// A quoted SQLite identifier.
pub(crate) fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A quoted SQLite string literal.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A function call `name(arg, ...)`.
pub(crate) fn call(name: &str, args: &[&str]) -> String {
    let mut out = String::from(name);
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(a);
    }
    out.push(')');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("transaction"), "\"transaction\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(string("it's"), "'it''s'");
    }

    #[test]
    fn long_lists_are_balanced() {
        let parts: Vec<Sql> = (0..20)
            .map(|i| Sql::atom(format!("a{i}"), Ty::Number))
            .collect();
        let joined = join_all(parts, "OR", prec::OR);
        assert_eq!(
            joined.text,
            "a0 OR a1 OR a2 OR a3 OR a4 OR (a5 OR a6 OR a7 OR a8 OR a9) OR (a10 OR a11 OR a12 OR a13 OR a14 OR (a15 OR a16 OR a17 OR a18 OR a19))"
        );
        let short: Vec<Sql> = (0..3)
            .map(|i| Sql::atom(format!("a{i}"), Ty::Number))
            .collect();
        assert_eq!(join_all(short, "AND", prec::AND).text, "a0 AND a1 AND a2");
    }

    #[test]
    fn precedence() {
        let a = Sql::atom("a", Ty::Number);
        let b = Sql::atom("b", Ty::Number);
        let sum = Sql::binary(a.clone(), "+", b.clone(), prec::ADD, Ty::Number);
        let product = Sql::binary(sum.clone(), "*", b.clone(), prec::MUL, Ty::Number);
        assert_eq!(product.text, "(a + b) * b");
        let left = Sql::binary(sum.clone(), "-", a.clone(), prec::ADD, Ty::Number);
        assert_eq!(left.text, "a + b - a");
        let right = Sql::binary(a, "-", sum, prec::ADD, Ty::Number);
        assert_eq!(right.text, "a - (a + b)");
    }
}
