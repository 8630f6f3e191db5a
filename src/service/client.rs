//! [`Client`]: who is calling, as far as the service needs to know.

use std::net::IpAddr;

/// Who is calling, as far as throttling and session lists need to know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Client {
    /// The client's IP address, when known (see `AuthConfig::trusted_proxies`).
    pub ip: Option<IpAddr>,
    /// What the client runs, as its `User-Agent` says.
    pub agent: Agent,
}

impl Client {
    /// A client at `ip`, running something unnamed.
    pub fn at(ip: IpAddr) -> Self {
        Self {
            ip: Some(ip),
            agent: Agent::default(),
        }
    }

    /// The same client, running what `user_agent` names.
    pub fn running(self, user_agent: &str) -> Self {
        Self {
            agent: Agent::from_user_agent(user_agent),
            ..self
        }
    }

    /// The throttling key for this client under `purpose`. IPv6 clients are
    /// keyed by their /64 (what one subscriber usually holds), IPv4-mapped
    /// IPv6 addresses as IPv4.
    pub(crate) fn ip_key(&self, purpose: &str) -> Option<String> {
        Some(match self.ip?.to_canonical() {
            IpAddr::V4(ip) => format!("{purpose}:ip:{ip}"),
            IpAddr::V6(ip) => {
                let s = ip.segments();
                format!(
                    "{purpose}:ip6:{:x}:{:x}:{:x}:{:x}::/64",
                    s[0], s[1], s[2], s[3]
                )
            }
        })
    }

    /// How a person tells this client apart in a list of sessions:
    /// "Firefox on Linux, 203.0.113.9".
    pub(crate) fn label(&self) -> Option<String> {
        match (self.agent.label(), self.ip) {
            (None, None) => None,
            (Some(agent), None) => Some(agent),
            (None, Some(ip)) => Some(ip.to_string()),
            (Some(agent), Some(ip)) => Some(format!("{agent}, {ip}")),
        }
    }
}

/// A program and system named in a `User-Agent`, by family only: enough
/// for people to recognise their devices, too little to fingerprint them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Agent {
    /// The browser or program: "Firefox", "curl", …
    pub program: Option<&'static str>,
    /// The operating system: "Linux", "iOS", …
    pub system: Option<&'static str>,
}

impl Agent {
    /// The families a `User-Agent` names. Order matters: Edge and Opera say
    /// "Chrome" too, Chrome says "Safari", Android says "Linux".
    pub fn from_user_agent(user_agent: &str) -> Self {
        const PROGRAMS: &[(&str, &str)] = &[
            ("Edg/", "Edge"),
            ("OPR/", "Opera"),
            ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"),
            ("Safari/", "Safari"),
            ("curl/", "curl"),
            ("node", "Node"),
            ("python", "Python"),
            ("okhttp", "an Android app"),
            ("Dart/", "a Flutter app"),
        ];
        const SYSTEMS: &[(&str, &str)] = &[
            ("Android", "Android"),
            ("iPhone", "iOS"),
            ("iPad", "iPadOS"),
            ("Mac OS X", "macOS"),
            ("Windows", "Windows"),
            ("CrOS", "ChromeOS"),
            ("Linux", "Linux"),
        ];
        let find = |table: &[(&str, &'static str)]| {
            table
                .iter()
                .find(|(needle, _)| user_agent.contains(needle))
                .map(|(_, name)| *name)
        };
        Self {
            program: find(PROGRAMS),
            system: find(SYSTEMS),
        }
    }

    /// "Firefox on Linux", or whichever half is known.
    pub fn label(self) -> Option<String> {
        match (self.program, self.system) {
            (Some(program), Some(system)) => Some(format!("{program} on {system}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(user_agent: &str) -> Option<String> {
        Agent::from_user_agent(user_agent).label()
    }

    #[test]
    fn agents_are_named_by_family() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(label(firefox).as_deref(), Some("Firefox on Linux"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                    (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(label(edge).as_deref(), Some("Edge on Windows"));
        let phone =
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36";
        assert_eq!(label(phone).as_deref(), Some("Chrome on Android"));
        assert_eq!(label("curl/8.5.0").as_deref(), Some("curl"));
        assert_eq!(label(""), None);
        let client = Client::at([203, 0, 113, 9].into()).running("curl/8.5.0");
        assert_eq!(client.label().as_deref(), Some("curl, 203.0.113.9"));
    }
}
