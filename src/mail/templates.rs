//! [`MailTemplates`]: the texts of every message, replaceable one by one.

use super::Email;

/// The texts of one kind of message. `{link}`, `{email}` and `{name}` are
/// replaced (HTML-escaped in `html`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Template {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

impl Template {
    /// A template from its three texts.
    pub fn new(subject: &str, text: &str, html: &str) -> Self {
        Self {
            subject: subject.to_owned(),
            text: text.to_owned(),
            html: html.to_owned(),
        }
    }

    /// The message for `to`, with the placeholders filled in.
    pub fn render(&self, to: &str, name: Option<&str>, link: &str) -> Email {
        let name = name.unwrap_or(to);
        let fill = |text: &str, escape: fn(&str) -> String| {
            text.replace("{link}", &escape(link))
                .replace("{email}", &escape(to))
                .replace("{name}", &escape(name))
        };
        Email {
            to: to.to_owned(),
            subject: fill(&self.subject, str::to_owned),
            text: fill(&self.text, str::to_owned),
            html: fill(&self.html, html_escape),
        }
    }
}

/// Every message the service sends; replace any of them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MailTemplates {
    /// The password reset link.
    pub password_reset: Template,
    /// The link that confirms a new address (sent to the new address).
    pub email_change: Template,
    /// The notice that the address is changing (sent to the old address).
    pub email_change_notice: Template,
    /// The link that verifies an address after registration.
    pub email_verification: Template,
    /// An admin's invitation: a link to choose the new account's password.
    pub invitation: Template,
    /// The password changed (by its owner, signed in).
    pub password_changed: Template,
    /// The password was set again through a reset link.
    pub password_reset_done: Template,
    /// The address changed (sent to the old address).
    pub email_changed: Template,
    /// Too many failed sign-ins: the account is locked.
    pub account_locked: Template,
    /// A second factor was turned on.
    pub mfa_enabled: Template,
    /// The second factor was turned off (by the user, an admin, or a
    /// recovery code).
    pub mfa_disabled: Template,
    /// A recovery code was used to sign in.
    pub recovery_code_used: Template,
    /// A sign-in from a device not seen before (when turned on).
    pub new_device: Template,
    /// A sign-in link (magic links, when turned on).
    pub magic_link: Template,
}

impl Default for MailTemplates {
    fn default() -> Self {
        Self {
            password_reset: Template::new(
                "Reset your password",
                "Hello {name},\n\nsomeone asked to reset the password of {email}. If it was you, open this link within the hour:\n\n{link}\n\nIf it was not, ignore this message: nothing changes.\n",
                "<p>Hello {name},</p><p>someone asked to reset the password of {email}. If it was you, open this link within the hour:</p><p><a href=\"{link}\">Reset your password</a></p><p>If it was not, ignore this message: nothing changes.</p>",
            ),
            email_change: Template::new(
                "Confirm your new email address",
                "Hello {name},\n\nto make {email} the address of your account, open this link:\n\n{link}\n\nIf you did not ask for this, ignore this message.\n",
                "<p>Hello {name},</p><p>to make {email} the address of your account, open this link:</p><p><a href=\"{link}\">Confirm {email}</a></p><p>If you did not ask for this, ignore this message.</p>",
            ),
            email_change_notice: Template::new(
                "Your email address is being changed",
                "Hello {name},\n\nsomeone asked to move your account from {email} to another address. It changes only once the new address is confirmed. If this was not you, change your password now.\n",
                "<p>Hello {name},</p><p>someone asked to move your account from {email} to another address. It changes only once the new address is confirmed. If this was not you, change your password now.</p>",
            ),
            email_verification: Template::new(
                "Verify your email address",
                "Hello {name},\n\nplease confirm that {email} is yours by opening this link:\n\n{link}\n",
                "<p>Hello {name},</p><p>please confirm that {email} is yours:</p><p><a href=\"{link}\">Verify {email}</a></p>",
            ),
            invitation: Template::new(
                "You are invited",
                "Hello {name},\n\nan account was made for {email}. Choose its password here within a week:\n\n{link}\n",
                "<p>Hello {name},</p><p>an account was made for {email}. Choose its password here within a week:</p><p><a href=\"{link}\">Choose a password</a></p>",
            ),
            password_changed: Template::new(
                "Your password was changed",
                "Hello {name},\n\nthe password of {email} was just changed.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>the password of {email} was just changed.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            password_reset_done: Template::new(
                "Your password was reset",
                "Hello {name},\n\nthe password of {email} was just set again through a reset link.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>the password of {email} was just set again through a reset link.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            email_changed: Template::new(
                "Your email address was changed",
                "Hello {name},\n\nyour account no longer uses {email}: its address was just changed.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>your account no longer uses {email}: its address was just changed.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            account_locked: Template::new(
                "Your account is locked",
                "Hello {name},\n\nthere were too many failed attempts to sign in to {email}, so the account is locked. Reset your password to unlock it.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>there were too many failed attempts to sign in to {email}, so the account is locked. Reset your password to unlock it.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            magic_link: Template::new(
                "Your sign-in link",
                "Hello {name},\n\nopen this link to sign in as {email}. It works once, and not for long:\n\n{link}\n\nIf you did not ask for it, ignore this message: nobody can sign in without it.\n",
                "<p>Hello {name},</p><p>open this link to sign in as {email}. It works once, and not for long:</p><p><a href=\"{link}\">Sign in</a></p><p>If you did not ask for it, ignore this message: nobody can sign in without it.</p>",
            ),
            mfa_enabled: Template::new(
                "Two-step sign-in is on",
                "Hello {name},\n\ntwo-step sign-in was just turned on for {email}.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>two-step sign-in was just turned on for {email}.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            mfa_disabled: Template::new(
                "Two-step sign-in is off",
                "Hello {name},\n\ntwo-step sign-in was just turned off for {email}.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>two-step sign-in was just turned off for {email}.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            recovery_code_used: Template::new(
                "A recovery code was used",
                "Hello {name},\n\na recovery code was just used to sign in to {email}; two-step sign-in is now off until you turn it on again.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>a recovery code was just used to sign in to {email}; two-step sign-in is now off until you turn it on again.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
            new_device: Template::new(
                "A sign-in from a new device",
                "Hello {name},\n\n{email} was just used to sign in from a device we had not seen before.\n\nIf this was not you, reset your password now: {link}\n",
                "<p>Hello {name},</p><p>{email} was just used to sign in from a device we had not seen before.</p><p>If this was not you, <a href=\"{link}\">reset your password now</a>.</p>",
            ),
        }
    }
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
