//! The signed-in user's sessions: listed, ended one by one, or all but
//! the current one ("sign out everywhere else").

use bytes::Bytes;
use http::{Response, StatusCode};

use super::shapes::SessionShape;
use super::success;
use crate::error::AuthError;
use crate::identity::Identity;
use crate::web::call::Call;
use crate::web::respond::no_content;

/// `GET /auth/sessions`: oldest first, the current one marked.
pub(super) async fn list(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let sessions = call.auth.my_sessions(identity).await?;
    let current = identity.session_id.as_deref();
    let listed: Vec<_> = sessions
        .iter()
        .map(|family| SessionShape::of(family, current))
        .collect();
    Ok(success(StatusCode::OK, listed))
}

/// `DELETE /auth/sessions/{id}`.
pub(super) async fn end(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let id = call.path_segment(0)?;
    call.auth.end_own_session(identity, id).await?;
    Ok(no_content())
}

/// `DELETE /auth/sessions`.
pub(super) async fn end_others(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    call.auth.end_other_sessions(identity).await?;
    Ok(no_content())
}
