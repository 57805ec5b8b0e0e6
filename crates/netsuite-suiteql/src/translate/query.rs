//! Queries: SELECT, FROM and joins, set operations, ORDER BY and row limits.

use sqlparser::ast::{
    BinaryOperator, Distinct, Expr, GroupByExpr, Join, JoinConstraint, JoinOperator, LimitClause,
    ObjectNamePart, OrderBy, OrderByExpr, OrderByKind, OrderBySort, Query, Select, SelectFlavor,
    SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, TableFactor,
    TableWithJoins, TopQuantity, Value, WildcardAdditionalOptions,
};

use super::{
    Clause, KeysetSpan, OutColumn, QueryOut, Scope, Source, Translator, is_rownum, literal_number,
    user_alias,
};
use crate::Error;
use crate::sql::{Sql, Ty, ident, join_all, prec};

/// A row limit and offset.
#[derive(Clone, Copy, Debug, Default)]
struct Limits {
    limit: Option<u64>,
    offset: Option<u64>,
}

impl Limits {
    fn sql(self) -> String {
        match (self.limit, self.offset) {
            (None, None) => String::new(),
            (Some(l), None) => format!(" LIMIT {l}"),
            (Some(l), Some(o)) => format!(" LIMIT {l} OFFSET {o}"),
            (None, Some(o)) => format!(" LIMIT -1 OFFSET {o}"),
        }
    }

    fn is_some(self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}

/// A FROM item as written, before outer joins are rebuilt.
#[derive(Debug)]
struct FromItem {
    alias: String,
    sql: String,
}

impl Translator {
    /// Translates a query (a SELECT, a set operation or a parenthesized query).
    pub(crate) fn query(&mut self, q: &Query) -> Result<QueryOut, Error> {
        self.enter()?;
        let out = self.query_inner(q);
        self.leave();
        out
    }

    fn query_inner(&mut self, q: &Query) -> Result<QueryOut, Error> {
        if q.with.is_some() {
            return Err(Error::unsupported("WITH clause"));
        }
        if !q.locks.is_empty() {
            return Err(Error::unsupported("FOR UPDATE"));
        }
        if q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() {
            return Err(Error::unsupported("FOR, SETTINGS or FORMAT clause"));
        }
        if !q.pipe_operators.is_empty() {
            return Err(Error::unsupported("pipe operators"));
        }
        let limits = query_limits(q)?;
        let order_by = q.order_by.as_ref();
        match &*q.body {
            SetExpr::Select(s) => self.select(s, order_by, limits),
            SetExpr::SetOperation { .. } => self.set_operation(&q.body, order_by, limits),
            SetExpr::Query(inner) => {
                let inner = self.query(inner)?;
                if order_by.is_none() && !limits.is_some() {
                    return Ok(inner);
                }
                let order = match order_by {
                    Some(o) => self.output_order_by(o, &inner.columns)?,
                    None => String::new(),
                };
                let sql = format!("SELECT * FROM ({})", inner.sql);
                let unordered_len = (!order.is_empty() && !limits.is_some()).then_some(sql.len());
                Ok(QueryOut {
                    sql: format!("{sql}{order}{}", limits.sql()),
                    columns: inner.columns,
                    bare: false,
                    compound: false,
                    unordered_len,
                    keyset: None,
                })
            }
            other => Err(set_expr_error(other)),
        }
    }

    /// `a UNION b MINUS c ...`. Oracle gives every set operator the same
    /// precedence, left to right; sqlparser binds INTERSECT tighter, so the
    /// tree is read back in order (parenthesized operands stay whole).
    fn set_operation(
        &mut self,
        body: &SetExpr,
        order_by: Option<&OrderBy>,
        limits: Limits,
    ) -> Result<QueryOut, Error> {
        enum Item<'a> {
            Operand(&'a SetExpr),
            Operator(&'a SetOperator, &'a SetQuantifier),
        }
        let mut operands = Vec::new();
        let mut operators = Vec::new();
        let mut stack = vec![Item::Operand(body)];
        while let Some(item) = stack.pop() {
            match item {
                Item::Operand(SetExpr::SetOperation {
                    left,
                    op,
                    set_quantifier,
                    right,
                }) => {
                    stack.push(Item::Operand(right));
                    stack.push(Item::Operator(op, set_quantifier));
                    stack.push(Item::Operand(left));
                }
                Item::Operand(e) => operands.push(e),
                Item::Operator(op, q) => operators.push((op, q)),
            }
        }
        let first = operands.remove(0);
        let chain: Vec<_> = operators
            .into_iter()
            .zip(operands)
            .map(|((op, q), right)| (op, q, right))
            .collect();
        let first = self.set_operand(first)?;
        let columns = first.columns;
        let mut sql = if first.bare {
            first.sql
        } else {
            format!("SELECT * FROM ({})", first.sql)
        };
        for (op, quantifier, right) in chain {
            let keyword = match (op, quantifier) {
                (SetOperator::Union, SetQuantifier::None | SetQuantifier::Distinct) => "UNION",
                (SetOperator::Union, SetQuantifier::All) => "UNION ALL",
                (
                    SetOperator::Minus | SetOperator::Except,
                    SetQuantifier::None | SetQuantifier::Distinct,
                ) => "EXCEPT",
                (SetOperator::Intersect, SetQuantifier::None | SetQuantifier::Distinct) => {
                    "INTERSECT"
                }
                (op, quantifier) => return Err(Error::unsupported(format!("{op} {quantifier}"))),
            };
            let right = self.set_operand(right)?;
            if right.columns.len() != columns.len() {
                return Err(Error::invalid(format!(
                    "the queries of {keyword} return different numbers of columns ({} and {})",
                    columns.len(),
                    right.columns.len()
                )));
            }
            sql.push(' ');
            sql.push_str(keyword);
            sql.push(' ');
            if right.bare && !right.compound {
                sql.push_str(&right.sql);
            } else {
                sql.push_str("SELECT * FROM (");
                sql.push_str(&right.sql);
                sql.push(')');
            }
            if sql.len() > crate::limits::MAX_SQL_BYTES {
                return Err(Error::too_complex("the translated SQL is too long"));
            }
        }
        let mut unordered_len = None;
        if let Some(o) = order_by {
            if !limits.is_some() {
                unordered_len = Some(sql.len());
            }
            sql.push_str(&self.output_order_by(o, &columns)?);
        }
        sql.push_str(&limits.sql());
        Ok(QueryOut {
            sql,
            columns,
            bare: order_by.is_none() && !limits.is_some(),
            compound: true,
            unordered_len,
            keyset: None,
        })
    }

    fn set_operand(&mut self, e: &SetExpr) -> Result<QueryOut, Error> {
        match e {
            SetExpr::Select(s) => self.select(s, None, Limits::default()),
            SetExpr::Query(q) => self.query(q),
            other => Err(set_expr_error(other)),
        }
    }

    /// ORDER BY of a set operation or a parenthesized query: output columns
    /// by name or position.
    fn output_order_by(
        &mut self,
        order_by: &OrderBy,
        columns: &[OutColumn],
    ) -> Result<String, Error> {
        let items = order_items(order_by)?;
        let mut parts = Vec::new();
        for item in items {
            let (text, not_null) = match &item.expr {
                Expr::Identifier(id) => named_output(&id.value, columns)?,
                Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                    named_output(&parts[parts.len() - 1].value, columns)?
                }
                e => match literal_number(e) {
                    Some(n) => position(n, columns)?,
                    None => {
                        return Err(Error::unsupported(
                            "an expression in ORDER BY of a set operation (use a column name or position)",
                        ));
                    }
                },
            };
            parts.push(order_term(text, not_null, item)?);
        }
        Ok(format!(" ORDER BY {}", parts.join(", ")))
    }

    /// Translates one SELECT with the ORDER BY and row limits of its query.
    fn select(
        &mut self,
        s: &Select,
        order_by: Option<&OrderBy>,
        limits: Limits,
    ) -> Result<QueryOut, Error> {
        self.enter()?;
        self.scopes.push(Scope::default());
        let out = self.select_in_scope(s, order_by, limits);
        self.scopes.pop();
        self.leave();
        out
    }

    fn select_in_scope(
        &mut self,
        s: &Select,
        order_by: Option<&OrderBy>,
        limits: Limits,
    ) -> Result<QueryOut, Error> {
        check_select(s)?;
        // FROM
        if s.from.is_empty() {
            return Err(Error::invalid("FROM clause missing (use FROM DUAL)"));
        }
        self.scope().clause = Clause::From;
        let mut items = Vec::new();
        let mut ansi = false;
        for twj in &s.from {
            ansi |= !twj.joins.is_empty();
            items.push(self.table_with_joins(twj)?);
        }

        // WHERE: ROWNUM bounds become a LIMIT, (+) conditions become LEFT JOINs.
        self.scope().clause = Clause::Where;
        let mut rownum_limit: Option<u64> = None;
        let mut conditions = Vec::new();
        let mut outer: Vec<(String, Sql, Vec<String>)> = Vec::new();
        // Keyset candidates: (index in `conditions`, column SQL, inclusive, bound).
        let mut keysets: Vec<(usize, String, bool, i64)> = Vec::new();
        let top_level = self.scopes.len() == 1;
        if let Some(selection) = &s.selection {
            for conjunct in conjuncts(selection) {
                match rownum_bound(conjunct)? {
                    Rownum::Other => {}
                    Rownum::Always => continue,
                    Rownum::Limit(bound) => {
                        rownum_limit = Some(rownum_limit.map_or(bound, |l| l.min(bound)));
                        continue;
                    }
                }
                let scope = self.scope();
                scope.outer_join_marks = Some(Vec::new());
                scope.references = Some(Vec::new());
                let sql = self.expr(conjunct);
                let scope = self.scope();
                let marks = scope.outer_join_marks.take().unwrap_or_default();
                let refs = scope.references.take().unwrap_or_default();
                let sql = sql?;
                match marks.as_slice() {
                    [] => {
                        if top_level
                            && let Some((c, inc, n)) = self.keyset_predicate(conjunct, &sql)?
                        {
                            keysets.push((conditions.len(), c, inc, n));
                        }
                        conditions.push(sql);
                    }
                    [alias] => {
                        if ansi {
                            return Err(Error::unsupported(
                                "the (+) outer join operator together with ANSI JOIN syntax",
                            ));
                        }
                        let deps = refs.into_iter().filter(|r| r != alias).collect();
                        outer.push((alias.clone(), sql, deps));
                    }
                    _ => {
                        return Err(Error::unsupported(
                            "(+) on columns of more than one table in one condition",
                        ));
                    }
                }
            }
        }
        let (from_sql, extra_conditions) = if outer.is_empty() {
            (
                items
                    .iter()
                    .map(|i| i.sql.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                Vec::new(),
            )
        } else {
            outer_joins(&items, outer)?
        };
        conditions.extend(extra_conditions);

        // Select list.
        self.scope().clause = Clause::Select;
        let mut projection = Vec::new();
        let mut columns = Vec::new();
        let mut unnamed = 0;
        for item in &s.projection {
            self.select_item(item, &mut projection, &mut columns, &mut unnamed)?;
        }
        self.scope().outputs = columns.clone();

        // GROUP BY, HAVING
        let mut group_by = Vec::new();
        match &s.group_by {
            GroupByExpr::All(_) => return Err(Error::unsupported("GROUP BY ALL")),
            GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(Error::unsupported("GROUP BY modifiers (WITH ROLLUP, ...)"));
                }
                self.scope().clause = Clause::GroupBy;
                for e in exprs {
                    group_by.push(self.expr(e)?.text);
                }
            }
        }
        let having = match &s.having {
            Some(h) => {
                self.scope().clause = Clause::Having;
                let h = self.expr(h)?;
                if group_by.is_empty() && !self.scope().aggregates {
                    return Err(Error::invalid(
                        "HAVING without GROUP BY or aggregate functions",
                    ));
                }
                Some(h)
            }
            None => None,
        };

        // ORDER BY
        let order = self.select_order_by(order_by, &columns)?;

        // Row limits: ROWNUM (before ORDER BY in Oracle), TOP, FETCH/OFFSET.
        let scope = self.scope();
        let grouped = scope.aggregates
            || !group_by.is_empty()
            || matches!(s.distinct, Some(Distinct::Distinct));
        let mut limits = limits;
        if let Some(top) = &s.top {
            if limits.is_some() {
                return Err(Error::unsupported(
                    "TOP together with FETCH FIRST or OFFSET",
                ));
            }
            if top.percent || top.with_ties {
                return Err(Error::unsupported("TOP ... PERCENT or WITH TIES"));
            }
            limits.limit = Some(match &top.quantity {
                Some(TopQuantity::Constant(n)) => *n,
                Some(TopQuantity::Expr(e)) => row_count(e, "TOP")?,
                None => return Err(Error::invalid("TOP without a row count")),
            });
        }
        if let Some(n) = rownum_limit {
            if limits.is_some() {
                return Err(Error::unsupported(
                    "ROWNUM together with TOP, FETCH FIRST or OFFSET",
                ));
            }
            if grouped {
                return Err(Error::unsupported(
                    "ROWNUM in WHERE together with GROUP BY, DISTINCT or aggregate functions",
                ));
            }
            limits.limit = Some(n);
        }

        let keyset_ok = !grouped
            && having.is_none()
            && !limits.is_some()
            && s.distinct.is_none()
            && keysets.len() == 1;
        let mut sql = String::from("SELECT ");
        if matches!(s.distinct, Some(Distinct::Distinct)) {
            sql.push_str("DISTINCT ");
        }
        sql.push_str(&projection.join(", "));
        sql.push_str(" FROM ");
        sql.push_str(&from_sql);
        let mut keyset = None;
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            if keyset_ok && let Some((at, column, inclusive, bound)) = keysets.pop() {
                keyset = keyset_span(&conditions, at, sql.len(), column, inclusive, bound);
            }
            sql.push_str(&join_all(conditions, "AND", prec::AND).text);
        }
        if !group_by.is_empty() {
            sql.push_str(" GROUP BY ");
            sql.push_str(&group_by.join(", "));
        }
        if let Some(h) = having {
            sql.push_str(" HAVING ");
            sql.push_str(&h.text);
        }
        let unordered_len = (!order.is_empty() && !limits.is_some()).then_some(sql.len());
        sql.push_str(&order);
        sql.push_str(&limits.sql());
        if sql.len() > crate::limits::MAX_SQL_BYTES {
            return Err(Error::too_complex("the translated SQL is too long"));
        }
        Ok(QueryOut {
            sql,
            columns,
            bare: order.is_empty() && !limits.is_some(),
            compound: false,
            unordered_len,
            keyset,
        })
    }

    /// The ` ORDER BY ...` of a SELECT (empty without one): output names and
    /// positions refer to the select list's `columns`.
    fn select_order_by(
        &mut self,
        order_by: Option<&OrderBy>,
        columns: &[OutColumn],
    ) -> Result<String, Error> {
        Ok(match order_by {
            Some(o) => {
                self.scope().clause = Clause::OrderBy;
                let mut parts = Vec::new();
                for item in order_items(o)? {
                    let (text, not_null) = match &item.expr {
                        Expr::Identifier(id)
                            if columns.iter().any(|c| c.name == id.value.to_lowercase()) =>
                        {
                            named_output(&id.value, columns)?
                        }
                        e => match e {
                            Expr::Value(v) if matches!(v.value, Value::Number(..)) => {
                                position(literal_number(e).unwrap_or(0.0), columns)?
                            }
                            _ => {
                                let sql = self.expr(e)?;
                                (sql.text, sql.not_null)
                            }
                        },
                    };
                    parts.push(order_term(text, not_null, item)?);
                }
                format!(" ORDER BY {}", parts.join(", "))
            }
            None => String::new(),
        })
    }

    fn select_item(
        &mut self,
        item: &SelectItem,
        projection: &mut Vec<String>,
        columns: &mut Vec<OutColumn>,
        unnamed: &mut usize,
    ) -> Result<(), Error> {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let sql = self.expr(e)?;
                let name = match e {
                    Expr::Identifier(id) => Some(id.value.to_lowercase()),
                    Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.to_lowercase()),
                    _ => None,
                };
                let name = name.unwrap_or_else(|| {
                    *unnamed += 1;
                    format!("expr{unnamed}")
                });
                projection.push(format!("{} AS {}", sql.text, ident(&name)));
                columns.push(OutColumn {
                    name,
                    ty: sql.ty,
                    not_null: sql.not_null,
                });
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let sql = self.expr(expr)?;
                let name = user_alias(alias)?;
                projection.push(format!("{} AS {}", sql.text, ident(&name)));
                columns.push(OutColumn {
                    name,
                    ty: sql.ty,
                    not_null: sql.not_null,
                });
            }
            SelectItem::ExprWithAliases { .. } => {
                return Err(Error::unsupported("several aliases for one select item"));
            }
            SelectItem::Wildcard(options) => {
                check_wildcard(options)?;
                let scope = self.scope();
                for source in &scope.sources {
                    expand(source, projection, columns);
                }
            }
            SelectItem::QualifiedWildcard(kind, options) => {
                check_wildcard(options)?;
                let SelectItemQualifiedWildcardKind::ObjectName(name) = kind else {
                    return Err(Error::unsupported("expression.* in the select list"));
                };
                let [ObjectNamePart::Identifier(alias)] = name.0.as_slice() else {
                    return Err(Error::unsupported("schema.table.* in the select list"));
                };
                let alias = alias.value.to_lowercase();
                let scope = self.scope();
                let Some(source) = scope.sources.iter().find(|s| s.alias == alias) else {
                    return Err(Error::UnknownField {
                        field: format!("{alias}.*"),
                        record: None,
                    });
                };
                expand(source, projection, columns);
            }
        }
        Ok(())
    }

    /// `column > N` or `column >= N` with N an integer, translated to `translated`
    /// as written: the column's SQL, whether the bound is inclusive, and N.
    fn keyset_predicate(
        &mut self,
        e: &Expr,
        translated: &Sql,
    ) -> Result<Option<(String, bool, i64)>, Error> {
        let Expr::BinaryOp { left, op, right } = e else {
            return Ok(None);
        };
        let inclusive = match op {
            BinaryOperator::Gt => false,
            BinaryOperator::GtEq => true,
            _ => return Ok(None),
        };
        if !matches!(**left, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            return Ok(None);
        }
        let Expr::Value(v) = &**right else {
            return Ok(None);
        };
        let Value::Number(n, false) = &v.value else {
            return Ok(None);
        };
        let Ok(bound) = n.parse::<i64>() else {
            return Ok(None);
        };
        if is_rownum(left) {
            return Ok(None);
        }
        let column = self.expr(left)?.text;
        let op = if inclusive { ">=" } else { ">" };
        Ok((translated.text == format!("{column} {op} {bound}"))
            .then_some((column, inclusive, bound)))
    }

    /// A comma-separated FROM item: a table or subquery and its JOINs.
    fn table_with_joins(&mut self, twj: &TableWithJoins) -> Result<FromItem, Error> {
        let (alias, mut sql) = self.table_factor(&twj.relation)?;
        for join in &twj.joins {
            sql.push(' ');
            sql.push_str(&self.join(join)?);
        }
        Ok(FromItem { alias, sql })
    }

    fn join(&mut self, join: &Join) -> Result<String, Error> {
        if join.global {
            return Err(Error::unsupported("GLOBAL JOIN"));
        }
        let (keyword, constraint) = match &join.join_operator {
            JoinOperator::Join(c) => ("JOIN", c),
            JoinOperator::Inner(c) => ("INNER JOIN", c),
            JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => ("LEFT JOIN", c),
            JoinOperator::Right(c) | JoinOperator::RightOuter(c) => ("RIGHT JOIN", c),
            JoinOperator::FullOuter(c) => ("FULL JOIN", c),
            JoinOperator::CrossJoin(c) => ("CROSS JOIN", c),
            JoinOperator::CrossApply | JoinOperator::OuterApply => {
                return Err(Error::unsupported("APPLY"));
            }
            _ => return Err(Error::unsupported("this kind of JOIN")),
        };
        let (_, relation) = self.table_factor(&join.relation)?;
        let on = match constraint {
            JoinConstraint::On(e) if keyword != "CROSS JOIN" => {
                let saved = self.scope().clause;
                self.scope().clause = Clause::From;
                let sql = self.expr(e);
                self.scope().clause = saved;
                format!(" ON {}", sql?.text)
            }
            JoinConstraint::Using(names) if keyword != "CROSS JOIN" => {
                let mut cols = Vec::new();
                for name in names {
                    let [ObjectNamePart::Identifier(id)] = name.0.as_slice() else {
                        return Err(Error::unsupported("a qualified name in USING"));
                    };
                    let lc = id.value.to_lowercase();
                    cols.push(ident(&lc));
                    self.scope().using.push(lc);
                }
                format!(" USING ({})", cols.join(", "))
            }
            JoinConstraint::None if keyword == "CROSS JOIN" => String::new(),
            JoinConstraint::Natural => return Err(Error::unsupported("NATURAL JOIN")),
            JoinConstraint::None => {
                return Err(Error::invalid(format!("{keyword} without ON or USING")));
            }
            _ => return Err(Error::unsupported("CROSS JOIN with a join condition")),
        };
        Ok(format!("{keyword} {relation}{on}"))
    }

    /// A table, a subquery or a parenthesized join; `(alias, sql)`.
    fn table_factor(&mut self, factor: &TableFactor) -> Result<(String, String), Error> {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_hints,
            } => {
                if args.is_some() {
                    return Err(Error::unsupported("table functions"));
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_hints.is_empty()
                {
                    return Err(Error::unsupported(
                        "table hints, versions, partitions or samples",
                    ));
                }
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(id) => id.value.to_lowercase(),
                        ObjectNamePart::Function(f) => f.name.value.to_lowercase(),
                    })
                    .collect();
                let table_name = parts.join(".");
                let alias = match alias {
                    Some(a) => {
                        if !a.columns.is_empty() {
                            return Err(Error::unsupported("column names in a table alias"));
                        }
                        user_alias(&a.name)?
                    }
                    None => table_name.clone(),
                };
                if table_name == "dual" {
                    self.add_source(Source {
                        alias: alias.clone(),
                        table: None,
                        columns: vec![OutColumn {
                            name: "dummy".into(),
                            ty: Ty::Text,
                            not_null: true,
                        }],
                    })?;
                    return Ok((
                        alias.clone(),
                        format!("(SELECT 'X' AS \"dummy\") AS {}", ident(&alias)),
                    ));
                }
                let Some(table) = self.model.table(&table_name) else {
                    return Err(Error::UnknownTable { name: table_name });
                };
                self.add_source(Source {
                    alias: alias.clone(),
                    table: Some(table),
                    columns: table
                        .columns
                        .iter()
                        .map(|c| OutColumn {
                            name: c.name.to_owned(),
                            ty: c.ty(),
                            not_null: c.not_null,
                        })
                        .collect(),
                })?;
                let sql = if alias == table.name {
                    ident(table.name)
                } else {
                    format!("{} AS {}", ident(table.name), ident(&alias))
                };
                Ok((alias, sql))
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample,
            } => {
                if *lateral {
                    return Err(Error::unsupported("LATERAL"));
                }
                if sample.is_some() {
                    return Err(Error::unsupported("TABLESAMPLE"));
                }
                let alias = match alias {
                    Some(a) => {
                        if !a.columns.is_empty() {
                            return Err(Error::unsupported("column names in a table alias"));
                        }
                        user_alias(&a.name)?
                    }
                    None => self.derived_alias(),
                };
                // A subquery in FROM cannot see the other items of its FROM.
                self.scope().hidden = true;
                let out = self.query(subquery);
                self.scope().hidden = false;
                let out = out?;
                self.add_source(Source {
                    alias: alias.clone(),
                    table: None,
                    columns: out.columns,
                })?;
                Ok((alias.clone(), format!("({}) AS {}", out.sql, ident(&alias))))
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    return Err(Error::unsupported("an alias for a parenthesized join"));
                }
                self.enter()?;
                let item = self.table_with_joins(table_with_joins);
                self.leave();
                let item = item?;
                Ok((item.alias, format!("({})", item.sql)))
            }
            TableFactor::TableFunction { .. } | TableFactor::Function { .. } => {
                Err(Error::unsupported("table functions"))
            }
            TableFactor::UNNEST { .. } => Err(Error::unsupported("UNNEST")),
            TableFactor::Pivot { .. } => Err(Error::unsupported("PIVOT")),
            TableFactor::Unpivot { .. } => Err(Error::unsupported("UNPIVOT")),
            TableFactor::MatchRecognize { .. } => Err(Error::unsupported("MATCH_RECOGNIZE")),
            _ => Err(Error::unsupported("this kind of FROM item")),
        }
    }
}

/// Rebuilds a FROM clause whose WHERE had Oracle `(+)` conditions: each
/// table marked `(+)` becomes `LEFT JOIN table ON <its conditions>`, after
/// the tables those conditions use. Returns the FROM text and conditions
/// that go back to WHERE.
fn outer_joins(
    items: &[FromItem],
    outer: Vec<(String, Sql, Vec<String>)>,
) -> Result<(String, Vec<Sql>), Error> {
    let optional: Vec<&str> = items
        .iter()
        .map(|i| i.alias.as_str())
        .filter(|a| outer.iter().any(|(o, _, _)| o == a))
        .collect();
    let mut placed: Vec<&str> = items
        .iter()
        .map(|i| i.alias.as_str())
        .filter(|a| !optional.contains(a))
        .collect();
    let mut sql = items
        .iter()
        .filter(|i| placed.contains(&i.alias.as_str()))
        .map(|i| i.sql.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut back_to_where = Vec::new();
    let mut pending: Vec<&str> = optional.clone();
    let mut conditions: Vec<(String, Option<Sql>, Vec<String>)> =
        outer.into_iter().map(|(a, s, d)| (a, Some(s), d)).collect();
    if placed.is_empty() {
        // Every table is marked (+): the first is the preserved one, and its
        // conditions are ordinary filters.
        let first = pending.remove(0);
        placed.push(first);
        sql = items
            .iter()
            .find(|i| i.alias == first)
            .map(|i| i.sql.clone())
            .unwrap_or_default();
        for (alias, cond, _) in &mut conditions {
            if alias == first
                && let Some(c) = cond.take()
            {
                back_to_where.push(c);
            }
        }
    }
    while !pending.is_empty() {
        let next = pending.iter().position(|alias| {
            conditions
                .iter()
                .filter(|(a, c, _)| a == alias && c.is_some())
                .all(|(_, _, deps)| {
                    deps.iter().all(|d| {
                        placed.contains(&d.as_str()) || !items.iter().any(|i| &i.alias == d)
                    })
                })
        });
        let Some(next) = next else {
            return Err(Error::unsupported("circular (+) outer joins"));
        };
        let alias = pending.remove(next);
        let on: Vec<Sql> = conditions
            .iter_mut()
            .filter(|(a, _, _)| a == alias)
            .filter_map(|(_, c, _)| c.take())
            .collect();
        let acc = join_all(on, "AND", prec::AND);
        let item = items
            .iter()
            .find(|i| i.alias == alias)
            .map(|i| i.sql.as_str())
            .unwrap_or_default();
        sql.push_str(" LEFT JOIN ");
        sql.push_str(item);
        sql.push_str(" ON ");
        sql.push_str(&acc.text);
        placed.push(alias);
    }
    Ok((sql, back_to_where))
}

/// The conjuncts of a WHERE condition (`a AND (b AND c)` -> a, b, c).
fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                stack.push(right);
                stack.push(left);
            }
            Expr::Nested(inner)
                if matches!(
                    &**inner,
                    Expr::BinaryOp {
                        op: BinaryOperator::And,
                        ..
                    } | Expr::Nested(_)
                ) =>
            {
                stack.push(inner);
            }
            e => out.push(e),
        }
    }
    out
}

/// What a WHERE conjunct says about ROWNUM.
enum Rownum {
    Other,
    /// Always true (`ROWNUM > 0`).
    Always,
    Limit(u64),
}

/// `ROWNUM <= n` (and `<`, `=`, `>`, `>=`, either way round) as a row limit.
fn rownum_bound(e: &Expr) -> Result<Rownum, Error> {
    let Expr::BinaryOp { left, op, right } = e else {
        return Ok(Rownum::Other);
    };
    let (op, n) = if is_rownum(left) {
        (op.clone(), right)
    } else if is_rownum(right) {
        let flipped = match op {
            BinaryOperator::Lt => BinaryOperator::Gt,
            BinaryOperator::LtEq => BinaryOperator::GtEq,
            BinaryOperator::Gt => BinaryOperator::Lt,
            BinaryOperator::GtEq => BinaryOperator::LtEq,
            other => other.clone(),
        };
        (flipped, left)
    } else {
        return Ok(Rownum::Other);
    };
    let Some(n) = literal_number(n) else {
        return Err(Error::unsupported(
            "ROWNUM compared with something other than a number",
        ));
    };
    let clamp = |v: f64| if v <= 0.0 { 0 } else { v.min(1e18) as u64 };
    Ok(Rownum::Limit(match op {
        BinaryOperator::LtEq => clamp(n.floor()),
        BinaryOperator::Lt => clamp(n.ceil() - 1.0),
        BinaryOperator::Eq if n == 1.0 => 1,
        BinaryOperator::Eq => 0,
        // ROWNUM > n keeps no row once n >= 1 (the first row would be 1).
        BinaryOperator::Gt if n < 1.0 => return Ok(Rownum::Always),
        BinaryOperator::GtEq if n <= 1.0 => return Ok(Rownum::Always),
        BinaryOperator::Gt | BinaryOperator::GtEq => 0,
        _ => return Err(Error::unsupported(format!("ROWNUM {op} n"))),
    }))
}

/// `OFFSET n ROWS` and `FETCH FIRST n ROWS ONLY`.
fn query_limits(q: &Query) -> Result<Limits, Error> {
    let mut limits = Limits::default();
    match &q.limit_clause {
        None => {}
        Some(LimitClause::LimitOffset {
            limit: None,
            offset: Some(offset),
            limit_by,
        }) if limit_by.is_empty() => limits.offset = Some(row_count(&offset.value, "OFFSET")?),
        Some(_) => return Err(Error::unsupported("LIMIT (use FETCH FIRST n ROWS ONLY)")),
    }
    if let Some(fetch) = &q.fetch {
        if fetch.with_ties || fetch.percent {
            return Err(Error::unsupported("FETCH ... PERCENT or WITH TIES"));
        }
        limits.limit = Some(match &fetch.quantity {
            Some(e) => row_count(e, "FETCH FIRST")?,
            None => 1,
        });
    }
    Ok(limits)
}

fn row_count(e: &Expr, clause: &str) -> Result<u64, Error> {
    match literal_number(e) {
        Some(n) if n <= 0.0 => Ok(0),
        Some(n) if n.fract() == 0.0 => Ok(n.min(1e18) as u64),
        _ => Err(Error::unsupported(format!(
            "{clause} with a row count that is not a whole number"
        ))),
    }
}

fn order_items(order_by: &OrderBy) -> Result<&[OrderByExpr], Error> {
    if order_by.interpolate.is_some() {
        return Err(Error::unsupported("INTERPOLATE"));
    }
    match &order_by.kind {
        OrderByKind::Expressions(items) => Ok(items),
        OrderByKind::All(_) => Err(Error::unsupported("ORDER BY ALL")),
    }
}

/// `expr [DESC] [NULLS FIRST|LAST]`, with Oracle's default NULL ordering
/// (last when ascending, first when descending) spelled out.
fn order_term(text: String, not_null: bool, item: &OrderByExpr) -> Result<String, Error> {
    if item.with_fill.is_some() {
        return Err(Error::unsupported("WITH FILL"));
    }
    let descending = match item.options.sort {
        None | Some(OrderBySort::Asc) => false,
        Some(OrderBySort::Desc) => true,
        Some(_) => return Err(Error::unsupported("ORDER BY ... USING")),
    };
    let mut out = text;
    if descending {
        out.push_str(" DESC");
    }
    match item.options.nulls_first {
        Some(true) => out.push_str(" NULLS FIRST"),
        Some(false) => out.push_str(" NULLS LAST"),
        None if not_null => {}
        None if descending => out.push_str(" NULLS FIRST"),
        None => out.push_str(" NULLS LAST"),
    }
    Ok(out)
}

fn named_output(name: &str, columns: &[OutColumn]) -> Result<(String, bool), Error> {
    let lc = name.to_lowercase();
    match columns.iter().find(|c| c.name == lc) {
        Some(c) => Ok((ident(&c.name), c.not_null)),
        None => Err(Error::UnknownField {
            field: lc,
            record: None,
        }),
    }
}

fn position(n: f64, columns: &[OutColumn]) -> Result<(String, bool), Error> {
    if n.fract() != 0.0 || n < 1.0 || n > columns.len() as f64 {
        return Err(Error::invalid(format!(
            "ORDER BY position {n} is not between 1 and {}",
            columns.len()
        )));
    }
    let i = n as usize;
    Ok((i.to_string(), columns[i - 1].not_null))
}

fn expand(source: &Source, projection: &mut Vec<String>, columns: &mut Vec<OutColumn>) {
    for c in &source.columns {
        projection.push(format!(
            "{}.{} AS {}",
            ident(&source.alias),
            ident(&c.name),
            ident(&c.name)
        ));
        columns.push(c.clone());
    }
}

fn check_wildcard(options: &WildcardAdditionalOptions) -> Result<(), Error> {
    if options.opt_ilike.is_some()
        || options.opt_exclude.is_some()
        || options.opt_except.is_some()
        || options.opt_replace.is_some()
        || options.opt_rename.is_some()
        || options.opt_alias.is_some()
    {
        return Err(Error::unsupported(
            "* with ILIKE, EXCLUDE, EXCEPT, REPLACE or RENAME",
        ));
    }
    Ok(())
}

fn check_select(s: &Select) -> Result<(), Error> {
    if s.flavor != SelectFlavor::Standard {
        return Err(Error::unsupported("FROM before SELECT"));
    }
    if matches!(s.distinct, Some(Distinct::On(_))) {
        return Err(Error::unsupported("DISTINCT ON"));
    }
    if s.select_modifiers.is_some() {
        return Err(Error::unsupported("SELECT modifiers"));
    }
    if s.into.is_some() {
        return Err(Error::unsupported("SELECT INTO"));
    }
    if !s.connect_by.is_empty() {
        return Err(Error::unsupported("CONNECT BY"));
    }
    if s.exclude.is_some() {
        return Err(Error::unsupported("EXCLUDE"));
    }
    if !s.lateral_views.is_empty() {
        return Err(Error::unsupported("LATERAL VIEW"));
    }
    if s.prewhere.is_some() {
        return Err(Error::unsupported("PREWHERE"));
    }
    if !s.cluster_by.is_empty() || !s.distribute_by.is_empty() || !s.sort_by.is_empty() {
        return Err(Error::unsupported("CLUSTER BY, DISTRIBUTE BY or SORT BY"));
    }
    if !s.named_window.is_empty() {
        return Err(Error::unsupported("WINDOW clause"));
    }
    if s.qualify.is_some() {
        return Err(Error::unsupported("QUALIFY"));
    }
    if s.value_table_mode.is_some() {
        return Err(Error::unsupported("SELECT AS STRUCT or VALUE"));
    }
    Ok(())
}

fn set_expr_error(e: &SetExpr) -> Error {
    match e {
        SetExpr::Values(_) => Error::unsupported("VALUES"),
        SetExpr::Insert(_) => Error::NotSelect {
            statement: "INSERT".into(),
        },
        SetExpr::Update(_) => Error::NotSelect {
            statement: "UPDATE".into(),
        },
        SetExpr::Delete(_) => Error::NotSelect {
            statement: "DELETE".into(),
        },
        SetExpr::Merge(_) => Error::NotSelect {
            statement: "MERGE".into(),
        },
        SetExpr::Table(_) => Error::unsupported("TABLE"),
        _ => Error::unsupported("this query form"),
    }
}

/// Where keyset conjunct `at` of `conditions` lands in the statement once they are
/// joined with AND after `offset` bytes: the same join with a marker in its place.
fn keyset_span(
    conditions: &[Sql],
    at: usize,
    offset: usize,
    column: String,
    inclusive: bool,
    bound: i64,
) -> Option<KeysetSpan> {
    const MARK: &str = "\u{0}keyset\u{0}";
    let mut marked = conditions.to_vec();
    let len = std::mem::replace(&mut marked[at], Sql::atom(MARK, Ty::Number))
        .text
        .len();
    let marked = join_all(marked, "AND", prec::AND).text;
    let (before, after) = marked.split_once(MARK)?;
    if before.contains(MARK) || after.contains(MARK) {
        return None;
    }
    let start = offset + before.len();
    Some(KeysetSpan {
        column,
        inclusive,
        bound,
        start,
        end: start + len,
    })
}
