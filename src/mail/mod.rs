//! Mail: the [`Mailer`] trait, [`OutboxMailer`] (RFC 5322 `.eml` files in
//! a folder, for development and tests), [`SmtpMailer`] (feature `smtp`),
//! and the replaceable [`MailTemplates`].
//!
//! The service never waits for a mail server: messages go out from a
//! background task, bounded by `mail.send_timeout`, and a failure is logged
//! at ERROR on the `portcullis::mail` target and counted
//! ([`crate::Auth::mail_failures`]). That also keeps response times from
//! telling whether an address has an account.

use std::path::PathBuf;

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};

mod templates;

pub use templates::{MailTemplates, Template};

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
#[error("mail not sent: {0}")]
pub struct MailError(pub String);

/// Sends mail. Implement it to use another provider (an HTTP API, a queue).
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    /// Sends one message from `from` (a mailbox such as `App <no-reply@app.example>`).
    async fn send(&self, from: &str, email: &Email) -> Result<(), MailError>;
}

/// Builds the RFC 5322 message: text and HTML alternatives.
pub fn rfc5322(from: &str, email: &Email) -> Result<lettre::Message, MailError> {
    let parse = |what: &str, value: &str| {
        value
            .parse::<Mailbox>()
            .map_err(|e| MailError(format!("{what} {value:?}: {e}")))
    };
    lettre::Message::builder()
        .from(parse("from", from)?)
        .to(parse("to", &email.to)?)
        .subject(&email.subject)
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| MailError(e.to_string()))
}

/// Writes each message as an `.eml` file (RFC 5322) into a folder: what the
/// quickstart uses, and what tests read.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
}

impl OutboxMailer {
    /// A mailer writing into `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, from: &str, email: &Email) -> Result<(), MailError> {
        let message = rfc5322(from, email)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| MailError(format!("outbox {}: {e}", self.dir.display())))?;
        // Written under a temporary name and renamed, so that readers never
        // see half a message.
        let id = crate::store::new_id();
        let partial = self.dir.join(format!(".{id}.eml.part"));
        let done = self.dir.join(format!("{id}.eml"));
        tokio::fs::write(&partial, message.formatted())
            .await
            .map_err(|e| MailError(format!("outbox write: {e}")))?;
        tokio::fs::rename(&partial, &done)
            .await
            .map_err(|e| MailError(format!("outbox rename: {e}")))
    }
}

/// Sends over SMTP with lettre (feature `smtp`). The URL chooses the
/// security: `smtps://host:465` (TLS), `smtp://host:587?tls=required`
/// (STARTTLS), `smtp://host:25` (plain, for a relay on loopback);
/// credentials go in the URL (`smtps://user:pass@host`).
#[cfg(feature = "smtp")]
#[derive(Clone)]
pub struct SmtpMailer {
    transport: lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
}

#[cfg(feature = "smtp")]
impl SmtpMailer {
    /// A mailer for the URL, giving up on a server after `timeout`.
    pub fn from_url(url: &str, timeout: std::time::Duration) -> Result<Self, MailError> {
        let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
            .map_err(|e| MailError(format!("SMTP URL: {e}")))?
            .timeout(Some(timeout))
            .build();
        Ok(Self { transport })
    }
}

#[cfg(feature = "smtp")]
#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, from: &str, email: &Email) -> Result<(), MailError> {
        use lettre::AsyncTransport;
        let message = rfc5322(from, email)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_in_and_escape_html() {
        let template = Template::new("Hi {name}", "{link}", "<a href=\"{link}\">{name}</a>");
        let email = template.render(
            "a@b.co",
            Some("<Ada & co>"),
            "https://x.test/r?token=1&a=\"2\"",
        );
        assert_eq!(email.subject, "Hi <Ada & co>");
        assert_eq!(email.text, "https://x.test/r?token=1&a=\"2\"");
        assert_eq!(
            email.html,
            "<a href=\"https://x.test/r?token=1&amp;a=&quot;2&quot;\">&lt;Ada &amp; co&gt;</a>"
        );
    }

    #[test]
    fn messages_are_rfc5322_with_both_bodies() {
        let email =
            Template::new("S", "plain {link}", "<b>{link}</b>").render("to@example.com", None, "L");
        let message = rfc5322("App <no-reply@example.com>", &email).map(|m| m.formatted());
        let text = String::from_utf8(message.unwrap_or_default()).unwrap_or_default();
        assert!(text.contains("To: to@example.com"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(text.contains("text/html"), "{text}");
    }
}
