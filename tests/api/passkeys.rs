//! Passkeys over HTTP, with the software authenticator of
//! `authenticator.rs`: registration, usernameless sign-in, the second
//! login step, the ceremony's single use and browser binding, the sign
//! counter, and the user's list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authenticator::{self, Authenticator};
use portcullis::AuthBuilder;
use portcullis::store::MemoryStore;

use crate::common::{Backing, Mail, PASSWORD, Reply, Server, test_config};
use crate::mfa::{self, amr};

const ORIGIN: &str = "https://app.test";

/// Every seam on `store` (seams set one by one win over the server's own store).
fn sharing(store: &MemoryStore) -> impl FnOnce(AuthBuilder) -> AuthBuilder {
    let store = store.clone();
    move |builder| {
        builder
            .users(store.clone())
            .directory(store.clone())
            .sessions(store.clone())
            .one_time_tokens(store.clone())
            .api_tokens(store.clone())
            .second_factors(store.clone())
            .identities(store.clone())
            .passkeys(store)
    }
}

/// Starts a ceremony: its options, and the cookie that binds it.
async fn start(server: &Server, path: &str, access: Option<&str>, body: Value) -> (Value, String) {
    let mut call = server.request(Method::POST, path).json(body);
    if let Some(access) = access {
        call = call.bearer(access);
    }
    let reply = call.send().await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.cookie_header();
    assert!(cookie.starts_with("portcullis_passkey="), "{cookie}");
    (reply.data()["options"].clone(), cookie)
}

async fn finish(
    server: &Server,
    path: &str,
    access: Option<&str>,
    cookie: &str,
    body: Value,
) -> Reply {
    let mut call = server.request(Method::POST, path).json(body);
    if let Some(access) = access {
        call = call.bearer(access);
    }
    if !cookie.is_empty() {
        call = call.header("cookie", cookie);
    }
    call.send().await
}

/// Registers a passkey for the signed-in user.
async fn register(server: &Server, access: &str, device: &mut Authenticator, name: &str) -> Reply {
    let start_path = "/api/auth/passkeys/register/start";
    let (options, cookie) = start(
        server,
        start_path,
        Some(access),
        json!({ "currentPassword": PASSWORD }),
    )
    .await;
    let credential = device.create(&options);
    finish(
        server,
        "/api/auth/passkeys/register/finish",
        Some(access),
        &cookie,
        json!({ "credential": credential, "name": name }),
    )
    .await
}

/// Registers a passkey, which must be created; its id.
async fn registered_id(
    server: &Server,
    access: &str,
    device: &mut Authenticator,
    name: &str,
) -> String {
    let registered = register(server, access, device, name).await;
    assert_eq!(
        registered.status,
        StatusCode::CREATED,
        "{}",
        registered.body
    );
    registered.data()["id"].as_str().expect("id").to_owned()
}

/// A usernameless sign-in with the device's passkey.
async fn sign_in(server: &Server, device: &mut Authenticator) -> Reply {
    let (options, cookie) = start(server, "/api/auth/passkeys/login/start", None, json!({})).await;
    let credential = device.get(&options);
    finish(
        server,
        "/api/auth/passkeys/login/finish",
        None,
        &cookie,
        json!({ "credential": credential }),
    )
    .await
}

async fn my_passkeys(server: &Server, access: &str) -> Vec<Value> {
    let list = server
        .request(Method::GET, "/api/auth/passkeys")
        .bearer(access)
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    list.data().as_array().expect("a list").clone()
}

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

#[tokio::test]
async fn my_passkeys_are_renamed_and_removed_by_me_only() {
    let server = Server::start().await;
    server.user("uma@example.com", "user").await;
    server.user("vic@example.com", "user").await;
    let (mine, _) = server.tokens("uma@example.com").await;
    let (theirs, _) = server.tokens("vic@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    let id = registered_id(&server, &mine, &mut device, "Old").await;
    let path = format!("/api/auth/passkeys/{id}");
    for (method, body) in [
        (Method::PATCH, json!({ "name": "Stolen" })),
        (Method::DELETE, json!({})),
    ] {
        let refused = server
            .request(method, &path)
            .bearer(&theirs)
            .json(body)
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    }
    let renamed = server
        .request(Method::PATCH, &path)
        .bearer(&mine)
        .json(json!({ "name": "  Phone  " }))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.body);
    assert_eq!(my_passkeys(&server, &mine).await[0]["name"], "Phone");
    let rename = |name: String| {
        server
            .request(Method::PATCH, &path)
            .bearer(&mine)
            .json(json!({ "name": name }))
            .send()
    };
    assert_eq!(
        rename("é".repeat(100)).await.status,
        StatusCode::NO_CONTENT,
        "100 characters"
    );
    for refused in ["é".repeat(101), "bell\u{7}".to_owned()] {
        let reply = rename(refused).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert_eq!(reply.body["field"], "name");
    }
    let removed = server
        .request(Method::DELETE, &path)
        .bearer(&mine)
        .send()
        .await;
    assert_eq!(
        removed.status,
        StatusCode::NO_CONTENT,
        "the password remains"
    );
    assert!(my_passkeys(&server, &mine).await.is_empty());
    assert_eq!(
        sign_in(&server, &mut device).await.status,
        StatusCode::UNAUTHORIZED,
        "a removed passkey signs in no more"
    );
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_removed() {
    // An account made by a sign-in link, so without a password; then a
    // server on the same store with links off, so that the passkey is the
    // account's one way in.
    let store = MemoryStore::new();
    let mut config = test_config();
    config.magic_links.enabled = true;
    config.magic_links.create_accounts = true;
    let by_link =
        Server::start_custom(config, Backing::Memory, Mail::Outbox, sharing(&store)).await;
    let access = crate::magic_links::signed_in_by_link(&by_link, "wes@example.com").await;
    let server = Server::start_custom(
        test_config(),
        Backing::Memory,
        Mail::Outbox,
        sharing(&store),
    )
    .await;
    let mut device = Authenticator::new(ORIGIN);
    let (options, cookie) = start(
        &server,
        "/api/auth/passkeys/register/start",
        Some(&access),
        json!({}),
    )
    .await;
    let credential = device.create(&options);
    let first = finish(
        &server,
        "/api/auth/passkeys/register/finish",
        Some(&access),
        &cookie,
        json!({ "credential": credential }),
    )
    .await;
    assert_eq!(
        first.status,
        StatusCode::CREATED,
        "a recent login suffices without a password"
    );
    assert_eq!(first.data()["name"], "Passkey");
    let id = first.data()["id"].as_str().expect("id");
    let refused = server
        .request(Method::DELETE, &format!("/api/auth/passkeys/{id}"))
        .bearer(&access)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(
        my_passkeys(&server, &access).await.len(),
        1,
        "nothing removed"
    );

    let remove = |on: &Server, id: String| {
        on.request(Method::DELETE, &format!("/api/auth/passkeys/{id}"))
            .bearer(&access)
            .send()
    };
    // Another passkey is another way in …
    let mut phone = Authenticator::new(ORIGIN);
    let second = registered_id(&server, &access, &mut phone, "Phone").await;
    assert_eq!(
        remove(&server, id.to_owned()).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        remove(&server, second.clone()).await.status,
        StatusCode::CONFLICT
    );
    // … so are sign-in links to the verified address, where they are on …
    assert_eq!(
        remove(&by_link, second).await.status,
        StatusCode::NO_CONTENT
    );
    // … and a linked provider.
    let third = registered_id(&server, &access, &mut phone, "Phone").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    let user_id = me.data()["id"].as_str().expect("id");
    portcullis::store::IdentityStore::link_identity(&store, user_id, "google", "wes")
        .await
        .expect("link");
    assert_eq!(remove(&server, third).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn passkeys_are_off_where_the_public_url_names_no_domain() {
    let mut config = test_config();
    config.mail.public_url = "http://127.0.0.1:3000".into();
    let server = Server::start_with(config, Backing::Memory).await;
    let refused = server
        .post("/api/auth/passkeys/login/start", json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.details().contains("passkeys are off"),
        "{}",
        refused.body
    );
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
