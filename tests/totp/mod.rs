//! TOTP codes computed by pyotp (installed by `scripts/test`): a check
//! independent of the code under test.

use std::process::Command;

/// The code pyotp computes for `secret` at `unix_time`.
pub fn code_at(secret: &str, unix_time: i64) -> String {
    let output = Command::new("python3")
        .args([
            "-c",
            "import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).at(int(sys.argv[2])))",
            secret,
            &unix_time.to_string(),
        ])
        .output()
        .expect("python3 runs (scripts/test installs pyotp)");
    assert!(
        output.status.success(),
        "pyotp: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}
