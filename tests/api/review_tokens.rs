//! The attack review on v1 tokens: a token never extends itself, nor past
//! its policy lifetime from its minting; a change of credentials ends the
//! user's user tokens and on-behalf-of tokens, while app tokens (the app's)
//! stay.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{PASSWORD, Server};
use crate::mfa::{code_at, enable, now, verify};
use crate::v1_tokens::{app_token, obo_token, token_of, user_token, with_pair};

const HOUR: i64 = 3600;

async fn works(server: &Server, app: &str, token: &str) -> StatusCode {
    with_pair(server, Method::GET, "/api/me", app, token)
        .await
        .send()
        .await
        .status
}

#[tokio::test]
async fn a_user_token_cannot_extend_itself_nor_outlive_its_policy() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let token = token_of(&server, &app, "admin@example.com").await;
    let path = format!("/api/v1/tokens/{token}/");
    let patch = |by: &str, seconds: i64| {
        let (server, app, path, by) = (&server, app.clone(), path.clone(), by.to_owned());
        async move {
            with_pair(server, Method::PATCH, &path, &app, &by)
                .await
                .json(json!({ "seconds_until_expire": seconds }))
                .send()
                .await
        }
    };
    for seconds in [50 * 365 * 24 * HOUR, HOUR] {
        let own = patch(&token, seconds).await;
        assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    }
    let other = token_of(&server, &app, "admin@example.com").await;
    let beyond = patch(&other, 25 * HOUR).await;
    assert_eq!(beyond.status, StatusCode::BAD_REQUEST, "{}", beyond.body);
    server.advance(20 * 3600);
    let past_the_day = patch(&other, 5 * HOUR).await;
    assert_eq!(
        past_the_day.status,
        StatusCode::BAD_REQUEST,
        "24 hours from its minting, not from now"
    );
    let within = patch(&other, 2 * HOUR).await;
    assert_eq!(within.status, StatusCode::OK, "{}", within.body);
    let ended = patch(&token, 0).await;
    assert_eq!(ended.status, StatusCode::OK, "a token may end itself");
    assert_eq!(works(&server, &app, &token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn app_tokens_are_created_and_extended_within_their_policy() {
    let mut config = crate::common::test_config();
    config.api_tokens.app_token_ttl = std::time::Duration::from_secs(30 * 86_400);
    let server = Server::start_with(config, crate::common::Backing::Memory).await;
    server.user("admin@example.com", "admin").await;
    let (access, _) = server.tokens("admin@example.com").await;
    let create = |seconds: i64| {
        server
            .request(Method::POST, "/api/v1/app_tokens/")
            .bearer(&access)
            .json(json!({ "seconds_until_expire": seconds }))
            .send()
    };
    assert_eq!(create(31 * 24 * HOUR).await.status, StatusCode::BAD_REQUEST);
    let made = create(HOUR).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
}

/// A user with an app token, a user token and a token an admin acts with.
struct Tokens {
    app: String,
    user: String,
    acting: String,
}

async fn tokens_of_bob(server: &Server) -> Tokens {
    server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(server, "admin@example.com").await;
    let user = token_of(server, &app, "bob@example.com").await;
    let (admin, _) = server.tokens("admin@example.com").await;
    let acting = obo_token(server, &admin, &bob).await;
    for token in [&user, &acting] {
        assert_eq!(works(server, &app, token).await, StatusCode::OK);
    }
    Tokens { app, user, acting }
}

async fn all_ended_but_the_app(server: &Server, tokens: &Tokens, after: &str) {
    for token in [&tokens.user, &tokens.acting] {
        assert_eq!(
            works(server, &tokens.app, token).await,
            StatusCode::UNAUTHORIZED,
            "after {after}"
        );
    }
    let fresh = token_of(server, &tokens.app, "admin@example.com").await;
    assert_eq!(
        works(server, &tokens.app, &fresh).await,
        StatusCode::OK,
        "the app token stays after {after}"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_users_tokens() {
    let server = Server::start().await;
    let tokens = tokens_of_bob(&server).await;
    let (access, _) = server.tokens("bob@example.com").await;
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    let changed = server.patch_me(&access, change).send().await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    all_ended_but_the_app(&server, &tokens, "a password change").await;
}

#[tokio::test]
async fn a_deactivation_ends_the_users_tokens() {
    let server = Server::start().await;
    let tokens = tokens_of_bob(&server).await;
    let bob = server
        .auth
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    server.tokens("bob@example.com").await;
    server.auth.set_user_active(&bob.id, false).await.unwrap();
    let open = server.auth.sessions(&bob.id).await.unwrap();
    assert!(open.is_empty(), "ended at the deactivation: {open:?}");
    server.auth.set_user_active(&bob.id, true).await.unwrap();
    all_ended_but_the_app(&server, &tokens, "a deactivation").await;
}

#[tokio::test]
async fn mfa_enrolment_ends_the_users_tokens() {
    let server = Server::start().await;
    let tokens = tokens_of_bob(&server).await;
    let (access, _) = server.tokens("bob@example.com").await;
    let started = enable(&server, &access).await;
    let secret = started.data()["secret"].as_str().unwrap().to_owned();
    let confirmed = verify(&server, &access, &code_at(&secret, now(&server))).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    all_ended_but_the_app(&server, &tokens, "MFA enrolment").await;
}

#[tokio::test]
async fn an_ended_token_stays_ended() {
    let server = Server::start().await;
    let tokens = tokens_of_bob(&server).await;
    let (access, _) = server.tokens("bob@example.com").await;
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    assert_eq!(
        server.patch_me(&access, change).send().await.status,
        StatusCode::OK
    );
    let (fresh, _) = server
        .tokens_with("bob@example.com", "a new password")
        .await;
    let revive = server
        .request(Method::PATCH, &format!("/api/v1/tokens/{}/", tokens.user))
        .bearer(&fresh)
        .json(json!({ "seconds_until_expire": HOUR }))
        .send()
        .await;
    assert_eq!(revive.status, StatusCode::FORBIDDEN, "{}", revive.body);
    assert_eq!(
        works(&server, &tokens.app, &tokens.user).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn an_app_token_cannot_extend_itself_through_a_pair() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let app = app_token(&server, "admin@example.com").await;
    let mine = token_of(&server, &app, "admin@example.com").await;
    let path = format!("/api/v1/app_tokens/{app}/");
    let own = with_pair(&server, Method::PATCH, &path, &app, &mine)
        .await
        .json(json!({ "seconds_until_expire": HOUR }))
        .send()
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    let (access, _) = server.tokens("admin@example.com").await;
    let by_its_maker = server
        .request(Method::PATCH, &path)
        .bearer(&access)
        .json(json!({ "seconds_until_expire": HOUR }))
        .send()
        .await;
    assert_eq!(by_its_maker.status, StatusCode::OK, "{}", by_its_maker.body);
}

#[tokio::test]
async fn acting_for_someone_promoted_above_the_actor_stops_at_once() {
    let mut config = crate::common::test_config();
    config.api_tokens.act_for_others_roles = vec!["support".into()];
    let server = Server::start_with(config, crate::common::Backing::Memory).await;
    server.user("admin@example.com", "admin").await;
    server.user("helper@example.com", "support").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(&server, "admin@example.com").await;
    let (helper, _) = server.tokens("helper@example.com").await;
    let acting = obo_token(&server, &helper, &bob).await;
    assert_eq!(works(&server, &app, &acting).await, StatusCode::OK);
    server.auth.set_user_role(&bob, "admin").await.unwrap();
    assert_eq!(
        works(&server, &app, &acting).await,
        StatusCode::UNAUTHORIZED,
        "support may not act for an admin, whenever the subject became one"
    );
}

#[tokio::test]
async fn a_reset_and_an_admins_mfa_reset_end_the_users_tokens() {
    let server = Server::start().await;
    let tokens = tokens_of_bob(&server).await;
    crate::mail::request_reset(&server, json!({ "email": "bob@example.com" })).await;
    let token = crate::mail::reset_token(&server).await;
    let body = json!({ "token": token, "password": "a brand new password" });
    assert!(
        server
            .post("/api/auth/reset-password", body)
            .await
            .status
            .is_success()
    );
    all_ended_but_the_app(&server, &tokens, "a reset").await;

    let again = user_token(
        &server,
        &tokens.app,
        "bob@example.com",
        "a brand new password",
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let again = again.body["token"].as_str().unwrap().to_owned();
    let bob = server
        .auth
        .find_user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    server.auth.reset_mfa(&bob.id).await.unwrap();
    assert_eq!(
        works(&server, &tokens.app, &again).await,
        StatusCode::UNAUTHORIZED,
        "after an admin's MFA reset"
    );
}

#[tokio::test]
async fn each_token_works_only_in_its_own_slot() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let bob = server.user("bob@example.com", "user").await;
    let app = app_token(&server, "admin@example.com").await;
    let token = token_of(&server, &app, "admin@example.com").await;
    let (access, _) = server.tokens("admin@example.com").await;
    let obo = obo_token(&server, &access, &bob).await;
    assert_eq!(works(&server, &app, &token).await, StatusCode::OK);

    // An app token is no user token, nor is a user token an app token:
    // each refused as a forged token would be.
    for (app_slot, token_slot) in [(&app, &app), (&token, &app), (&obo, &app)] {
        let reply = with_pair(&server, Method::GET, "/api/me", app_slot, token_slot)
            .await
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
        assert_eq!(reply.error_code(), "TOKEN_INVALID");
    }
    for not_an_app in [&token, &obo] {
        let minted = user_token(&server, not_an_app, "admin@example.com", PASSWORD).await;
        assert_eq!(minted.status, StatusCode::UNAUTHORIZED, "{}", minted.body);
        assert_eq!(minted.body["errors"]["detail"], "invalid token");
    }
}
