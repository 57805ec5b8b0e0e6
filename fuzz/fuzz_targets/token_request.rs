//! The token endpoint's request parsing: content type, `Authorization` header and form
//! body from arbitrary bytes. Whatever comes in, parsing ends in a request or a
//! NetSuite error (a `Rejection` with an audit code and a non-empty explanation),
//! never a panic; and what parses once parses the same way again.
//!
//! Input layout: `content-type \0 authorization \0 body`; a missing part is absent.
//! cargo fuzz run token_request -s none -- -runs=1000000

#![no_main]

use libfuzzer_sys::fuzz_target;
use netsuite_emulator::oauth::request::{self, Form};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let first = parts.next();
    let second = parts.next();
    let body = parts.next().unwrap_or(first.unwrap_or_default());
    // With fewer than three parts, send a form content type so the body is parsed.
    let (content_type, authorization) = match (first, second) {
        (Some(ct), Some(auth)) if data.iter().filter(|b| **b == 0).count() >= 2 => {
            (Some(ct), Some(auth).filter(|a| !a.is_empty()))
        }
        _ => (Some(&b"application/x-www-form-urlencoded"[..]), None),
    };
    match request::parse(content_type, authorization, body) {
        Ok(parsed) => {
            // A parsed request names a grant, and parses identically again.
            assert!(parsed.form.grant().is_ok());
            let again = request::parse(content_type, authorization, body).expect("deterministic");
            assert_eq!(again, parsed);
        }
        Err(rejection) => {
            assert!(!rejection.detail.is_empty());
            assert!(rejection.detail.len() < 4096);
        }
    }
    if let Ok(form) = Form::parse_body(body) {
        let _ = request::client_credentials(authorization, &form);
        let _ = format!("{form:?}");
    }
});
