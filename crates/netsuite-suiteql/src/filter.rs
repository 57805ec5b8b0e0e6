//! The `q` parameter of record collections: `field OPERATOR value`, joined with `AND`
//! and `OR` and grouped with parentheses, compiled to a SQL condition with bound
//! parameters.
//!
//! Operators (each also with `_NOT` where NetSuite has it): `EMPTY`; `IS` (booleans and
//! strings); `EQUAL`, `ANY_OF`, `GREATER`, `GREATER_OR_EQUAL`, `LESS`,
//! `LESS_OR_EQUAL`, `BETWEEN`, `WITHIN` (numbers, references, lists); `CONTAIN`,
//! `START_WITH`, `END_WITH` (strings); `AFTER`, `BEFORE`, `ON`, `ON_OR_AFTER`,
//! `ON_OR_BEFORE` (dates). Values are `"quoted"` (with `\"` and `\\`) or bare words;
//! `ANY_OF` takes `[a, b]` or `a, b`; `BETWEEN` takes two values (`1 10`, `1, 10`,
//! `[1, 10]` or `1 AND 10`). Dates are `M/D/YYYY` or `YYYY-MM-DD`, optionally with a
//! time (`YYYY-MM-DDTHH:MM:SSZ`). String matching ignores case, as NetSuite's does.

/// A bound parameter of a compiled filter.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Param {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

/// At most `max` bytes of `s`, cut on a character boundary (for messages).
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// How a field is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    Text,
    Number,
    Bool,
    Date,
    /// A list value (`status`): compared by id, `Type:ID` accepted.
    Select,
    /// A reference: compared by internal id.
    Ref,
    /// A JSON document field whose type is not known.
    Any,
}

/// A filterable field: its SQL expression and type.
#[derive(Clone, Debug)]
pub struct Column {
    pub sql: String,
    pub ty: FieldType,
}

/// A compiled filter: a SQL condition and its parameters in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Condition {
    pub sql: String,
    pub params: Vec<Param>,
}

/// Longest `q` accepted, and deepest nesting of parentheses.
const MAX_LEN: usize = 8192;
const MAX_DEPTH: usize = 32;
/// Most values in one `ANY_OF`.
const MAX_VALUES: usize = 1000;

/// Compiles `q`; `resolve` maps a field name to its column (`None`: unknown). The
/// error is the text after NetSuite's "Search error occurred: ".
pub fn compile(q: &str, resolve: &dyn Fn(&str) -> Option<Column>) -> Result<Condition, String> {
    if q.len() > MAX_LEN {
        return Err(format!("The query is longer than {MAX_LEN} characters."));
    }
    let tokens = tokenize(q)?;
    if tokens.is_empty() {
        return Err("The query is empty.".into());
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        resolve,
        out: Condition::default(),
    };
    let sql = p.or(0)?;
    if let Some(t) = p.peek() {
        return Err(format!(
            "Unexpected {} after the end of a condition.",
            t.describe()
        ));
    }
    p.out.sql = sql;
    Ok(p.out)
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Comma,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("'{}'", truncate(w, 60)),
            Token::Quoted(s) => format!("\"{}\"", truncate(s, 60)),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::OpenBracket => "'['".into(),
            Token::CloseBracket => "']'".into(),
            Token::Comma => "','".into(),
        }
    }

    fn is_keyword(&self, k: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(k))
    }
}

fn tokenize(q: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = q.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | '[' | ']' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenBracket,
                    ']' => Token::CloseBracket,
                    _ => Token::Comma,
                });
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, e)) => s.push(e),
                            None => break,
                        },
                        c if c == quote => {
                            closed = true;
                            break;
                        }
                        c => s.push(c),
                    }
                }
                if !closed {
                    return Err(format!("Unterminated string starting at position {i}."));
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',' | '"') {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Token::Word(s));
            }
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Empty,
    Is,
    Equal,
    AnyOf,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
    Between,
    Contain,
    StartWith,
    EndWith,
    After,
    Before,
    On,
    OnOrAfter,
    OnOrBefore,
}

fn operator(word: &str) -> Option<(Op, bool)> {
    let upper = word.to_ascii_uppercase();
    let (base, negated) = match upper.strip_suffix("_NOT") {
        Some(b) => (b.to_owned(), true),
        None => (upper, false),
    };
    let op = match base.as_str() {
        "EMPTY" => Op::Empty,
        "IS" => Op::Is,
        "EQUAL" => Op::Equal,
        "ANY_OF" => Op::AnyOf,
        "GREATER" => Op::Greater,
        "GREATER_OR_EQUAL" => Op::GreaterOrEqual,
        "LESS" => Op::Less,
        "LESS_OR_EQUAL" => Op::LessOrEqual,
        "BETWEEN" | "WITHIN" => Op::Between,
        "CONTAIN" => Op::Contain,
        "START_WITH" => Op::StartWith,
        "END_WITH" | "ENDWITH" => Op::EndWith,
        "AFTER" => Op::After,
        "BEFORE" => Op::Before,
        "ON" => Op::On,
        "ON_OR_AFTER" => Op::OnOrAfter,
        "ON_OR_BEFORE" => Op::OnOrBefore,
        _ => return None,
    };
    Some((op, negated))
}

fn allowed(op: Op, ty: FieldType) -> bool {
    use FieldType as T;
    match op {
        Op::Empty => true,
        Op::Is => matches!(ty, T::Bool | T::Text | T::Select | T::Any),
        Op::Equal | Op::AnyOf => !matches!(ty, T::Bool | T::Date),
        Op::Greater | Op::GreaterOrEqual | Op::Less | Op::LessOrEqual => {
            matches!(ty, T::Number | T::Ref | T::Any)
        }
        Op::Between => matches!(ty, T::Number | T::Ref | T::Date | T::Any),
        Op::Contain | Op::StartWith | Op::EndWith => matches!(ty, T::Text | T::Any),
        Op::After | Op::Before | Op::On | Op::OnOrAfter | Op::OnOrBefore => {
            matches!(ty, T::Date | T::Any)
        }
    }
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    resolve: &'a dyn Fn(&str) -> Option<Column>,
    out: Condition,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn or(&mut self, depth: usize) -> Result<String, String> {
        let mut parts = vec![self.and(depth)?];
        while self.peek().is_some_and(|t| t.is_keyword("OR")) {
            self.pos += 1;
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(" OR "))
        })
    }

    fn and(&mut self, depth: usize) -> Result<String, String> {
        let mut parts = vec![self.primary(depth)?];
        while self.peek().is_some_and(|t| t.is_keyword("AND")) {
            self.pos += 1;
            parts.push(self.primary(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            format!("({})", parts.join(" AND "))
        })
    }

    fn primary(&mut self, depth: usize) -> Result<String, String> {
        match self.next() {
            Some(Token::Open) => {
                if depth >= MAX_DEPTH {
                    return Err(format!(
                        "Parentheses are nested more than {MAX_DEPTH} deep."
                    ));
                }
                let inner = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    Some(t) => Err(format!("Expected ')' but found {}.", t.describe())),
                    None => Err("Expected ')' at the end of the query.".into()),
                }
            }
            Some(Token::Word(field)) => self.condition(&field),
            Some(t) => Err(format!("Expected a field name but found {}.", t.describe())),
            None => Err("Expected a condition at the end of the query.".into()),
        }
    }

    fn condition(&mut self, field: &str) -> Result<String, String> {
        let Some(column) = (self.resolve)(field) else {
            return Err(format!("Unknown identifier '{}'.", truncate(field, 100)));
        };
        let (op, negated) = match self.next() {
            Some(Token::Word(w)) => operator(&w).ok_or_else(|| {
                format!(
                    "Unknown operator '{}' after field '{field}'.",
                    truncate(&w, 60)
                )
            })?,
            Some(t) => {
                return Err(format!(
                    "Expected an operator after field '{field}' but found {}.",
                    t.describe()
                ));
            }
            None => return Err(format!("Expected an operator after field '{field}'.")),
        };
        if !allowed(op, column.ty) {
            return Err(format!(
                "The operator {} is not valid for field '{field}'.",
                op_name(op)
            ));
        }
        let values = match op {
            Op::Empty => Vec::new(),
            Op::Between => self.two_values(field)?,
            Op::AnyOf => self.value_list(field)?,
            _ => vec![self.value(field)?],
        };
        let sql = self.emit(&column, field, op, &values)?;
        Ok(if negated {
            format!("({c} IS NULL OR NOT {sql})", c = column.sql)
        } else {
            sql
        })
    }

    fn value(&mut self, field: &str) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w))
                if !w.eq_ignore_ascii_case("AND") && !w.eq_ignore_ascii_case("OR") =>
            {
                Ok(w)
            }
            Some(Token::Quoted(s)) => Ok(s),
            Some(t) => Err(format!(
                "Expected a value for field '{field}' but found {}.",
                t.describe()
            )),
            None => Err(format!("Expected a value for field '{field}'.")),
        }
    }

    fn two_values(&mut self, field: &str) -> Result<Vec<String>, String> {
        let bracket = self.peek() == Some(&Token::OpenBracket);
        if bracket {
            self.pos += 1;
        }
        let a = self.value(field)?;
        match self.peek() {
            Some(Token::Comma) => self.pos += 1,
            Some(t) if t.is_keyword("AND") => self.pos += 1,
            _ => {}
        }
        let b = self.value(field)?;
        if bracket {
            match self.next() {
                Some(Token::CloseBracket) => {}
                _ => {
                    return Err(format!(
                        "Expected ']' after the two values for field '{field}'."
                    ));
                }
            }
        }
        Ok(vec![a, b])
    }

    fn value_list(&mut self, field: &str) -> Result<Vec<String>, String> {
        let bracket = self.peek() == Some(&Token::OpenBracket);
        if bracket {
            self.pos += 1;
        }
        let mut values = vec![self.value(field)?];
        while self.peek() == Some(&Token::Comma) {
            self.pos += 1;
            values.push(self.value(field)?);
            if values.len() > MAX_VALUES {
                return Err(format!(
                    "More than {MAX_VALUES} values for field '{field}'."
                ));
            }
        }
        if bracket {
            match self.next() {
                Some(Token::CloseBracket) => {}
                _ => {
                    return Err(format!(
                        "Expected ']' after the values for field '{field}'."
                    ));
                }
            }
        }
        Ok(values)
    }

    fn bind(&mut self, v: Param) -> &'static str {
        self.out.params.push(v);
        "?"
    }

    fn emit(
        &mut self,
        col: &Column,
        field: &str,
        op: Op,
        values: &[String],
    ) -> Result<String, String> {
        let c = &col.sql;
        if op == Op::Empty {
            return Ok(format!("({c} IS NULL OR {c} = '')"));
        }
        let typed: Vec<Param> = values
            .iter()
            .map(|v| typed_value(col.ty, op, field, v))
            .collect::<Result<_, _>>()?;
        let text_cmp = matches!(col.ty, FieldType::Text);
        let date_cmp = col.ty == FieldType::Date
            || (col.ty == FieldType::Any
                && matches!(
                    op,
                    Op::After | Op::Before | Op::On | Op::OnOrAfter | Op::OnOrBefore
                ));
        // Date-only values compare with the date part of the column.
        let lhs = |v: &Param| -> String {
            match v {
                Param::Text(s) if date_cmp && s.len() == 10 => format!("substr({c}, 1, 10)"),
                _ => c.clone(),
            }
        };
        let mut first = typed.into_iter();
        let sql = match op {
            Op::Empty => unreachable!("handled above"),
            Op::Is | Op::Equal | Op::On => {
                let v = first.next().unwrap_or(Param::Null);
                let l = lhs(&v);
                let collate = if text_cmp { " COLLATE NOCASE" } else { "" };
                format!("{l} = {}{collate}", self.bind(v))
            }
            Op::AnyOf => {
                let vals: Vec<Param> = first.collect();
                let collate = if text_cmp { " COLLATE NOCASE" } else { "" };
                let marks: Vec<&str> = vals.into_iter().map(|v| self.bind(v)).collect();
                format!("{c}{collate} IN ({})", marks.join(", "))
            }
            Op::Greater | Op::After => self.cmp(&mut first, &lhs, ">"),
            Op::GreaterOrEqual | Op::OnOrAfter => self.cmp(&mut first, &lhs, ">="),
            Op::Less | Op::Before => self.cmp(&mut first, &lhs, "<"),
            Op::LessOrEqual | Op::OnOrBefore => self.cmp(&mut first, &lhs, "<="),
            Op::Between => {
                let a = first.next().unwrap_or(Param::Null);
                let b = first.next().unwrap_or(Param::Null);
                let l = lhs(&a);
                let (ma, mb) = (self.bind(a), self.bind(b));
                format!("{l} BETWEEN {ma} AND {mb}")
            }
            Op::Contain | Op::StartWith | Op::EndWith => {
                let v = values.first().map(String::as_str).unwrap_or_default();
                let esc = like_escape(v);
                let pattern = match op {
                    Op::Contain => format!("%{esc}%"),
                    Op::StartWith => format!("{esc}%"),
                    _ => format!("%{esc}"),
                };
                format!("{c} LIKE {} ESCAPE '\\'", self.bind(Param::Text(pattern)))
            }
        };
        Ok(format!("({sql})"))
    }

    fn cmp(
        &mut self,
        values: &mut impl Iterator<Item = Param>,
        lhs: &dyn Fn(&Param) -> String,
        sym: &str,
    ) -> String {
        let v = values.next().unwrap_or(Param::Null);
        let l = lhs(&v);
        format!("{l} {sym} {}", self.bind(v))
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Empty => "EMPTY",
        Op::Is => "IS",
        Op::Equal => "EQUAL",
        Op::AnyOf => "ANY_OF",
        Op::Greater => "GREATER",
        Op::GreaterOrEqual => "GREATER_OR_EQUAL",
        Op::Less => "LESS",
        Op::LessOrEqual => "LESS_OR_EQUAL",
        Op::Between => "BETWEEN",
        Op::Contain => "CONTAIN",
        Op::StartWith => "START_WITH",
        Op::EndWith => "END_WITH",
        Op::After => "AFTER",
        Op::Before => "BEFORE",
        Op::On => "ON",
        Op::OnOrAfter => "ON_OR_AFTER",
        Op::OnOrBefore => "ON_OR_BEFORE",
    }
}

fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn number(v: &str) -> Option<Param> {
    let t = v.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Param::Integer(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Param::Real)
}

/// `YYYY-MM-DD` (or `YYYY-MM-DDTHH:MM:SSZ`) from `M/D/YYYY`, ISO forms, with an
/// optional time.
pub fn normalize_date(v: &str) -> Option<String> {
    let v = v.trim();
    let (date, time) = match v.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (v, None),
    };
    let (y, m, d) = if let Some((m, rest)) = date.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        (
            y.parse::<u32>().ok()?,
            m.parse::<u32>().ok()?,
            d.parse::<u32>().ok()?,
        )
    } else {
        let mut it = date.splitn(3, '-');
        let y = it.next()?;
        if y.len() != 4 {
            return None;
        }
        (
            y.parse().ok()?,
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
        )
    };
    if !(1..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let day = format!("{y:04}-{m:02}-{d:02}");
    match time {
        None | Some("") => Some(day),
        Some(t) => {
            let t = t.trim_end_matches('Z');
            let mut it = t.split(':');
            let h: u32 = it.next()?.parse().ok()?;
            let mi: u32 = it.next().unwrap_or("0").parse().ok()?;
            let s: u32 = it.next().unwrap_or("0").split('.').next()?.parse().ok()?;
            if h > 23 || mi > 59 || s > 60 {
                return None;
            }
            Some(format!("{day}T{h:02}:{mi:02}:{s:02}Z"))
        }
    }
}

fn typed_value(ty: FieldType, op: Op, field: &str, v: &str) -> Result<Param, String> {
    let bad = |what: &str| {
        format!(
            "Invalid value '{}' for field '{field}': {what}.",
            truncate(v, 100)
        )
    };
    Ok(match ty {
        FieldType::Text => Param::Text(v.to_owned()),
        FieldType::Number => number(v).ok_or_else(|| bad("a number is expected"))?,
        FieldType::Ref => match v.trim().parse::<i64>() {
            Ok(i) => Param::Integer(i),
            Err(_) => return Err(bad("an internal id is expected")),
        },
        FieldType::Select => {
            // `SalesOrd:B` names a status with its transaction type.
            let id = v.rsplit_once(':').map_or(v, |(_, id)| id);
            Param::Text(id.to_owned())
        }
        FieldType::Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "t" => Param::Text("T".into()),
            "false" | "f" => Param::Text("F".into()),
            _ => return Err(bad("true or false is expected")),
        },
        FieldType::Date => Param::Text(
            normalize_date(v)
                .ok_or_else(|| bad("a date such as 1/31/2025 or 2025-01-31 is expected"))?,
        ),
        FieldType::Any => {
            let datey = matches!(
                op,
                Op::After | Op::Before | Op::On | Op::OnOrAfter | Op::OnOrBefore
            );
            if datey {
                Param::Text(normalize_date(v).ok_or_else(|| bad("a date is expected"))?)
            } else if let Some(n) = number(v) {
                n
            } else {
                match v.to_ascii_lowercase().as_str() {
                    "true" => Param::Integer(1),
                    "false" => Param::Integer(0),
                    _ => Param::Text(v.to_owned()),
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(name: &str) -> Option<Column> {
        let (sql, ty) = match name.to_ascii_lowercase().as_str() {
            "id" => ("id", FieldType::Number),
            "companyname" => ("companyname", FieldType::Text),
            "email" => ("email", FieldType::Text),
            "isinactive" => ("isinactive", FieldType::Bool),
            "datecreated" => ("datecreated", FieldType::Date),
            "entity" => ("entity", FieldType::Ref),
            "status" => ("status", FieldType::Select),
            "total" => ("foreigntotal", FieldType::Number),
            _ => return None,
        };
        Some(Column {
            sql: sql.into(),
            ty,
        })
    }

    fn ok(q: &str) -> Condition {
        compile(q, &resolve).unwrap_or_else(|e| panic!("{q}: {e}"))
    }

    fn err(q: &str) -> String {
        compile(q, &resolve).expect_err(q)
    }

    #[test]
    fn conditions() {
        let c = ok("companyName START_WITH \"Acme\"");
        assert_eq!(c.sql, "(companyname LIKE ? ESCAPE '\\')");
        assert_eq!(c.params, vec![Param::Text("Acme%".into())]);
        let c = ok("id ANY_OF [101, 102,103]");
        assert_eq!(c.sql, "(id IN (?, ?, ?))");
        let c = ok("id ANY_OF 101, 102");
        assert_eq!(c.params.len(), 2);
        let c = ok("email EMPTY");
        assert_eq!(c.sql, "(email IS NULL OR email = '')");
        assert!(c.params.is_empty());
        let c = ok("email EMPTY_NOT");
        assert!(c.sql.starts_with("(email IS NULL OR NOT"));
        let c = ok("isInactive IS false");
        assert_eq!(c.params, vec![Param::Text("F".into())]);
        let c = ok("dateCreated AFTER \"1/31/2025\"");
        assert_eq!(c.sql, "(substr(datecreated, 1, 10) > ?)");
        assert_eq!(c.params, vec![Param::Text("2025-01-31".into())]);
        let c = ok("dateCreated ON_OR_AFTER 2025-01-31T10:00:00Z");
        assert_eq!(c.sql, "(datecreated >= ?)");
        let c = ok("total BETWEEN 10 AND 20.5 AND status ANY_OF \"SalesOrd:B\", C");
        assert_eq!(
            c.sql,
            "((foreigntotal BETWEEN ? AND ?) AND (status IN (?, ?)))"
        );
        assert_eq!(
            c.params,
            vec![
                Param::Integer(10),
                Param::Real(20.5),
                Param::Text("B".into()),
                Param::Text("C".into())
            ]
        );
        let c = ok("(id GREATER 5 OR id LESS 2) AND email CONTAIN \"50%_\"");
        assert_eq!(
            c.sql,
            "(((id > ?) OR (id < ?)) AND (email LIKE ? ESCAPE '\\'))"
        );
        assert_eq!(c.params[2], Param::Text("%50\\%\\_%".into()));
        let c = ok("entity equal 104 or companyname is 'O\\'Brien'");
        assert_eq!(c.params[1], Param::Text("O'Brien".into()));
        ok("email END_WITH .example");
        ok("email ENDWITH .example");
        ok("total BETWEEN [1, 2]");
        ok("total WITHIN 1 2");
        ok("total GREATER_OR_EQUAL_NOT 3");
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            err("subsidiary EQUAL 1"),
            "Unknown identifier 'subsidiary'."
        );
        assert!(err("id FOO 1").contains("Unknown operator 'FOO'"));
        assert!(err("id").contains("Expected an operator"));
        assert!(err("id EQUAL").contains("Expected a value"));
        assert!(err("id EQUAL abc").contains("a number is expected"));
        assert!(err("entity EQUAL x").contains("internal id"));
        assert!(err("isInactive IS maybe").contains("true or false"));
        assert!(err("dateCreated AFTER 2025-13-01").contains("a date"));
        assert!(err("id CONTAIN 1").contains("not valid"));
        assert!(err("(id EQUAL 1").contains("')'"));
        assert!(err("id EQUAL 1)").contains("Unexpected"));
        assert!(err("id EQUAL 1 AND").contains("Expected a condition"));
        assert!(err("email IS \"open").contains("Unterminated"));
        assert!(err("").contains("empty"));
        assert!(err("AND").contains("Unknown identifier"));
        let deep = format!("{}id EQUAL 1{}", "(".repeat(40), ")".repeat(40));
        assert!(err(&deep).contains("nested"));
        assert!(err(&"x".repeat(9000)).contains("longer"));
    }

    #[test]
    fn dates() {
        assert_eq!(normalize_date("1/2/2025").as_deref(), Some("2025-01-02"));
        assert_eq!(normalize_date("2025-01-02").as_deref(), Some("2025-01-02"));
        assert_eq!(
            normalize_date("2025-01-02 3:04").as_deref(),
            Some("2025-01-02T03:04:00Z")
        );
        for bad in [
            "",
            "2025",
            "13/1/2025",
            "2025-02-40",
            "x/y/z",
            "25-01-01",
            "2025-01-01T25:00",
        ] {
            assert_eq!(normalize_date(bad), None, "{bad}");
        }
    }
}
