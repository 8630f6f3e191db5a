//! The client's IP address, believing `X-Forwarded-For` only from trusted proxies.

use std::net::IpAddr;

use http::HeaderMap;

/// The peer address, unless the peer is a trusted proxy: then the rightmost
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Entries left
/// of that are the client's own claims and are ignored.
pub(crate) fn client_ip(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let mut ip = peer?;
    if !trusted.contains(&ip) {
        return Some(ip);
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(hop) => {
                ip = hop;
                if !trusted.contains(&hop) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(ip)
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
}
