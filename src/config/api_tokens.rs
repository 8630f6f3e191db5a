//! [`ApiTokenPolicy`]: lifetimes and permissions of the v1 token API.

use std::time::Duration;

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
