//! Accounts: registering, reading and changing one's own, and the
//! endpoints that run through an email.

use super::replies::{MyAccountShape, NoticeShape, PasswordResetShape};
use super::shapes::UserShape;
use super::{body, success};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::{NewAccount, ProfileUpdate};
use crate::store::{User, email_key};
use crate::web::call::Call;
use crate::web::respond::timestamp;
use bytes::Bytes;
use http::{Response, StatusCode};

/// The one answer of mail-sending endpoints, whether or not the address has an account.
pub(super) const MAIL_MAYBE_SENT: NoticeShape = NoticeShape {
    message: "If the address belongs to an account, a message is on its way.",
};

/// `POST /auth/register`.
pub(super) async fn register(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let mut account = NewAccount::new(
        body.required_str("email")?,
        body.required_str("password")?,
        "",
    );
    account.name = body.optional_str("name")?;
    let user = call.auth.register(account, call.client).await?;
    Ok(success(
        StatusCode::CREATED,
        account_json(call, &user).await?,
    ))
}

/// `GET /me`.
pub(super) async fn me(call: &Call<'_>, identity: &Identity) -> Result<Response<Bytes>, AuthError> {
    let user = call.auth.me(identity).await?;
    Ok(success(StatusCode::OK, account_json(call, &user).await?))
}

/// `PATCH /me`: name and password.
pub(super) async fn update_me(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let mut update = ProfileUpdate::default();
    if body.has("name") {
        update.name = Some(body.optional_str("name")?);
    }
    update.password = body.optional_str("password")?;
    update.current_password = body.optional_str("currentPassword")?;
    let user = call.auth.update_me(identity, update, call.client).await?;
    Ok(success(StatusCode::OK, account_json(call, &user).await?))
}

/// `PUT /auth/update-user`: name and address.
pub(super) async fn update_user(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    if let Some(field) = body
        .fields()
        .find(|f| !matches!(*f, "name" | "email" | "currentPassword"))
    {
        return Err(AuthError::invalid(
            Field::named(field.to_owned()),
            Rule::NotChangeable,
        ));
    }
    let mut update = ProfileUpdate::default();
    if body.has("name") {
        update.name = Some(body.optional_str("name")?);
    }
    update.email = body.optional_str("email")?;
    update.current_password = body.optional_str("currentPassword")?;
    let asked = update.email.clone();
    let user = call.auth.update_me(identity, update, call.client).await?;
    let mut data = account_json(call, &user).await?;
    if asked.is_some_and(|email| email_key(&email) != email_key(&user.email)) {
        data.email_change_pending = Some(true);
    }
    Ok(success(StatusCode::OK, data))
}

/// `POST /auth/request-reset-password` (`resetUrl`), and `POST
/// /auth/password/request` (`reset_url`, the Directus spelling); an error
/// names the field the way the request did.
pub(super) async fn request_password_reset(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let email = body.required_str("email")?;
    let (page, spelled) = match body.optional_str("resetUrl")? {
        Some(page) => (Some(page), "resetUrl"),
        None => (body.optional_str("reset_url")?, "reset_url"),
    };
    call.auth
        .request_password_reset(&email, page.as_deref(), call.client)
        .await
        .map_err(|err| match err {
            AuthError::Validation {
                field: Field::ResetPage,
                rule,
            } => AuthError::invalid(Field::named(spelled), rule),
            other => other,
        })?;
    Ok(success(StatusCode::OK, MAIL_MAYBE_SENT))
}

/// `POST /auth/reset-password`.
pub(super) async fn reset_password(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let token = body.required_str("token")?;
    call.auth
        .reset_password(&token, &body.required_str("password")?)
        .await?;
    Ok(success(
        StatusCode::OK,
        PasswordResetShape {
            password_reset: true,
        },
    ))
}

/// `PUT /auth/update-email`: the link of an address change.
pub(super) async fn confirm_email_change(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let token = body(call)?.required_str("token")?;
    let user = call.auth.confirm_email_change(&token).await?;
    Ok(success(StatusCode::OK, account_json(call, &user).await?))
}

/// `POST /auth/verify-email`.
pub(super) async fn verify_email(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let token = body(call)?.required_str("token")?;
    let user = call.auth.verify_email(&token).await?;
    Ok(success(StatusCode::OK, account_json(call, &user).await?))
}

/// `POST /auth/resend-verification`.
pub(super) async fn resend_verification(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let email = body(call)?.required_str("email")?;
    call.auth.resend_verification(&email, call.client).await?;
    Ok(success(StatusCode::OK, MAIL_MAYBE_SENT))
}

/// The whole account: the user, its state and whether MFA is on.
async fn account_json(call: &Call<'_>, user: &User) -> Result<MyAccountShape, AuthError> {
    Ok(MyAccountShape {
        user: UserShape::of(call, user),
        is_active: user.is_active,
        mfa_enabled: call.auth.mfa_enabled(&user.id).await?,
        created_at: timestamp(user.created_at),
        email_change_pending: None,
    })
}
