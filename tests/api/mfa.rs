//! TOTP second factors. Codes come from Python's `pyotp` and the QR code is
//! read by `zbarimg` (both installed by `scripts/test`): independent of the
//! code under test.

use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backing, PASSWORD, Reply, Server, test_config};

#[path = "../totp/mod.rs"]
mod totp;
pub(crate) use totp::code_at;

/// What `zbarimg` reads from a PNG.
fn read_qr(png: &[u8]) -> String {
    let path =
        std::env::temp_dir().join(format!("portcullis-qr-{}.png", portcullis::store::new_id()));
    std::fs::write(&path, png).expect("write png");
    let output = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&path)
        .output()
        .expect("zbarimg runs (scripts/test installs zbar-tools)");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "zbarimg found no code");
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

pub(crate) fn now(server: &Server) -> i64 {
    portcullis::Clock::now(&server.clock).unix_timestamp()
}

/// A user with MFA on; returns (access token, base32 secret, recovery codes).
pub(crate) async fn enrolled(server: &Server, email: &str) -> (String, String, Vec<String>) {
    server.user(email, "user").await;
    let (access, _) = server.tokens(email).await;
    let enable = enable(server, &access).await;
    assert_eq!(enable.status, StatusCode::OK, "{}", enable.body);
    let secret = enable.data()["secret"].as_str().expect("secret").to_owned();
    let confirm = verify(server, &access, &code_at(&secret, now(server))).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let codes = confirm.data()["recoveryCodes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_owned())
        .collect();
    (access, secret, codes)
}

/// Starts an enrolment, proving the user with [`PASSWORD`].
pub(crate) async fn enable(server: &Server, access: &str) -> Reply {
    server
        .request(Method::POST, "/api/auth/enable-mfa")
        .bearer(access)
        .json(json!({ "currentPassword": PASSWORD }))
        .send()
        .await
}

pub(crate) async fn verify(server: &Server, access: &str, code: &str) -> Reply {
    server
        .request(Method::POST, "/api/auth/verify-mfa")
        .bearer(access)
        .json(json!({ "code": code }))
        .send()
        .await
}

async fn challenge(server: &Server, email: &str) -> String {
    let login = server.login(email, PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.data()["mfaRequired"], true, "{}", login.body);
    assert!(
        login.data().get("accessToken").is_none(),
        "no tokens before the second factor"
    );
    login.data()["mfaToken"]
        .as_str()
        .expect("mfaToken")
        .to_owned()
}

async fn second_step(server: &Server, mfa_token: &str, code: &str) -> Reply {
    server
        .post(
            "/api/auth/verify-mfa",
            json!({ "mfaToken": mfa_token, "code": code }),
        )
        .await
}

pub(crate) fn amr(access: &str) -> Value {
    let payload = access.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("b64");
    serde_json::from_slice::<Value>(&bytes).expect("json")["amr"].clone()
}

#[tokio::test]
async fn enrolment_shows_a_qr_code_any_reader_decodes_and_waits_for_a_code() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let enable = enable(&server, &access).await;
    let data = enable.data();
    let secret = data["secret"].as_str().expect("secret");
    let url = data["otpauthUrl"].as_str().expect("url");
    assert!(
        url.starts_with(&format!(
            "otpauth://totp/portcullis:ada%40example.com?secret={secret}"
        )) || url.starts_with(&format!(
            "otpauth://totp/portcullis:ada@example.com?secret={secret}"
        )),
        "{url}"
    );
    assert!(url.contains("issuer=portcullis"), "{url}");
    let qr = data["qrCode"].as_str().expect("qr");
    let png = STANDARD
        .decode(qr.strip_prefix("data:image/png;base64,").expect("data URL"))
        .expect("base64");
    assert_eq!(
        read_qr(&png),
        url,
        "the QR code holds exactly the otpauth URL"
    );

    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.data()["mfaEnabled"], false, "pending until confirmed");
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.data()["mfaRequired"],
        Value::Null
    );

    let wrong = verify(&server, &access, "000000").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error_code(), "INVALID_OTP");
    let right = verify(&server, &access, &code_at(secret, now(&server))).await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let codes = right.data()["recoveryCodes"].as_array().expect("codes");
    assert!(codes.len() >= 8, "at least 8 recovery codes");
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.data()["mfaEnabled"], true);
    assert!(
        !me.body.to_string().contains(secret),
        "the secret is never returned again"
    );
}

#[tokio::test]
async fn login_takes_two_steps_and_the_token_records_the_second_factor() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let mfa_token = challenge(&server, "ada@example.com").await;
    let done = second_step(&server, &mfa_token, &code_at(&secret, now(&server))).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let access = done.data()["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    assert!(done.data()["refreshToken"].is_string());
    assert_eq!(amr(&access), json!(["pwd", "otp"]));

    let sensitive = server
        .request(Method::GET, "/app/sensitive")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(
        sensitive.status,
        StatusCode::OK,
        "the second-factor guard admits it"
    );
    server.user("bob@example.com", "user").await;
    let (password_only, _) = server.tokens("bob@example.com").await;
    let refused = server
        .request(Method::GET, "/app/sensitive")
        .bearer(&password_only)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let again = second_step(&server, &mfa_token, &code_at(&secret, now(&server) + 30)).await;
    assert_eq!(
        again.status,
        StatusCode::UNAUTHORIZED,
        "an mfaToken is single-use"
    );
}

#[tokio::test]
async fn a_code_works_for_one_step_either_side_and_only_once() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(300);
    let t = now(&server);
    let token = challenge(&server, "ada@example.com").await;
    assert_eq!(
        second_step(&server, &token, &code_at(&secret, t - 60))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second_step(&server, &token, &code_at(&secret, t + 60))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        second_step(&server, &token, &code_at(&secret, t - 30))
            .await
            .status,
        StatusCode::OK
    );

    let token = challenge(&server, "ada@example.com").await;
    let replay = second_step(&server, &token, &code_at(&secret, t - 30)).await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a used code is refused"
    );
    assert_eq!(replay.error_code(), "INVALID_OTP");
    let earlier = second_step(&server, &token, &code_at(&secret, t)).await;
    assert_eq!(earlier.status, StatusCode::OK, "the next step's code works");
    let token = challenge(&server, "ada@example.com").await;
    let ahead = second_step(&server, &token, &code_at(&secret, t + 30)).await;
    assert_eq!(ahead.status, StatusCode::OK, "one step ahead works once");
}

#[tokio::test]
async fn one_request_can_carry_password_and_code() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let wrong = server
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD, "otp": "123456" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.error_code(), "INVALID_OTP");
    let code = code_at(&secret, now(&server));
    let right = server
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD, "otp": code }),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    assert_eq!(
        amr(right.data()["accessToken"].as_str().expect("access")),
        json!(["pwd", "otp"])
    );
}

#[tokio::test]
async fn a_challenge_allows_five_wrong_codes_and_five_minutes() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let token = challenge(&server, "ada@example.com").await;
    for attempt in 1..=5 {
        let wrong = second_step(&server, &token, "000000").await;
        assert_eq!(
            wrong.status,
            StatusCode::UNAUTHORIZED,
            "wrong code {attempt}"
        );
    }
    let late = second_step(&server, &token, &code_at(&secret, now(&server))).await;
    assert_eq!(
        late.status,
        StatusCode::UNAUTHORIZED,
        "void after five wrong codes"
    );

    let token = challenge(&server, "ada@example.com").await;
    server.advance(301);
    let expired = second_step(&server, &token, &code_at(&secret, now(&server))).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.error_code(), "TOKEN_EXPIRED");
}

#[tokio::test]
async fn wrong_codes_count_against_the_account_like_passwords() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    // Someone with the password opens challenge after challenge: the right
    // password must not wipe out the wrong codes.
    let mut attempts = 0;
    'guessing: for _ in 0..3 {
        attempts += 1;
        let login = server.login("ada@example.com", PASSWORD).await;
        if login.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        let token = login.data()["mfaToken"]
            .as_str()
            .expect("mfaToken")
            .to_owned();
        for _ in 0..4 {
            attempts += 1;
            if second_step(&server, &token, "000000").await.status == StatusCode::TOO_MANY_REQUESTS
            {
                break 'guessing;
            }
        }
    }
    assert!(attempts <= 11, "locked after {attempts} attempts");
    let code = code_at(&secret, now(&server));
    let locked = server
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD, "otp": code }),
        )
        .await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even password and right code wait"
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_turns_mfa_off() {
    let server = Server::start().await;
    let (_, _, codes) = enrolled(&server, "ada@example.com").await;
    let token = challenge(&server, "ada@example.com").await;
    let wrong = server
        .post(
            "/api/auth/recover-mfa",
            json!({ "mfaToken": token, "recoveryCode": "aaaa-bbbb-cccc-dddd" }),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let typed = codes[0].to_uppercase().replace('-', " ");
    let recovered = server
        .post(
            "/api/auth/recover-mfa",
            json!({ "mfaToken": token, "recoveryCode": typed }),
        )
        .await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
    let access = recovered.data()["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_eq!(amr(&access), json!(["pwd", "recovery"]));
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.data()["mfaEnabled"], false, "recovery turns MFA off");
    let plain = server.login("ada@example.com", PASSWORD).await;
    assert!(
        plain.data()["accessToken"].is_string(),
        "one-step login again"
    );
}

#[tokio::test]
async fn enrolling_again_voids_the_old_recovery_codes() {
    let server = Server::start().await;
    let (password_only, secret, old_codes) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let refused = enable(&server, &password_only).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "replacing MFA needs a second-factor session"
    );
    let token = challenge(&server, "ada@example.com").await;
    let signed_in = second_step(&server, &token, &code_at(&secret, now(&server))).await;
    let access = signed_in.data()["accessToken"]
        .as_str()
        .expect("access")
        .to_owned();
    server.advance(60);
    let enabled = enable(&server, &access).await;
    let new_secret = enabled.data()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new_secret, secret);
    let confirm = verify(&server, &access, &code_at(&new_secret, now(&server))).await;
    assert_eq!(confirm.status, StatusCode::OK);
    let token = challenge(&server, "ada@example.com").await;
    let old = server
        .post(
            "/api/auth/recover-mfa",
            json!({ "mfaToken": token, "recoveryCode": old_codes[1] }),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "old codes are void");
}

#[tokio::test]
async fn mfa_can_be_turned_off_with_a_code_or_password_and_reset_by_an_admin() {
    let server = Server::start().await;
    let (access, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let disable = |body: Value| {
        server
            .request(Method::POST, "/api/auth/disable-mfa")
            .bearer(&access)
            .json(body)
            .send()
    };
    assert_eq!(
        disable(json!({ "code": "000000" })).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        disable(json!({ "password": "wrong password" }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(disable(json!({})).await.status, StatusCode::BAD_REQUEST);
    let off = disable(json!({ "code": code_at(&secret, now(&server)) })).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert!(server.login("ada@example.com", PASSWORD).await.data()["accessToken"].is_string());

    let (_, _, _) = enrolled(&server, "bob@example.com").await;
    let bob = server
        .auth
        .find_user_by_email("bob@example.com")
        .await
        .expect("find")
        .expect("bob");
    server.auth.reset_mfa(&bob.id).await.expect("admin reset");
    assert!(server.login("bob@example.com", PASSWORD).await.data()["accessToken"].is_string());
}

#[tokio::test]
async fn cookie_logins_finish_with_cookies() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let login = server.cookie_login("ada@example.com", false).await;
    assert_eq!(login.data()["mfaRequired"], true);
    assert!(
        login.set_cookies().is_empty(),
        "no cookies before the second factor"
    );
    let token = login.data()["mfaToken"].as_str().expect("token");
    let done = second_step(&server, token, &code_at(&secret, now(&server))).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(
        done.set_cookie("portcullis_access").is_some(),
        "cookie mode carries through"
    );
    assert!(done.data().get("accessToken").is_none());
}

#[tokio::test]
async fn the_v1_token_login_needs_the_code_too() {
    let server = Server::start().await;
    server.user("admin@example.com", "admin").await;
    let (admin, _) = server.tokens("admin@example.com").await;
    let app = server
        .request(Method::POST, "/api/v1/app_tokens/")
        .bearer(&admin)
        .json(json!({}))
        .send()
        .await;
    let app = app.body["app_token"].as_str().expect("app").to_owned();
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let token_login = |otp: Option<String>| {
        let mut body = json!({ "username": "ada@example.com", "password": PASSWORD });
        if let Some(otp) = otp {
            body["otp"] = json!(otp);
        }
        server
            .request(Method::POST, "/api/v1/token/")
            .header("app-token", &app)
            .json(body)
            .send()
    };
    let without = token_login(None).await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    assert!(
        without.body["errors"]["otp"].is_string(),
        "{}",
        without.body
    );
    let with = token_login(Some(code_at(&secret, now(&server)))).await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.body);
}

#[tokio::test]
async fn totp_secrets_are_sealed_in_the_database() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    let (_, secret, codes) = enrolled(&server, "ada@example.com").await;
    let (store, path) = server.sql.as_ref().expect("sqlite");
    store.close().await;
    let mut bytes = Vec::new();
    for suffix in ["", "-wal"] {
        if let Ok(content) = std::fs::read(format!("{}{suffix}", path.display())) {
            bytes.extend(content);
        }
    }
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b"v1."), "a sealed value is stored");
    let raw = base32_decode(&secret);
    assert!(!contains(secret.as_bytes()), "no base32 secret");
    assert!(!contains(&raw), "no raw secret bytes");
    for code in &codes {
        assert!(!contains(code.as_bytes()), "no plaintext recovery code");
    }
}

fn base32_decode(s: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut count = 0;
    let mut out = Vec::new();
    for c in s.bytes().filter(|c| *c != b'=') {
        let value = alphabet.iter().position(|a| *a == c).expect("base32") as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[tokio::test]
async fn of_two_confirmations_at_once_one_wins() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let enable = enable(&server, &access).await;
    let secret = enable.data()["secret"].as_str().expect("secret").to_owned();
    let code = code_at(&secret, now(&server));
    let (a, b) = tokio::join!(
        verify(&server, &access, &code),
        verify(&server, &access, &code)
    );
    let ok = [&a, &b]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "one confirmation wins: {} / {}", a.body, b.body);
    let loser = if a.status == StatusCode::OK { &b } else { &a };
    assert!(
        [StatusCode::CONFLICT, StatusCode::BAD_REQUEST].contains(&loser.status),
        "the other is told the enrolment moved on: {}",
        loser.body
    );
}

#[tokio::test]
async fn enabling_mfa_ends_the_other_sessions() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, other_refresh) = server.tokens("ada@example.com").await;
    let (access, this_refresh) = server.tokens("ada@example.com").await;
    let enable = enable(&server, &access).await;
    let secret = enable.data()["secret"].as_str().expect("secret").to_owned();
    assert_eq!(
        verify(&server, &access, &code_at(&secret, now(&server)))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server.refresh(&other_refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(server.refresh(&this_refresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_second_step_checks_the_origin_only_for_cookie_logins() {
    let server = Server::start().await;
    let (_, secret, _) = enrolled(&server, "ada@example.com").await;
    server.advance(60);
    let step = |token: String, code: String| {
        let server = &server;
        async move {
            server
                .request(Method::POST, "/api/auth/verify-mfa")
                .header("origin", "https://spa.elsewhere.test")
                .json(json!({ "mfaToken": token, "code": code }))
                .send()
                .await
        }
    };
    let token = challenge(&server, "ada@example.com").await;
    let bearer = step(token, code_at(&secret, now(&server))).await;
    assert_eq!(
        bearer.status,
        StatusCode::OK,
        "a token client on another origin finishes: {}",
        bearer.body
    );

    server.advance(60);
    let login = server.cookie_login("ada@example.com", false).await;
    let token = login.data()["mfaToken"].as_str().expect("token").to_owned();
    let cookie = step(token, code_at(&secret, now(&server))).await;
    assert_eq!(
        cookie.status,
        StatusCode::FORBIDDEN,
        "a cookie login from another origin does not"
    );
}

#[tokio::test]
async fn an_empty_otp_is_no_otp() {
    let server = Server::start().await;
    enrolled(&server, "ada@example.com").await;
    let login = server
        .post(
            "/api/auth/login",
            json!({ "email": "ada@example.com", "password": PASSWORD, "otp": "" }),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.data()["mfaRequired"], true);
}
