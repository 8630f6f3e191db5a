//! Magic links: a single-use sign-in link mailed to the account's address.
//!
//! Asking for one answers the same, at the same speed, whether or not the
//! address has an account (the lookup and the mail happen after the
//! answer), and is throttled per address and per IP like reset mails. The
//! link opens a page (`magic_links.path`, or an allowed `redirect`) that
//! posts its token back; a GET that signed in would let mail scanners,
//! which follow links, spend it.

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::identity::AuthMethod;
use crate::store::{NewUser, OneTimePurpose, StoreError, User, UserChanges};
use crate::token::opaque;

use super::email::with_token;
use super::{Auth, Client, LoginOutcome, record_user, valid_email};

/// What asking for a sign-in link takes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MagicLinkRequest {
    /// The account's address.
    pub email: String,
    /// The page the link opens, on `oauth.redirect_origins`; default
    /// `magic_links.path` on `mail.public_url`.
    pub redirect: Option<String>,
}

impl MagicLinkRequest {
    /// A link for `email`, to the default page.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            redirect: None,
        }
    }
}

impl Auth {
    /// Mails a sign-in link to the address if it belongs to an active
    /// account (or, with `magic_links.create_accounts`, to any address);
    /// answers the same either way. Off unless `magic_links.enabled`.
    #[tracing::instrument(name = "portcullis.request_magic_link", skip_all)]
    pub async fn request_magic_link(
        &self,
        request: MagicLinkRequest,
        client: Client,
    ) -> Result<(), AuthError> {
        self.magic_links_on()?;
        let email = valid_email(&request.email)?.to_owned();
        let page = match request.redirect.as_deref().filter(|r| !r.is_empty()) {
            Some(redirect) => self.check_redirect(None, redirect)?,
            None => self.page(&self.0.config.magic_links.path)?,
        };
        self.throttle_mail(&email, client).await?;
        let auth = self.clone();
        self.in_background(async move {
            let settings = &auth.0.config.magic_links;
            let (user, to_create) = match auth.0.users.find_user_by_email(&email).await? {
                Some(user) if user.is_active => (Some(user), ""),
                Some(_) => return Ok(()),
                None if settings.create_accounts && auth.0.config.accounts.registration_open => {
                    (None, email.as_str())
                }
                None => return Ok(()),
            };
            let user_id = user.as_ref().map_or("", |u| u.id.as_str());
            let token = auth
                .issue_one_time(OneTimePurpose::MagicLink, user_id, to_create, settings.ttl)
                .await?;
            let template = &auth.0.config.mail.templates.magic_link;
            let (to, name) = match &user {
                Some(user) => (user.email.as_str(), user.name.as_deref()),
                None => (email.as_str(), None),
            };
            let message = template.render(to, name, &with_token(&page, &token));
            auth.send(&message).await?;
            if let Some(user) = user {
                auth.record(AuthEvent::MagicLinkSent { user_id: user.id });
            }
            Ok(())
        })
    }

    /// Signs in with the token of a sign-in link: the token is spent, the
    /// address counts as verified, and a user with MFA gets
    /// [`LoginOutcome::MfaRequired`] (the link is the first factor only).
    #[tracing::instrument(name = "portcullis.sign_in_with_magic_link", skip_all, fields(user = tracing::field::Empty))]
    pub async fn sign_in_with_magic_link(
        &self,
        token: &str,
        remember: bool,
        context: Option<String>,
        client: Client,
    ) -> Result<LoginOutcome, AuthError> {
        self.magic_links_on()?;
        self.charge_ip(client, "magic_link").await?;
        let spent = self
            .spend_one_time(token, OneTimePurpose::MagicLink)
            .await?;
        let user = match spent.user_id.as_str() {
            "" => self.account_for_link(&spent.data).await?,
            id => self.active_user(id).await?,
        };
        record_user(&user.id);
        let user = if user.email_verified {
            user
        } else {
            self.claim_with_link(user).await?
        };
        self.may_sign_in(&user)?;
        if self.mfa_enabled(&user.id).await? {
            let mfa_token = self.emailed_mfa_challenge(&user, remember, context).await?;
            return Ok(LoginOutcome::MfaRequired { mfa_token });
        }
        let session = self
            .open_session(user, &[AuthMethod::EmailLink], remember, client)
            .await?;
        Ok(LoginOutcome::Session(session))
    }

    /// A link is the first proof of this account's address: what anyone
    /// set up before (a password, second factors, passkeys, identities,
    /// sessions) goes, as after a reset link, and the address is verified.
    /// The password is replaced by one nobody knows: the owner sets theirs
    /// with a reset link, or keeps signing in by link.
    async fn claim_with_link(&self, user: User) -> Result<User, AuthError> {
        self.remove_unproven_ways_in(&user.id).await?;
        self.end_user_access(&user.id, None).await?;
        let password_hash = match user.password_hash {
            Some(_) => Some(self.0.hasher.hash(&opaque::generate()).await?),
            None => None,
        };
        let claimed = UserChanges {
            email_verified: Some(true),
            password_hash,
            ..UserChanges::default()
        };
        Ok(self.0.users.update_user(&user.id, claimed).await?)
    }

    /// The account a link made for an address without one signs in: made
    /// now, or the one made meanwhile for the same address.
    async fn account_for_link(&self, email: &str) -> Result<User, AuthError> {
        if let Some(user) = self.0.users.find_user_by_email(email).await? {
            return if user.is_active {
                Ok(user)
            } else {
                Err(AuthError::TokenInvalid)
            };
        }
        let role = &self.0.config.accounts.default_role;
        let mut account = NewUser::new(email, role, None, self.now());
        account.email_verified = true;
        match self.0.users.create_user(account).await {
            Ok(user) => {
                self.0.hooks.account_created(&user).await;
                Ok(user)
            }
            Err(StoreError::Conflict) => (self.0.users.find_user_by_email(email).await?)
                .filter(|u| u.is_active)
                .ok_or(AuthError::TokenInvalid),
            Err(err) => Err(err.into()),
        }
    }

    fn magic_links_on(&self) -> Result<(), AuthError> {
        if self.0.config.magic_links.enabled {
            Ok(())
        } else {
            Err(AuthError::Forbidden("sign-in links are off"))
        }
    }
}
