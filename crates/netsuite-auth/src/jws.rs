//! Compact JWS (RFC 7515) signing and verification on aws-lc-rs.
//!
//! Signing: PS256/384/512 (RSASSA-PSS, salt length = digest length, as RFC 7518
//! requires) and ES256/384/512 (ECDSA with the fixed-length `r || s` signature).
//! RS256 exists only so that it can be named and refused: NetSuite stopped
//! accepting RSA PKCS#1 v1.5 client assertions on 1 March 2025.
//!
//! Verification never trusts the header's `alg` on its own: the caller says which
//! algorithms it accepts and the key's type must match the algorithm.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
pub use crate::algorithm::{Algorithm, UnknownAlgorithm};
use crate::key::{Inner, KeyKind, PrivateKey};

/// A JWS header: `alg`, `typ`, `kid`, and anything else as extra members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The algorithm, as written.
    pub alg: String,
    /// The type, `JWT` for NetSuite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// The key id: the certificate id for client assertions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Extensions the recipient must understand (RFC 7515 §4.1.11), as sent; none of
    /// NetSuite's assertions carry it, so a verifier that knows no extension refuses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<Value>,
}

/// Signs `claims` with `key` as a compact JWS with header `{"alg","typ":"JWT","kid"}`.
///
/// The key must match the algorithm (RSA for PS*, the right curve for ES*).
pub fn sign(
    key: &PrivateKey,
    alg: Algorithm,
    kid: Option<&str>,
    claims: &Map<String, Value>,
) -> Result<String, Error> {
    let header = Header {
        alg: alg.as_str().to_owned(),
        typ: Some("JWT".to_owned()),
        kid: kid.map(str::to_owned),
        crit: None,
    };
    let header_json = serde_json::to_vec(&header).map_err(|e| Error::Json {
        what: "JWS header",
        source: e,
    })?;
    let claims_json = serde_json::to_vec(claims).map_err(|e| Error::Json {
        what: "JWS claims",
        source: e,
    })?;
    sign_raw(key, alg, &header_json, &claims_json)
}

/// Signs pre-serialised header and payload bytes (used by tests that need exact bytes).
pub fn sign_raw(
    key: &PrivateKey,
    alg: Algorithm,
    header_json: &[u8],
    payload: &[u8],
) -> Result<String, Error> {
    if !key.kind().supports(alg) {
        return Err(Error::KeyAlgorithmMismatch {
            alg,
            key: key.kind(),
        });
    }
    let mut out = String::with_capacity(1024);
    URL_SAFE_NO_PAD.encode_string(header_json, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(payload, &mut out);
    let sig = sign_bytes(key, alg, out.as_bytes())?;
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(&sig, &mut out);
    Ok(out)
}

fn sign_bytes(key: &PrivateKey, alg: Algorithm, msg: &[u8]) -> Result<Vec<u8>, Error> {
    let rng = SystemRandom::new();
    let failed = || Error::SigningFailed { alg };
    match (&key.inner, alg) {
        (Inner::Rsa(kp), _) => {
            let padding: &'static dyn signature::RsaEncoding = match alg {
                Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                _ => return Err(failed()),
            };
            let mut sig = vec![0u8; kp.public_modulus_len()];
            kp.sign(padding, &rng, msg, &mut sig)
                .map_err(|_| failed())?;
            Ok(sig)
        }
        (Inner::Ec(kp), _) => Ok(kp.sign(&rng, msg).map_err(|_| failed())?.as_ref().to_vec()),
    }
}

/// A public key that verifies JWS: the `subjectPublicKey` bytes of a certificate
/// (PKCS#1 `RSAPublicKey` for RSA, the uncompressed point for EC) and its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyingKey {
    /// Key kind and size.
    pub kind: KeyKind,
    /// The raw public key bytes.
    pub public_key: Vec<u8>,
}

impl VerifyingKey {
    /// The verifying half of a private key.
    pub fn from_private_key(key: &PrivateKey) -> Self {
        Self {
            kind: key.kind(),
            public_key: key.public_key_bytes(),
        }
    }
}

/// A JWS whose signature has been checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The algorithm that was verified.
    pub alg: Algorithm,
    /// The decoded header.
    pub header: Header,
    /// The decoded claims (a JSON object).
    pub claims: Map<String, Value>,
}

/// The parts of a compact JWS, decoded but not verified.
#[derive(Clone, Debug, PartialEq)]
pub struct Unverified<'a> {
    /// The decoded header.
    pub header: Header,
    /// The decoded claims (a JSON object).
    pub claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// Splits and decodes a compact JWS without checking the signature.
pub fn decode_unverified(token: &str) -> Result<Unverified<'_>, Error> {
    let malformed = |reason: &str| Error::MalformedJws {
        reason: reason.to_owned(),
    };
    if token.len() > 64 * 1024 {
        return Err(malformed("longer than 64 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "a compact JWS has exactly three dot-separated parts",
        ));
    };
    let header_bytes = URL_SAFE_NO_PAD
        .decode(h)
        .map_err(|_| malformed("the header is not base64url"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|_| malformed("the payload is not base64url"))?;
    let signature = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| malformed("the signature is not base64url"))?;
    let header_members = unique_members(&header_bytes, "header").map_err(|why| malformed(&why))?;
    let header: Header = serde_json::from_value(Value::Object(header_members))
        .map_err(|_| malformed("the header is not a JSON object with a string alg"))?;
    let claims = unique_members(&payload, "payload").map_err(|why| malformed(&why))?;
    Ok(Unverified {
        header,
        claims,
        signing_input: &token[..h.len() + 1 + p.len()],
        signature,
    })
}

/// A JSON object whose member names are unique: RFC 7515 §4 and RFC 7519 §4 let a
/// parser refuse duplicates, and a strict one must (the lexically last would win
/// silently otherwise). The error names the duplicate, or says it is not an object.
fn unique_members(bytes: &[u8], what: &str) -> Result<Map<String, Value>, String> {
    struct Unique(Map<String, Value>);
    impl<'de> Deserialize<'de> for Unique {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Unique;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut access: A,
                ) -> Result<Unique, A::Error> {
                    let mut map = Map::new();
                    while let Some((name, value)) = access.next_entry::<String, Value>()? {
                        if map.contains_key(&name) {
                            return Err(serde::de::Error::custom(format!(
                                "{DUPLICATE}{name:?} twice"
                            )));
                        }
                        map.insert(name, value);
                    }
                    Ok(Unique(map))
                }
            }
            d.deserialize_map(Visit)
        }
    }
    const DUPLICATE: &str = "has the member ";
    match serde_json::from_slice::<Unique>(bytes) {
        Ok(Unique(map)) => Ok(map),
        Err(e) if e.is_data() && e.to_string().starts_with(DUPLICATE) => {
            // serde_json appends " at line L column C".
            let text = e.to_string();
            let text = text.rsplit_once(" at line ").map_or(&*text, |(t, _)| t);
            Err(format!("the {what} {text}"))
        }
        Err(_) => Err(format!("the {what} is not a JSON object")),
    }
}

impl Unverified<'_> {
    /// Verifies the signature with `key`, accepting only the algorithms in `allowed`.
    pub fn verify(self, key: &VerifyingKey, allowed: &[Algorithm]) -> Result<Verified, Error> {
        let alg: Algorithm = self.header.alg.parse()?;
        if !allowed.contains(&alg) {
            return Err(Error::UnsupportedAlgorithm {
                alg: self.header.alg.clone(),
            });
        }
        if !key.kind.supports(alg) {
            return Err(Error::KeyAlgorithmMismatch { alg, key: key.kind });
        }
        UnparsedPublicKey::new(alg.verification(), &key.public_key)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .map_err(|_| Error::BadSignature)?;
        Ok(Verified {
            alg,
            header: self.header,
            claims: self.claims,
        })
    }
}

/// Decodes and verifies a compact JWS in one step.
pub fn verify(token: &str, key: &VerifyingKey, allowed: &[Algorithm]) -> Result<Verified, Error> {
    decode_unverified(token)?.verify(key, allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{KeyType, generate};
    use time::OffsetDateTime;

    fn claims() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("iss".into(), "abc".into());
        m
    }

    #[test]
    fn round_trip_every_algorithm() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        for (kt, algs) in [
            (
                KeyType::Rsa3072,
                &[Algorithm::PS256, Algorithm::PS384, Algorithm::PS512][..],
            ),
            (KeyType::EcP256, &[Algorithm::ES256][..]),
            (KeyType::EcP384, &[Algorithm::ES384][..]),
            (KeyType::EcP521, &[Algorithm::ES512][..]),
        ] {
            let g = generate(kt, 30, "test", now).unwrap();
            let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
            let vk = VerifyingKey::from_private_key(&key);
            for &alg in algs {
                let t = sign(&key, alg, Some("kid1"), &claims()).unwrap();
                let v = verify(&t, &vk, &Algorithm::NETSUITE).unwrap();
                assert_eq!(v.alg, alg);
                assert_eq!(v.header.kid.as_deref(), Some("kid1"));
                assert_eq!(v.claims["iss"], "abc");
                // Tampered payload fails.
                let mut parts: Vec<&str> = t.split('.').collect();
                let other = URL_SAFE_NO_PAD.encode(br#"{"iss":"evil"}"#);
                parts[1] = &other;
                let forged = parts.join(".");
                assert!(matches!(
                    verify(&forged, &vk, &Algorithm::NETSUITE),
                    Err(Error::BadSignature)
                ));
            }
        }
    }

    #[test]
    fn refuses_mismatch_and_unlisted() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let g = generate(KeyType::EcP256, 30, "t", now).unwrap();
        let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
        assert!(matches!(
            sign(&key, Algorithm::PS256, None, &claims()),
            Err(Error::KeyAlgorithmMismatch { .. })
        ));
        assert!(matches!(
            sign(&key, Algorithm::ES384, None, &claims()),
            Err(Error::KeyAlgorithmMismatch { .. })
        ));
        let t = sign(&key, Algorithm::ES256, None, &claims()).unwrap();
        let vk = VerifyingKey::from_private_key(&key);
        assert!(matches!(
            verify(&t, &vk, &[Algorithm::PS256]),
            Err(Error::UnsupportedAlgorithm { .. })
        ));
        // alg none and HS256 are never accepted.
        for alg in ["none", "HS256"] {
            let h = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}"}}"#));
            let p = URL_SAFE_NO_PAD.encode("{}");
            let tok = format!("{h}.{p}.");
            assert!(verify(&tok, &vk, &Algorithm::NETSUITE).is_err());
        }
        for bad in ["", "a.b", "a.b.c.d", "!!.!!.!!"] {
            assert!(matches!(
                decode_unverified(bad),
                Err(Error::MalformedJws { .. })
            ));
        }
    }

    #[test]
    fn refuses_duplicate_members_and_keeps_crit() {
        let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let reason = |h: &str, p: &str| match decode_unverified(&format!("{}.{}.", enc(h), enc(p)))
        {
            Err(Error::MalformedJws { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(r#"{"alg":"PS256"}"#, r#"{"iss":"a","sub":1,"iss":"b"}"#),
            r#"the payload has the member "iss" twice"#
        );
        assert_eq!(
            reason(r#"{"alg":"PS256","kid":"a","kid":"b"}"#, "{}"),
            r#"the header has the member "kid" twice"#
        );
        assert_eq!(
            reason(r#"{"alg":"PS256"}"#, "[1]"),
            "the payload is not a JSON object"
        );
        assert_eq!(reason("[]", "{}"), "the header is not a JSON object");
        // Nested objects are claim values, not members: they may repeat names.
        let ok = format!(
            "{}.{}.",
            enc(r#"{"alg":"PS256","crit":["exp"]}"#),
            enc(r#"{"a":{"x":1},"b":{"x":1}}"#)
        );
        let u = decode_unverified(&ok).unwrap();
        assert_eq!(u.header.crit, Some(serde_json::json!(["exp"])));
        assert_eq!(u.claims.len(), 2);
    }
}
