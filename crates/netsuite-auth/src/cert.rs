//! Certificates: generating a key pair with a self-signed certificate for NetSuite's
//! OAuth 2.0 Client Credentials (M2M) Setup, and inspecting certificates against
//! NetSuite's rules (RSA 3072/4096 or EC P-256/384/521, at most two years).

use aws_lc_rs::digest;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::Error;
use crate::jws::{Algorithm, VerifyingKey};
use crate::key::{KeyKind, PrivateKey};
use crate::secret::PrivateKeyPem;

/// NetSuite's maximum certificate validity: two years.
pub const MAX_VALIDITY_DAYS: u32 = 730;

/// The key types NetSuite accepts for client-credentials certificates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// EC P-256 (ES256).
    EcP256,
    /// EC P-384 (ES384).
    EcP384,
    /// EC P-521 (ES512).
    EcP521,
    /// RSA 3072 (PS256).
    Rsa3072,
    /// RSA 4096 (PS256).
    Rsa4096,
}

impl KeyType {
    /// All key types, in the order the CLI lists them.
    pub const ALL: [KeyType; 5] = [
        KeyType::EcP256,
        KeyType::EcP384,
        KeyType::EcP521,
        KeyType::Rsa3072,
        KeyType::Rsa4096,
    ];

    /// The CLI name: `ec-p256`, `rsa-3072`, ...
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcP256 => "ec-p256",
            KeyType::EcP384 => "ec-p384",
            KeyType::EcP521 => "ec-p521",
            KeyType::Rsa3072 => "rsa-3072",
            KeyType::Rsa4096 => "rsa-4096",
        }
    }

    /// The kind of key this generates.
    pub fn kind(self) -> KeyKind {
        match self {
            KeyType::EcP256 => KeyKind::EcP256,
            KeyType::EcP384 => KeyKind::EcP384,
            KeyType::EcP521 => KeyKind::EcP521,
            KeyType::Rsa3072 => KeyKind::Rsa { bits: 3072 },
            KeyType::Rsa4096 => KeyKind::Rsa { bits: 4096 },
        }
    }
}

impl std::str::FromStr for KeyType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        KeyType::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| Error::InvalidKey {
                reason: format!("unknown key type {s:?}"),
            })
    }
}

/// A generated private key and its self-signed certificate, both PEM.
#[derive(Debug)]
pub struct Generated {
    /// PKCS#8 `PRIVATE KEY` PEM.
    pub private_key_pem: PrivateKeyPem,
    /// `CERTIFICATE` PEM, to upload to NetSuite.
    pub certificate_pem: String,
    /// The algorithm a client assertion should use with this key.
    pub algorithm: Algorithm,
}

/// Generates a key pair and a self-signed certificate valid from `now` for `days`.
///
/// Refuses a validity over [`MAX_VALIDITY_DAYS`] (NetSuite would shorten it).
pub fn generate(
    key_type: KeyType,
    days: u32,
    subject_cn: &str,
    now: OffsetDateTime,
) -> Result<Generated, Error> {
    if days == 0 || days > MAX_VALIDITY_DAYS {
        return Err(Error::ValidityTooLong { days });
    }
    let failed = |e: rcgen::Error| Error::CertificateGeneration {
        reason: e.to_string(),
    };
    let kp = match key_type {
        KeyType::EcP256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        KeyType::EcP384 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        KeyType::EcP521 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512),
        KeyType::Rsa3072 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)
        }
        KeyType::Rsa4096 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_4096)
        }
    }
    .map_err(failed)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, subject_cn);
    params.distinguished_name = dn;
    // Start a minute back so that a slightly slow clock elsewhere accepts it at once.
    params.not_before = now - Duration::minutes(1);
    params.not_after = now + Duration::days(i64::from(days));
    let cert = params.self_signed(&kp).map_err(failed)?;
    Ok(Generated {
        private_key_pem: PrivateKeyPem::new(kp.serialize_pem()),
        certificate_pem: cert.pem(),
        algorithm: key_type.kind().default_algorithm(),
    })
}

/// A self-signed TLS server certificate for `localhost` and `127.0.0.1` (EC P-256),
/// for the loopback listener that receives the authorization redirect over https.
pub fn generate_localhost_tls(now: OffsetDateTime, days: u32) -> Result<Generated, Error> {
    let failed = |e: rcgen::Error| Error::CertificateGeneration {
        reason: e.to_string(),
    };
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(failed)?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(failed)?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(
        rcgen::DnType::CommonName,
        "netsuite login callback (localhost)",
    );
    params.distinguished_name = dn;
    params.not_before = now - Duration::minutes(1);
    params.not_after = now + Duration::days(i64::from(days));
    let cert = params.self_signed(&kp).map_err(failed)?;
    Ok(Generated {
        private_key_pem: PrivateKeyPem::new(kp.serialize_pem()),
        certificate_pem: cert.pem(),
        algorithm: Algorithm::ES256,
    })
}

/// What a certificate says, and whether NetSuite would take it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// The subject distinguished name.
    pub subject: String,
    /// Key kind and size.
    pub key: KeyKind,
    /// Start of validity, unix seconds.
    pub not_before: i64,
    /// End of validity, unix seconds.
    pub not_after: i64,
    /// Whole days from `now` to `not_after` (negative once expired).
    pub days_left: i64,
    /// Total validity in days.
    pub validity_days: i64,
    /// SHA-256 of the DER, uppercase hex with colons (as `openssl x509 -fingerprint -sha256`).
    pub sha256_fingerprint: String,
    /// The algorithm to use for client assertions with this certificate's key.
    pub algorithm: Algorithm,
    /// Reasons NetSuite would refuse or shorten it; empty when it meets every rule.
    pub problems: Vec<String>,
    /// The DER bytes.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// The public key bytes (for JWS verification).
    #[serde(skip)]
    pub public_key: Vec<u8>,
}

impl CertificateInfo {
    /// Whether the certificate meets NetSuite's rules at `now`.
    pub fn netsuite_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The key to verify JWS signed by the matching private key.
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey {
            kind: self.key,
            public_key: self.public_key.clone(),
        }
    }

    /// Whether `key` is the private half of this certificate's public key.
    pub fn matches(&self, key: &PrivateKey) -> bool {
        key.kind() == self.key
            && aws_lc_rs::constant_time::verify_slices_are_equal(
                &key.public_key_bytes(),
                &self.public_key,
            )
            .is_ok()
    }

    /// A stable certificate id: base64url (no padding) of the SHA-256 of the DER, 43
    /// characters, the form NetSuite's certificate ids take.
    pub fn certificate_id(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(digest::digest(&digest::SHA256, &self.der))
    }
}

/// Parses the first certificate in PEM (or DER) input and checks it at `now`.
pub fn inspect(input: &[u8], now: OffsetDateTime) -> Result<CertificateInfo, Error> {
    let text = std::str::from_utf8(input).unwrap_or("");
    let der: Vec<u8> = if text.contains("-----BEGIN") {
        if text.contains("PRIVATE KEY-----") && !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(Error::InvalidCertificate {
                reason: "this is a private key, not a certificate".into(),
            });
        }
        let mut found = None;
        for pem in x509_parser::pem::Pem::iter_from_buffer(input) {
            match pem {
                Ok(p) if p.label == "CERTIFICATE" => {
                    found = Some(p.contents);
                    break;
                }
                Ok(_) => continue,
                Err(_) => break,
            }
        }
        found.ok_or_else(|| Error::InvalidCertificate {
            reason: "no -----BEGIN CERTIFICATE----- block was found".into(),
        })?
    } else {
        input.to_vec()
    };
    let (_, cert) = X509Certificate::from_der(&der).map_err(|e| Error::InvalidCertificate {
        reason: format!("not an X.509 certificate ({e})"),
    })?;
    let spki = cert.public_key();
    let public_key = spki.subject_public_key.data.to_vec();
    let key = match spki.parsed() {
        // Not `rsa.key_size()`: it drops the first byte whether or not it is a zero
        // pad, so a 4094-bit modulus read as 4088 bits.
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyKind::Rsa {
            bits: crate::key::rsa_bits(rsa.modulus),
        },
        Ok(x509_parser::public_key::PublicKey::EC(_)) => match public_key.len() {
            65 => KeyKind::EcP256,
            97 => KeyKind::EcP384,
            133 => KeyKind::EcP521,
            n => {
                return Err(Error::InvalidCertificate {
                    reason: format!("unsupported EC public key of {n} bytes"),
                });
            }
        },
        _ => {
            return Err(Error::InvalidCertificate {
                reason: "the public key is neither RSA nor EC".into(),
            });
        }
    };
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let now_s = now.unix_timestamp();
    let days_left = (not_after - now_s).div_euclid(86_400);
    let validity_days = (not_after - not_before) / 86_400;
    let mut problems = Vec::new();
    if !key.netsuite_accepts() {
        problems.push(format!(
            "{key} is not accepted: NetSuite requires RSA 3072 or 4096 bits, or EC P-256, P-384 or P-521"
        ));
    }
    if validity_days > i64::from(MAX_VALIDITY_DAYS) + 1 {
        problems.push(format!(
            "valid for {validity_days} days: NetSuite allows at most two years ({MAX_VALIDITY_DAYS} days)"
        ));
    }
    if now_s > not_after {
        problems.push("expired".into());
    }
    if now_s < not_before {
        problems.push("not yet valid".into());
    }
    let fp = digest::digest(&digest::SHA256, &der);
    let sha256_fingerprint = fp
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        key,
        not_before,
        not_after,
        days_left,
        validity_days,
        sha256_fingerprint,
        algorithm: key.default_algorithm(),
        problems,
        der,
        public_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn generate_and_inspect() {
        let g = generate(KeyType::EcP384, 365, "my integration", now()).unwrap();
        assert_eq!(g.algorithm, Algorithm::ES384);
        let info = inspect(g.certificate_pem.as_bytes(), now()).unwrap();
        assert_eq!(info.key, KeyKind::EcP384);
        assert_eq!(info.days_left, 365);
        assert!(info.netsuite_ok(), "{:?}", info.problems);
        assert!(info.subject.contains("my integration"));
        assert_eq!(info.certificate_id().len(), 43);
        let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
        assert!(info.matches(&key));
        let other = generate(KeyType::EcP384, 10, "x", now()).unwrap();
        let other_key = PrivateKey::from_pem(other.private_key_pem.expose_secret()).unwrap();
        assert!(!info.matches(&other_key));
        // Expired later on.
        let later = now() + Duration::days(400);
        let info = inspect(g.certificate_pem.as_bytes(), later).unwrap();
        assert!(info.problems.iter().any(|p| p == "expired"));
        assert!(info.days_left < 0);
    }

    #[test]
    fn refuses_long_validity_and_bad_input() {
        assert!(matches!(
            generate(KeyType::EcP256, 731, "x", now()),
            Err(Error::ValidityTooLong { days: 731 })
        ));
        assert!(inspect(b"hello", now()).is_err());
        let g = generate(KeyType::EcP256, 5, "x", now()).unwrap();
        assert!(matches!(
            inspect(g.private_key_pem.expose_secret().as_bytes(), now()),
            Err(Error::InvalidCertificate { .. })
        ));
    }
}
