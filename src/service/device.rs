//! Device marks: a sealed token a browser keeps (an HttpOnly cookie) once
//! its user has signed in on it. With it, the right password passes the
//! account's cool-down and lockout, which anyone who knows the address can
//! set off (NIST SP 800-63B, OWASP's device cookies); the device's own
//! failures are counted apart, so a stolen mark buys no more guesses.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::store::{User, new_id};
use crate::token::opaque;

use super::Auth;

/// Binds the seal to its purpose: a mark opens as nothing else.
const DEVICE_OWNER: &str = "portcullis device";
/// How long a device stays known after its last sign-in.
pub(crate) const DEVICE_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

#[derive(Serialize, Deserialize)]
struct Mark {
    /// The user who signed in on the device.
    user: String,
    /// A digest of the user's password hash then: a new password (a
    /// change, a reset) voids every mark made before.
    password: String,
    /// The device's own id: the key of its failure budget.
    device: String,
    /// Seconds since the epoch after which the mark is void.
    until: i64,
}

impl Auth {
    /// A new mark for a device `user_id` just signed in on, keeping the
    /// device's id when it had one.
    pub(crate) fn mark_device(&self, user: &User, known: Option<String>) -> Option<String> {
        let mark = Mark {
            user: user.id.clone(),
            password: password_digest(user),
            device: known.unwrap_or_else(new_id),
            until: (self.now() + DEVICE_TTL).unix_timestamp(),
        };
        let json = serde_json::to_vec(&mark).ok()?;
        self.0.secrets.seal(&json, DEVICE_OWNER).ok()
    }

    /// The device id of a live mark of `user`; nothing for a mark that is
    /// forged, expired, another user's, or older than the password.
    pub(crate) fn known_device(&self, sealed: &str, user: &User) -> Option<String> {
        let json = self.0.secrets.open(sealed, DEVICE_OWNER).ok()?;
        let mark: Mark = serde_json::from_slice(&json).ok()?;
        let live = mark.user == user.id
            && mark.password == password_digest(user)
            && mark.until > self.now().unix_timestamp();
        live.then_some(mark.device)
    }
}

/// A short digest of the user's password hash (or of none).
fn password_digest(user: &User) -> String {
    let digest = opaque::digest(user.password_hash.as_deref().unwrap_or(""));
    digest[..16].to_owned()
}
