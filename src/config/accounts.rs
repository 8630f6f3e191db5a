//! [`AccountConfig`]: who may register, roles, and the password policy.

use crate::error::ConfigError;

/// Accounts: registration, roles and passwords.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccountConfig {
    /// Password rules and hashing cost.
    pub password: PasswordPolicy,
    /// Whether `POST /auth/register` is open to anyone; default `true`.
    pub registration_open: bool,
    /// The role given to users who register themselves; default `"user"`.
    pub default_role: String,
    /// The role of administrators: it may use the admin API, and its last
    /// active holder cannot be removed or demoted; default `"admin"`.
    pub admin_role: String,
    /// Display names of roles, by role id; unknown ids display as themselves.
    pub role_names: Vec<(String, String)>,
    /// Whether changing one's password or address requires the current
    /// password; default `true`.
    pub require_current_password: bool,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            password: PasswordPolicy::default(),
            registration_open: true,
            default_role: "user".into(),
            admin_role: "admin".into(),
            role_names: vec![
                ("admin".into(), "Admin".into()),
                ("user".into(), "User".into()),
            ],
            require_current_password: true,
        }
    }
}

impl AccountConfig {
    /// The display name of a role id.
    pub fn role_name<'a>(&'a self, role: &'a str) -> &'a str {
        self.role_names
            .iter()
            .find(|(id, _)| id == role)
            .map_or(role, |(_, name)| name)
    }

    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let password = &self.password;
        if password.min_length < 8 || password.max_length < password.min_length {
            return Err(ConfigError::new(
                "accounts.password lengths must satisfy 8 <= min_length <= max_length",
            ));
        }
        if password.max_concurrent_hashes == 0 {
            return Err(ConfigError::new(
                "accounts.password.max_concurrent_hashes must be at least 1",
            ));
        }
        password
            .argon2_params()
            .map(|_| ())
            .map_err(|e| ConfigError(format!("argon2 parameters: {e}")))
    }
}

/// Password length rules and Argon2id cost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// Fewest characters in a new password; default 8 (NIST SP 800-63B
    /// rev 4, with a second factor available).
    pub min_length: usize,
    /// Fewest characters for an account whose password is its only factor
    /// (no MFA on); default none (`min_length` applies). NIST SP 800-63B
    /// rev 4 asks for 15 when the password is the only factor.
    pub single_factor_min_length: Option<usize>,
    /// Most characters in a new password; default 128 (hashing cost stays bounded).
    pub max_length: usize,
    /// Argon2id memory in KiB; default 19 456 (OWASP).
    pub memory_kib: u32,
    /// Argon2id passes; default 2 (OWASP).
    pub iterations: u32,
    /// Argon2id lanes; default 1 (OWASP).
    pub parallelism: u32,
    /// Hashing threads, so hashes computed at once; default: the number of
    /// CPUs. Each keeps its Argon2 memory (`memory_kib`) between hashes.
    pub max_concurrent_hashes: usize,
    /// Hashes that may wait for a thread; past them a login is refused at
    /// once with 503 and `Retry-After`. Default: 32 per thread (at the
    /// default cost, about a second of waiting at most).
    pub max_queued_hashes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            min_length: 8,
            single_factor_min_length: None,
            max_length: 128,
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent_hashes: cpus,
            max_queued_hashes: 32 * cpus,
        }
    }
}

impl PasswordPolicy {
    pub(crate) fn argon2_params(&self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }
}
