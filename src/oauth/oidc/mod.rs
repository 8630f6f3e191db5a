//! Any OpenID Connect provider, by its issuer URL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use oauth2::AuthType;
use serde::Deserialize;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use url::Url;

use super::http::{CodeFlow, text};
use super::{
    AuthorizationRequest, CodeExchange, Grant, OAuthError, OAuthProvider, Profile, ProviderConfig,
};
use crate::error::ConfigError;
use crate::remote::cache::Fetched;
use crate::remote::http::{get_json, http_client};

/// The algorithms an ID token may be signed with: asymmetric only (a
/// provider's HMAC would be keyed with our client secret, and `none` is no
/// signature at all).
const SIGNING_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Clock skew allowed on an ID token's expiry.
const LEEWAY: i64 = 60;

/// The shortest time between two fetches of the key set: a token with an
/// unknown `kid` triggers a fetch (the provider rotated its keys), but
/// forged tokens cannot make us hammer the provider.
const JWKS_REFETCH: Duration = Duration::from_secs(60);

/// How long a fetched key set or discovery document is used: keys the
/// provider withdrew stop working, and moved endpoints are found, within a day.
const MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// An OpenID Connect provider: endpoints from its discovery document
/// (fetched on first use, then daily), ID tokens checked against its key set
/// (cached; fetched again when a token names a key not in the cache). After
/// a failed fetch, logins fail fast for ten seconds instead of queueing.
///
/// The profile comes from the ID token's claims (`sub`, `email`,
/// `email_verified`, `name`, `picture`), completed from the userinfo
/// endpoint when the token carries no email.
pub struct OidcProvider {
    config: ProviderConfig,
    issuer: String,
    /// `iss` values ID tokens may carry: the issuer, and for Google its bare host too.
    accepted_issuers: Vec<String>,
    scopes: Vec<String>,
    http: reqwest::Client,
    discovered: Fetched<Discovered>,
    jwks: Fetched<JwkSet>,
}

/// What discovery tells us.
struct Discovered {
    flow: CodeFlow,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    algorithms: Vec<Algorithm>,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

impl OidcProvider {
    /// The provider whose issuer is `issuer` (`https://accounts.google.com`);
    /// scopes default to `openid email profile`.
    pub fn new(config: ProviderConfig, issuer: impl Into<String>) -> Result<Self, ConfigError> {
        config.validate()?;
        let issuer = issuer.into();
        super::http::secure_endpoint(&config, "issuer", &issuer)?;
        let mut scopes = super::http::scopes_or(&config, &["openid", "email", "profile"]);
        if !scopes.iter().any(|s| s == "openid") {
            scopes.insert(0, "openid".to_owned());
        }
        Ok(Self {
            http: http_client(config.timeout)?,
            config,
            accepted_issuers: vec![issuer.clone()],
            issuer,
            scopes,
            discovered: Fetched::new(),
            jwks: Fetched::new(),
        })
    }

    /// Google, by OpenID Connect. Its ID tokens may name the issuer
    /// `https://accounts.google.com` or `accounts.google.com`; both pass.
    pub fn google(config: ProviderConfig) -> Result<Self, ConfigError> {
        let mut config = config;
        if config.label == config.name {
            config.label = "Google".into();
        }
        let mut google = Self::new(config, "https://accounts.google.com")?;
        google.accepted_issuers.push("accounts.google.com".into());
        Ok(google)
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    async fn discovered(&self) -> Result<Arc<Discovered>, OAuthError> {
        self.discovered
            .get(Instant::now(), |_, age| age < MAX_AGE, self.discover())
            .await
    }

    /// Fetches and checks the discovery document.
    async fn discover(&self) -> Result<Discovered, OAuthError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let doc: DiscoveryDocument =
            serde_json::from_value(get_json(&self.http, &url, None).await?)
                .map_err(|e| OAuthError::Provider(format!("discovery document: {e}")))?;
        // OpenID Connect Discovery §4.3: the document speaks for this issuer exactly.
        if doc.issuer != self.issuer {
            return Err(OAuthError::Provider(format!(
                "discovery names issuer {:?}, not {:?}",
                doc.issuer, self.issuer
            )));
        }
        let insecure = [Some(&doc.jwks_uri), doc.userinfo_endpoint.as_ref()]
            .into_iter()
            .flatten()
            .find(|url| !super::http::is_secure_url(url));
        if let Some(url) = insecure {
            return Err(OAuthError::Provider(format!(
                "discovery names an insecure endpoint: {url}"
            )));
        }
        let flow = CodeFlow::new(
            &self.config,
            [&doc.authorization_endpoint, &doc.token_endpoint],
            AuthType::BasicAuth,
            self.http.clone(),
        )
        .map_err(|e| OAuthError::Provider(e.to_string()))?;
        let algorithms = if doc.id_token_signing_alg_values_supported.is_empty() {
            vec![Algorithm::RS256]
        } else {
            doc.id_token_signing_alg_values_supported
                .iter()
                .filter_map(|a| a.parse::<Algorithm>().ok())
                .filter(|a| SIGNING_ALGORITHMS.contains(a))
                .collect()
        };
        Ok(Discovered {
            flow,
            jwks_uri: doc.jwks_uri,
            userinfo_endpoint: doc.userinfo_endpoint,
            algorithms,
        })
    }

    /// The key that signed a token: from the cached key set, or from a new
    /// one when the cache does not have it (and was not just fetched).
    async fn key(&self, discovered: &Discovered, kid: Option<&str>) -> Result<Jwk, OAuthError> {
        let fetch = async {
            serde_json::from_value::<JwkSet>(
                get_json(&self.http, &discovered.jwks_uri, None).await?,
            )
            .map_err(|e| OAuthError::Provider(format!("key set: {e}")))
        };
        self.key_at(kid, Instant::now(), fetch).await
    }

    /// [`key`](Self::key) at `now`, with the key set from `fetch` when a
    /// new one is needed: the cached set serves for a day, and a `kid` it
    /// lacks makes a new fetch only if the set is a minute old.
    async fn key_at(
        &self,
        kid: Option<&str>,
        now: Instant,
        fetch: impl Future<Output = Result<JwkSet, OAuthError>>,
    ) -> Result<Jwk, OAuthError> {
        let usable = |set: &JwkSet, age: Duration| {
            age < MAX_AGE && (age < JWKS_REFETCH || pick(set, kid).is_some())
        };
        let set = self.jwks.get(now, usable, fetch).await?;
        pick(&set, kid).ok_or_else(|| OAuthError::InvalidIdToken("unknown signing key".into()))
    }

    /// Checks an ID token (OpenID Connect Core §3.1.3.7) and returns its claims.
    async fn verify(
        &self,
        discovered: &Discovered,
        token: &str,
        nonce: &str,
        now: OffsetDateTime,
    ) -> Result<Map<String, Value>, OAuthError> {
        let invalid = |why: &str| OAuthError::InvalidIdToken(why.to_owned());
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed"))?;
        if !discovered.algorithms.contains(&header.alg) {
            return Err(invalid("signing algorithm not allowed"));
        }
        let jwk = self.key(discovered, header.kid.as_deref()).await?;
        if jwk
            .common
            .key_algorithm
            .is_some_and(|alg| alg.to_string() != format!("{:?}", header.alg))
        {
            return Err(invalid("the key is for another algorithm"));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| invalid("unusable signing key"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&self.accepted_issuers);
        validation.set_audience(&[&self.config.client_id]);
        validation.set_required_spec_claims(&["iss", "aud", "exp", "sub"]);
        // Expiry is checked against the service clock, below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|e| OAuthError::InvalidIdToken(e.to_string()))?
            .claims;
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("no expiry"))?;
        if exp.saturating_add(LEEWAY) <= now.unix_timestamp() {
            return Err(invalid("expired"));
        }
        let sent = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
        if !bool::from(sent.as_bytes().ct_eq(nonce.as_bytes())) || nonce.is_empty() {
            return Err(invalid("nonce mismatch"));
        }
        // §3.1.3.7 (4, 5): with several audiences, we must be the authorized party.
        if claims
            .get("aud")
            .and_then(Value::as_array)
            .is_some_and(|a| a.len() > 1)
            && claims.get("azp").and_then(Value::as_str) != Some(self.config.client_id.as_str())
        {
            return Err(invalid("azp is not this client"));
        }
        // A blank `sub` is refused when the profile is read.
        Ok(claims)
    }
}

/// The key named `kid`, or the only key when the token names none.
fn pick(set: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => set.find(kid).cloned(),
        None if set.keys.len() == 1 => set.keys.first().cloned(),
        None => None,
    }
}

/// `email_verified` as a boolean; some providers send the string `"true"`.
fn verified(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

#[async_trait]
impl OAuthProvider for OidcProvider {
    fn config(&self) -> &ProviderConfig {
        &self.config
    }

    fn driver(&self) -> &'static str {
        "openid"
    }

    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<Url, OAuthError> {
        let discovered = self.discovered().await?;
        Ok(discovered
            .flow
            .authorization_url(request, &self.scopes, true))
    }

    async fn exchange_code(&self, exchange: &CodeExchange) -> Result<Grant, OAuthError> {
        let discovered = self.discovered().await?;
        let (access_token, id_token) = discovered.flow.exchange(exchange).await?;
        let id_token = id_token
            .ok_or_else(|| OAuthError::InvalidIdToken("the provider sent no ID token".into()))?;
        let claims = self
            .verify(&discovered, &id_token, &exchange.nonce, exchange.now)
            .await?;
        Ok(Grant::new(access_token).with_id_claims(claims))
    }

    async fn profile(&self, grant: &Grant) -> Result<Profile, OAuthError> {
        let claims = Value::Object(grant.id_claims.clone().unwrap_or_default());
        let subject =
            text(&claims, "sub").ok_or_else(|| OAuthError::InvalidIdToken("no subject".into()))?;
        let mut source = claims;
        if text(&source, "email").is_none() {
            let discovered = self.discovered().await?;
            if let Some(endpoint) = &discovered.userinfo_endpoint {
                let info = discovered
                    .flow
                    .get_json(endpoint, &grant.access_token)
                    .await?;
                // Core §5.3.2: userinfo about anyone else is not to be used.
                if text(&info, "sub").as_deref() == Some(subject.as_str()) {
                    source = info;
                }
            }
        }
        Ok(Profile {
            email: text(&source, "email"),
            email_verified: verified(source.get("email_verified")),
            name: text(&source, "name"),
            avatar_url: text(&source, "picture"),
            subject,
        })
    }
}

#[cfg(test)]
mod tests;
