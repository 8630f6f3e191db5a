//! Tokens: signed access tokens ([`jwt`]) and opaque random secrets ([`opaque`]).

pub(crate) mod cache;
pub(crate) mod jwt;
pub(crate) mod opaque;
pub(crate) mod signer;
