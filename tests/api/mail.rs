//! Password reset, and the outbox every mail test reads: messages are
//! parsed by Python's `email` package, independently of lettre.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backing, Mail, PASSWORD, Reply, Server, test_config};

/// A received message: recipient, subject and plain-text body.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl Received {
    /// The link in the body.
    pub fn link(&self) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http"))
            .expect("a link")
            .to_owned()
    }

    /// The `token` parameter of the link.
    pub fn token(&self) -> String {
        let link = self.link();
        let query = link.split_once('?').expect("query").1;
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .expect("token")
            .to_owned()
    }
}

/// Every `.eml` in `dir`, parsed by Python's standard library.
fn read_messages(dir: &Path) -> Vec<Received> {
    let script = r#"
import email, email.policy, json, os, sys
out = []
for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".eml"):
        continue
    with open(os.path.join(sys.argv[1], name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    out.append({"to": str(m["To"]), "subject": str(m["Subject"]),
                "text": m.get_body(preferencelist=("plain",)).get_content()})
print(json.dumps(out))
"#;
    if !dir.exists() {
        return Vec::new();
    }
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(dir)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).expect("json");
    parsed
        .into_iter()
        .map(|m| Received {
            to: m["to"].as_str().unwrap_or_default().to_owned(),
            subject: m["subject"].as_str().unwrap_or_default().to_owned(),
            text: m["text"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Waits (boundedly) until `dir` holds at least `count` messages.
pub fn wait_for_messages(dir: &Path, count: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let messages = read_messages(dir);
        if messages.len() >= count || Instant::now() > deadline {
            return messages;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) async fn messages(server: &Server, count: usize) -> Vec<Received> {
    let dir = server.outbox.clone();
    tokio::task::spawn_blocking(move || wait_for_messages(&dir, count))
        .await
        .expect("join")
}

/// The token of the newest reset link in the outbox (other mail, such as
/// notices, may come before or after it).
pub(crate) async fn reset_token(server: &Server) -> String {
    let dir = server.outbox.clone();
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let resets: Vec<Received> = read_messages(&dir)
                .into_iter()
                .filter(|m| m.subject == "Reset your password")
                .collect();
            if let Some(last) = resets.last() {
                return last.token();
            }
            assert!(Instant::now() < deadline, "no reset mail came");
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .expect("join")
}

pub(crate) async fn request_reset(server: &Server, body: Value) -> Reply {
    server.post("/api/auth/request-reset-password", body).await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_and_ends_every_session() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let asked = request_reset(&server, json!({ "email": "ADA@example.com" })).await;
    assert_eq!(asked.status, StatusCode::OK);
    let mail = messages(&server, 1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, "ada@example.com");
    assert!(
        mail[0]
            .link()
            .starts_with("https://app.test/reset-password?token="),
        "{}",
        mail[0].link()
    );
    let token = mail[0].token();

    let weak = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "short" }),
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST, "policy applies");
    assert_eq!(weak.body["field"], "password");
    let reset = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "a brand new password" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        server
            .login("ada@example.com", "a brand new password")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED,
        "sessions revoked"
    );

    let again = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "yet another password" }),
        )
        .await;
    let unknown = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": "no-such-token", "password": "yet another password" }),
        )
        .await;
    assert_eq!(
        again.status, unknown.status,
        "spent and unknown tokens look the same"
    );
    assert_eq!(again.body, unknown.body);
    assert!(again.status.is_client_error());
}

#[tokio::test]
async fn expired_reset_links_are_refused_like_unknown_ones() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let token = messages(&server, 1).await[0].token();
    server.advance(3601);
    let late = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "a brand new password" }),
        )
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    assert_eq!(late.error_code(), "TOKEN_INVALID");
}

#[tokio::test]
async fn a_reset_link_works_until_its_last_second_and_not_at_its_end() {
    let mut config = test_config();
    config.throttles.mail_address.limit = 100;
    let server = Server::start_with(config, Backing::Memory).await;
    // Two accounts: a reset spends every other link of its own account.
    server.user("ada@example.com", "user").await;
    server.user("bob@example.com", "user").await;
    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let first = messages(&server, 1).await[0].token();
    request_reset(&server, json!({ "email": "bob@example.com" })).await;
    let mail = messages(&server, 2).await;
    let second = mail
        .iter()
        .find(|m| m.to == "bob@example.com")
        .expect("bob's link")
        .token();
    server.advance(3599);
    let reset = |token: String| {
        server.post(
            "/api/auth/reset-password",
            json!({ "token": token, "password": "a brand new password" }),
        )
    };
    assert_eq!(reset(first).await.status, StatusCode::OK);
    server.advance(1);
    let at_end = reset(second).await;
    assert_eq!(at_end.status, StatusCode::UNAUTHORIZED);
    assert_eq!(at_end.error_code(), "TOKEN_INVALID");
}

#[tokio::test]
async fn unknown_addresses_get_the_same_answer_no_mail_and_the_same_time() {
    let mut config = test_config();
    config.throttles.mail_address.limit = 100;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let unknown = request_reset(&server, json!({ "email": "nobody@example.com" })).await;
    let known = request_reset(&server, json!({ "email": "ada@example.com" })).await;
    assert_eq!((unknown.status, &unknown.body), (known.status, &known.body));
    let mail = messages(&server, 1).await;
    assert!(
        mail.iter().all(|m| m.to == "ada@example.com"),
        "mail only to the known account: {mail:?}"
    );

    // Sampled in ABBA order, each after a pause for the background work
    // of the one before (long enough on a loaded machine too): neither
    // kind always follows a known address.
    let mut times = (Vec::new(), Vec::new());
    for round in 0..12 {
        let mut order = [true, false];
        if round % 2 == 1 {
            order.reverse();
        }
        for known in order {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let email = if known {
                "ada@example.com"
            } else {
                "nobody@example.com"
            };
            let start = Instant::now();
            request_reset(&server, json!({ "email": email })).await;
            let samples = if known { &mut times.0 } else { &mut times.1 };
            samples.push(start.elapsed());
        }
    }
    times.0.sort();
    times.1.sort();
    let ratio = times.1[6].as_secs_f64() / times.0[6].as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown/known answer time ratio {ratio:.2}"
    );
}

#[tokio::test]
async fn reset_pages_must_be_on_the_allow_list() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    for bad in [
        "https://evil.test/account/reset",
        "https://other.test/elsewhere",
        "javascript:alert(1)",
        "//evil.test/account/reset",
        "https://other.test@evil.test/account/reset",
    ] {
        let refused = request_reset(
            &server,
            json!({ "email": "ada@example.com", "resetUrl": bad }),
        )
        .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(refused.body["field"], "resetUrl");
    }
    let allowed = request_reset(
        &server,
        json!({ "email": "ada@example.com", "resetUrl": "https://other.test/account/reset" }),
    )
    .await;
    assert_eq!(allowed.status, StatusCode::OK);
    let mail = messages(&server, 1).await;
    assert_eq!(mail.len(), 1, "only the allowed request mailed");
    assert!(
        mail[0]
            .link()
            .starts_with("https://other.test/account/reset?token=")
    );
}

#[test]
fn reset_pages_off_the_web_are_a_configuration_error() {
    for page in ["ws://app.test/reset", "ftp://app.test/reset", "myapp:reset"] {
        let mut config = test_config();
        config.mail.reset_url_allow_list = vec![page.into()];
        let built = portcullis::Auth::builder(config)
            .store(portcullis::store::MemoryStore::new())
            .build();
        assert!(built.is_err(), "{page}");
    }
}

#[tokio::test]
async fn the_directus_style_paths_use_the_same_service() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let refused = server
        .post(
            "/api/auth/password/request",
            json!({ "email": "ada@example.com", "reset_url": "https://evil.test/x" }),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["field"], "reset_url");
    let asked = server
        .post(
            "/api/auth/password/request",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK);
    let token = messages(&server, 1).await[0].token();
    let reset = server
        .post(
            "/api/auth/password/reset",
            json!({ "token": token, "password": "a brand new password" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(
        server
            .login("ada@example.com", "a brand new password")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mail_requests_are_throttled_per_address_and_per_ip() {
    let server = Server::start().await;
    for _ in 0..3 {
        assert_eq!(
            request_reset(&server, json!({ "email": "ada@example.com" }))
                .await
                .status,
            StatusCode::OK
        );
    }
    let address = request_reset(&server, json!({ "email": "ada@example.com" })).await;
    assert_eq!(address.status, StatusCode::TOO_MANY_REQUESTS);

    let mut config = test_config();
    config.throttles.ip.limit = 2;
    let server = Server::start_with(config, Backing::Memory).await;
    for n in 0..2 {
        let ok = request_reset(&server, json!({ "email": format!("u{n}@example.com") })).await;
        assert_eq!(ok.status, StatusCode::OK);
    }
    let ip = request_reset(&server, json!({ "email": "u9@example.com" })).await;
    assert_eq!(ip.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn without_a_mailer_mail_requests_say_unavailable() {
    let server = Server::start_full(test_config(), Backing::Memory, Mail::Nothing).await;
    let reply = request_reset(&server, json!({ "email": "ada@example.com" })).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn changing_credentials_voids_links_sent_before() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    request_reset(&server, json!({ "email": "ada@example.com" })).await;
    let reset = messages(&server, 1).await[0].token();
    let (access, _) = server.tokens("ada@example.com").await;
    let changed = server
        .patch_me(
            &access,
            json!({ "password": "a new password", "currentPassword": PASSWORD }),
        )
        .send()
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    let stale = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": reset, "password": "an attacker's choice" }),
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::UNAUTHORIZED,
        "a password change voids pending links"
    );
}

#[tokio::test]
async fn reset_links_are_built_on_the_allowed_page_not_on_what_the_client_sent() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let asked = request_reset(
        &server,
        json!({ "email": "ada@example.com", "resetUrl": "https://other.test/account/reset?token=PLANTED#x" }),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK);
    let link = messages(&server, 1).await[0].link();
    assert!(
        link.starts_with("https://other.test/account/reset?token="),
        "{link}"
    );
    assert!(!link.contains("PLANTED") && !link.contains('#'), "{link}");
}
