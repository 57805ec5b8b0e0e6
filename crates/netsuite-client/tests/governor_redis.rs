//! The shared governor against a real `redis-server` (started on a free loopback
//! port per test): leases cap the account across governors (processes), waiting is
//! fair and bounded, the AIMD window is shared, leases are renewed while held and
//! expire when their holder dies, and Redis trouble falls back or fails as asked.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::ScopeFormat;
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::PrivateKey;
use netsuite_client::governance::{Fallback, SharedOptions};
use netsuite_client::record::GetOptions;
use netsuite_client::{Client, ClientCredentials, Error, Governor, RetryPolicy, TokenSource};
use netsuite_emulator::Faults;
use netsuite_test::TestEmulator;
use netsuite_test::redis::RedisServer;

const LEASES: &str = "{netsuite:1234567}:leases";

fn redis() -> Option<RedisServer> {
    match RedisServer::start() {
        Ok(r) => Some(r),
        Err(why) => {
            eprintln!("skipping: {why}");
            None
        }
    }
}

fn options(url: &str) -> SharedOptions {
    SharedOptions::new(url, "1234567").wait(Duration::from_secs(10))
}

fn governor(options: SharedOptions) -> Arc<Governor> {
    Governor::shared(options).unwrap()
}

#[tokio::test]
async fn leases_cap_the_account_across_governors() {
    let Some(r) = redis() else { return };
    let a = governor(options(&r.url()));
    let b = governor(options(&r.url()).wait(Duration::from_millis(300)));
    let mut held = Vec::new();
    for g in [&a, &a, &a, &b, &b] {
        let p = g.acquire().await.unwrap();
        assert!(p.is_lease());
        held.push(p);
    }
    assert_eq!(r.zcard(LEASES), 5);
    let s = b.stats();
    let shared = s.shared.unwrap();
    assert_eq!((s.ceiling, shared.held, shared.peak), (5, 5, 5), "{s:?}");
    assert!(shared.up);
    // A sixth, from either governor, waits; past its wait it fails, unsent.
    let started = Instant::now();
    match b.acquire().await {
        Err(Error::GovernorTimeout { held, slots, .. }) => assert_eq!((held, slots), (5, 5)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(300));
    // A slot given back goes to the waiter of the other governor.
    let waiter = tokio::spawn({
        let a = Arc::clone(&a);
        async move { a.acquire().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!waiter.is_finished());
    held.pop().unwrap().release().await;
    let p = tokio::time::timeout(Duration::from_secs(2), waiter)
        .await
        .unwrap()
        .unwrap();
    assert!(p.is_lease());
    drop(held);
    p.release().await;
    // Dropped permits are given back in the background.
    let deadline = Instant::now() + Duration::from_secs(5);
    while r.zcard(LEASES) > 0 {
        assert!(Instant::now() < deadline, "leases were not given back");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn waiters_are_served_in_ticket_order() {
    let Some(r) = redis() else { return };
    let holder = governor(options(&r.url()));
    holder.set_ceiling(1);
    let first = holder.acquire().await.unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for n in 0..3 {
        let g = governor(options(&r.url()));
        let order = Arc::clone(&order);
        waiters.push(tokio::spawn(async move {
            let p = g.acquire().await.unwrap();
            order.lock().unwrap().push(n);
            tokio::time::sleep(Duration::from_millis(30)).await;
            p.release().await;
        }));
        // Each takes its ticket before the next arrives.
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    first.release().await;
    for w in waiters {
        tokio::time::timeout(Duration::from_secs(5), w)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(*order.lock().unwrap(), [0, 1, 2]);
}

#[tokio::test]
async fn the_window_and_ceiling_live_in_redis() {
    let Some(r) = redis() else { return };
    let a = governor(options(&r.url()));
    let b = governor(options(&r.url()));
    a.set_ceiling(8);
    let p = a.acquire().await.unwrap();
    assert_eq!(a.stats().ceiling, 8);
    // A refusal seen by one worker halves the window of all.
    p.throttled();
    p.release().await;
    b.acquire().await.unwrap().release().await;
    let s = b.stats();
    assert_eq!((s.ceiling, s.window), (8, 4.0), "{s:?}");
    assert_eq!(s.shared.unwrap().throttled, 1);
    // Another refusal of the same round does not halve it again; of the next, it does.
    let stale = b.acquire().await.unwrap();
    let next = a.acquire().await.unwrap();
    next.throttled();
    next.release().await;
    stale.throttled();
    stale.release().await;
    b.acquire().await.unwrap().release().await;
    assert_eq!(b.stats().window, 2.0);
    // Successes widen it back, never above the ceiling.
    for _ in 0..40 {
        let p = a.acquire().await.unwrap();
        p.success();
        p.release().await;
    }
    assert_eq!(a.stats().window, 8.0);
    assert_eq!(
        r.cmd(&["HGET", "{netsuite:1234567}:state", "ceiling"]),
        "$1"
    );
}

#[tokio::test]
async fn leases_are_renewed_while_held_and_expire_when_the_holder_dies() {
    let Some(r) = redis() else { return };
    let short =
        |url: &str| options(url).lease(Duration::from_millis(900), Duration::from_millis(250));
    let holder = governor(short(&r.url()));
    holder.set_ceiling(1);
    let held = holder.acquire().await.unwrap();
    // Held past three lease times: renewed, so nobody else gets the slot.
    let other = governor(short(&r.url()).wait(Duration::from_millis(2_700)));
    assert!(matches!(
        other.acquire().await,
        Err(Error::GovernorTimeout { .. })
    ));
    held.release().await;
    // A holder that dies (its runtime and renewal task gone, nothing given back).
    let url = r.url();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let g = governor(short(&url));
            std::mem::forget(g.acquire().await.unwrap());
        });
    })
    .join()
    .unwrap();
    assert_eq!(r.zcard(LEASES), 1);
    let started = Instant::now();
    let p = governor(short(&r.url())).acquire().await.unwrap();
    let back = started.elapsed();
    assert!(p.is_lease());
    assert!(
        back >= Duration::from_millis(500) && back < Duration::from_millis(1_500),
        "{back:?}"
    );
}

#[tokio::test]
async fn redis_away_falls_back_to_the_local_limit_then_resumes() {
    let Some(mut r) = redis() else { return };
    r.kill();
    let g = governor(options(&r.url()));
    // Unreachable at start: the local limiter, counted once per outage.
    let p = g.acquire().await.unwrap();
    assert!(!p.is_lease());
    let q = g.acquire().await.unwrap();
    assert!(!q.is_lease());
    let s = g.stats();
    assert_eq!(s.fallbacks, 1);
    assert!(!s.shared.unwrap().up);
    drop((p, q));
    // Redis back: shared mode resumes.
    r.restart();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let p = g.acquire().await.unwrap();
    assert!(p.is_lease());
    assert!(g.stats().shared.unwrap().up);
    p.release().await;
    // Gone mid-run: the local limiter again, a second outage.
    r.kill();
    let p = g.acquire().await.unwrap();
    assert!(!p.is_lease());
    assert_eq!(g.stats().fallbacks, 2);
}

#[tokio::test]
async fn redis_away_with_fallback_fail_refuses_before_sending() {
    let Some(mut r) = redis() else { return };
    r.kill();
    let g = governor(options(&r.url()).fallback(Fallback::Fail));
    match g.acquire().await {
        Err(e @ Error::GovernorUnavailable { .. }) => {
            assert!(
                e.to_string().contains(&format!("127.0.0.1:{}", r.port)),
                "{e}"
            );
        }
        other => panic!("expected GovernorUnavailable, got {other:?}"),
    }
    assert!(matches!(
        Governor::shared(SharedOptions::new("http://nope", "1")),
        Err(Error::InvalidRequest { .. })
    ));
    let secret =
        Governor::shared(SharedOptions::new("redis://:hunter2@127.0.0.1:1/0", "1")).unwrap();
    assert!(
        !secret
            .shared_options()
            .unwrap()
            .display_url()
            .contains("hunter2")
    );
}

fn client(emu: &TestEmulator, governor: Arc<Governor>) -> Client {
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices"]);
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&m.private_key).unwrap()).unwrap();
    let creds = ClientCredentials {
        endpoints: Endpoints::with_base_url(&emu.base_url).unwrap(),
        client_id: m.client_id.as_str().into(),
        certificate_id: m.certificate_id.as_str().into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: vec!["rest_webservices".into()],
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    };
    Client::builder(TokenSource::new(creds, None))
        .governor(governor)
        .retry(RetryPolicy {
            max_attempts: 12,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn clients_on_one_redis_share_the_accounts_limit() {
    let Some(r) = redis() else { return };
    let emu = TestEmulator::start().await;
    emu.emulator.set_concurrency_limit(3).unwrap();
    let clients: Vec<Client> = (0..3)
        .map(|_| {
            let g = governor(options(&r.url()));
            g.set_ceiling(3);
            client(&emu, g)
        })
        .collect();
    for c in &clients {
        c.get_record("salesorder", "304", &GetOptions::default())
            .await
            .unwrap();
    }
    emu.emulator
        .set_faults(Faults {
            latency_ms: 20,
            ..Faults::default()
        })
        .unwrap();
    let tasks: Vec<_> = (0..36)
        .map(|n| {
            let c = clients[n % 3].clone();
            tokio::spawn(async move {
                c.get_record("salesorder", "304", &GetOptions::default())
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let g = emu.emulator.governance();
    assert!(g.peak_in_flight <= 3, "{g:?}");
    assert!(g.peak_in_flight >= 2, "the clients did overlap: {g:?}");
    assert_eq!(g.rejected, 0, "{g:?}");
    assert!(clients.iter().all(|c| c.governor().stats().throttled == 0));
}
