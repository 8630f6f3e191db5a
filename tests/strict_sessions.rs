//! Strict sessions in one process: two services on one store and one
//! revocation channel stand for two instances. A session ended on one is
//! refused on the other at once; a role change acts at the next request;
//! with the channel lost the store judges, never the token alone; an
//! announcement the channel refused is published when it is back.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::{StreamExt, stream};
use portcullis::revocation::{MemoryRevocations, Published, RevocationChannel, Subscription};
use portcullis::store::{MemoryStore, StoreError};
use portcullis::{
    Auth, AuthConfig, AuthError, Client, Credentials, NewAccount, ProfileUpdate, Session,
};
use time::OffsetDateTime;
use tokio::sync::watch;

const PASSWORD: &str = "correct horse battery";

/// A channel that can be cut, as Redis stopped would be: publishing and
/// subscribing fail, and live streams end in an error.
#[derive(Clone)]
struct Cuttable {
    inner: MemoryRevocations,
    down: Arc<watch::Sender<bool>>,
}

impl Cuttable {
    fn new(inner: MemoryRevocations) -> Self {
        Self {
            inner,
            down: Arc::new(watch::channel(false).0),
        }
    }

    fn cut(&self, down: bool) {
        self.down.send_replace(down);
    }

    fn check(&self) -> Result<(), StoreError> {
        if *self.down.borrow() {
            return Err(StoreError::Unavailable("the channel is cut".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl RevocationChannel for Cuttable {
    async fn publish(&self, event: &Published, keep: Duration) -> Result<(), StoreError> {
        self.check()?;
        self.inner.publish(event, keep).await
    }

    async fn subscribe(&self, since: OffsetDateTime) -> Result<Subscription, StoreError> {
        self.check()?;
        let subscription = self.inner.subscribe(since).await?;
        let mut down = self.down.subscribe();
        let cut = stream::once(async move {
            let _ = down.wait_for(|down| *down).await;
            Err(StoreError::Unavailable("the channel is cut".into()))
        });
        Ok(Subscription {
            history: subscription.history,
            live: stream::select(subscription.live, cut).boxed(),
        })
    }
}

fn config(strict: bool) -> AuthConfig {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    config.sessions.strict = strict;
    config
}

fn instance(store: &MemoryStore, channel: impl RevocationChannel, strict: bool) -> Auth {
    Auth::builder(config(strict))
        .store(store.clone())
        .revocations(channel)
        .build()
        .unwrap()
}

/// Waits (polling, up to ten seconds) until `check` holds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never: {what}");
}

/// Waits until an instance's view vouches for tokens again.
async fn caught_up(auth: &Auth, token: &str) {
    eventually("the instance catches up", async || {
        !matches!(auth.authenticate(token), Err(AuthError::Unavailable))
    })
    .await;
}

async fn signed_in(auth: &Auth, email: &str) -> Session {
    auth.login(Credentials::new(email, PASSWORD), Client::default())
        .await
        .unwrap()
        .session()
        .expect("a login without a second factor ends in a session")
}

async fn user(auth: &Auth, email: &str, role: &str) -> String {
    auth.create_user(NewAccount::new(email, PASSWORD, role))
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn a_logout_on_one_instance_is_refused_on_the_other_at_once() {
    let (store, channel) = (MemoryStore::new(), MemoryRevocations::new());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, channel, true);
    user(&a, "ada@example.com", "user").await;
    let session = signed_in(&a, "ada@example.com").await;
    caught_up(&b, &session.access_token).await;
    assert!(b.authenticate(&session.access_token).is_ok());
    a.logout(&session.refresh_token).await.unwrap();
    eventually("B refuses the ended session", async || {
        matches!(
            b.authenticate(&session.access_token),
            Err(AuthError::TokenInvalid)
        )
    })
    .await;
    assert!(matches!(
        a.authenticate(&session.access_token),
        Err(AuthError::TokenInvalid)
    ));
}

#[tokio::test]
async fn without_strict_sessions_the_token_lives_on_until_it_expires() {
    let store = MemoryStore::new();
    let a = instance(&store, MemoryRevocations::new(), false);
    user(&a, "ada@example.com", "user").await;
    let session = signed_in(&a, "ada@example.com").await;
    a.logout(&session.refresh_token).await.unwrap();
    assert!(a.authenticate(&session.access_token).is_ok());
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_everywhere_but_its_own() {
    let (store, channel) = (MemoryStore::new(), MemoryRevocations::new());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, channel, true);
    user(&a, "ada@example.com", "user").await;
    let here = signed_in(&a, "ada@example.com").await;
    let elsewhere = signed_in(&b, "ada@example.com").await;
    caught_up(&b, &here.access_token).await;
    let identity = a.authenticate(&here.access_token).unwrap();
    let mut update = ProfileUpdate::default();
    update.password = Some("another horse battery".into());
    update.current_password = Some(PASSWORD.into());
    a.update_me(&identity, update, Client::default())
        .await
        .unwrap();
    eventually("B refuses the other session", async || {
        b.authenticate(&elsewhere.access_token).is_err()
    })
    .await;
    assert!(
        b.authenticate(&here.access_token).is_ok(),
        "the session that changed the password lives on"
    );
}

#[tokio::test]
async fn a_role_change_acts_at_the_next_request_on_every_instance() {
    let (store, channel) = (MemoryStore::new(), MemoryRevocations::new());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, channel, true);
    let id = user(&a, "root@example.com", "admin").await;
    // Another admin, so that demoting this one leaves one.
    user(&a, "second@example.com", "admin").await;
    let session = signed_in(&a, "root@example.com").await;
    caught_up(&b, &session.access_token).await;
    assert_eq!(b.authenticate(&session.access_token).unwrap().role, "admin");
    a.set_user_role(&id, "user").await.unwrap();
    eventually("B sees the demotion", async || {
        b.authenticate(&session.access_token).unwrap().role == "user"
    })
    .await;
    assert!(matches!(
        a.set_user_role(&id, "  ").await,
        Err(AuthError::Validation { .. })
    ));
}

#[tokio::test]
async fn deactivating_a_user_ends_their_tokens_everywhere() {
    let (store, channel) = (MemoryStore::new(), MemoryRevocations::new());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, channel, true);
    let id = user(&a, "ada@example.com", "user").await;
    let session = signed_in(&b, "ada@example.com").await;
    caught_up(&b, &session.access_token).await;
    a.set_user_active(&id, false).await.unwrap();
    eventually("B refuses the deactivated user", async || {
        b.authenticate(&session.access_token).is_err()
    })
    .await;
}

#[tokio::test]
async fn with_the_channel_lost_the_store_judges_and_the_view_never_vouches() {
    let (store, memory) = (MemoryStore::new(), MemoryRevocations::new());
    let channel = Cuttable::new(memory.clone());
    let a = instance(&store, memory, true);
    let b = instance(&store, channel.clone(), true);
    let id = user(&a, "ada@example.com", "admin").await;
    user(&a, "second@example.com", "admin").await;
    let ended = signed_in(&a, "ada@example.com").await;
    let open = signed_in(&a, "ada@example.com").await;
    caught_up(&b, &open.access_token).await;

    channel.cut(true);
    eventually("B notices the loss", async || {
        matches!(
            b.authenticate(&open.access_token),
            Err(AuthError::Unavailable)
        )
    })
    .await;
    a.logout(&ended.refresh_token).await.unwrap();
    a.set_user_role(&id, "user").await.unwrap();
    assert!(matches!(
        b.check_access_token(&ended.access_token).await,
        Err(AuthError::TokenInvalid)
    ));
    let identity = b.check_access_token(&open.access_token).await.unwrap();
    assert_eq!(identity.role, "user", "the role as the store has it now");

    channel.cut(false);
    caught_up(&b, &open.access_token).await;
    assert!(
        matches!(
            b.authenticate(&ended.access_token),
            Err(AuthError::TokenInvalid)
        ),
        "what ended meanwhile is known after catching up"
    );
}

#[tokio::test]
async fn an_announcement_the_channel_refused_is_published_once_it_is_back() {
    let (store, memory) = (MemoryStore::new(), MemoryRevocations::new());
    let channel = Cuttable::new(memory.clone());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, memory, true);
    let id = user(&a, "root@example.com", "admin").await;
    // Another admin, so that demoting this one leaves one.
    user(&a, "second@example.com", "admin").await;
    let session = signed_in(&a, "root@example.com").await;
    caught_up(&b, &session.access_token).await;
    caught_up(&a, &session.access_token).await;

    channel.cut(true);
    a.set_user_role(&id, "user").await.unwrap();
    assert_eq!(
        b.authenticate(&session.access_token).unwrap().role,
        "admin",
        "B cannot know yet"
    );
    channel.cut(false);
    eventually("B learns the role once A publishes it", async || {
        b.authenticate(&session.access_token)
            .is_ok_and(|identity| identity.role == "user")
    })
    .await;
}

#[tokio::test]
async fn an_instance_started_later_learns_the_ended_sessions_from_the_store() {
    let store = MemoryStore::new();
    let a = instance(&store, MemoryRevocations::new(), true);
    user(&a, "ada@example.com", "user").await;
    let session = signed_in(&a, "ada@example.com").await;
    a.logout(&session.refresh_token).await.unwrap();
    // A fresh channel with no history: only the store knows.
    let late = instance(&store, MemoryRevocations::new(), true);
    eventually("the late instance refuses the ended session", async || {
        matches!(
            late.authenticate(&session.access_token),
            Err(AuthError::TokenInvalid)
        )
    })
    .await;
}

#[tokio::test]
async fn deleting_a_user_ends_their_access_tokens_everywhere_at_once() {
    let (store, channel) = (MemoryStore::new(), MemoryRevocations::new());
    let a = instance(&store, channel.clone(), true);
    let b = instance(&store, channel, true);
    user(&a, "root@example.com", "admin").await;
    let id = user(&a, "ada@example.com", "user").await;
    let admin = signed_in(&a, "root@example.com").await;
    let admin = a.authenticate(&admin.access_token).unwrap();
    let session = signed_in(&b, "ada@example.com").await;
    caught_up(&b, &session.access_token).await;
    assert!(b.authenticate(&session.access_token).is_ok());
    a.delete_user(&admin, &id).await.unwrap();
    assert!(
        a.authenticate(&session.access_token).is_err(),
        "the instance that deleted refuses at once"
    );
    eventually("B refuses the deleted user's token", async || {
        b.authenticate(&session.access_token).is_err()
    })
    .await;
}

/// A channel that is never there: it notes when each subscription is tried.
#[derive(Clone, Default)]
struct Absent {
    tries: Arc<Mutex<Vec<tokio::time::Instant>>>,
}

#[async_trait]
impl RevocationChannel for Absent {
    async fn publish(&self, _: &Published, _: Duration) -> Result<(), StoreError> {
        Err(StoreError::Unavailable("no channel".into()))
    }

    async fn subscribe(&self, _: OffsetDateTime) -> Result<Subscription, StoreError> {
        self.tries.lock().unwrap().push(tokio::time::Instant::now());
        Err(StoreError::Unavailable("no channel".into()))
    }
}

/// On tokio's paused clock, which moves only when every task waits.
#[tokio::test(start_paused = true)]
async fn a_lost_channel_is_tried_again_ever_more_slowly_up_to_two_seconds() {
    let channel = Absent::default();
    let _auth = instance(&MemoryStore::new(), channel.clone(), true);
    while channel.tries.lock().unwrap().len() < 9 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let tries = channel.tries.lock().unwrap()[..9].to_vec();
    let waits: Vec<u128> = tries
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    assert_eq!(
        waits,
        [100, 200, 400, 800, 1600, 2000, 2000, 2000],
        "doubling from 100 ms, at most 2 s"
    );
}
