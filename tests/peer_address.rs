//! The client-address seam for plain tower services: a server that puts a
//! `PeerAddr` in each request's extensions gets per-IP throttling from
//! `AuthLayer`, with no framework adapter involved.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::convert::Infallible;
use std::net::IpAddr;

use http::{Request, Response};
use portcullis::store::MemoryStore;
use portcullis::web::{AuthLayer, AuthState, PeerAddr};
use portcullis::{Auth, AuthConfig, AuthError};
use tower::{Layer, ServiceExt, service_fn};

/// Sends a bogus token pair from `peer` and returns what the layer found.
async fn pair_from(auth: &Auth, peer: Option<&str>) -> AuthState {
    let echo = service_fn(|req: Request<()>| async move {
        let state = req.extensions().get::<AuthState>().cloned();
        Ok::<_, Infallible>(Response::new(state))
    });
    let mut request = Request::builder()
        .header("app-token", "not-an-app-token")
        .header("token", "not-a-token")
        .body(())
        .unwrap();
    if let Some(peer) = peer {
        let ip: IpAddr = peer.parse().unwrap();
        request.extensions_mut().insert(PeerAddr(ip));
    }
    let response = AuthLayer::new(auth.clone())
        .layer(echo)
        .oneshot(request)
        .await
        .unwrap();
    response.into_body().expect("the layer records a state")
}

#[tokio::test]
async fn a_peer_addr_extension_throttles_failed_token_checks_per_client() {
    let mut config = AuthConfig::new(vec![7; 32]);
    config.throttles.ip.limit = 3;
    let auth = Auth::builder(config)
        .store(MemoryStore::new())
        .build()
        .unwrap();
    for _ in 0..3 {
        assert_eq!(
            pair_from(&auth, Some("203.0.113.9")).await,
            AuthState::Rejected(AuthError::TokenInvalid)
        );
    }
    assert!(
        matches!(
            pair_from(&auth, Some("203.0.113.9")).await,
            AuthState::Rejected(AuthError::RateLimited { .. })
        ),
        "the fourth failure from one client is over its budget"
    );
    assert_eq!(
        pair_from(&auth, Some("198.51.100.7")).await,
        AuthState::Rejected(AuthError::TokenInvalid),
        "another client has its own budget"
    );
    for _ in 0..5 {
        assert_eq!(
            pair_from(&auth, None).await,
            AuthState::Rejected(AuthError::TokenInvalid),
            "without a peer address nothing is counted per IP"
        );
    }
}
