//! The Directus dialect, proven with the real `@directus/sdk` in Node
//! (`tests/directus/sdk.test.mjs`, installed by `scripts/test`).

use std::process::Command;
use std::time::Duration;

use crate::common::{Backing, PASSWORD, Server, test_config};

#[tokio::test]
async fn the_directus_sdk_works_unchanged() {
    let mut config = test_config();
    config.access_token_ttl = Duration::from_secs(2);
    config.account_throttle.limit = 100;
    let server = Server::start_with(config, Backing::Memory).await;
    let prefix = format!(".{}", &portcullis::token::new_id()[..8]);
    for name in ["json", "cookie", "session", "profile", "reset", "tfa"] {
        server
            .user(&format!("{name}{prefix}@example.com"), "user")
            .await;
    }
    let suite = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/directus");
    let (url, outbox) = (format!("{}/directus", server.base), server.outbox.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "sdk.test.mjs"])
            .current_dir(suite)
            .env("PORTCULLIS_DIRECTUS_URL", url)
            .env("PORTCULLIS_OUTBOX", outbox)
            .env("PORTCULLIS_EMAIL_PREFIX", prefix)
            .env("PORTCULLIS_PASSWORD", PASSWORD)
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
