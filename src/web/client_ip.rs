//! The client's IP address, believing `X-Forwarded-For` only from trusted proxies.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

use http::HeaderMap;

/// The peer address, unless the peer is a trusted proxy: then the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Entries left
/// of that are the client's own claims and are ignored. Addresses compare in
/// canonical form (an IPv4-mapped IPv6 peer matches an IPv4 proxy), and
/// entries may carry a port.
pub(crate) fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let Some(peer) = peer else {
        warn_once_without_peer();
        return None;
    };
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.to_canonical() == ip);
    let mut ip = peer.to_canonical();
    if !is_trusted(ip) {
        return Some(ip);
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        let Some(hop) = parse_hop(hop.trim()) else {
            tracing::warn!(
                hop,
                "unparseable X-Forwarded-For entry; using the last trusted hop"
            );
            break;
        };
        ip = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    Some(ip)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

fn warn_once_without_peer() {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "the client's address is unknown, so per-IP throttling is off: serve with \
             into_make_service_with_connect_info::<SocketAddr>()"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn xff(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            http::HeaderValue::from_str(value).unwrap_or(http::HeaderValue::from_static("")),
        );
        headers
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_claims() {
        assert_eq!(
            client_ip(Some(ip("203.0.113.9")), &xff("1.2.3.4"), &[]),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn trusted_proxy_hands_over_the_rightmost_untrusted_hop() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let headers = xff("6.6.6.6, 198.51.100.7, 10.0.0.2");
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &proxies),
            Some(ip("198.51.100.7"))
        );
    }

    #[test]
    fn mapped_addresses_and_ports_are_understood() {
        let proxies = [ip("10.0.0.1")];
        let headers = xff("[2001:db8::7]:4711");
        assert_eq!(
            client_ip(Some(ip("::ffff:10.0.0.1")), &headers, &proxies),
            Some(ip("2001:db8::7"))
        );
        let headers = xff("198.51.100.7:1234");
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &proxies),
            Some(ip("198.51.100.7"))
        );
    }
}
