//! Cursor connections (Relay): keyset pagination on the primary key.
//!
//! Pages are read with `id > after ORDER BY id LIMIT first + 1`, so a page costs
//! the same wherever it is, and rows inserted meanwhile never shift a page.
//! `totalCount` is computed only when asked for.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait as _, DatabaseConnection, EntityTrait, QueryFilter as _,
    QueryOrder as _, QuerySelect as _, QueryTrait as _, Select, Statement,
};

use crate::error::{ApiError, ApiResult};

/// Page size when a client gives no `first`.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// A validated page request.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    pub first: usize,
    pub after: Option<i64>,
}

impl Page {
    /// Validates `first` (1 to `max`) and decodes `after`.
    pub fn new(first: Option<i32>, after: Option<&str>, max: usize) -> ApiResult<Self> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE.min(max),
            Some(n) if n >= 1 && (n as usize) <= max => n as usize,
            Some(n) => {
                return Err(ApiError::validation(
                    "first",
                    format!("first must be between 1 and {max}, got {n}"),
                ));
            }
        };
        let after = after.map(decode_cursor).transpose()?;
        Ok(Self { first, after })
    }
}

pub(crate) fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

pub(crate) fn decode_cursor(cursor: &str) -> ApiResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("cursor:")?.parse().ok())
        .ok_or_else(|| ApiError::validation("after", "not a cursor returned by this API"))
}

/// The `totalCount` of a connection, counted only when selected; or known
/// already, for a list loaded whole for a batch of parents.
pub struct TotalCount {
    count: Count,
}

enum Count {
    Statement(Statement),
    Known(u64),
}

#[Object]
impl TotalCount {
    /// Number of items in the whole list, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let statement = match &self.count {
            Count::Known(n) => return Ok(*n),
            Count::Statement(statement) => statement,
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let row = db
            .query_one_raw(statement.clone())
            .await
            .map_err(ApiError::from)?;
        let count: i64 = match row {
            Some(row) => row.try_get_by_index(0).map_err(ApiError::from)?,
            None => 0,
        };
        Ok(count.max(0) as u64)
    }
}

/// A connection of `T` with `totalCount`.
pub type Conn<T> = Connection<String, T, TotalCount>;

/// Runs `select` as one page ordered by `id`; `wrap` turns the page's rows
/// into nodes together, so they can batch their nested lists.
pub async fn paginate<E, T>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    page: Page,
    wrap: impl FnOnce(Vec<E::Model>) -> Vec<T>,
) -> ApiResult<Conn<T>>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
    T: OutputType,
{
    let rows = fetch_page(db, select, id, page).await?;
    let nodes = wrap(rows.rows);
    Ok(rows.shape.into_connection(nodes))
}

/// One page of rows, before they become nodes.
pub struct PageRows<M> {
    pub rows: Vec<M>,
    pub shape: PageShape,
}

/// Where a page stands: its cursors, its neighbours and how to count the list.
pub struct PageShape {
    cursors: Vec<String>,
    has_previous: bool,
    has_next: bool,
    count: Statement,
}

impl PageShape {
    /// The connection of `nodes`, one per row of the page, in order.
    pub fn into_connection<T: OutputType>(self, nodes: Vec<T>) -> Conn<T> {
        let mut connection = Connection::with_additional_fields(
            self.has_previous,
            self.has_next,
            TotalCount {
                count: Count::Statement(self.count),
            },
        );
        connection.edges.extend(
            self.cursors
                .into_iter()
                .zip(nodes)
                .map(|(cursor, node)| Edge::new(cursor, node)),
        );
        connection
    }
}

/// One page of a list already loaded whole (in ascending `id` order, by
/// `id` of each item), for nested lists that a batch loads for all parents
/// in one query: the same cursors and page rules as [`fetch_page`].
pub fn page_of_loaded<T: OutputType, M: Clone>(
    items: &[M],
    id: impl Fn(&M) -> i64,
    page: Page,
    wrap: impl FnOnce(Vec<M>) -> Vec<T>,
) -> Conn<T> {
    let rest: Vec<&M> = items
        .iter()
        .filter(|item| page.after.is_none_or(|after| id(item) > after))
        .collect();
    let has_next = rest.len() > page.first;
    let chosen: Vec<M> = rest.into_iter().take(page.first).cloned().collect();
    let cursors: Vec<String> = chosen.iter().map(|item| encode_cursor(id(item))).collect();
    let mut connection = Connection::with_additional_fields(
        page.after.is_some(),
        has_next,
        TotalCount {
            count: Count::Known(items.len() as u64),
        },
    );
    connection.edges.extend(
        cursors
            .into_iter()
            .zip(wrap(chosen))
            .map(|(cursor, node)| Edge::new(cursor, node)),
    );
    connection
}

/// Reads one page of `select` ordered by `id`, for nodes that need more
/// loading before they can be built.
pub async fn fetch_page<E>(
    db: &DatabaseConnection,
    select: Select<E>,
    id: E::Column,
    page: Page,
) -> ApiResult<PageRows<E::Model>>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
{
    let backend = db.get_database_backend();
    let count = backend.build(
        Query::select()
            .expr(Expr::cust("COUNT(*)"))
            .from_subquery(select.clone().into_query(), Alias::new("counted")),
    );
    let mut query = select.order_by_asc(id).limit(page.first as u64 + 1);
    if let Some(after) = page.after {
        query = query.filter(id.gt(after));
    }
    let mut rows = query.all(db).await?;
    let has_next = rows.len() > page.first;
    rows.truncate(page.first);
    let cursors: Vec<String> = rows
        .iter()
        .map(|row| row_id::<E>(row, id).map(encode_cursor))
        .collect::<ApiResult<_>>()?;
    Ok(PageRows {
        rows,
        shape: PageShape {
            cursors,
            has_previous: page.after.is_some(),
            has_next,
            count,
        },
    })
}

/// The row's key, which every paged table has as a BIGINT `id`.
fn row_id<E: EntityTrait>(row: &E::Model, id: E::Column) -> ApiResult<i64> {
    use sea_orm::ModelTrait as _;
    match row.get(id) {
        sea_orm::Value::BigInt(Some(v)) => Ok(v),
        other => Err(ApiError::Internal(anyhow::anyhow!(
            "paged by a column that is not a BIGINT key: {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_is_bounded_and_cursors_round_trip() {
        assert_eq!(Page::new(None, None, 100).unwrap().first, DEFAULT_PAGE_SIZE);
        assert_eq!(Page::new(Some(100), None, 100).unwrap().first, 100);
        for bad in [0, -1, 101] {
            let err = Page::new(Some(bad), None, 100).unwrap_err();
            assert_eq!(err.code(), "VALIDATION");
        }
        let cursor = encode_cursor(77);
        assert_eq!(Page::new(None, Some(&cursor), 100).unwrap().after, Some(77));
        assert!(Page::new(None, Some("bogus"), 100).is_err());
    }
}
