//! SuiteQL answers show dates in the user's date format (the account's, switched
//! with `Config::date_format`, or a user's own); TO_CHAR gives the text asked for,
//! TO_DATE reads it back, comparisons and ORDER BY stay on real dates; the REST
//! record API keeps ISO 8601.

use std::time::Duration;

use axum::http::StatusCode;
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Config, Emulator, NewMapping};
use serde_json::{Value, json};

use crate::http::*;
use crate::support::*;

async fn suiteql(f: &Fixture, t: &str, q: &str) -> Reply {
    let body = json!({ "q": q }).to_string();
    let r = call(
        f,
        "POST",
        SUITEQL,
        Some(t),
        &[("prefer", "transient")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.body);
    r
}

/// Column `name` of every row.
fn column(r: &Reply, name: &str) -> Vec<String> {
    r.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row[name].as_str().unwrap_or("(none)").to_owned())
        .collect()
}

/// Three sales orders whose dates, as M/D/YYYY text, sort out of date order
/// (`1/10/2025` < `12/1/2024` < `2/3/2025`); returns the first id.
async fn orders(f: &Fixture, t: &str) -> i64 {
    let mut first = None;
    for date in ["2025-01-10", "2024-12-01", "2025-02-03"] {
        let body = json!({
            "entity": {"id": "104"},
            "tranDate": date,
            "item": {"items": [{"item": {"id": "201"}, "quantity": 1}]},
        });
        let r = post(f, t, &format!("{RECORD}/salesOrder"), &body.to_string()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        first.get_or_insert(new_id(&r).parse::<i64>().unwrap());
    }
    first.unwrap()
}

#[tokio::test]
async fn the_default_format_and_the_record_api_in_iso() {
    let (f, t) = setup().await;
    let first = orders(&f, &t).await;
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT id, tranid, trandate, lastmodifieddate FROM transaction WHERE id >= {first} ORDER BY trandate"
        ),
    )
    .await;
    // Dates in M/D/YYYY, ordered as dates (not as text).
    assert_eq!(
        column(&r, "trandate"),
        ["12/1/2024", "1/10/2025", "2/3/2025"]
    );
    // Date-times: the date and h:mm am (UTC), no ISO T...Z.
    assert_eq!(column(&r, "lastmodifieddate"), ["1/15/2027 8:00 am"; 3]);
    // The record API keeps ISO 8601 for the same records.
    let id = column(&r, "id")[0].clone();
    let so = get(&f, &t, &format!("{RECORD}/salesorder/{id}")).await;
    assert_eq!(so.status, StatusCode::OK, "{}", so.body);
    assert_eq!(so.json["tranDate"], "2024-12-01");
    assert_eq!(so.json["lastModifiedDate"], "2027-01-15T08:00:00Z");
    // Aggregates of a date column are dates: MIN/MAX compare real dates.
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT MIN(trandate) AS earliest, MAX(trandate) AS latest, COUNT(*) AS n, MAX(createddate) AS made FROM transaction WHERE id >= {first}"
        ),
    )
    .await;
    let row = &r.json["items"][0];
    assert_eq!(row["earliest"], "12/1/2024");
    assert_eq!(row["latest"], "2/3/2025");
    assert_eq!(row["n"], "3");
    assert_eq!(row["made"], "1/15/2027 8:00 am");
}

#[tokio::test]
async fn to_char_to_date_and_comparisons_on_real_dates() {
    let (f, t) = setup().await;
    let first = orders(&f, &t).await;
    let within = format!("id >= {first}");
    // TO_CHAR: exactly the text asked for, not reformatted.
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT TO_CHAR(trandate, 'YYYY-MM-DD') AS iso, TO_CHAR(trandate, 'DD-MON-YYYY') AS mon, \
             TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS at, TO_CHAR(trandate, 'MM/DD/YYYY') AS us \
             FROM transaction WHERE {within} ORDER BY trandate"
        ),
    )
    .await;
    assert_eq!(
        column(&r, "iso"),
        ["2024-12-01", "2025-01-10", "2025-02-03"]
    );
    assert_eq!(
        column(&r, "mon"),
        ["01-DEC-2024", "10-JAN-2025", "03-FEB-2025"]
    );
    assert_eq!(column(&r, "at"), ["2027-01-15 08:00:00"; 3]);
    assert_eq!(column(&r, "us"), ["12/01/2024", "01/10/2025", "02/03/2025"]);
    // TO_DATE reads the user's format; the comparison is on dates: as text,
    // '12/1/2024' >= '1/10/2025' would hold.
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT trandate FROM transaction WHERE {within} AND trandate >= TO_DATE('1/10/2025', 'MM/DD/YYYY') ORDER BY trandate DESC"
        ),
    )
    .await;
    assert_eq!(column(&r, "trandate"), ["2/3/2025", "1/10/2025"]);
    // A keyset-style bound given as the text of an answer compares as a date.
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT trandate FROM (SELECT id, trandate FROM transaction WHERE {within}) WHERE trandate > '12/1/2024' ORDER BY trandate"
        ),
    )
    .await;
    assert_eq!(column(&r, "trandate"), ["1/10/2025", "2/3/2025"]);
}

/// A second token on `f`'s emulator, acting as entity `entity`.
async fn token_as(f: &Fixture, entity: i64) -> String {
    let cred = credential(KeyType::EcP256);
    let mut new = NewMapping::new(f.client_id().to_owned(), cred.cert_pem.clone());
    new.entity = entity;
    let mapping = f.emu.create_mapping(new).unwrap();
    let other = Fixture {
        emu: f.emu.clone(),
        clock: f.clock.clone(),
        app: f.app.clone(),
        integration: f.integration.clone(),
        mapping,
        cred,
    };
    other.token().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_switched_account_format_and_a_user_s_own() {
    let f = Fixture::with_config(KeyType::EcP256, |c| {
        c.date_format = "DD.MM.YYYY".into();
        c.user_date_formats = vec![(42, "D-Mon-YYYY".into())];
    });
    let t = f.token().await;
    let first = orders(&f, &t).await;
    let q = format!(
        "SELECT trandate, lastmodifieddate FROM transaction WHERE id >= {first} ORDER BY trandate"
    );
    // The token of entity -5 (no format of its own): the account's.
    let r = suiteql(&f, &t, &q).await;
    assert_eq!(
        column(&r, "trandate"),
        ["01.12.2024", "10.01.2025", "03.02.2025"]
    );
    assert_eq!(column(&r, "lastmodifieddate")[0], "15.01.2027 8:00 am");
    // A string compared with a date is read in the user's format, as NetSuite's
    // implicit conversion does: 01.12.2024 is the 1st of December.
    let r = suiteql(
        &f,
        &t,
        &format!(
            "SELECT trandate FROM transaction WHERE id >= {first} AND trandate > '01.12.2024' AND lastmodifieddate <= '15.01.2027 8:00 am' ORDER BY trandate"
        ),
    )
    .await;
    assert_eq!(column(&r, "trandate"), ["10.01.2025", "03.02.2025"]);
    // Entity 42's own format overrides the account's.
    let t42 = token_as(&f, 42).await;
    let r = suiteql(&f, &t42, &q).await;
    assert_eq!(
        column(&r, "trandate"),
        ["1-Dec-2024", "10-Jan-2025", "3-Feb-2025"]
    );
    let r = suiteql(
        &f,
        &t42,
        &format!(
            "SELECT trandate FROM transaction WHERE id >= {first} AND trandate BETWEEN '1-Dec-2024' AND '10-jan-2025' ORDER BY trandate"
        ),
    )
    .await;
    assert_eq!(column(&r, "trandate"), ["1-Dec-2024", "10-Jan-2025"]);
    // An async SuiteQL job answers in its submitter's format.
    let body = json!({ "q": q }).to_string();
    let r = call(
        &f,
        "POST",
        SUITEQL,
        Some(&t42),
        &[("prefer", "respond-async")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let job = location(&r)
        .strip_prefix(&format!("http://{HOST}"))
        .unwrap()
        .to_owned();
    let mut done = Value::Null;
    for _ in 0..200 {
        done = get(&f, &t42, &job).await.json;
        if done["completed"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(done["progress"], "succeeded", "{done}");
    let id = done["id"].as_str().unwrap();
    let result = get(&f, &t42, &format!("{job}/task/{id}/result")).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body);
    assert_eq!(
        column(&result, "trandate"),
        ["1-Dec-2024", "10-Jan-2025", "3-Feb-2025"]
    );
    // The admin console has no user: the account's format.
    let html = call(
        &f,
        "GET",
        &format!("/admin/suiteql?q={}", enc(&q)),
        None,
        &[],
        None,
    )
    .await
    .body;
    assert!(html.contains("<td>01.12.2024</td>"), "{html}");
    assert!(html.contains("<td>15.01.2027 8:00 am</td>"), "{html}");
    // The record API stays ISO for everyone.
    let so = get(&f, &t42, &format!("{RECORD}/salesorder/{first}")).await;
    assert_eq!(so.json["tranDate"], "2025-01-10");
}

#[test]
fn formats_netsuite_does_not_offer_are_refused() {
    let open = |tweak: &dyn Fn(&mut Config)| {
        let mut c = Config::new(account());
        c.demo = false;
        tweak(&mut c);
        Emulator::open(c).map(|_| ()).unwrap_err().to_string()
    };
    let e = open(&|c| c.date_format = "YY/MM/DD".into());
    assert!(e.contains("\"YY/MM/DD\""), "{e}");
    assert!(e.contains("M/D/YYYY, MM/DD/YYYY"), "{e}");
    let e = open(&|c| c.user_date_formats = vec![(7, "%d.%m.%Y".into())]);
    assert!(e.contains("of user 7"), "{e}");
    // Names are read case-insensitively.
    let mut c = Config::new(account());
    c.demo = false;
    c.date_format = "d-mon-yyyy".into();
    assert!(Emulator::open(c).is_ok());
}
