//! The quickstart as a user runs it: the real binary, configured by the
//! `PORTCULLIS_*` environment only, spoken to over HTTP; and a downstream
//! service that accepts its tokens with its published keys.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod quickstart_process;

use std::path::Path;
use std::time::{Duration, Instant};

use quickstart_process::Quickstart;
use reqwest::StatusCode;
use serde_json::{Value, json};

const PASSWORD: &str = "quickstart admin password";

fn key_file(name: &str) -> String {
    format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Logs the admin in and returns the access token.
async fn admin_token(base: &str) -> String {
    let login: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "email": "admin@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["data"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("a token: {login}"))
        .to_owned()
}

fn header(token: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(token).unwrap()
}

async fn jwks(base: &str) -> (Value, Option<String>) {
    let reply = reqwest::get(format!("{base}/.well-known/jwks.json"))
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let cache = reply
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_owned());
    (reply.json().await.unwrap(), cache)
}

#[tokio::test]
async fn the_openapi_document_is_served_under_the_api() {
    let dir = quickstart_process::scratch_dir();
    let quickstart = Quickstart::start(&dir, &[("PORTCULLIS_ADMIN_PASSWORD", PASSWORD)]).await;
    let reply = reqwest::get(format!("{}/api/openapi.json", quickstart.base))
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let document: Value = reply.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "/api");
    assert!(document["paths"]["/admin/users/{id}"]["patch"].is_object());
}

#[tokio::test]
async fn a_misspelt_variable_stops_the_start_up_naming_it() {
    let dir = quickstart_process::scratch_dir();
    let output = Quickstart::command(&dir)
        .env("PORTCULLIS_PUBLIC_URI", "http://127.0.0.1:9")
        .output()
        .expect("run the quickstart");
    assert!(!output.status.success(), "it must not start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PORTCULLIS_PUBLIC_URI"),
        "the error names the variable: {stderr}"
    );
}

#[tokio::test]
async fn the_default_key_is_an_ed25519_key_kept_beside_the_database_and_published() {
    let dir = quickstart_process::scratch_dir();
    // Restarts keep the address, and so the public URL tokens name as issuer.
    let addr = format!("127.0.0.1:{}", quickstart_process::free_port());
    let envs = [
        ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
        ("PORTCULLIS_ADDR", addr.as_str()),
    ];
    let first = Quickstart::start(&dir, &envs).await;
    let access = admin_token(&first.base).await;
    let head = header(&access);
    assert_eq!(head.alg, jsonwebtoken::Algorithm::EdDSA);
    let (keys, cache) = jwks(&first.base).await;
    assert_eq!(keys["keys"].as_array().map(Vec::len), Some(1), "{keys}");
    assert_eq!(keys["keys"][0]["kid"].as_str(), head.kid.as_deref());
    assert_eq!(keys["keys"][0]["crv"], "Ed25519");
    assert!(keys["keys"][0].get("d").is_none(), "no private half");
    assert!(
        cache.is_some_and(|c| c.contains("max-age")),
        "cacheable for a while"
    );
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(&access)
        .unwrap()
        .claims;
    assert_eq!(claims["iss"], first.base, "iss is the public URL");
    drop(first);

    let second = Quickstart::start(&dir, &envs).await;
    let me = reqwest::Client::new()
        .get(format!("{}/api/me", second.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the token of the first run still works"
    );
    for kept in [".portcullis-signing-key.pem", ".portcullis-sealing-key"] {
        let path = dir.join(kept);
        assert!(path.exists(), "{kept} is kept beside the database");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{kept} is readable by its owner only");
        }
    }
}

#[tokio::test]
async fn a_jwt_secret_keeps_hs256_and_a_signing_key_file_names_the_key() {
    let dir = quickstart_process::scratch_dir();
    let hs256 = Quickstart::start(
        &dir,
        &[
            ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
            (
                "PORTCULLIS_JWT_SECRET",
                "a shared secret of at least 32 bytes",
            ),
        ],
    )
    .await;
    assert_eq!(
        header(&admin_token(&hs256.base).await).alg,
        jsonwebtoken::Algorithm::HS256
    );
    assert_eq!(
        jwks(&hs256.base).await.0,
        json!({ "keys": [] }),
        "no secret is published"
    );
    drop(hs256);

    let p256 = Quickstart::start(
        &dir,
        &[
            ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
            ("PORTCULLIS_SIGNING_KEY", &key_file("p256.pem")),
        ],
    )
    .await;
    assert_eq!(
        header(&admin_token(&p256.base).await).alg,
        jsonwebtoken::Algorithm::ES256
    );
    let weak = Quickstart::command(&dir)
        .env("PORTCULLIS_JWT_SECRET", "too short")
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("weak"),
        "a weak secret is refused at start-up"
    );
}

/// Polls `url` with the token until it answers `expected` (or 15 s pass).
async fn eventually(url: &str, token: &str, expected: StatusCode) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let reply = reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = reply.status();
        let body = reply.text().await.unwrap();
        if status == expected {
            return body;
        }
        assert!(Instant::now() < deadline, "{url}: still {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_downstream_service_accepts_the_tokens_and_follows_a_key_rotation() {
    let dir = quickstart_process::scratch_dir();
    let base_envs = [("PORTCULLIS_ADMIN_PASSWORD", PASSWORD)];
    let old_key = key_file("ed25519.pem");
    let issuer = Quickstart::start(
        &dir,
        &[base_envs[0], ("PORTCULLIS_SIGNING_KEY", old_key.as_str())],
    )
    .await;
    let jwks_url = format!("{}/.well-known/jwks.json", issuer.base);
    let downstream = Quickstart::start_example(
        "downstream",
        Path::new(&dir),
        &[
            ("PORTCULLIS_JWKS_URL", jwks_url.as_str()),
            ("PORTCULLIS_JWKS_REFETCH_SECONDS", "1"),
        ],
    )
    .await;
    let whoami = format!("{}/whoami", downstream.base);
    let old_token = admin_token(&issuer.base).await;
    let me: Value = reqwest::Client::new()
        .get(format!("{}/api/me", issuer.base))
        .bearer_auth(&old_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let user_id = me["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        eventually(&whoami, &old_token, StatusCode::OK).await,
        user_id
    );
    assert_eq!(
        eventually(
            &format!("{}/admin", downstream.base),
            &old_token,
            StatusCode::OK
        )
        .await,
        "for admins",
        "the role guard works downstream"
    );
    let anonymous = reqwest::get(&whoami).await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let mut forged = old_token.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    eventually(&whoami, &forged, StatusCode::UNAUTHORIZED).await;

    // The issuer rotates: a new active key, the old one verify-only.
    drop(issuer);
    let rotated = Quickstart::start(
        &dir,
        &[
            base_envs[0],
            (
                "PORTCULLIS_SIGNING_KEY",
                key_file("ed25519-next.pem").as_str(),
            ),
            ("PORTCULLIS_VERIFY_KEYS", old_key.as_str()),
            ("PORTCULLIS_ADDR", issuer_addr(&jwks_url)),
        ],
    )
    .await;
    let new_token = admin_token(&rotated.base).await;
    assert_ne!(header(&new_token).kid, header(&old_token).kid, "a new kid");
    assert_eq!(
        eventually(&whoami, &new_token, StatusCode::OK).await,
        user_id,
        "downstream fetches the new key set for the new kid"
    );
    assert_eq!(
        eventually(&whoami, &old_token, StatusCode::OK).await,
        user_id,
        "tokens of the old key live out their lifetime"
    );
}

/// The `host:port` of a URL on loopback.
fn issuer_addr(url: &str) -> &str {
    let rest = url.trim_start_matches("http://");
    &rest[..rest.find('/').unwrap_or(rest.len())]
}

#[tokio::test]
async fn metrics_are_served_when_asked_for() {
    let dir = quickstart_process::scratch_dir();
    let on = Quickstart::start(
        &dir,
        &[
            ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
            ("PORTCULLIS_METRICS", "true"),
        ],
    )
    .await;
    admin_token(&on.base).await;
    let text = reqwest::get(format!("{}/metrics", on.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"portcullis_logins_total{outcome="success",factor="all"} 1"#),
        "{text}"
    );
    let off = Quickstart::start(
        &quickstart_process::scratch_dir(),
        &[("PORTCULLIS_ADMIN_PASSWORD", PASSWORD)],
    )
    .await;
    let missing = reqwest::get(format!("{}/metrics", off.base)).await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "off unless asked");
}

#[tokio::test]
async fn a_passkey_made_by_python_fido2_registers_and_signs_in() {
    let dir = quickstart_process::scratch_dir();
    let port = quickstart_process::free_port();
    let public_url = format!("http://localhost:{port}");
    let addr = format!("127.0.0.1:{port}");
    let server = Quickstart::start(
        &dir,
        &[
            ("PORTCULLIS_ADDR", &addr),
            ("PORTCULLIS_PUBLIC_URL", &public_url),
            ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
        ],
    )
    .await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/passkeys/fido2_client.py"
    );
    let output = tokio::process::Command::new("python3")
        .args([
            script,
            &server.base,
            &public_url,
            "admin@example.com",
            PASSWORD,
        ])
        .output()
        .await
        .expect("python3 runs (scripts/test installs fido2)");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
