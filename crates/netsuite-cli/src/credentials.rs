//! A profile's credentials as the commands use them: its private key (read with
//! errors that name the file and the fix, repaired when a copy and paste flattened
//! it), the algorithm, the token store, and the grant they make.

use std::sync::Arc;

use anyhow::{Context, Result};
use netsuite_auth::account::Endpoints;
use netsuite_auth::jws::Algorithm;
use netsuite_auth::key::PrivateKey;
use netsuite_client::keyring_key::{KeySource, KeyringMode};
use netsuite_client::store::TokenStore;
use netsuite_client::{AuthCode, ClientCredentials, Grant};

use crate::config::{Config, Profile};
use crate::error::UserError;

/// Reads a private key file with errors that name the file and the fix.
pub fn load_private_key(path: &std::path::Path) -> Result<PrivateKey> {
    let bytes = crate::files::read_file_capped(path, crate::files::KEY_CAP).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path; `netsuite cert new --out DIR` writes DIR/private-key.pem"
            }
            std::io::ErrorKind::FileTooLarge => {
                "check the path: a PEM private key is a few KiB (`netsuite cert new --out DIR` writes DIR/private-key.pem)"
            }
            _ => "make the file readable by you (and by nobody else: chmod 600)",
        };
        UserError::usage(format!(
            "cannot read the private key {}: {e}",
            path.display()
        ))
        .hint(hint)
    })?;
    crate::files::warn_if_readable(path);
    let text = crate::files::text(bytes, &format!("the private key {}", path.display()))?;
    PrivateKey::from_pem(&text).with_context(|| format!("private key {}", path.display()))
}

/// The algorithm for a key: the one asked for (checked against the key), or the key's default.
pub fn algorithm_for(key: &PrivateKey, requested: Option<&str>) -> Result<Algorithm> {
    let alg = match requested {
        Some(a) => a.parse::<Algorithm>().map_err(netsuite_auth::Error::from)?,
        None => key.kind().default_algorithm(),
    };
    if alg == Algorithm::RS256 {
        return Err(netsuite_auth::Error::Rs256Refused.into());
    }
    if !key.kind().supports(alg) {
        return Err(netsuite_auth::Error::KeyAlgorithmMismatch {
            alg,
            key: key.kind(),
        }
        .into());
    }
    if !key.kind().netsuite_accepts() {
        return Err(UserError::usage(format!(
            "the key is {}: NetSuite accepts RSA 3072 or 4096 bits, or EC P-256, P-384 or P-521",
            key.kind()
        ))
        .hint("make a new key and certificate: `netsuite cert new --key-type ec-p256 --out DIR`")
        .into());
    }
    Ok(alg)
}

/// The token store in the config directory, telling the user once, loudly, when its
/// key had to go in a file (unless `NETSUITE_KEYRING=off` asked for exactly that).
pub fn open_store(config: &Config) -> Result<TokenStore> {
    open_store_at(config.tokens_dir())
}

/// The token store in `dir`; see [`open_store`].
pub fn open_store_at(dir: std::path::PathBuf) -> Result<TokenStore> {
    crate::files::check_trusted(&dir, "token directory", 0o700)?;
    let store = TokenStore::new(dir);
    if let (KeySource::File(path), true) = store.key_source()?
        && KeyringMode::from_env() != KeyringMode::Off
    {
        crate::output::say!(
            "warning: no OS keyring answered, so the key that encrypts stored tokens and\n\
             warning: secrets is in {} (mode 0600).\n\
             warning: Anyone who can read that file as you can decrypt them. (Said once.)",
            path.display()
        );
    }
    Ok(store)
}

/// The client-credentials grant of a profile, with its key.
pub fn m2m_grant(
    name: &str,
    profile: &Profile,
    endpoints: Endpoints,
    key: PrivateKey,
) -> Result<Grant> {
    let algorithm = algorithm_for(&key, profile.algorithm.as_deref())?;
    let certificate_id = profile.certificate_id.clone().ok_or_else(|| {
        UserError::usage(format!("profile {name:?} has no certificate id"))
            .hint("set NETSUITE_CERTIFICATE_ID, or re-add the profile with `netsuite profile add NAME ... --certificate-id ID --force`")
    })?;
    Ok(ClientCredentials {
        endpoints,
        client_id: profile.client_id.as_str().into(),
        certificate_id: certificate_id.into(),
        private_key: Arc::new(key),
        algorithm,
        scopes: profile.scopes.clone(),
        scope_format: profile.scope_format,
        assertion_lifetime_secs: netsuite_auth::assertion::DEFAULT_LIFETIME_SECS,
    }
    .into())
}

/// The authorization-code grant of a profile.
pub fn auth_code_grant(name: &str, profile: &Profile, endpoints: Endpoints) -> Result<Grant> {
    let hint = "re-add it with `netsuite profile add NAME --flow auth-code ... --redirect-uri URI --force`";
    let uri = profile.redirect_uri.as_deref().ok_or_else(|| {
        UserError::usage(format!("profile {name:?} has no redirect URI")).hint(hint)
    })?;
    let redirect_uri = netsuite_auth::RedirectUri::parse(uri)
        .map_err(|e| UserError::usage(format!("profile {name:?}: {e}")).hint(hint))?;
    Ok(AuthCode {
        endpoints,
        client_id: profile.client_id.as_str().into(),
        public: profile.public,
        redirect_uri,
        scopes: profile.scopes.clone(),
    }
    .into())
}

/// Repairs a PEM whose line breaks were flattened: literal `\n` sequences (as Postman
/// stores them), `\r\n`, or breaks lost entirely when the backslashes were stripped
/// (`-----BEGIN PRIVATE KEY-----nMIIG...n-----END...`).
pub(crate) fn repair_pem(raw: &str) -> String {
    let mut s = raw
        .replace("\\r\\n", "\n")
        .replace("\\n", "\n")
        .replace("\r\n", "\n");
    if !s.trim().contains('\n')
        && let Some(fixed) = unflatten_pem(&s)
    {
        s = fixed;
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// Restores the line breaks of a PEM whose breaks became a bare `n`: the body is
/// 64-character lines, each preceded by the `n` that was a line break.
fn unflatten_pem(s: &str) -> Option<String> {
    let b = s.find("-----BEGIN ")?;
    let e = s.find("-----END ")?;
    let h_end = s[b + 11..].find("-----").map(|i| b + 11 + i + 5)?;
    let footer_end = s[e + 9..]
        .find("-----")
        .map(|i| e + 9 + i + 5)
        .unwrap_or(s.len());
    let (header, footer) = (&s[b..h_end], &s[e..footer_end]);
    let mut lines = Vec::new();
    let mut rest = s.get(h_end..e)?;
    // Breaks removed entirely (or turned into spaces): the body is base64 (a key's
    // starts with "MI"), re-wrapped at 64 characters.
    let joined: String = rest.chars().filter(|c| !c.is_whitespace()).collect();
    if !joined.starts_with('n') {
        let base64 = |c: char| c.is_ascii_alphanumeric() || "+/=".contains(c);
        if joined.is_empty() || !joined.chars().all(base64) {
            return None;
        }
        let lines: Vec<&str> = joined
            .as_bytes()
            .chunks(64)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        return Some(format!("{header}\n{}\n{footer}\n", lines.join("\n")));
    }
    while let Some(stripped) = rest.strip_prefix('n') {
        if stripped.is_empty() {
            rest = stripped;
            break;
        }
        let (line, tail) = stripped.split_at(stripped.len().min(64));
        let line = line
            .strip_suffix('n')
            .filter(|_| tail.is_empty())
            .unwrap_or(line);
        lines.push(line.to_owned());
        rest = tail;
    }
    (rest.is_empty() && !lines.is_empty())
        .then(|| format!("{header}\n{}\n{footer}\n", lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::repair_pem;

    #[test]
    fn repairs_flattened_pem() {
        let body = "A".repeat(64) + "\n" + &"B".repeat(64) + "\n" + "CCCn";
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        let escaped = pem.replace('\n', "\\n");
        assert_eq!(repair_pem(&escaped), pem);
        let stripped = pem.replace('\n', "n");
        let fixed = repair_pem(&stripped);
        assert_eq!(fixed, pem, "{fixed}");
        let full = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n{}\n-----END PRIVATE KEY-----\n",
            "A".repeat(64),
            "B".repeat(64)
        );
        assert_eq!(repair_pem(&full.replace('\n', "n")), full);
        // Breaks removed entirely, or turned into spaces.
        let key = format!(
            "-----BEGIN PRIVATE KEY-----\nMI{}\n{}\nCCC=\n-----END PRIVATE KEY-----\n",
            "A".repeat(62),
            "B".repeat(64)
        );
        assert_eq!(repair_pem(&key.replace('\n', "")), key);
        assert_eq!(repair_pem(&key.replace('\n', " ")), key);
        assert_eq!(repair_pem(&pem), pem);
    }
}
