//! Running cases and reporting each by name.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use super::Outcome;

/// What one case found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// The promise the case checks, as a sentence in snake case.
    pub name: &'static str,
    /// `None` when the promise held, else what broke.
    pub failure: Option<String>,
}

/// What a suite found: every case, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The seam the suite proves, such as `session_store`.
    pub suite: &'static str,
    /// Every case, in the order they ran.
    pub cases: Vec<CaseReport>,
}

impl Report {
    pub(crate) fn new(suite: &'static str) -> Self {
        Self {
            suite,
            cases: Vec::new(),
        }
    }

    /// Runs one case; an error or a panic inside it fails only that case.
    pub(crate) async fn case(&mut self, name: &'static str, case: impl Future<Output = Outcome>) {
        let failure = match AssertUnwindSafe(case).catch_unwind().await {
            Ok(Ok(())) => None,
            Ok(Err(broken)) => Some(broken.0),
            Err(panic) => Some(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)")
            )),
        };
        self.cases.push(CaseReport { name, failure });
    }

    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|case| case.failure.is_none())
    }

    /// The cases that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases.iter().filter(|case| case.failure.is_some())
    }

    /// Prints the report and panics, naming every failed case, unless all
    /// passed: for a `#[test]`.
    #[track_caller]
    pub fn assert_passed(&self) {
        println!("{self}");
        if !self.passed() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "{}: {} passed, {failed} failed",
            self.suite,
            self.cases.len() - failed
        )?;
        for case in &self.cases {
            match &case.failure {
                None => writeln!(f, "  ok     {}::{}", self.suite, case.name)?,
                Some(why) => writeln!(f, "  FAILED {}::{}: {why}", self.suite, case.name)?,
            }
        }
        Ok(())
    }
}
