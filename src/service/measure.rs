//! Metrics, through the `metrics` facade: portcullis records, the app
//! chooses an exporter (or none, and recording costs next to nothing).
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `portcullis_events_total` | counter | `event`: every audit event |
//! | `portcullis_logins_total` | counter | `outcome` (`success`, `failure`), `factor` |
//! | `portcullis_lockouts_total` | counter | |
//! | `portcullis_refreshes_total` | counter | `outcome` (`success`, `failure`) |
//! | `portcullis_refresh_reuse_total` | counter | |
//! | `portcullis_mfa_total` | counter | `outcome` (`enabled`, `disabled`, `code_failed`) |
//! | `portcullis_tokens_minted_total` | counter | `kind` |
//! | `portcullis_limiter_decisions_total` | counter | `outcome` (`allowed`, `limited`) |
//! | `portcullis_store_seconds` | histogram | `op`: the store call |

use std::future::Future;
use std::time::Instant;

use metrics::{counter, histogram};

use crate::audit::AuthEvent;
use crate::store::Decision;

/// Counts an audit event, and what it tells of logins, MFA and tokens.
pub(crate) fn event(event: &AuthEvent) {
    counter!("portcullis_events_total", "event" => event.name()).increment(1);
    match event {
        AuthEvent::LoginSucceeded { .. } => {
            counter!("portcullis_logins_total", "outcome" => "success", "factor" => "all")
                .increment(1);
        }
        AuthEvent::LoginFailed { factor, .. } => {
            counter!("portcullis_logins_total", "outcome" => "failure", "factor" => *factor)
                .increment(1);
            if *factor == "code" {
                counter!("portcullis_mfa_total", "outcome" => "code_failed").increment(1);
            }
        }
        AuthEvent::AccountLocked { .. } => counter!("portcullis_lockouts_total").increment(1),
        AuthEvent::RefreshReused { .. } => counter!("portcullis_refresh_reuse_total").increment(1),
        AuthEvent::MfaEnabled { .. } => {
            counter!("portcullis_mfa_total", "outcome" => "enabled").increment(1);
        }
        AuthEvent::MfaDisabled { .. } => {
            counter!("portcullis_mfa_total", "outcome" => "disabled").increment(1);
        }
        AuthEvent::TokenMinted { kind, .. } => {
            counter!("portcullis_tokens_minted_total", "kind" => *kind).increment(1);
        }
        _ => {}
    }
}

/// Counts a refresh by its outcome.
pub(crate) fn refresh(succeeded: bool) {
    let outcome = if succeeded { "success" } else { "failure" };
    counter!("portcullis_refreshes_total", "outcome" => outcome).increment(1);
}

/// Counts a rate limiter's decision.
pub(crate) fn limiter(decision: &Decision) {
    let outcome = match decision {
        Decision::Allowed { .. } => "allowed",
        Decision::Limited { .. } => "limited",
    };
    counter!("portcullis_limiter_decisions_total", "outcome" => outcome).increment(1);
}

/// Runs a store call, timing it.
pub(crate) async fn store<T>(op: &'static str, call: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let answer = call.await;
    histogram!("portcullis_store_seconds", "op" => op).record(started.elapsed().as_secs_f64());
    answer
}
