//! Passkeys over HTTP, with the software authenticator of
//! `authenticator.rs`: registration, usernameless sign-in, the second
//! login step, the ceremony's single use and browser binding, the sign
//! counter, and the user's list.
//!
//! This file holds the ceremonies' helpers; each other file, one part.

use portcullis::AuthBuilder;
use portcullis::store::MemoryStore;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::authenticator::Authenticator;
use crate::common::{PASSWORD, Reply, Server};

mod ceremonies;
mod own_list;
mod policy;

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
