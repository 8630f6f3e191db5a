//! What a flow must pass before anyone signs in: the redirect allow-list,
//! the state and its browser, the start throttle and the flow cookie.

use reqwest::StatusCode;
use url::Url;

use super::{Browser, START, config, provider, server_with, urlencode};

#[test]
fn redirect_origins_off_the_web_are_a_configuration_error() {
    for origin in ["ws://app.test", "ftp://app.test", "myapp:home", "app.test"] {
        let mut settings = config();
        settings.oauth.redirect_origins = vec![origin.into()];
        let built = portcullis::Auth::builder(settings)
            .store(portcullis::store::MemoryStore::new())
            .build();
        assert!(built.is_err(), "{origin}");
    }
}

#[tokio::test]
async fn redirects_off_the_allow_list_are_refused_before_anything_happens() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let mut browser = Browser::new(&server);
    for redirect in [
        "",
        "/dashboard",
        "//evil.test/x",
        "https://evil.test/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://app.test@evil.test/",
        "https://evil.test\\@app.test/",
        "https://app.test.evil.test/",
        "https://user:pw@app.test/",
        "https://user@app.test/",
        "https://:pw@app.test/",
        "ftp://app.test/",
        // Of the allowed origin, as a blob URL takes its page's.
        "blob:https://app.test/dashboard",
    ] {
        let start = format!(
            "http://api.test/api/auth/oidc?redirect={}",
            urlencode(redirect)
        );
        let visit = browser.get(&start).await;
        assert_eq!(visit.status, StatusCode::BAD_REQUEST, "{redirect}");
        assert_eq!(visit.body["code"], "VALIDATION", "{redirect}");
        assert!(visit.location.is_none() && visit.set_cookies.is_empty());
    }
    // The longest redirect allowed, and one character more.
    let page = "https://app.test/";
    let longest = format!("{page}{}", "a".repeat(2048 - page.len()));
    assert!(server.auth.check_redirect(None, &longest).is_ok());
    assert!(
        server
            .auth
            .check_redirect(None, &format!("{longest}a"))
            .is_err()
    );
    let prefixed = format!("{START}&cookieBridgePrefix=%2F%2Fevil.test");
    assert_eq!(browser.get(&prefixed).await.status, StatusCode::BAD_REQUEST);
    let bridge = "https://app.test/api/auth/set-cookies?accessToken=a&refreshToken=b&redirect=https%3A%2F%2Fevil.test";
    assert_eq!(browser.get(bridge).await.status, StatusCode::BAD_REQUEST);
    let unknown = browser
        .get("http://api.test/api/auth/nobody?redirect=https%3A%2F%2Fapp.test")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_state_belongs_to_one_browser_and_works_once() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;

    // No flow cookie: no PKCE verifier, no nonce, nowhere safe to go.
    let mut browser = Browser::new(&server);
    let started = browser.get(START).await;
    let back = browser.get(started.location()).await;
    let mut stranger = Browser::new(&server);
    let lost = stranger.get(back.location()).await;
    assert_eq!(lost.status, StatusCode::BAD_REQUEST, "{}", lost.body);
    assert_eq!(lost.body["field"], "state");

    // Another state than this browser's.
    let mut forged = Url::parse(back.location()).expect("url");
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let cookie = browser
        .cookie("http://api.test", "portcullis_oauth_oidc")
        .expect("flow cookie")
        .clone();
    let mismatch = browser.get(forged.as_str()).await;
    assert_eq!(mismatch.error().as_deref(), Some("invalid_state"));
    assert!(
        browser
            .cookie("http://api.test", "portcullis_oauth_oidc")
            .is_none(),
        "a failed callback clears the flow cookie too"
    );

    // The real callback works, and replaying it (cookie and all) does not.
    let plant = |browser: &mut Browser<'_>| {
        browser
            .jars
            .entry("http://api.test".into())
            .or_default()
            .insert("portcullis_oauth_oidc".into(), cookie.clone());
    };
    plant(&mut browser);
    let landed = browser.get(back.location()).await;
    assert!(
        landed.location().contains("/auth/set-cookies?"),
        "{}",
        landed.location()
    );
    plant(&mut browser);
    let replay = browser.get(back.location()).await;
    assert_eq!(replay.error().as_deref(), Some("invalid_state"));

    // A flow older than its lifetime.
    let mut slow = Browser::new(&server);
    let started = slow.get(START).await;
    let back = slow.get(started.location()).await;
    server.advance(11 * 60);
    let late = slow.get(back.location()).await;
    assert_eq!(late.error().as_deref(), Some("invalid_state"));
}

#[tokio::test]
async fn starts_are_throttled_per_ip_but_finished_logins_take_their_charge_back() {
    let provider = provider().await;
    let mut config = config();
    config.throttles.ip.limit = 3;
    let server = server_with(&provider, config).await;
    for _ in 0..5 {
        let landed = Browser::new(&server).login(START, &[]).await;
        assert!(
            landed.location().contains("/auth/set-cookies?"),
            "{}",
            landed.location()
        );
    }
    for _ in 0..3 {
        let abandoned = Browser::new(&server).get(START).await;
        assert_eq!(abandoned.status, StatusCode::FOUND);
    }
    let limited = Browser::new(&server).get(START).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert_eq!(limited.body["code"], "RATE_LIMITED");
}

#[tokio::test]
async fn the_flow_cookie_stays_on_its_host_whatever_the_cookie_domain() {
    let provider = provider().await;
    let mut settings = config();
    settings.web.cookies.secure = true;
    settings.web.cookies.domain = Some("api.test".into());
    settings.web.cookies.path = "/api".into();
    let server = server_with(&provider, settings).await;
    let mut browser = Browser::new(&server);

    let started = browser.get(START).await;
    let flow = &started.set_cookies[0];
    assert!(flow.starts_with("__Host-portcullis_oauth_oidc="), "{flow}");
    assert!(
        flow.contains("Secure") && flow.contains("Path=/;") && !flow.contains("Domain"),
        "no sibling host receives or plants it: {flow}"
    );
    let back = browser.get(started.location()).await;
    let landed = browser.get(back.location()).await;
    assert!(
        landed.location().contains("/auth/set-cookies?"),
        "{}",
        landed.location()
    );
    let cleared = landed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-portcullis_oauth_oidc="))
        .expect("the flow cookie is cleared");
    assert!(
        cleared.contains("Max-Age=0") && !cleared.contains("Domain"),
        "{cleared}"
    );
}
