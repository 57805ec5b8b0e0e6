//! Create, update, upsert and delete, with NetSuite's validation and error shapes.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::*;
use crate::support::*;

#[tokio::test]
async fn create_get_update_delete_a_customer() {
    let (f, t) = setup().await;
    let r = post(&f, &t, &format!("{RECORD}/customer"), r#"{"entityid":"New Customer","companyname":"My Company","subsidiary":{"id":"1"},"email":"a@b.example"}"#).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(r.body.is_empty());
    let id = new_id(&r);
    assert_eq!(location(&r), format!("http://{HOST}{RECORD}/customer/{id}"));
    // Entities share one id series: after the contacts (151-175).
    assert_eq!(id, "176");
    let c = get(&f, &t, &format!("{RECORD}/customer/{id}")).await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.json["entityId"], "New Customer");
    assert_eq!(c.json["companyName"], "My Company");
    assert_eq!(c.json["currency"]["refName"], "USA");
    assert_eq!(c.json["dateCreated"], "2027-01-15T08:00:00Z");
    assert_eq!(c.json["isPerson"], false);
    // PATCH: changed fields change, null clears, the rest stays.
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/customer/{id}"),
        r#"{"phone":"555-9999","email":null,"isInactive":true}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(location(&r), format!("http://{HOST}{RECORD}/customer/{id}"));
    let c = get(&f, &t, &format!("{RECORD}/customer/{id}")).await;
    assert_eq!(c.json["phone"], "555-9999");
    assert!(c.json.get("email").is_none());
    assert_eq!(c.json["isInactive"], true);
    assert_eq!(c.json["companyName"], "My Company");
    // Round trip: a GET body PATCHed back is accepted (links, ids and refNames ignored).
    let r = patch(&f, &t, &format!("{RECORD}/customer/{id}"), &c.body).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Collections and counts see it at once.
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=1")).await;
    assert_eq!(r.json["totalResults"], 26);
    let r = delete(&f, &t, &format!("{RECORD}/customer/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        delete(&f, &t, &format!("{RECORD}/customer/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=1")).await;
    assert_eq!(r.json["totalResults"], 25);
}

#[tokio::test]
async fn validation_errors() {
    let (f, t) = setup().await;
    let path = format!("{RECORD}/customer");
    let r = post(&f, &t, &path, r#"{"email":"x@y.example"}"#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    assert_eq!(
        r.body,
        r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.1","title":"Bad Request","status":400,"o:errorDetails":[{"detail":"Error while accessing a resource. You must enter a value for Company Name.","o:errorCode":"USER_ERROR"}]}"#
    );
    let r = post(
        &f,
        &t,
        &path,
        r#"{"companyName":"X","subsidiary":{"id":"9999"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        detail(&r),
        &json!({"detail": "Error while accessing resource: You have entered an Invalid Field Value 9999 for the following field: subsidiary", "o:errorCode": "INVALID_CONTENT", "o:errorPath": "subsidiary"})
    );
    let r = post(&f, &t, &path, r#"{"companyName":12}"#).await;
    assert_eq!(detail(&r)["o:errorCode"], "INVALID_CONTENT");
    assert_eq!(detail(&r)["o:errorPath"], "companyName");
    let r = post(&f, &t, &path, r#"{"companyName":"X","isInactive":"yes"}"#).await;
    assert_eq!(detail(&r)["o:errorPath"], "isInactive");
    let r = post(&f, &t, &path, r#"{"companyName":"X","subsidiary":"1"}"#).await;
    assert_eq!(detail(&r)["o:errorPath"], "subsidiary");
    let r = post(&f, &t, &path, r#"{"companyName":"X","nonsense":1}"#).await;
    assert_eq!(detail(&r)["o:errorCode"], "INVALID_CONTENT");
    assert_eq!(detail(&r)["o:errorPath"], "nonsense");
    let r = post(
        &f,
        &t,
        &path,
        r#"{"companyName":"X","externalId":"CUST-101"}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorCode"], "USER_ERROR");
    assert!(
        detail(&r)["detail"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    // A person needs names instead.
    let r = post(&f, &t, &path, r#"{"isPerson":true,"firstName":"Ada"}"#).await;
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. You must enter a value for Last Name."
    );
    let r = post(
        &f,
        &t,
        &path,
        r#"{"isPerson":true,"firstName":"Ada","lastName":"Byron"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let c = get(&f, &t, &format!("{RECORD}/customer/{}", new_id(&r))).await;
    assert_eq!(c.json["entityId"], "Ada Byron");
    // PATCH null on a required field.
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/customer/101"),
        r#"{"companyName":null}"#,
    )
    .await;
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. You must enter a value for Company Name."
    );
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/101")).await.json["companyName"],
        "Acme Corporation"
    );
    // Bad bodies.
    for (body, code) in [
        ("", "INVALID_REQUEST"),
        ("{", "INVALID_REQUEST"),
        ("[1]", "INVALID_REQUEST"),
        ("null", "INVALID_REQUEST"),
    ] {
        let r = post(&f, &t, &path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body:?}");
        assert_eq!(detail(&r)["o:errorCode"], code);
    }
    let huge = format!(r#"{{"companyName":"{}"}}"#, "x".repeat(17 * 1024 * 1024));
    let r = post(&f, &t, &path, &huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    // Nothing was created by the refused requests.
    let r = get(&f, &t, &format!("{RECORD}/customer?limit=1")).await;
    assert_eq!(r.json["totalResults"], 26);
    // Methods.
    let r = call(
        &f,
        "POST",
        &format!("{RECORD}/customer/101"),
        Some(&t),
        &[],
        Some("{}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.content_type(), ERROR_CONTENT_TYPE);
    let r = call(
        &f,
        "DELETE",
        &format!("{RECORD}/customer"),
        Some(&t),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    // Bad ids.
    for id in ["abc", "000", "1.5", "99999999999999999999999"] {
        let r = patch(&f, &t, &format!("{RECORD}/customer/{id}"), "{}").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{id}");
        assert_eq!(detail(&r)["o:errorCode"], "INVALID_ID");
    }
}

#[tokio::test]
async fn upsert_by_external_id() {
    let (f, t) = setup().await;
    let path = format!("{RECORD}/customer/eid:CID002");
    let r = put(&f, &t, &path, r#"{"companyName":"Upserted Inc"}"#).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let id = new_id(&r);
    let c = get(&f, &t, &path).await;
    assert_eq!(c.json["id"], id.as_str());
    assert_eq!(c.json["externalId"], "CID002");
    let r = put(&f, &t, &path, r#"{"phone":"555-0000"}"#).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(new_id(&r), id);
    let c = get(&f, &t, &path).await;
    assert_eq!(c.json["phone"], "555-0000");
    assert_eq!(c.json["companyName"], "Upserted Inc");
    let r = put(
        &f,
        &t,
        &format!("{RECORD}/customer/101"),
        r#"{"phone":"1"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&r)["o:errorCode"], "INVALID_REQUEST");
    // Upsert of a missing one that fails validation creates nothing.
    let r = put(
        &f,
        &t,
        &format!("{RECORD}/customer/eid:NOPE"),
        r#"{"phone":"1"}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorCode"], "USER_ERROR");
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/customer/eid:NOPE"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sales_orders_with_lines() {
    let (f, t) = setup().await;
    let body = json!({
        "entity": {"id": "104"},
        "memo": "API order",
        "otherRefNum": "PO-1",
        "item": {"items": [
            {"item": {"id": "201"}, "quantity": 2},
            {"item": {"id": "205"}, "quantity": 1, "rate": 300.0},
        ]},
    });
    let r = post(&f, &t, &format!("{RECORD}/salesOrder"), &body.to_string()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let id = new_id(&r);
    assert_eq!(id, "401");
    let so = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}?expandSubResources=true"),
    )
    .await
    .json;
    assert_eq!(so["tranId"], "SO401");
    assert_eq!(so["tranDate"], "2027-01-15");
    assert_eq!(so["status"]["refName"], "Pending Fulfillment");
    assert_eq!(so["total"], 325.0);
    assert_eq!(so["entity"]["refName"], "Umbrella Corporation");
    assert_eq!(so["item"]["items"][0]["rate"], 12.5);
    assert_eq!(so["item"]["items"][0]["amount"], 25.0);
    assert_eq!(so["item"]["items"][1]["amount"], 300.0);
    // Update one line (quantity), add one, keep the other.
    let patch_body =
        json!({"item": {"items": [{"line": 1, "quantity": 4}, {"item": {"id": "203"}}]}});
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}"),
        &patch_body.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let so = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}?expandSubResources=true"),
    )
    .await
    .json;
    assert_eq!(so["item"]["count"], 3);
    assert_eq!(so["item"]["items"][0]["amount"], 50.0);
    assert_eq!(so["item"]["items"][2]["line"], 3);
    assert_eq!(so["total"], 357.25);
    // Replace the lines.
    let replace = json!({"item": {"items": [{"item": {"id": "202"}, "quantity": 1}]}});
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}?replace=item"),
        &replace.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let so = get(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}?expandSubResources=true"),
    )
    .await
    .json;
    assert_eq!(so["item"]["count"], 1);
    assert_eq!(so["total"], 48.0);
    // Errors name the line.
    let bad = json!({"entity": {"id": "104"}, "item": {"items": [{"item": {"id": "201"}}, {"item": {"id": "9999"}}]}});
    let r = post(&f, &t, &format!("{RECORD}/salesorder"), &bad.to_string()).await;
    assert_eq!(detail(&r)["o:errorPath"], "item.items[1].item");
    assert_eq!(detail(&r)["o:errorCode"], "INVALID_CONTENT");
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/salesorder"),
        r#"{"entity":{"id":"104"}}"#,
    )
    .await;
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. You must enter at least one line item for this transaction."
    );
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/salesorder"),
        r#"{"item":{"items":[{"item":{"id":"201"}}]}}"#,
    )
    .await;
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. You must enter a value for Customer."
    );
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/salesorder"),
        r#"{"entity":{"id":"104"},"item":{"items":[{"quantity":1}]}}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorPath"], "item.items[0].item");
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/salesorder/{id}"),
        r#"{"item":{"items":[{"line":77,"quantity":1}]}}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorPath"], "item.items[0].line");
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/salesorder"),
        r#"{"entity":{"id":"104"},"status":{"id":"Z"},"item":{"items":[{"item":{"id":"201"}}]}}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorPath"], "status");
    // An invoice created from it.
    let inv = json!({"entity": {"externalId": "CUST-104"}, "createdFrom": {"id": id}, "dueDate": "2027-02-14", "item": {"items": [{"item": {"id": "202"}}]}});
    let r = post(&f, &t, &format!("{RECORD}/invoice"), &inv.to_string()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let inv_id = new_id(&r);
    let i = get(&f, &t, &format!("{RECORD}/invoice/{inv_id}"))
        .await
        .json;
    assert_eq!(i["createdFrom"]["refName"], format!("Sales Order #SO{id}"));
    assert_eq!(i["status"]["refName"], "Open");
    assert_eq!(i["tranId"], format!("INV{inv_id}"));
    // Deleting a referenced record is refused; its dependents go first.
    let r = delete(&f, &t, &format!("{RECORD}/salesorder/{id}")).await;
    assert_eq!(
        detail(&r)["detail"],
        "Error while accessing a resource. This record cannot be deleted because it has dependent records."
    );
    assert_eq!(
        delete(&f, &t, &format!("{RECORD}/invoice/{inv_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        delete(&f, &t, &format!("{RECORD}/salesorder/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/salesorder/{id}/item"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = delete(&f, &t, &format!("{RECORD}/customer/104")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = delete(&f, &t, &format!("{RECORD}/inventoryitem/201")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn other_types_are_json_documents() {
    let (f, t) = setup().await;
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/vendor"),
        r#"{"companyName":"Parts Ltd","externalId":"V-1","subsidiary":{"id":"1"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let id = new_id(&r);
    let v = get(&f, &t, &format!("{RECORD}/vendor/eid:V-1")).await;
    assert_eq!(v.json["companyName"], "Parts Ltd");
    assert_eq!(v.json["id"], id.as_str());
    let r = patch(
        &f,
        &t,
        &format!("{RECORD}/vendor/{id}"),
        r#"{"companyName":null,"email":"v@p.example"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let v = get(
        &f,
        &t,
        &format!("{RECORD}/vendor/{id}?fields=email,companyName"),
    )
    .await;
    assert_eq!(
        v.json,
        json!({"links": [{"rel": "self", "href": format!("http://{HOST}{RECORD}/vendor/{id}")}], "email": "v@p.example", "id": id})
    );
    let r = put(
        &f,
        &t,
        &format!("{RECORD}/customrecord_widget/eid:W1"),
        r#"{"name":"w"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = post(
        &f,
        &t,
        &format!("{RECORD}/vendor"),
        r#"{"externalId":"V-1"}"#,
    )
    .await;
    assert_eq!(detail(&r)["o:errorCode"], "USER_ERROR");
    assert_eq!(
        delete(&f, &t, &format!("{RECORD}/vendor/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&f, &t, &format!("{RECORD}/vendor/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = post(&f, &t, &format!("{RECORD}/file"), "{}").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
