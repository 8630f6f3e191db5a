//! Token forgery, CSRF, secrets at rest, timing, store outages.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Backing, PASSWORD, Server, test_config};

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn parts(token: &str) -> (Value, Value, String) {
    let mut it = token.split('.');
    let decode = |s: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).expect("b64")).expect("json")
    };
    let header = decode(it.next().expect("header"));
    let claims = decode(it.next().expect("claims"));
    (header, claims, it.next().expect("signature").to_owned())
}

fn sign(header: &Value, claims: &Value, secret: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    let mut h = jsonwebtoken::Header::new(alg);
    h.typ = header["typ"].as_str().map(str::to_owned);
    jsonwebtoken::encode(&h, claims, &jsonwebtoken::EncodingKey::from_secret(secret)).expect("sign")
}

async fn status_with(server: &Server, token: &str) -> (StatusCode, String) {
    let reply = server
        .request(Method::GET, "/api/me")
        .bearer(token)
        .send()
        .await;
    let code = reply.body["code"].as_str().unwrap_or_default().to_owned();
    (reply.status, code)
}

#[tokio::test]
async fn forged_altered_and_expired_access_tokens_are_refused() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    server.user("eve@example.com", "user").await;
    let (access, _) = server.tokens("eve@example.com").await;
    assert_eq!(status_with(&server, &access).await.0, StatusCode::OK);
    let (header, claims, signature) = parts(&access);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["typ"], "at+jwt");
    for claim in ["sub", "sid", "iat", "exp", "iss", "aud", "role", "amr"] {
        assert!(claims.get(claim).is_some(), "claim {claim} present");
    }

    let unsigned = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "at+jwt" })),
        b64(&claims)
    );
    let mut admin = claims.clone();
    admin["role"] = json!("admin");
    let altered = format!("{}.{}.{}", b64(&header), b64(&admin), signature);
    let wrong_key = sign(
        &header,
        &claims,
        b"another secret that is long enough!!",
        jsonwebtoken::Algorithm::HS256,
    );
    let secret = b"test secret that is long enough for HS256";
    let other_alg = sign(&header, &claims, secret, jsonwebtoken::Algorithm::HS512);
    let untyped = sign(&json!({}), &claims, secret, jsonwebtoken::Algorithm::HS256);
    let mut foreign = claims.clone();
    foreign["aud"] = json!("someone-else");
    let wrong_audience = sign(&header, &foreign, secret, jsonwebtoken::Algorithm::HS256);
    let mut stringy = claims.clone();
    stringy["exp"] = json!(stringy["exp"].to_string());
    let string_exp = sign(&header, &stringy, secret, jsonwebtoken::Algorithm::HS256);
    for (what, token) in [
        ("alg none", unsigned),
        ("changed payload", altered),
        ("wrong key", wrong_key),
        ("HS512 with the right secret", other_alg),
        ("no typ", untyped),
        ("wrong audience", wrong_audience),
        ("string exp", string_exp),
    ] {
        assert_eq!(
            status_with(&server, &token).await,
            (StatusCode::UNAUTHORIZED, "TOKEN_INVALID".into()),
            "{what}"
        );
    }

    server.advance(901);
    assert_eq!(
        status_with(&server, &access).await,
        (StatusCode::UNAUTHORIZED, "TOKEN_EXPIRED".into()),
        "expired by the service clock"
    );
}

#[tokio::test]
async fn cookie_requests_from_a_foreign_origin_are_refused_bearer_ones_are_not() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let login = server.cookie_login("ada@example.com", false).await;
    let cookies = login.cookie_header();
    let own = format!("http://{}", server.host());
    let patch = |origin: &str| {
        server
            .request(Method::PATCH, "/api/me")
            .header("cookie", &cookies)
            .header("origin", origin)
            .json(json!({ "name": "x" }))
            .send()
    };
    let foreign = patch("https://evil.example").await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(foreign.error_code(), "FORBIDDEN");
    assert_eq!(patch(&own).await.status, StatusCode::OK);
    let refresh = server
        .request(Method::POST, "/api/auth/refresh-token")
        .header("cookie", &cookies)
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(
        refresh.status,
        StatusCode::FORBIDDEN,
        "the refresh cookie is guarded too"
    );
    let cross_site = server
        .request(Method::PATCH, "/api/me")
        .header("cookie", &cookies)
        .header("sec-fetch-site", "cross-site")
        .json(json!({ "name": "x" }))
        .send()
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    let read = server
        .request(Method::GET, "/api/me")
        .header("cookie", &cookies)
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert_eq!(
        read.status,
        StatusCode::OK,
        "safe methods are not CSRF targets"
    );

    let (access, _) = server.tokens("ada@example.com").await;
    let bearer = server
        .request(Method::PATCH, "/api/me")
        .bearer(&access)
        .header("origin", "https://evil.example")
        .json(json!({ "name": "y" }))
        .send()
        .await;
    assert_eq!(
        bearer.status,
        StatusCode::OK,
        "bearer requests are not affected"
    );
}

#[tokio::test]
async fn the_database_holds_no_plaintext_password_or_refresh_token() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let rotated = server.refresh(&refresh).await;
    let next = rotated.data()["refreshToken"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let (store, path) = server.sql.as_ref().expect("sqlite");
    store.close().await;
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(content) = std::fs::read(format!("{}{suffix}", path.display())) {
            bytes.extend(content);
        }
    }
    assert!(!bytes.is_empty(), "the database file was read");
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains("ada@example.com"),
        "sanity: the scan sees stored data"
    );
    assert!(
        contains("$argon2id$"),
        "passwords are stored as argon2id hashes"
    );
    for secret in [PASSWORD, refresh.as_str(), next.as_str()] {
        assert!(!contains(secret), "{secret} found in the database");
    }
}

#[tokio::test]
async fn production_argon2_parameters_are_the_default() {
    let mut config = test_config();
    config.accounts.password = portcullis::PasswordPolicy::default();
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let user = server
        .auth
        .find_user_by_email("ada@example.com")
        .await
        .expect("find")
        .expect("user");
    let hash = user.password_hash.expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
}

/// Median of a few timed logins.
/// Median times of failed logins for two emails, sampled in alternation so
/// that both see the same load from the rest of the test suite.
async fn median_logins(server: &Server, first: &str, second: &str) -> (Duration, Duration) {
    let mut times = (Vec::new(), Vec::new());
    for _ in 0..9 {
        for (email, samples) in [(first, &mut times.0), (second, &mut times.1)] {
            let start = Instant::now();
            let reply = server.login(email, "wrong password").await;
            samples.push(start.elapsed());
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
    }
    times.0.sort();
    times.1.sort();
    (times.0[4], times.1[4])
}

#[tokio::test]
async fn unknown_email_and_wrong_password_look_and_time_the_same() {
    let mut config = test_config();
    config.accounts.password = portcullis::PasswordPolicy::default();
    config.throttles.account.limit = 100;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let unknown = server.login("nobody@example.com", PASSWORD).await;
    let wrong = server.login("ada@example.com", "wrong password").await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(
        unknown.body, wrong.body,
        "same status, message, details and code"
    );
    assert_eq!(wrong.error_code(), "INVALID_CREDENTIALS");

    let (known, absent) = median_logins(&server, "ada@example.com", "nobody@example.com").await;
    let ratio = absent.as_secs_f64() / known.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown/known login time ratio {ratio:.2} ({absent:?} vs {known:?})"
    );
}

#[tokio::test]
async fn logins_past_the_hashing_queue_are_refused_at_once_with_a_retry_after() {
    let mut config = test_config();
    config.accounts.password = portcullis::PasswordPolicy::default();
    config.accounts.password.max_concurrent_hashes = 1;
    config.accounts.password.max_queued_hashes = 1;
    config.throttles.account.limit = 6;
    config.throttles.ip.limit = 1000;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let replies = futures_util::future::join_all(
        (0..12).map(|_| server.login("ada@example.com", "wrong password")),
    )
    .await;
    let refused: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert!(
        !refused.is_empty(),
        "one hashing at a time and one waiting: the others are refused"
    );
    for reply in refused {
        assert_eq!(reply.error_code(), "OVERLOADED");
        assert_eq!(reply.headers["retry-after"], "1");
    }
    assert!(
        replies.iter().any(|r| r.status == StatusCode::UNAUTHORIZED),
        "the ones that got a hasher were answered"
    );
    let failures = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    assert!(failures < 6, "{failures} hashed: the test needs fewer");
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK,
        "a refused attempt was not an attempt: the account's budget of 6 is not used up"
    );
}

#[tokio::test]
async fn a_login_flood_does_not_stall_other_requests() {
    let mut config = test_config();
    config.accounts.password = portcullis::PasswordPolicy::default();
    config.throttles.account.limit = 1000;
    config.throttles.ip.limit = 1000;
    let server = Server::start_with(config, Backing::Memory).await;
    server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;

    let flood_start = Instant::now();
    let flood = futures_util::future::join_all(
        (0..24).map(|_| server.login("ada@example.com", "wrong password")),
    );
    let probes = async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let mut slowest = Duration::ZERO;
        for _ in 0..5 {
            let start = Instant::now();
            let reply = server
                .request(Method::GET, "/api/auth/validate-session")
                .bearer(&access)
                .send()
                .await;
            assert_eq!(reply.status, StatusCode::OK);
            slowest = slowest.max(start.elapsed());
        }
        slowest
    };
    let (replies, slowest_probe) = tokio::join!(flood, probes);
    let flood_time = flood_start.elapsed();
    // Past the hashing queue a login is refused at once (503), never queued.
    assert!(replies.iter().any(|r| r.status == StatusCode::UNAUTHORIZED));
    assert!(
        replies
            .iter()
            .all(|r| r.status == StatusCode::UNAUTHORIZED || r.error_code() == "OVERLOADED")
    );
    assert!(
        slowest_probe * 4 < flood_time,
        "a probe took {slowest_probe:?} while the flood took {flood_time:?}"
    );
}

#[tokio::test]
async fn a_store_outage_answers_503_and_fails_closed() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    server.user("ada@example.com", "user").await;
    let (access, refresh) = server.tokens("ada@example.com").await;
    server.sql.as_ref().expect("sqlite").0.close().await;

    let login = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(login.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(login.error_code(), "UNAVAILABLE");
    assert!(
        !login.details().to_lowercase().contains("pool"),
        "no internals leak: {}",
        login.details()
    );
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::SERVICE_UNAVAILABLE);
    let refreshed = server.refresh(&refresh).await;
    assert_eq!(refreshed.status, StatusCode::SERVICE_UNAVAILABLE);
    let register = server
        .post(
            "/api/auth/register",
            json!({ "email": "b@example.com", "password": "long enough" }),
        )
        .await;
    assert_eq!(register.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn cookie_login_from_a_foreign_origin_is_refused() {
    let server = Server::start().await;
    server.user("ada@example.com", "user").await;
    let login = |origin: String| {
        server
            .request(Method::POST, "/api/login")
            .header("origin", &origin)
            .raw(
                "text/plain",
                json!({ "email": "ada@example.com", "password": PASSWORD }).to_string(),
            )
            .send()
    };
    let forged = login("https://evil.example".into()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "login CSRF");
    assert!(forged.set_cookies().is_empty(), "no session planted");
    let own = login(format!("http://{}", server.host())).await;
    assert_eq!(own.status, StatusCode::OK);
}

#[tokio::test]
async fn a_store_outage_does_not_clear_the_session_cookies() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    server.user("ada@example.com", "user").await;
    let login = server.cookie_login("ada@example.com", false).await;
    server.sql.as_ref().expect("sqlite").0.close().await;
    let refresh = server
        .request(Method::POST, "/api/auth/refresh-token")
        .header("cookie", &login.cookie_header())
        .header("origin", &format!("http://{}", server.host()))
        .send()
        .await;
    assert_eq!(refresh.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refresh.set_cookies().is_empty(),
        "the session may be fine: keep it"
    );
}
