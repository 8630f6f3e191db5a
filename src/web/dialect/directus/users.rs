//! `/users/me` and its two-factor endpoints, and the password reset
//! request, the Directus way.

use bytes::Bytes;
use http::Response;
use serde_json::{Value, json};

use super::{SESSION_COOKIE, data};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::{MfaProof, ProfileUpdate};
use crate::store::User;
use crate::web::body::JsonBody;
use crate::web::call::Call;
use crate::web::respond::no_content;

/// `GET /users/me`.
pub(super) async fn me(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let user = call.auth.me(&identity(call).await?).await?;
    Ok(data(user_json(call, &user).await?))
}

/// `PATCH /users/me`: names, address and password, nothing else.
pub(super) async fn update_me(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let me = identity(call).await?;
    let body = JsonBody::parse(call.body)?;
    let allowed = [
        "first_name",
        "last_name",
        "email",
        "password",
        "current_password",
    ];
    if let Some(field) = body.fields().find(|f| !allowed.contains(f)) {
        return Err(AuthError::invalid(
            Field::named(field.to_owned()),
            Rule::NotChangeable,
        ));
    }
    let auth = call.auth;
    let mut update = ProfileUpdate::default();
    if body.has("first_name") || body.has("last_name") {
        let current = auth.me(&me).await?;
        let (first, last) = split_name(current.name.as_deref());
        let first = if body.has("first_name") {
            body.optional_str("first_name")?
        } else {
            first
        };
        let last = if body.has("last_name") {
            body.optional_str("last_name")?
        } else {
            last
        };
        let joined = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        update.name = Some((!joined.trim().is_empty()).then_some(joined));
    }
    update.email = body.optional_str("email")?;
    update.password = body.optional_str("password")?;
    update.current_password = body.optional_str("current_password")?;
    let user = auth.update_me(&me, update, call.client).await?;
    Ok(data(user_json(call, &user).await?))
}

/// `POST /users/me/tfa/generate`: needs the password.
pub(super) async fn tfa_generate(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let me = identity(call).await?;
    let password = JsonBody::parse(call.body)?.required_str("password")?;
    let enrolment = match call
        .auth
        .begin_mfa_enrolment(&me, Some(&password), call.client)
        .await
    {
        // Directus answers a wrong password as a failed login.
        Err(AuthError::Validation {
            field: Field::CurrentPassword,
            rule: Rule::Incorrect,
        }) => return Err(AuthError::InvalidCredentials),
        other => other?,
    };
    Ok(data(
        json!({ "secret": enrolment.secret, "otpauth_url": enrolment.otpauth_url }),
    ))
}

/// `POST /users/me/tfa/enable`: a bad code is a bad payload, as in Directus.
pub(super) async fn tfa_enable(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let me = identity(call).await?;
    let otp = JsonBody::parse(call.body)?.required_str("otp")?;
    match call.auth.confirm_mfa_enrolment(&me, &otp).await {
        Ok(_) => Ok(no_content()),
        Err(AuthError::InvalidOtp) => Err(AuthError::invalid(Field::Otp, Rule::Malformed)),
        Err(e) => Err(e),
    }
}

/// `POST /users/me/tfa/disable`: with a current code.
pub(super) async fn tfa_disable(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let me = identity(call).await?;
    let otp = JsonBody::parse(call.body)?.required_str("otp")?;
    let own = call.auth.own_account(&me).await?;
    if !call.auth.mfa_enabled(&own.id).await? {
        return Err(AuthError::invalid(
            Field::Otp,
            Rule::Said(format!("User \"{}\" doesn't have TFA enabled", me.user_id).into()),
        ));
    }
    call.auth
        .disable_mfa(&me, MfaProof::Code(otp), call.client)
        .await?;
    Ok(no_content())
}

/// `POST /auth/password/request`: 204 whether or not the address has an account.
pub(super) async fn password_request(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = JsonBody::parse(call.body)?;
    let email = body.required_str("email")?;
    let page = body.optional_str("reset_url")?;
    call.auth
        .request_password_reset(&email, page.as_deref(), call.client)
        .await?;
    Ok(no_content())
}

/// The token a request carries, the Directus way: one of a bearer header,
/// the session cookie, or (when `web.query_access_token` allows it)
/// `?access_token=`.
async fn identity(call: &Call<'_>) -> Result<Identity, AuthError> {
    let parts = call.parts;
    let bearer = crate::web::credentials::bearer_token(&parts.headers).map(str::to_owned);
    let cookie = call.cookie(SESSION_COOKIE);
    let query = parts
        .uri
        .query()
        .filter(|_| call.auth.config().web.query_access_token)
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.into_owned())
        });
    let from_cookie = cookie.is_some();
    let mut presented = [bearer, cookie, query].into_iter().flatten();
    // As Directus: no token, or one that is not a JWT (Directus would look
    // it up as a static user token), is 401 INVALID_CREDENTIALS; a JWT that
    // fails its checks is INVALID_TOKEN or TOKEN_EXPIRED.
    let token = presented.next().ok_or(AuthError::InvalidCredentials)?;
    if presented.next().is_some() {
        return Err(AuthError::invalid(
            Field::named("access_token"),
            Rule::Said(
                "The request uses more than one method for including an access token".into(),
            ),
        ));
    }
    if from_cookie {
        call.check_origin()?;
    }
    if token.split('.').count() != 3 {
        return Err(AuthError::InvalidCredentials);
    }
    call.auth.check_access_token(&token).await
}

/// A user the way Directus shows one; the one name splits at its first space.
async fn user_json(call: &Call<'_>, user: &User) -> Result<Value, AuthError> {
    let mfa = call.auth.mfa_enabled(&user.id).await?;
    let (first, last) = split_name(user.name.as_deref());
    Ok(json!({
        "id": user.id,
        "email": user.email,
        "first_name": first,
        "last_name": last,
        "role": user.role,
        "status": if user.is_active { "active" } else { "suspended" },
        "tfa_secret": mfa.then_some("**********"),
        "provider": "default",
        "email_verified": user.email_verified,
    }))
}

fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    match name.map(|n| n.split_once(' ').map_or((n, None), |(f, l)| (f, Some(l)))) {
        Some((first, last)) => (Some(first.to_owned()), last.map(str::to_owned)),
        None => (None, None),
    }
}
