//! The [`RateLimiter`] suite.

use std::time::Duration;

use futures_util::future::join_all;
use time::OffsetDateTime;

use super::{Outcome, Report, ensure_eq, t0};
use crate::store::{Decision, RateLimiter, Window, new_id};

const MINUTE: Duration = Duration::from_secs(60);
const SPAN: Duration = Duration::from_secs(15 * 60);

/// Runs every [`RateLimiter`] promise against `limiter`.
pub async fn rate_limiter<L: RateLimiter>(limiter: &L) -> Report {
    let mut report = Report::new("rate_limiter");
    report
        .case(
            "a_fixed_window_allows_the_limit_then_cools_down_a_full_span",
            fixed(limiter),
        )
        .await;
    report
        .case(
            "a_sliding_window_counts_until_a_quiet_span",
            sliding(limiter),
        )
        .await;
    report
        .case(
            "forgive_takes_back_one_hit_and_reset_forgets",
            forgive(limiter),
        )
        .await;
    report
        .case("keys_are_independent", independent(limiter))
        .await;
    report
        .case("a_concurrent_burst_gets_exactly_the_limit", burst(limiter))
        .await;
    report
}

/// Runs the promises of a limiter shared by a fleet against two clients of
/// one limiter (two connections, two pools): they count as one.
pub async fn shared_rate_limiter<L: RateLimiter>(first: &L, second: &L) -> Report {
    let mut report = Report::new("shared_rate_limiter");
    report
        .case(
            "a_burst_across_two_clients_gets_exactly_the_limit",
            two_client_burst(first, second),
        )
        .await;
    report
        .case(
            "each_client_sees_the_others_hits_and_forgiveness",
            seen_by_both(first, second),
        )
        .await;
    report
}

fn key() -> String {
    format!("conformance:{}", new_id())
}

fn at(minutes: u32) -> OffsetDateTime {
    t0() + MINUTE * minutes
}

async fn fixed<L: RateLimiter>(limiter: &L) -> Outcome {
    let key = key();
    let hit = |minutes| limiter.hit(&key, 3, Window::Fixed(SPAN), at(minutes));
    ensure_eq!(
        limiter.peek(&key, 3, at(0)).await?,
        Decision::Allowed { remaining: 2 },
        "peek counts the attempt it asks about, and nothing else"
    );
    ensure_eq!(hit(0).await?, Decision::Allowed { remaining: 2 }, "first");
    ensure_eq!(hit(10).await?, Decision::Allowed { remaining: 1 }, "second");
    ensure_eq!(
        hit(14).await?,
        Decision::Allowed { remaining: 0 },
        "the hit that reaches the limit is still allowed"
    );
    ensure_eq!(
        hit(16).await?,
        Decision::Limited {
            retry_after: 13 * MINUTE
        },
        "reaching the limit restarts the window: a full cooling period"
    );
    ensure_eq!(
        limiter.peek(&key, 3, at(20)).await?,
        Decision::Limited {
            retry_after: 9 * MINUTE
        },
        "peek sees the limit"
    );
    ensure_eq!(
        hit(29).await?,
        Decision::Allowed { remaining: 2 },
        "a new window starts when the old one ends"
    );
    Ok(())
}

async fn sliding<L: RateLimiter>(limiter: &L) -> Outcome {
    let key = key();
    let hit = |minutes| limiter.hit(&key, 3, Window::Sliding(SPAN), at(minutes));
    for (minutes, remaining) in [(0, 2), (14, 1), (28, 0)] {
        ensure_eq!(
            hit(minutes).await?,
            Decision::Allowed { remaining },
            "consecutive hits {minutes} minutes in"
        );
    }
    ensure_eq!(
        hit(42).await?,
        Decision::Limited { retry_after: SPAN },
        "over the limit, a span from the last hit"
    );
    ensure_eq!(
        hit(58).await?,
        Decision::Allowed { remaining: 2 },
        "a quiet span forgets"
    );
    Ok(())
}

async fn forgive<L: RateLimiter>(limiter: &L) -> Outcome {
    let key = key();
    limiter.hit(&key, 2, Window::Fixed(SPAN), t0()).await?;
    limiter.hit(&key, 2, Window::Fixed(SPAN), t0()).await?;
    limiter.forgive(&key).await?;
    ensure_eq!(
        limiter.peek(&key, 2, t0()).await?,
        Decision::Allowed { remaining: 0 },
        "one hit taken back"
    );
    limiter.reset(&key).await?;
    ensure_eq!(
        limiter.peek(&key, 2, t0()).await?,
        Decision::Allowed { remaining: 1 },
        "reset forgets the key"
    );
    limiter.forgive(&self::key()).await?;
    Ok(())
}

async fn independent<L: RateLimiter>(limiter: &L) -> Outcome {
    let (a, b) = (key(), key());
    for _ in 0..3 {
        limiter.hit(&a, 2, Window::Fixed(SPAN), t0()).await?;
    }
    ensure_eq!(
        limiter.peek(&b, 2, t0()).await?,
        Decision::Allowed { remaining: 1 },
        "an unknown key has its whole budget"
    );
    ensure_eq!(
        limiter.hit(&b, 2, Window::Fixed(SPAN), t0()).await?,
        Decision::Allowed { remaining: 1 },
        "another key's hits do not count"
    );
    Ok(())
}

async fn burst<L: RateLimiter>(limiter: &L) -> Outcome {
    let key = key();
    let decisions =
        join_all((0..20).map(|_| limiter.hit(&key, 5, Window::Fixed(SPAN), t0()))).await;
    let mut allowed = 0;
    for decision in decisions {
        allowed += usize::from(matches!(decision?, Decision::Allowed { .. }));
    }
    ensure_eq!(allowed, 5, "hits allowed of a burst of 20 against 5");
    Ok(())
}

async fn two_client_burst<L: RateLimiter>(first: &L, second: &L) -> Outcome {
    let key = key();
    let hits = (0..50).map(|n| {
        let client = if n % 2 == 0 { first } else { second };
        client.hit(&key, 10, Window::Sliding(SPAN), t0())
    });
    let mut allowed = 0;
    for decision in join_all(hits).await {
        allowed += usize::from(matches!(decision?, Decision::Allowed { .. }));
    }
    ensure_eq!(
        allowed,
        10,
        "hits allowed of 50 across two clients against 10"
    );
    Ok(())
}

async fn seen_by_both<L: RateLimiter>(first: &L, second: &L) -> Outcome {
    let key = key();
    first.hit(&key, 3, Window::Fixed(SPAN), t0()).await?;
    second.hit(&key, 3, Window::Fixed(SPAN), t0()).await?;
    ensure_eq!(
        first.peek(&key, 3, t0()).await?,
        Decision::Allowed { remaining: 0 },
        "the other client's hit counts"
    );
    second.forgive(&key).await?;
    ensure_eq!(
        first.peek(&key, 3, t0()).await?,
        Decision::Allowed { remaining: 1 },
        "the other client's forgiveness counts"
    );
    first.reset(&key).await?;
    ensure_eq!(
        second.peek(&key, 3, t0()).await?,
        Decision::Allowed { remaining: 2 },
        "the other client's reset counts"
    );
    Ok(())
}
