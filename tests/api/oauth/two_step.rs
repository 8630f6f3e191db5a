//! Users with a second factor: the provider's login is the first step,
//! a TOTP code the second, in our API and up front in the Directus dialect.

use std::time::Duration;

use portcullis::oauth::OidcProvider;
use reqwest::StatusCode;
use serde_json::json;

use super::{
    Browser, DIRECTUS_START, START, client, config, mfa_user, param, provider, server_with,
};
use crate::common::{Backing, Mail, Server};
use crate::mfa::{amr, code_at, now};

#[tokio::test]
async fn an_account_without_a_password_enrols_mfa_only_soon_after_signing_in() {
    let provider = provider().await;
    let mut client = client("oidc");
    client.auto_set_cookies = false;
    client.app_callback_url = Some("https://client.test/oauth/callback".into());
    let oidc = OidcProvider::new(client, &provider.issuer).expect("oidc");
    let server = Server::start_custom(config(), Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(oidc)
    })
    .await;
    let landed = Browser::new(&server).login(START, &[]).await;
    let access = param(landed.location(), "accessToken").expect("accessToken");
    let refresh = param(landed.location(), "refreshToken").expect("refreshToken");
    let enrol = |access: String| {
        let server = &server;
        async move {
            server
                .request(reqwest::Method::POST, "/api/auth/enable-mfa")
                .bearer(&access)
                .json(json!({}))
                .send()
                .await
        }
    };
    let fresh = enrol(access).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    server.advance(6 * 60);
    let refreshed = server.refresh(&refresh).await;
    let access = refreshed.data()["accessToken"]
        .as_str()
        .expect("a refreshed token")
        .to_owned();
    let stale = enrol(access).await;
    assert_eq!(
        stale.status,
        StatusCode::FORBIDDEN,
        "a refresh is no new sign-in: {}",
        stale.body
    );
}

#[tokio::test]
async fn a_user_with_mfa_gets_an_mfa_token_and_finishes_with_a_code() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let secret = mfa_user(&server, "mfa@example.com").await;

    let mut browser = Browser::new(&server);
    let landed = browser
        .login(START, &[("email", "mfa@example.com"), ("sub", "mfa")])
        .await;
    let target = landed.location();
    assert!(
        target.starts_with("https://app.test/dashboard?"),
        "{target}"
    );
    assert!(param(target, "accessToken").is_none());
    let mfa_token = param(target, "mfaToken").expect("mfaToken");

    server.advance(30);
    let code = code_at(&secret, now(&server));
    let finished = server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": mfa_token, "code": code }),
        )
        .await;
    assert_eq!(finished.status, StatusCode::OK, "{}", finished.body);
    let cookie = finished
        .set_cookie("portcullis_access")
        .expect("a bridged login finishes with cookies");
    let access = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.strip_prefix("portcullis_access="))
        .expect("the access token");
    assert_eq!(
        amr(access),
        json!(["fed", "otp"]),
        "the token records both factors, the provider first"
    );
}

#[tokio::test]
async fn directus_logins_take_the_code_up_front_and_answer_in_directus_terms() {
    let provider = provider().await;
    let server = server_with(&provider, config()).await;
    let secret = mfa_user(&server, "dxmfa@example.com").await;
    let who = [("email", "dxmfa@example.com"), ("sub", "dxmfa")];

    // No code: Directus has no second step, and says why (its query
    // replaced); no MFA challenge is left in the store.
    let challenge_ttl = config().mfa.challenge_ttl + Duration::from_secs(1);
    server.clock.advance(challenge_ttl);
    server.auth.purge_expired().await.expect("purge");
    let without = Browser::new(&server).login(DIRECTUS_START, &who).await;
    server.clock.advance(challenge_ttl);
    assert_eq!(
        server.auth.purge_expired().await.expect("purge"),
        0,
        "a one-step login writes no MFA challenge"
    );
    assert_eq!(
        without.location(),
        "https://app.test/admin?reason=INVALID_OTP"
    );
    let wrong = Browser::new(&server)
        .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
        .await;
    assert_eq!(
        wrong.location(),
        "https://app.test/admin?reason=INVALID_OTP"
    );

    let code = code_at(&secret, now(&server));
    let mut browser = Browser::new(&server);
    let landed = browser
        .login(&format!("{DIRECTUS_START}&otp={code}"), &who)
        .await;
    assert_eq!(landed.location(), "https://app.test/admin?tab=1");
    let session = browser
        .cookie("http://api.test", "directus_session_token")
        .expect("session cookie");
    assert_eq!(amr(session), json!(["fed", "otp"]));

    // Ten characters, longer than any TOTP code, may start; no more.
    let longest = Browser::new(&server)
        .get(&format!("{DIRECTUS_START}&otp={}", "1".repeat(10)))
        .await;
    assert_eq!(longest.status, StatusCode::FOUND, "{}", longest.body);
    for bad in [
        "http://api.test/directus/auth/login/oidc?redirect=https%3A%2F%2Fevil.test".to_owned(),
        format!("{DIRECTUS_START}&otp={}", "1".repeat(11)),
        format!("{DIRECTUS_START}&otp={}", "1".repeat(5000)),
    ] {
        let refused = Browser::new(&server).get(&bad).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused.body["errors"][0]["extensions"]["code"],
            "INVALID_PAYLOAD"
        );
    }
}

#[tokio::test]
async fn wrong_codes_up_front_lock_the_account_like_any_other_guess() {
    let provider = provider().await;
    let mut settings = config();
    settings.throttles.account.limit = 2;
    let server = server_with(&provider, settings).await;
    mfa_user(&server, "guessed@example.com").await;
    let who = [("email", "guessed@example.com"), ("sub", "guessed")];

    for _ in 0..2 {
        let wrong = Browser::new(&server)
            .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
            .await;
        assert_eq!(
            wrong.location(),
            "https://app.test/admin?reason=INVALID_OTP"
        );
    }
    let locked = Browser::new(&server)
        .login(&format!("{DIRECTUS_START}&otp=000000"), &who)
        .await;
    assert_eq!(
        locked.location(),
        "https://app.test/admin?reason=REQUESTS_EXCEEDED",
        "a redirect back, not an error page on the API's origin"
    );
    let in_json = Browser::new(&server)
        .login("http://api.test/directus/auth/login/oidc?otp=000000", &who)
        .await;
    assert_eq!(in_json.status, StatusCode::TOO_MANY_REQUESTS);
    let error = &in_json.body["errors"][0];
    assert_eq!(error["extensions"]["code"], "REQUESTS_EXCEEDED");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("retry after")),
        "{error}"
    );
}
