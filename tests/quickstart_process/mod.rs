//! Runs `examples/quickstart.rs` as a process (cargo builds the examples
//! before it runs the tests), in a folder of its own, on a free port.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running quickstart; killed when dropped.
pub struct Quickstart {
    pub base: String,
    child: Child,
}

/// A new empty folder for a quickstart's database, keys and outbox.
pub fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portcullis-qs-{}", portcullis::store::new_id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// An example's binary beside this test's.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let path = profile.join("examples").join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test` (it builds the examples)",
        path.display()
    );
    path
}

/// A port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Quickstart {
    /// The quickstart, to run in `dir` with no `PORTCULLIS_*` variable but
    /// what the test sets.
    #[allow(dead_code)] // not every test crate that runs quickstarts needs it
    pub fn command(dir: &Path) -> Command {
        Self::example("quickstart", dir)
    }

    /// An example, to run like the quickstart.
    fn example(name: &str, dir: &Path) -> Command {
        let mut command = Command::new(binary(name));
        command.current_dir(dir);
        for (key, _) in std::env::vars() {
            if key.starts_with("PORTCULLIS_") {
                command.env_remove(key);
            }
        }
        command.env("RUST_LOG", "warn");
        command
    }

    /// Starts the quickstart in `dir` with these variables on a free port,
    /// and waits until it answers.
    pub async fn start(dir: &Path, envs: &[(&str, &str)]) -> Self {
        Self::start_example("quickstart", dir, envs).await
    }

    /// Starts an example like the quickstart.
    pub async fn start_example(name: &str, dir: &Path, envs: &[(&str, &str)]) -> Self {
        let addr = envs
            .iter()
            .find(|(key, _)| *key == "PORTCULLIS_ADDR")
            .map_or_else(
                || format!("127.0.0.1:{}", free_port()),
                |(_, a)| (*a).to_owned(),
            );
        let mut command = Self::example(name, dir);
        command
            .env("PORTCULLIS_ADDR", &addr)
            .envs(envs.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("start the example");
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("{name} exited at start-up: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "the quickstart did not start listening"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            base: format!("http://{addr}"),
            child,
        }
    }
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
