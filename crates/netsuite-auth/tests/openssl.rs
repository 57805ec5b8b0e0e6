//! The crypto of `netsuite-auth` checked against an independent implementation: the
//! `openssl` command (OpenSSL 3).
//!
//! - keys made by `openssl` in every PEM encoding load, and the client assertions we
//!   sign with them verify in `openssl dgst -verify`;
//! - signatures made by `openssl` over a JWS signing input verify with
//!   [`netsuite_auth::jws::verify`] and a key taken from an `openssl req -x509`
//!   certificate;
//! - certificates from [`netsuite_auth::cert::generate`] read back in `openssl x509`
//!   with the same key, dates and fingerprint;
//! - what NetSuite refuses is refused here too.
//!
//! `openssl` must be on `PATH`: when it is missing these tests fail, they never skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsuite_auth::Error;
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::jws::{self, Algorithm};
use netsuite_auth::key::{KeyKind, PrivateKey};
use tempfile::TempDir;
use time::OffsetDateTime;

// ---------------------------------------------------------------------------
// Running openssl
// ---------------------------------------------------------------------------

/// Runs `openssl` in `dir` with no stdin (never a prompt, CI has no TTY).
// The OpenSSL cross-checks run the openssl binary on files: the crate itself is
// sans-IO (clippy.toml), these helpers are the only places that may do I/O.
#[allow(clippy::disallowed_methods)]
fn openssl_output(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `openssl` ({e}): these tests check the crypto against OpenSSL 3 \
                 and need the `openssl` command on PATH"
            )
        })
}

/// Runs `openssl` and returns its stdout; panics with stderr when it fails.
fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = openssl_output(dir, args);
    assert!(
        out.status.success(),
        "openssl {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl_text(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(openssl(dir, args)).expect("openssl printed UTF-8")
}

#[allow(clippy::disallowed_methods)]
fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

#[allow(clippy::disallowed_methods)]
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    p
}

#[allow(clippy::disallowed_methods)]
fn read_bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("temporary directory")
}

// ---------------------------------------------------------------------------
// ECDSA signatures: JWS `r || s` <-> DER `ECDSA-Sig-Value ::= SEQUENCE { r, s }`
// ---------------------------------------------------------------------------

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xff {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
}

/// A non-negative DER INTEGER from big-endian magnitude bytes.
fn der_uint(magnitude: &[u8], out: &mut Vec<u8>) {
    let first = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len().saturating_sub(1));
    let mut m = magnitude[first..].to_vec();
    if m.is_empty() {
        m.push(0);
    }
    if m[0] & 0x80 != 0 {
        m.insert(0, 0);
    }
    out.push(0x02);
    der_len(m.len(), out);
    out.extend(m);
}

/// JWS ECDSA signature (`r || s`, each `n` bytes) to DER.
fn raw_to_der(raw: &[u8]) -> Vec<u8> {
    assert!(raw.len().is_multiple_of(2), "r || s has an even length");
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = Vec::new();
    der_uint(r, &mut body);
    der_uint(s, &mut body);
    let mut out = vec![0x30];
    der_len(body.len(), &mut out);
    out.extend(body);
    out
}

/// Reads a DER tag and length; returns (contents, rest).
fn der_take(input: &[u8], tag: u8) -> (&[u8], &[u8]) {
    assert_eq!(input[0], tag, "DER tag");
    let (len, hdr) = match input[1] {
        n if n < 0x80 => (usize::from(n), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => ((usize::from(input[2]) << 8) | usize::from(input[3]), 4),
        n => panic!("unexpected DER length byte {n:#x}"),
    };
    (&input[hdr..hdr + len], &input[hdr + len..])
}

/// DER ECDSA signature to JWS `r || s`, each left-padded to `n` bytes.
fn der_to_raw(der: &[u8], n: usize) -> Vec<u8> {
    let (seq, rest) = der_take(der, 0x30);
    assert!(rest.is_empty(), "trailing bytes after ECDSA-Sig-Value");
    let (r, seq) = der_take(seq, 0x02);
    let (s, seq) = der_take(seq, 0x02);
    assert!(seq.is_empty(), "trailing bytes inside ECDSA-Sig-Value");
    let mut out = Vec::with_capacity(2 * n);
    for int in [r, s] {
        let first = int.iter().position(|&b| b != 0).unwrap_or(int.len());
        let mag = &int[first..];
        assert!(mag.len() <= n, "integer longer than the curve order");
        out.extend(std::iter::repeat_n(0u8, n - mag.len()));
        out.extend(mag);
    }
    out
}

#[test]
fn der_conversion_edge_cases() {
    // Leading zero stripped, high bit gets a 0x00, zero is one byte.
    let mut raw = vec![0u8; 64];
    raw[1] = 0x7f; // r = 0x7f00.. (31 bytes after the leading zero)
    raw[32] = 0x80; // s has its high bit set
    let der = raw_to_der(&raw);
    assert_eq!(&der[..4], &[0x30, 2 + 31 + 2 + 33, 0x02, 31]);
    assert_eq!(der[4], 0x7f);
    assert_eq!(&der[35..38], &[0x02, 33, 0x00]);
    assert_eq!(der_to_raw(&der, 32), raw);
    // P-521: 66-byte halves need the long length form.
    let raw: Vec<u8> = (0..132u8).map(|i| i | 0x80).collect();
    let der = raw_to_der(&raw);
    assert_eq!(&der[..3], &[0x30, 0x81, 2 * (2 + 67)]);
    assert_eq!(der_to_raw(&der, 66), raw);
    assert_eq!(der_to_raw(&raw_to_der(&[0u8; 64]), 32), vec![0u8; 64]);
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

fn digest_flag(alg: Algorithm) -> &'static str {
    match alg.digest_len() {
        32 => "-sha256",
        48 => "-sha384",
        64 => "-sha512",
        n => unreachable!("digest length {n}"),
    }
}

fn params(alg: Algorithm) -> AssertionParams {
    AssertionParams {
        client_id: "0123abcd".repeat(8).into(),
        certificate_id: "Bp3VfpNkCcz0rZ5YCtJIoTWIqBzQiRCg3hxkb9sFpJk".into(),
        scopes: vec!["restlets".into(), "rest_webservices".into()],
        audience: "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
            .into(),
        algorithm: alg,
        lifetime_secs: 300,
        scope_format: ScopeFormat::Array,
    }
}

/// Signs a client assertion with `key` and returns (token, signing input, raw signature).
fn sign_assertion(key: &PrivateKey, alg: Algorithm) -> (String, String, Vec<u8>) {
    let token = params(alg)
        .sign(key, 1_800_000_000)
        .unwrap_or_else(|e| panic!("{alg} with {}: {e}", key.kind()))
        .expose_secret()
        .to_owned();
    let (input, sig) = token.rsplit_once('.').expect("three parts");
    let sig = URL_SAFE_NO_PAD.decode(sig).expect("base64url signature");
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(input.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], alg.as_str());
    assert_eq!(header["typ"], "JWT");
    (token.clone(), input.to_owned(), sig)
}

/// A JWS signing input (`header.payload`) for `alg`, for `openssl` to sign.
fn signing_input(alg: Algorithm) -> String {
    let header = format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"openssl-made"}}"#);
    let payload = r#"{"iss":"0123abcd","scope":["rest_webservices"],"aud":"https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token","iat":1800000000,"exp":1800000300}"#;
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    )
}

/// `-sigopt` arguments for RSASSA-PSS with the given salt length.
fn pss(salt: &str) -> [String; 4] {
    [
        "-sigopt".into(),
        "rsa_padding_mode:pss".into(),
        "-sigopt".into(),
        format!("rsa_pss_saltlen:{salt}"),
    ]
}

/// `openssl dgst -verify` of `sig` over `input` with `pub.pem` in `dir`.
fn openssl_verifies(dir: &Path, alg: Algorithm, input: &str, sig: &[u8], extra: &[String]) -> bool {
    write(dir, "input.txt", input.as_bytes());
    write(dir, "sig.bin", sig);
    let mut args = vec![
        "dgst",
        digest_flag(alg),
        "-verify",
        "pub.pem",
        "-signature",
        "sig.bin",
    ];
    args.extend(extra.iter().map(String::as_str));
    args.push("input.txt");
    let out = openssl_output(dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // openssl prints "Verified OK" and exits 0, or "Verification failure" and exits 1.
    assert_eq!(
        out.status.success(),
        stdout.contains("Verified OK"),
        "{stdout}"
    );
    out.status.success()
}

/// Has `openssl` sign `input` with `key.pem` in `dir`.
fn openssl_sign(dir: &Path, alg: Algorithm, input: &str, extra: &[String]) -> Vec<u8> {
    write(dir, "to-sign.txt", input.as_bytes());
    let mut args = vec!["dgst", digest_flag(alg), "-sign", "key.pem"];
    args.extend(extra.iter().map(String::as_str));
    args.extend(["-out", "made.bin", "to-sign.txt"]);
    openssl(dir, &args);
    read_bytes(dir, "made.bin")
}

/// An `openssl req -x509` certificate for `key.pem`, parsed by `cert::inspect`.
// openssl dates the certificate by the wall clock, so it is inspected at that time.
#[allow(clippy::disallowed_methods)]
fn openssl_cert(dir: &Path, days: &str) -> cert::CertificateInfo {
    openssl(
        dir,
        &[
            "req", "-x509", "-new", "-key", "key.pem", "-days", days, "-subj", "/CN=t", "-out",
            "cert.pem",
        ],
    );
    cert::inspect(read(dir, "cert.pem").as_bytes(), OffsetDateTime::now_utc())
        .expect("inspect an openssl certificate")
}

fn token_with_signature(input: &str, sig: &[u8]) -> String {
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

// ---------------------------------------------------------------------------
// RSA: PS256, PS384, PS512 with 3072- and 4096-bit keys
// ---------------------------------------------------------------------------

const PS: [Algorithm; 3] = [Algorithm::PS256, Algorithm::PS384, Algorithm::PS512];

fn rsa_against_openssl(bits: usize) {
    let dir = tempdir();
    let d = dir.path();
    // One key per test (RSA key generation is slow), in both PEM encodings.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
            "-out",
            "key.pem",
        ],
    );
    openssl(
        d,
        &["rsa", "-in", "key.pem", "-traditional", "-out", "pkcs1.pem"],
    );
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let pkcs8 = read(d, "key.pem");
    let pkcs1 = read(d, "pkcs1.pem");
    assert!(pkcs8.starts_with("-----BEGIN PRIVATE KEY-----"), "{pkcs8}");
    assert!(
        pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "{pkcs1}"
    );

    // a. Our signatures verify in openssl, from either encoding.
    for (encoding, pem) in [("PKCS#8", &pkcs8), ("PKCS#1", &pkcs1)] {
        let key = PrivateKey::from_pem(pem).unwrap_or_else(|e| panic!("{encoding}: {e}"));
        assert_eq!(key.kind(), KeyKind::Rsa { bits }, "{encoding}");
        assert!(key.kind().netsuite_accepts());
        for alg in PS {
            let (token, input, sig) = sign_assertion(&key, alg);
            assert_eq!(sig.len(), bits / 8, "{alg} signature length");
            let salt = alg.digest_len().to_string();
            for s in [salt.as_str(), "-1", "digest", "auto"] {
                assert!(
                    openssl_verifies(d, alg, &input, &sig, &pss(s)),
                    "openssl refused our {alg} ({encoding}, RSA {bits}) with rsa_pss_saltlen:{s}"
                );
            }
            // The salt really is the digest length, and openssl really checks.
            assert!(!openssl_verifies(d, alg, &input, &sig, &pss("20")));
            assert!(!openssl_verifies(d, alg, &input, &sig, &[]), "PKCS#1 v1.5");
            let mut bad = sig.clone();
            bad[bits / 16] ^= 1;
            assert!(!openssl_verifies(d, alg, &input, &bad, &pss(&salt)));
            let other_input = input.replacen('.', ".e30", 1);
            assert!(!openssl_verifies(d, alg, &other_input, &sig, &pss(&salt)));
            // And we verify our own.
            let vk = jws::VerifyingKey::from_private_key(&key);
            jws::verify(&token, &vk, &Algorithm::NETSUITE).unwrap();
        }
    }

    // b. openssl's signatures verify here, with the key from an openssl certificate.
    let info = openssl_cert(d, "30");
    assert_eq!(info.key, KeyKind::Rsa { bits });
    assert!(info.netsuite_ok(), "{:?}", info.problems);
    assert_eq!(info.algorithm, Algorithm::PS256);
    assert!(info.matches(&PrivateKey::from_pem(&pkcs8).unwrap()));
    let vk = info.verifying_key();
    for alg in PS {
        let input = signing_input(alg);
        let salt = alg.digest_len().to_string();
        for s in [salt.as_str(), "-1", "digest"] {
            let sig = openssl_sign(d, alg, &input, &pss(s));
            let v = jws::verify(
                &token_with_signature(&input, &sig),
                &vk,
                &Algorithm::NETSUITE,
            )
            .unwrap_or_else(|e| panic!("openssl {alg} (salt {s}, RSA {bits}): {e}"));
            assert_eq!(v.alg, alg);
            assert_eq!(v.header.kid.as_deref(), Some("openssl-made"));
            assert_eq!(v.claims["iat"], 1_800_000_000);
            // Only the algorithms the caller allows.
            let others: Vec<Algorithm> = PS.into_iter().filter(|&a| a != alg).collect();
            assert!(matches!(
                jws::verify(&token_with_signature(&input, &sig), &vk, &others),
                Err(Error::UnsupportedAlgorithm { .. })
            ));
        }
        // RFC 7518 fixes the salt at the digest length: a maximum-length salt is refused.
        let sig = openssl_sign(d, alg, &input, &pss("max"));
        assert!(matches!(
            jws::verify(
                &token_with_signature(&input, &sig),
                &vk,
                &Algorithm::NETSUITE
            ),
            Err(Error::BadSignature)
        ));
        // A PKCS#1 v1.5 signature under a PS* header is refused.
        let sig = openssl_sign(d, alg, &input, &[]);
        assert!(matches!(
            jws::verify(
                &token_with_signature(&input, &sig),
                &vk,
                &Algorithm::NETSUITE
            ),
            Err(Error::BadSignature)
        ));
    }
}

#[test]
fn rsa_3072_ps256_ps384_ps512_against_openssl() {
    rsa_against_openssl(3072);
}

#[test]
fn rsa_4096_ps256_ps384_ps512_against_openssl() {
    rsa_against_openssl(4096);
}

// ---------------------------------------------------------------------------
// EC: ES256 on P-256, ES384 on P-384, ES512 on P-521
// ---------------------------------------------------------------------------

fn ec_against_openssl(curve: &str, alg: Algorithm, kind: KeyKind, n: usize) {
    let dir = tempdir();
    let d = dir.path();
    // PKCS#8 from genpkey; SEC1 from ecparam (a different key: both are cheap);
    // SEC1 with the EC PARAMETERS block that `ecparam -genkey` writes without -noout.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-out",
            "pkcs8.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam", "-name", curve, "-genkey", "-noout", "-out", "sec1.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            curve,
            "-genkey",
            "-out",
            "sec1-params.pem",
        ],
    );
    let encodings = [
        ("PKCS#8", "pkcs8.pem", "-----BEGIN PRIVATE KEY-----"),
        ("SEC1", "sec1.pem", "-----BEGIN EC PRIVATE KEY-----"),
        (
            "SEC1 after EC PARAMETERS",
            "sec1-params.pem",
            "-----BEGIN EC PARAMETERS-----",
        ),
    ];

    // a. Our signatures verify in openssl once turned into DER.
    for (encoding, file, begins) in encodings {
        let pem = read(d, file);
        assert!(pem.starts_with(begins), "{encoding}: {pem}");
        let key = PrivateKey::from_pem(&pem).unwrap_or_else(|e| panic!("{encoding}: {e}"));
        assert_eq!(key.kind(), kind, "{encoding}");
        assert_eq!(key.kind().default_algorithm(), alg);
        openssl(d, &["pkey", "-in", file, "-pubout", "-out", "pub.pem"]);
        // Several signatures, so that some r or s with a leading zero byte turns up now
        // and then (the DER helpers are tested on fixed edge cases above).
        for _ in 0..8 {
            let (token, input, sig) = sign_assertion(&key, alg);
            assert_eq!(sig.len(), 2 * n, "{alg} is r || s of {n} bytes each");
            let der = raw_to_der(&sig);
            assert!(
                openssl_verifies(d, alg, &input, &der, &[]),
                "openssl refused our {alg} ({encoding})"
            );
            assert_eq!(der_to_raw(&der, n), sig);
            let mut bad = sig.clone();
            bad[n + 3] ^= 0x10;
            assert!(!openssl_verifies(d, alg, &input, &raw_to_der(&bad), &[]));
            let vk = jws::VerifyingKey::from_private_key(&key);
            jws::verify(&token, &vk, &Algorithm::NETSUITE).unwrap();
        }
    }

    // b. openssl's signatures, DER turned into r || s, verify with the certificate's key.
    write(d, "key.pem", read(d, "pkcs8.pem").as_bytes());
    let info = openssl_cert(d, "30");
    assert_eq!(info.key, kind);
    assert_eq!(info.algorithm, alg);
    assert!(info.netsuite_ok(), "{:?}", info.problems);
    assert!(info.matches(&PrivateKey::from_pem(&read(d, "key.pem")).unwrap()));
    let vk = info.verifying_key();
    let input = signing_input(alg);
    for _ in 0..8 {
        let der = openssl_sign(d, alg, &input, &[]);
        let raw = der_to_raw(&der, n);
        let v = jws::verify(
            &token_with_signature(&input, &raw),
            &vk,
            &Algorithm::NETSUITE,
        )
        .unwrap_or_else(|e| panic!("openssl {alg}: {e}"));
        assert_eq!(v.alg, alg);
        assert_eq!(v.header.kid.as_deref(), Some("openssl-made"));
        // JWS carries r || s, never DER.
        assert!(
            jws::verify(
                &token_with_signature(&input, &der),
                &vk,
                &Algorithm::NETSUITE
            )
            .is_err()
        );
    }
    // A signature over other bytes is refused.
    let der = openssl_sign(
        d,
        alg,
        &signing_input(Algorithm::ES256).replace('J', "K"),
        &[],
    );
    assert!(matches!(
        jws::verify(
            &token_with_signature(&input, &der_to_raw(&der, n)),
            &vk,
            &Algorithm::NETSUITE
        ),
        Err(Error::BadSignature)
    ));
}

#[test]
fn es256_p256_against_openssl() {
    ec_against_openssl("P-256", Algorithm::ES256, KeyKind::EcP256, 32);
}

#[test]
fn es384_p384_against_openssl() {
    ec_against_openssl("P-384", Algorithm::ES384, KeyKind::EcP384, 48);
}

#[test]
fn es512_p521_against_openssl() {
    ec_against_openssl("P-521", Algorithm::ES512, KeyKind::EcP521, 66);
}

// ---------------------------------------------------------------------------
// c. Certificates made by cert::generate, read by openssl
// ---------------------------------------------------------------------------

/// `Dec 22 15:46:22 2026 GMT`, as `openssl x509 -enddate` prints it.
fn openssl_date(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap();
    let f = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    t.format(&f).unwrap()
}

fn generated_against_openssl(key_type: KeyType) {
    let dir = tempdir();
    let d = dir.path();
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let g = cert::generate(key_type, 365, "netsuite-auth test", now).unwrap();
    write(d, "cert.pem", g.certificate_pem.as_bytes());
    write(d, "key.pem", g.private_key_pem.expose_secret().as_bytes());
    let info = cert::inspect(g.certificate_pem.as_bytes(), now).unwrap();
    assert_eq!(info.key, key_type.kind());
    assert!(info.netsuite_ok(), "{:?}", info.problems);

    let text = openssl_text(d, &["x509", "-in", "cert.pem", "-noout", "-text"]);
    let (bits, key_lines, sig_alg) = match key_type {
        KeyType::Rsa3072 => (3072, &["rsaEncryption"][..], "sha256WithRSAEncryption"),
        KeyType::Rsa4096 => (4096, &["rsaEncryption"][..], "sha256WithRSAEncryption"),
        KeyType::EcP256 => (
            256,
            &["id-ecPublicKey", "NIST CURVE: P-256"][..],
            "ecdsa-with-SHA256",
        ),
        KeyType::EcP384 => (
            384,
            &["id-ecPublicKey", "NIST CURVE: P-384"][..],
            "ecdsa-with-SHA384",
        ),
        KeyType::EcP521 => (
            521,
            &["id-ecPublicKey", "NIST CURVE: P-521"][..],
            "ecdsa-with-SHA512",
        ),
    };
    let size_line = format!("Public-Key: ({bits} bit)");
    for needle in
        key_lines
            .iter()
            .copied()
            .chain([size_line.as_str(), sig_alg, "CN = netsuite-auth test"])
    {
        assert!(
            text.contains(needle),
            "{}: {needle:?} not in\n{text}",
            key_type.name()
        );
    }

    // Dates, to the second.
    let dates = openssl_text(
        d,
        &[
            "x509",
            "-in",
            "cert.pem",
            "-noout",
            "-startdate",
            "-enddate",
        ],
    );
    assert_eq!(
        dates,
        format!(
            "notBefore={}\nnotAfter={}\n",
            openssl_date(info.not_before),
            openssl_date(info.not_after)
        )
    );
    assert_eq!(info.not_after, now.unix_timestamp() + 365 * 86_400);

    // Fingerprint.
    let fp = openssl_text(
        d,
        &[
            "x509",
            "-in",
            "cert.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    );
    assert_eq!(
        fp.trim(),
        format!("sha256 Fingerprint={}", info.sha256_fingerprint)
    );

    // The key is the certificate's key, and openssl finds it consistent.
    let from_key = openssl_text(d, &["pkey", "-in", "key.pem", "-pubout"]);
    let from_cert = openssl_text(d, &["x509", "-in", "cert.pem", "-pubkey", "-noout"]);
    assert_eq!(from_key, from_cert);
    assert!(from_key.starts_with("-----BEGIN PUBLIC KEY-----"));
    openssl(d, &["pkey", "-in", "key.pem", "-check", "-noout"]);
    // The self-signature verifies.
    openssl(
        d,
        &[
            "verify",
            "-check_ss_sig",
            "-CAfile",
            "cert.pem",
            "-attime",
            &(now.unix_timestamp() + 86_400).to_string(),
            "cert.pem",
        ],
    );

    // An assertion signed with the generated key verifies against the certificate's
    // public key in openssl.
    write(d, "pub.pem", from_cert.as_bytes());
    let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
    let alg = g.algorithm;
    let (_, input, sig) = sign_assertion(&key, alg);
    let (sig, extra) = if alg.is_rsa() {
        (sig, pss(&alg.digest_len().to_string()).to_vec())
    } else {
        (raw_to_der(&sig), Vec::new())
    };
    assert!(openssl_verifies(d, alg, &input, &sig, &extra));
}

#[test]
fn generated_ec_p256_reads_in_openssl() {
    generated_against_openssl(KeyType::EcP256);
}

#[test]
fn generated_ec_p384_reads_in_openssl() {
    generated_against_openssl(KeyType::EcP384);
}

#[test]
fn generated_ec_p521_reads_in_openssl() {
    generated_against_openssl(KeyType::EcP521);
}

#[test]
fn generated_rsa_3072_reads_in_openssl() {
    generated_against_openssl(KeyType::Rsa3072);
}

#[test]
fn generated_rsa_4096_reads_in_openssl() {
    generated_against_openssl(KeyType::Rsa4096);
}

// ---------------------------------------------------------------------------
// d. What NetSuite refuses
// ---------------------------------------------------------------------------

#[test]
fn rsa_2048_loads_but_netsuite_refuses_it() {
    let dir = tempdir();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "key.pem",
        ],
    );
    let key = PrivateKey::from_pem(&read(d, "key.pem")).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
    assert!(!key.kind().netsuite_accepts());

    let info = openssl_cert(d, "30");
    assert_eq!(info.key, KeyKind::Rsa { bits: 2048 });
    assert!(!info.netsuite_ok());
    assert!(
        info.problems.iter().any(|p| p.contains("RSA 2048")),
        "{:?}",
        info.problems
    );

    // An RSA key cannot sign ES256; RS256 is refused whatever the key.
    let mut p = params(Algorithm::ES256);
    assert!(matches!(
        p.sign(&key, 1_800_000_000),
        Err(Error::KeyAlgorithmMismatch {
            alg: Algorithm::ES256,
            key: KeyKind::Rsa { bits: 2048 }
        })
    ));
    p.algorithm = Algorithm::RS256;
    assert!(matches!(
        p.sign(&key, 1_800_000_000),
        Err(Error::Rs256Refused)
    ));
}

/// A 3070-bit key (what `openssl genpkey` makes when asked for 3071 bits) is not
/// "RSA 3072": the key and its certificate both give the exact size, refuse it, and
/// still match each other.
#[test]
fn odd_rsa_sizes_are_exact() {
    let dir = tempdir();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:3070",
            "-out",
            "key.pem",
        ],
    );
    let text = openssl_text(d, &["pkey", "-in", "key.pem", "-noout", "-text"]);
    assert!(text.contains("(3070 bit"), "{text}");
    let key = PrivateKey::from_pem(&read(d, "key.pem")).unwrap();
    assert_eq!(key.kind(), KeyKind::Rsa { bits: 3070 });
    assert!(!key.kind().netsuite_accepts());
    let info = openssl_cert(d, "30");
    assert_eq!(info.key, KeyKind::Rsa { bits: 3070 });
    assert!(info.matches(&key));
    assert!(
        info.problems.iter().any(|p| p.contains("RSA 3070")),
        "{:?}",
        info.problems
    );
    // It still signs, and openssl still verifies (the size rule is NetSuite's, not PSS's).
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let (_, input, sig) = sign_assertion(&key, Algorithm::PS256);
    assert_eq!(sig.len(), 384);
    assert!(openssl_verifies(
        d,
        Algorithm::PS256,
        &input,
        &sig,
        &pss("32")
    ));
}

#[test]
fn long_validity_and_mismatched_algorithms_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "key.pem",
        ],
    );
    let info = openssl_cert(d, "800");
    assert_eq!(info.key, KeyKind::EcP256);
    assert_eq!(info.validity_days, 800);
    assert!(
        info.problems.iter().any(|p| p.contains("800 days")),
        "{:?}",
        info.problems
    );
    let ok = openssl_cert(d, "730");
    assert!(ok.netsuite_ok(), "{:?}", ok.problems);

    let key = PrivateKey::from_pem(&read(d, "key.pem")).unwrap();
    for alg in [Algorithm::PS256, Algorithm::ES384, Algorithm::ES512] {
        assert!(matches!(
            params(alg).sign(&key, 1_800_000_000),
            Err(Error::KeyAlgorithmMismatch { .. })
        ));
    }
    assert!(matches!(
        params(Algorithm::RS256).sign(&key, 1_800_000_000),
        Err(Error::Rs256Refused)
    ));
}

#[test]
fn encrypted_keys_are_refused() {
    let dir = tempdir();
    let d = dir.path();
    // PKCS#8 encrypted (ENCRYPTED PRIVATE KEY), EC and RSA.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-aes256",
            "-pass",
            "pass:x",
            "-out",
            "ec-enc.pem",
        ],
    );
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-aes256",
            "-pass",
            "pass:x",
            "-out",
            "rsa-enc.pem",
        ],
    );
    // Traditional (PEM with Proc-Type: 4,ENCRYPTED), RSA and EC.
    openssl(
        d,
        &[
            "rsa",
            "-in",
            "rsa-enc.pem",
            "-passin",
            "pass:x",
            "-traditional",
            "-aes256",
            "-passout",
            "pass:x",
            "-out",
            "rsa-trad-enc.pem",
        ],
    );
    openssl(
        d,
        &[
            "ec",
            "-in",
            "ec-enc.pem",
            "-passin",
            "pass:x",
            "-aes256",
            "-passout",
            "pass:x",
            "-out",
            "ec-trad-enc.pem",
        ],
    );
    for (file, marker) in [
        ("ec-enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        ("rsa-enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        ("rsa-trad-enc.pem", "Proc-Type: 4,ENCRYPTED"),
        ("ec-trad-enc.pem", "Proc-Type: 4,ENCRYPTED"),
    ] {
        let pem = read(d, file);
        assert!(pem.contains(marker), "{file}: {pem}");
        assert!(
            matches!(PrivateKey::from_pem(&pem), Err(Error::EncryptedKey)),
            "{file}"
        );
    }
    // A certificate and a public key are named for what they are.
    openssl(
        d,
        &[
            "pkey",
            "-in",
            "ec-enc.pem",
            "-passin",
            "pass:x",
            "-out",
            "key.pem",
        ],
    );
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    openssl_cert(d, "30");
    assert!(matches!(
        PrivateKey::from_pem(&read(d, "cert.pem")),
        Err(Error::NotAPrivateKey { found }) if found == "a certificate"
    ));
    assert!(matches!(
        PrivateKey::from_pem(&read(d, "pub.pem")),
        Err(Error::NotAPrivateKey { found }) if found == "a public key"
    ));
}
