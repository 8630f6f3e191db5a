//! The admin API: accounts listed, searched, read, created (or invited),
//! changed and deleted; their sessions and second factors; only for
//! admins, never one's own role, never the last admin.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PASSWORD, Reply, Server};
use crate::mfa::{code_at, enable, now, verify};
use crate::v1_tokens::{app_token, token_of, with_pair};

async fn admin_server() -> (Server, String, String) {
    let server = Server::start().await;
    let id = server.user("root@example.com", "admin").await;
    let (access, _) = server.tokens("root@example.com").await;
    (server, id, access)
}

async fn call(server: &Server, access: &str, method: Method, path: &str, body: Value) -> Reply {
    server
        .request(method, &format!("/api/admin{path}"))
        .bearer(access)
        .json(body)
        .send()
        .await
}

#[tokio::test]
async fn only_admins_administer() {
    let (server, _, _) = admin_server().await;
    server.user("ada@example.com", "user").await;
    let (user, _) = server.tokens("ada@example.com").await;
    let refused = call(&server, &user, Method::GET, "/users", json!({})).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(refused.error_code(), "FORBIDDEN");
    let anonymous = server.request(Method::GET, "/api/admin/users").send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn accounts_are_listed_by_address_searched_and_paged() {
    let (server, _, admin) = admin_server().await;
    for name in ["dora", "bob", "eve", "ada", "carl"] {
        server.user(&format!("{name}@example.com"), "user").await;
    }
    let mut seen = Vec::new();
    let mut path = "/users?limit=2".to_owned();
    loop {
        let page = call(&server, &admin, Method::GET, &path, json!({})).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let users = page.data()["users"].as_array().unwrap();
        assert!(users.len() <= 2);
        seen.extend(
            users
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_owned()),
        );
        match page.data()["next"].as_str() {
            Some(next) => path = format!("/users?limit=2&cursor={next}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "in address order");
    assert_eq!(seen.len(), 6, "every account once: {seen:?}");

    // A page holds at least one account and at most a hundred, whatever is asked.
    let one = call(&server, &admin, Method::GET, "/users?limit=0", json!({})).await;
    assert_eq!(
        one.data()["users"].as_array().map(Vec::len),
        Some(1),
        "{}",
        one.body
    );
    for name in 0..100 {
        server
            .user(&format!("many{name:03}@example.com"), "user")
            .await;
    }
    let capped = call(&server, &admin, Method::GET, "/users?limit=1000", json!({})).await;
    assert_eq!(capped.data()["users"].as_array().map(Vec::len), Some(100));

    let found = call(
        &server,
        &admin,
        Method::GET,
        "/users?search=CARL",
        json!({}),
    )
    .await;
    assert_eq!(found.data()["users"].as_array().unwrap().len(), 1);
    let junk = call(
        &server,
        &admin,
        Method::GET,
        "/users?cursor=junk",
        json!({}),
    )
    .await;
    assert_eq!(junk.status, StatusCode::BAD_REQUEST);
    assert_eq!(junk.body["field"], "cursor");
}

#[tokio::test]
async fn accounts_are_created_with_a_password_or_invited_by_mail() {
    let (server, _, admin) = admin_server().await;
    let made = call(
        &server,
        &admin,
        Method::POST,
        "/users",
        json!({ "email": "ada@example.com", "password": PASSWORD, "name": "Ada", "role": "user" }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.data()["hasPassword"], true);
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::OK
    );

    let invited = call(
        &server,
        &admin,
        Method::POST,
        "/users",
        json!({ "email": "bob@example.com", "invite": true }),
    )
    .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    assert_eq!(invited.data()["hasPassword"], false);
    let token = {
        let dir = server.outbox.clone();
        tokio::task::spawn_blocking(move || {
            crate::mail::wait_for_messages(&dir, 1)
                .into_iter()
                .find(|m| m.subject == "You are invited")
                .expect("an invitation")
                .token()
        })
        .await
        .unwrap()
    };
    let chosen = json!({ "token": token, "password": "bob's own password" });
    assert!(
        server
            .post("/api/auth/reset-password", chosen)
            .await
            .status
            .is_success()
    );
    assert_eq!(
        server
            .login("bob@example.com", "bob's own password")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn accounts_change_but_never_ones_own_role_nor_the_last_admin() {
    let (server, root, admin) = admin_server().await;
    let ada = server.user("ada@example.com", "user").await;
    let changed = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/users/{ada}"),
        json!({ "name": "Ada L.", "emailVerified": false, "role": "admin" }),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.data()["name"], "Ada L.");
    assert_eq!(changed.data()["role"]["id"], "admin");
    assert_eq!(
        changed.data()["emailVerified"],
        false,
        "her address was verified when she was created"
    );

    let own = call(
        &server,
        &admin,
        Method::PATCH,
        &format!("/users/{root}"),
        json!({ "role": "user" }),
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);

    let (ada_admin, _) = server.tokens("ada@example.com").await;
    let demoted = call(
        &server,
        &ada_admin,
        Method::PATCH,
        &format!("/users/{root}"),
        json!({ "role": "user" }),
    )
    .await;
    assert_eq!(
        demoted.status,
        StatusCode::OK,
        "another admin remains: {}",
        demoted.body
    );
    let last = call(
        &server,
        &ada_admin,
        Method::PATCH,
        &format!("/users/{ada}"),
        json!({ "name": "Ada, gone", "isActive": false }),
    )
    .await;
    assert_eq!(
        last.status,
        StatusCode::CONFLICT,
        "the last admin: {}",
        last.body
    );
    let read = call(
        &server,
        &ada_admin,
        Method::GET,
        &format!("/users/{ada}"),
        json!({}),
    )
    .await;
    assert_eq!(
        read.data()["name"],
        "Ada L.",
        "a refused change changes nothing"
    );
    let renamed = call(
        &server,
        &ada_admin,
        Method::PATCH,
        &format!("/users/{ada}"),
        json!({ "name": "Ada, still here" }),
    )
    .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(
        renamed.data()["name"],
        "Ada, still here",
        "a name alone changes"
    );
    let last = call(
        &server,
        &ada_admin,
        Method::DELETE,
        &format!("/users/{ada}"),
        json!({}),
    )
    .await;
    assert_eq!(last.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_deleted_users_tokens_fail_at_once() {
    let (server, _, admin) = admin_server().await;
    let ada = server.user("ada@example.com", "user").await;
    let (access, refresh) = server.tokens("ada@example.com").await;
    let app = app_token(&server, "root@example.com").await;
    let pair = token_of(&server, &app, "ada@example.com").await;
    let deleted = call(
        &server,
        &admin,
        Method::DELETE,
        &format!("/users/{ada}"),
        json!({}),
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
    let me = server
        .request(Method::GET, "/api/me")
        .bearer(&access)
        .send()
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        server.refresh(&refresh).await.status,
        StatusCode::UNAUTHORIZED
    );
    let by_pair = with_pair(&server, Method::GET, "/api/me", &app, &pair)
        .await
        .send()
        .await;
    assert_eq!(by_pair.status, StatusCode::UNAUTHORIZED);
    let gone = call(
        &server,
        &admin,
        Method::GET,
        &format!("/users/{ada}"),
        json!({}),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(
        server.login("ada@example.com", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn admins_end_sessions_and_reset_second_factors() {
    let (server, _, admin) = admin_server().await;
    let ada = server.user("ada@example.com", "user").await;
    let (access, _) = server.tokens("ada@example.com").await;
    let secret = enable(&server, &access).await.data()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    verify(&server, &access, &code_at(&secret, now(&server))).await;
    let login = server.login("ada@example.com", PASSWORD).await;
    assert_eq!(login.data()["mfaRequired"], true);

    let reset = call(
        &server,
        &admin,
        Method::POST,
        &format!("/users/{ada}/reset-mfa"),
        json!({}),
    )
    .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.body);
    let (_, one) = server.tokens("ada@example.com").await;
    let (_, two) = server.tokens("ada@example.com").await;
    let listed = call(
        &server,
        &admin,
        Method::GET,
        &format!("/users/{ada}/sessions"),
        json!({}),
    )
    .await;
    let sessions = listed.data().as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2, "{}", listed.body);
    let first = sessions[0]["id"].as_str().unwrap();
    let by_ada = call(
        &server,
        &access,
        Method::DELETE,
        &format!("/sessions/{first}"),
        json!({}),
    )
    .await;
    assert_eq!(by_ada.status, StatusCode::FORBIDDEN, "{}", by_ada.body);
    let ended = call(
        &server,
        &admin,
        Method::DELETE,
        &format!("/sessions/{first}"),
        json!({}),
    )
    .await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT);
    let left = call(
        &server,
        &admin,
        Method::GET,
        &format!("/users/{ada}/sessions"),
        json!({}),
    )
    .await;
    let left: Vec<&str> = left
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        left,
        [sessions[1]["id"].as_str().unwrap()],
        "only that one ended"
    );
    let all = call(
        &server,
        &admin,
        Method::DELETE,
        &format!("/users/{ada}/sessions"),
        json!({}),
    )
    .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    for refresh in [one, two] {
        assert_eq!(
            server.refresh(&refresh).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}
