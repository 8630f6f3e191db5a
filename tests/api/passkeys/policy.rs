//! When passkeys are on, what a sign-in costs, and who may add one.

use portcullis::Auth;
use portcullis::store::MemoryStore;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::authenticator::Authenticator;
use crate::common::{Backing, PASSWORD, Server, test_config};

use super::{ORIGIN, register, sign_in};

#[tokio::test]
async fn passkeys_are_off_where_the_public_url_names_no_domain() {
    // An IPv4 address is known for one before WebAuthn is asked; an IPv6
    // one (`[::1]`) is refused by WebAuthn itself, with the same outcome.
    for public_url in ["http://127.0.0.1:3000", "http://[::1]:3000"] {
        let mut config = test_config();
        config.mail.public_url = public_url.into();
        let server = Server::start_with(config, Backing::Memory).await;
        let refused = server
            .post("/api/auth/passkeys/login/start", json!({}))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(
            refused.details().contains("passkeys are off"),
            "{public_url}: {}",
            refused.body
        );
    }
}

#[tokio::test]
async fn sign_ins_that_finish_give_back_their_charge_and_unfinished_starts_run_out() {
    let server = Server::start().await;
    // 4 × 28 sign-ins: past the IP's 100 attempts, within each account's
    // 30 sign-ins and the IP's 300.
    for n in 0..4 {
        let email = format!("xia{n}@example.com");
        server.user(&email, "user").await;
        let (access, _) = server.tokens(&email).await;
        let mut device = Authenticator::new(ORIGIN);
        register(&server, &access, &mut device, "Key").await;
        for _ in 0..28 {
            let signed_in = sign_in(&server, &mut device).await;
            assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
        }
    }
    let mut last = StatusCode::OK;
    for _ in 0..101 {
        last = server
            .post("/api/auth/passkeys/login/start", json!({}))
            .await
            .status;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "starts are charged to the IP"
    );
}

#[tokio::test]
async fn with_verification_on_an_unverified_address_adds_no_passkey() {
    let mut config = test_config();
    config.mail.email_verification = portcullis::EmailVerification::Optional;
    let server = Server::start_with(config, Backing::Memory).await;
    server.self_registered("yan@example.com").await;
    let (access, _) = server.tokens("yan@example.com").await;
    let refused = server
        .request(Method::POST, "/api/auth/passkeys/register/start")
        .bearer(&access)
        .json(json!({ "currentPassword": PASSWORD }))
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.details().contains("verify your address"),
        "{}",
        refused.body
    );
    server.user("zoe@example.com", "user").await;
    let (verified, _) = server.tokens("zoe@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    let added = register(&server, &verified, &mut device, "Key").await;
    assert_eq!(
        added.status,
        StatusCode::CREATED,
        "a verified address may: {}",
        added.body
    );
}

#[test]
fn a_relying_party_asked_for_that_webauthn_refuses_stops_the_build() {
    // On an IP address, as above, but with passkeys asked for: by a
    // relying party the public URL is not under, or by origins alone
    // (the relying party is then the IP address).
    let asked = |rp_id: Option<&str>, origins: &[&str]| {
        let mut config = test_config();
        config.mail.public_url = "http://127.0.0.1:3000".into();
        config.passkeys.rp_id = rp_id.map(str::to_owned);
        config.passkeys.origins = origins.iter().map(|o| (*o).to_owned()).collect();
        Auth::builder(config).store(MemoryStore::new()).build()
    };
    for (rp_id, origins) in [(Some("app.test"), &[][..]), (None, &[ORIGIN][..])] {
        let refused = asked(rp_id, origins).err().expect("refused");
        assert!(refused.to_string().contains(": passkeys: "), "{refused}");
    }
    assert!(
        asked(Some("app.test"), &[ORIGIN]).is_ok(),
        "both set and agreeing: passkeys on"
    );
}
