//! The query parameters of the operations that take some.

/// A query parameter.
pub(super) struct Query {
    pub(super) name: &'static str,
    pub(super) about: &'static str,
    pub(super) integer: bool,
}

const fn query(name: &'static str, about: &'static str) -> Query {
    Query {
        name,
        about,
        integer: false,
    }
}

pub(super) const PAGE: &[Query] = &[
    query("search", "Part of an address or a name."),
    Query {
        name: "limit",
        about: "Accounts per page (1 to 100, default 20).",
        integer: true,
    },
    query("cursor", "The `next` of the previous page."),
];

pub(super) const OAUTH_START: &[Query] = &[
    query("redirect", "An allowed URL to return to."),
    query(
        "cookieBridgePrefix",
        "Where the API is mounted, for the cookie bridge.",
    ),
];

pub(super) const BRIDGE: &[Query] = &[
    query("code", "The login's one-time code."),
    query("redirect", "An allowed URL to land on."),
    query("loginProvider", "The provider the login came through."),
    query("accessToken", "The access token (the token bridge)."),
    query("refreshToken", "The refresh token (the token bridge)."),
];

pub(super) const CALLBACK: &[Query] = &[
    query("code", "The provider's authorization code."),
    query("state", "The flow's state."),
    query("error", "The provider's refusal."),
];
