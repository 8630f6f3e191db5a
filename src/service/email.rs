//! Everything that runs through an email: password reset, email change,
//! address verification, and the sending itself.
//!
//! Links carry one-time tokens (256 random bits, stored as digests,
//! single-use, expiring). Requests that mail an address answer the same,
//! at the same speed, whether or not it has an account: the lookup and the
//! sending happen in a background task.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use url::Url;

use crate::audit::AuthEvent;
use crate::config::EmailVerification;
use crate::error::{AuthError, Field, Rule};
use crate::mail::{Email, Template};
use crate::store::{OneTimePurpose, OneTimeToken, User, UserChanges, Window, email_key};
use crate::token::opaque;

use super::notify::Notice;
use super::throttle::limited;
use super::{Auth, Client, record_user};

impl Auth {
    /// Mails a password reset link to the address if it belongs to an
    /// active account; answers the same either way. `reset_url` picks the
    /// page the link opens and must be on `mail.reset_url_allow_list`.
    #[tracing::instrument(name = "portcullis.request_password_reset", skip_all)]
    pub async fn request_password_reset(
        &self,
        email: &str,
        reset_url: Option<&str>,
        client: Client,
    ) -> Result<(), AuthError> {
        let page = self.reset_page(reset_url)?;
        self.throttle_mail(email, client).await?;
        let auth = self.clone();
        let email = email.to_owned();
        self.in_background(async move {
            let Some(user) = auth
                .0
                .users
                .find_user_by_email(&email)
                .await?
                .filter(|u| u.is_active)
            else {
                return Ok(());
            };
            let ttl = auth.0.config.mail.reset_ttl;
            let token = auth
                .issue_one_time(OneTimePurpose::PasswordReset, &user.id, "", ttl)
                .await?;
            let templates = &auth.0.config.mail.templates;
            auth.mail(
                &templates.password_reset,
                &user,
                &user.email,
                &with_token(&page, &token),
            )
            .await
        })
    }

    /// Sets a new password with a reset token: the token is spent, every
    /// session of the user ends, and the address counts as verified. A weak
    /// password is refused before the token is spent.
    #[tracing::instrument(name = "portcullis.reset_password", skip_all, fields(user = tracing::field::Empty))]
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), AuthError> {
        // The password is judged before the link is spent, for its account.
        let pending = self
            .0
            .one_time
            .find_one_time_token(&opaque::digest(token))
            .await?
            .filter(|t| t.purpose == OneTimePurpose::PasswordReset)
            .ok_or(AuthError::TokenInvalid)?;
        self.accept_password(password, Some(&pending.user_id))
            .await?;
        let spent = self
            .spend_one_time(token, OneTimePurpose::PasswordReset)
            .await?;
        let before = self
            .0
            .users
            .find_user(&spent.user_id)
            .await?
            .ok_or(AuthError::TokenInvalid)?;
        let changes = UserChanges {
            password_hash: Some(self.0.hasher.hash(password).await?),
            email_verified: Some(true),
            ..UserChanges::default()
        };
        let user = self.0.users.update_user(&spent.user_id, changes).await?;
        self.end_user_access(&user.id, None).await?;
        if !before.email_verified {
            self.remove_unproven_ways_in(&user.id).await?;
        }
        self.record(AuthEvent::PasswordReset {
            user_id: user.id.clone(),
        });
        self.notify(&user, Notice::PasswordReset);
        self.0.one_time.revoke_one_time_tokens(&user.id).await?;
        self.clear_account(&user.email).await
    }

    /// Finishes an email change with the token from the confirmation link;
    /// the new address must still be free.
    #[tracing::instrument(name = "portcullis.confirm_email_change", skip_all, fields(user = tracing::field::Empty))]
    pub async fn confirm_email_change(&self, token: &str) -> Result<User, AuthError> {
        let spent = self
            .spend_one_time(token, OneTimePurpose::EmailChange)
            .await?;
        let before = self
            .0
            .users
            .find_user(&spent.user_id)
            .await?
            .ok_or(AuthError::TokenInvalid)?;
        let changes = UserChanges {
            email: Some(spent.data),
            email_verified: Some(true),
            ..UserChanges::default()
        };
        let user = self
            .0
            .users
            .update_user(&spent.user_id, changes)
            .await
            .map_err(|e| match AuthError::from(e) {
                AuthError::Conflict(_) => AuthError::Conflict("this email address is taken by now"),
                other => other,
            })?;
        // Links sent to the old address (a reset, say) must not outlive it.
        self.0.one_time.revoke_one_time_tokens(&user.id).await?;
        self.record(AuthEvent::EmailChanged {
            user_id: user.id.clone(),
        });
        self.notify_at(&user, &before.email, Notice::EmailChanged);
        Ok(user)
    }

    /// The first proof of an address (a reset or sign-in link) on an account
    /// whose address was never proven: whoever set it up before (a squatter
    /// who registered the address, say) may have added a second factor, a
    /// passkey or an identity of their own. The owner starts clean.
    pub(super) async fn remove_unproven_ways_in(&self, user_id: &str) -> Result<(), AuthError> {
        self.0.factors.remove_second_factors(user_id).await?;
        self.0.identities.unlink_identities(user_id).await?;
        if let Some(passkeys) = &self.0.passkeys {
            passkeys.remove_passkeys(user_id).await?;
        }
        self.record(AuthEvent::MfaDisabled {
            user_id: user_id.to_owned(),
            by: "address_reset",
        });
        Ok(())
    }

    /// Marks the address verified with the token from the verification link.
    #[tracing::instrument(name = "portcullis.verify_email", skip_all, fields(user = tracing::field::Empty))]
    pub async fn verify_email(&self, token: &str) -> Result<User, AuthError> {
        let spent = self
            .spend_one_time(token, OneTimePurpose::EmailVerification)
            .await?;
        let changes = UserChanges {
            email_verified: Some(true),
            ..UserChanges::default()
        };
        Ok(self.0.users.update_user(&spent.user_id, changes).await?)
    }

    /// Mails a new verification link to an unverified account; answers the
    /// same whether or not there is one.
    #[tracing::instrument(name = "portcullis.resend_verification", skip_all)]
    pub async fn resend_verification(&self, email: &str, client: Client) -> Result<(), AuthError> {
        self.throttle_mail(email, client).await?;
        if self.0.config.mail.email_verification == EmailVerification::Off {
            return Ok(());
        }
        let auth = self.clone();
        let email = email.to_owned();
        self.in_background(async move {
            match auth.0.users.find_user_by_email(&email).await? {
                Some(user) if user.is_active && !user.email_verified => {
                    auth.send_verification(&user).await
                }
                _ => Ok(()),
            }
        })
    }

    /// Messages that could not be sent since the service started.
    pub fn mail_failures(&self) -> u64 {
        self.0.mail_failures.load(Ordering::Relaxed)
    }

    /// After registration: the verification mail, when verification is on.
    pub(crate) fn after_registration(&self, user: &User) -> Result<(), AuthError> {
        if self.0.config.mail.email_verification == EmailVerification::Off {
            return Ok(());
        }
        let auth = self.clone();
        let user = user.clone();
        self.in_background(async move { auth.send_verification(&user).await })
    }

    async fn send_verification(&self, user: &User) -> Result<(), AuthError> {
        let mail = &self.0.config.mail;
        let token = self
            .issue_one_time(
                OneTimePurpose::EmailVerification,
                &user.id,
                "",
                mail.verification_ttl,
            )
            .await?;
        let link = with_token(&self.page(&mail.verification_path)?, &token);
        self.mail(&mail.templates.email_verification, user, &user.email, &link)
            .await
    }

    /// Checks a new address before anything is written: throttled, free,
    /// and a mailer to confirm it with.
    pub(crate) async fn prepare_email_change(
        &self,
        new_email: &str,
        client: Client,
    ) -> Result<(), AuthError> {
        self.throttle_mail(new_email, client).await?;
        if self.0.users.find_user_by_email(new_email).await?.is_some() {
            return Err(AuthError::Conflict("a user with this email already exists"));
        }
        self.mailer_present()
    }

    /// Mails the confirmation link to the new address and a notice to the old.
    pub(crate) async fn request_email_change(
        &self,
        user: &User,
        new_email: &str,
    ) -> Result<(), AuthError> {
        let mail = &self.0.config.mail;
        let token = self
            .issue_one_time(
                OneTimePurpose::EmailChange,
                &user.id,
                new_email,
                mail.email_change_ttl,
            )
            .await?;
        let link = with_token(&self.page(&mail.email_change_path)?, &token);
        let auth = self.clone();
        let (user, new_email) = (user.clone(), new_email.to_owned());
        self.in_background(async move {
            let templates = &auth.0.config.mail.templates;
            let confirmed = auth
                .mail(&templates.email_change, &user, &new_email, &link)
                .await;
            let noticed = auth
                .mail(&templates.email_change_notice, &user, &user.email, "")
                .await;
            confirmed.and(noticed)
        })
    }

    /// Mails per address and per client IP.
    ///
    /// The address's budget is kept per client IP as well, so that a
    /// stranger who uses it up from one place cannot keep the owner, from
    /// another, from resetting.
    pub(super) async fn throttle_mail(&self, email: &str, client: Client) -> Result<(), AuthError> {
        let per_address = self.0.config.throttles.mail_address;
        let from = client.ip_key("from").unwrap_or_default();
        let address = format!("mail:address:{}:{from}", opaque::digest(&email_key(email)));
        limited(
            self.0
                .limiter
                .hit(
                    &address,
                    per_address.limit,
                    Window::Fixed(per_address.window),
                    self.now(),
                )
                .await?,
        )?;
        self.charge_ip(client, "mail").await
    }

    /// The page a reset link opens: the default one, or an allowed `reset_url`.
    fn reset_page(&self, reset_url: Option<&str>) -> Result<Url, AuthError> {
        let default = self.page(&self.0.config.mail.reset_path)?;
        let Some(asked) = reset_url.filter(|u| !u.is_empty()) else {
            return Ok(default);
        };
        let refused = || AuthError::invalid(Field::ResetPage, Rule::NotAllowed);
        let asked = Url::parse(asked).map_err(|_| refused())?;
        let same_page =
            |allowed: &Url| allowed.origin() == asked.origin() && allowed.path() == asked.path();
        let listed = std::iter::once(default)
            .chain(
                self.0
                    .config
                    .mail
                    .reset_url_allow_list
                    .iter()
                    .filter_map(|u| Url::parse(u).ok()),
            )
            .find(|allowed| same_page(allowed));
        // The link is built on the allowed page itself, never on the
        // client's string: no smuggled query, fragment or userinfo. (A
        // scheme without an origin of its own, `javascript:` say, matches
        // no page.)
        listed.ok_or_else(refused)
    }

    /// A page on the public origin.
    pub(super) fn page(&self, path: &str) -> Result<Url, AuthError> {
        Url::parse(&self.0.config.mail.public_url)
            .and_then(|base| base.join(path))
            .map_err(|e| {
                tracing::error!(error = %e, "mail.public_url does not make page links");
                AuthError::Unavailable
            })
    }

    pub(crate) async fn issue_one_time(
        &self,
        purpose: OneTimePurpose,
        user_id: &str,
        data: &str,
        ttl: Duration,
    ) -> Result<String, AuthError> {
        let secret = opaque::generate();
        let now = self.now();
        let token = OneTimeToken {
            token_hash: opaque::digest(&secret),
            purpose,
            user_id: user_id.to_owned(),
            data: data.to_owned(),
            failures: 0,
            created_at: now,
            expires_at: now + ttl,
        };
        self.0.one_time.create_one_time_token(&token).await?;
        Ok(secret)
    }

    /// Spends a link's token: unknown, spent, expired or of another purpose
    /// all answer the same [`AuthError::TokenInvalid`].
    pub(super) async fn spend_one_time(
        &self,
        secret: &str,
        purpose: OneTimePurpose,
    ) -> Result<OneTimeToken, AuthError> {
        let tokens = &self.0.one_time;
        let token = tokens
            .find_one_time_token(&opaque::digest(secret))
            .await?
            .filter(|t| t.purpose == purpose)
            .ok_or(AuthError::TokenInvalid)?;
        record_user(&token.user_id);
        let live = token.expires_at > self.now();
        if !tokens.consume_one_time_token(&token.token_hash).await? || !live {
            return Err(AuthError::TokenInvalid);
        }
        Ok(token)
    }

    pub(super) async fn mail(
        &self,
        template: &Template,
        user: &User,
        to: &str,
        link: &str,
    ) -> Result<(), AuthError> {
        let email = template.render(to, user.name.as_deref(), link);
        self.send(&email).await
    }

    /// Sends one message within `mail.send_timeout`; failures are logged
    /// and counted, never silent.
    pub(super) async fn send(&self, email: &Email) -> Result<(), AuthError> {
        let Some(mailer) = &self.0.mailer else {
            return Err(self.mail_failed(email, "no mailer configured"));
        };
        let mail = &self.0.config.mail;
        match tokio::time::timeout(mail.send_timeout, mailer.send(&mail.from, email)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.mail_failed(email, &e.to_string())),
            Err(_) => Err(self.mail_failed(email, "timed out")),
        }
    }

    fn mail_failed(&self, email: &Email, why: &str) -> AuthError {
        self.0.mail_failures.fetch_add(1, Ordering::Relaxed);
        tracing::error!(target: "portcullis::mail", subject = %email.subject, why, "a message could not be sent");
        AuthError::Unavailable
    }

    /// 503 unless a mailer is configured (checked before anything is written).
    fn mailer_present(&self) -> Result<(), AuthError> {
        if self.0.mailer.is_none() {
            tracing::error!(target: "portcullis::mail", "no mailer configured: set one with Auth::builder().mailer(..)");
            return Err(AuthError::Unavailable);
        }
        Ok(())
    }

    /// Runs work after the answer has gone; failures are logged.
    pub(super) fn in_background(
        &self,
        work: impl Future<Output = Result<(), AuthError>> + Send + 'static,
    ) -> Result<(), AuthError> {
        self.mailer_present()?;
        tokio::spawn(async move {
            if let Err(e) = work.await {
                tracing::error!(target: "portcullis::mail", error = %e, "mail work failed");
            }
        });
        Ok(())
    }
}

/// The page URL with `token=` added to its query.
pub(super) fn with_token(page: &Url, token: &str) -> String {
    let mut link = page.clone();
    link.query_pairs_mut().append_pair("token", token);
    link.into()
}
