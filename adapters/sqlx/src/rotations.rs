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
//! token, so each client's retry succeeds.

use sqlx::any::{AnyConnectOptions, AnyRow};
use sqlx::pool::CloseEvent;
use sqlx::{AnyConnection, ConnectOptions, Row};
use tokio::sync::{mpsc, oneshot};

/// The most rotations committed together.
const MOST_AT_ONCE: usize = 64;

/// How many arguments each rotation statement takes (`$1`…`$5`).
const ARGUMENTS: usize = 5;

/// The column each rotation returns with the token it spent.
pub(crate) const SPENT: &str = "spent_hash";

/// One rotation: its statement and arguments, and where its row goes.
struct Rotation {
    statement: &'static str,
    spent_hash: String,
    next_hash: String,
    now: i64,
    used_after: i64,
    expires_after: i64,
    answer: oneshot::Sender<Result<Option<AnyRow>, sqlx::Error>>,
}

/// The rotation arguments, in the order of the statements' `$1`…`$5`.
pub(crate) struct Arguments<'a> {
    pub(crate) now: i64,
    pub(crate) spent_hash: &'a str,
    pub(crate) next_hash: &'a str,
    pub(crate) used_after: i64,
    pub(crate) expires_after: i64,
}

/// The queue of rotations waiting for the connection; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Rotations {
    waiting: mpsc::UnboundedSender<Rotation>,
}

impl Rotations {
    /// A queue served by a task of its own (on the current tokio runtime),
    /// connecting with `options`. The task, and its connection, end with
    /// the last clone or at `closed` (the store's pool closing).
    pub(crate) fn start(options: AnyConnectOptions, closed: CloseEvent) -> Self {
        let (waiting, queue) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            tokio::select! {
                biased;
                () = closed => {}
                () = serve(options, queue) => {}
            }
        });
        Self { waiting }
    }

    /// Runs the rotation `statement` with `arguments` and returns its row
    /// (none when nothing was rotated) once it is committed.
    pub(crate) async fn rotate(
        &self,
        statement: &'static str,
        arguments: Arguments<'_>,
    ) -> Result<Option<AnyRow>, sqlx::Error> {
        let (answer, answered) = oneshot::channel();
        let rotation = Rotation {
            statement,
            spent_hash: arguments.spent_hash.to_owned(),
            next_hash: arguments.next_hash.to_owned(),
            now: arguments.now,
            used_after: arguments.used_after,
            expires_after: arguments.expires_after,
            answer,
        };
        self.waiting
            .send(rotation)
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answered.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn serve(options: AnyConnectOptions, mut queue: mpsc::UnboundedReceiver<Rotation>) {
    let mut connection: Option<AnyConnection> = None;
    let mut batch = Vec::with_capacity(MOST_AT_ONCE);
    while queue.recv_many(&mut batch, MOST_AT_ONCE).await > 0 {
        let rows = match &mut connection {
            Some(open) => commit_together(open, &batch).await,
            None => match options.connect().await {
                Ok(open) => commit_together(connection.insert(open), &batch).await,
                Err(err) => Err(err),
            },
        };
        match rows {
            Ok(rows) => {
                for (rotation, row) in batch.drain(..).zip(rows) {
                    // A caller that gave up no longer listens.
                    let _ = rotation.answer.send(Ok(row));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "a batch of refresh rotations failed");
                connection = None;
                let shared = std::sync::Arc::new(err);
                for rotation in batch.drain(..) {
                    let _ = rotation
                        .answer
                        .send(Err(sqlx::Error::Io(std::io::Error::other(shared.clone()))));
                }
            }
        }
    }
}

/// Runs every rotation of `batch` in one transaction, and commits it: one
/// script, sent to the connection's thread at once (each statement a round
/// trip of its own would be a thread hand-off each).
async fn commit_together(
    connection: &mut AnyConnection,
    batch: &[Rotation],
) -> Result<Vec<Option<AnyRow>>, sqlx::Error> {
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
        query = query
            .bind(rotation.now)
            .bind(&rotation.spent_hash)
            .bind(&rotation.next_hash)
            .bind(rotation.used_after)
            .bind(rotation.expires_after);
    }
    let mut rows = query.fetch_all(connection).await?.into_iter().peekable();
    // A rotation that spent nothing returns no row: the rows are matched
    // to the rotations by the token each spent.
    let mut answers = Vec::with_capacity(batch.len());
    for rotation in batch {
        let spent = match rows.peek() {
            Some(row) => row.try_get::<&str, _>(SPENT)? == rotation.spent_hash,
            None => false,
        };
        answers.push(if spent { rows.next() } else { None });
    }
    Ok(answers)
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
