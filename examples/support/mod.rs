//! What the quickstart and the actix example share: the service built from
//! the `PORTCULLIS_*` environment (see `examples/quickstart.rs`), the first
//! admin, logging, and the shutdown signal.

use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use portcullis::mail::{OutboxMailer, SmtpMailer};
use portcullis::{Auth, AuthConfig, NewAccount};
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

    let store = SqlStore::connect(&database_url).await?;
    let builder = Auth::builder(config).store(store);
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
