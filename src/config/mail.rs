//! [`MailConfig`]: where links point, how long they live, what the
//! messages say.

use std::time::Duration;

use crate::error::ConfigError;

use super::is_web_url;

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
    /// How long an invitation (an admin's new account) may wait for its
    /// password; default 7 days.
    pub invitation_ttl: Duration,
    /// Whether new accounts verify their address; default off.
    pub email_verification: EmailVerification,
    /// Longest wait for the mail server per message; default 10 seconds.
    pub send_timeout: Duration,
    /// The texts of every message.
    pub templates: crate::mail::MailTemplates,
    /// Whether owners are told of changes to their account's security
    /// (password changed or reset, address changed, the account locked,
    /// MFA turned on or off, a recovery code used); default on.
    pub notify_changes: bool,
    /// Whether owners are told of each sign-in from a device not seen
    /// before (no device cookie of theirs); default off.
    pub notify_new_device: bool,
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
            invitation_ttl: Duration::from_secs(7 * 24 * 3600),
            email_verification: EmailVerification::Off,
            send_timeout: Duration::from_secs(10),
            templates: crate::mail::MailTemplates::default(),
            notify_changes: true,
            notify_new_device: false,
        }
    }
}

impl MailConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new(
                "mail.from must be a mailbox such as `App <no-reply@app.example>`",
            ));
        }
        if url::Url::parse(&self.public_url).is_err() {
            return Err(ConfigError::new("mail.public_url must be an absolute URL"));
        }
        // Reset links open in a browser: a page of another scheme is a
        // mistake, refused here rather than followed.
        if !self
            .reset_url_allow_list
            .iter()
            .all(|page| is_web_url(page))
        {
            return Err(ConfigError::new(
                "mail.reset_url_allow_list holds absolute http(s) URLs",
            ));
        }
        Ok(())
    }
}
