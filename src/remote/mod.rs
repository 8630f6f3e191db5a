//! Documents from remote parties (feature `oauth` or `verifier`): OAuth
//! providers' discovery documents and key sets, an issuer's JWKS.

pub(crate) mod cache;
pub(crate) mod http;

/// Why a remote document could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum RemoteError {
    /// The remote party did not answer in time, or not at all.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// It answered with an error, or with something unusable.
    #[error("refused: {0}")]
    Refused(String),
}

impl RemoteError {
    pub(crate) fn from_http(err: &reqwest::Error) -> Self {
        if err.is_timeout() || err.is_connect() || err.is_request() {
            Self::Unreachable(err.to_string())
        } else {
            Self::Refused(err.to_string())
        }
    }
}
