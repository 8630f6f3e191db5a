//! The admin API (`/admin/...`), for holders of the admin role: accounts,
//! their sessions and second factors. The rules are the service's.

use bytes::Bytes;
use http::{Response, StatusCode};

use super::shapes::{AccountPageShape, AccountShape, SessionShape};
use super::{body, success};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::{AccountChanges, NewAccount};
use crate::store::UserQuery;
use crate::web::call::Call;
use crate::web::respond::no_content;

/// Accounts a page lists when the query does not say.
const DEFAULT_PAGE: usize = 20;

/// `GET /admin/users?search=&limit=&cursor=`.
pub(super) async fn list(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    let limit = match call.query("limit") {
        Some(limit) => limit
            .parse()
            .map_err(|_| AuthError::invalid(Field::named("limit"), Rule::NotAnInteger))?,
        None => DEFAULT_PAGE,
    };
    let query = UserQuery::new(call.query("search"), limit).after(call.query("cursor"));
    let page = call.auth.list_users(by, query).await.map_err(bad_cursor)?;
    let shape = AccountPageShape {
        users: page
            .users
            .iter()
            .map(|u| AccountShape::of(call, u))
            .collect(),
        next: page.next,
    };
    Ok(success(StatusCode::OK, shape))
}

/// A cursor this server never gave is the client's mistake.
fn bad_cursor(err: AuthError) -> AuthError {
    match err {
        AuthError::Validation {
            field: Field::Id, ..
        } => AuthError::invalid(Field::named("cursor"), Rule::Malformed),
        other => other,
    }
}

/// `GET /admin/users/{id}`.
pub(super) async fn get(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    let user = call.auth.user_by_id(by, call.path_segment(0)?).await?;
    Ok(success(StatusCode::OK, AccountShape::of(call, &user)))
}

/// `POST /admin/users` `{email, name?, role?, password?, invite?}`: with a
/// password, or (`invite: true`) invited by mail to choose one.
pub(super) async fn create(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let email = body.required_str("email")?;
    let name = body.optional_str("name")?;
    let default_role = &call.auth.config().accounts.default_role;
    let role = body
        .optional_str("role")?
        .unwrap_or_else(|| default_role.clone());
    let invite = body.optional_bool("invite")?.unwrap_or(false);
    let user = match (body.optional_str("password")?, invite) {
        (None, true) => call.auth.invite_user(by, &email, name, &role).await?,
        (Some(password), false) => {
            let mut account = NewAccount::new(email, password, role);
            account.name = name;
            call.auth.create_user_as_admin(by, account).await?
        }
        (None, false) => return Err(AuthError::invalid(Field::Password, Rule::Missing)),
        (Some(_), true) => {
            return Err(AuthError::invalid(
                Field::named("invite"),
                Rule::Said("invite an account, or give it a password: not both".into()),
            ));
        }
    };
    Ok(success(StatusCode::CREATED, AccountShape::of(call, &user)))
}

/// `PATCH /admin/users/{id}` `{name?, role?, isActive?, emailVerified?}`.
pub(super) async fn update(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let mut changes = AccountChanges::default();
    if body.has("name") {
        changes.name = Some(body.optional_str("name")?);
    }
    changes.role = body.optional_str("role")?;
    changes.is_active = body.optional_bool("isActive")?;
    changes.email_verified = body.optional_bool("emailVerified")?;
    let user = call
        .auth
        .update_user(by, call.path_segment(0)?, changes)
        .await?;
    Ok(success(StatusCode::OK, AccountShape::of(call, &user)))
}

/// `DELETE /admin/users/{id}`.
pub(super) async fn delete(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    call.auth.delete_user(by, call.path_segment(0)?).await?;
    Ok(no_content())
}

/// `POST /admin/users/{id}/reset-mfa`.
pub(super) async fn reset_mfa(
    call: &Call<'_>,
    by: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    call.auth.reset_mfa_of(by, call.path_segment(1)?).await?;
    Ok(no_content())
}

/// `GET /admin/users/{id}/sessions`.
pub(super) async fn sessions(call: &Call<'_>, by: &Identity) -> Result<Response<Bytes>, AuthError> {
    let sessions = call.auth.sessions_of(by, call.path_segment(1)?).await?;
    let listed: Vec<_> = sessions
        .iter()
        .map(|family| SessionShape::of(family, by.session_id.as_deref()))
        .collect();
    Ok(success(StatusCode::OK, listed))
}

/// `DELETE /admin/users/{id}/sessions`.
pub(super) async fn end_sessions(
    call: &Call<'_>,
    by: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    call.auth.end_sessions_of(by, call.path_segment(1)?).await?;
    Ok(no_content())
}

/// `DELETE /admin/sessions/{id}`.
pub(super) async fn end_session(
    call: &Call<'_>,
    by: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    call.auth
        .end_session_by_id(by, call.path_segment(0)?)
        .await?;
    Ok(no_content())
}
