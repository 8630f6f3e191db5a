//! [`ThrottleConfig`]: budgets of attempts per account, per client IP and
//! per mailed address.

use std::time::Duration;

use crate::error::ConfigError;

/// Every throttle's budget.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// Consecutive failed logins allowed per account before it cools down;
    /// default 10, each within 15 minutes of the last.
    pub account: Throttle,
    /// Attempts per client IP address, counted apart per purpose (failed
    /// logins, failed token checks, registrations, mail requests,
    /// unfinished OAuth logins); default 100 per 15 minutes.
    pub ip: Throttle,
    /// Mails per address and client IP (resets, verification resends);
    /// default 3 per 15 minutes. Keyed by both, so that nobody can use up
    /// an owner's resets from elsewhere.
    pub mail_address: Throttle,
    /// Failed sign-ins (passwords and codes) an account survives with no
    /// success between them, however slowly they come; the next one locks
    /// it until a password reset or an admin's unlock (and its owner is
    /// told). Default 100, the most NIST SP 800-63B allows.
    pub lockout_ceiling: u32,
    /// Successful sign-ins per client IP; default 300 per 15 minutes (a
    /// whole office behind one address), beyond which even right
    /// credentials wait.
    pub successes_per_ip: Throttle,
    /// Successful sign-ins per account; default 30 per 15 minutes.
    pub successes_per_account: Throttle,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        let quarter = Duration::from_secs(15 * 60);
        Self {
            account: Throttle::new(10, quarter),
            ip: Throttle::new(100, quarter),
            mail_address: Throttle::new(3, quarter),
            lockout_ceiling: 100,
            successes_per_ip: Throttle::new(300, quarter),
            successes_per_account: Throttle::new(30, quarter),
        }
    }
}

impl ThrottleConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if [
            self.account,
            self.ip,
            self.mail_address,
            self.successes_per_ip,
            self.successes_per_account,
        ]
        .iter()
        .any(|t| t.limit == 0 || t.window.is_zero())
        {
            return Err(ConfigError::new(
                "throttles: limits must be at least 1 and windows positive",
            ));
        }
        if !(1..=100).contains(&self.lockout_ceiling) {
            return Err(ConfigError::new(
                "throttles: lockout_ceiling is between 1 and 100 (NIST SP 800-63B)",
            ));
        }
        Ok(())
    }
}

/// A budget of attempts in a window.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Throttle {
    /// Attempts allowed in one window.
    pub limit: u32,
    /// The window, which is also the cooling period once the limit is hit.
    pub window: Duration,
}

impl Throttle {
    /// `limit` attempts per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }
}
