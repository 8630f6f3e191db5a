//! The [`UserDirectory`] suite.

use super::{Outcome, Report, ensure, ensure_eq, t0};
use crate::store::{NewUser, StoreError, UserDirectory, UserQuery, UserStore, new_id};

/// Runs every [`UserDirectory`] promise against a store that keeps users.
/// The suite names its users uniquely, so it can run on a shared database.
pub async fn user_directory<S: UserStore + UserDirectory>(store: &S) -> Report {
    let mut report = Report::new("user_directory");
    report
        .case(
            "a_search_pages_through_every_match_once_in_address_order",
            paging(store),
        )
        .await;
    report
        .case(
            "a_search_finds_names_and_addresses_in_any_case",
            search(store),
        )
        .await;
    report
        .case("active_holders_of_a_role_are_counted", counting(store))
        .await;
    report
        .case("an_account_is_deleted_once", deleting(store))
        .await;
    report
        .case("a_cursor_of_no_page_is_an_invalid_id", bad_cursor(store))
        .await;
    report
}

async fn paging<S: UserStore + UserDirectory>(store: &S) -> Outcome {
    let tag = new_id();
    let mut emails = Vec::new();
    for letter in ["e", "b", "d", "a", "c"] {
        let email = format!("{letter}.{tag}@Example.com");
        store
            .create_user(NewUser::new(&email, "user", None, t0()))
            .await?;
        emails.push(email);
    }
    emails.sort_by_key(|e| e.to_lowercase());
    let mut seen = Vec::new();
    let mut query = UserQuery::new(Some(tag.clone()), 2);
    loop {
        let page = store.list_users(&query).await?;
        ensure!(page.users.len() <= 2, "a page holds at most the limit");
        seen.extend(page.users.into_iter().map(|u| u.email));
        match page.next {
            Some(next) => query = query.after(Some(next)),
            None => break,
        }
    }
    ensure_eq!(seen, emails, "every match once, in address order");
    Ok(())
}

async fn search<S: UserStore + UserDirectory>(store: &S) -> Outcome {
    let tag = new_id();
    let mut named = NewUser::new(&format!("x.{tag}@example.com"), "user", None, t0());
    named.name = Some(format!("Ada Lovelace {tag}"));
    store.create_user(named).await?;
    let by_name = store
        .list_users(&UserQuery::new(
            Some(format!("lovelace {}", tag.to_uppercase())),
            10,
        ))
        .await?;
    ensure_eq!(by_name.users.len(), 1, "found by name, whatever the case");
    let by_address = store
        .list_users(&UserQuery::new(Some(format!("X.{tag}")), 10))
        .await?;
    ensure_eq!(by_address.users.len(), 1, "found by address");
    let wildcard = store
        .list_users(&UserQuery::new(Some(format!("{tag}%_")), 10))
        .await?;
    ensure!(wildcard.users.is_empty(), "% and _ are text, not wildcards");
    Ok(())
}

async fn counting<S: UserStore + UserDirectory>(store: &S) -> Outcome {
    let role = format!("role-{}", new_id());
    for active in [true, true, false] {
        let mut user = NewUser::new(&format!("{}@example.com", new_id()), &role, None, t0());
        user.is_active = active;
        store.create_user(user).await?;
    }
    ensure_eq!(
        store.count_active_users(&role).await?,
        2,
        "active holders only"
    );
    Ok(())
}

async fn deleting<S: UserStore + UserDirectory>(store: &S) -> Outcome {
    let user = store
        .create_user(NewUser::new(
            &format!("{}@example.com", new_id()),
            "user",
            None,
            t0(),
        ))
        .await?;
    ensure!(store.delete_user(&user.id).await?, "deleted");
    ensure_eq!(store.find_user(&user.id).await?, None, "gone");
    ensure!(
        !store.delete_user(&user.id).await?,
        "a second delete finds nothing"
    );
    Ok(())
}

async fn bad_cursor<S: UserStore + UserDirectory>(store: &S) -> Outcome {
    let query = UserQuery::new(None, 10).after(Some("not a cursor".into()));
    ensure!(
        matches!(store.list_users(&query).await, Err(StoreError::InvalidId)),
        "a malformed cursor is refused"
    );
    Ok(())
}
