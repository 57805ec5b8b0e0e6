//! Access tokens: the emulator's signing key and issuing tokens shaped like
//! NetSuite's ([`super::bearer`] checks them on resource calls).
//!
//! The signing key is an EC P-256 key (tokens are ES256) made on first open and kept
//! in the database, so tokens survive restarts and are shared by every process that
//! opens the same data directory.

use netsuite_auth::account::AccountId;
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::jws::{self, Algorithm, VerifyingKey};
use netsuite_auth::key::PrivateKey;
use rusqlite::Connection;
use serde_json::{Map, Value};

use super::identifier;
use super::integration;
use crate::error::Error;
use crate::store::{Store, storage};

/// The `iss` of every token NetSuite issues.
pub const ISSUER: &str = "https://system.netsuite.com";
/// Access token lifetime in seconds.
pub const LIFETIME_SECS: i64 = 3600;
/// The algorithm of the emulator's tokens.
pub const ALGORITHM: Algorithm = Algorithm::ES256;

const META_KEY: &str = "signing_key_pem";
const META_KID: &str = "signing_key_id";

/// The emulator's token-signing key, parsed once.
pub(crate) struct Signer {
    key: PrivateKey,
    verifying: VerifyingKey,
    kid: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer(kid {}, [redacted])", self.kid)
    }
}

/// Creates the signing key on a fresh database (inside the opening transaction).
pub(crate) fn ensure_key(conn: &Connection, account: &AccountId, now: i64) -> Result<(), Error> {
    if Store::meta(conn, META_KEY)
        .map_err(|e| storage(&crate::store::label_of(conn), e))?
        .is_some()
    {
        return Ok(());
    }
    let now_dt =
        time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let generated = cert::generate(
        KeyType::EcP256,
        cert::MAX_VALIDITY_DAYS,
        "NetSuite emulator token signing",
        now_dt,
    )
    .map_err(|source| Error::SigningKey { source })?;
    let stamp = now_dt
        .format(time::macros::format_description!(
            "[year]-[month]-[day]_[hour]-[minute]-[second]"
        ))
        .unwrap_or_else(|_| now.to_string());
    let kid = format!("c.{}.{stamp}", account.as_str());
    let st = |e| storage(&crate::store::label_of(conn), e);
    Store::set_meta_once(conn, META_KEY, generated.private_key_pem.expose_secret()).map_err(st)?;
    Store::set_meta_once(conn, META_KID, &kid).map_err(st)?;
    Ok(())
}

impl Signer {
    /// Loads the key written by [`ensure_key`].
    pub(crate) fn load(store: &Store) -> Result<Self, Error> {
        let (pem, kid) =
            store.with(|c| Ok((Store::meta(c, META_KEY)?, Store::meta(c, META_KID)?)))?;
        let corrupt = |reason: &str| Error::Corrupt {
            path: store.label().to_owned(),
            reason: reason.to_owned(),
        };
        let pem = pem.ok_or_else(|| corrupt("the token-signing key is missing"))?;
        let kid = kid.ok_or_else(|| corrupt("the token-signing key id is missing"))?;
        let pem = netsuite_auth::secret::PrivateKeyPem::new(pem);
        let key = PrivateKey::from_pem(pem.expose_secret())
            .map_err(|source| Error::SigningKey { source })?;
        let verifying = VerifyingKey::from_private_key(&key);
        Ok(Self {
            key,
            verifying,
            kid,
        })
    }

    /// The key id in the header of issued tokens.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, to verify bearer tokens.
    pub(crate) fn verifying_key(&self) -> &VerifyingKey {
        &self.verifying
    }

    /// The public key as a JWK (RFC 7517) for the JWKS document.
    pub(crate) fn jwk(&self) -> Value {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        // An uncompressed P-256 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = &self.verifying.public_key;
        let (x, y) = if point.len() == 65 {
            (&point[1..33], &point[33..65])
        } else {
            (&point[..0], &point[..0])
        };
        serde_json::json!({
            "kty": "EC",
            "crv": "P-256",
            "use": "sig",
            "alg": ALGORITHM.as_str(),
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        })
    }

    /// Checks that `token` is a JWS this emulator signed (ES256, its `kid`); returns its
    /// claims.
    pub(crate) fn verify(&self, token: &str) -> Result<Map<String, Value>, String> {
        let unverified =
            jws::decode_unverified(token).map_err(|e| format!("it is not a JWT ({e})"))?;
        let kid_matches = unverified.header.kid.as_deref() == Some(self.kid.as_str());
        let verified = unverified
            .verify(&self.verifying, &[ALGORITHM])
            .map_err(|e| format!("its signature is not this account's ({e})"))?;
        if !kid_matches {
            return Err("its kid is not this account's signing key".into());
        }
        Ok(verified.claims)
    }

    /// Signs `claims` with the emulator's key.
    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, Error> {
        jws::sign(&self.key, ALGORITHM, Some(&self.kid), claims)
            .map_err(|source| Error::SigningKey { source })
    }
}

/// What kind of token a `jti` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// Access token from the client credentials grant (`<ACCOUNT>.a-c.…`).
    ClientCredentialsAccess,
    /// Access token from an authorization code or a refresh (`<ACCOUNT>.a-a.…`).
    AuthorizationAccess,
    /// Refresh token (`<ACCOUNT>.r.…_<ms>.0`).
    Refresh,
}

/// A `jti` shaped like NetSuite's, and the claims of a token for `grant`.
pub(crate) fn claims(
    account: &AccountId,
    grant: &Grant,
    kind: TokenKind,
    now_ms: i64,
    exp: i64,
    oit: i64,
) -> (String, Map<String, Value>) {
    let iat = now_ms.div_euclid(1000);
    let uuid = identifier::uuid();
    let jti = match kind {
        TokenKind::ClientCredentialsAccess => {
            format!("{}.a-c.{uuid}_{now_ms}.{now_ms}", account.as_str())
        }
        TokenKind::AuthorizationAccess => {
            format!("{}.a-a.{uuid}_{now_ms}.{now_ms}", account.as_str())
        }
        TokenKind::Refresh => format!("{}.r.{uuid}_{now_ms}.0", account.as_str()),
    };
    let mut claims = Map::new();
    claims.insert(
        "sub".into(),
        format!("{};{}", grant.role, grant.entity).into(),
    );
    claims.insert(
        "aud".into(),
        Value::from(vec![
            format!("{};{}", grant.application_id, account.as_str()),
            grant.client_id.clone(),
        ]),
    );
    claims.insert("scope".into(), Value::from(grant.scopes.clone()));
    claims.insert("iss".into(), ISSUER.into());
    claims.insert("oit".into(), oit.into());
    claims.insert("exp".into(), exp.into());
    claims.insert("iat".into(), iat.into());
    claims.insert("jti".into(), jti.clone().into());
    (jti, claims)
}

/// Whether a `jti` is a refresh token's.
pub(crate) fn is_refresh_jti(jti: &str) -> bool {
    jti.contains(".r.")
}

/// Records an access token's `jti`, optionally as part of a refresh chain.
pub(crate) fn record(
    conn: &Connection,
    jti: &str,
    grant: &Grant,
    chain_id: Option<&str>,
    iat: i64,
    exp: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO access_token (jti, client_id, certificate_id, scopes, iat, exp, chain_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        jti,
        grant.client_id,
        grant.certificate_id,
        integration::json_list(&grant.scopes),
        iat,
        exp,
        chain_id,
    ])?;
    Ok(())
}

/// Who a token is for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub client_id: String,
    pub application_id: String,
    pub certificate_id: Option<String>,
    pub role: i64,
    pub entity: i64,
    pub scopes: Vec<String>,
}

/// Signs a client-credentials access token for `grant` and records its `jti`. The
/// signature is made before a database connection is taken.
pub(crate) fn issue(
    store: &Store,
    signer: &Signer,
    account: &AccountId,
    grant: &Grant,
    now_ms: i64,
) -> Result<String, Error> {
    let iat = now_ms.div_euclid(1000);
    let exp = iat + LIFETIME_SECS;
    let (jti, claims) = claims(
        account,
        grant,
        TokenKind::ClientCredentialsAccess,
        now_ms,
        exp,
        iat,
    );
    let token = signer.sign(&claims)?;
    store.write(|tx| {
        record(tx, &jti, grant, None, iat, exp).map_err(|e| storage(store.label(), e))
    })?;
    Ok(token)
}

/// Forgets what can no longer be used, a day after it expired: access tokens'
/// records, authorize flows, login sessions, codes, refresh tokens, and chains (with
/// their tokens' rows) after their last refresh token expired.
pub(crate) fn prune(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    let cutoff = now - 86_400;
    conn.execute("DELETE FROM authorize_flow WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM login_session WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM auth_code WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM refresh_token WHERE exp < ?1", [cutoff])?;
    conn.execute("DELETE FROM token_chain WHERE expires < ?1", [cutoff])?;
    conn.execute("DELETE FROM access_token WHERE exp < ?1", [cutoff])
}
