//! JWS algorithm names: the six NetSuite accepts for client assertions, and RS256,
//! which it refuses.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::signature::{self, VerificationAlgorithm};
use serde::{Deserialize, Serialize};

/// A JWS algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
    /// RSASSA-PKCS1-v1_5 with SHA-256: refused by NetSuite for client assertions since
    /// 1 March 2025; kept only to recognise it.
    RS256,
}

impl Algorithm {
    /// The six algorithms NetSuite accepts for client assertions.
    pub const NETSUITE: [Algorithm; 6] = [
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
    ];

    /// The name used in the JWS header.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::RS256 => "RS256",
        }
    }

    /// Whether this is an RSA algorithm.
    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 | Algorithm::RS256
        )
    }

    /// The digest length in bytes (also the PSS salt length).
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::PS256 | Algorithm::ES256 | Algorithm::RS256 => 32,
            Algorithm::PS384 | Algorithm::ES384 => 48,
            Algorithm::PS512 | Algorithm::ES512 => 64,
        }
    }

    pub(crate) fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An algorithm name that is not a JWS algorithm this crate knows (it converts into
/// [`crate::Error::UnsupportedAlgorithm`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownAlgorithm(pub String);

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported algorithm {:?}: use PS256, PS384, PS512, ES256, ES384 or ES512",
            self.0
        )
    }
}

impl std::error::Error for UnknownAlgorithm {}

impl FromStr for Algorithm {
    type Err = UnknownAlgorithm;
    fn from_str(s: &str) -> Result<Self, UnknownAlgorithm> {
        match s.to_ascii_uppercase().as_str() {
            "PS256" => Ok(Algorithm::PS256),
            "PS384" => Ok(Algorithm::PS384),
            "PS512" => Ok(Algorithm::PS512),
            "ES256" => Ok(Algorithm::ES256),
            "ES384" => Ok(Algorithm::ES384),
            "ES512" => Ok(Algorithm::ES512),
            "RS256" => Ok(Algorithm::RS256),
            _ => Err(UnknownAlgorithm(s.to_owned())),
        }
    }
}

/// What kind of key a key or certificate holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// RSA with the modulus size in bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on NIST P-256.
    EcP256,
    /// ECDSA on NIST P-384.
    EcP384,
    /// ECDSA on NIST P-521.
    EcP521,
}

impl KeyKind {
    /// The algorithm a client assertion uses by default for this key:
    /// ES256/ES384/ES512 by curve, PS256 for RSA.
    pub fn default_algorithm(self) -> Algorithm {
        match self {
            KeyKind::Rsa { .. } => Algorithm::PS256,
            KeyKind::EcP256 => Algorithm::ES256,
            KeyKind::EcP384 => Algorithm::ES384,
            KeyKind::EcP521 => Algorithm::ES512,
        }
    }

    /// Whether NetSuite accepts certificates with this key (RSA 3072/4096, EC P-256/384/521).
    pub fn netsuite_accepts(self) -> bool {
        match self {
            KeyKind::Rsa { bits } => bits == 3072 || bits == 4096,
            _ => true,
        }
    }

    /// Whether `alg` can be used with this key.
    pub fn supports(self, alg: Algorithm) -> bool {
        matches!(
            (self, alg),
            (
                KeyKind::Rsa { .. },
                Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 | Algorithm::RS256
            ) | (KeyKind::EcP256, Algorithm::ES256)
                | (KeyKind::EcP384, Algorithm::ES384)
                | (KeyKind::EcP521, Algorithm::ES512)
        )
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::EcP256 => f.write_str("EC P-256"),
            KeyKind::EcP384 => f.write_str("EC P-384"),
            KeyKind::EcP521 => f.write_str("EC P-521"),
        }
    }
}
