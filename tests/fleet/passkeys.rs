//! A passkey ceremony started on one instance finishes on the other, once
//! for the whole fleet.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Fleet, Services};

#[path = "../api/authenticator.rs"]
mod authenticator;

/// A domain, so that passkeys are on; no browser comes to it.
const PUBLIC_URL: &str = "http://localhost:3000";

/// The answer's JSON and the cookie it set.
async fn with_cookie(request: reqwest::RequestBuilder) -> (StatusCode, Value, String) {
    let reply = request.send().await.expect("the instance answers");
    let status = reply.status();
    let cookie = reply
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    (status, reply.json().await.unwrap_or(Value::Null), cookie)
}

#[tokio::test]
async fn a_passkey_ceremony_finishes_on_another_instance_and_only_once() {
    let Some(services) = Services::new().await else {
        return;
    };
    let envs = [("PORTCULLIS_PUBLIC_URL", PUBLIC_URL)];
    let fleet = Fleet::start_on(&services.postgres_url, &services.redis_url, &envs, &envs).await;
    let (a, b) = (&fleet.a, &fleet.b);
    let (access, _) = fleet.session(a).await;
    let mut device = authenticator::Authenticator::new(PUBLIC_URL);

    let start = fleet
        .request(a, Method::POST, "/api/auth/passkeys/register/start")
        .bearer_auth(&access)
        .json(&json!({ "currentPassword": super::PASSWORD }));
    let (status, started, cookie) = with_cookie(start).await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let credential = device.create(&started["data"]["options"]);
    let finish = fleet
        .request(b, Method::POST, "/api/auth/passkeys/register/finish")
        .bearer_auth(&access)
        .header("cookie", &cookie)
        .json(&json!({ "credential": credential }));
    let (status, registered) = fleet.send(finish).await;
    assert_eq!(status, StatusCode::CREATED, "registered on b: {registered}");

    let start = fleet
        .request(b, Method::POST, "/api/auth/passkeys/login/start")
        .json(&json!({}));
    let (_, started, cookie) = with_cookie(start).await;
    let answer = json!({ "credential": device.get(&started["data"]["options"]) });
    let finish = |on| {
        fleet
            .request(on, Method::POST, "/api/auth/passkeys/login/finish")
            .header("cookie", &cookie)
            .json(&answer)
    };
    let (status, signed_in) = fleet.send(finish(a)).await;
    assert_eq!(status, StatusCode::OK, "signed in on a: {signed_in}");
    let (status, replayed) = fleet.send(finish(b)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "spent for the fleet: {replayed}"
    );
    drop(fleet);
    services.drop_database().await;
}
