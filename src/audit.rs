//! Audit events: one [`AuthEvent`] for each action that matters to an
//! account's security, delivered to an [`AuditSink`].
//!
//! The default sink writes each event to `tracing` under the stable target
//! `portcullis::audit` (INFO; WARN for a lockout and a refresh-token
//! reuse), with the event as JSON in the `event` field. Events name users
//! by id and clients by IP; they never carry a password, a code or a token.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use portcullis::audit::{AuditSink, AuthEvent};
//! use time::OffsetDateTime;
//!
//! /// Keeps events for the app's own audit log.
//! #[derive(Clone, Default)]
//! struct Kept(Arc<Mutex<Vec<AuthEvent>>>);
//!
//! impl AuditSink for Kept {
//!     fn record(&self, event: &AuthEvent, _at: OffsetDateTime) {
//!         self.0.lock().unwrap().push(event.clone());
//!     }
//! }
//! ```

use std::net::IpAddr;

use serde::Serialize;
use time::OffsetDateTime;

/// Something that happened to an account's security.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthEvent {
    /// A session opened: after a password (and a second factor), an
    /// external login, or a code.
    LoginSucceeded {
        /// Who signed in.
        user_id: String,
        /// How (`amr` values).
        methods: Vec<String>,
        /// From where, when known.
        ip: Option<IpAddr>,
    },
    /// A password, a code or an API token was wrong.
    LoginFailed {
        /// The account tried, when it exists.
        user_id: Option<String>,
        /// `password`, `code`, `passkey` or `api_token`.
        factor: &'static str,
        /// From where, when known.
        ip: Option<IpAddr>,
    },
    /// Too many failures over time: the account is locked.
    AccountLocked {
        /// The account.
        user_id: String,
    },
    /// An admin lifted a lockout.
    AccountUnlocked {
        /// The account.
        user_id: String,
    },
    /// A spent refresh token came back: the session was ended.
    RefreshReused {
        /// The session's user.
        user_id: String,
        /// The session ended.
        session_id: String,
    },
    /// The user changed their password (signed in).
    PasswordChanged {
        /// The account.
        user_id: String,
    },
    /// The password was set again through a reset link.
    PasswordReset {
        /// The account.
        user_id: String,
    },
    /// A change of address was asked for (it waits for the new address).
    EmailChangeRequested {
        /// The account.
        user_id: String,
    },
    /// The account's address changed.
    EmailChanged {
        /// The account.
        user_id: String,
    },
    /// Sessions were ended on purpose: one, or all but the current one.
    SessionsEnded {
        /// The account.
        user_id: String,
        /// The one session ended, or `None` for all others.
        session_id: Option<String>,
    },
    /// A second factor was turned on.
    MfaEnabled {
        /// The account.
        user_id: String,
    },
    /// The second factor was turned off.
    MfaDisabled {
        /// The account.
        user_id: String,
        /// `user`, `admin`, `recovery_code`, or `address_reset` (a reset of
        /// an address never verified).
        by: &'static str,
    },
    /// A passkey was registered.
    PasskeyAdded {
        /// The account.
        user_id: String,
    },
    /// A passkey was removed by its owner.
    PasskeyRemoved {
        /// The account.
        user_id: String,
    },
    /// A sign-in link was mailed.
    MagicLinkSent {
        /// The account.
        user_id: String,
    },
    /// An API token was made.
    TokenMinted {
        /// `app`, `user` or `on_behalf_of`.
        kind: &'static str,
        /// Whom it acts as.
        user_id: String,
        /// For on-behalf-of tokens: who acts.
        actor: Option<String>,
    },
    /// An API token's expiry changed, or it was deleted.
    TokenChanged {
        /// `app`, `user` or `on_behalf_of`.
        kind: &'static str,
        /// Its maker, who changed it.
        owner_id: String,
        /// `expiry` or `deleted`.
        change: &'static str,
    },
    /// A request was made on behalf of someone.
    ActedOnBehalf {
        /// Who acted.
        actor: String,
        /// For whom.
        subject: String,
    },
    /// A change of credentials ended a user's user and on-behalf-of tokens.
    UserTokensEnded {
        /// The account.
        user_id: String,
        /// How many ended.
        count: u64,
    },
    /// An admin changed a user's role.
    RoleChanged {
        /// The account.
        user_id: String,
        /// The role now.
        role: String,
    },
    /// An admin acted on an account through the admin API.
    AdminAction {
        /// The admin.
        admin_id: String,
        /// `list_users`, `read_user`, `create_user`, `invite_user`,
        /// `update_user`, `delete_user`, `reset_mfa`, `end_sessions` or
        /// `end_session`.
        action: &'static str,
        /// The account (for `end_session`: the session; for `list_users`:
        /// the search, if any).
        target: String,
    },
    /// An admin (de)activated a user.
    ActiveChanged {
        /// The account.
        user_id: String,
        /// Whether it may sign in now.
        active: bool,
    },
}

impl AuthEvent {
    /// The event's name, as in its JSON `event` field.
    pub fn name(&self) -> &'static str {
        match self {
            Self::LoginSucceeded { .. } => "login_succeeded",
            Self::LoginFailed { .. } => "login_failed",
            Self::AccountLocked { .. } => "account_locked",
            Self::AccountUnlocked { .. } => "account_unlocked",
            Self::RefreshReused { .. } => "refresh_reused",
            Self::PasswordChanged { .. } => "password_changed",
            Self::PasswordReset { .. } => "password_reset",
            Self::EmailChangeRequested { .. } => "email_change_requested",
            Self::EmailChanged { .. } => "email_changed",
            Self::SessionsEnded { .. } => "sessions_ended",
            Self::MfaEnabled { .. } => "mfa_enabled",
            Self::MfaDisabled { .. } => "mfa_disabled",
            Self::PasskeyAdded { .. } => "passkey_added",
            Self::PasskeyRemoved { .. } => "passkey_removed",
            Self::MagicLinkSent { .. } => "magic_link_sent",
            Self::TokenMinted { .. } => "token_minted",
            Self::TokenChanged { .. } => "token_changed",
            Self::ActedOnBehalf { .. } => "acted_on_behalf",
            Self::UserTokensEnded { .. } => "user_tokens_ended",
            Self::RoleChanged { .. } => "role_changed",
            Self::AdminAction { .. } => "admin_action",
            Self::ActiveChanged { .. } => "active_changed",
        }
    }

    /// Whether the event suggests an attack (a lockout, a reused token).
    pub fn alarming(&self) -> bool {
        matches!(
            self,
            Self::AccountLocked { .. } | Self::RefreshReused { .. }
        )
    }
}

/// Where audit events go. Called on the request's task: keep it quick
/// (hand slow work to a channel).
pub trait AuditSink: Send + Sync + 'static {
    /// Records one event, which happened at `at`.
    fn record(&self, event: &AuthEvent, at: OffsetDateTime);
}

/// The default sink: `tracing`, target `portcullis::audit`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingAudit;

impl AuditSink for TracingAudit {
    fn record(&self, event: &AuthEvent, _at: OffsetDateTime) {
        let json = serde_json::to_string(event).unwrap_or_default();
        if event.alarming() {
            tracing::warn!(target: "portcullis::audit", event = %json, "{}", event.name());
        } else {
            tracing::info!(target: "portcullis::audit", event = %json, "{}", event.name());
        }
    }
}
