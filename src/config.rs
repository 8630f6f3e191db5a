//! [`AuthConfig`]: lifetimes, keys, cookies, throttles and password policy.
//!
//! Every field is public and documented, and [`AuthConfig::new`] fills in safe
//! defaults; change what you need, and [`crate::AuthBuilder::build`] checks
//! the whole before the service starts.
//!
//! ```
//! use std::time::Duration;
//! use portcullis::AuthConfig;
//!
//! let mut config = AuthConfig::new(b"a secret of at least thirty-two bytes!".to_vec());
//! config.access_token_ttl = Duration::from_secs(600);
//! config.cookies.secure = false; // plain http on loopback only
//! ```

use std::net::IpAddr;
use std::time::Duration;

use crate::error::ConfigError;

/// The whole configuration of an [`crate::Auth`] service.
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthConfig {
    /// HMAC key for access tokens (HS256), at least 32 bytes of randomness.
    pub jwt_secret: Vec<u8>,
    /// The `iss` claim written into and required of access tokens.
    pub issuer: String,
    /// The `aud` claim written into and required of access tokens.
    pub audience: String,
    /// How long an access token lives (`expTime`); default 15 minutes.
    pub access_token_ttl: Duration,
    /// How long a session (a refresh family) lives; default 7 days.
    pub session_ttl: Duration,
    /// Session lifetime when the user asked to be remembered; default 30 days.
    pub remembered_session_ttl: Duration,
    /// Password rules and hashing cost.
    pub password: PasswordPolicy,
    /// Whether `POST /auth/register` is open to anyone; default `true`.
    pub registration_open: bool,
    /// The role given to users who register themselves; default `"user"`.
    pub default_role: String,
    /// Display names of roles, by role id; unknown ids display as themselves.
    pub role_names: Vec<(String, String)>,
    /// Whether changing one's password requires the current one; default `true`.
    pub require_current_password: bool,
    /// Consecutive failed logins allowed per account before it cools down.
    pub account_throttle: Throttle,
    /// Failed logins allowed per client IP address (stops password spraying).
    pub ip_throttle: Throttle,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the peer address is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// Auth cookies (cookie mode).
    pub cookies: CookieConfig,
    /// Origins (`https://app.example.com`) allowed to make cookie-authenticated
    /// unsafe requests, besides the request's own host.
    pub allowed_origins: Vec<String>,
    /// Largest request body the handlers read; default 1 MiB (413 beyond).
    pub body_limit: usize,
    /// The v1 token API: lifetimes and who may mint tokens.
    pub api_tokens: ApiTokenPolicy,
    /// TOTP second factors.
    pub mfa: MfaConfig,
    /// Mail: links, lifetimes, templates, throttles.
    pub mail: MailConfig,
    /// Logins through OAuth / OpenID Connect providers.
    pub oauth: OAuthSettings,
}

impl AuthConfig {
    /// A configuration with safe defaults around the given JWT secret.
    pub fn new(jwt_secret: Vec<u8>) -> Self {
        Self {
            jwt_secret,
            issuer: "portcullis".into(),
            audience: "portcullis".into(),
            access_token_ttl: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            remembered_session_ttl: Duration::from_secs(30 * 24 * 3600),
            password: PasswordPolicy::default(),
            registration_open: true,
            default_role: "user".into(),
            role_names: vec![
                ("admin".into(), "Admin".into()),
                ("user".into(), "User".into()),
            ],
            require_current_password: true,
            account_throttle: Throttle {
                limit: 10,
                window: Duration::from_secs(15 * 60),
            },
            ip_throttle: Throttle {
                limit: 100,
                window: Duration::from_secs(15 * 60),
            },
            trusted_proxies: Vec::new(),
            cookies: CookieConfig::default(),
            allowed_origins: Vec::new(),
            body_limit: 1024 * 1024,
            api_tokens: ApiTokenPolicy::default(),
            mfa: MfaConfig::default(),
            mail: MailConfig::default(),
            oauth: OAuthSettings::default(),
        }
    }

    /// The display name of a role id.
    pub fn role_name<'a>(&'a self, role: &'a str) -> &'a str {
        self.role_names
            .iter()
            .find(|(id, _)| id == role)
            .map_or(role, |(_, name)| name)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let fail = |msg: &str| Err(ConfigError(msg.to_owned()));
        if self.jwt_secret.len() < 32 {
            return fail("jwt_secret must be at least 32 bytes");
        }
        if self.access_token_ttl.is_zero() || self.session_ttl.is_zero() {
            return fail("token lifetimes must be positive");
        }
        if self.remembered_session_ttl < self.session_ttl {
            return fail("remembered_session_ttl must not be shorter than session_ttl");
        }
        if self.password.min_length < 8 || self.password.max_length < self.password.min_length {
            return fail("password lengths must satisfy 8 <= min_length <= max_length");
        }
        if self.password.max_concurrent_hashes == 0 {
            return fail("password.max_concurrent_hashes must be at least 1");
        }
        if self.account_throttle.limit == 0 || self.ip_throttle.limit == 0 {
            return fail("throttle limits must be at least 1");
        }
        if self.mfa.issuer.contains(':')
            || self.mfa.max_code_failures == 0
            || self.mfa.recovery_codes < 8
        {
            return fail("mfa: issuer without ':', max_code_failures >= 1, recovery_codes >= 8");
        }
        if self.mail.address_throttle.limit == 0 {
            return fail("mail.address_throttle.limit must be at least 1");
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return fail("mail.from must be a mailbox such as `App <no-reply@app.example>`");
        }
        if url::Url::parse(&self.mail.public_url).is_err() {
            return fail("mail.public_url must be an absolute URL");
        }
        if self
            .mail
            .reset_url_allow_list
            .iter()
            .any(|u| url::Url::parse(u).is_err())
        {
            return fail("mail.reset_url_allow_list holds absolute URLs");
        }
        if !self
            .oauth
            .redirect_origins
            .iter()
            .all(|o| crate::oauth::is_web_url(o))
        {
            return fail("oauth.redirect_origins holds absolute http(s) URLs");
        }
        if self.oauth.flow_ttl.is_zero()
            || self.oauth.bridge_ttl.is_zero()
            || self.oauth.flow_cookie.is_empty()
        {
            return fail("oauth: flow_ttl and bridge_ttl must be positive and flow_cookie named");
        }
        if self.cookies.access_name == self.cookies.refresh_name {
            return fail("access and refresh cookies need different names");
        }
        self.password
            .argon2_params()
            .map(|_| ())
            .map_err(|e| ConfigError(format!("argon2 parameters: {e}")))
    }
}

/// Password length rules and Argon2id cost.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PasswordPolicy {
    /// Fewest characters in a new password; default 8.
    pub min_length: usize,
    /// Most characters in a new password; default 128 (hashing cost stays bounded).
    pub max_length: usize,
    /// Argon2id memory in KiB; default 19 456 (OWASP).
    pub memory_kib: u32,
    /// Argon2id passes; default 2 (OWASP).
    pub iterations: u32,
    /// Argon2id lanes; default 1 (OWASP).
    pub parallelism: u32,
    /// Hashes computed at once on the blocking pool; default: the number of CPUs.
    pub max_concurrent_hashes: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent_hashes: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

impl PasswordPolicy {
    pub(crate) fn argon2_params(&self) -> Result<argon2::Params, argon2::Error> {
        argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, None)
    }
}

/// A fixed-window budget of attempts.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// Attempts allowed in one window.
    pub limit: u32,
    /// The window, which is also the cooling period once the limit is hit.
    pub window: Duration,
}

/// Whether new accounts must prove their email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailVerification {
    /// No verification mail (the default).
    #[default]
    Off,
    /// A verification mail is sent; signing in works either way.
    Optional,
    /// A verification mail is sent; signing in waits for it.
    Required,
}

/// Mail: where links point, how long they live, what the messages say.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MailConfig {
    /// The `From` mailbox; default `portcullis <no-reply@localhost>`.
    pub from: String,
    /// The public origin links are built on, such as `https://app.example.com`;
    /// default `http://localhost:3000`.
    pub public_url: String,
    /// Path of the page that takes a reset token; default `/reset-password`.
    pub reset_path: String,
    /// Path of the page that confirms an email change; default `/confirm-email`.
    pub email_change_path: String,
    /// Path of the page that verifies an address; default `/verify-email`.
    pub verification_path: String,
    /// Reset pages a client may ask for with `resetUrl`: full URLs, matched
    /// by origin and path. The default page on `public_url` is always allowed.
    pub reset_url_allow_list: Vec<String>,
    /// How long a reset link works; default 1 hour.
    pub reset_ttl: Duration,
    /// How long an email-change link works; default 24 hours.
    pub email_change_ttl: Duration,
    /// How long a verification link works; default 24 hours.
    pub verification_ttl: Duration,
    /// Whether new accounts verify their address; default off.
    pub email_verification: EmailVerification,
    /// Mails per address per window (resets, verification resends); default 3 per 15 minutes.
    pub address_throttle: Throttle,
    /// Longest wait for the mail server per message; default 10 seconds.
    pub send_timeout: Duration,
    /// The texts of every message.
    pub templates: crate::mail::MailTemplates,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            from: "portcullis <no-reply@localhost>".into(),
            public_url: "http://localhost:3000".into(),
            reset_path: "/reset-password".into(),
            email_change_path: "/confirm-email".into(),
            verification_path: "/verify-email".into(),
            reset_url_allow_list: Vec::new(),
            reset_ttl: Duration::from_secs(3600),
            email_change_ttl: Duration::from_secs(24 * 3600),
            verification_ttl: Duration::from_secs(24 * 3600),
            email_verification: EmailVerification::Off,
            address_throttle: Throttle {
                limit: 3,
                window: Duration::from_secs(15 * 60),
            },
            send_timeout: Duration::from_secs(10),
            templates: crate::mail::MailTemplates::default(),
        }
    }
}

/// TOTP second factors: labels, sealing keys and guessing limits.
#[derive(Clone)]
#[non_exhaustive]
pub struct MfaConfig {
    /// The issuer shown by authenticator apps; default `portcullis`.
    pub issuer: String,
    /// 32-byte keys that seal TOTP secrets at rest; the first seals, all open
    /// (see [`crate::mfa`] on rotation). Empty (the default): one key derived
    /// from `jwt_secret`, so rotating that secret then needs an MFA reset.
    pub sealing_keys: Vec<[u8; 32]>,
    /// How long an `mfaToken` (the second login step) lives; default 5 minutes.
    pub challenge_ttl: Duration,
    /// Wrong codes an `mfaToken` survives; the next one voids it; default 5.
    pub max_code_failures: u32,
    /// Recovery codes given at enrolment; default 10.
    pub recovery_codes: usize,
}

impl Default for MfaConfig {
    fn default() -> Self {
        Self {
            issuer: "portcullis".into(),
            sealing_keys: Vec::new(),
            challenge_ttl: Duration::from_secs(5 * 60),
            max_code_failures: 5,
            recovery_codes: 10,
        }
    }
}

/// Lifetimes and permissions of the v1 token API's tokens.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiTokenPolicy {
    /// Default lifetime of an app token; default about 200 years.
    pub app_token_ttl: Duration,
    /// Lifetime of a user token from `POST /v1/token/`; default 24 hours.
    pub user_token_ttl: Duration,
    /// Default lifetime of an on-behalf-of token; default 1 day.
    pub on_behalf_of_ttl: Duration,
    /// Roles that may create app tokens; default `["admin"]`.
    pub app_token_roles: Vec<String>,
    /// Roles that may act for others (create on-behalf-of tokens); default `["admin"]`.
    pub act_for_others_roles: Vec<String>,
}

impl Default for ApiTokenPolicy {
    fn default() -> Self {
        Self {
            app_token_ttl: Duration::from_secs(200 * 365 * 86_400),
            user_token_ttl: Duration::from_secs(24 * 3600),
            on_behalf_of_ttl: Duration::from_secs(86_400),
            app_token_roles: vec!["admin".into()],
            act_for_others_roles: vec!["admin".into()],
        }
    }
}

/// Names and attributes of the auth cookies.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CookieConfig {
    /// Cookie holding the access token; default `portcullis_access`.
    pub access_name: String,
    /// Cookie holding the refresh token; default `portcullis_refresh`.
    pub refresh_name: String,
    /// The `Secure` attribute; default `true`. Turn off only for plain http on loopback.
    pub secure: bool,
    /// The `Path` attribute; default `/`.
    pub path: String,
    /// The `Domain` attribute; default none (host-only).
    pub domain: Option<String>,
    /// The `SameSite` attribute; default `Lax`.
    pub same_site: cookie::SameSite,
}

impl Default for CookieConfig {
    fn default() -> Self {
        Self {
            access_name: "portcullis_access".into(),
            refresh_name: "portcullis_refresh".into(),
            secure: true,
            path: "/".into(),
            domain: None,
            same_site: cookie::SameSite::Lax,
        }
    }
}

/// Logins through external providers (see [`crate::oauth`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthSettings {
    /// Origins (`https://app.example.com`) every provider's logins may
    /// return to (`?redirect=`); each provider may add its own. Anything
    /// else is refused: no open redirects.
    pub redirect_origins: Vec<String>,
    /// How long a started login may take to come back; default 10 minutes.
    pub flow_ttl: Duration,
    /// The HttpOnly cookie that binds a login to the browser that started
    /// it, one per provider (`{flow_cookie}_{provider}`); default
    /// `portcullis_oauth`. It is always host-only on `/`, and
    /// `__Host-`-prefixed when cookies are `Secure`, so that no sibling
    /// subdomain receives or plants one.
    pub flow_cookie: String,
    /// How long after an external login its tokens may pass the cookie
    /// bridge (`/auth/set-cookies`); default 2 minutes.
    pub bridge_ttl: Duration,
    /// Link a provider identity to the existing account with the same
    /// address, when both the provider and the account have verified it;
    /// default `true`. An unverified address never links.
    pub link_by_email: bool,
    /// Create an account for a new person with a verified address; default
    /// `true`.
    pub create_users: bool,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            redirect_origins: Vec::new(),
            flow_ttl: Duration::from_secs(10 * 60),
            flow_cookie: "portcullis_oauth".into(),
            bridge_ttl: Duration::from_secs(120),
            link_by_email: true,
            create_users: true,
        }
    }
}
