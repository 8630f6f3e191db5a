//! Accepting portcullis access tokens in another service of the same app
//! (feature `verifier`): no store, no database, no secret — only the
//! issuer's public keys, fetched from its JWKS URL.
//!
//! A [`Verifier`] fetches the key set once and caches it. A token whose
//! `kid` is not in the cache (the issuer rotated its keys) makes it fetch
//! the set again, but at most once per [`refetch_interval`](VerifierBuilder::refetch_interval),
//! so a flood of made-up `kid`s cannot hammer the issuer. It checks the
//! signature with the algorithm the key pins (asymmetric only), and `iss`,
//! `aud`, `exp` and the access-token `typ`. Its [`layer`](Verifier::layer)
//! puts the result where the [`crate::Identity`] extractor and
//! the role guard ([`crate::web::GuardLayer`]) find it, in
//! axum and, with `actix_middleware`, in actix-web.
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use portcullis::Identity;
//! use portcullis::verifier::Verifier;
//! use portcullis::web::{GuardLayer, Requirement};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::builder("https://auth.example.com/.well-known/jwks.json").build()?;
//! let app: Router = Router::new()
//!     .route("/whoami", get(|me: Identity| async move { me.user_id }))
//!     .route(
//!         "/reports",
//!         get(|| async { "admins only" })
//!             .route_layer(GuardLayer::new(Requirement::Role("admin".into()))),
//!     )
//!     .layer(verifier.layer());
//! # Ok(()) }
//! ```

#[cfg(feature = "actix-web")]
mod actix;
mod layer;

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use time::OffsetDateTime;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::error::{AuthError, ConfigError};
use crate::identity::Identity;
use crate::keys::SigningAlgorithm;
use crate::remote::RemoteError;
use crate::remote::cache::Fetched;
use crate::remote::http::{get_json, http_client};
use crate::token::jwt::{identity, validation, verify_claims};

#[cfg(feature = "actix-web")]
pub use actix::{VerifierMiddleware, VerifierMiddlewareService};
pub use layer::{VerifierLayer, VerifierService};

/// Verifies portcullis access tokens with the issuer's published keys.
/// Cheap to clone: clones share one key cache.
#[derive(Clone)]
pub struct Verifier(Arc<Inner>);

struct Inner {
    jwks_url: String,
    issuer: String,
    audience: String,
    refetch: Duration,
    max_age: Duration,
    http: reqwest::Client,
    keys: Fetched<JwkSet>,
    clock: Arc<dyn Clock>,
    /// When the verifier was built, by the clock and as an instant: the
    /// cache's ages are measured on the clock, so that tests can move time.
    born: (OffsetDateTime, Instant),
}

/// Builds a [`Verifier`]; see [`Verifier::builder`].
#[must_use]
pub struct VerifierBuilder {
    jwks_url: String,
    issuer: Option<String>,
    audience: String,
    refetch: Duration,
    max_age: Duration,
    timeout: Duration,
    clock: Arc<dyn Clock>,
}

impl Verifier {
    /// A verifier of the tokens whose keys `jwks_url` publishes
    /// (`https://auth.example.com/.well-known/jwks.json`).
    pub fn builder(jwks_url: impl Into<String>) -> VerifierBuilder {
        VerifierBuilder {
            jwks_url: jwks_url.into(),
            issuer: None,
            audience: "portcullis".into(),
            refetch: Duration::from_secs(60),
            max_age: Duration::from_secs(3600),
            timeout: Duration::from_secs(10),
            clock: Arc::new(SystemClock),
        }
    }

    /// The identity an access token carries, if the issuer's key signed it,
    /// for this issuer and audience, and it has not expired. An unreachable
    /// issuer (with no usable cached key) is [`AuthError::Unavailable`]:
    /// the request fails closed.
    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let inner = &self.0;
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::TokenInvalid)?;
        let kid = header.kid.ok_or(AuthError::TokenInvalid)?;
        let jwk = self.key(&kid).await?;
        let algorithm = algorithm_of(&jwk).ok_or(AuthError::TokenInvalid)?;
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| AuthError::TokenInvalid)?;
        let checks = validation(algorithm.jwt(), &inner.issuer, &inner.audience);
        identity(verify_claims(token, &key, &checks)?, inner.clock.now())
    }

    /// The key named `kid`: from the cache, or from a new fetch if the
    /// cache is too old or does not know it and the last fetch is older
    /// than the refetch interval.
    async fn key(&self, kid: &str) -> Result<Jwk, AuthError> {
        let inner = &self.0;
        let usable = |set: &JwkSet, age: Duration| {
            age < inner.max_age && (set.find(kid).is_some() || age < inner.refetch)
        };
        let fetch = async {
            let json = get_json(&inner.http, &inner.jwks_url, None).await?;
            serde_json::from_value::<JwkSet>(json)
                .map_err(|e| RemoteError::Refused(format!("not a JWK Set: {e}")))
        };
        let set = inner
            .keys
            .get(self.instant(), usable, fetch)
            .await
            .map_err(|err: RemoteError| {
                tracing::warn!(url = %inner.jwks_url, error = %err, "the issuer's key set could not be had");
                AuthError::Unavailable
            })?;
        set.find(kid).cloned().ok_or(AuthError::TokenInvalid)
    }

    /// Now, as an instant of the cache, by the clock.
    fn instant(&self) -> Instant {
        let inner = &self.0;
        let (at, instant) = inner.born;
        instant + Duration::try_from(inner.clock.now() - at).unwrap_or_default()
    }

    /// The tower layer that verifies each request's bearer token (see
    /// [`VerifierLayer`]).
    pub fn layer(&self) -> VerifierLayer {
        VerifierLayer::new(self.clone())
    }
}

impl VerifierBuilder {
    /// The `iss` tokens must carry; default: the JWKS URL's origin (the
    /// quickstart's public URL).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The `aud` tokens must carry; default `portcullis`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The shortest time between two fetches caused by unknown `kid`s;
    /// default one minute.
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch = interval;
        self
    }

    /// How long a fetched key set is used at most; default one hour (a key
    /// the issuer withdrew stops working within it).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }

    /// The longest wait for the issuer; default 10 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock tokens expire by; default the system clock.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Checks the settings; the key set is fetched at the first token.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        let url = Url::parse(&self.jwks_url)
            .map_err(|e| ConfigError(format!("the JWKS URL {:?}: {e}", self.jwks_url)))?;
        let secure = match (url.scheme(), url.host()) {
            ("https", Some(_)) => true,
            ("http", Some(url::Host::Domain(host))) => host == "localhost",
            ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
            ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
            _ => false,
        };
        if !secure {
            return Err(ConfigError(format!(
                "the JWKS URL must be https (plain http only on loopback): {}",
                self.jwks_url
            )));
        }
        if self.refetch.is_zero() || self.max_age < self.refetch || self.timeout.is_zero() {
            return Err(ConfigError::new(
                "verifier: refetch interval and timeout positive, max age at least the interval",
            ));
        }
        let issuer = self
            .issuer
            .unwrap_or_else(|| url.origin().ascii_serialization());
        let born = (self.clock.now(), Instant::now());
        Ok(Verifier(Arc::new(Inner {
            jwks_url: self.jwks_url,
            issuer,
            audience: self.audience,
            refetch: self.refetch,
            max_age: self.max_age,
            http: http_client(self.timeout)?,
            keys: Fetched::new(),
            clock: self.clock,
            born,
        })))
    }
}

/// The algorithm a published key pins: its `alg`, or what its type implies;
/// never an HMAC or `none`.
fn algorithm_of(jwk: &Jwk) -> Option<SigningAlgorithm> {
    let implied = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            SigningAlgorithm::EdDsa
        }
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            SigningAlgorithm::Es256
        }
        AlgorithmParameters::RSA(_) => SigningAlgorithm::Rs256,
        _ => return None,
    };
    match jwk.common.key_algorithm {
        None => Some(implied),
        Some(KeyAlgorithm::EdDSA) if implied == SigningAlgorithm::EdDsa => Some(implied),
        Some(KeyAlgorithm::ES256) if implied == SigningAlgorithm::Es256 => Some(implied),
        Some(KeyAlgorithm::RS256) if implied == SigningAlgorithm::Rs256 => Some(implied),
        Some(_) => None,
    }
}
