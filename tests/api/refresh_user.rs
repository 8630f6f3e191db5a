//! A refresh reads the user as the user store has it now: in the rotation
//! itself where one SQL store keeps both (one round trip), from the user
//! store where the users live elsewhere.

use portcullis::store::{MemoryStore, UserChanges, UserDirectory, UserStore};
use reqwest::StatusCode;

use crate::common::{Backing, Mail, Server, test_config};

/// The role in the access token a refresh of `refresh` hands out.
async fn refreshed_role(server: &Server, refresh: &str) -> String {
    let reply = server.refresh(refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let access = reply.data()["accessToken"]
        .as_str()
        .expect("an access token");
    server
        .auth
        .authenticate(access)
        .expect("a valid token")
        .role
}

fn promotion() -> UserChanges {
    let mut changes = UserChanges::default();
    changes.role = Some("editor".into());
    changes
}

#[tokio::test]
async fn a_refresh_carries_the_role_the_sql_store_has_now() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    let id = server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let (store, _) = server.sql.as_ref().expect("a SQL store");
    store.update_user(&id, promotion()).await.expect("promote");
    assert_eq!(refreshed_role(&server, &refresh).await, "editor");
}

#[tokio::test]
async fn a_refresh_of_a_user_deleted_from_the_sql_store_is_refused() {
    let server = Server::start_with(test_config(), Backing::Sqlite).await;
    let id = server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    let (store, _) = server.sql.as_ref().expect("a SQL store");
    assert!(store.delete_user(&id).await.expect("delete"));
    let refused = server.refresh(&refresh).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
}

#[tokio::test]
async fn sessions_in_sql_beside_users_elsewhere_never_answer_for_the_users() {
    // The SQL store's own users table is empty: a user it read would be
    // missing, and the refresh refused.
    let users = MemoryStore::new();
    let with_users = users.clone();
    let server = Server::start_custom(test_config(), Backing::Sqlite, Mail::Outbox, |b| {
        b.users(with_users)
    })
    .await;
    let id = server.user("ada@example.com", "user").await;
    let (_, refresh) = server.tokens("ada@example.com").await;
    users.update_user(&id, promotion()).await.expect("promote");
    assert_eq!(refreshed_role(&server, &refresh).await, "editor");
}
