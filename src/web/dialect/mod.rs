//! Wire formats. A dialect maps HTTP (paths, JSON field names, envelopes,
//! status codes, cookies) onto [`crate::Auth`] calls and back; it holds no
//! rule of its own.

pub mod native;

use http::Method;

/// One endpoint of a dialect: method, path (relative to where the dialect is
/// mounted) and what it does. Framework adapters register these.
#[derive(Debug, Clone)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, such as `/auth/login`.
    pub path: &'static str,
    /// The endpoint that answers.
    pub endpoint: native::Endpoint,
}
