//! GET of table-backed records: fields, references, sublists and lines, `fields=`,
//! `expandSubResources=true`, `eid:`, wrong transaction types, the metadata catalog.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::*;
use crate::support::*;

#[tokio::test]
async fn a_sales_order_with_its_item_sublist() {
    let (f, t) = setup().await;
    let r = get(&f, &t, &format!("{RECORD}/salesorder/304")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), SINGULAR);
    let so = &r.json;
    assert_eq!(so["tranId"], "SO304");
    assert_eq!(so["externalId"], "WEB-304");
    assert_eq!(so["subsidiary"]["refName"], "Parent Company");
    assert_eq!(
        so["salesRep"]["links"][0]["href"],
        format!(
            "http://{HOST}{RECORD}/employee/{}",
            so["salesRep"]["id"].as_str().unwrap()
        )
    );
    assert_eq!(so["exchangeRate"], 1.0);
    assert_eq!(so["createdDate"], "2025-01-13T10:00:00Z");
    assert!(
        r.body.starts_with(r#"{"links":[{"rel":"self","href":"#),
        "{}",
        r.body
    );
    // The sublist: links to each line.
    let r = get(&f, &t, &format!("{RECORD}/salesorder/304/item")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), COLLECTION);
    assert_eq!(r.json["count"], 3);
    assert_eq!(r.json["totalResults"], 3);
    assert_eq!(r.json["hasMore"], false);
    assert_eq!(
        r.json["items"][0],
        json!({"links": [{"rel": "self", "href": format!("http://{HOST}{RECORD}/salesorder/304/item/1")}]})
    );
    // One line.
    let r = get(&f, &t, &format!("{RECORD}/salesorder/304/item/1")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json["line"], 1);
    assert_eq!(r.json["item"]["refName"], "BOLT-M8");
    assert_eq!(
        r.json["item"]["links"][0]["href"],
        format!("http://{HOST}{RECORD}/inventoryitem/204")
    );
    assert_eq!(r.json["quantity"], 3.0);
    assert_eq!(r.json["rate"], 19.99);
    assert_eq!(r.json["amount"], 59.97);
    let so = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/304?expandSubResources=true"),
    )
    .await
    .json;
    let total: f64 = so["item"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["amount"].as_f64().unwrap())
        .sum();
    assert!((so["total"].as_f64().unwrap() - total).abs() < 0.001);
    // Missing lines and sub-resources.
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/304/item/9"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/304/item/x"))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let r = get(&f, &t, &format!("{RECORD}/salesorder/304/nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(detail(&r)["o:errorCode"], "NONEXISTENT_ID");
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/999/item"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn expand_and_fields() {
    let (f, t) = setup().await;
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/304?expandSubResources=true"),
    )
    .await;
    let item = &r.json["item"];
    assert_eq!(
        item["links"][0]["href"],
        format!("http://{HOST}{RECORD}/salesorder/304/item")
    );
    assert_eq!(item["count"], 3);
    assert_eq!(item["items"][0]["line"], 1);
    assert_eq!(item["items"][1]["item"]["id"], "201");
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/304?fields=tranId,ENTITY"),
    )
    .await;
    assert!(r.body.starts_with(r#"{"links":"#));
    let keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["entity", "id", "links", "tranId"]);
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/customer/104?fields=companyName,email"),
    )
    .await;
    assert_eq!(
        r.json,
        json!({"links": [{"rel": "self", "href": format!("http://{HOST}{RECORD}/customer/104")}], "companyName": "Umbrella Corporation", "email": "finance@umbrella.example", "id": "104"})
    );
}

#[tokio::test]
async fn every_table_backed_type_and_external_ids() {
    let (f, t) = setup().await;
    for (path, field, value) in [
        ("customer/101", "companyName", "Acme Corporation"),
        ("customer/eid:CUST-102", "companyName", "Globex Corporation"),
        ("contact/151", "company", "101"),
        ("employee/11", "firstName", "Ada"),
        ("employee/eid:EMP-12", "lastName", "Hopper"),
        ("employee/-5", "entityId", "Administrator"),
        ("subsidiary/1", "name", "Parent Company"),
        ("subsidiary/2", "name", "UK Subsidiary"),
        ("account/8", "acctName", "Sales"),
        ("inventoryItem/201", "itemId", "WIDGET-S"),
        ("noninventorysaleitem/216", "itemId", "PART-216"),
        ("servicesaleitem/219", "itemId", "PART-219"),
        ("currency/1", "symbol", "USD"),
        ("salesOrder/eid:WEB-301", "tranId", "SO301"),
    ] {
        let r = get(&f, &t, &format!("{RECORD}/{path}")).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let v = &r.json[field];
        let got = v.as_str().or_else(|| v["id"].as_str()).unwrap_or_default();
        assert_eq!(got, value, "{path}: {}", r.body);
    }
    let r = get(&f, &t, &format!("{RECORD}/account/1")).await;
    assert_eq!(r.json["acctType"], json!({"id": "Bank", "refName": "Bank"}));
    let r = get(&f, &t, &format!("{RECORD}/customer/101")).await;
    assert_eq!(r.json["isInactive"], false);
    assert_eq!(r.json["isPerson"], false);
    // An invoice among the generated transactions, and a sales order asked for as one.
    let list = get(&f, &t, &format!("{RECORD}/invoice?limit=5")).await;
    let inv = ids(&list)[0].clone();
    let r = get(&f, &t, &format!("{RECORD}/invoice/{inv}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["tranId"].as_str().unwrap().starts_with("INV"));
    assert_eq!(
        r.json["status"]["id"]
            .as_str()
            .map(|s| s == "A" || s == "B"),
        Some(true)
    );
    let r = get(&f, &t, &format!("{RECORD}/invoice/304")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. Transaction type specified is incorrect."
    );
    let r = get(&f, &t, &format!("{RECORD}/inventoryitem/216")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&f, &t, &format!("{RECORD}/customer/eid:nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metadata_catalog() {
    let (f, t) = setup().await;
    let r = get(&f, &t, &format!("{RECORD}/metadata-catalog")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let items = r.json["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    for t in [
        "customer",
        "contact",
        "employee",
        "salesorder",
        "invoice",
        "inventoryitem",
        "account",
        "subsidiary",
    ] {
        assert!(names.contains(&t), "{t}");
    }
    assert_eq!(items[0]["links"][0]["rel"], "canonical");
    assert_eq!(
        items[0]["links"][1]["mediaType"],
        "application/swagger+json"
    );
    let r = get(
        &f,
        &t,
        &format!("{RECORD}/metadata-catalog?select=customer,salesorder"),
    )
    .await;
    assert_eq!(r.json["items"].as_array().unwrap().len(), 2);
    let r = get(&f, &t, &format!("{RECORD}/metadata-catalog/customer")).await;
    assert_eq!(r.content_type(), "application/schema+json");
    assert_eq!(r.json["properties"]["companyName"]["title"], "Company Name");
    assert_eq!(
        r.json["properties"]["subsidiary"]["x-ns-reference"],
        "subsidiary"
    );
    let r = call(
        &f,
        "GET",
        &format!("{RECORD}/metadata-catalog/salesorder"),
        Some(&t),
        &[("accept", "application/swagger+json")],
        None,
    )
    .await;
    assert_eq!(r.json["openapi"], "3.0.1");
    assert!(r.json["components"]["schemas"]["salesorder"]["properties"]["item"].is_object());
    let r = get(&f, &t, &format!("{RECORD}/metadata-catalog/file")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(
        &f,
        "GET",
        &format!("{RECORD}/metadata-catalog"),
        None,
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_rest_scope_is_required_everywhere() {
    let (f, _) = setup().await;
    let mut claims = f.claims();
    claims.insert("scope".into(), json!(["restlets"]));
    let restlets_only = f.token_for(&claims).await;
    for (method, path, body) in [
        ("GET", format!("{RECORD}/customer"), None),
        ("GET", format!("{RECORD}/customer/101"), None),
        ("POST", format!("{RECORD}/customer"), Some("{}")),
        ("PATCH", format!("{RECORD}/customer/101"), Some("{}")),
        ("PUT", format!("{RECORD}/customer/eid:X"), Some("{}")),
        ("DELETE", format!("{RECORD}/customer/101"), None),
        ("GET", format!("{RECORD}/salesorder/304/item"), None),
        (
            "POST",
            SUITEQL.to_owned(),
            Some(r#"{"q":"SELECT id FROM customer"}"#),
        ),
        ("GET", "/services/rest/async/v1/job/1".to_owned(), None),
        (
            "GET",
            "/services/rest/system/v1/governanceLimits".to_owned(),
            None,
        ),
    ] {
        for token in [None, Some(restlets_only.as_str()), Some("not-a-jwt")] {
            let r = call(&f, method, &path, token, &[], body).await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}: {}",
                r.body
            );
            assert_eq!(r.body, INVALID_LOGIN_BODY);
            assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
        }
    }
    assert_eq!(f.last_audit().code, "TokenRejected");
}

#[tokio::test]
async fn a_role_without_the_permissions() {
    let (f, _) = setup().await;
    let cred = credential(netsuite_auth::cert::KeyType::EcP256);
    let mut new = netsuite_emulator::NewMapping::new(f.client_id(), cred.cert_pem.clone());
    new.role = 1001;
    let mapping = f.emu.create_mapping(new).unwrap();
    let assertion = netsuite_auth::jws::sign(
        &cred.key,
        cred.alg,
        Some(&mapping.certificate_id),
        &f.claims(),
    )
    .unwrap();
    let r = f.exchange(&assertion).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t = r.json["access_token"].as_str().unwrap().to_owned();
    let r = get(&f, &t, &format!("{RECORD}/employee/11")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.4","title":"Forbidden","status":403,"o:errorDetails":[{"detail":"You do not have permission to access this record.","o:errorCode":"INSUFFICIENT_PERMISSION"}]}"#
    );
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/101")).await.status,
        StatusCode::OK
    );
    let r = get(&f, &t, "/services/rest/system/v1/governanceLimits").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(detail(&r)["o:errorCode"], "INSUFFICIENT_PERMISSION");
    // HEAD is a GET without a body.
    let r = call(
        &f,
        "HEAD",
        &format!("{RECORD}/customer/101"),
        Some(&t),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}
