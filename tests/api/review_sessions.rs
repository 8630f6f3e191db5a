//! The attack review on sessions: successes have a budget too, a user has
//! a bounded number of sessions, idle ones end, and users see and end
//! their own sessions.

use reqwest::{Method, StatusCode};

use crate::common::{Backing, PASSWORD, Server, test_config};

#[tokio::test]
async fn successful_logins_have_a_generous_budget_per_account() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    for attempt in 1..=30 {
        let login = server.login("ada@example.com", PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "login {attempt}");
    }
    let over = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    server.advance(15 * 60 + 1);
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn opening_one_session_too_many_ends_the_oldest() {
    let mut config = test_config();
    config.sessions.max_per_user = 3;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    // Sessions are ordered by when they began, to the second.
    let (_, oldest) = server.tokens("ada@example.com").await;
    server.advance(1);
    let (_, second) = server.tokens("ada@example.com").await;
    for _ in 0..2 {
        server.advance(1);
        server.tokens("ada@example.com").await;
    }
    assert_eq!(
        server.refresh(&oldest).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(server.refresh(&second).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_idle_session_ends_and_a_used_one_lives_on() {
    let mut config = test_config();
    config.sessions.idle_timeout = Some(std::time::Duration::from_secs(3600));
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (_, idle) = server.tokens("ada@example.com").await;
    let (_, mut used) = server.tokens("ada@example.com").await;
    for _ in 0..3 {
        server.advance(50 * 60);
        let refreshed = server.refresh(&used).await;
        assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
        used = refreshed.data()["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    let ended = server.refresh(&idle).await;
    assert_eq!(ended.status, StatusCode::UNAUTHORIZED);
    assert_eq!(ended.error_code(), "TOKEN_EXPIRED");
}

async fn login_with_agent(server: &Server, agent: &str) -> (String, String) {
    let login = server
        .request(Method::POST, "/api/auth/login")
        .header("user-agent", agent)
        .json(serde_json::json!({ "email": "ada@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let data = login.data();
    (
        data["accessToken"].as_str().unwrap().to_owned(),
        data["refreshToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn users_list_and_end_their_own_sessions() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    server.user("eve@example.com", "user").await;
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let (here, _) = login_with_agent(&server, firefox).await;
    let (_, phone) = login_with_agent(&server, "curl/8.5.0").await;
    let (_, laptop) = login_with_agent(&server, "curl/8.5.0").await;

    let list = server
        .request(Method::GET, "/api/auth/sessions")
        .bearer(&here)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let sessions = list.data().as_array().unwrap().clone();
    assert_eq!(sessions.len(), 3);
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["client"], "Firefox on Linux, 127.0.0.1");
    assert!(sessions.iter().all(|s| s["lastUsedAt"].is_string()));

    let phone_id = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (eve, _) = server.tokens("eve@example.com").await;
    let not_hers = server
        .request(Method::DELETE, &format!("/api/auth/sessions/{phone_id}"))
        .bearer(&eve)
        .send()
        .await;
    assert_eq!(not_hers.status, StatusCode::NOT_FOUND, "ids do not leak");
    let ended = server
        .request(Method::DELETE, &format!("/api/auth/sessions/{phone_id}"))
        .bearer(&here)
        .send()
        .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    let refreshes = [
        server.refresh(&phone).await.status,
        server.refresh(&laptop).await.status,
    ];
    assert_eq!(
        refreshes
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        1,
        "exactly the ended one: {refreshes:?}"
    );

    let everywhere = server
        .request(Method::DELETE, "/api/auth/sessions")
        .bearer(&here)
        .send()
        .await;
    assert_eq!(everywhere.status, StatusCode::NO_CONTENT);
    let left = server
        .request(Method::GET, "/api/auth/sessions")
        .bearer(&here)
        .send()
        .await;
    assert_eq!(left.data().as_array().unwrap().len(), 1, "only this one");
}
