//! The quickstart's sign-in page in a real browser: Debian's headless
//! Chromium, driven through chromedriver, with Chromium's virtual
//! authenticator for the passkey steps. It signs in with a password, ends
//! another session, adds a passkey, turns TOTP on from the QR page, signs
//! in with the passkey alone, then with a password and the passkey as the
//! second step, then by a mailed link. A screenshot of each step goes to
//! `target/screenshots/sign-in-page/` (or `$PORTCULLIS_SCREENSHOTS`).
//!
//! It needs chromedriver and Chromium (`scripts/test` installs Debian's
//! `chromium` and `chromium-driver`): `$PORTCULLIS_TEST_CHROMEDRIVER`, else
//! `chromedriver` on the PATH. Without one it says SKIPPED.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../quickstart_process/mod.rs"]
mod quickstart_process;
#[path = "../totp/mod.rs"]
mod totp;
mod webdriver;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use quickstart_process::{Quickstart, free_port, scratch_dir};
use serde_json::json;
use webdriver::Browser;

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "browser test admin password";

/// chromedriver, from the variable or the PATH.
fn chromedriver() -> Option<String> {
    if let Ok(path) = std::env::var("PORTCULLIS_TEST_CHROMEDRIVER") {
        return Some(path);
    }
    let found = Command::new("chromedriver").arg("--version").output();
    found
        .is_ok_and(|o| o.status.success())
        .then(|| "chromedriver".to_owned())
}

/// Where the screenshots go: `target/screenshots/sign-in-page`.
fn screenshots() -> PathBuf {
    let dir = std::env::var_os("PORTCULLIS_SCREENSHOTS").map_or_else(
        || {
            let exe = std::env::current_exe().expect("test binary");
            let target = exe.ancestors().nth(3).expect("target/<profile>/deps");
            target.join("screenshots").join("sign-in-page")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// The link of the sign-in mail in the outbox, read by Python's `email`.
fn sign_in_link(outbox: &Path) -> String {
    let script = r#"
import email, email.policy, os, re, sys
for name in os.listdir(sys.argv[1]) if os.path.isdir(sys.argv[1]) else []:
    with open(os.path.join(sys.argv[1], name), "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    if m["Subject"] == "Your sign-in link":
        print(re.search(r"http\S+", m.get_body(preferencelist=("plain",)).get_content()).group(0))
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(outbox)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn visible(id: &str) -> String {
    format!("!document.querySelector('#{id}').hidden")
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn the_sign_in_page_works_in_a_real_browser() {
    let Some(chromedriver) = chromedriver() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser test (install chromium and chromium-driver, or set PORTCULLIS_TEST_CHROMEDRIVER)"
        );
        return;
    };
    let chromium = std::env::var("PORTCULLIS_TEST_CHROMIUM").ok().or_else(|| {
        Path::new("/usr/bin/chromium")
            .exists()
            .then(|| "/usr/bin/chromium".into())
    });
    let dir = scratch_dir();
    let outbox = dir.join("outbox");
    let port = free_port();
    // `localhost` is a secure context, where browsers allow WebAuthn over http.
    let base = format!("http://localhost:{port}");
    let addr = format!("127.0.0.1:{port}");
    let server = Quickstart::start(
        &dir,
        &[
            ("PORTCULLIS_ADDR", &addr),
            ("PORTCULLIS_PUBLIC_URL", &base),
            ("PORTCULLIS_ADMIN_PASSWORD", PASSWORD),
            ("PORTCULLIS_MAGIC_LINKS", "true"),
            ("PORTCULLIS_OUTBOX", outbox.to_str().expect("utf-8")),
        ],
    )
    .await;
    let shots = screenshots();
    let browser = Browser::start(&chromedriver, chromium.as_deref(), free_port()).await;
    browser.add_virtual_authenticator().await;

    browser.goto(&base).await;
    browser.wait_until(&visible("signed-out")).await;
    browser.screenshot(&shots.join("01-sign-in.png")).await;

    browser.type_into("#email", ADMIN).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_until(&visible("signed-in")).await;
    assert_eq!(browser.text("#whoami").await, ADMIN);
    browser.screenshot(&shots.join("02-signed-in.png")).await;

    // Another session, from elsewhere: the page lists it and ends it.
    let elsewhere = reqwest::Client::new()
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({ "email": ADMIN, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert!(elsewhere.status().is_success());
    browser.goto(&base).await;
    browser
        .wait_until("document.querySelectorAll('#sessions li').length === 2")
        .await;
    browser.click(".end-session").await;
    browser
        .wait_until("document.querySelectorAll('#sessions li').length === 1")
        .await;
    browser.screenshot(&shots.join("03-sessions.png")).await;

    browser.type_into("#passkey-password", PASSWORD).await;
    browser.click("#passkey-register").await;
    browser
        .wait_until("document.querySelectorAll('#passkeys li').length === 1")
        .await;
    browser
        .screenshot(&shots.join("04-passkey-added.png"))
        .await;

    browser.type_into("#totp-password", PASSWORD).await;
    browser.click("#totp-start").await;
    browser
        .wait_until("document.querySelector('#totp-qr').naturalWidth > 0")
        .await;
    browser.screenshot(&shots.join("05-totp-qr.png")).await;
    let secret = browser.text("#totp-secret").await;
    browser
        .type_into("#totp-code", &totp::code_at(&secret, now()))
        .await;
    browser.click("#totp-confirm").await;
    browser.wait_until(&visible("recovery-codes")).await;
    browser
        .screenshot(&shots.join("06-recovery-codes.png"))
        .await;

    browser.click("#sign-out").await;
    browser.wait_until(&visible("signed-out")).await;
    let anonymous = browser
        .script("return fetch('/api/me').then(r => r.status)")
        .await;
    assert_eq!(anonymous, json!(401), "signed out means signed out");

    browser.click("#passkey-sign-in").await;
    browser.wait_until(&visible("signed-in")).await;
    assert_eq!(browser.text("#whoami").await, ADMIN);
    assert!(browser.text("#methods").await.contains("hwk + mfa"));
    let me = browser
        .script("return fetch('/api/me').then(r => r.json()).then(b => b.data.email)")
        .await;
    assert_eq!(me, json!(ADMIN), "the passkey's session reads /me");
    browser
        .screenshot(&shots.join("07-passkey-sign-in.png"))
        .await;

    browser.click("#sign-out").await;
    browser.wait_until(&visible("signed-out")).await;
    browser.type_into("#email", ADMIN).await;
    browser.type_into("#password", PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_until(&visible("mfa")).await;
    browser.screenshot(&shots.join("08-second-step.png")).await;
    browser.click("#mfa-passkey").await;
    browser.wait_until(&visible("signed-in")).await;
    assert!(browser.text("#methods").await.contains("pwd + hwk"));

    browser.click("#sign-out").await;
    browser.wait_until(&visible("signed-out")).await;
    browser.type_into("#magic-email", ADMIN).await;
    browser.click("#magic-send").await;
    browser
        .wait_until("document.querySelector('#status').textContent.includes('on its way')")
        .await;
    let link = tokio::task::spawn_blocking({
        let outbox = outbox.clone();
        move || {
            for _ in 0..100 {
                let link = sign_in_link(&outbox);
                if !link.is_empty() {
                    return link;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            panic!("no sign-in mail came")
        }
    })
    .await
    .expect("join");
    assert!(link.starts_with(&format!("{base}/?token=")), "{link}");
    browser.goto(&link).await;
    browser.wait_until(&visible("mfa")).await;
    browser.click("#mfa-passkey").await;
    browser.wait_until(&visible("signed-in")).await;
    assert!(browser.text("#methods").await.contains("email + hwk"));
    browser
        .screenshot(&shots.join("09-signed-in-by-link.png"))
        .await;
    browser.close().await;
    println!("screenshots in {}", shots.display());
}
