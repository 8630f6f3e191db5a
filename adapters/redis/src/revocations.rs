//! The revocation channel: a Redis stream, read from its start and then
//! followed with blocking reads on a connection of its own.

use std::collections::VecDeque;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::stream;
use portcullis::revocation::{Published, RevocationChannel, Subscription};
use portcullis::store::StoreError;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};
use time::OffsetDateTime;

use super::{CONNECTION_TIMEOUT, Redis, unavailable};

/// How long one blocking read waits for news. A read that returns empty
/// proves the connection alive, so a dead one is noticed within about this.
const BLOCK: Duration = Duration::from_secs(5);

/// Appends an event and trims what is older than twice `keep` by Redis's
/// clock (the margin covers clocks that disagree).
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local cut = tonumber(time[1]) * 1000 - 2 * tonumber(ARGV[2])
redis.call('XADD', KEYS[1], 'MINID', '~', math.max(cut, 0), '*', 'event', ARGV[1])
return 0
",
    )
});

/// A stream entry: its id and its field-value pairs.
type Entry = (String, Vec<(String, String)>);
/// What `XREAD` returns: entries per stream, or nothing after the block.
type ReadReply = Option<Vec<(String, Vec<Entry>)>>;

fn event((_, fields): &Entry) -> Result<Option<Published>, StoreError> {
    let Some((_, json)) = fields.iter().find(|(name, _)| name == "event") else {
        return Ok(None);
    };
    serde_json::from_str(json)
        .map(Some)
        .map_err(|e| StoreError::Unavailable(e.into()))
}

#[async_trait]
impl RevocationChannel for Redis {
    async fn publish(&self, event: &Published, keep: Duration) -> Result<(), StoreError> {
        let json = serde_json::to_string(event).map_err(|e| StoreError::Unavailable(e.into()))?;
        let keep = i64::try_from(keep.as_millis()).unwrap_or(i64::MAX / 4);
        PUBLISH
            .key(self.key("revocations"))
            .arg(json)
            .arg(keep)
            .invoke_async::<i64>(&mut self.connection.clone())
            .await
            .map_err(unavailable)
            .map(drop)
    }

    async fn subscribe(&self, since: OffsetDateTime) -> Result<Subscription, StoreError> {
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(BLOCK * 2));
        let reader = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(unavailable)?;
        let stream_key = self.key("revocations");
        let entries: Vec<Entry> = redis::cmd("XRANGE")
            .arg(&stream_key)
            .arg("-")
            .arg("+")
            .query_async(&mut self.connection.clone())
            .await
            .map_err(unavailable)?;
        let since = since.unix_timestamp();
        let mut history = Vec::new();
        for entry in &entries {
            history.extend(event(entry)?.filter(|e| e.at >= since));
        }
        // Read on from the last entry seen, so that none falls between.
        let last_id = entries
            .last()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id.clone());
        let live = Live {
            reader,
            stream_key,
            last_id,
            ready: VecDeque::new(),
            lost: false,
        };
        Ok(Subscription {
            history,
            live: Box::pin(stream::unfold(live, Live::next)),
        })
    }
}

/// A subscription's live half.
struct Live {
    reader: MultiplexedConnection,
    stream_key: String,
    last_id: String,
    ready: VecDeque<Published>,
    lost: bool,
}

impl Live {
    async fn next(mut self) -> Option<(Result<Published, StoreError>, Self)> {
        loop {
            if self.lost {
                return None;
            }
            if let Some(event) = self.ready.pop_front() {
                return Some((Ok(event), self));
            }
            if let Err(err) = self.read().await {
                self.lost = true;
                return Some((Err(err), self));
            }
        }
    }

    /// One blocking read: whatever came after the last entry seen.
    async fn read(&mut self) -> Result<(), StoreError> {
        let reply: ReadReply = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(100)
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(5_000))
            .arg("STREAMS")
            .arg(&self.stream_key)
            .arg(&self.last_id)
            .query_async(&mut self.reader)
            .await
            .map_err(unavailable)?;
        for (_, entries) in reply.unwrap_or_default() {
            for entry in &entries {
                self.ready.extend(event(entry)?);
                self.last_id.clone_from(&entry.0);
            }
        }
        Ok(())
    }
}
