//! Mail over SMTP: to a real server on loopback (Python's `aiosmtpd`), and
//! past one that hangs.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backing, Mail, Server, test_config};
use crate::mail::{request_reset, wait_for_messages};

/// An aiosmtpd server on loopback that saves each message into a folder.
struct SmtpServer {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl SmtpServer {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let dir =
            std::env::temp_dir().join(format!("portcullis-smtp-{}", portcullis::store::new_id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let script = r#"
import os, sys, time
from aiosmtpd.controller import Controller
class Save:
    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(sys.argv[2], "%d.eml" % len(os.listdir(sys.argv[2])))
        with open(path + ".part", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".part", path)
        return "250 OK"
controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
time.sleep(600)
"#;
        let mut child = Command::new("python3")
            .args(["-c", script, &port.to_string()])
            .arg(&dir)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("ready line");
        assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
        Self { child, port, dir }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn mail_goes_out_over_smtp_to_a_real_server() {
    let smtp = SmtpServer::start();
    let mail = Mail::Smtp(
        format!("smtp://127.0.0.1:{}", smtp.port),
        Duration::from_secs(5),
    );
    let server = Server::start_full(test_config(), Backing::Memory, mail).await;
    server.user("ada@example.com", "user").await;
    assert_eq!(
        request_reset(&server, json!({ "email": "ada@example.com" }))
            .await
            .status,
        StatusCode::OK
    );
    let dir = smtp.dir.clone();
    let received = tokio::task::spawn_blocking(move || wait_for_messages(&dir, 1))
        .await
        .expect("join");
    assert_eq!(received.len(), 1, "the SMTP server got the message");
    assert_eq!(received[0].subject, "Reset your password");
    let reset = server
        .post(
            "/api/auth/reset-password",
            json!({ "token": received[0].token(), "password": "a brand new password" }),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
}

#[tokio::test]
async fn a_hanging_mail_server_neither_blocks_requests_nor_fails_silently() {
    // Accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let mail = Mail::Smtp(
        format!("smtp://127.0.0.1:{port}"),
        Duration::from_millis(500),
    );
    let mut config = test_config();
    config.mail.send_timeout = Duration::from_millis(500);
    let server = Server::start_full(config, Backing::Memory, mail).await;
    server.user("ada@example.com", "user").await;
    let reply = request_reset(&server, json!({ "email": "ada@example.com" })).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        server.auth.mail_failures(),
        0,
        "the answer came before the mail server gave up"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.auth.mail_failures() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        server.auth.mail_failures(),
        1,
        "the failure is counted (and logged)"
    );
    drop(silent);
}
