//! What the quickstart and the actix example share: the service built from
//! the `PORTCULLIS_*` environment (see `examples/quickstart.rs`), the first
//! admin, logging, and the shutdown signal.

use std::collections::BTreeMap;
use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use portcullis::mail::{OutboxMailer, SmtpMailer};
use portcullis::oauth::{FacebookProvider, GitHubProvider, OidcProvider, ProviderConfig};
use portcullis::{Auth, AuthBuilder, AuthConfig, NewAccount};
use portcullis_sqlx::SqlStore;
use tracing_subscriber::EnvFilter;

const SECRET_FILE: &str = ".portcullis-secret";

/// The service and where to serve it, from the environment.
pub struct Setup {
    /// The service.
    pub auth: Auth,
    /// `PORTCULLIS_ADDR`.
    pub addr: SocketAddr,
    /// `PORTCULLIS_PUBLIC_URL`.
    pub public_url: String,
}

/// Logging, configuration, store, mailer and the first admin.
pub async fn from_env() -> Result<Setup, Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let addr: SocketAddr = env_or("PORTCULLIS_ADDR", "127.0.0.1:3000").parse()?;
    let database_url = env_or("PORTCULLIS_DATABASE_URL", "sqlite://portcullis.db?mode=rwc");
    let public_url = env_or("PORTCULLIS_PUBLIC_URL", &format!("http://{addr}"));

    let mut config = AuthConfig::new(jwt_secret()?);
    config.cookies.secure = public_url.starts_with("https://");
    config.allowed_origins = vec![public_url.trim_end_matches('/').to_owned()];
    if let Ok(proxies) = std::env::var("PORTCULLIS_TRUSTED_PROXIES") {
        config.trusted_proxies = proxies
            .split(',')
            .map(|p| p.trim().parse())
            .collect::<Result<_, _>>()?;
    }
    config.mail.public_url = public_url.clone();
    if let Ok(from) = std::env::var("PORTCULLIS_MAIL_FROM") {
        config.mail.from = from;
    }
    if let Ok(pages) = std::env::var("PORTCULLIS_RESET_URL_ALLOW_LIST") {
        config.mail.reset_url_allow_list = pages.split(',').map(|p| p.trim().to_owned()).collect();
    }
    config.oauth.redirect_origins = vec![public_url.trim_end_matches('/').to_owned()];
    if let Ok(origins) = std::env::var("PORTCULLIS_REDIRECT_ALLOW_LIST") {
        config.oauth.redirect_origins.extend(
            origins
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned),
        );
    }

    let store = SqlStore::connect(&database_url).await?;
    let builder = with_oauth(Auth::builder(config).store(store), &public_url)?;
    let auth = match std::env::var("PORTCULLIS_SMTP_URL") {
        Ok(url) => builder.mailer(SmtpMailer::from_url(&url, Duration::from_secs(10))?),
        Err(_) => {
            let outbox = env_or("PORTCULLIS_OUTBOX", "./outbox");
            tracing::info!("mail is written to {outbox}/");
            builder.mailer(OutboxMailer::new(outbox))
        }
    }
    .build()?;
    ensure_admin(&auth).await?;
    let janitor = auth.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            match janitor.purge_expired().await {
                Ok(purged) => tracing::info!(purged, "expired sessions and links purged"),
                Err(e) => tracing::warn!(error = %e, "purging expired records failed"),
            }
        }
    });
    Ok(Setup {
        auth,
        addr,
        public_url,
    })
}

/// What a provider's `PORTCULLIS_OAUTH_<NAME>_*` variables may set.
const OAUTH_FIELDS: &[&str] = &[
    "CLIENT_ID",
    "CLIENT_SECRET",
    "ISSUER",
    "REDIRECT_URI",
    "SCOPES",
    "APP_CALLBACK_URL",
    "AUTO_SET_COOKIES",
];

/// The login providers the environment enables: every `<NAME>` with
/// `PORTCULLIS_OAUTH_<NAME>_CLIENT_ID` and `_CLIENT_SECRET`. GOOGLE, GITHUB
/// and FACEBOOK are presets; any other name is an OpenID Connect provider
/// and needs `_ISSUER`. Optional: `_REDIRECT_URI` (default
/// `{PUBLIC_URL}/api/auth/<name>/callback`), `_SCOPES`, `_APP_CALLBACK_URL`
/// (tokens go there instead of through the cookie bridge, unless
/// `_AUTO_SET_COOKIES=true`). A variable that names no known setting, or a
/// provider missing its id or secret, stops the start-up.
fn with_oauth(mut builder: AuthBuilder, public_url: &str) -> Result<AuthBuilder, Box<dyn Error>> {
    let mut providers: BTreeMap<String, BTreeMap<&str, String>> = BTreeMap::new();
    for (key, value) in std::env::vars() {
        let Some(rest) = key.strip_prefix("PORTCULLIS_OAUTH_") else {
            continue;
        };
        let setting = OAUTH_FIELDS.iter().find_map(|field| {
            let name = rest.strip_suffix(field)?.strip_suffix('_')?;
            Some((name.to_owned(), *field))
        });
        let Some((name, field)) = setting else {
            return Err(format!(
                "{key} is not a provider setting: PORTCULLIS_OAUTH_<NAME>_ and one of {}",
                OAUTH_FIELDS.join(", ")
            )
            .into());
        };
        providers.entry(name).or_default().insert(field, value);
    }
    for (upper, mut settings) in providers {
        let mut take = |field: &str| settings.remove(field).filter(|v| !v.is_empty());
        let missing = |field: &str| format!("PORTCULLIS_OAUTH_{upper}_{field} is not set");
        let id = take("CLIENT_ID").ok_or_else(|| missing("CLIENT_ID"))?;
        let secret = take("CLIENT_SECRET").ok_or_else(|| missing("CLIENT_SECRET"))?;
        let name = upper.to_ascii_lowercase();
        let callback = format!(
            "{}/api/auth/{name}/callback",
            public_url.trim_end_matches('/')
        );
        let mut config =
            ProviderConfig::new(&name, id, secret, take("REDIRECT_URI").unwrap_or(callback));
        if let Some(scopes) = take("SCOPES") {
            config.scopes = scopes
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        config.app_callback_url = take("APP_CALLBACK_URL");
        config.auto_set_cookies = match take("AUTO_SET_COOKIES").as_deref() {
            None => config.app_callback_url.is_none(),
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(format!(
                    "PORTCULLIS_OAUTH_{upper}_AUTO_SET_COOKIES is true or false, not {other:?}"
                )
                .into());
            }
        };
        builder = match (name.as_str(), take("ISSUER")) {
            (_, Some(issuer)) => builder.oauth_provider(OidcProvider::new(config, issuer)?),
            ("google", None) => builder.oauth_provider(OidcProvider::google(config)?),
            ("github", None) => builder.oauth_provider(GitHubProvider::new(config)?),
            ("facebook", None) => builder.oauth_provider(FacebookProvider::new(config)?),
            (_, None) => {
                return Err(missing("ISSUER").into());
            }
        };
        tracing::info!(provider = %name, "OAuth login enabled");
    }
    Ok(builder)
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// `PORTCULLIS_JWT_SECRET`, else the secret kept in `.portcullis-secret`,
/// else a new one written there (readable by the owner only).
fn jwt_secret() -> Result<Vec<u8>, Box<dyn Error>> {
    if let Ok(secret) = std::env::var("PORTCULLIS_JWT_SECRET") {
        return Ok(secret.into_bytes());
    }
    if let Ok(secret) = std::fs::read_to_string(SECRET_FILE) {
        return Ok(secret.trim().as_bytes().to_vec());
    }
    let secret = portcullis::token::opaque::generate();
    write_private(SECRET_FILE, &secret)?;
    tracing::info!("generated a JWT secret and kept it in {SECRET_FILE}");
    Ok(secret.into_bytes())
}

#[cfg(unix)]
fn write_private(path: &str, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(content.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &str, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

/// Creates the admin on first start; a generated password is printed once.
async fn ensure_admin(auth: &Auth) -> Result<(), Box<dyn Error>> {
    let email = env_or("PORTCULLIS_ADMIN_EMAIL", "admin@example.com");
    if auth.find_user_by_email(&email).await?.is_some() {
        return Ok(());
    }
    let (password, generated) = match std::env::var("PORTCULLIS_ADMIN_PASSWORD") {
        Ok(password) if !password.is_empty() => (password, false),
        _ => (portcullis::token::opaque::generate(), true),
    };
    let mut account = NewAccount::new(&email, &password, "admin");
    account.name = Some("Admin".into());
    auth.create_user(account).await?;
    if generated {
        println!(
            "Created admin {email} with password: {password}\n(shown once; set PORTCULLIS_ADMIN_PASSWORD to choose it)"
        );
    } else {
        tracing::info!("created admin {email}");
    }
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
#[allow(dead_code)] // the actix example lets actix handle signals
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
