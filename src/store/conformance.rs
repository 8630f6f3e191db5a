//! The store conformance suite (feature `testing`): what every
//! implementation of the store traits must do, as one async function per
//! trait. Call them from a test of your store:
//!
//! ```no_run
//! # async fn run() {
//! let store = portcullis::store::MemoryStore::new();
//! portcullis::store::conformance::user_store(&store).await;
//! portcullis::store::conformance::token_store(&store).await;
//! portcullis::store::conformance::rate_limiter(&portcullis::store::MemoryRateLimiter::new()).await;
//! # }
//! ```
//!
//! Each function panics on the first broken promise. They create their own
//! uniquely named records, so they can run against a shared database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use futures_util::future::join_all;
use time::OffsetDateTime;

use super::{
    ApiToken, ApiTokenKind, Decision, NewUser, OneTimePurpose, OneTimeToken, RateLimiter,
    RefreshFamily, StoreError, TokenStore, UserChanges, UserStore, Window,
};
use crate::token::{new_id, opaque};

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn unique_email() -> String {
    format!("Conformance.{}@Example.COM", new_id())
}

/// Runs every [`UserStore`] promise against `store`.
pub async fn user_store<S: UserStore>(store: &S) {
    let email = unique_email();
    let mut new = NewUser::new(
        &format!("  {email} "),
        "user",
        Some("$argon2id$hash".into()),
        t0(),
    );
    new.name = Some("Ada".into());
    let user = store.create_user(new).await.unwrap();
    assert!(!user.id.is_empty(), "the store mints an id");
    assert_eq!(user.email, email, "emails are kept trimmed");
    assert_eq!(user.name.as_deref(), Some("Ada"));
    assert_eq!(user.role, "user");
    assert!(user.is_active);
    assert_eq!(user.password_hash.as_deref(), Some("$argon2id$hash"));
    assert_eq!(user.created_at, t0());

    assert_eq!(
        store.find_user(&user.id).await.unwrap().as_ref(),
        Some(&user)
    );
    let by_email = store
        .find_user_by_email(&format!(" {} ", email.to_uppercase()))
        .await
        .unwrap();
    assert_eq!(
        by_email.as_ref(),
        Some(&user),
        "email lookup ignores case and spaces"
    );

    let twin = NewUser::new(&email.to_lowercase(), "user", None, t0());
    assert!(
        matches!(store.create_user(twin).await, Err(StoreError::Conflict)),
        "a taken email (in another case) is a conflict"
    );

    assert!(matches!(
        store.find_user("not an id").await,
        Err(StoreError::InvalidId)
    ));
    assert_eq!(
        store.find_user(&new_id()).await.unwrap(),
        None,
        "unknown ids are absent"
    );
    assert_eq!(
        store.find_user_by_email(&unique_email()).await.unwrap(),
        None
    );

    let changes = UserChanges {
        name: Some(None),
        password_hash: Some("$argon2id$new".into()),
        is_active: Some(false),
        ..UserChanges::default()
    };
    let changed = store.update_user(&user.id, changes).await.unwrap();
    assert_eq!(changed.name, None, "Some(None) clears the name");
    assert_eq!(changed.password_hash.as_deref(), Some("$argon2id$new"));
    assert!(!changed.is_active);
    assert_eq!(changed.email, user.email, "untouched fields stay");
    assert_eq!(
        store.find_user(&user.id).await.unwrap(),
        Some(changed.clone())
    );

    let unchanged = store
        .update_user(&user.id, UserChanges::default())
        .await
        .unwrap();
    assert_eq!(unchanged, changed, "an empty change changes nothing");
    assert!(matches!(
        store.update_user(&new_id(), UserChanges::default()).await,
        Err(StoreError::NotFound)
    ));

    second_factors(store, &user.id).await;
    email_changes(store, &user.id).await;
}

/// Changing the address and its verified flag.
async fn email_changes<S: UserStore>(store: &S, id: &str) {
    let before = store.find_user(id).await.unwrap().unwrap();
    assert!(!before.email_verified, "new accounts start unverified");
    let other = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    let taken = UserChanges {
        email: Some(other.email.to_uppercase()),
        ..UserChanges::default()
    };
    assert!(
        matches!(
            store.update_user(id, taken).await,
            Err(StoreError::Conflict)
        ),
        "another user's address, in any case, is taken"
    );
    let same = UserChanges {
        email: Some(before.email.to_lowercase()),
        ..UserChanges::default()
    };
    store.update_user(id, same).await.unwrap();
    let fresh = unique_email();
    let moved = UserChanges {
        email: Some(format!(" {fresh} ")),
        email_verified: Some(true),
        ..UserChanges::default()
    };
    let user = store.update_user(id, moved).await.unwrap();
    assert_eq!(user.email, fresh);
    assert!(user.email_verified);
    assert_eq!(
        store
            .find_user_by_email(&fresh)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(id.to_owned())
    );
    assert_eq!(
        store.find_user_by_email(&before.email).await.unwrap(),
        None,
        "the old address is free"
    );
}

/// TOTP state, the replay guard and recovery codes.
async fn second_factors<S: UserStore>(store: &S, id: &str) {
    let pending = UserChanges {
        totp_pending: Some(Some("sealed-pending".into())),
        ..UserChanges::default()
    };
    let user = store.update_user(id, pending).await.unwrap();
    assert_eq!(user.totp_pending.as_deref(), Some("sealed-pending"));
    assert_eq!(user.totp_secret, None, "pending is not active");
    assert!(
        !store.confirm_totp(id, "another-pending").await.unwrap(),
        "only the pending secret confirms"
    );
    let confirms = join_all((0..4).map(|_| store.confirm_totp(id, "sealed-pending"))).await;
    let won = confirms
        .into_iter()
        .map(Result::unwrap)
        .filter(|won| *won)
        .count();
    assert_eq!(won, 1, "of concurrent confirmations, one wins");
    let user = store.find_user(id).await.unwrap().unwrap();
    assert_eq!(user.totp_secret.as_deref(), Some("sealed-pending"));
    let confirm = UserChanges {
        totp_secret: Some(Some("sealed-secret".into())),
        totp_pending: Some(None),
        ..UserChanges::default()
    };
    let user = store.update_user(id, confirm).await.unwrap();
    assert_eq!(
        (user.totp_secret.as_deref(), user.totp_pending.as_deref()),
        (Some("sealed-secret"), None)
    );
    assert_eq!(store.find_user(id).await.unwrap(), Some(user));

    assert!(
        store.record_totp_step(id, 100).await.unwrap(),
        "a first code"
    );
    assert!(
        !store.record_totp_step(id, 100).await.unwrap(),
        "the same step again is a replay"
    );
    assert!(
        !store.record_totp_step(id, 99).await.unwrap(),
        "an earlier step after a later one"
    );
    assert!(store.record_totp_step(id, 101).await.unwrap());
    let steps = join_all((0..8).map(|_| store.record_totp_step(id, 200))).await;
    let accepted = steps
        .into_iter()
        .map(Result::unwrap)
        .filter(|ok| *ok)
        .count();
    assert_eq!(
        accepted, 1,
        "of concurrent uses of one code, exactly one is accepted"
    );
    let reset = UserChanges {
        totp_secret: Some(Some("sealed-new".into())),
        ..UserChanges::default()
    };
    store.update_user(id, reset).await.unwrap();
    assert!(
        store.record_totp_step(id, 150).await.unwrap(),
        "a new secret forgets the old steps"
    );
    let off = UserChanges {
        totp_secret: Some(None),
        ..UserChanges::default()
    };
    assert_eq!(store.update_user(id, off).await.unwrap().totp_secret, None);

    let codes: Vec<String> = (0..3)
        .map(|_| opaque::digest(&opaque::generate()))
        .collect();
    store.replace_recovery_codes(id, &codes).await.unwrap();
    assert!(store.spend_recovery_code(id, &codes[0]).await.unwrap());
    assert!(
        !store.spend_recovery_code(id, &codes[0]).await.unwrap(),
        "a code is spent once"
    );
    let other = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    assert!(
        !store
            .spend_recovery_code(&other.id, &codes[1])
            .await
            .unwrap(),
        "codes are per user"
    );
    let fresh = vec![opaque::digest(&opaque::generate())];
    store.replace_recovery_codes(id, &fresh).await.unwrap();
    assert!(
        !store.spend_recovery_code(id, &codes[1]).await.unwrap(),
        "replacing voids old codes"
    );
    assert!(store.spend_recovery_code(id, &fresh[0]).await.unwrap());

    identities(store, id, &other.id).await;
}

/// External identities: linked once, found by (provider, subject).
async fn identities<S: UserStore>(store: &S, id: &str, other: &str) {
    let subject = format!("sub-{}", new_id());
    assert_eq!(
        store
            .find_user_by_identity("google", &subject)
            .await
            .unwrap(),
        None
    );
    store.link_identity(id, "google", &subject).await.unwrap();
    let found = store
        .find_user_by_identity("google", &subject)
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.id).as_deref(), Some(id));
    assert_eq!(
        store
            .find_user_by_identity("github", &subject)
            .await
            .unwrap(),
        None,
        "subjects are per provider"
    );
    assert!(
        matches!(
            store.link_identity(other, "google", &subject).await,
            Err(StoreError::Conflict)
        ),
        "an identity belongs to one account"
    );
    store.link_identity(id, "github", &subject).await.unwrap();
    assert!(matches!(
        store.link_identity(&new_id(), "google", &new_id()).await,
        Err(StoreError::NotFound)
    ));
}

fn family(user_id: &str, created: OffsetDateTime, ttl: Duration) -> RefreshFamily {
    RefreshFamily {
        id: new_id(),
        user_id: user_id.to_owned(),
        amr: vec!["pwd".into(), "otp".into()],
        remember: true,
        created_at: created,
        expires_at: created + ttl,
        revoked_at: None,
    }
}

/// Runs every [`TokenStore`] promise against `store` (which must also keep
/// users, since sessions belong to them).
pub async fn token_store<S: UserStore + TokenStore>(store: &S) {
    let user = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    let day = Duration::from_secs(86_400);
    let first = family(&user.id, t0(), day);
    let secret = opaque::digest(&opaque::generate());
    store.create_family(&first, &secret).await.unwrap();

    let found = store.find_refresh_token(&secret).await.unwrap().unwrap();
    assert_eq!(found.family, first);
    assert_eq!(found.used_at, None);
    assert_eq!(
        store
            .find_refresh_token(&opaque::digest("unknown"))
            .await
            .unwrap(),
        None
    );

    // Rotation: once, and only once.
    let later = t0() + Duration::from_secs(60);
    let next = opaque::digest(&opaque::generate());
    assert!(
        store
            .rotate_refresh_token(&secret, &next, later)
            .await
            .unwrap()
    );
    let spent = store.find_refresh_token(&secret).await.unwrap().unwrap();
    assert_eq!(spent.used_at, Some(later), "the spent token records when");
    let successor = store.find_refresh_token(&next).await.unwrap().unwrap();
    assert_eq!(
        successor.family.id, first.id,
        "the successor joins the family"
    );
    assert_eq!(successor.used_at, None);
    let again = opaque::digest(&opaque::generate());
    assert!(
        !store
            .rotate_refresh_token(&secret, &again, later)
            .await
            .unwrap(),
        "a spent token does not rotate again"
    );
    assert_eq!(
        store.find_refresh_token(&again).await.unwrap(),
        None,
        "a refused rotation adds nothing"
    );

    // Of concurrent rotations of one token, exactly one wins.
    let contenders: Vec<String> = (0..8)
        .map(|_| opaque::digest(&opaque::generate()))
        .collect();
    let outcomes = join_all(
        contenders
            .iter()
            .map(|candidate| store.rotate_refresh_token(&next, candidate, later)),
    )
    .await;
    let wins = outcomes
        .into_iter()
        .map(Result::unwrap)
        .filter(|won| *won)
        .count();
    assert_eq!(wins, 1, "exactly one concurrent rotation wins");

    // Revocation stops rotation.
    let live = store.list_families(&user.id, later).await.unwrap();
    assert_eq!(
        live.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&first.id]
    );
    store.revoke_family(&first.id, later).await.unwrap();
    let revoked = store.find_refresh_token(&secret).await.unwrap().unwrap();
    assert_eq!(revoked.family.revoked_at, Some(later));
    store.revoke_family(&first.id, later + day).await.unwrap();
    let still = store.find_refresh_token(&secret).await.unwrap().unwrap();
    assert_eq!(
        still.family.revoked_at,
        Some(later),
        "revoking twice keeps the first time"
    );
    for candidate in &contenders {
        let fresh = opaque::digest(&opaque::generate());
        assert!(
            !store
                .rotate_refresh_token(candidate, &fresh, later)
                .await
                .unwrap(),
            "no token of a revoked family rotates"
        );
    }

    // Listing and revoking a user's sessions.
    let a = family(&user.id, t0() + Duration::from_secs(1), day);
    let b = family(&user.id, t0() + Duration::from_secs(2), day);
    let short = family(
        &user.id,
        t0() + Duration::from_secs(3),
        Duration::from_secs(10),
    );
    for f in [&a, &b, &short] {
        store
            .create_family(f, &opaque::digest(&opaque::generate()))
            .await
            .unwrap();
    }
    let listed = store.list_families(&user.id, later).await.unwrap();
    assert_eq!(
        listed.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&a.id, &b.id],
        "live families, oldest first; revoked and expired ones are left out"
    );
    let count = store
        .revoke_user_families(&user.id, Some(&b.id), later)
        .await
        .unwrap();
    assert_eq!(
        count, 2,
        "every unrevoked family but the kept one (expired ones too)"
    );
    let listed = store.list_families(&user.id, later).await.unwrap();
    assert_eq!(
        listed.iter().map(|f| &f.id).collect::<Vec<_>>(),
        vec![&b.id]
    );
    assert_eq!(
        store
            .revoke_user_families(&user.id, None, later)
            .await
            .unwrap(),
        1
    );
    assert!(
        store
            .list_families(&user.id, later)
            .await
            .unwrap()
            .is_empty()
    );

    api_tokens(store).await;
    one_time_tokens(store).await;
    purging(store).await;
}

async fn purging<S: UserStore + TokenStore>(store: &S) {
    let user = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    let hour = Duration::from_secs(3600);
    let old = family(&user.id, t0(), hour);
    let live = family(&user.id, t0(), 48 * hour);
    let (old_secret, live_secret) = (
        opaque::digest(&opaque::generate()),
        opaque::digest(&opaque::generate()),
    );
    store.create_family(&old, &old_secret).await.unwrap();
    store.create_family(&live, &live_secret).await.unwrap();
    let one_time = |ttl: Duration| OneTimeToken {
        token_hash: opaque::digest(&opaque::generate()),
        purpose: OneTimePurpose::PasswordReset,
        user_id: user.id.clone(),
        data: String::new(),
        failures: 0,
        created_at: t0(),
        expires_at: t0() + ttl,
    };
    let (stale, fresh) = (one_time(hour), one_time(48 * hour));
    store.create_one_time_token(&stale).await.unwrap();
    store.create_one_time_token(&fresh).await.unwrap();
    let app = api_token(ApiTokenKind::App, &user.id, &user.id, t0());
    store.create_api_token(&app).await.unwrap();
    store
        .set_api_token_expiry(&app.token_hash, t0())
        .await
        .unwrap();

    let purged = store.purge_expired(t0() + 2 * hour).await.unwrap();
    assert!(
        purged >= 3,
        "at least the old session, its token and the stale link: {purged}"
    );
    assert_eq!(
        store.find_refresh_token(&old_secret).await.unwrap(),
        None,
        "ended sessions go"
    );
    assert!(
        store
            .find_refresh_token(&live_secret)
            .await
            .unwrap()
            .is_some(),
        "live ones stay"
    );
    assert_eq!(
        store.find_one_time_token(&stale.token_hash).await.unwrap(),
        None
    );
    assert!(
        store
            .find_one_time_token(&fresh.token_hash)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .find_api_token(&app.token_hash)
            .await
            .unwrap()
            .is_some(),
        "API tokens stay"
    );
}

async fn one_time_tokens<S: UserStore + TokenStore>(store: &S) {
    let user = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    let token = OneTimeToken {
        token_hash: opaque::digest(&opaque::generate()),
        purpose: OneTimePurpose::MfaChallenge,
        user_id: user.id.clone(),
        data: "remember".into(),
        failures: 0,
        created_at: t0(),
        expires_at: t0() + Duration::from_secs(300),
    };
    store.create_one_time_token(&token).await.unwrap();
    assert_eq!(
        store
            .find_one_time_token(&token.token_hash)
            .await
            .unwrap()
            .as_ref(),
        Some(&token)
    );
    assert_eq!(
        store
            .count_one_time_token_failure(&token.token_hash)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_one_time_token_failure(&token.token_hash)
            .await
            .unwrap(),
        2
    );
    let found = store
        .find_one_time_token(&token.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.failures, 2, "failures are kept");
    let consumers = join_all((0..8).map(|_| store.consume_one_time_token(&token.token_hash))).await;
    let consumed = consumers
        .into_iter()
        .map(Result::unwrap)
        .filter(|done| *done)
        .count();
    assert_eq!(consumed, 1, "of concurrent consumers, exactly one succeeds");
    assert_eq!(
        store.find_one_time_token(&token.token_hash).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .count_one_time_token_failure(&token.token_hash)
            .await
            .unwrap(),
        0,
        "gone"
    );

    let other = store
        .create_user(NewUser::new(&unique_email(), "user", None, t0()))
        .await
        .unwrap();
    let mine = OneTimeToken {
        token_hash: opaque::digest(&opaque::generate()),
        ..token.clone()
    };
    let theirs = OneTimeToken {
        token_hash: opaque::digest(&opaque::generate()),
        user_id: other.id.clone(),
        ..token.clone()
    };
    store.create_one_time_token(&mine).await.unwrap();
    store.create_one_time_token(&theirs).await.unwrap();
    assert_eq!(store.revoke_one_time_tokens(&user.id).await.unwrap(), 1);
    assert_eq!(
        store.find_one_time_token(&mine.token_hash).await.unwrap(),
        None
    );
    assert!(
        store
            .find_one_time_token(&theirs.token_hash)
            .await
            .unwrap()
            .is_some(),
        "only that user's tokens go"
    );
}

fn api_token(
    kind: ApiTokenKind,
    user_id: &str,
    owner_id: &str,
    created: OffsetDateTime,
) -> ApiToken {
    let secret = opaque::generate();
    ApiToken {
        token_hash: opaque::digest(&secret),
        kind,
        user_id: user_id.to_owned(),
        actor_id: (kind == ApiTokenKind::OnBehalfOf).then(|| owner_id.to_owned()),
        owner_id: owner_id.to_owned(),
        app_hash: None,
        hint: secret[..6].to_owned(),
        created_at: created,
        expires_at: created + Duration::from_secs(86_400),
    }
}

async fn api_tokens<S: UserStore + TokenStore>(store: &S) {
    let new_user = || NewUser::new(&unique_email(), "user", None, t0());
    let admin = store.create_user(new_user()).await.unwrap();
    let user = store.create_user(new_user()).await.unwrap();

    let app = api_token(ApiTokenKind::App, &admin.id, &admin.id, t0());
    let mut mine = api_token(
        ApiTokenKind::User,
        &user.id,
        &user.id,
        t0() + Duration::from_secs(1),
    );
    mine.app_hash = Some(app.token_hash.clone());
    let obo = api_token(
        ApiTokenKind::OnBehalfOf,
        &user.id,
        &admin.id,
        t0() + Duration::from_secs(2),
    );
    for token in [&app, &mine, &obo] {
        store.create_api_token(token).await.unwrap();
        assert_eq!(
            store
                .find_api_token(&token.token_hash)
                .await
                .unwrap()
                .as_ref(),
            Some(token)
        );
    }
    assert!(
        matches!(
            store.create_api_token(&app).await,
            Err(StoreError::Conflict)
        ),
        "a digest is stored once"
    );
    assert_eq!(
        store
            .find_api_token(&opaque::digest("unknown"))
            .await
            .unwrap(),
        None
    );

    let both = [ApiTokenKind::User, ApiTokenKind::OnBehalfOf];
    let admins = store.list_api_tokens(&admin.id, &both).await.unwrap();
    assert_eq!(
        admins,
        vec![obo.clone()],
        "listing filters by owner and kind"
    );
    let apps = store
        .list_api_tokens(&admin.id, &[ApiTokenKind::App])
        .await
        .unwrap();
    assert_eq!(apps, vec![app.clone()]);
    let users = store.list_api_tokens(&user.id, &both).await.unwrap();
    assert_eq!(
        users,
        vec![mine.clone()],
        "tokens acting as a user are listed for their maker only"
    );

    let past = t0() - Duration::from_secs(1);
    assert!(
        store
            .set_api_token_expiry(&mine.token_hash, past)
            .await
            .unwrap()
    );
    let expired = store
        .find_api_token(&mine.token_hash)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(expired.expires_at, past, "expiry can be set in the past");
    assert!(
        !store
            .set_api_token_expiry(&opaque::digest("unknown"), past)
            .await
            .unwrap()
    );

    assert!(store.delete_api_token(&obo.token_hash).await.unwrap());
    assert!(
        !store.delete_api_token(&obo.token_hash).await.unwrap(),
        "deleting twice finds nothing"
    );
    assert_eq!(store.find_api_token(&obo.token_hash).await.unwrap(), None);
}

/// Runs every [`RateLimiter`] promise against `limiter`.
pub async fn rate_limiter<L: RateLimiter>(limiter: &L) {
    let key = || format!("conformance:{}", new_id());
    let minute = Duration::from_secs(60);
    let span = 15 * minute;
    let now = t0();
    let at = |minutes: u32| now + minute * minutes;

    // Fixed window: a budget per span from the first hit.
    let fixed = key();
    assert_eq!(
        limiter.peek(&fixed, 3, now).await.unwrap(),
        Decision::Allowed { remaining: 2 },
        "peek counts the attempt it asks about, and nothing else"
    );
    assert_eq!(
        limiter
            .hit(&fixed, 3, Window::Fixed(span), now)
            .await
            .unwrap(),
        Decision::Allowed { remaining: 2 }
    );
    assert_eq!(
        limiter
            .hit(&fixed, 3, Window::Fixed(span), at(10))
            .await
            .unwrap(),
        Decision::Allowed { remaining: 1 }
    );
    assert_eq!(
        limiter
            .hit(&fixed, 3, Window::Fixed(span), at(14))
            .await
            .unwrap(),
        Decision::Allowed { remaining: 0 },
        "the hit that reaches the limit is still allowed"
    );
    assert_eq!(
        limiter
            .hit(&fixed, 3, Window::Fixed(span), at(16))
            .await
            .unwrap(),
        Decision::Limited {
            retry_after: 13 * minute
        },
        "reaching the limit restarts the window: a full cooling period"
    );
    assert_eq!(
        limiter.peek(&fixed, 3, at(20)).await.unwrap(),
        Decision::Limited {
            retry_after: 9 * minute
        }
    );
    assert_eq!(
        limiter
            .hit(&fixed, 3, Window::Fixed(span), at(29))
            .await
            .unwrap(),
        Decision::Allowed { remaining: 2 },
        "a new window starts when the old one ends"
    );

    // Sliding window: hits count until a whole span passes without one.
    let sliding = key();
    for (minutes, remaining) in [(0, 2), (14, 1), (28, 0)] {
        assert_eq!(
            limiter
                .hit(&sliding, 3, Window::Sliding(span), at(minutes))
                .await
                .unwrap(),
            Decision::Allowed { remaining },
            "consecutive hits {minutes} minutes in"
        );
    }
    assert_eq!(
        limiter
            .hit(&sliding, 3, Window::Sliding(span), at(42))
            .await
            .unwrap(),
        Decision::Limited { retry_after: span }
    );
    assert_eq!(
        limiter
            .hit(&sliding, 3, Window::Sliding(span), at(58))
            .await
            .unwrap(),
        Decision::Allowed { remaining: 2 },
        "a quiet span forgets"
    );

    // Forgive takes back one hit; reset forgets the key; keys are independent.
    let other = key();
    limiter
        .hit(&other, 2, Window::Fixed(span), now)
        .await
        .unwrap();
    limiter
        .hit(&other, 2, Window::Fixed(span), now)
        .await
        .unwrap();
    limiter.forgive(&other).await.unwrap();
    assert_eq!(
        limiter.peek(&other, 2, now).await.unwrap(),
        Decision::Allowed { remaining: 0 }
    );
    limiter.reset(&other).await.unwrap();
    assert_eq!(
        limiter.peek(&other, 2, now).await.unwrap(),
        Decision::Allowed { remaining: 1 }
    );
    assert_eq!(
        limiter.peek(&key(), 2, now).await.unwrap(),
        Decision::Allowed { remaining: 1 },
        "an unknown key has its whole budget"
    );

    // Concurrent hits are all counted.
    let burst = key();
    let decisions =
        join_all((0..20).map(|_| limiter.hit(&burst, 5, Window::Fixed(span), now))).await;
    let allowed = decisions
        .into_iter()
        .map(Result::unwrap)
        .filter(|d| matches!(d, Decision::Allowed { .. }))
        .count();
    assert_eq!(allowed, 5, "a burst gets exactly the limit");
}
