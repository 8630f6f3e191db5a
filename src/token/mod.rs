//! Tokens: signed access tokens ([`jwt`]) and opaque random secrets ([`opaque`]).

pub mod jwt;
pub mod opaque;

use rand::RngCore;

/// A new random (version 4) UUID, the id format of the bundled stores.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}
