//! Login, cookie login, refresh rotation, logout.

use reqwest::{Method, StatusCode};
use serde_json::json;

use portcullis_sqlx::SqlStore;

use crate::common::{Backing, Mail, PASSWORD, Server, test_config};

#[tokio::test]
async fn login_answers_tokens_and_the_user_in_the_native_envelope() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "admin").await;
    let reply = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["statusCode"], 200);
    assert_eq!(reply.body["message"], "Success");
    let data = reply.data();
    assert_eq!(
        data["accessToken"].as_str().map(|t| t.split('.').count()),
        Some(3),
        "a JWT"
    );
    assert!(data["refreshToken"].as_str().is_some_and(|t| t.len() >= 43));
    assert_eq!(data["expTime"], 900);
    assert_eq!(
        data["user"],
        json!({ "id": id, "email": "ada@example.com", "name": "Test User", "role": { "id": "admin", "name": "Admin" } })
    );
}

#[tokio::test]
async fn the_access_token_opens_me_and_validate_session() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let data = me.data();
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["email"], "ada@example.com");
    assert_eq!(data["isActive"], true);
    assert_eq!(data["role"], json!({ "id": "user", "name": "User" }));
    assert!(data["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));

    let valid = server
        .request(Method::GET, "/api/auth/validate-session")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(valid.status, StatusCode::OK);
    assert_eq!(valid.data()["userId"], id.as_str());
    let anonymous = server
        .request(Method::GET, "/api/auth/validate-session")
        .send()
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    let garbage = server
        .request(Method::GET, "/api/auth/validate-session")
        .bearer("garbage")
        .send()
        .await;
    assert_eq!(garbage.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_family() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, first) = server.tokens("ada@example.com").await;

    let rotated = server.refresh(&first).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.body);
    let second = rotated.data()["refreshToken"]
        .as_str()
        .expect("new refresh token")
        .to_owned();
    assert_ne!(second, first, "refresh tokens rotate");
    assert_eq!(rotated.data()["expTime"], 900);
    let access = rotated.data()["accessToken"].as_str().expect("access");
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);

    let replay = server.refresh(&first).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.error_code(), "TOKEN_INVALID");
    let after = server.refresh(&second).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "reuse revoked the whole family"
    );
}

#[tokio::test]
async fn of_concurrent_refreshes_with_one_token_at_most_one_succeeds() {
    for backing in [
        crate::common::Backing::Memory,
        crate::common::Backing::Sqlite,
    ] {
        let server = Server::start_with(crate::common::test_config(), backing).await;
        server.user("ada@example.com", "user").await;
        let (_, token) = server.tokens("ada@example.com").await;
        let replies = futures_util::future::join_all(
            (0..8)
                .map(|_| server.post("/api/auth/refresh-token", json!({ "refreshToken": token }))),
        )
        .await;
        let ok = replies
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert_eq!(ok, 1, "{ok} concurrent refreshes succeeded");
        assert!(
            replies
                .iter()
                .all(|r| r.status == StatusCode::OK || r.status == StatusCode::UNAUTHORIZED),
            "losers get 401, never 5xx"
        );
    }
}

#[tokio::test]
async fn a_session_ends_when_its_lifetime_does() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    server.advance(7 * 24 * 3600 + 1);
    let late = server.refresh(&refresh).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(late.error_code(), "TOKEN_EXPIRED");
}

#[tokio::test]
async fn a_session_in_daily_use_still_ends_when_its_lifetime_does() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, mut refresh) = server.tokens("ada@example.com").await;
    for _ in 0..6 {
        server.advance(24 * 3600);
        let kept = server.refresh(&refresh).await;
        assert_eq!(
            kept.status,
            StatusCode::OK,
            "used daily, never idle: {}",
            kept.body
        );
        refresh = kept.data()["refreshToken"]
            .as_str()
            .expect("rotated")
            .to_owned();
    }
    // The seventh day ends the session's lifetime, to the second.
    server.advance(24 * 3600);
    let late = server.refresh(&refresh).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        late.error_code(),
        "TOKEN_EXPIRED",
        "expired, not idle nor invalid"
    );
}

#[tokio::test]
async fn remember_me_makes_the_session_last_longer() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let short = server.cookie_login("ada@example.com", false).await;
    let long = server.cookie_login("ada@example.com", true).await;
    let max_age = |reply: &crate::common::Reply| {
        reply.set_cookie("portcullis_refresh").and_then(|c| {
            c.split("Max-Age=")
                .nth(1)
                .and_then(|v| v.split(';').next())
                .map(str::to_owned)
        })
    };
    assert_eq!(max_age(&short).as_deref(), Some("604800"));
    assert_eq!(max_age(&long).as_deref(), Some("2592000"));
}

#[tokio::test]
async fn logout_revokes_the_session() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let out = server
        .post("/api/auth/logout", json!({ "refreshToken": refresh }))
        .await;
    assert_eq!(out.status, StatusCode::OK);
    let again = server.refresh(&refresh).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let missing = server.post("/api/auth/logout", json!({})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["field"], "refreshToken");
}

#[tokio::test]
async fn cookie_login_authenticates_later_requests_by_cookie_alone() {
    let server = Server::start().await;
    let id = server.user("ada@example.com", "user").await;
    let login = server.cookie_login("ada@example.com", false).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.data()["user"]["id"], id.as_str());
    assert!(
        login.data().get("accessToken").is_none(),
        "cookie mode keeps tokens out of reach of scripts"
    );
    assert!(login.data().get("refreshToken").is_none());
    for name in ["portcullis_access", "portcullis_refresh"] {
        let cookie = login.set_cookie(name).expect("cookie set");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain http on loopback: {cookie}"
        );
    }
    let cookies = login.cookie_header();
    let me = server
        .request(Method::GET, "/api/me")
        .header("cookie", &cookies)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.data()["id"], id.as_str());

    // Refresh by cookie: new cookies, and the old refresh cookie is spent.
    let origin = format!("http://{}", server.host());
    let refreshed = server
        .request(Method::POST, "/api/auth/refresh-token")
        .header("cookie", &cookies)
        .header("origin", &origin)
        .send()
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    assert!(refreshed.set_cookie("portcullis_refresh").is_some());
    assert!(refreshed.data().get("refreshToken").is_none());

    // Logout by cookie clears both cookies.
    let out = server
        .request(Method::POST, "/api/auth/logout")
        .header("cookie", &refreshed.cookie_header())
        .header("origin", &origin)
        .send()
        .await;
    assert_eq!(out.status, StatusCode::OK);
    for name in ["portcullis_access", "portcullis_refresh"] {
        let cleared = out.set_cookie(name).expect("cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }
}

#[tokio::test]
async fn cookies_are_secure_by_default() {
    let mut config = crate::common::test_config();
    config.web.cookies = portcullis::config::CookieConfig::default();
    let server = Server::start_with(config, crate::common::Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let login = server.cookie_login("ada@example.com", false).await;
    for cookie in login.set_cookies() {
        assert!(cookie.contains("Secure"), "{cookie}");
    }
}

#[tokio::test]
async fn logout_with_an_unknown_token_is_harmless() {
    let server = Server::start().await;
    let out = server
        .post("/api/auth/logout", json!({ "refreshToken": "not-a-token" }))
        .await;
    assert_eq!(out.status, StatusCode::OK);
}

#[tokio::test]
async fn ended_sessions_can_be_purged() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, old) = server.tokens("ada@example.com").await;
    server.advance(7 * 24 * 3600 + 1);
    let (_, fresh) = server.tokens("ada@example.com").await;
    let purged = server.auth.purge_expired().await.expect("purge");
    assert_eq!(purged, 2, "the ended session and its refresh token");
    assert_eq!(server.refresh(&old).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.refresh(&fresh).await.status,
        StatusCode::OK,
        "live sessions stay"
    );
}

#[tokio::test]
async fn a_purge_counts_every_kind_of_ended_record() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    // A session (its family and its refresh token) and a day's app token.
    crate::v1_tokens::app_token(&server, "admin@example.com").await;
    let asked = server
        .post(
            "/api/auth/password/request",
            json!({ "email": "admin@example.com" }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    crate::mail::reset_token(&server).await;
    server.advance(7 * 24 * 3600 + 1);
    assert_eq!(
        server.auth.purge_expired().await.expect("purge"),
        2 + 1 + 1,
        "the session's two records, the reset link and the app token"
    );
}

#[tokio::test]
async fn a_purge_counts_the_limiter_s_ended_windows_too() {
    let path = std::env::temp_dir().join(format!(
        "portcullis-limits-{}.db",
        portcullis::store::new_id()
    ));
    let limits = SqlStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("a SQLite limiter");
    let limiter = limits.clone();
    let server = Server::start_custom(test_config(), Backing::Memory, Mail::Outbox, |b| {
        b.rate_limiter(limiter)
    })
    .await;
    server.user("ada@example.com", "user").await;
    server.tokens("ada@example.com").await;
    server.advance(7 * 24 * 3600 + 1);
    let purged = server.auth.purge_expired().await.expect("purge");
    assert!(
        purged > 2,
        "the ended session, its refresh token and the sign-in's spent counters: {purged}"
    );
    limits.close().await;
    let _ = std::fs::remove_file(path);
}
