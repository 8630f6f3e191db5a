//! Registering a passkey and signing in with it: usernameless sign-in,
//! the options, the ceremony's single use and browser binding, forged
//! signatures and counters, and a passkey as the second login step.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authenticator::{self, Authenticator};
use crate::common::{Backing, PASSWORD, Server, test_config};
use crate::mfa::{self, amr};

use super::{ORIGIN, finish, my_passkeys, register, sign_in, start};

#[tokio::test]
async fn a_registered_passkey_signs_in_without_a_name_on_sqlite() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    let user_id = server.user("pia@example.com", "user").await;
    let (access, _) = server.tokens("pia@example.com").await;
    let mut device = Authenticator::new(ORIGIN);

    let registered = register(&server, &access, &mut device, "Laptop").await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    assert_eq!(registered.data()["name"], "Laptop");
    assert!(
        registered.set_cookies()[0].contains("Max-Age=0"),
        "the ceremony's cookie is cleared"
    );
    let listed = my_passkeys(&server, &access).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], registered.data()["id"]);
    assert_eq!(listed[0]["lastUsedAt"], Value::Null);

    let signed_in = sign_in(&server, &mut device).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.data()["user"]["id"], user_id.as_str());
    let token = signed_in.data()["accessToken"].as_str().expect("token");
    assert_eq!(amr(token), json!(["hwk", "mfa"]));
    let sensitive = server
        .request(Method::GET, "/app/sensitive")
        .bearer(token)
        .send()
        .await;
    assert_eq!(
        sensitive.status,
        StatusCode::OK,
        "a passkey is a second factor"
    );
    assert!(my_passkeys(&server, &access).await[0]["lastUsedAt"].is_string());
}

#[tokio::test]
async fn registration_starts_only_with_the_current_password_and_options_ask_for_a_discoverable_key()
{
    let server = Server::start().await;
    server.user("quin@example.com", "user").await;
    let (access, _) = server.tokens("quin@example.com").await;
    let path = "/api/auth/passkeys/register/start";
    for body in [json!({}), json!({ "currentPassword": "wrong password!" })] {
        let refused = server
            .request(Method::POST, path)
            .bearer(&access)
            .json(body)
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert_eq!(refused.body["field"], "currentPassword");
        assert!(refused.set_cookie("portcullis_passkey").is_none());
    }
    let mut device = Authenticator::new(ORIGIN);
    let (options, cookie) = start(
        &server,
        path,
        Some(&access),
        json!({ "currentPassword": PASSWORD }),
    )
    .await;
    let mut credential = device.create(&options);
    credential["clientExtensionResults"] = json!({ "credProps": { "rk": false } });
    let not_discoverable = finish(
        &server,
        "/api/auth/passkeys/register/finish",
        Some(&access),
        &cookie,
        json!({ "credential": credential }),
    )
    .await;
    assert_eq!(
        not_discoverable.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_discoverable.body
    );
    assert_eq!(not_discoverable.body["field"], "credential");
    let anonymous = server.request(Method::POST, path).send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let (options, _) = start(
        &server,
        path,
        Some(&access),
        json!({ "currentPassword": PASSWORD }),
    )
    .await;
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    assert_eq!(options["publicKey"]["rp"]["id"], "app.test");
}

#[tokio::test]
async fn a_ceremony_serves_one_answer_and_only_in_the_browser_that_started_it() {
    let server = Server::start().await;
    server.user("rex@example.com", "user").await;
    let (access, _) = server.tokens("rex@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    register(&server, &access, &mut device, "Key").await;

    let (options, cookie) = start(&server, "/api/auth/passkeys/login/start", None, json!({})).await;
    let credential = device.get(&options);
    let body = json!({ "credential": credential });
    let path = "/api/auth/passkeys/login/finish";
    let elsewhere = finish(&server, path, None, "", body.clone()).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::BAD_REQUEST,
        "{}",
        elsewhere.body
    );
    let other_browser = finish(
        &server,
        path,
        None,
        "portcullis_passkey=forged",
        body.clone(),
    )
    .await;
    assert_eq!(other_browser.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other_browser.error_code(), "TOKEN_INVALID");
    let first = finish(&server, path, None, &cookie, body.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let replayed = finish(&server, path, None, &cookie, body).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replayed.error_code(), "TOKEN_INVALID");

    let (_, cookie) = start(&server, "/api/auth/passkeys/login/start", None, json!({})).await;
    server.advance(301);
    let late = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": device.get(&options) }),
    )
    .await;
    assert_eq!(
        late.status,
        StatusCode::UNAUTHORIZED,
        "a ceremony lasts five minutes"
    );
}

#[tokio::test]
async fn forged_signatures_cloned_counters_and_changed_backup_flags_are_refused() {
    let server = Server::start().await;
    server.user("sam@example.com", "user").await;
    let (access, _) = server.tokens("sam@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    register(&server, &access, &mut device, "Key").await;
    let path = "/api/auth/passkeys/login/finish";

    let (options, cookie) = start(&server, "/api/auth/passkeys/login/start", None, json!({})).await;
    let mut forged = device.get(&options);
    let mut signature = URL_SAFE_NO_PAD
        .decode(forged["response"]["signature"].as_str().expect("signature"))
        .expect("base64url");
    let last = signature.len() - 3;
    signature[last] ^= 1;
    forged["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(&signature));
    let refused = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": forged }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    assert_eq!(refused.error_code(), "PASSKEY_REJECTED");

    let (options, cookie) = start(&server, "/api/auth/passkeys/login/start", None, json!({})).await;
    device.origin = "https://evil.test".into();
    let phished = device.get(&options);
    device.origin = ORIGIN.into();
    let refused = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": phished }),
    )
    .await;
    assert_eq!(
        refused.error_code(),
        "PASSKEY_REJECTED",
        "another origin's answer"
    );

    assert_eq!(sign_in(&server, &mut device).await.status, StatusCode::OK);
    let clone = device.credentials[0].clone();
    let (options, cookie) = start(&server, "/api/auth/passkeys/login/start", None, json!({})).await;
    let client_data = serde_json::to_vec(&json!({
        "type": "webauthn.get",
        "challenge": options["publicKey"]["challenge"],
        "origin": ORIGIN,
    }))
    .expect("json");
    let replayed_counter = authenticator::sign("app.test", &clone, &client_data);
    let refused = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": replayed_counter }),
    )
    .await;
    assert_eq!(
        refused.error_code(),
        "PASSKEY_REJECTED",
        "a counter that did not move on shows a clone"
    );

    device.credentials[0].backup_eligible = true;
    assert_eq!(
        sign_in(&server, &mut device).await.error_code(),
        "PASSKEY_REJECTED",
        "a device-bound passkey does not become a synced one"
    );
    device.credentials[0].backup_eligible = false;
    assert_eq!(sign_in(&server, &mut device).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_passkey_is_the_second_step_of_a_password_login() {
    let server = Server::start().await;
    server.user("tia@example.com", "user").await;
    let (access, _) = server.tokens("tia@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    let registered = register(&server, &access, &mut device, "Key").await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    let secret = mfa::enable(&server, &access).await.data()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let code = mfa::code_at(&secret, mfa::now(&server));
    let confirmed = mfa::verify(&server, &access, &code).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let refused = server
        .request(Method::POST, "/api/auth/passkeys/register/start")
        .bearer(&access)
        .json(json!({ "currentPassword": PASSWORD }))
        .send()
        .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "with MFA on, a password-only session adds no passkey: {}",
        refused.body
    );

    let login = server.login("tia@example.com", PASSWORD).await;
    let mfa_token = login.data()["mfaToken"]
        .as_str()
        .expect("mfaToken")
        .to_owned();
    let (options, cookie) = start(
        &server,
        "/api/auth/passkeys/login/start",
        None,
        json!({ "mfaToken": mfa_token }),
    )
    .await;
    let allowed = options["publicKey"]["allowCredentials"]
        .as_array()
        .expect("allowed");
    assert_eq!(allowed.len(), 1, "the user's own passkey only");
    let credential = device.get(&options);
    let path = "/api/auth/passkeys/login/finish";
    let wrong_challenge = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": credential, "mfaToken": "another" }),
    )
    .await;
    assert_eq!(wrong_challenge.status, StatusCode::UNAUTHORIZED);

    let (options, cookie) = start(
        &server,
        "/api/auth/passkeys/login/start",
        None,
        json!({ "mfaToken": mfa_token }),
    )
    .await;
    let credential = device.get(&options);
    let done = finish(
        &server,
        path,
        None,
        &cookie,
        json!({ "credential": credential, "mfaToken": mfa_token }),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let token = done.data()["accessToken"].as_str().expect("token");
    assert_eq!(amr(token), json!(["pwd", "hwk"]));
    let again = server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": mfa_token, "code": "000000" }),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "the challenge is spent"
    );
}
