//! Sessions, tokens and second factors across two instances.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{Fleet, PASSWORD, PROPAGATION, Services, tokens};

#[path = "../totp/mod.rs"]
mod totp;

#[tokio::test]
async fn a_session_moves_between_instances_and_ends_on_every_one() {
    let Some(services) = Services::new().await else {
        return;
    };
    let fleet = Fleet::start(&services).await;
    let (a, b) = (&fleet.a, &fleet.b);

    // Log in on A, refresh on B; log out on B: the refresh token fails on A.
    let (_, refresh) = fleet.session(a).await;
    let (status, body) = fleet
        .post(
            b,
            "/api/auth/refresh-token",
            json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, refresh) = tokens(&body);
    let (status, _) = fleet
        .post(b, "/api/auth/logout", json!({ "refreshToken": refresh }))
        .await;
    assert!(status.is_success());
    let (status, _) = fleet
        .post(
            a,
            "/api/auth/refresh-token",
            json!({ "refreshToken": refresh }),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Log out on A: A's access token is refused on B within a second.
    let (access, refresh) = fleet.session(a).await;
    assert_eq!(fleet.get_as(b, "/protected", &access).await, StatusCode::OK);
    fleet
        .post(a, "/api/auth/logout", json!({ "refreshToken": refresh }))
        .await;
    let took = fleet
        .until_status(
            b,
            "/protected",
            &access,
            StatusCode::UNAUTHORIZED,
            PROPAGATION,
        )
        .await;
    println!("logout on A refused on B after {took:?}");
    assert_eq!(
        fleet.get_as(b, "/api/me", &access).await,
        StatusCode::UNAUTHORIZED
    );
    let request = fleet
        .request(b, Method::GET, "/api/auth/validate-session")
        .bearer_auth(&access);
    let (_, validated) = fleet.send(request).await;
    assert_ne!(validated["data"]["valid"], true, "{validated}");

    // A password change on A ends the other sessions' access tokens on B.
    let (other, _) = fleet.session(b).await;
    let (mine, _) = fleet.session(a).await;
    let change = fleet
        .request(a, Method::PATCH, "/api/me")
        .bearer_auth(&mine)
        .json(&json!({ "password": "a brand new password", "currentPassword": PASSWORD }));
    let (status, body) = fleet.send(change).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let took = fleet
        .until_status(
            b,
            "/protected",
            &other,
            StatusCode::UNAUTHORIZED,
            PROPAGATION,
        )
        .await;
    println!("password change on A refused on B after {took:?}");
    assert_eq!(
        fleet.get_as(b, "/protected", &mine).await,
        StatusCode::OK,
        "the session that changed the password lives on"
    );
    drop(fleet);
    services.drop_database().await;
}

#[tokio::test]
async fn an_app_token_deleted_on_one_instance_fails_on_the_other() {
    let Some(services) = Services::new().await else {
        return;
    };
    let fleet = Fleet::start(&services).await;
    let (a, b) = (&fleet.a, &fleet.b);
    let (access, _) = fleet.session(a).await;
    let create = fleet
        .request(a, Method::POST, "/api/v1/app_tokens/")
        .bearer_auth(&access)
        .json(&json!({ "seconds_until_expire": 86400 }));
    let (status, body) = fleet.send(create).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let app = body["app_token"].as_str().unwrap().to_owned();
    let login = fleet
        .request(a, Method::POST, "/api/v1/token/")
        .header("app-token", &app)
        .form(&[("username", fleet.admin.as_str()), ("password", PASSWORD)]);
    let (status, body) = fleet.send(login).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user_token = body["token"].as_str().unwrap().to_owned();
    let me = |on| {
        fleet
            .request(on, Method::GET, "/api/me")
            .header("app-token", &app)
            .header("token", &user_token)
    };
    assert_eq!(fleet.send(me(a)).await.0, StatusCode::OK);

    let delete = fleet
        .request(b, Method::DELETE, &format!("/api/v1/app_tokens/{app}/"))
        .bearer_auth(&access);
    let (status, body) = fleet.send(delete).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(fleet.send(me(a)).await.0, StatusCode::UNAUTHORIZED);
    drop(fleet);
    services.drop_database().await;
}

#[tokio::test]
async fn an_mfa_login_begun_on_one_instance_finishes_on_the_other() {
    let Some(services) = Services::new().await else {
        return;
    };
    let fleet = Fleet::start(&services).await;
    let (a, b) = (&fleet.a, &fleet.b);
    let (access, _) = fleet.session(a).await;
    let enable = fleet
        .request(a, Method::POST, "/api/auth/enable-mfa")
        .bearer_auth(&access)
        .json(&json!({ "currentPassword": PASSWORD }));
    let (status, body) = fleet.send(enable).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let secret = body["data"]["secret"].as_str().unwrap().to_owned();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = i64::try_from(now).unwrap();
    let confirm = fleet
        .request(b, Method::POST, "/api/auth/verify-mfa")
        .bearer_auth(&access)
        .json(&json!({ "code": totp::code_at(&secret, now) }));
    let (status, body) = fleet.send(confirm).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "enrolment begun on A is confirmed on B: {body}"
    );

    let (status, body) = fleet.login(a, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["mfaRequired"], true, "{body}");
    let mfa_token = body["data"]["mfaToken"].as_str().unwrap().to_owned();
    let wrong = json!({ "mfaToken": mfa_token, "code": "000000" });
    let (status, _) = fleet.post(a, "/api/auth/verify-mfa", wrong).await;
    assert!(status.is_client_error(), "{status}");
    // The next step's code: the enrolment's step is spent, on every instance.
    let code = totp::code_at(&secret, now + 30);
    let finish = json!({ "mfaToken": mfa_token, "code": code });
    let (status, body) = fleet.post(b, "/api/auth/verify-mfa", finish.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (access, _) = tokens(&body);
    assert_eq!(fleet.get_as(a, "/protected", &access).await, StatusCode::OK);
    let (status, _) = fleet.post(a, "/api/auth/verify-mfa", finish).await;
    assert!(
        status.is_client_error(),
        "the challenge works once, fleet-wide: {status}"
    );
    drop(fleet);
    services.drop_database().await;
}
