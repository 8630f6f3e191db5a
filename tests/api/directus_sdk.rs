//! The Directus dialect, proven with the real `@directus/sdk` in Node
//! (`tests/directus/sdk.test.mjs`, installed by `scripts/test`).

use std::process::Command;
use std::time::Duration;

use portcullis::Clock;
use portcullis::oauth::{OidcProvider, ProviderConfig};

use crate::common::{Backing, Mail, PASSWORD, Server, test_config};

#[tokio::test]
async fn the_directus_sdk_works_unchanged() {
    let mut config = test_config();
    config.sessions.access_token_ttl = Duration::from_secs(2);
    config.throttles.account.limit = 100;
    // A provider to list: discovery is lazy, so it is never contacted here
    // (`tests/api/oauth/` drives real logins).
    let mut keycloak = ProviderConfig::new(
        "keycloak",
        "portcullis",
        "secret",
        "http://127.0.0.1:9/directus/auth/login/keycloak/callback",
    );
    keycloak.label = "Keycloak".into();
    keycloak.icon = Some("key".into());
    let keycloak = OidcProvider::new(keycloak, "http://127.0.0.1:9/realms/main").expect("oidc");
    let server = Server::start_custom(config, Backing::Memory, Mail::Outbox, |b| {
        b.oauth_provider(keycloak)
    })
    .await;
    let prefix = format!(".{}", &portcullis::store::new_id()[..8]);
    for name in ["json", "cookie", "session", "profile", "reset", "tfa"] {
        server
            .user(&format!("{name}{prefix}@example.com"), "user")
            .await;
    }
    let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/directus");
    let (url, outbox) = (format!("{}/directus", server.base), server.outbox.clone());
    // The server's clock stands still; TOTP codes are made for its time.
    let server_time = server.clock.now().unix_timestamp().to_string();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "sdk.test.mjs"])
            .current_dir(suite)
            .env("PORTCULLIS_DIRECTUS_URL", url)
            .env("PORTCULLIS_OUTBOX", outbox)
            .env("PORTCULLIS_EMAIL_PREFIX", prefix)
            .env("PORTCULLIS_PASSWORD", PASSWORD)
            .env("PORTCULLIS_SERVER_TIME", server_time)
            .output()
            .expect("node runs (scripts/test installs the SDK)")
    })
    .await
    .expect("join");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the Directus SDK suite failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        report.contains("pass 8"),
        "all eight SDK tests ran:\n{report}"
    );
}
