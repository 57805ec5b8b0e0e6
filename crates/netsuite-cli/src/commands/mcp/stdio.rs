//! `mcp serve`'s stdio transport. What comes in is read by rmcp's own line reader
//! (partial lines, oversized lines, replies to malformed requests); what goes out is
//! written here, each message with one `write_all` of one buffer.
//!
//! The reason is the tool answers: a result with an output schema carries its JSON
//! twice, as `structuredContent` and as the text of its first content block (the
//! MCP specification asks for both). A native tool serializes its answer once, to
//! that text, and marks the result ([`text_is_structured`]); this transport then
//! writes the same bytes as `structuredContent` instead of building and serializing
//! a second JSON tree. For a 1,000-row `ns_runCustomSuiteQL` that is most of the
//! server's own work (`benches/mcp.sh`). Unmarked messages (the bridge's forwarded
//! results, everything else) are serialized as rmcp would.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, JsonRpcMessage, MetaObject, ServerResult};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::transport::{StdioReader, StdioWriter, Transport};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{Mutex, mpsc};

/// The `_meta` key that marks a result whose text block is its structured content.
/// It never reaches the client: the transport removes it.
pub const STRUCTURED_IS_TEXT: &str = "netsuite/structuredContentIsText";

/// A successful result whose structured content is `json` (an object's JSON text),
/// carried once, as text, marked for this transport.
pub fn text_is_structured(json: String) -> CallToolResult {
    let mut r = CallToolResult::success(vec![ContentBlock::text(json)]);
    let mut meta = MetaObject::default();
    meta.0.insert(STRUCTURED_IS_TEXT.into(), true.into());
    r.meta = Some(meta);
    r
}

/// Serves over the process's stdin and stdout (rmcp's `stdio_pipes`: pipes driven
/// by tokio's reactor when both are pipes).
pub struct Stdio {
    inner: AsyncRwTransport<RoleServer, StdioReader, Forward>,
    out: Arc<Mutex<StdioWriter>>,
}

impl Stdio {
    pub fn new() -> Self {
        let (reader, writer) = rmcp::transport::stdio_pipes();
        let out = Arc::new(Mutex::new(writer));
        // What rmcp's reader writes itself (a reply to a malformed request) goes out
        // through the same lock, a whole line at a time.
        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let shared = out.clone();
        tokio::spawn(async move {
            while let Some(line) = rx.recv().await {
                let mut w = shared.lock().await;
                if w.write_all(&line).await.is_err() || w.flush().await.is_err() {
                    break;
                }
            }
        });
        let forward = Forward {
            line: Vec::new(),
            tx,
        };
        Self {
            inner: AsyncRwTransport::new_server(reader, forward),
            out,
        }
    }
}

impl Transport<RoleServer> for Stdio {
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), io::Error>> + Send + 'static {
        let out = self.out.clone();
        async move {
            let bytes = encode(item)?;
            let mut w = out.lock().await;
            w.write_all(&bytes).await?;
            w.flush().await
        }
    }

    fn receive(&mut self) -> impl Future<Output = Option<RxJsonRpcMessage<RoleServer>>> + Send {
        self.inner.receive()
    }

    async fn close(&mut self) -> Result<(), io::Error> {
        self.inner.close().await?;
        self.out.lock().await.shutdown().await
    }
}

/// One message as one JSON line.
fn encode(mut item: TxJsonRpcMessage<RoleServer>) -> serde_json::Result<Vec<u8>> {
    let marked = match &mut item {
        JsonRpcMessage::Response(response) => match &mut response.result {
            ServerResult::CallToolResult(result) => take_mark(result),
            _ => false,
        },
        _ => false,
    };
    if marked
        && let JsonRpcMessage::Response(response) = &item
        && let ServerResult::CallToolResult(result) = &response.result
        && let Some(text) = result.content.first().and_then(ContentBlock::as_text)
    {
        // The response without structured content ends in `}}` (the result's object,
        // then the message's): the text goes in again before them, as it is.
        let text = text.text.as_bytes();
        let mut buf = Vec::with_capacity(text.len() * 2 + 256);
        serde_json::to_writer(&mut buf, response)?;
        if buf.ends_with(b"}}") {
            buf.truncate(buf.len() - 2);
            buf.extend_from_slice(br#","structuredContent":"#);
            buf.extend_from_slice(text);
            buf.extend_from_slice(b"}}\n");
            return Ok(buf);
        }
    }
    let mut buf = serde_json::to_vec(&item)?;
    buf.push(b'\n');
    Ok(buf)
}

/// Removes the mark; whether it was there (on a successful result with text).
fn take_mark(result: &mut CallToolResult) -> bool {
    let Some(meta) = result.meta.as_mut() else {
        return false;
    };
    let marked = meta.0.remove(STRUCTURED_IS_TEXT).is_some();
    if meta.0.is_empty() {
        result.meta = None;
    }
    marked && result.structured_content.is_none() && result.is_error != Some(true)
}

/// rmcp's writer: collects bytes into lines and hands each whole line on.
struct Forward {
    line: Vec<u8>,
    tx: mpsc::UnboundedSender<Vec<u8>>,
}

impl AsyncWrite for Forward {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = &mut *self;
        for part in buf.split_inclusive(|b| *b == b'\n') {
            me.line.extend_from_slice(part);
            if part.ends_with(b"\n") {
                let line = std::mem::take(&mut me.line);
                if me.tx.send(line).is_err() {
                    return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
                }
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::{JsonRpcResponse, JsonRpcVersion2_0, NumberOrString};
    use serde_json::{Value, json};

    use super::*;

    fn response(result: CallToolResult) -> TxJsonRpcMessage<RoleServer> {
        JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: JsonRpcVersion2_0,
            id: NumberOrString::Number(7),
            result: ServerResult::CallToolResult(result),
        })
    }

    fn line(bytes: &[u8]) -> Value {
        assert_eq!(bytes.last(), Some(&b'\n'), "one line");
        assert!(!bytes[..bytes.len() - 1].contains(&b'\n'), "one line");
        serde_json::from_slice(bytes).expect("JSON")
    }

    #[test]
    fn a_marked_result_carries_its_text_as_structured_content() {
        let answer = json!({"method": "ns_runCustomSuiteQL", "data": [{"id": "1", "memo": "a \"quoted\"\nline"}], "resultCount": 1});
        let text = serde_json::to_string(&answer).unwrap();
        let got = line(&encode(response(text_is_structured(text.clone()))).unwrap());
        // What rmcp writes for the same result built with both.
        let mut full = CallToolResult::success(vec![ContentBlock::text(text)]);
        full.structured_content = Some(answer.clone());
        let want = serde_json::to_value(response(full)).unwrap();
        assert_eq!(got, want);
        assert_eq!(got["result"]["structuredContent"], answer);
        assert!(
            got["result"].get("_meta").is_none(),
            "the mark stays home: {got}"
        );
    }

    #[test]
    fn unmarked_messages_are_written_as_rmcp_writes_them() {
        let mut other = CallToolResult::success(vec![ContentBlock::text("{\"a\":1}")]);
        let mut meta = MetaObject::default();
        meta.0.insert("kept".into(), json!(1));
        other.meta = Some(meta);
        let error = CallToolResult::error(vec![ContentBlock::text("error: no")]);
        for result in [other, error] {
            let message = response(result);
            let want = serde_json::to_value(&message).unwrap();
            assert_eq!(line(&encode(message).unwrap()), want);
        }
        // A marked error keeps its text only.
        let mut marked_error = text_is_structured("{\"a\":1}".into());
        marked_error.is_error = Some(true);
        let got = line(&encode(response(marked_error)).unwrap());
        assert!(got["result"].get("structuredContent").is_none(), "{got}");
        assert!(got["result"].get("_meta").is_none(), "{got}");
    }
}
