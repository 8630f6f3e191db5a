//! The loopback OpenID Connect provider (`provider.mjs`, run by Node;
//! `scripts/test` installs it), for the tests that sign in through OAuth.

use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The provider process and where it listens.
pub struct Provider {
    _child: Child,
    /// The OpenID Connect issuer URL.
    pub issuer: String,
    /// The base of the GitHub- and Facebook-shaped user APIs.
    #[allow(dead_code)] // the fleet tests sign in through OpenID Connect only
    pub api: String,
}

/// Starts the provider and reads where it listens.
pub async fn provider() -> Provider {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oauth/provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (scripts/test installs the provider)");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .expect("the provider starts");
    let info: Value = serde_json::from_str(&line).expect("the provider prints its URLs");
    Provider {
        issuer: info["issuer"].as_str().expect("issuer").to_owned(),
        api: info["api"].as_str().expect("api").to_owned(),
        _child: child,
    }
}
