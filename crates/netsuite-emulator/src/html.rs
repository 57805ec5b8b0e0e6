//! Server-rendered HTML: escaping and the page frame shared by the login, consent and
//! error pages and the admin pages. No scripts; a little CSS.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and double-quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
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

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1d2733;background:#eef1f5}
header.bar{background:#1f3a5f;color:#fff;padding:10px 24px;display:flex;align-items:center;gap:24px}
header.bar .brand{font-weight:700;letter-spacing:.3px}
header.bar .brand small{font-weight:400;opacity:.75;margin-left:8px}
header.bar nav a{color:#dbe7f5;text-decoration:none;margin-right:16px}
header.bar nav a.on,header.bar nav a:hover{color:#fff;text-decoration:underline}
main{max-width:1200px;margin:24px auto;padding:0 24px}
main.narrow{max-width:460px}
.card{background:#fff;border:1px solid #d5dce5;border-radius:6px;padding:20px 24px;margin-bottom:20px}
h1{font-size:22px;margin:0 0 12px}
h2{font-size:17px;margin:0 0 10px}
label{display:block;font-weight:600;margin:12px 0 4px}
input[type=text],input[type=email],input[type=password],select{width:100%;padding:8px 10px;border:1px solid #b8c3d0;border-radius:4px;font:inherit;background:#fff}
input[readonly]{background:#f3f5f8;color:#4a5868}
button,.button{display:inline-block;padding:8px 18px;border-radius:4px;border:1px solid #1f5fa8;background:#2469b3;color:#fff;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:#2469b3}
button.danger{background:#fff;color:#b3261e;border-color:#b3261e;padding:3px 10px;font-weight:500}
.actions{margin-top:18px;display:flex;gap:10px}
.muted{color:#5b6877}
.error{background:#fdecea;border:1px solid #f3b8b3;color:#8a1c14;padding:10px 12px;border-radius:4px;margin:8px 0}
.note{background:#eef5fd;border:1px solid #c3d9f2;padding:10px 12px;border-radius:4px;margin:8px 0}
ul.scopes{margin:6px 0 0;padding-left:20px}
table{width:100%;border-collapse:collapse;background:#fff;font-size:13.5px}
th,td{text-align:left;padding:7px 9px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f5f7fa;font-weight:600;color:#3a4856;white-space:nowrap}
td.mono,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.tag{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;background:#e4ebf3;color:#2c3e50;margin:1px 2px 1px 0}
.tag.ok{background:#dff3e4;color:#1e6b34}
.tag.bad{background:#fbe1df;color:#9b2219}
.tag.warn{background:#fff1d6;color:#80570b}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:14px}
.stat{background:#fff;border:1px solid #d5dce5;border-radius:6px;padding:14px 16px}
.stat b{display:block;font-size:26px}
form.inline{display:inline}
.nowrap{white-space:nowrap;word-break:normal}
footer{color:#7a8794;font-size:12px;text-align:center;margin:30px 0}
"#;

/// A complete page: `title`, an optional navigation bar (`nav`: already-escaped HTML),
/// and `body` (already-escaped HTML).
pub(crate) fn page(title: &str, nav: Option<&str>, narrow: bool, body: &str) -> String {
    let nav = nav.unwrap_or("");
    let class = if narrow { " class=\"narrow\"" } else { "" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>\
         <header class=\"bar\"><span class=\"brand\">NetSuite<small>emulator</small></span>{nav}</header>\
         <main{class}>{body}</main><footer>Offline NetSuite emulator — not affiliated with Oracle NetSuite.</footer></body></html>\n",
        escape(title)
    )
}

/// An HTML response with headers that keep it out of caches and frames.
pub(crate) fn response(status: StatusCode, html: String) -> Response {
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}

/// A unix time as `YYYY-MM-DD HH:MM:SS` UTC.
pub(crate) fn time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(time(0), "1970-01-01 00:00:00");
    }
}
