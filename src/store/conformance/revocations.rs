//! The [`RevocationChannel`] suite.

use std::time::Duration;

use futures_util::StreamExt;
use time::OffsetDateTime;

use super::{Broken, Outcome, Report, ensure, ensure_eq};
use crate::revocation::{Published, Revocation, RevocationChannel};
use crate::store::new_id;

const KEEP: Duration = Duration::from_secs(15 * 60);
/// How long a published event may take to arrive: generous, for loaded machines.
const ARRIVAL: Duration = Duration::from_secs(10);

/// Runs every [`RevocationChannel`] promise against two handles on one
/// channel (two connections: two instances of a fleet). The channel may
/// carry other events meanwhile; the cases look only for their own.
pub async fn revocation_channel<C: RevocationChannel>(first: &C, second: &C) -> Report {
    let mut report = Report::new("revocation_channel");
    report
        .case(
            "an_event_published_on_one_reaches_a_subscriber_on_the_other",
            reaches(first, second),
        )
        .await;
    report
        .case(
            "a_late_subscriber_reads_the_history_since_the_time_it_asks",
            history(first, second),
        )
        .await;
    report
        .case(
            "live_events_arrive_every_one_in_order",
            in_order(first, second),
        )
        .await;
    report
}

fn ended(now: OffsetDateTime) -> Published {
    Published {
        revocation: Revocation::SessionsEnded {
            session_ids: vec![new_id()],
        },
        at: now.unix_timestamp(),
    }
}

async fn reaches<C: RevocationChannel>(first: &C, second: &C) -> Outcome {
    let now = OffsetDateTime::now_utc();
    let mut subscription = second.subscribe(now).await?;
    let event = ended(now);
    first.publish(&event, KEEP).await?;
    let arrived = tokio::time::timeout(ARRIVAL, async {
        while let Some(next) = subscription.live.next().await {
            if next? == event {
                return Ok(true);
            }
        }
        Ok::<_, Broken>(false)
    })
    .await;
    ensure_eq!(
        arrived.ok().transpose()?,
        Some(true),
        "the event arrived live"
    );
    Ok(())
}

async fn history<C: RevocationChannel>(first: &C, second: &C) -> Outcome {
    let now = OffsetDateTime::now_utc();
    let event = ended(now);
    first.publish(&event, KEEP).await?;
    let since_before = second.subscribe(now - Duration::from_secs(60)).await?;
    ensure!(
        since_before.history.contains(&event),
        "the history since a minute ago holds the event"
    );
    let since_after = second.subscribe(now + Duration::from_secs(60)).await?;
    ensure!(
        !since_after.history.contains(&event),
        "the history since a minute later does not"
    );
    Ok(())
}

async fn in_order<C: RevocationChannel>(first: &C, second: &C) -> Outcome {
    let now = OffsetDateTime::now_utc();
    let mut subscription = second.subscribe(now).await?;
    let events: Vec<Published> = (0..20).map(|_| ended(now)).collect();
    for event in &events {
        first.publish(event, KEEP).await?;
    }
    let mut seen = Vec::new();
    let read = tokio::time::timeout(ARRIVAL, async {
        while seen.len() < events.len() {
            match subscription.live.next().await {
                Some(next) => {
                    let next = next?;
                    if events.contains(&next) {
                        seen.push(next);
                    }
                }
                None => break,
            }
        }
        Ok::<_, Broken>(())
    })
    .await;
    if let Ok(result) = read {
        result?;
    }
    ensure_eq!(seen, events, "all twenty, in the order published");
    Ok(())
}
