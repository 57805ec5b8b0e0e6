//! The loopback listener that receives the authorization redirect: bound to
//! 127.0.0.1 only, https with a self-signed certificate (NetSuite registers only
//! https or custom-scheme redirect URIs) or plain http for `http://127.0.0.1` /
//! `http://localhost` redirect URIs (the emulator allows those for tests). It answers
//! the browser with a small page and accepts exactly one valid callback.

use std::sync::Arc;
use std::time::Duration;

use netsuite_auth::authorize::{AuthorizationResponse, parse_redirect};
use rustls_pki::pem::PemObject;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types as rustls_pki;
use url::Url;

use crate::Error;

/// A bound callback listener.
pub struct CallbackServer {
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    path: String,
}

impl std::fmt::Debug for CallbackServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackServer")
            .field("addr", &self.listener.local_addr().ok())
            .field("tls", &self.tls.is_some())
            .field("path", &self.path)
            .finish()
    }
}

fn login_err(reason: impl Into<String>) -> Error {
    Error::Login {
        reason: reason.into(),
    }
}

/// Whether a redirect URI can be served by the loopback listener, and how.
pub fn listener_scheme(redirect_uri: &Url) -> Option<(bool, u16)> {
    let host = redirect_uri.host_str()?;
    if host != "127.0.0.1" && host != "localhost" && host != "[::1]" {
        return None;
    }
    match redirect_uri.scheme() {
        "https" => Some((true, redirect_uri.port().unwrap_or(443))),
        "http" => Some((false, redirect_uri.port().unwrap_or(80))),
        _ => None,
    }
}

fn tls_acceptor(cert_pem: &str, key_pem: &str) -> Result<TlsAcceptor, Error> {
    let certs: Vec<rustls_pki::CertificateDer<'static>> =
        rustls_pki::CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| login_err(format!("the callback certificate is unusable: {e}")))?;
    let key = rustls_pki::PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| login_err(format!("the callback key is unusable: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| login_err(e.to_string()))?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| login_err(format!("the callback certificate is unusable: {e}")))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

impl CallbackServer {
    /// Binds 127.0.0.1 on the redirect URI's port (or `port` when given). `tls` is
    /// the certificate and key PEM for an https redirect URI.
    pub async fn bind(
        redirect_uri: &Url,
        port: Option<u16>,
        tls: Option<(&str, &str)>,
    ) -> Result<Self, Error> {
        let (https, uri_port) = listener_scheme(redirect_uri).ok_or_else(|| {
            login_err(format!(
                "the redirect URI {redirect_uri} is not on 127.0.0.1 or localhost over http(s), so no local listener can receive it"
            ))
        })?;
        let port = port.unwrap_or(uri_port);
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            login_err(format!(
                "cannot listen on 127.0.0.1:{port} for the redirect: {e}"
            ))
        })?;
        let tls = match (https, tls) {
            (true, Some((c, k))) => Some(tls_acceptor(c, k)?),
            (true, None) => return Err(login_err("an https redirect URI needs a certificate")),
            (false, _) => None,
        };
        Ok(Self {
            listener,
            tls,
            path: redirect_uri.path().to_owned(),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Waits for one valid callback with `state`, for at most `timeout`.
    ///
    /// Requests for other paths get 404; callbacks whose state does not match (a
    /// stale tab, a forged request) are answered and ignored. An `error=` redirect
    /// with the right state ends the wait with [`netsuite_auth::Error::AuthorizationDenied`].
    /// Connections are served concurrently (at most [`MAX_CONNECTIONS`] at once, each
    /// given 10 s): idle or slow ones do not delay the real redirect.
    pub async fn wait(
        self,
        state: &str,
        timeout: Duration,
    ) -> Result<AuthorizationResponse, Error> {
        let deadline = tokio::time::Instant::now() + timeout;
        let Self {
            listener,
            tls,
            path,
        } = self;
        let shared = Arc::new(Handler {
            tls,
            path,
            state: state.to_owned(),
        });
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let mut connections = tokio::task::JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    return Err(login_err(format!(
                        "no redirect arrived within {} s",
                        timeout.as_secs()
                    )));
                }
                Some(result) = rx.recv() => return result,
                accepted = listener.accept() => {
                    let Ok((tcp, _)) = accepted else { continue };
                    if connections.len() >= MAX_CONNECTIONS {
                        continue; // dropped: a flood does not take the memory
                    }
                    let (handler, tx) = (shared.clone(), tx.clone());
                    connections.spawn(async move {
                        if let Some(result) = handler.serve(tcp).await {
                            let _ = tx.send(result).await;
                        }
                    });
                }
            }
        }
    }
}

/// The most callback connections served at once.
pub const MAX_CONNECTIONS: usize = 64;

/// What serving one connection needs.
struct Handler {
    tls: Option<TlsAcceptor>,
    path: String,
    state: String,
}

impl Handler {
    /// Serves one connection: the callback's outcome, or `None` (another path, a
    /// stale state, a connection that said nothing within 10 s).
    async fn serve(
        &self,
        tcp: tokio::net::TcpStream,
    ) -> Option<Result<AuthorizationResponse, Error>> {
        match &self.tls {
            Some(acceptor) => {
                // The browser may drop the first connection over the warning.
                let Ok(Ok(stream)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
                else {
                    return None;
                };
                self.handle(stream, &self.state).await
            }
            None => self.handle(tcp, &self.state).await,
        }
    }

    async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut stream: S,
        state: &str,
    ) -> Option<Result<AuthorizationResponse, Error>> {
        let target =
            match tokio::time::timeout(Duration::from_secs(10), read_target(&mut stream)).await {
                Ok(Some(t)) => t,
                _ => return None,
            };
        let path = target.split('?').next().unwrap_or("");
        if path != self.path {
            let _ = respond(
                &mut stream,
                404,
                "Not found",
                "This is not the login callback.",
            )
            .await;
            return None;
        }
        match parse_redirect(&format!("http://127.0.0.1{target}"), state, false) {
            Ok(r) => {
                let _ = respond(
                    &mut stream,
                    200,
                    "Signed in",
                    "netsuite has received the login. You may close this tab and return to the terminal.",
                )
                .await;
                Some(Ok(r))
            }
            Err(netsuite_auth::Error::AuthorizationDenied {
                error,
                description,
                state_matched: true,
            }) => {
                let _ = respond(
                    &mut stream,
                    200,
                    "Login refused",
                    &format!(
                        "NetSuite answered {}{}. You may close this tab.",
                        html_escape(&error.to_string()),
                        description
                            .as_deref()
                            .map(|d| format!(": {}", html_escape(d)))
                            .unwrap_or_default()
                    ),
                )
                .await;
                Some(Err(Error::Auth(
                    netsuite_auth::Error::AuthorizationDenied {
                        error,
                        description,
                        state_matched: true,
                    },
                )))
            }
            Err(_) => {
                let _ = respond(
                    &mut stream,
                    400,
                    "Not this login",
                    "This callback does not belong to the login in progress (its state does not match); it was ignored.",
                )
                .await;
                None
            }
        }
    }
}

async fn read_target<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 16 * 1024 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = std::str::from_utf8(&buf).ok()?;
    let line = text.lines().next()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET" && target.starts_with('/')).then(|| target.to_owned())
}

/// `s` safe inside HTML text and attribute values.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Answers with a small page; `message` is HTML (escape what came from a request).
async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    title: &str,
    message: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>{title}</h1><p>{message}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: std::net::SocketAddr, target: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out).await;
        out
    }

    async fn server() -> (CallbackServer, std::net::SocketAddr) {
        let uri = Url::parse("http://127.0.0.1/cb").unwrap();
        let s = CallbackServer::bind(&uri, Some(0), None).await.unwrap();
        let addr = s.local_addr().unwrap();
        (s, addr)
    }

    #[tokio::test]
    async fn idle_connections_do_not_delay_the_redirect() {
        let (s, addr) = server().await;
        let waiting = tokio::spawn(s.wait("st", Duration::from_secs(30)));
        // Three connections that say nothing (each held 10 s before this fix).
        let mut idle = Vec::new();
        for _ in 0..3 {
            idle.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = std::time::Instant::now();
        let page = get(addr, "/cb?code=c1&state=st").await;
        assert!(page.contains("Signed in"), "{page}");
        let r = tokio::time::timeout(Duration::from_secs(3), waiting)
            .await
            .expect("served while idle connections are open")
            .unwrap()
            .unwrap();
        assert_eq!(r.code, "c1");
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(idle);
    }

    #[tokio::test]
    async fn the_refusal_page_escapes_what_the_request_carried() {
        let (s, addr) = server().await;
        let waiting = tokio::spawn(s.wait("st", Duration::from_secs(30)));
        let page = get(
            addr,
            "/cb?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&error_description=%3Cimg%20src%3Dx%3E&state=st",
        )
        .await;
        assert!(
            !page.contains("<script>") && !page.contains("<img"),
            "{page}"
        );
        assert!(
            page.contains("&lt;script&gt;") && page.contains("&lt;img"),
            "{page}"
        );
        assert!(waiting.await.unwrap().is_err());
    }
}
