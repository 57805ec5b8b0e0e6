//! Private keys: loading PEM (PKCS#8, PKCS#1, SEC1), classifying them, and the
//! public half for matching against a certificate.

use std::fmt;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
    ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RsaKeyPair,
};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

use crate::Error;
pub use crate::algorithm::KeyKind;

/// The size in bits of an RSA modulus given as big-endian bytes (leading zeros allowed).
pub(crate) fn rsa_bits(modulus: &[u8]) -> usize {
    let first = modulus
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(modulus.len());
    match modulus.get(first) {
        Some(&top) => (modulus.len() - first) * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

pub(crate) enum Inner {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// A private key that can sign JWS. Its `Debug` shows the kind only.
pub struct PrivateKey {
    pub(crate) inner: Inner,
    kind: KeyKind,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, [redacted])", self.kind)
    }
}

const EC_ALGS: [(&EcdsaSigningAlgorithm, KeyKind); 3] = [
    (&ECDSA_P256_SHA256_FIXED_SIGNING, KeyKind::EcP256),
    (&ECDSA_P384_SHA384_FIXED_SIGNING, KeyKind::EcP384),
    (&ECDSA_P521_SHA512_FIXED_SIGNING, KeyKind::EcP521),
];

impl PrivateKey {
    /// Loads a private key from PEM text: `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY`
    /// (PKCS#1) or `EC PRIVATE KEY` (SEC1).
    ///
    /// Encrypted keys, certificates, public keys and non-PEM input are refused with an
    /// error that says which of those it was.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let blocks = pem
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("-----BEGIN ") && l.ends_with("PRIVATE KEY-----"))
            .count();
        if blocks > 1 {
            return Err(Error::InvalidKey {
                reason: format!(
                    "the PEM holds {blocks} private keys; one is expected (which one signs would be a guess)"
                ),
            });
        }
        if pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
            || pem.contains("Proc-Type: 4,ENCRYPTED")
        {
            return Err(Error::EncryptedKey);
        }
        let key = PrivateKeyDer::from_pem_slice(pem.as_bytes());
        match key {
            Ok(der) => Self::from_der(&der),
            Err(_) => {
                if pem.contains("-----BEGIN CERTIFICATE-----") {
                    Err(Error::NotAPrivateKey {
                        found: "a certificate".into(),
                    })
                } else if pem.contains("-----BEGIN PUBLIC KEY-----")
                    || pem.contains("-----BEGIN RSA PUBLIC KEY-----")
                {
                    Err(Error::NotAPrivateKey {
                        found: "a public key".into(),
                    })
                } else if pem.contains("-----BEGIN CERTIFICATE REQUEST-----") {
                    Err(Error::NotAPrivateKey {
                        found: "a certificate signing request".into(),
                    })
                } else {
                    Err(Error::InvalidKey {
                        reason: "no PEM private key block (-----BEGIN PRIVATE KEY-----) was found"
                            .into(),
                    })
                }
            }
        }
    }

    /// Loads a private key from DER in any of the three encodings.
    pub fn from_der(der: &PrivateKeyDer<'_>) -> Result<Self, Error> {
        match der {
            PrivateKeyDer::Pkcs1(k) => Self::rsa(RsaKeyPair::from_der(k.secret_pkcs1_der())),
            PrivateKeyDer::Sec1(k) => Self::ec(k.secret_sec1_der()),
            PrivateKeyDer::Pkcs8(k) => {
                let bytes = k.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(bytes) {
                    Ok(kp) => Self::rsa(Ok(kp)),
                    Err(rsa_err) => match Self::ec(bytes) {
                        Ok(k) => Ok(k),
                        Err(_) => Self::rsa(Err(rsa_err)),
                    },
                }
            }
            _ => Err(Error::InvalidKey {
                reason: "unsupported private key encoding".into(),
            }),
        }
    }

    fn rsa(kp: Result<RsaKeyPair, aws_lc_rs::error::KeyRejected>) -> Result<Self, Error> {
        match kp {
            Ok(kp) => {
                // The exact size: `public_modulus_len() * 8` would call a 3070-bit key
                // "RSA 3072", a size NetSuite accepts.
                let bits = rsa_bits(kp.public_key().modulus().big_endian_without_leading_zero());
                Ok(Self {
                    inner: Inner::Rsa(kp),
                    kind: KeyKind::Rsa { bits },
                })
            }
            Err(e) => {
                let d = e.description_();
                let reason = if d.contains("Small") || d.contains("TooSmall") {
                    "the RSA key is smaller than 2048 bits".to_owned()
                } else {
                    format!("the key could not be parsed ({d})")
                };
                Err(Error::InvalidKey { reason })
            }
        }
    }

    fn ec(der: &[u8]) -> Result<Self, Error> {
        for (alg, kind) in EC_ALGS {
            if let Ok(kp) = EcdsaKeyPair::from_private_key_der(alg, der) {
                return Ok(Self {
                    inner: Inner::Ec(kp),
                    kind,
                });
            }
        }
        Err(Error::InvalidKey {
            reason: "the EC key is not on P-256, P-384 or P-521, or could not be parsed".into(),
        })
    }

    /// The kind and size of the key.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The public key in the form a certificate's `subjectPublicKey` bit string holds:
    /// PKCS#1 `RSAPublicKey` DER for RSA, the uncompressed point for EC.
    pub fn public_key_bytes(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Rsa(kp) => kp.public_key().as_ref().to_vec(),
            Inner::Ec(kp) => kp.public_key().as_ref().to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::algorithm::Algorithm;

    #[test]
    fn refuses_non_keys_with_names() {
        let cert =
            "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END CERTIFICATE-----\n";
        match PrivateKey::from_pem(cert) {
            Err(Error::NotAPrivateKey { found }) => assert_eq!(found, "a certificate"),
            other => panic!("{other:?}"),
        }
        let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBszCCAVmgAwIBAgIUQ==\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(matches!(
            PrivateKey::from_pem(enc),
            Err(Error::EncryptedKey)
        ));
        assert!(matches!(
            PrivateKey::from_pem("hello"),
            Err(Error::InvalidKey { .. })
        ));
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            PrivateKey::from_pem(garbage),
            Err(Error::InvalidKey { .. })
        ));
    }

    #[test]
    fn kinds_and_algorithms() {
        assert_eq!(KeyKind::EcP384.default_algorithm(), Algorithm::ES384);
        assert_eq!(
            KeyKind::Rsa { bits: 3072 }.default_algorithm(),
            Algorithm::PS256
        );
        assert!(KeyKind::Rsa { bits: 3072 }.supports(Algorithm::PS512));
        assert!(!KeyKind::Rsa { bits: 3072 }.supports(Algorithm::ES256));
        assert!(!KeyKind::EcP256.supports(Algorithm::ES384));
        assert!(!KeyKind::Rsa { bits: 2048 }.netsuite_accepts());
        assert!(KeyKind::EcP521.netsuite_accepts());
    }

    #[test]
    fn rsa_bits_is_exact() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x7f, 0, 0]), 23);
        assert_eq!(rsa_bits(&[0x00, 0x00, 0x01, 0]), 9);
        assert_eq!(rsa_bits(&[0x00]), 0);
        assert_eq!(rsa_bits(&[]), 0);
    }
}
