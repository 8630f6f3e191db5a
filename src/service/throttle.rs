//! The budgets that stop guessing: per client IP, per account (consecutive
//! failures, then a cool-down), and the account's lockout ceiling
//! (failures over a long time, reset only by a success; past it the
//! account waits for a password reset or an admin's unlock).

use crate::audit::AuthEvent;
use crate::error::AuthError;
use crate::store::{Decision, User, Window, email_key};
use crate::token::opaque;

use super::measure;
use super::notify::Notice;
use super::{Auth, Client};

/// How long failures count toward the lockout ceiling without a success
/// between them: long enough that slow guessing still adds up.
const LOCKOUT_MEMORY: std::time::Duration = std::time::Duration::from_secs(365 * 24 * 3600);

impl Auth {
    /// Counts one attempt by the client's IP under `purpose` against the
    /// `ip_throttle` budget (nothing without a known IP).
    pub(crate) async fn charge_ip(&self, client: Client, purpose: &str) -> Result<(), AuthError> {
        let Some(key) = client.ip_key(purpose) else {
            return Ok(());
        };
        let budget = self.0.config.throttles.ip;
        let decision = self
            .0
            .limiter
            .hit(&key, budget.limit, Window::Fixed(budget.window), self.now())
            .await?;
        limited(decision)
    }

    /// Counts one attempt at proving an account (a password or a code)
    /// against its budget of consecutive failures, and refuses an account
    /// locked out by its ceiling.
    pub(crate) async fn charge_account(&self, email: &str) -> Result<(), AuthError> {
        self.charge(Guarded::Account(email)).await
    }

    /// Charges an attempt at `email`'s account from `device` (a known
    /// device's id): to the device's own budget while it is not locked out
    /// by its own failures, else to the account's. Returns whose it was.
    pub(crate) async fn charge_attempt<'a>(
        &self,
        email: &'a str,
        device: Option<&'a str>,
    ) -> Result<Guarded<'a>, AuthError> {
        if let Some(id) = device {
            match self.charge(Guarded::Device(id)).await {
                Ok(()) => return Ok(Guarded::Device(id)),
                // A device locked out by its own failures is known no more.
                Err(AuthError::AccountLocked) => {}
                Err(other) => return Err(other),
            }
        }
        self.charge_account(email).await?;
        Ok(Guarded::Account(email))
    }

    /// Counts one attempt against `who`'s budget of consecutive failures;
    /// refuses `who` once locked out by its ceiling.
    pub(crate) async fn charge(&self, who: Guarded<'_>) -> Result<(), AuthError> {
        let throttles = &self.0.config.throttles;
        let ceiling = self
            .0
            .limiter
            .peek(&who.lockout_key(), throttles.lockout_ceiling, self.now())
            .await?;
        if matches!(ceiling, Decision::Limited { .. }) {
            return Err(AuthError::AccountLocked);
        }
        let budget = throttles.account;
        let decision = self
            .0
            .limiter
            .hit(
                &who.short_key(),
                budget.limit,
                Window::Sliding(budget.window),
                self.now(),
            )
            .await?;
        limited(decision)
    }

    /// Counts a failed attempt toward `who`'s lockout ceiling; the failure
    /// that reaches an account's ceiling locks it and tells its owner.
    pub(crate) async fn count_failure(
        &self,
        who: Guarded<'_>,
        user: Option<&User>,
    ) -> Result<(), AuthError> {
        let ceiling = self.0.config.throttles.lockout_ceiling;
        let decision = self
            .0
            .limiter
            .hit(
                &who.lockout_key(),
                ceiling,
                Window::Sliding(LOCKOUT_MEMORY),
                self.now(),
            )
            .await?;
        if let (Decision::Allowed { remaining: 0 }, Guarded::Account(_), Some(user)) =
            (decision, who, user)
        {
            self.record(AuthEvent::AccountLocked {
                user_id: user.id.clone(),
            });
            self.notify(user, Notice::AccountLocked);
        }
        Ok(())
    }

    /// Forgets an account's failures after it was proven.
    pub(crate) async fn clear_account(&self, email: &str) -> Result<(), AuthError> {
        self.clear(Guarded::Account(email)).await
    }

    /// Forgets `who`'s failures after a success.
    pub(crate) async fn clear(&self, who: Guarded<'_>) -> Result<(), AuthError> {
        self.0.limiter.reset(&who.short_key()).await?;
        Ok(self.0.limiter.reset(&who.lockout_key()).await?)
    }

    /// Counts a sign-in against the budgets of successes, per client IP and
    /// per account: right credentials do not open sessions without end.
    pub(crate) async fn charge_success(
        &self,
        user: &User,
        client: Client,
    ) -> Result<(), AuthError> {
        let throttles = &self.0.config.throttles;
        let account = format!("signed-in:account:{}", user.id);
        let budgets = [
            (client.ip_key("signed-in"), throttles.successes_per_ip),
            (Some(account), throttles.successes_per_account),
        ];
        for (key, budget) in budgets {
            let Some(key) = key else { continue };
            let decision = self
                .0
                .limiter
                .hit(&key, budget.limit, Window::Fixed(budget.window), self.now())
                .await?;
            limited(decision)?;
        }
        Ok(())
    }

    /// Lifts an account's lockout and cool-down (an admin API); a password
    /// reset does the same.
    #[tracing::instrument(name = "portcullis.unlock_account", skip_all, fields(user = %user_id))]
    pub async fn unlock_account(&self, user_id: &str) -> Result<(), AuthError> {
        let user = self
            .0
            .users
            .find_user(user_id)
            .await?
            .ok_or(AuthError::NotFound)?;
        self.record(AuthEvent::AccountUnlocked {
            user_id: user.id.clone(),
        });
        self.clear_account(&user.email).await
    }
}

/// Whose budgets an attempt is charged to: an account, or a device its
/// owner signed in on before (see `device.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Guarded<'a> {
    /// The account with this address.
    Account(&'a str),
    /// The device with this id.
    Device(&'a str),
}

impl Guarded<'_> {
    /// Consecutive failures, then a cool-down. A digest keeps keys short
    /// whatever the client sends as an email.
    pub(super) fn short_key(self) -> String {
        match self {
            Self::Account(email) => format!("login:account:{}", opaque::digest(&email_key(email))),
            Self::Device(id) => format!("login:device:{id}"),
        }
    }

    /// Failures toward the lockout ceiling.
    fn lockout_key(self) -> String {
        match self {
            Self::Account(email) => {
                format!("lockout:account:{}", opaque::digest(&email_key(email)))
            }
            Self::Device(id) => format!("lockout:device:{id}"),
        }
    }
}

pub(crate) fn limited(decision: Decision) -> Result<(), AuthError> {
    measure::limiter(&decision);
    match decision {
        Decision::Allowed { .. } => Ok(()),
        Decision::Limited { retry_after } => Err(AuthError::RateLimited { retry_after }),
    }
}
