//! The typed admin API client (feature `remote-client`) against `serve` on 127.0.0.1:0:
//! the same types and the same values as the library API, and each kind of error.

#![cfg(feature = "remote-client")]

use netsuite_auth::cert::KeyType;
use netsuite_emulator::{
    AdminClient, AdminError, Clock, ConsentPolicy, Emulator, NewIntegration, NewMapping,
};
use serde_json::to_value;
use tokio::net::TcpListener;

use crate::support::*;

fn refused(e: AdminError) -> (u16, Option<String>, String) {
    match e {
        AdminError::Refused {
            status,
            kind,
            message,
        } => (status.as_u16(), kind, message),
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_client_matches_the_library() {
    let emu = Emulator::open(config(&Clock::system())).unwrap();
    let m2m_app = emu.create_integration(m2m("M2M")).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let g = netsuite_auth::cert::generate(KeyType::EcP256, 30, "remote", now).unwrap();
    let mapping = emu
        .create_mapping(NewMapping::new(&m2m_app.client_id, g.certificate_pem))
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(netsuite_emulator::serve(emu.clone(), listener, async {
        let _ = stopped.await;
    }));
    let admin = AdminClient::new(&format!("http://{addr}/")).unwrap();
    assert_eq!(admin.base_url(), format!("http://{addr}"));

    let index = admin.index().await.unwrap();
    assert_eq!(index.account, emu.account().as_str());
    assert_eq!(index.signing_key_id, emu.signing_key_id());
    assert!(index.endpoints.contains(&"GET /admin/api/audit".to_owned()));

    // Reads: the same values as the library's.
    assert_eq!(
        to_value(admin.integrations().await.unwrap()).unwrap(),
        to_value(emu.list_integrations().unwrap()).unwrap()
    );
    let details = admin.integration_details(&m2m_app.client_id).await.unwrap();
    assert_eq!(details.mappings.len(), 1);
    assert_eq!(
        to_value(&details).unwrap(),
        to_value(emu.integration_details(&m2m_app.client_id).unwrap()).unwrap()
    );

    // Writes land in the emulator.
    let public = admin
        .create_integration(&NewIntegration {
            name: "Remote login".into(),
            auth_code: true,
            public: true,
            redirect_uris: vec!["https://app.example/callback".into()],
            consent_policy: ConsentPolicy::Never,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(public.client_secret.is_none());
    let stored = emu.integration(&public.client_id).unwrap().unwrap();
    assert_eq!(stored.consent_policy, ConsentPolicy::Never);
    let blocked = admin
        .set_integration_blocked(&public.client_id, true)
        .await
        .unwrap()
        .unwrap();
    assert!(blocked.blocked);
    assert!(emu.integration(&public.client_id).unwrap().unwrap().blocked);
    admin
        .set_integration_blocked(&public.client_id, false)
        .await
        .unwrap();
    assert!(!emu.integration(&public.client_id).unwrap().unwrap().blocked);
    let revoked = admin
        .revoke_mapping(&mapping.certificate_id, Some(&m2m_app.client_id))
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert!(revoked[0].revoked);
    assert!(admin.mappings().await.unwrap()[0].revoked);
    assert_eq!(
        to_value(admin.tokens(true, 10).await.unwrap()).unwrap(),
        to_value(emu.tokens(true, 10).unwrap()).unwrap()
    );
    assert_eq!(
        to_value(admin.audit().await.unwrap()).unwrap(),
        to_value(emu.audit().unwrap()).unwrap()
    );

    // Refusals keep the status, the kind and the message.
    let (status, kind, message) = refused(admin.revoke_token("nope").await.unwrap_err());
    assert_eq!((status, kind.as_deref()), (404, Some("not_found")));
    assert!(message.contains("nope"), "{message}");
    let (status, kind, _) = refused(admin.revoke_authorized_app(999).await.unwrap_err());
    assert_eq!((status, kind.as_deref()), (404, Some("not_found")));
    let (status, kind, _) = refused(
        admin
            .create_integration(&NewIntegration {
                name: String::new(),
                m2m: true,
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    assert_eq!((status, kind.as_deref()), (400, Some("invalid")));
    let (status, kind, _) = refused(admin.integration_details("unknown").await.unwrap_err());
    assert_eq!((status, kind.as_deref()), (404, Some("not_found")));

    // Bad base URLs, and nobody listening.
    assert!(matches!(
        AdminClient::new("ftp://127.0.0.1/"),
        Err(AdminError::NotHttp { .. })
    ));
    assert!(matches!(
        AdminClient::new("not a url"),
        Err(AdminError::InvalidUrl { .. })
    ));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(matches!(
        admin.integrations().await,
        Err(AdminError::Unreachable { .. })
    ));
}
