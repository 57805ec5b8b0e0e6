//! Bodies that stream through the proxy.
//!
//! A request body is passed upstream as it arrives, and kept (up to a limit) so that
//! the request can be sent again after a governance refusal or a 401: NetSuite may
//! refuse before it has read the body, in which case the next attempt sends what
//! was kept and then goes on reading from the client. A body larger than the limit
//! still streams, but its request is not repeated.
//!
//! A response body streams back to the client while it holds the request's
//! governance slot: the slot is released when the body ends, or when the client
//! goes away (the body is dropped, which drops the upstream response and so cancels
//! the upstream request).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};
use netsuite_client::governance::Permit;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Shared {
    source: Option<Body>,
    kept: Vec<Bytes>,
    kept_len: usize,
    limit: usize,
    overflowed: bool,
    finished: bool,
    failed: Option<String>,
    generation: u64,
    hint: SizeHint,
}

/// A client's request body, replayable while it fits the limit.
pub(crate) struct Replay {
    shared: Arc<Mutex<Shared>>,
    empty: bool,
}

impl Replay {
    pub(crate) fn new(body: Body, limit: usize) -> Self {
        let hint = body.size_hint();
        let empty = body.is_end_stream() || hint.exact() == Some(0);
        Self {
            shared: Arc::new(Mutex::new(Shared {
                source: Some(body),
                kept: Vec::new(),
                kept_len: 0,
                limit,
                overflowed: false,
                finished: false,
                failed: None,
                generation: 0,
                hint,
            })),
            empty,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether another attempt can send the whole body again.
    pub(crate) fn replayable(&self) -> bool {
        let s = self.lock();
        !s.overflowed && s.failed.is_none()
    }

    /// The body of the next attempt (`None` for a request without a body). An
    /// earlier attempt's body stops with an error if it is still being read.
    pub(crate) fn attempt(&self) -> Option<Attempt> {
        if self.empty {
            return None;
        }
        let mut s = self.lock();
        s.generation += 1;
        Some(Attempt {
            shared: Arc::clone(&self.shared),
            generation: s.generation,
            index: 0,
        })
    }
}

/// One attempt's view of a [`Replay`] body.
pub(crate) struct Attempt {
    shared: Arc<Mutex<Shared>>,
    generation: u64,
    index: usize,
}

impl HttpBody for Attempt {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let mut guard = this.shared.lock().unwrap_or_else(|e| e.into_inner());
        let s = &mut *guard;
        if s.generation != this.generation {
            return Poll::Ready(Some(Err(
                "a newer attempt took over the request body".into()
            )));
        }
        if this.index < s.kept.len() {
            let chunk = s.kept[this.index].clone();
            this.index += 1;
            return Poll::Ready(Some(Ok(Frame::data(chunk))));
        }
        let Some(source) = s.source.as_mut() else {
            return Poll::Ready(
                s.failed
                    .as_ref()
                    .map(|e| Err(format!("the client's body failed: {e}").into())),
            );
        };
        match Pin::new(source).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => {
                s.finished = true;
                s.source = None;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    if !s.overflowed {
                        if s.kept_len + data.len() <= s.limit {
                            s.kept_len += data.len();
                            s.kept.push(data.clone());
                            this.index += 1;
                        } else {
                            s.overflowed = true;
                            s.kept = Vec::new();
                        }
                    }
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            Poll::Ready(Some(Err(e))) => {
                s.failed = Some(e.to_string());
                s.source = None;
                Poll::Ready(Some(Err(e.into())))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        let s = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        s.finished && self.index >= s.kept.len()
    }

    fn size_hint(&self) -> SizeHint {
        self.shared.lock().unwrap_or_else(|e| e.into_inner()).hint
    }
}

/// An upstream response body on its way to the client, holding the request's
/// governance slot until the body ends or is dropped.
pub(crate) struct Tracked {
    inner: reqwest::Body,
    permit: Option<Permit>,
}

impl Tracked {
    pub(crate) fn new(inner: reqwest::Body, permit: Permit) -> Self {
        Self {
            inner,
            permit: Some(permit),
        }
    }
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, reqwest::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_))))
            || (matches!(polled, Poll::Ready(Some(Ok(_)))) && this.inner.is_end_stream())
        {
            this.permit = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(b: Attempt) -> Result<Vec<u8>, BoxError> {
        use http_body::Body as _;
        let mut b = Box::pin(b);
        let mut out = Vec::new();
        while let Some(f) = std::future::poll_fn(|cx| b.as_mut().poll_frame(cx)).await {
            if let Ok(d) = f?.into_data() {
                out.extend_from_slice(&d);
            }
        }
        Ok(out)
    }

    fn chunked(parts: &[&'static str]) -> Body {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(8);
        for p in parts {
            tx.try_send(Ok(Frame::data(Bytes::from_static(p.as_bytes()))))
                .unwrap();
        }
        drop(tx);
        Body::new(http_body_util_stream::ChannelBody(rx))
    }

    mod http_body_util_stream {
        use super::*;
        pub struct ChannelBody(
            pub tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, std::io::Error>>,
        );
        impl HttpBody for ChannelBody {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
                self.0.poll_recv(cx)
            }
        }
    }

    #[tokio::test]
    async fn a_body_is_replayed_after_a_partial_read() {
        let r = Replay::new(chunked(&["ab", "cd", "ef"]), 1024);
        let mut first = Box::pin(r.attempt().unwrap());
        // The first attempt reads one chunk, then the upstream answers (a refusal).
        let f = std::future::poll_fn(|cx| first.as_mut().poll_frame(cx))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.into_data().unwrap(), "ab");
        assert!(r.replayable());
        let second = r.attempt().unwrap();
        // The superseded attempt stops.
        assert!(
            std::future::poll_fn(|cx| first.as_mut().poll_frame(cx))
                .await
                .unwrap()
                .is_err()
        );
        assert_eq!(collect(second).await.unwrap(), b"abcdef");
        assert_eq!(collect(r.attempt().unwrap()).await.unwrap(), b"abcdef");
    }

    #[tokio::test]
    async fn a_body_over_the_limit_streams_once() {
        let r = Replay::new(chunked(&["abc", "def"]), 4);
        assert_eq!(collect(r.attempt().unwrap()).await.unwrap(), b"abcdef");
        assert!(!r.replayable());
        assert!(Replay::new(Body::empty(), 4).attempt().is_none());
    }
}
