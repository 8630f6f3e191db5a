//! What the quickstart and the actix example share: the service built from
//! the `PORTCULLIS_*` environment (see `portcullis::config::Environment`),
//! what a fleet shares, the first admin, logging, and the shutdown signal.

use std::error::Error;
use std::net::SocketAddr;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use portcullis::config::Environment;
use portcullis::{Auth, AuthBuilder, NewAccount};
use portcullis_redis::Redis;
use portcullis_sqlx::{PgRevocations, SqlStore};
use tracing_subscriber::EnvFilter;

/// The service and where to serve it, from the environment.
pub struct Setup {
    /// The service.
    pub auth: Auth,
    /// `PORTCULLIS_ADDR`.
    pub addr: SocketAddr,
    /// `PORTCULLIS_PUBLIC_URL`.
    pub public_url: String,
    /// With `PORTCULLIS_METRICS=true`: the Prometheus rendering of the
    /// metrics, for a `/metrics` route.
    pub metrics: Option<PrometheusHandle>,
}

/// Logging, configuration, store, mailer, providers and the first admin.
pub async fn from_env() -> Result<Setup, Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let env = Environment::read()?;
    let metrics = match env.get("METRICS") {
        Some("true") => {
            let handle = PrometheusBuilder::new().install_recorder()?;
            // The recorder's histograms drain only at upkeep: keep them
            // bounded whether or not anything scrapes /metrics.
            let upkeep = handle.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
                loop {
                    every.tick().await;
                    upkeep.run_upkeep();
                }
            });
            Some(handle)
        }
        Some("false") | None => None,
        Some(other) => {
            return Err(format!("PORTCULLIS_METRICS is true or false, not {other:?}").into());
        }
    };
    let store = SqlStore::connect(env.database_url()).await?;
    let builder = Auth::builder(env.config()?).store(store.clone());
    let builder = fleet(builder, &env, store).await?;
    let auth = env.apply(builder)?.build()?;
    ensure_admin(&auth, &env).await?;
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
        addr: env.addr()?,
        public_url: env.public_url()?,
        metrics,
    })
}

/// What a fleet of instances shares besides the store: the rate limiter
/// and the revocation channel of strict sessions. `PORTCULLIS_REDIS_URL`
/// puts both in Redis; without it, a PostgreSQL database holds both (the
/// limiter in a table, revocations by `LISTEN/NOTIFY`); a SQLite file
/// serves one process, which keeps them in memory.
async fn fleet(
    builder: AuthBuilder,
    env: &Environment,
    store: SqlStore,
) -> Result<AuthBuilder, Box<dyn Error>> {
    let database = env.database_url();
    Ok(match env.get("REDIS_URL") {
        Some(url) => {
            let redis = Redis::connect(url)
                .await
                .map_err(|e| format!("PORTCULLIS_REDIS_URL: {e}"))?;
            builder.rate_limiter(redis.clone()).revocations(redis)
        }
        None if database.starts_with("postgres") => builder
            .revocations(PgRevocations::new(&store, database))
            .rate_limiter(store),
        None => builder,
    })
}

/// Creates the admin on first start; a generated password is printed once.
async fn ensure_admin(auth: &Auth, env: &Environment) -> Result<(), Box<dyn Error>> {
    let email = env.get("ADMIN_EMAIL").unwrap_or("admin@example.com");
    if auth.find_user_by_email(email).await?.is_some() {
        return Ok(());
    }
    let (password, generated) = match env.get("ADMIN_PASSWORD") {
        Some(password) => (password.to_owned(), false),
        // 122 random bits, as hex.
        None => (portcullis::store::new_id().replace('-', ""), true),
    };
    let mut account = NewAccount::new(email, &password, "admin");
    account.name = Some("Admin".into());
    match auth.create_user(account).await {
        // Another instance of the fleet, starting at the same time, made it.
        Err(portcullis::AuthError::Conflict(_)) => return Ok(()),
        other => other?,
    };
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
