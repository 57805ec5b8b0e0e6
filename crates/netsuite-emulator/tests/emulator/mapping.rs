//! Integration records and certificate mappings: what NetSuite refuses is refused.

use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Clock, Emulator, Error, NewIntegration, NewMapping};
use time::Duration;

use crate::support::*;

fn emulator() -> Emulator {
    Emulator::open(config(&Clock::fixed(NOW))).unwrap()
}

/// A self-signed certificate made with rcgen directly, so that any key and validity
/// can be had.
fn rcgen_cert(key: rcgen::KeyPair, days_before: i64, days_after: i64) -> (String, String) {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.not_before = now_dt() - Duration::days(days_before);
    params.not_after = now_dt() + Duration::days(days_after);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn refused_reason(r: Result<netsuite_emulator::Mapping, Error>) -> String {
    match r {
        Err(Error::CertificateRefused { reason }) => reason,
        other => panic!("expected a certificate refusal, got {other:?}"),
    }
}

#[test]
fn integrations_are_listed_without_secrets() {
    let emu = emulator();
    let a = emu.create_integration(m2m("A")).unwrap();
    let b = emu
        .create_integration(NewIntegration {
            name: "B".into(),
            auth_code: true,
            public: true,
            redirect_uris: vec!["https://example.com/callback".into()],
            scopes: vec!["restlets".into()],
            ..Default::default()
        })
        .unwrap();
    let secret = a.client_secret.clone().unwrap();
    assert_eq!(secret.len(), 64);
    assert!(
        secret
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert_ne!(secret, a.client_id);
    assert!(b.client_secret.is_none());
    let list = emu.list_integrations().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|i| i.client_secret.is_none()));
    assert_eq!(list[0].client_id, a.client_id);
    assert_eq!(list[0].scopes, vec!["rest_webservices", "restlets"]);
    assert_eq!(list[1].scopes, vec!["restlets"]);
    assert_eq!(list[1].application_id, b.application_id);
    let json = serde_json::to_value(&list[0]).unwrap();
    assert_eq!(json["client_secret"], serde_json::Value::Null);
}

#[test]
fn refuses_rsa_2048() {
    let emu = emulator();
    let i = emu.create_integration(m2m("A")).unwrap();
    let key = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let (pem, _) = rcgen_cert(key, 1, 365);
    let reason = refused_reason(emu.create_mapping(NewMapping::new(&i.client_id, pem)));
    assert!(reason.contains("RSA 2048"), "{reason}");
    assert!(reason.contains("3072"), "{reason}");
    let msg = Error::CertificateRefused { reason }.to_string();
    assert!(msg.starts_with("certificate refused: "), "{msg}");
}

/// NetSuite shortens a validity over two years to two years (Help Center, certificate
/// requirements): the mapping ends two years after the certificate's start.
#[test]
fn shortens_validity_over_two_years_and_refuses_expired() {
    let emu = emulator();
    let i = emu.create_integration(m2m("A")).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let (pem, _) = rcgen_cert(key, 10, 800);
    let m = emu
        .create_mapping(NewMapping::new(&i.client_id, pem))
        .unwrap();
    let two_years_from_start =
        (now_dt() - Duration::days(10) + Duration::days(730)).unix_timestamp();
    assert!((m.not_after - two_years_from_start).abs() <= 5, "{m:?}");
    // Three years ago for three years and a day: shortened, it is over.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let (pem, _) = rcgen_cert(key, 3 * 365, 1);
    let reason = refused_reason(emu.create_mapping(NewMapping::new(&i.client_id, pem)));
    assert!(reason.contains("shortened to two years"), "{reason}");
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let (pem, _) = rcgen_cert(key, 400, -1);
    let reason = refused_reason(emu.create_mapping(NewMapping::new(&i.client_id, pem)));
    assert!(reason.contains("expired"), "{reason}");
}

#[test]
fn refuses_a_private_key_and_garbage() {
    let emu = emulator();
    let i = emu.create_integration(m2m("A")).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let (_, key_pem) = rcgen_cert(key, 0, 30);
    let reason = refused_reason(emu.create_mapping(NewMapping::new(&i.client_id, key_pem)));
    assert!(reason.contains("private key"), "{reason}");
    let reason = refused_reason(emu.create_mapping(NewMapping::new(&i.client_id, "hello")));
    assert!(reason.contains("certificate"), "{reason}");
}

#[test]
fn refuses_unknown_client_and_integration_without_m2m() {
    let emu = emulator();
    let cred = credential(KeyType::EcP256);
    match emu.create_mapping(NewMapping::new("ab".repeat(32), cred.cert_pem.clone())) {
        Err(e @ Error::UnknownClientId { .. }) => {
            assert!(e.to_string().starts_with("unknown client id"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    let auth_code_only = emu
        .create_integration(NewIntegration {
            name: "Browser app".into(),
            auth_code: true,
            redirect_uris: vec!["https://example.com/cb".into()],
            ..Default::default()
        })
        .unwrap();
    match emu.create_mapping(NewMapping::new(&auth_code_only.client_id, cred.cert_pem)) {
        Err(e @ Error::IntegrationWithoutM2m { .. }) => {
            assert!(e.to_string().contains("without M2M"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert!(emu.list_mappings().unwrap().is_empty());
}

#[test]
fn duplicates_and_the_five_certificate_limit() {
    let emu = emulator();
    let i = emu.create_integration(m2m("A")).unwrap();
    let creds: Vec<Credential> = (0..6).map(|_| credential(KeyType::EcP256)).collect();
    for (n, c) in creds.iter().take(5).enumerate() {
        let mut new = NewMapping::new(&i.client_id, c.cert_pem.clone());
        new.role = 1000 + n as i64;
        new.entity = 7;
        let m = emu.create_mapping(new).unwrap();
        assert_eq!(m.certificate_id.len(), 43);
        assert_eq!(m.role, 1000 + n as i64);
        assert_eq!(m.entity, 7);
        assert!(!m.revoked);
        assert_eq!(m.not_after, NOW + 365 * 86_400);
    }
    assert!(matches!(
        emu.create_mapping(NewMapping::new(&i.client_id, creds[0].cert_pem.clone())),
        Err(Error::DuplicateCertificate { .. })
    ));
    assert!(matches!(
        emu.create_mapping(NewMapping::new(&i.client_id, creds[5].cert_pem.clone())),
        Err(Error::TooManyCertificates { max: 5, .. })
    ));
    // The same certificate may serve another integration.
    let j = emu.create_integration(m2m("B")).unwrap();
    let m = emu
        .create_mapping(NewMapping::new(&j.client_id, creds[0].cert_pem.clone()))
        .unwrap();
    assert_eq!(m.role, 3);
    assert_eq!(m.entity, -5);
    assert_eq!(emu.list_mappings().unwrap().len(), 6);
}

#[tokio::test]
async fn a_certificate_shared_by_two_integrations_picks_by_iss() {
    let f = Fixture::new(KeyType::EcP256);
    let other = f.emu.create_integration(m2m("Other")).unwrap();
    let mut new = NewMapping::new(&other.client_id, f.cred.cert_pem.clone());
    new.role = 1111;
    new.entity = 10;
    f.emu.create_mapping(new).unwrap();
    let mut claims = f.claims();
    claims.insert("iss".into(), other.client_id.clone().into());
    let token = f.token_for(&claims).await;
    let c = jwt_claims(&token);
    assert_eq!(c["sub"], "1111;10");
    assert_eq!(c["aud"][1], other.client_id.as_str());
    let token = f.token().await;
    assert_eq!(jwt_claims(&token)["sub"], "3;-5");
}

#[test]
fn invalid_integrations() {
    let emu = emulator();
    for bad in [
        NewIntegration {
            name: "x".into(),
            ..Default::default()
        },
        NewIntegration {
            name: "".into(),
            m2m: true,
            ..Default::default()
        },
        NewIntegration {
            name: "x".into(),
            m2m: true,
            scopes: vec!["suiteanalytics_connect".into()],
            ..Default::default()
        },
        NewIntegration {
            name: "x".into(),
            auth_code: true,
            redirect_uris: vec!["http://example.com/cb".into()],
            ..Default::default()
        },
    ] {
        assert!(
            matches!(
                emu.create_integration(bad.clone()),
                Err(Error::InvalidIntegration { .. })
            ),
            "{bad:?}"
        );
    }
}
