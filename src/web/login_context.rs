//! [`LoginContext`]: which dialect started a login, and how it ends. It
//! travels with the login as its opaque `context` (kept with an MFA
//! challenge, or sealed in an OAuth flow), so that either dialect's
//! endpoint can finish a login the other began.

/// Who started a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginContext {
    /// A native cookie-mode login (`POST /login`, or an OAuth login that
    /// lands through the cookie bridge): later steps answer with cookies.
    NativeCookie,
    /// A native OAuth login that lands at the provider's app callback.
    NativeCallback,
    /// A Directus login.
    Directus,
}

impl LoginContext {
    /// The name kept with the login.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::NativeCookie => "native-cookie",
            Self::NativeCallback => "native",
            Self::Directus => "directus",
        }
    }

    /// The context named by [`as_str`](Self::as_str); `None` for a login
    /// without one (a native bearer login).
    pub(crate) fn parse(name: Option<&str>) -> Option<Self> {
        match name? {
            "native-cookie" => Some(Self::NativeCookie),
            "native" => Some(Self::NativeCallback),
            "directus" => Some(Self::Directus),
            _ => None,
        }
    }
}
