//! [`BreachedPasswords`]: an optional check of new passwords against a
//! corpus of breached ones, such as Have I Been Pwned's range API.

use async_trait::async_trait;
use sha1::{Digest, Sha1};

/// Whether a password appeared in a data breach, asked of a service that
/// keeps such a corpus. Checked at registration, change and reset, after
/// the bundled list of common passwords; a failing check fails closed
/// (the request is answered 503).
///
/// A service should be asked by k-anonymity, so that the password never
/// leaves the server: send the first five hex digits of its SHA-1
/// ([`k_anonymity_range`]) and look for the rest among the suffixes the
/// service answers.
///
/// ```
/// use async_trait::async_trait;
/// use portcullis::{BreachedPasswords, k_anonymity_range};
///
/// /// Have I Been Pwned's range API (`GET https://api.pwnedpasswords.com/range/{prefix}`).
/// struct Pwned;
///
/// #[async_trait]
/// impl BreachedPasswords for Pwned {
///     async fn is_breached(&self, password: &str) -> Result<bool, String> {
///         let (prefix, suffix) = k_anonymity_range(password);
///         let answer: String = fetch_range(&prefix).await?; // "SUFFIX:COUNT" lines
///         Ok(answer.lines().any(|line| line.split(':').next() == Some(suffix.as_str())))
///     }
/// }
/// # async fn fetch_range(_prefix: &str) -> Result<String, String> { Ok(String::new()) }
/// ```
#[async_trait]
pub trait BreachedPasswords: Send + Sync + 'static {
    /// Whether `password` is known breached; an error says why the service
    /// could not tell.
    async fn is_breached(&self, password: &str) -> Result<bool, String>;
}

/// The SHA-1 of `password` in upper-case hex, split into the five digits a
/// k-anonymity service is sent and the 35 it is not.
pub fn k_anonymity_range(password: &str) -> (String, String) {
    let digest = Sha1::digest(password.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_owned(), suffix.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_is_the_sha1_split_after_five_digits() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
        let (prefix, suffix) = k_anonymity_range("password");
        assert_eq!(prefix, "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
    }
}
