//! The client address seam: how the per-IP throttles learn who is calling.
//!
//! A request's TCP peer reaches the web layer through its extensions. The
//! [`AuthLayer`](super::AuthLayer) asks a [`PeerReader`] for it; the
//! default reader takes a [`PeerAddr`] extension, which any tower, hyper or
//! tonic server can insert where it accepts connections. The axum adapter's
//! `auth.layer()` also reads axum's `ConnectInfo<SocketAddr>`, and the
//! actix adapter reads actix's peer address itself. Behind trusted proxies
//! the client is then taken from `X-Forwarded-For` (see
//! `WebConfig::trusted_proxies`).

use std::net::IpAddr;

use http::HeaderMap;

use super::client_ip;
use crate::service::{Auth, Client};

/// The address of a request's TCP peer, as the server that accepted the
/// connection saw it: insert it into the request's extensions.
///
/// ```
/// use portcullis::web::PeerAddr;
///
/// let mut request = http::Request::new(());
/// request.extensions_mut().insert(PeerAddr("203.0.113.9".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub IpAddr);

/// How the layer reads a request's peer address from its extensions.
pub type PeerReader = fn(&http::Extensions) -> Option<IpAddr>;

/// The default [`PeerReader`]: the [`PeerAddr`] extension.
pub fn peer_addr(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions.get::<PeerAddr>().map(|PeerAddr(ip)| *ip)
}

/// The client, as the TCP peer and the trusted proxies say.
pub(crate) fn client(auth: &Auth, peer: Option<IpAddr>, headers: &HeaderMap) -> Client {
    let ip = client_ip::client_ip(peer, headers, &auth.config().web.trusted_proxies);
    let client = ip.map(Client::at).unwrap_or_default();
    match headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        Some(user_agent) => client.running(user_agent),
        None => client,
    }
}
