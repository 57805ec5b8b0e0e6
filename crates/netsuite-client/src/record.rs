//! The REST record API: get, list (a stream over pages), create, update, upsert and
//! delete, with values as `serde_json::Value`.
//!
//! Which calls are repeated after a failure that may have reached NetSuite (a broken
//! connection, a 5xx): reads, upserts (`PUT .../eid:X`) and deletes are, since doing
//! them twice changes nothing more (a repeated delete that answers 404 counts as
//! done). Updates (`PATCH`) and creates (`POST`) are not: a create could make a
//! second record. Such a failure is [`Error::Ambiguous`]: the create happened once
//! or not at all. [`Client::create_record_idempotent`] is the create that is safe to
//! repeat: it sends `Prefer: respond-async` with `X-NetSuite-Idempotency-Key`, so a
//! repeat is recognised by NetSuite and answered with the first job.

use std::time::Duration;

use futures_util::stream::BoxStream;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::{ApiRequest, Client, Error};

/// Largest page of a collection (and NetSuite's default).
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Results NetSuite pages through by offset (without SuiteAnalytics Connect).
pub const OFFSET_CEILING: u64 = 100_000;

/// Options for reading one record.
#[derive(Clone, Debug, Default)]
pub struct GetOptions {
    /// `fields=`: only these body fields.
    pub fields: Vec<String>,
    /// `expandSubResources=true`: sublists and subrecords inline.
    pub expand_sub_resources: bool,
}

/// Options for listing records.
#[derive(Clone, Debug, Default)]
pub struct ListOptions {
    /// `q=`: NetSuite's filter (`companyName START_WITH "A" AND id GREATER 100`).
    pub q: Option<String>,
    /// At most this many records in all (`None`: every record NetSuite pages
    /// through, up to 100,000).
    pub limit: Option<u64>,
}

/// Options for updating a record.
#[derive(Clone, Debug, Default)]
pub struct UpdateOptions {
    /// `replace=`: sublists whose lines the body replaces whole.
    pub replace: Vec<String>,
    /// `replaceSelectedFields=true`: fields in the body absent from it are cleared.
    pub replace_selected_fields: bool,
}

/// One page of a collection or of SuiteQL results.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// `hasMore`.
    pub has_more: bool,
    /// `offset`.
    pub offset: u64,
    /// `totalResults`.
    pub total_results: u64,
}

/// Page size and offsets within NetSuite's rules for at most `limit` items: the page
/// size is at most 1000 and every offset a multiple of it.
pub(crate) fn page_size_for(limit: Option<u64>) -> u64 {
    match limit {
        Some(n) if n > 0 && n < MAX_PAGE_SIZE => n,
        _ => MAX_PAGE_SIZE,
    }
}

pub(crate) fn has_rel_next(v: &Value) -> bool {
    v.get("links").and_then(Value::as_array).is_some_and(|l| {
        l.iter()
            .any(|x| x.get("rel").and_then(Value::as_str) == Some("next"))
    })
}

/// A collection page from its JSON envelope.
pub(crate) fn collection_page(v: Value) -> Result<Page<Value>, String> {
    let Value::Object(mut map) = v else {
        return Err("the page is not a JSON object".into());
    };
    let has_more = map
        .get("hasMore")
        .and_then(Value::as_bool)
        .unwrap_or_else(|| has_rel_next(&Value::Object(map.clone())));
    let offset = map.get("offset").and_then(Value::as_u64).unwrap_or(0);
    let items = match map.remove("items") {
        Some(Value::Array(items)) => items,
        None => Vec::new(),
        Some(_) => return Err("`items` is not an array".into()),
    };
    let total_results = map
        .get("totalResults")
        .and_then(Value::as_u64)
        .unwrap_or(offset + items.len() as u64);
    Ok(Page {
        items,
        has_more,
        offset,
        total_results,
    })
}

/// Turns `(page fetcher)` into a stream of items that pages by offset until `limit`
/// items, the last page, or NetSuite's ceiling; past the ceiling the stream ends
/// with an error saying so.
pub(crate) fn paged<T, F, Fut>(
    limit: Option<u64>,
    fetch: F,
    ceiling_hint: &'static str,
) -> BoxStream<'static, Result<T, Error>>
where
    T: Send + 'static,
    F: Fn(u64, u64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<Page<T>, Error>> + Send,
{
    struct St<T, F> {
        fetch: F,
        offset: u64,
        emitted: u64,
        buf: std::vec::IntoIter<T>,
        done: bool,
        tail_error: Option<Error>,
    }
    let size = page_size_for(limit);
    let st = St {
        fetch,
        offset: 0,
        emitted: 0,
        buf: Vec::new().into_iter(),
        done: false,
        tail_error: None,
    };
    let stream = futures_util::stream::try_unfold(st, move |mut st| async move {
        loop {
            if limit.is_some_and(|l| st.emitted >= l) {
                return Ok(None);
            }
            if let Some(item) = st.buf.next() {
                st.emitted += 1;
                return Ok(Some((item, st)));
            }
            if let Some(e) = st.tail_error.take() {
                return Err(e);
            }
            if st.done {
                return Ok(None);
            }
            let page = (st.fetch)(size, st.offset).await?;
            let n = page.items.len() as u64;
            st.offset += size;
            st.done = !page.has_more || n == 0;
            if st.done
                && n > 0
                && st.offset >= OFFSET_CEILING
                && page.total_results > OFFSET_CEILING
                && limit.is_none_or(|l| l > OFFSET_CEILING)
            {
                st.tail_error = Some(Error::InvalidRequest {
                    reason: format!(
                        "the result has {} rows, and NetSuite pages through only the first {OFFSET_CEILING} by offset; {ceiling_hint}",
                        page.total_results
                    ),
                });
            }
            st.buf = page.items.into_iter();
        }
    });
    Box::pin(stream)
}

fn drop_empty_query(url: &mut Url) {
    if url.query() == Some("") {
        url.set_query(None);
    }
}

fn json_body(value: &Value) -> Result<Value, Error> {
    if value.is_object() {
        Ok(value.clone())
    } else {
        Err(Error::InvalidRequest {
            reason: "a record body must be a JSON object".into(),
        })
    }
}

/// The outcome of [`Client::create_record_deduplicated`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotentCreate {
    /// The record's internal id.
    pub id: String,
    /// The key had been used: this is the record the first request created.
    pub deduplicated: bool,
}

impl Client {
    /// Reads one record by internal id or `eid:EXTERNAL_ID`.
    pub async fn get_record(
        &self,
        record_type: &str,
        id: &str,
        options: &GetOptions,
    ) -> Result<Value, Error> {
        let mut url = self.endpoints().record_url(record_type, id);
        {
            let mut q = url.query_pairs_mut();
            if !options.fields.is_empty() {
                q.append_pair("fields", &options.fields.join(","));
            }
            if options.expand_sub_resources {
                q.append_pair("expandSubResources", "true");
            }
        }
        drop_empty_query(&mut url);
        self.get_json(url).await
    }

    /// One page of a record collection: `limit` at most 1000 and `offset` a
    /// multiple of it, as NetSuite requires.
    pub async fn list_records_page(
        &self,
        record_type: &str,
        q: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<Page<Value>, Error> {
        check_paging(limit, offset)?;
        let mut url = self.endpoints().record_collection_url(record_type);
        {
            let mut pairs = url.query_pairs_mut();
            if let Some(q) = q {
                pairs.append_pair("q", q);
            }
            pairs
                .append_pair("limit", &limit.to_string())
                .append_pair("offset", &offset.to_string());
        }
        let s = url.to_string();
        let v = self.get_json(url).await?;
        collection_page(v).map_err(|reason| Error::UnexpectedResponse {
            url: s,
            status: 200,
            reason,
            snippet: String::new(),
        })
    }

    /// The records of a type (`{"links": [...], "id": "107"}` items), page after page,
    /// filtered by `q`. NetSuite pages through at most 100,000; past that the stream
    /// ends with an error (use SuiteQL's [`Client::export`] for more).
    pub fn list_records(
        &self,
        record_type: &str,
        options: &ListOptions,
    ) -> BoxStream<'static, Result<Value, Error>> {
        let client = self.clone();
        let record_type = record_type.to_owned();
        let q = options.q.clone();
        paged(
            options.limit,
            move |limit, offset| {
                let client = client.clone();
                let record_type = record_type.clone();
                let q = q.clone();
                async move {
                    client
                        .list_records_page(&record_type, q.as_deref(), limit, offset)
                        .await
                }
            },
            "narrow the filter (q), or read the ids with SuiteQL, which exports any number",
        )
    }

    /// Creates a record (`POST`, 204 + `Location`) and returns its internal id.
    ///
    /// Never repeated once it may have reached NetSuite: a broken connection or a
    /// 5xx answer is [`Error::Ambiguous`] (it happened once or not at all). See
    /// [`Client::create_record_idempotent`] for a create that is safe to repeat.
    pub async fn create_record(&self, record_type: &str, body: &Value) -> Result<String, Error> {
        let url = self.endpoints().record_collection_url(record_type);
        let s = url.to_string();
        let req = ApiRequest::new(Method::POST, url).json(&json_body(body)?)?;
        let resp = self.send(req).await?;
        if resp.status >= 500 {
            return Err(Error::Ambiguous {
                method: "POST".into(),
                url: s,
                reason: format!("NetSuite answered HTTP {}", resp.status),
                source: None,
            });
        }
        let resp = resp.into_success(&s)?;
        resp.location_id().ok_or_else(|| Error::UnexpectedResponse {
            url: s,
            status: resp.status,
            reason: "the create answered without a Location header naming the new record".into(),
            snippet: String::new(),
        })
    }

    /// Creates a record with an idempotency key: `Prefer: respond-async` and
    /// `X-NetSuite-Idempotency-Key: key`, then waits for the job and returns the new
    /// id. A repeat with the same key (after a broken connection, or from another
    /// run) is answered with the first job instead of creating again, so this call
    /// is retried like a read. Use a fresh key (a UUID) per record to create.
    pub async fn create_record_idempotent(
        &self,
        record_type: &str,
        body: &Value,
        key: &str,
    ) -> Result<String, Error> {
        self.create_record_deduplicated(record_type, body, key)
            .await
            .map(|c| c.id)
    }

    /// [`Client::create_record_idempotent`], also telling whether NetSuite answered
    /// with an earlier request's record (`IDEMPOTENCY_ERROR`: the key was used before).
    pub async fn create_record_deduplicated(
        &self,
        record_type: &str,
        body: &Value,
        key: &str,
    ) -> Result<IdempotentCreate, Error> {
        let url = self.endpoints().record_collection_url(record_type);
        let s = url.to_string();
        let key_value = HeaderValue::from_str(key).map_err(|_| Error::InvalidRequest {
            reason: "the idempotency key must be printable ASCII".into(),
        })?;
        let req = ApiRequest::new(Method::POST, url)
            .json(&json_body(body)?)?
            .header(
                HeaderName::from_static("prefer"),
                HeaderValue::from_static("respond-async"),
            )
            .header(
                HeaderName::from_static("x-netsuite-idempotency-key"),
                key_value,
            )
            .idempotent(true);
        let resp = self.send(req).await?;
        let mut deduplicated = false;
        let job = match resp.status {
            202 => resp.location.clone(),
            400 if resp
                .error(&s)
                .and_then(|e| e.api_error().and_then(|a| a.code().map(str::to_owned)))
                .as_deref()
                == Some("IDEMPOTENCY_ERROR") =>
            {
                deduplicated = true;
                resp.location.clone()
            }
            _ => {
                let resp = resp.into_success(&s)?;
                // Answered synchronously after all.
                let id = resp
                    .location_id()
                    .ok_or_else(|| Error::UnexpectedResponse {
                        url: s,
                        status: resp.status,
                        reason: "no Location header".into(),
                        snippet: String::new(),
                    })?;
                return Ok(IdempotentCreate {
                    id,
                    deduplicated: false,
                });
            }
        };
        let job = job.ok_or_else(|| Error::UnexpectedResponse {
            url: s.clone(),
            status: resp.status,
            reason: "the asynchronous request was accepted without a Location naming the job"
                .into(),
            snippet: String::new(),
        })?;
        let id = self.await_job_location(&job).await?;
        Ok(IdempotentCreate { id, deduplicated })
    }

    /// Polls an async job until it completes; returns the id from the result's
    /// `Location`.
    async fn await_job_location(&self, job: &str) -> Result<String, Error> {
        let job_url = self.absolute(job)?;
        let mut delay = Duration::from_millis(50);
        loop {
            let v = self.get_json(job_url.clone()).await?;
            if v.get("completed").and_then(Value::as_bool) == Some(true) {
                break;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
        // One task per job; its result is the original answer.
        let tasks_url =
            self.absolute(&format!("{}/task", job_url.as_str().trim_end_matches('/')))?;
        let tasks = self.get_json(tasks_url).await?;
        let task_href = tasks
            .get("items")
            .and_then(Value::as_array)
            .and_then(|i| i.first())
            .and_then(|t| {
                t.get("links")
                    .and_then(Value::as_array)
                    .and_then(|l| l.iter().find_map(|x| x.get("href").and_then(Value::as_str)))
                    .map(str::to_owned)
                    .or_else(|| {
                        t.get("id").and_then(Value::as_str).map(|id| {
                            format!("{}/task/{id}", job_url.as_str().trim_end_matches('/'))
                        })
                    })
            })
            .ok_or_else(|| Error::UnexpectedResponse {
                url: job_url.to_string(),
                status: 200,
                reason: "the job has no task".into(),
                snippet: String::new(),
            })?;
        let result_url = self.absolute(&format!("{}/result", task_href.trim_end_matches('/')))?;
        let rs = result_url.to_string();
        let resp = self.send(ApiRequest::new(Method::GET, result_url)).await?;
        let resp = resp.into_success(&rs)?;
        if let Some(id) = resp.location_id() {
            return Ok(id);
        }
        // The result may carry the original answer as JSON.
        let v: Value = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
        if let Some(e) = crate::http::api_error(
            v.get("status").and_then(Value::as_u64).unwrap_or(400) as u16,
            v.clone(),
        ) {
            return Err(Error::Api { url: rs, error: e });
        }
        v.get("location")
            .or_else(|| v.get("Location"))
            .and_then(Value::as_str)
            .and_then(|l| {
                l.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .map(str::to_owned)
            })
            .ok_or_else(|| Error::UnexpectedResponse {
                url: rs,
                status: resp.status,
                reason: "the job's result names no record".into(),
                snippet: netsuite_auth::token::body_snippet(&resp.body),
            })
    }

    fn absolute(&self, href: &str) -> Result<Url, Error> {
        if href.starts_with("http://") || href.starts_with("https://") {
            Url::parse(href).map_err(|e| Error::InvalidRequest {
                reason: format!("bad URL {href}: {e}"),
            })
        } else {
            Ok(self.endpoints().suitetalk_url(href)?)
        }
    }

    /// Updates a record (`PATCH`): fields in `body` are set, fields not in it stay,
    /// `null` clears. Not repeated after an ambiguous failure.
    pub async fn update_record(
        &self,
        record_type: &str,
        id: &str,
        body: &Value,
        options: &UpdateOptions,
    ) -> Result<(), Error> {
        let mut url = self.endpoints().record_url(record_type, id);
        {
            let mut q = url.query_pairs_mut();
            if !options.replace.is_empty() {
                q.append_pair("replace", &options.replace.join(","));
            }
            if options.replace_selected_fields {
                q.append_pair("replaceSelectedFields", "true");
            }
        }
        drop_empty_query(&mut url);
        let s = url.to_string();
        let resp = self
            .send(ApiRequest::new(Method::PATCH, url).json(&json_body(body)?)?)
            .await?;
        if resp.status >= 500 {
            return Err(Error::Ambiguous {
                method: "PATCH".into(),
                url: s,
                reason: format!("NetSuite answered HTTP {}", resp.status),
                source: None,
            });
        }
        resp.into_success(&s)?;
        Ok(())
    }

    /// Creates or updates the record with external id `eid` (`PUT .../eid:X`); safe
    /// to repeat. Returns the internal id when NetSuite names it in `Location`.
    pub async fn upsert_record(
        &self,
        record_type: &str,
        external_id: &str,
        body: &Value,
    ) -> Result<Option<String>, Error> {
        let eid = external_id.strip_prefix("eid:").unwrap_or(external_id);
        let url = self
            .endpoints()
            .record_url(record_type, &format!("eid:{eid}"));
        let s = url.to_string();
        let resp = self
            .send(ApiRequest::new(Method::PUT, url).json(&json_body(body)?)?)
            .await?
            .into_success(&s)?;
        Ok(resp.location_id().filter(|id| !id.starts_with("eid:")))
    }

    /// Deletes a record. Repeated after an ambiguous failure; a repeat that answers
    /// 404 means the first attempt deleted it, and counts as done.
    pub async fn delete_record(&self, record_type: &str, id: &str) -> Result<(), Error> {
        let url = self.endpoints().record_url(record_type, id);
        let s = url.to_string();
        let (resp, trace) = self
            .send_traced(ApiRequest::new(Method::DELETE, url))
            .await?;
        if resp.status == 404 && trace.repeated_after_failure {
            return Ok(());
        }
        resp.into_success(&s)?;
        Ok(())
    }
}

pub(crate) fn check_paging(limit: u64, offset: u64) -> Result<(), Error> {
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(Error::InvalidRequest {
            reason: format!("the page size must be between 1 and {MAX_PAGE_SIZE}, not {limit}"),
        });
    }
    if !offset.is_multiple_of(limit) {
        return Err(Error::InvalidRequest {
            reason: format!("the offset ({offset}) must be a multiple of the page size ({limit})"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;
    use serde_json::json;

    #[test]
    fn page_sizes() {
        assert_eq!(page_size_for(None), 1000);
        assert_eq!(page_size_for(Some(10)), 10);
        assert_eq!(page_size_for(Some(2500)), 1000);
        assert!(check_paging(1000, 2000).is_ok());
        assert!(check_paging(1001, 0).is_err());
        assert!(check_paging(10, 15).is_err());
    }

    #[test]
    fn envelope() {
        let p = collection_page(
            json!({"items":[{"id":"1"}],"hasMore":true,"offset":0,"totalResults":9,"count":1}),
        )
        .unwrap();
        assert_eq!(p.items.len(), 1);
        assert!(p.has_more);
        assert_eq!(p.total_results, 9);
        assert!(collection_page(json!([])).is_err());
    }

    #[tokio::test]
    async fn paging_stops_at_limit_and_last_page() {
        let fetch = |limit: u64, offset: u64| async move {
            let total = 25u64;
            let items: Vec<u64> = (offset..(offset + limit).min(total)).collect();
            Ok(Page {
                has_more: offset + limit < total,
                items,
                offset,
                total_results: total,
            })
        };
        let all: Vec<u64> = paged(None, fetch, "").try_collect().await.unwrap();
        assert_eq!(all, (0..25).collect::<Vec<_>>());
        let some: Vec<u64> = paged(Some(7), fetch, "").try_collect().await.unwrap();
        assert_eq!(some, (0..7).collect::<Vec<_>>());
    }
}
