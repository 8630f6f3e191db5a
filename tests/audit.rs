//! Audit events: one for each action that matters to an account's
//! security, delivered to the configured sink, never carrying a secret.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use portcullis::audit::{AuditSink, AuthEvent};
use portcullis::store::{MemoryStore, UserQuery};
use portcullis::{
    AccountChanges, Auth, AuthConfig, Client, Credentials, LoginOutcome, NewAccount, ProfileUpdate,
};
use time::OffsetDateTime;

const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Default)]
struct Kept(Arc<Mutex<Vec<AuthEvent>>>);

impl AuditSink for Kept {
    fn record(&self, event: &AuthEvent, _at: OffsetDateTime) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Kept {
    fn names(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().iter().map(AuthEvent::name).collect()
    }
}

/// A service on the memory store whose audit events go to `kept`.
fn audited(kept: &Kept) -> Auth {
    let mut config = AuthConfig::new(b"test secret that is long enough for HS256".to_vec());
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    Auth::builder(config)
        .store(MemoryStore::new())
        .audit(kept.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn security_actions_are_audited_without_secrets() {
    let kept = Kept::default();
    let auth = audited(&kept);
    let client = Client::at([192, 0, 2, 1].into());
    let admin = auth
        .create_user(NewAccount::new("root@example.com", PASSWORD, "admin"))
        .await
        .unwrap();

    let wrong = auth
        .login(
            Credentials::new("root@example.com", "a wrong guess"),
            client,
        )
        .await;
    assert!(wrong.is_err());
    let Ok(LoginOutcome::Session(session)) = auth
        .login(Credentials::new("root@example.com", PASSWORD), client)
        .await
    else {
        panic!("signed in");
    };
    let refreshed = auth.refresh(&session.refresh_token).await.unwrap();
    assert!(auth.refresh(&session.refresh_token).await.is_err(), "reuse");

    let Ok(LoginOutcome::Session(session)) = auth
        .login(Credentials::new("root@example.com", PASSWORD), client)
        .await
    else {
        panic!("signed in again");
    };
    let me = auth.authenticate(&session.access_token).unwrap();
    let app = auth.create_app_token(&me, None).await.unwrap();
    let mut update = ProfileUpdate::default();
    update.password = Some("another horse battery".into());
    update.current_password = Some(PASSWORD.into());
    auth.update_me(&me, update, client).await.unwrap();
    let bob = auth
        .create_user(NewAccount::new("bob@example.com", PASSWORD, "user"))
        .await
        .unwrap();
    auth.set_user_role(&bob.id, "admin").await.unwrap();
    assert!(
        auth.set_user_role(&admin.id, "user").await.is_ok(),
        "another admin stays"
    );

    let names = kept.names();
    for expected in [
        "login_failed",
        "login_succeeded",
        "refresh_reused",
        "token_minted",
        "password_changed",
        "role_changed",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let events = kept.0.lock().unwrap().clone();
    let failed = events.iter().find(|e| e.name() == "login_failed").unwrap();
    assert_eq!(
        failed,
        &AuthEvent::LoginFailed {
            user_id: Some(admin.id.clone()),
            factor: "password",
            ip: client.ip,
        }
    );
    let json = serde_json::to_string(&events).unwrap();
    for secret in [
        PASSWORD,
        "a wrong guess",
        "another horse battery",
        &session.access_token,
        &session.refresh_token,
        &refreshed.refresh_token,
        &app,
    ] {
        assert!(!json.contains(secret), "no secret in the audit trail");
    }
}

/// Each use of the admin API is one event naming the admin, the action and
/// what it acted on.
#[tokio::test]
async fn admin_actions_are_audited_naming_the_admin_and_the_account() {
    let kept = Kept::default();
    let auth = audited(&kept);
    let root = auth
        .create_user(NewAccount::new("root@example.com", PASSWORD, "admin"))
        .await
        .unwrap();
    let Ok(LoginOutcome::Session(session)) = auth
        .login(
            Credentials::new("root@example.com", PASSWORD),
            Client::at([192, 0, 2, 1].into()),
        )
        .await
    else {
        panic!("signed in");
    };
    let me = auth.authenticate(&session.access_token).unwrap();

    let bob = auth
        .create_user_as_admin(&me, NewAccount::new("bob@example.com", PASSWORD, "user"))
        .await
        .unwrap();
    auth.list_users(&me, UserQuery::new(Some("bob".into()), 10))
        .await
        .unwrap();
    auth.user_by_id(&me, &bob.id).await.unwrap();
    let mut changes = AccountChanges::default();
    changes.name = Some(Some("Bob".into()));
    auth.update_user(&me, &bob.id, changes).await.unwrap();
    auth.end_sessions_of(&me, &bob.id).await.unwrap();
    auth.end_session_by_id(&me, "a session").await.unwrap();
    auth.reset_mfa_of(&me, &bob.id).await.unwrap();
    auth.delete_user(&me, &bob.id).await.unwrap();

    let done: Vec<(String, &str, String)> = kept
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|event| match event {
            AuthEvent::AdminAction {
                admin_id,
                action,
                target,
            } => Some((admin_id.clone(), *action, target.clone())),
            _ => None,
        })
        .collect();
    let by_root = |action, target: &str| (root.id.clone(), action, target.to_owned());
    assert_eq!(
        done,
        [
            by_root("create_user", &bob.id),
            by_root("list_users", "bob"),
            by_root("read_user", &bob.id),
            by_root("update_user", &bob.id),
            by_root("end_sessions", &bob.id),
            by_root("end_session", "a session"),
            by_root("reset_mfa", &bob.id),
            by_root("delete_user", &bob.id),
        ]
    );
}

/// A new password ends the user tokens minted for the account, and says
/// how many; a change that ends none says nothing.
#[tokio::test]
async fn the_user_tokens_a_password_change_ends_are_counted() {
    let kept = Kept::default();
    let auth = audited(&kept);
    let client = Client::at([192, 0, 2, 1].into());
    let signed_in = async |email: &str, password: &str| {
        let Ok(LoginOutcome::Session(session)) =
            auth.login(Credentials::new(email, password), client).await
        else {
            panic!("{email} signed in");
        };
        auth.authenticate(&session.access_token).unwrap()
    };
    auth.create_user(NewAccount::new("root@example.com", PASSWORD, "admin"))
        .await
        .unwrap();
    let ada = auth
        .create_user(NewAccount::new("ada@example.com", PASSWORD, "user"))
        .await
        .unwrap();
    let root = signed_in("root@example.com", PASSWORD).await;
    let app = auth.create_app_token(&root, None).await.unwrap();
    auth.issue_user_token(&app, "ada@example.com", PASSWORD, None, client)
        .await
        .unwrap();
    let me = signed_in("ada@example.com", PASSWORD).await;
    for (current, new) in [
        (PASSWORD, "another horse battery"),
        ("another horse battery", "a third horse battery"),
    ] {
        let mut update = ProfileUpdate::default();
        update.password = Some(new.into());
        update.current_password = Some(current.into());
        auth.update_me(&me, update, client).await.unwrap();
    }

    let ended: Vec<AuthEvent> = kept
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|event| event.name() == "user_tokens_ended")
        .cloned()
        .collect();
    assert_eq!(
        ended,
        [AuthEvent::UserTokensEnded {
            user_id: ada.id,
            count: 1,
        }]
    );
}
