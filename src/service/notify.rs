//! Notices to an account's owner after a change that matters to its
//! security, so that a change they did not make does not pass unseen.

use crate::mail::Template;
use crate::store::User;

use super::Auth;

/// What happened to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    PasswordChanged,
    PasswordReset,
    EmailChanged,
    AccountLocked,
    MfaEnabled,
    MfaDisabled,
    RecoveryCodeUsed,
    NewDevice,
}

impl Auth {
    /// Mails `notice` to the user's address, after the answer has gone.
    pub(crate) fn notify(&self, user: &User, notice: Notice) {
        self.notify_at(user, &user.email, notice);
    }

    /// Mails `notice` to `to` (an old address, say). Nothing is sent
    /// without a mailer, or when that kind of notice is turned off; a
    /// failure is logged and counted like any mail.
    pub(crate) fn notify_at(&self, user: &User, to: &str, notice: Notice) {
        let mail = &self.0.config.mail;
        let wanted = match notice {
            Notice::NewDevice => mail.notify_new_device,
            _ => mail.notify_changes,
        };
        if !wanted || self.0.mailer.is_none() {
            return;
        }
        let Ok(reset_page) = self.page(&mail.reset_path) else {
            return;
        };
        let (auth, user, to) = (self.clone(), user.clone(), to.to_owned());
        let sent = self.in_background(async move {
            let template = auth.template(notice);
            auth.mail(template, &user, &to, reset_page.as_str()).await
        });
        if let Err(err) = sent {
            tracing::warn!(target: "portcullis::mail", error = %err, "a notice was not sent");
        }
    }

    fn template(&self, notice: Notice) -> &Template {
        let templates = &self.0.config.mail.templates;
        match notice {
            Notice::PasswordChanged => &templates.password_changed,
            Notice::PasswordReset => &templates.password_reset_done,
            Notice::EmailChanged => &templates.email_changed,
            Notice::AccountLocked => &templates.account_locked,
            Notice::MfaEnabled => &templates.mfa_enabled,
            Notice::MfaDisabled => &templates.mfa_disabled,
            Notice::RecoveryCodeUsed => &templates.recovery_code_used,
            Notice::NewDevice => &templates.new_device,
        }
    }
}
