//! [`Secret`]: key material that never prints and is zeroed when dropped.

use std::fmt;

use zeroize::Zeroizing;

/// Secret bytes (a key, a client secret): `Debug` shows only their length,
/// and the memory is zeroed when the value is dropped.
///
/// ```
/// use portcullis::config::Secret;
///
/// let secret = Secret::from("a shared secret of at least 32 bytes");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted; 36 bytes])");
/// assert_eq!(secret.expose(), b"a shared secret of at least 32 bytes");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps the bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(Zeroizing::new(bytes.into()))
    }

    /// `len` random bytes from the operating system's generator: a new key.
    pub fn random(len: usize) -> Self {
        let mut bytes = vec![0u8; len];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Self::new(bytes)
    }

    /// The bytes themselves, for the code that uses the key.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// How many bytes the secret has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted; {} bytes])", self.len())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Self {
        Self::new(bytes)
    }
}

impl<const N: usize> From<[u8; N]> for Secret {
    fn from(bytes: [u8; N]) -> Self {
        Self::new(bytes)
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self::new(text.into_bytes())
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self::new(text.as_bytes())
    }
}
