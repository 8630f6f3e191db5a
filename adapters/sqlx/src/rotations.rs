//! SQLite refresh rotations, committed together.
//!
//! SQLite takes one writer at a time and makes each commit durable with an
//! `fsync`. Rotations through the pool each took a connection, waited out
//! the others in SQLite's busy handler (which sleeps a millisecond or more
//! at a time), committed alone and pinged the connection on its way back:
//! four clients refreshing managed about a quarter of SQLite's own rate of
//! single-row updates. Here one connection of its own runs every rotation
//! waiting at the moment it is free, in one transaction sent as one script
//! (`BEGIN IMMEDIATE`, the rotations, `COMMIT`): one lock and one `fsync`
//! for all of them, one hand-off to sqlx's connection thread and back, no
//! sleeping and no pool in between.
//!
//! Each rotation is still one statement, and its answer is sent only once
//! the transaction has committed, so a refresh answered is a refresh
//! stored. If anything in a batch fails, the whole batch rolls back (its
//! connection is closed, which ends the transaction, and a fresh one opened
//! for the next batch) and every rotation in it fails (503): none spent its
//! token, so each client's retry succeeds. A rotation whose caller gave up
//! while it waited is dropped unrun, so that no token is spent for a
//! successor nobody will receive; and past [`MOST_WAITING`] waiting, more
//! are refused at once (503), as the pool refuses a call that waits too
//! long for a connection.

use portcullis::store::StoreError;
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyRow};
use sqlx::pool::CloseEvent;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, ConnectOptions, Row};
use tokio::sync::{mpsc, oneshot};

/// The most rotations committed together.
const MOST_AT_ONCE: usize = 64;

/// How many arguments each rotation statement takes (`$1`…`$5`).
const ARGUMENTS: usize = 5;

/// The column each rotation returns with the successor it added, by which
/// a batch's rows are told apart (unlike the spent token, it is unique to
/// the rotation).
pub(crate) const SUCCESSOR: &str = "rotated_to";

/// The most rotations waiting before more are refused (503), as the pool
/// refuses a call that waits too long for a connection.
const MOST_WAITING: usize = 1024;

/// One rotation: its statement and arguments, and where its row goes.
struct Rotation {
    statement: &'static str,
    arguments: Arguments,
    answer: oneshot::Sender<Result<Option<AnyRow>, StoreError>>,
}

/// A rotation statement's arguments, `$1`…`$5`.
pub(crate) struct Arguments {
    pub(crate) now: i64,
    pub(crate) spent_hash: String,
    pub(crate) next_hash: String,
    pub(crate) used_after: i64,
    pub(crate) expires_after: i64,
}

impl Arguments {
    /// `query` with these arguments bound, in the statement's order.
    pub(crate) fn bind<'q>(
        &'q self,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        query
            .bind(self.now)
            .bind(&self.spent_hash)
            .bind(&self.next_hash)
            .bind(self.used_after)
            .bind(self.expires_after)
    }
}

/// The queue of rotations waiting for the connection; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Rotations {
    waiting: mpsc::Sender<Rotation>,
}

impl Rotations {
    /// A queue served by a task of its own (on the current tokio runtime),
    /// connecting with `options`. The task, and its connection, end with
    /// the last clone, or at `closed` (the store's pool closing) once the
    /// batch under way, if any, is committed and answered.
    pub(crate) fn start(options: AnyConnectOptions, closed: CloseEvent) -> Self {
        let (waiting, queue) = mpsc::channel(MOST_WAITING);
        tokio::spawn(serve(options, queue, closed));
        Self { waiting }
    }

    /// Runs the rotation `statement` with `arguments` and returns its row
    /// (none when nothing was rotated) once it is committed.
    pub(crate) async fn rotate(
        &self,
        statement: &'static str,
        arguments: Arguments,
    ) -> Result<Option<AnyRow>, StoreError> {
        let (answer, answered) = oneshot::channel();
        let rotation = Rotation {
            statement,
            arguments,
            answer,
        };
        self.waiting
            .try_send(rotation)
            .map_err(|refused| match refused {
                mpsc::error::TrySendError::Full(_) => failed("too many refresh rotations waiting"),
                mpsc::error::TrySendError::Closed(_) => failed("the store is closed"),
            })?;
        answered
            .await
            .map_err(|_| failed("the refresh rotation task has stopped"))?
    }
}

fn failed(why: &'static str) -> StoreError {
    StoreError::Unavailable(Box::new(std::io::Error::other(why)))
}

async fn serve(
    options: AnyConnectOptions,
    mut queue: mpsc::Receiver<Rotation>,
    closed: CloseEvent,
) {
    let mut closed = std::pin::pin!(closed);
    let mut connection: Option<AnyConnection> = None;
    let mut batch = Vec::with_capacity(MOST_AT_ONCE);
    loop {
        let waiting = tokio::select! {
            biased;
            () = &mut closed => break,
            waiting = queue.recv_many(&mut batch, MOST_AT_ONCE) => waiting,
        };
        if waiting == 0 {
            break;
        }
        // A caller that gave up must not have its token spent unseen.
        batch.retain(|rotation| !rotation.answer.is_closed());
        if batch.is_empty() {
            continue;
        }
        let rows = match &mut connection {
            Some(open) => commit_together(open, &batch).await,
            None => match options.connect().await {
                Ok(open) => commit_together(connection.insert(open), &batch).await,
                Err(err) => Err(err),
            },
        };
        match rows {
            Ok(rows) => answer(batch.drain(..), rows),
            Err(err) => {
                tracing::warn!(error = %err, "a batch of refresh rotations failed");
                connection = None;
                let shared = std::sync::Arc::new(err);
                for rotation in batch.drain(..) {
                    let failure = std::io::Error::other(shared.clone());
                    let _ = rotation
                        .answer
                        .send(Err(StoreError::Unavailable(Box::new(failure))));
                }
            }
        }
    }
}

/// Answers each rotation of a committed batch with its row: rows come in
/// the rotations' order, and a rotation that spent nothing has none. (A
/// row whose successor cannot be read, which its own statement named,
/// answers no rotation: that one is then refused, and fails closed.)
fn answer(batch: impl Iterator<Item = Rotation>, rows: Vec<AnyRow>) {
    let mut rows = rows.into_iter().peekable();
    for rotation in batch {
        let added = |row: &AnyRow| {
            (row.try_get::<&str, _>(SUCCESSOR))
                .is_ok_and(|next| next == rotation.arguments.next_hash)
        };
        let row = rows.next_if(added);
        // A caller that gave up no longer listens.
        let _ = rotation.answer.send(Ok(row));
    }
}

/// Runs every rotation of `batch` in one transaction, and commits it: one
/// script, sent to the connection's thread at once (each statement a round
/// trip of its own would be a thread hand-off each).
async fn commit_together(
    connection: &mut AnyConnection,
    batch: &[Rotation],
) -> Result<Vec<AnyRow>, sqlx::Error> {
    // IMMEDIATE: the write lock from the start, so no rotation in the batch
    // can meet a busy database half way.
    let mut script = String::from("BEGIN IMMEDIATE; ");
    for (index, rotation) in batch.iter().enumerate() {
        script.push_str(&numbered_from(rotation.statement, index * ARGUMENTS));
        script.push_str("; ");
    }
    script.push_str("COMMIT");
    let mut query = sqlx::query(&script);
    for rotation in batch {
        query = rotation.arguments.bind(query);
    }
    query.fetch_all(connection).await
}

/// `statement` with its parameters `$1`…`$9` renumbered from `$(offset + 1)`.
fn numbered_from(statement: &str, offset: usize) -> String {
    let mut numbered = String::with_capacity(statement.len() + 16);
    let mut characters = statement.chars().peekable();
    while let Some(character) = characters.next() {
        numbered.push(character);
        if character == '$'
            && let Some(digit) = characters.next_if(char::is_ascii_digit)
        {
            let number = offset + digit.to_digit(10).map_or(0, |d| d as usize);
            numbered.push_str(&number.to_string());
        }
    }
    numbered
}
