//! The user's list of passkeys: renamed and removed by their owner only,
//! never the last way to sign in.

use portcullis::store::MemoryStore;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::authenticator::Authenticator;
use crate::common::{Backing, Mail, Server, test_config};

use super::{ORIGIN, finish, my_passkeys, registered_id, sharing, sign_in, start};

#[tokio::test]
async fn my_passkeys_are_renamed_and_removed_by_me_only() {
    let server = Server::start().await;
    server.user("uma@example.com", "user").await;
    server.user("vic@example.com", "user").await;
    let (mine, _) = server.tokens("uma@example.com").await;
    let (theirs, _) = server.tokens("vic@example.com").await;
    let mut device = Authenticator::new(ORIGIN);
    let id = registered_id(&server, &mine, &mut device, "Old").await;
    let path = format!("/api/auth/passkeys/{id}");
    for (method, body) in [
        (Method::PATCH, json!({ "name": "Stolen" })),
        (Method::DELETE, json!({})),
    ] {
        let refused = server
            .request(method, &path)
            .bearer(&theirs)
            .json(body)
            .send()
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    }
    let renamed = server
        .request(Method::PATCH, &path)
        .bearer(&mine)
        .json(json!({ "name": "  Phone  " }))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::NO_CONTENT, "{}", renamed.body);
    assert_eq!(my_passkeys(&server, &mine).await[0]["name"], "Phone");
    let rename = |name: String| {
        server
            .request(Method::PATCH, &path)
            .bearer(&mine)
            .json(json!({ "name": name }))
            .send()
    };
    assert_eq!(
        rename("é".repeat(100)).await.status,
        StatusCode::NO_CONTENT,
        "100 characters"
    );
    for refused in ["é".repeat(101), "bell\u{7}".to_owned()] {
        let reply = rename(refused).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert_eq!(reply.body["field"], "name");
    }
    let removed = server
        .request(Method::DELETE, &path)
        .bearer(&mine)
        .send()
        .await;
    assert_eq!(
        removed.status,
        StatusCode::NO_CONTENT,
        "the password remains"
    );
    assert!(my_passkeys(&server, &mine).await.is_empty());
    assert_eq!(
        sign_in(&server, &mut device).await.status,
        StatusCode::UNAUTHORIZED,
        "a removed passkey signs in no more"
    );
}

#[tokio::test]
async fn the_last_way_to_sign_in_cannot_be_removed() {
    // An account made by a sign-in link, so without a password; then a
    // server on the same store with links off, so that the passkey is the
    // account's one way in.
    let store = MemoryStore::new();
    let mut config = test_config();
    config.magic_links.enabled = true;
    config.magic_links.create_accounts = true;
    let by_link =
        Server::start_custom(config, Backing::Memory, Mail::Outbox, sharing(&store)).await;
    let access = crate::magic_links::signed_in_by_link(&by_link, "wes@example.com").await;
    let server = Server::start_custom(
        test_config(),
        Backing::Memory,
        Mail::Outbox,
        sharing(&store),
    )
    .await;
    let mut device = Authenticator::new(ORIGIN);
    let (options, cookie) = start(
        &server,
        "/api/auth/passkeys/register/start",
        Some(&access),
        json!({}),
    )
    .await;
    let credential = device.create(&options);
    let first = finish(
        &server,
        "/api/auth/passkeys/register/finish",
        Some(&access),
        &cookie,
        json!({ "credential": credential }),
    )
    .await;
    assert_eq!(
        first.status,
        StatusCode::CREATED,
        "a recent login suffices without a password"
    );
    assert_eq!(first.data()["name"], "Passkey");
    let id = first.data()["id"].as_str().expect("id");
    let refused = server
        .request(Method::DELETE, &format!("/api/auth/passkeys/{id}"))
        .bearer(&access)
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(
        my_passkeys(&server, &access).await.len(),
        1,
        "nothing removed"
    );

    let remove = |on: &Server, id: String| {
        on.request(Method::DELETE, &format!("/api/auth/passkeys/{id}"))
            .bearer(&access)
            .send()
    };
    // Another passkey is another way in …
    let mut phone = Authenticator::new(ORIGIN);
    let second = registered_id(&server, &access, &mut phone, "Phone").await;
    assert_eq!(
        remove(&server, id.to_owned()).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        remove(&server, second.clone()).await.status,
        StatusCode::CONFLICT
    );
    // … so are sign-in links to the verified address, where they are on …
    assert_eq!(
        remove(&by_link, second).await.status,
        StatusCode::NO_CONTENT
    );
    // … and a linked provider.
    let third = registered_id(&server, &access, &mut phone, "Phone").await;
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    let user_id = me.data()["id"].as_str().expect("id");
    portcullis::store::IdentityStore::link_identity(&store, user_id, "google", "wes")
        .await
        .expect("link");
    assert_eq!(remove(&server, third).await.status, StatusCode::NO_CONTENT);
}
