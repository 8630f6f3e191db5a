//! The environment's unit tests.
#![allow(clippy::unwrap_used)] // a panic is how a test fails
use super::*;

/// 32 bytes in base64url, so that no test keeps a key file.
const SEALING: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

fn env(pairs: &[(&str, &str)]) -> Result<Environment, ConfigError> {
    Environment::from_vars(
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), (*v).to_owned())),
    )
}

#[test]
fn the_public_url_sets_links_origins_and_secure_cookies() {
    let config = env(&[
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SEALING_KEY", SEALING),
        ("PUBLIC_URL", "http://localhost:8080/"),
        (
            "REDIRECT_ALLOW_LIST",
            "https://app.example, ,https://b.example",
        ),
        ("TRUSTED_PROXIES", "10.0.0.1, ::1"),
    ])
    .and_then(|e| e.config())
    .unwrap();
    assert!(!config.web.cookies.secure, "http: no Secure cookies");
    assert_eq!(config.mail.public_url, "http://localhost:8080");
    assert_eq!(config.web.allowed_origins, ["http://localhost:8080"]);
    assert_eq!(
        config.oauth.redirect_origins,
        [
            "http://localhost:8080",
            "https://app.example",
            "https://b.example"
        ]
    );
    assert_eq!(config.web.trusted_proxies.len(), 2);
    assert_eq!(
        config.keys.signing.active().algorithm(),
        crate::keys::SigningAlgorithm::Hs256,
        "PORTCULLIS_JWT_SECRET keeps HS256"
    );
    assert_eq!(
        config.keys.issuer, "http://localhost:8080",
        "iss is the public URL"
    );
}

#[test]
fn bad_values_name_their_variable() {
    let bad_proxy = env(&[
        ("JWT_SECRET", "x"),
        ("SEALING_KEY", SEALING),
        ("TRUSTED_PROXIES", "proxy.local"),
    ])
    .and_then(|e| e.config())
    .unwrap_err();
    assert!(bad_proxy.to_string().contains("PORTCULLIS_TRUSTED_PROXIES"));
    let bad_addr = env(&[("ADDR", "nowhere")])
        .and_then(|e| e.addr())
        .unwrap_err();
    assert!(bad_addr.to_string().contains("PORTCULLIS_ADDR"));
    let unknown = env(&[("OAUTH_GOOGLE_CLIENT_SECERT", "x")]).unwrap_err();
    assert!(
        unknown
            .to_string()
            .contains("PORTCULLIS_OAUTH_GOOGLE_CLIENT_SECERT")
    );
}

#[test]
#[cfg(feature = "oauth")]
fn a_half_configured_provider_names_what_is_missing() {
    let env = env(&[
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SEALING_KEY", SEALING),
        ("OAUTH_KEYCLOAK_CLIENT_ID", "portcullis"),
        ("OAUTH_KEYCLOAK_CLIENT_SECRET", "secret"),
    ])
    .unwrap();
    let builder = crate::Auth::builder(env.config().unwrap());
    let missing = env.providers(builder).err().map(|e| e.to_string());
    assert!(
        missing.is_some_and(|e| e.contains("PORTCULLIS_OAUTH_KEYCLOAK_ISSUER")),
        "a provider that is no preset needs an issuer"
    );
}

#[test]
fn keys_are_kept_beside_a_sqlite_database() {
    let beside = env(&[("DATABASE_URL", "sqlite:///var/lib/app/auth.db?mode=rwc")]).unwrap();
    assert_eq!(beside.key_dir(), PathBuf::from("/var/lib/app"));
    assert_eq!(env(&[]).unwrap().key_dir(), PathBuf::from("."));
    let postgres = env(&[("DATABASE_URL", "postgres://db/app")]).unwrap();
    assert_eq!(postgres.key_dir(), PathBuf::from("."));
}

#[test]
fn debug_output_shows_names_never_values() {
    let env = env(&[("JWT_SECRET", "very secret value of the key")]).unwrap();
    let shown = format!("{env:?}");
    assert!(
        shown.contains("JWT_SECRET") && !shown.contains("very secret"),
        "{shown}"
    );
}

#[test]
fn strict_sessions_are_off_unless_asked_and_only_true_or_false() {
    let base = [
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SEALING_KEY", SEALING),
    ];
    let with = |value: &str| {
        let mut pairs = base.to_vec();
        pairs.push(("STRICT_SESSIONS", value));
        env(&pairs).and_then(|e| e.config())
    };
    assert!(!env(&base).and_then(|e| e.config()).unwrap().sessions.strict);
    assert!(with("true").unwrap().sessions.strict);
    assert!(!with("false").unwrap().sessions.strict);
    let err = with("yes").unwrap_err().to_string();
    assert!(err.contains("PORTCULLIS_STRICT_SESSIONS"), "{err}");
}

#[test]
fn the_seed_contracts_are_the_default_and_the_safer_choices_a_variable_away() {
    let base = [
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SEALING_KEY", SEALING),
    ];
    let with = |pairs: &[(&'static str, &'static str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(pairs);
        env(&all).and_then(|e| e.config())
    };
    let seed = with(&[]).unwrap();
    assert_eq!(seed.oauth.bridge, crate::config::OAuthBridge::Tokens);
    assert!(seed.web.query_access_token);
    let safer = with(&[("OAUTH_BRIDGE", "code"), ("DIRECTUS_QUERY_TOKEN", "false")]).unwrap();
    assert_eq!(safer.oauth.bridge, crate::config::OAuthBridge::Code);
    assert!(!safer.web.query_access_token);
    let err = with(&[("OAUTH_BRIDGE", "url")]).unwrap_err().to_string();
    assert!(err.contains("PORTCULLIS_OAUTH_BRIDGE"), "{err}");
}

#[test]
fn magic_links_are_off_unless_the_variable_says_true() {
    let base = [
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ("SEALING_KEY", SEALING),
    ];
    let off = env(&base).and_then(|e| e.config()).unwrap();
    assert!(!off.magic_links.enabled);
    let on = env(&[base[0], base[1], ("MAGIC_LINKS", "true")])
        .and_then(|e| e.config())
        .unwrap();
    assert!(on.magic_links.enabled);
    let wrong = env(&[base[0], base[1], ("MAGIC_LINKS", "yes")]).and_then(|e| e.config());
    assert!(
        wrong
            .unwrap_err()
            .to_string()
            .contains("PORTCULLIS_MAGIC_LINKS")
    );
}
