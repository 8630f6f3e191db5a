//! The table of variables: every name the environment may hold.

/// Every variable (after the prefix) and what it sets; `OAUTH_<NAME>_<FIELD>`
/// comes on top (see [`Environment::apply`](super::Environment::apply)).
pub(super) const VARIABLES: &[(&str, &str)] = &[
    (
        "ADDR",
        "listen address, default 127.0.0.1:3000 (read by the app)",
    ),
    (
        "DATABASE_URL",
        "sqlite://… or postgres://…, default sqlite://portcullis.db?mode=rwc (read by the app)",
    ),
    (
        "PUBLIC_URL",
        "this server's origin as browsers see it, default http:// + ADDR",
    ),
    (
        "JWT_SECRET",
        "an HS256 secret for access tokens, instead of an Ed25519 key",
    ),
    (
        "SIGNING_KEY",
        "a PEM file with the access-token key; default an Ed25519 key generated once",
    ),
    (
        "VERIFY_KEYS",
        "comma-separated PEM files of keys that only verify (rotation)",
    ),
    (
        "SEALING_KEY",
        "the TOTP sealing key, 32 bytes in base64url; default generated once",
    ),
    (
        "JWKS_URL",
        "where a downstream service fetches the key set (read by examples/downstream.rs)",
    ),
    (
        "JWKS_REFETCH_SECONDS",
        "how often a downstream service may fetch the key set again (read by examples/downstream.rs)",
    ),
    ("TRUSTED_PROXIES", "comma-separated proxy IPs"),
    ("MAIL_FROM", "the From of mail"),
    ("RESET_URL_ALLOW_LIST", "comma-separated reset pages"),
    (
        "REDIRECT_ALLOW_LIST",
        "comma-separated origins logins may return to",
    ),
    ("OUTBOX", "folder for mail as .eml files, default ./outbox"),
    ("SMTP_URL", "send mail over SMTP instead"),
    ("ADMIN_EMAIL", "the first admin (read by the app)"),
    (
        "ADMIN_PASSWORD",
        "the first admin's password (read by the app)",
    ),
    (
        "STRICT_SESSIONS",
        "true: an ended session's access tokens are refused at once, on every instance",
    ),
    (
        "OAUTH_BRIDGE",
        "tokens (the default, as the seed API has it) or code: what an external login carries to the app",
    ),
    (
        "DIRECTUS_QUERY_TOKEN",
        "false: the Directus dialect takes no ?access_token= (default true, as Directus does)",
    ),
    (
        "METRICS",
        "true: the metrics at GET /metrics in Prometheus's format (read by the app)",
    ),
    (
        "MAGIC_LINKS",
        "true: POST /auth/magic-link mails single-use sign-in links (default false)",
    ),
    (
        "REDIS_URL",
        "redis://…: the rate limiter and revocation channel a fleet shares (read by the app)",
    ),
];

/// What a provider's `PORTCULLIS_OAUTH_<NAME>_*` variables may set.
pub(super) const OAUTH_FIELDS: &[&str] = &[
    "CLIENT_ID",
    "CLIENT_SECRET",
    "ISSUER",
    "REDIRECT_URI",
    "SCOPES",
    "APP_CALLBACK_URL",
    "AUTO_SET_COOKIES",
];

/// `<NAME>` and `<FIELD>` of an `OAUTH_<NAME>_<FIELD>` variable.
pub(super) fn oauth_setting(name: &str) -> Option<(&str, &'static str)> {
    let rest = name.strip_prefix("OAUTH_")?;
    OAUTH_FIELDS.iter().find_map(|field| {
        let provider = rest.strip_suffix(field)?.strip_suffix('_')?;
        (!provider.is_empty()).then_some((provider, *field))
    })
}

/// A yes-or-no variable's value: `true` or `false`, nothing else.
pub(super) fn boolean(name: &str, value: &str) -> Result<bool, crate::error::ConfigError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(crate::error::ConfigError(format!(
            "{name} is true or false, not {other:?}"
        ))),
    }
}
