//! The emulator's routes ([`app`]) and the HTTP/1.1 server around them, with the limits a server on a shared
//! machine needs: a client that sends its request head too slowly (slowloris), a
//! keep-alive connection left idle, or a body that stalls is cut off instead of
//! holding a connection — and, for a stalled body, a concurrency slot — forever.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tower::Service;

use crate::Emulator;
use crate::error::{self, BodyTimeout, RestError};

/// How long the server waits for parts of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// From the moment the server is ready for a request head until the head is
    /// complete: bounds both a slowly sent head and an idle keep-alive connection
    /// (default 30 s).
    pub header_read: Duration,
    /// From the moment a request head is read until its whole body has arrived
    /// (default 30 s). A request whose body is late gets 408 and frees its slot.
    pub body_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(30),
            body_read: Duration::from_secs(30),
        }
    }
}

/// The emulator's HTTP routes, one set per plane:
///
/// * the OAuth plane ([`crate::oauth`]): authorize with its login and consent pages, token,
///   revoke, JWKS and discovery, the certificate rotation API;
/// * the data plane ([`crate::record`] and the rest): the REST record API, SuiteQL, RESTlets,
///   async jobs and governance limits, behind the governance and fault gate;
/// * the AI Connector (MCP) at `/services/mcp/v1/all`, governed the same way;
/// * the admin plane: `/admin/` pages and `/admin/api/` JSON, answered only to
///   loopback clients.
///
/// Other paths answer 404 with a NetSuite error body.
pub fn app(emulator: Emulator) -> Router {
    let governor = std::sync::Arc::clone(emulator.data_plane().governor());
    Router::new()
        .merge(crate::oauth::routes())
        .merge(crate::data::routes())
        .merge(crate::data::mcp::routes(emulator.data_plane().clone()))
        .merge(crate::admin::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            governor,
            crate::data::governance::gate,
        ))
        .layer(axum::middleware::from_fn(crate::admin::guard))
        .with_state(emulator)
}

async fn not_found(uri: Uri) -> Response {
    RestError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        format!(
            "The requested resource '{}' does not exist in the emulator.",
            error::truncate(uri.path(), 200)
        ),
    )
    .into_response()
}

/// Serves [`app`] on `listener` with the default [`Timeouts`] until `shutdown`
/// completes, then finishes the requests in flight.
pub async fn serve(
    emulator: Emulator,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(emulator, listener, shutdown, Timeouts::default()).await
}

/// [`serve`] with chosen [`Timeouts`].
pub async fn serve_with(
    emulator: Emulator,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timeouts: Timeouts,
) -> std::io::Result<()> {
    let data = emulator.data_plane().clone();
    let router = app(emulator).layer(axum::middleware::from_fn_with_state(
        timeouts.body_read,
        body_deadline,
    ));
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A connection reset before it was accepted, or out of file
                // descriptors: wait a little and go on, as axum::serve does.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = match make.call(peer).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is not the server's error.
            let _ = connection.await;
        });
    }
    drop(listener);
    data.stop();
    graceful.shutdown().await;
    Ok(())
}

/// Gives the request body a deadline, counted from now.
async fn body_deadline(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    use http_body::Body as _;
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let body = Body::new(Deadline {
        body,
        sleep: Box::pin(tokio::time::sleep(limit)),
        limit,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// A request body that fails once its deadline has passed.
struct Deadline {
    body: Body,
    sleep: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for Deadline {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            let limit = self.limit;
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout(limit)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
