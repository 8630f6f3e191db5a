//! Magic links over HTTP: off by default, one answer for every address,
//! single use, fifteen minutes, throttled, a first factor only, and
//! (when allowed) accounts made by following one.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, Server, test_config};
use crate::mail::{Received, messages};
use crate::mfa::{amr, code_at, enrolled, now};

fn enabled() -> portcullis::AuthConfig {
    let mut config = test_config();
    config.magic_links.enabled = true;
    config
}

async fn ask(server: &Server, email: &str) -> crate::common::Reply {
    server
        .post("/api/auth/magic-link", json!({ "email": email }))
        .await
}

async fn follow(server: &Server, token: &str) -> crate::common::Reply {
    server
        .post("/api/auth/magic-link/verify", json!({ "token": token }))
        .await
}

fn links(mail: &[Received]) -> Vec<&Received> {
    mail.iter()
        .filter(|m| m.subject == "Your sign-in link")
        .collect()
}

/// Signs in `email` by a link (the account made by following it, when
/// the server allows); returns the access token.
pub(crate) async fn signed_in_by_link(server: &Server, email: &str) -> String {
    let before = link_tokens(server).await;
    assert_eq!(ask(server, email).await.status, StatusCode::OK);
    let token = new_link(server, &before).await;
    let signed_in = follow(server, &token).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    signed_in.data()["accessToken"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The tokens of the sign-in links in the outbox so far.
async fn link_tokens(server: &Server) -> Vec<String> {
    links(&messages(server, 0).await)
        .iter()
        .map(|m| m.token())
        .collect()
}

/// The token of a sign-in link not among `before`, once it comes (the
/// outbox's file names are in no order).
async fn new_link(server: &Server, before: &[String]) -> String {
    for _ in 0..200 {
        if let Some(token) = link_tokens(server)
            .await
            .into_iter()
            .find(|t| !before.contains(t))
        {
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no sign-in link came");
}

#[tokio::test]
async fn links_are_off_unless_turned_on() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let refused = ask(&server, "ada@example.com").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(messages(&server, 0).await.is_empty());
}

#[tokio::test]
async fn a_link_signs_in_once_and_unknown_addresses_get_the_same_answer() {
    let server = Server::start_with(enabled(), Backing::Sqlite).await;
    let user_id = server.user("bea@example.com", "user").await;
    let unknown = ask(&server, "nobody@example.com").await;
    let known = ask(&server, "bea@example.com").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.body, known.body, "the same answer either way");
    let mail = messages(&server, 1).await;
    let sent = links(&mail);
    assert_eq!(sent.len(), 1, "no mail for an address without an account");
    assert_eq!(sent[0].to, "bea@example.com");
    assert!(
        sent[0].link().starts_with("https://app.test/?token="),
        "{}",
        sent[0].link()
    );
    let token = sent[0].token();
    let signed_in = follow(&server, &token).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.data()["user"]["id"], user_id.as_str());
    let access = signed_in.data()["accessToken"].as_str().expect("token");
    assert_eq!(amr(access), json!(["email"]));
    let again = follow(&server, &token).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.error_code(), "TOKEN_INVALID");
}

#[tokio::test]
async fn a_link_lasts_fifteen_minutes_and_asking_is_throttled_per_address() {
    let server = Server::start_with(enabled(), Backing::Memory).await;
    server.user("cy@example.com", "user").await;
    for _ in 0..3 {
        assert_eq!(ask(&server, "cy@example.com").await.status, StatusCode::OK);
    }
    let throttled = ask(&server, "cy@example.com").await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    let mail = messages(&server, 3).await;
    let token = links(&mail)[0].token();
    server.advance(15 * 60 + 1);
    let late = follow(&server, &token).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "{}", late.body);
}

#[tokio::test]
async fn a_link_is_a_first_factor_only() {
    let server = Server::start_with(enabled(), Backing::Memory).await;
    let (_, secret, _) = enrolled(&server, "dee@example.com").await;
    let before = link_tokens(&server).await;
    ask(&server, "dee@example.com").await;
    let token = new_link(&server, &before).await;
    let first = follow(&server, &token).await;
    assert_eq!(first.data()["mfaRequired"], true, "{}", first.body);
    assert!(first.data().get("accessToken").is_none());
    // The enrolment spent this time step's code.
    server.advance(30);
    let second = server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": first.data()["mfaToken"], "code": code_at(&secret, now(&server)) }),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let access = second.data()["accessToken"].as_str().expect("token");
    assert_eq!(amr(access), json!(["email", "otp"]));
}

#[tokio::test]
async fn links_may_make_accounts_when_allowed_and_redirects_are_allow_listed() {
    let mut config = enabled();
    config.magic_links.create_accounts = true;
    let server = Server::start_with(config, Backing::Memory).await;
    let elsewhere = server
        .post(
            "/api/auth/magic-link",
            json!({ "email": "eve@example.com", "redirect": "https://evil.test/" }),
        )
        .await;
    assert_eq!(
        elsewhere.status,
        StatusCode::BAD_REQUEST,
        "{}",
        elsewhere.body
    );
    assert_eq!(elsewhere.body["field"], "redirect");
    let access = signed_in_by_link(&server, "eve@example.com").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.data()["email"], "eve@example.com");
    server.user("root@example.com", "admin").await;
    let (admin, _) = server.tokens("root@example.com").await;
    let account = server
        .request(Method::GET, "/api/admin/users?search=eve%40")
        .bearer(&admin)
        .send()
        .await;
    let account = &account.data()["users"][0];
    assert_eq!(
        account["emailVerified"], true,
        "the link proved the address"
    );
    assert_eq!(account["hasPassword"], false);
}

#[tokio::test]
async fn a_cookie_mode_link_sets_the_session_cookies() {
    let server = Server::start_with(enabled(), Backing::Memory).await;
    server.user("fay@example.com", "user").await;
    ask(&server, "fay@example.com").await;
    let mail = messages(&server, 1).await;
    let token = links(&mail)[0].token();
    let signed_in = server
        .request(Method::POST, "/api/auth/magic-link/verify")
        .json(json!({ "token": token, "mode": "cookie" }))
        .send()
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert!(signed_in.set_cookie("portcullis_access").is_some());
    assert!(signed_in.data().get("accessToken").is_none());
}

#[tokio::test]
async fn a_link_to_an_unproven_account_leaves_nothing_a_squatter_set_up() {
    let server = Server::start_with(enabled(), Backing::Memory).await;
    let squatter = server
        .post(
            "/api/auth/register",
            json!({ "email": "gus@example.com", "password": "the squatter's password" }),
        )
        .await;
    assert_eq!(squatter.status, StatusCode::CREATED, "{}", squatter.body);
    let (_, squatters_refresh) = server
        .tokens_with("gus@example.com", "the squatter's password")
        .await;

    let owner = signed_in_by_link(&server, "gus@example.com").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&owner)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let password = server
        .login("gus@example.com", "the squatter's password")
        .await;
    assert_eq!(
        password.status,
        StatusCode::UNAUTHORIZED,
        "the squatter's password is gone"
    );
    let refresh = server.refresh(&squatters_refresh).await;
    assert_eq!(
        refresh.status,
        StatusCode::UNAUTHORIZED,
        "and their session"
    );
    server.user("root@example.com", "admin").await;
    let (admin, _) = server.tokens("root@example.com").await;
    let account = server
        .request(Method::GET, "/api/admin/users?search=gus%40")
        .bearer(&admin)
        .send()
        .await;
    assert_eq!(
        account.data()["users"][0]["emailVerified"],
        true,
        "the link proved the address"
    );
    let again = signed_in_by_link(&server, "gus@example.com").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&again)
        .send()
        .await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "a proven account keeps working by link"
    );
}
