//! Demo records written on first open: a currency, a subsidiary, five customers, five
//! inventory items and ten sales orders (301 to 310) that reference them.

use netsuite_auth::account::RECORD_PATH;
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::record;

/// A reference field: `{links:[self], id, refName}`, href stored as a path.
fn reference(record_type: &str, id: i64, name: &str) -> Value {
    json!({
        "links": [{"rel": "self", "href": format!("{RECORD_PATH}/{record_type}/{id}")}],
        "id": id.to_string(),
        "refName": name,
    })
}

const CUSTOMERS: [(i64, &str, &str, &str); 5] = [
    (101, "Acme Corporation", "ap@acme.example", "555-0101"),
    (
        102,
        "Globex Corporation",
        "billing@globex.example",
        "555-0102",
    ),
    (103, "Initech", "accounts@initech.example", "555-0103"),
    (
        104,
        "Umbrella Corporation",
        "finance@umbrella.example",
        "555-0104",
    ),
    (
        105,
        "Stark Industries",
        "payables@stark.example",
        "555-0105",
    ),
];

const ITEMS: [(i64, &str, &str, f64); 5] = [
    (201, "WIDGET-S", "Small widget", 12.5),
    (202, "WIDGET-L", "Large widget", 48.0),
    (203, "GEAR-10", "Gear, 10 teeth", 7.25),
    (204, "BOLT-M8", "M8 bolt (box of 100)", 19.99),
    (205, "MOTOR-1K", "1 kW motor", 349.0),
];

// Indexed by order number modulo 4: order 304 is Pending Fulfillment.
const STATUSES: [(&str, &str); 4] = [
    ("A", "Pending Approval"),
    ("E", "Pending Billing/Partially Fulfilled"),
    ("F", "Pending Billing"),
    ("B", "Pending Fulfillment"),
];

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Writes the demo records.
pub(crate) fn seed(conn: &Connection) -> rusqlite::Result<()> {
    let usd = reference("currency", 1, "USA");
    let parent = reference("subsidiary", 1, "Parent Company");
    record::insert(
        conn,
        "currency",
        1,
        None,
        &json!({"name": "USA", "symbol": "USD", "displaySymbol": "$", "exchangeRate": 1.0, "isBaseCurrency": true, "isInactive": false}),
    )?;
    record::insert(
        conn,
        "subsidiary",
        1,
        None,
        &json!({"name": "Parent Company", "currency": usd, "country": {"id": "US", "refName": "United States"}, "isInactive": false}),
    )?;
    for (id, name, email, phone) in CUSTOMERS {
        record::insert(
            conn,
            "customer",
            id,
            Some(&format!("CUST-{id}")),
            &json!({
                "entityId": format!("CUST{id}"),
                "companyName": name,
                "email": email,
                "phone": phone,
                "isPerson": false,
                "isInactive": false,
                "currency": usd,
                "subsidiary": parent,
                "externalId": format!("CUST-{id}"),
                "dateCreated": format!("2024-11-{:02}T09:15:00Z", id - 100),
                "lastModifiedDate": format!("2025-01-{:02}T16:40:00Z", id - 100),
            }),
        )?;
    }
    for (id, item_id, name, price) in ITEMS {
        record::insert(
            conn,
            "inventoryitem",
            id,
            None,
            &json!({
                "itemId": item_id,
                "displayName": name,
                "salesDescription": name,
                "basePrice": price,
                "cost": round2(price * 0.6),
                "isInactive": false,
                "itemType": {"id": "InvtPart", "refName": "Inventory Item"},
            }),
        )?;
    }
    for n in 0..10_i64 {
        let id = 301 + n;
        let (customer_id, customer_name, ..) = CUSTOMERS[(n % 5) as usize];
        let (status_id, status_name) = STATUSES[(n % 4) as usize];
        // Two or three lines per order, from the item list.
        let lines: Vec<(usize, f64)> = (0..(2 + n % 2))
            .map(|l| (((n + l * 2) % 5) as usize, (1 + (n * 3 + l) % 7) as f64))
            .collect();
        let subtotal = round2(lines.iter().map(|&(i, qty)| ITEMS[i].3 * qty).sum());
        let day = 10 + n;
        let memo = if id == 304 {
            "Rush order: ship by Friday".to_owned()
        } else {
            format!("Demo order {id}")
        };
        record::insert(
            conn,
            "salesorder",
            id,
            Some(&format!("WEB-{id}")),
            &json!({
                "tranId": format!("SO{id}"),
                "tranDate": format!("2025-01-{day:02}"),
                "entity": reference("customer", customer_id, customer_name),
                "status": {"id": status_id, "refName": status_name},
                "currency": usd,
                "exchangeRate": 1.0,
                "subsidiary": parent,
                "subtotal": subtotal,
                "total": subtotal,
                "memo": memo,
                "externalId": format!("WEB-{id}"),
                "createdDate": format!("2025-01-{day:02}T10:00:00Z"),
                "lastModifiedDate": format!("2025-01-{day:02}T10:05:00Z"),
                "item": {"links": [{"rel": "self", "href": format!("{RECORD_PATH}/salesorder/{id}/item")}]},
            }),
        )?;
    }
    Ok(())
}
