//! The quickstart as a user runs it: the real binary, configured by the
//! `PORTCULLIS_*` environment only, spoken to over HTTP.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod quickstart_process;

use quickstart_process::Quickstart;
use serde_json::{Value, json};

const PASSWORD: &str = "quickstart admin password";

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
async fn restarts_keep_the_key_and_so_the_sessions() {
    let dir = quickstart_process::scratch_dir();
    let envs = [("PORTCULLIS_ADMIN_PASSWORD", PASSWORD)];
    let first = Quickstart::start(&dir, &envs).await;
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{}/api/auth/login", first.base))
        .json(&json!({ "email": "admin@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = login["data"]["accessToken"]
        .as_str()
        .expect("a token")
        .to_owned();
    drop(first);

    let second = Quickstart::start(&dir, &envs).await;
    let me = http
        .get(format!("{}/api/me", second.base))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the token of the first run still works");
    assert!(
        dir.join(".portcullis-secret").exists(),
        "the key is kept beside the database"
    );
}
