//! Records on disk: kept across a reopen, demo data seeded once and grown on demand,
//! no demo at all when asked, and the base every account has.

use axum::http::StatusCode;
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Clock, Emulator};

use crate::http::*;
use crate::support::*;

fn open(dir: &std::path::Path, tweak: impl FnOnce(&mut netsuite_emulator::Config)) -> Emulator {
    let mut c = config(&Clock::fixed(NOW));
    c.data_dir = Some(dir.to_owned());
    tweak(&mut c);
    Emulator::open(c).unwrap()
}

async fn total(f: &Fixture, t: &str, path: &str) -> u64 {
    let r = get(f, t, &format!("{RECORD}/{path}?limit=1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json["totalResults"].as_u64().unwrap()
}

#[tokio::test]
async fn records_survive_a_reopen_and_the_demo_grows() {
    let dir = tempfile::tempdir().unwrap();
    let (created, before) = {
        let f = Fixture::on(open(dir.path(), |_| {}), Clock::fixed(NOW), KeyType::EcP256);
        let t = f.token().await;
        let r = post(
            &f,
            &t,
            &format!("{RECORD}/customer"),
            r#"{"companyName":"Kept"}"#,
        )
        .await;
        let id = new_id(&r);
        let so = get(&f, &t, &format!("{RECORD}/salesorder/350")).await.body;
        (id, so)
    };
    // Reopened with a larger scale: the customer is there, transaction 350 is the
    // same, and the new ones exist.
    let f = Fixture::on(
        open(dir.path(), |c| c.demo_scale = 250),
        Clock::fixed(NOW),
        KeyType::EcP256,
    );
    let t = f.token().await;
    let r = get(&f, &t, &format!("{RECORD}/customer/{created}")).await;
    assert_eq!(r.json["companyName"], "Kept");
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/350")).await.body,
        before
    );
    let all = total(&f, &t, "salesorder").await + total(&f, &t, "invoice").await;
    assert_eq!(all, 250);
    assert_eq!(
        get(&f, &t, "/services/rest/record/v1/customer?limit=1")
            .await
            .json["totalResults"],
        26
    );
    // A smaller scale later removes nothing.
    drop(f);
    let f = Fixture::on(
        open(dir.path(), |c| c.demo_scale = 10),
        Clock::fixed(NOW),
        KeyType::EcP256,
    );
    let t = f.token().await;
    assert_eq!(
        total(&f, &t, "salesorder").await + total(&f, &t, "invoice").await,
        250
    );
}

#[tokio::test]
async fn without_demo_data_only_the_base_is_there() {
    let f = Fixture::with_config(KeyType::EcP256, |c| c.demo = false);
    let t = f.token().await;
    assert_eq!(total(&f, &t, "customer").await, 0);
    assert_eq!(total(&f, &t, "salesorder").await, 0);
    assert_eq!(total(&f, &t, "subsidiary").await, 1);
    assert_eq!(total(&f, &t, "currency").await, 4);
    assert_eq!(total(&f, &t, "account").await, 10);
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/employee/-5")).await.json["entityId"],
        "Administrator"
    );
    // The account is usable: a customer and an order can be created.
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/inventoryitem"),
        r#"{"itemId":"THING","basePrice":2.5}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let item = new_id(&r);
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/customer"),
        r#"{"companyName":"First"}"#,
    )
    .await;
    let c = new_id(&r);
    let body = format!(
        r#"{{"entity":{{"id":"{c}"}},"item":{{"items":[{{"item":{{"id":"{item}"}},"quantity":4}}]}}}}"#
    );
    let r = post(&f, &t, &format!("{RECORD}/salesorder"), &body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(new_id(&r), "1");
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/1")).await.json["total"],
        10.0
    );
}
