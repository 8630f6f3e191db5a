//! An OAuth login's state is spent once for the whole fleet.

use reqwest::{Method, StatusCode};

use super::{Fleet, Services};

#[path = "../oauth/provider.rs"]
mod provider;

#[tokio::test]
async fn an_oauth_callback_replayed_on_another_instance_is_refused() {
    let Some(services) = Services::new().await else {
        return;
    };
    let provider = provider::provider().await;
    let envs = [
        ("PORTCULLIS_OAUTH_MOCK_CLIENT_ID", "portcullis-test"),
        ("PORTCULLIS_OAUTH_MOCK_CLIENT_SECRET", "client secret"),
        ("PORTCULLIS_OAUTH_MOCK_ISSUER", provider.issuer.as_str()),
    ];
    let fleet = Fleet::start_on(&services.postgres_url, &services.redis_url, &envs, &envs).await;
    let (a, b) = (&fleet.a, &fleet.b);

    // Back to the app's own origin, the public URL (on the allow-list).
    let start = format!(
        "/api/auth/mock?redirect={}%2F",
        a.base.replace(':', "%3A").replace('/', "%2F")
    );
    let start = fleet.request(a, Method::GET, &start).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::FOUND);
    let flow_cookie = start.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut at_provider = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    at_provider
        .query_pairs_mut()
        .extend_pairs([("sub", "fleet-1"), ("email", "pat@example.com")]);
    let back = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(at_provider)
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::FOUND);
    let callback = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let path = &callback[url::Position::BeforePath..];

    let land = |on| {
        fleet
            .request(on, Method::GET, path)
            .header("cookie", &flow_cookie)
            .send()
    };
    let landed = land(a).await.unwrap();
    let landed_at = landed.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(landed.status(), StatusCode::FOUND);
    assert!(!landed_at.contains("error="), "signed in on A: {landed_at}");

    let replayed = land(b).await.unwrap();
    let replayed_at = replayed.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        replayed_at.contains("error=invalid_state"),
        "replayed on B: {replayed_at}"
    );
    drop(fleet);
    services.drop_database().await;
}
