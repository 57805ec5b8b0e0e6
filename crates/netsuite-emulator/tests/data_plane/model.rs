//! One data model: a column added to the model shows in SuiteQL, in the record
//! API (read and write) and in the metadata catalog, with nothing else changed.

use axum::http::StatusCode;
use netsuite_auth::cert::KeyType;
use netsuite_suiteql::Model;
use netsuite_suiteql::model::{Column, SqlType};
use serde_json::json;

use crate::http::*;
use crate::support::*;

fn extended() -> &'static Model {
    let mut model = Model::netsuite().clone();
    model.add_column(
        "customer",
        Column::new("custentity_tier", SqlType::Text).rest("custentity_tier", "Tier"),
    );
    model.leak()
}

#[tokio::test]
async fn an_added_column_reaches_suiteql_rest_and_the_catalog() {
    let f = Fixture::with_config(KeyType::EcP256, |c| c.model = extended());
    let t = f.token().await;
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/customer/101"),
        r#"{"custentity_tier": "Gold"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = get(&f, &t, &format!("{RECORD}/customer/101")).await;
    assert_eq!(r.json["custentity_tier"], "Gold", "{}", r.body);
    let body =
        json!({"q": "SELECT id, custentity_tier FROM customer WHERE custentity_tier = 'Gold'"})
            .to_string();
    let r = call(
        &f,
        "POST",
        SUITEQL,
        Some(&t),
        &[("prefer", "transient")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["items"][0]["id"], "101");
    assert_eq!(r.json["items"][0]["custentity_tier"], "Gold");
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/customer?q={}", enc("custentity_tier IS Gold")),
    )
    .await;
    assert_eq!(ids(&r), ["101"], "{}", r.body);
    let r = get(&f, &t, &format!("{RECORD}/metadata-catalog/customer")).await;
    assert_eq!(
        r.json["properties"]["custentity_tier"]["title"], "Tier",
        "{}",
        r.body
    );

    // The plain model knows nothing of it.
    let (f, t) = setup().await;
    let r = get(&f, &t, &format!("{RECORD}/metadata-catalog/customer")).await;
    assert!(r.json["properties"].get("custentity_tier").is_none());
    let r = call(
        &f,
        "POST",
        SUITEQL,
        Some(&t),
        &[("prefer", "transient")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}
