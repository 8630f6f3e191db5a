//! Tokens: signed access tokens ([`jwt`]) and opaque random secrets ([`opaque`]).

pub mod jwt;
pub mod opaque;
