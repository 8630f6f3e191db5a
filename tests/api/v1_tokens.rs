//! The v1 token API: app tokens, user tokens and on-behalf-of tokens.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Reply, Server, test_config};

/// An admin's app token, made with a bearer JWT (how the first one is made).
pub(crate) async fn app_token(server: &Server, admin_email: &str) -> String {
    let (access, _) = server.tokens(admin_email).await;
    let reply = server
        .request(Method::POST, "/api/v1/app_tokens/")
        .bearer(&access)
        .json(json!({ "seconds_until_expire": 86400 }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["app_token"]
        .as_str()
        .expect("app_token")
        .to_owned()
}

/// `POST /v1/token/` with a form body, as the seed's curl does.
pub(crate) async fn user_token(server: &Server, app: &str, email: &str, password: &str) -> Reply {
    server
        .request(Method::POST, "/api/v1/token/")
        .header("app-token", app)
        .raw(
            "application/x-www-form-urlencoded",
            format!(
                "username={}&password={}",
                urlencode(email),
                urlencode(password)
            ),
        )
        .send()
        .await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The user token `email` gets with [`PASSWORD`] beside `app`.
pub(crate) async fn token_of(server: &Server, app: &str, email: &str) -> String {
    let reply = user_token(server, app, email, PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.body["token"].as_str().expect("token").to_owned()
}

/// A token acting as `user`, made with a bearer access token.
pub(crate) async fn obo_token(server: &Server, access: &str, user: &str) -> String {
    let reply = server
        .request(Method::POST, "/api/v1/tokens/")
        .bearer(access)
        .json(json!({ "user": user }))
        .send()
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["token"].as_str().expect("token").to_owned()
}

pub(crate) async fn with_pair(
    server: &Server,
    method: Method,
    path: &str,
    app: &str,
    token: &str,
) -> crate::common::Call {
    server
        .request(method, path)
        .header("app-token", app)
        .header("token", token)
}

#[tokio::test]
async fn the_seed_documents_flow_works_as_written() {
    let server = Server::start().await;
    let admin = server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(&server, "admin@example.com").await;

    let login = user_token(&server, &app, "admin@example.com", PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let token = login.body["token"].as_str().expect("token").to_owned();
    assert!(token.len() >= 22, "at least 128 bits");

    // The pair authenticates every protected route, /me included.
    let me = with_pair(&server, Method::GET, "/api/me", &app, &token)
        .await
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.data()["id"], admin.as_str());

    // An admin with the pair makes another app token...
    let another = with_pair(&server, Method::POST, "/api/v1/app_tokens/", &app, &token)
        .await
        .json(json!({ "seconds_until_expire": 86400 }))
        .send()
        .await;
    assert_eq!(another.status, StatusCode::CREATED);
    assert!(another.body["app_token"].is_string());

    // ...and a token acting as Bob on the admin's behalf.
    let obo = with_pair(&server, Method::POST, "/api/v1/tokens/", &app, &token)
        .await
        .json(json!({ "seconds_until_expire": 86400, "user": bob }))
        .send()
        .await;
    assert_eq!(obo.status, StatusCode::CREATED, "{}", obo.body);
    let obo = obo.body["token"].as_str().expect("token").to_owned();
    let as_bob = with_pair(&server, Method::GET, "/api/me", &app, &obo)
        .await
        .send()
        .await;
    assert_eq!(as_bob.data()["id"], bob.as_str(), "the subject is Bob");
    let actor = with_pair(&server, Method::GET, "/app/actor", &app, &obo)
        .await
        .send()
        .await;
    assert_eq!(
        actor.body,
        format!("{bob} by {admin}"),
        "handlers see the actor too"
    );
}

#[tokio::test]
async fn paths_answer_with_and_without_the_trailing_slash() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let (access, _) = server.tokens("admin@example.com").await;
    for path in ["/api/v1/app_tokens", "/api/v1/app_tokens/"] {
        let reply = server
            .request(Method::POST, path)
            .bearer(&access)
            .json(json!({}))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{path}");
    }
    let app = app_token(&server, "admin@example.com").await;
    let form = server
        .request(Method::POST, "/api/v1/token")
        .header("app-token", &app)
        .json(json!({ "username": "admin@example.com", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(form.status, StatusCode::OK, "JSON works too: {}", form.body);
}

#[tokio::test]
async fn user_tokens_need_a_live_app_token_and_the_right_credentials() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let no_app = server
        .request(Method::POST, "/api/v1/token/")
        .raw(
            "application/x-www-form-urlencoded",
            "username=admin%40example.com&password=x",
        )
        .send()
        .await;
    assert_eq!(no_app.status, StatusCode::UNAUTHORIZED);
    assert!(no_app.body["errors"].is_object(), "{}", no_app.body);
    let bad_app = user_token(&server, "not-a-token", "admin@example.com", PASSWORD).await;
    assert_eq!(bad_app.status, StatusCode::UNAUTHORIZED);
    let wrong = user_token(&server, &app, "admin@example.com", "wrong password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let missing = server
        .request(Method::POST, "/api/v1/token/")
        .header("app-token", &app)
        .raw(
            "application/x-www-form-urlencoded",
            "username=admin%40example.com",
        )
        .send()
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(
        missing.body["errors"]["password"].is_string(),
        "{}",
        missing.body
    );
}

#[tokio::test]
async fn only_permitted_roles_mint_and_ids_are_checked() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let (user_access, _) = server.tokens("bob@example.com").await;
    let (admin_access, _) = server.tokens("admin@example.com").await;

    let app = server
        .request(Method::POST, "/api/v1/app_tokens/")
        .bearer(&user_access)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(app.status, StatusCode::FORBIDDEN);
    let obo = server
        .request(Method::POST, "/api/v1/tokens/")
        .bearer(&user_access)
        .json(json!({ "user": bob }))
        .send()
        .await;
    assert_eq!(
        obo.status,
        StatusCode::FORBIDDEN,
        "acting for others needs the permission"
    );
    let anonymous = server
        .request(Method::POST, "/api/v1/tokens/")
        .json(json!({ "user": bob }))
        .send()
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let malformed = server
        .request(Method::POST, "/api/v1/tokens/")
        .bearer(&admin_access)
        .json(json!({ "seconds_until_expire": 86400, "user": "52c5fc24a64c9efc0f253535" }))
        .send()
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.body,
        json!({ "errors": { "user": "One or more IDs are not formatted correctly." } })
    );
    let unknown = server
        .request(Method::POST, "/api/v1/tokens/")
        .bearer(&admin_access)
        .json(json!({ "user": portcullis::store::new_id() }))
        .send()
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.body["errors"]["user"].is_string(),
        "{}",
        unknown.body
    );
    let negative = server
        .request(Method::POST, "/api/v1/app_tokens/")
        .bearer(&admin_access)
        .json(json!({ "seconds_until_expire": "soon" }))
        .send()
        .await;
    assert_eq!(negative.status, StatusCode::BAD_REQUEST);
    assert!(negative.body["errors"]["seconds_until_expire"].is_string());
}

#[tokio::test]
async fn expired_patched_and_deleted_tokens_stop_at_once() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let me = |token: String| {
        let server = &server;
        let app = app.clone();
        async move {
            with_pair(server, Method::GET, "/api/me", &app, &token)
                .await
                .send()
                .await
                .status
        }
    };

    let patched = token_of(&server, &app, "admin@example.com").await;
    assert_eq!(me(patched.clone()).await, StatusCode::OK);
    let patch = with_pair(
        &server,
        Method::PATCH,
        &format!("/api/v1/tokens/{patched}"),
        &app,
        &patched,
    )
    .await
    .json(json!({ "seconds_until_expire": -1 }))
    .send()
    .await;
    assert_eq!(patch.status, StatusCode::OK, "{}", patch.body);
    assert_eq!(
        me(patched).await,
        StatusCode::UNAUTHORIZED,
        "expired by PATCH"
    );

    let deleted = token_of(&server, &app, "admin@example.com").await;
    let delete = with_pair(
        &server,
        Method::DELETE,
        &format!("/api/v1/tokens/{deleted}/"),
        &app,
        &deleted,
    )
    .await
    .send()
    .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    assert_eq!(
        me(deleted).await,
        StatusCode::UNAUTHORIZED,
        "deleted: refused at once"
    );

    let aging = token_of(&server, &app, "admin@example.com").await;
    server.advance(24 * 3600 + 1);
    let expired = with_pair(&server, Method::GET, "/api/me", &app, &aging)
        .await
        .send()
        .await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.error_code(), "TOKEN_EXPIRED");

    let (access, _) = server.tokens("admin@example.com").await;
    let put = server
        .request(Method::PUT, &format!("/api/v1/app_tokens/{app}"))
        .bearer(&access)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    let allow = put.headers["allow"].to_str().expect("allow").to_owned();
    assert!(
        allow.contains("PATCH") && allow.contains("DELETE"),
        "{allow}"
    );
}

#[tokio::test]
async fn nobody_touches_or_sees_another_users_tokens() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    server.user("bob@example.com", "user").await;
    server.user("eve@example.com", "user").await;
    let app = app_token(&server, "admin@example.com").await;
    let bobs = token_of(&server, &app, "bob@example.com").await;
    let eves = token_of(&server, &app, "eve@example.com").await;
    let path = format!("/api/v1/tokens/{bobs}");
    let patch = with_pair(&server, Method::PATCH, &path, &app, &eves)
        .await
        .json(json!({ "seconds_until_expire": -1 }))
        .send()
        .await;
    assert_eq!(
        patch.status,
        StatusCode::NOT_FOUND,
        "404, not 403: ids do not leak"
    );
    let delete = with_pair(&server, Method::DELETE, &path, &app, &eves)
        .await
        .send()
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    let still = with_pair(&server, Method::GET, "/api/me", &app, &bobs)
        .await
        .send()
        .await;
    assert_eq!(still.status, StatusCode::OK, "Bob's token survived");

    let list = with_pair(&server, Method::GET, "/api/v1/tokens/", &app, &eves)
        .await
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["tokens"].as_array().expect("list");
    assert_eq!(items.len(), 1, "only Eve's own: {}", list.body);
    assert!(
        !list.body.to_string().contains(&eves),
        "listings never show secrets"
    );
    assert!(
        items[0]["hint"]
            .as_str()
            .is_some_and(|h| eves.starts_with(h.trim_end_matches('…')))
    );

    // Eve cannot use her token with another app, nor raise it into an app token.
    let (access, _) = server.tokens("admin@example.com").await;
    let other_app = server
        .request(Method::POST, "/api/v1/app_tokens/")
        .bearer(&access)
        .json(json!({}))
        .send()
        .await
        .body["app_token"]
        .as_str()
        .expect("app")
        .to_owned();
    let crossed = with_pair(&server, Method::GET, "/api/me", &other_app, &eves)
        .await
        .send()
        .await;
    assert_eq!(
        crossed.status,
        StatusCode::UNAUTHORIZED,
        "user tokens are bound to their app"
    );
    let raise = with_pair(&server, Method::POST, "/api/v1/app_tokens/", &app, &eves)
        .await
        .json(json!({}))
        .send()
        .await;
    assert_eq!(raise.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn on_behalf_of_tokens_cannot_mint_more_tokens() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let other_admin = server.user("root@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let (access, _) = server.tokens("admin@example.com").await;
    let obo = obo_token(&server, &access, &other_admin).await;
    let chained = with_pair(&server, Method::POST, "/api/v1/tokens/", &app, &obo)
        .await
        .json(json!({ "user": other_admin }))
        .send()
        .await;
    assert_eq!(chained.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_token_pairs_are_throttled_per_ip() {
    let mut config = test_config();
    config.throttles.ip.limit = 5;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    for _ in 0..5 {
        let reply = with_pair(&server, Method::GET, "/api/me", &app, "guess")
            .await
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let stopped = with_pair(&server, Method::GET, "/api/me", &app, "guess")
        .await
        .send()
        .await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stopped.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn token_checks_cost_no_password_hash() {
    let mut config = test_config();
    config.accounts.password = portcullis::PasswordPolicy::default();
    let server = Server::start_with(config, Backing::Sqlite).await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let token = token_of(&server, &app, "admin@example.com").await;
    // Taken in turns, so that whatever else loads the machine weighs on
    // both alike. A check that hashed would cost about what a login does.
    let (mut login, mut checks) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..5 {
        let start = Instant::now();
        server.login("admin@example.com", PASSWORD).await;
        login += start.elapsed();
        let start = Instant::now();
        let reply = with_pair(&server, Method::GET, "/api/me", &app, &token)
            .await
            .send()
            .await;
        checks += start.elapsed();
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert!(
        checks * 2 < login,
        "token checks {checks:?} vs password logins {login:?}"
    );
}

#[tokio::test]
async fn acting_for_others_cannot_reach_above_ones_own_role() {
    let mut config = test_config();
    config.api_tokens.act_for_others_roles = vec!["admin".into(), "support".into()];
    let server = Server::start_with(config, Backing::Memory).await;
    let admin = server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    server.user("help@example.com", "support").await;
    let (support, _) = server.tokens("help@example.com").await;
    let mint = |user: String| {
        let server = &server;
        let support = support.clone();
        async move {
            server
                .request(Method::POST, "/api/v1/tokens/")
                .bearer(&support)
                .json(json!({ "user": user }))
                .send()
                .await
        }
    };
    assert_eq!(
        mint(bob).await.status,
        StatusCode::CREATED,
        "support may act for users"
    );
    assert_eq!(
        mint(admin).await.status,
        StatusCode::FORBIDDEN,
        "but not for admins"
    );
}

#[tokio::test]
async fn tokens_stop_when_their_maker_loses_the_right() {
    let server = Server::start().await;
    let admin = server.user("admin@example.com", "admin").await;
    let root = server.user("root@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(&server, "root@example.com").await;
    let (access, _) = server.tokens("admin@example.com").await;
    let obo = obo_token(&server, &access, &bob).await;
    let me = |token: String| {
        let server = &server;
        let app = app.clone();
        async move {
            with_pair(server, Method::GET, "/api/me", &app, &token)
                .await
                .send()
                .await
                .status
        }
    };
    assert_eq!(me(obo.clone()).await, StatusCode::OK);
    server
        .auth
        .set_user_active(&admin, false)
        .await
        .expect("deactivate");
    assert_eq!(
        me(obo.clone()).await,
        StatusCode::UNAUTHORIZED,
        "the actor is gone"
    );
    server
        .auth
        .set_user_active(&admin, true)
        .await
        .expect("reactivate");
    server
        .auth
        .set_user_active(&root, false)
        .await
        .expect("deactivate");
    assert_eq!(
        me(obo).await,
        StatusCode::UNAUTHORIZED,
        "the app token's maker is gone"
    );
}

#[tokio::test]
async fn expiry_changes_take_form_bodies_and_any_negative_number() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let token = token_of(&server, &app, "admin@example.com").await;
    // Extending takes another of the user's tokens: never the token itself.
    let other = token_of(&server, &app, "admin@example.com").await;
    let path = format!("/api/v1/tokens/{token}");
    let form = with_pair(&server, Method::PATCH, &path, &app, &other)
        .await
        .raw(
            "application/x-www-form-urlencoded",
            "seconds_until_expire=600",
        )
        .send()
        .await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let far = with_pair(&server, Method::PATCH, &path, &app, &token)
        .await
        .json(json!({ "seconds_until_expire": i64::MIN }))
        .send()
        .await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.body);
    let me = with_pair(&server, Method::GET, "/api/me", &app, &token)
        .await
        .send()
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn acting_on_behalf_cannot_change_credentials() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(&server, "admin@example.com").await;
    let (access, _) = server.tokens("admin@example.com").await;
    let obo = obo_token(&server, &access, &bob).await;
    let call = |method: Method, path: &'static str, body: serde_json::Value| {
        let server = &server;
        let (app, obo) = (app.clone(), obo.clone());
        async move {
            with_pair(server, method, path, &app, &obo)
                .await
                .json(body)
                .send()
                .await
                .status
        }
    };
    assert_eq!(
        call(Method::POST, "/api/auth/enable-mfa", json!({})).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            Method::PATCH,
            "/api/me",
            json!({ "password": "a new password", "currentPassword": PASSWORD })
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(
            Method::PUT,
            "/api/auth/update-user",
            json!({ "email": "mine@example.com" })
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(Method::PATCH, "/api/me", json!({ "name": "Bob B." })).await,
        StatusCode::OK,
        "the profile is fine"
    );
}
