//! The attack review on notices: an owner hears of every change to their
//! account's security, so that a change they did not make does not pass
//! unseen; and, when asked, of sign-ins from devices never seen before.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Backing, PASSWORD, Reply, Server, test_config};
use crate::mail::{Received, messages, request_reset, reset_token};
use crate::mfa::{code_at, enable, now, verify};
use crate::review_lockout::device_cookie;

/// Waits for the `count`-th message and answers whether one went to `to`
/// with `subject`.
async fn told(server: &Server, count: usize, to: &str, subject: &str) -> bool {
    messages(server, count)
        .await
        .iter()
        .any(|m| m.to == to && m.subject == subject)
}

#[tokio::test]
async fn password_changes_and_resets_are_told() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    assert_eq!(
        server.patch_me(&access, change).send().await.status,
        StatusCode::OK
    );
    assert!(told(&server, 1, "ada@example.com", "Your password was changed").await);

    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let mail = messages(&server, 2).await;
    let link = mail
        .iter()
        .find(|m| m.subject == "Reset your password")
        .unwrap();
    let body = json!({ "token": link.token(), "password": "yet another password" });
    server.post("/api/auth/reset-password", body).await;
    assert!(told(&server, 3, "ada@example.com", "Your password was reset").await);
}

#[tokio::test]
async fn an_address_change_is_told_to_the_old_address() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    server
        .request(Method::PUT, "/api/auth/update-user")
        .bearer(&access)
        .json(json!({ "email": "lovelace@example.com", "currentPassword": PASSWORD }))
        .send()
        .await;
    let mail = messages(&server, 2).await;
    let confirm = mail
        .iter()
        .find(|m| m.to == "lovelace@example.com")
        .unwrap();
    let done = server
        .request(Method::PUT, "/api/auth/update-email")
        .json(json!({ "token": confirm.token() }))
        .send()
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        told(
            &server,
            3,
            "ada@example.com",
            "Your email address was changed"
        )
        .await
    );
}

#[tokio::test]
async fn a_second_factor_turned_on_and_a_recovery_code_used_are_told() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let secret = enable(&server, &access).await.data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let confirmed = verify(&server, &access, &code_at(&secret, now(&server))).await;
    let codes = confirmed.data()["recoveryCodes"].clone();
    assert!(told(&server, 1, "ada@example.com", "Two-step sign-in is on").await);

    let login = server.login("ada@example.com", PASSWORD).await;
    let recover = json!({
        "mfaToken": login.data()["mfaToken"],
        "recoveryCode": codes[0],
    });
    let recovered = server.post("/api/auth/recover-mfa", recover).await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
    assert!(told(&server, 2, "ada@example.com", "A recovery code was used").await);
}

/// A server that tells of new devices, with ada's account on it.
async fn telling_new_devices() -> Server {
    let mut config = test_config();
    config.mail.notify_new_device = true;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    server
}

/// Ada signs in with `password` on the device that holds `device`.
async fn sign_in_on(server: &Server, device: &str, password: &str) -> Reply {
    server
        .request(Method::POST, "/api/auth/login")
        .header("cookie", device)
        .json(json!({ "email": "ada@example.com", "password": password }))
        .send()
        .await
}

/// How many new-device notices were sent, of the `count` messages there
/// are once a reset link, mailed after all of them, is there too.
async fn new_device_notices(server: &Server, count: usize) -> (usize, Vec<Received>) {
    request_reset(server, json!({ "email": "ada@example.com" })).await;
    reset_token(server).await;
    let mail = messages(server, count).await;
    let notices = mail
        .iter()
        .filter(|m| m.subject == "A sign-in from a new device")
        .count();
    (notices, mail)
}

#[tokio::test]
async fn new_devices_are_told_when_asked_and_known_ones_are_not() {
    let server = telling_new_devices().await;
    let first = server.login("ada@example.com", PASSWORD).await;
    assert!(told(&server, 1, "ada@example.com", "A sign-in from a new device").await);
    let again = sign_in_on(&server, &device_cookie(&first), PASSWORD).await;
    assert_eq!(again.status, StatusCode::OK);
    // Proving the password again, signed in, is no sign-in from anywhere.
    let access = again.data()["accessToken"].as_str().unwrap().to_owned();
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    assert_eq!(
        server.patch_me(&access, change).send().await.status,
        StatusCode::OK
    );
    let (notices, mail) = new_device_notices(&server, 3).await;
    assert_eq!(notices, 1, "the first sign-in only: {mail:?}");
}

#[tokio::test]
async fn a_device_stays_known_for_a_year_after_its_sign_in_and_not_a_second_more() {
    let server = telling_new_devices().await;
    let first = server.login("ada@example.com", PASSWORD).await;
    let device = device_cookie(&first);
    const YEAR: u64 = 365 * 24 * 3600;
    server.advance(YEAR - 1);
    let known = sign_in_on(&server, &device, PASSWORD).await;
    assert_eq!(known.status, StatusCode::OK);
    server.advance(1);
    let forgotten = sign_in_on(&server, &device, PASSWORD).await;
    assert_eq!(forgotten.status, StatusCode::OK);
    let (notices, mail) = new_device_notices(&server, 3).await;
    assert_eq!(
        notices, 2,
        "the first sign-in and the one a year on: {mail:?}"
    );
}

#[tokio::test]
async fn a_new_password_makes_every_device_new_again() {
    let server = telling_new_devices().await;
    let first = server.login("ada@example.com", PASSWORD).await;
    let access = first.data()["accessToken"].as_str().unwrap().to_owned();
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    assert_eq!(
        server.patch_me(&access, change).send().await.status,
        StatusCode::OK
    );
    let again = sign_in_on(&server, &device_cookie(&first), "a new password").await;
    assert_eq!(again.status, StatusCode::OK);
    let (notices, mail) = new_device_notices(&server, 4).await;
    assert_eq!(
        notices, 2,
        "the mark made before the change is void: {mail:?}"
    );
}

#[tokio::test]
async fn without_notices_nothing_is_sent() {
    let mut config = test_config();
    config.mail.notify_changes = false;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let change = json!({ "password": "a new password", "currentPassword": PASSWORD });
    assert_eq!(
        server.patch_me(&access, change).send().await.status,
        StatusCode::OK
    );
    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let mail = messages(&server, 2).await;
    assert_eq!(mail.len(), 1, "the reset link only: {mail:?}");
}
