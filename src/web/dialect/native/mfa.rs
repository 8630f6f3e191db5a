//! TOTP second factors: enrolment, the second login step, recovery,
//! turning MFA off.

use super::replies::{EnrolmentShape, MfaStateShape};
use super::session::{check_second_step_origin, deliver};
use super::{body, success};
use crate::error::{AuthError, Field, Rule};
use crate::identity::Identity;
use crate::service::MfaProof;
use crate::web::call::Call;
use crate::web::login_context::LoginContext;
use crate::web::state::AuthState;
use bytes::Bytes;
use http::{Response, StatusCode};

/// `POST /auth/enable-mfa`.
pub(super) async fn enable(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let current_password = body(call)?.optional_str("currentPassword")?;
    let enrolment = call
        .auth
        .begin_mfa_enrolment(identity, current_password.as_deref(), call.client)
        .await?;
    Ok(success(
        StatusCode::OK,
        EnrolmentShape {
            secret: enrolment.secret,
            otpauth_url: enrolment.otpauth_url,
            qr_code: enrolment
                .qr_png_base64
                .map(|png| format!("data:image/png;base64,{png}")),
        },
    ))
}

/// `POST /auth/verify-mfa`: with an `mfaToken`, the second login step;
/// without, confirming an enrolment.
pub(super) async fn verify(
    call: &Call<'_>,
    state: &AuthState,
) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let code = body.required_str("code")?;
    if let Some(mfa_token) = body.optional_str("mfaToken")? {
        check_second_step_origin(call, &mfa_token).await?;
        let login = call
            .auth
            .complete_mfa_login(&mfa_token, &code, call.client)
            .await?;
        let cookie_mode =
            LoginContext::parse(login.context.as_deref()) == Some(LoginContext::NativeCookie);
        return Ok(deliver(call, &login.session, cookie_mode));
    }
    let codes = call
        .auth
        .confirm_mfa_enrolment(state.identity()?, &code)
        .await?;
    Ok(success(
        StatusCode::OK,
        MfaStateShape {
            mfa_enabled: true,
            recovery_codes: Some(codes),
        },
    ))
}

/// `POST /auth/recover-mfa`.
pub(super) async fn recover(call: &Call<'_>) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let mfa_token = body.required_str("mfaToken")?;
    let code = body.required_str("recoveryCode")?;
    check_second_step_origin(call, &mfa_token).await?;
    let login = call
        .auth
        .recover_mfa(&mfa_token, &code, call.client)
        .await?;
    let cookie_mode =
        LoginContext::parse(login.context.as_deref()) == Some(LoginContext::NativeCookie);
    Ok(deliver(call, &login.session, cookie_mode))
}

/// `POST /auth/disable-mfa`: with a current code or the password.
pub(super) async fn disable(
    call: &Call<'_>,
    identity: &Identity,
) -> Result<Response<Bytes>, AuthError> {
    let body = body(call)?;
    let proof = match (body.optional_str("code")?, body.optional_str("password")?) {
        (Some(code), _) => MfaProof::Code(code),
        (None, Some(password)) => MfaProof::Password(password),
        (None, None) => {
            return Err(AuthError::invalid(
                Field::Code,
                Rule::Said("code or password is required".into()),
            ));
        }
    };
    call.auth.disable_mfa(identity, proof, call.client).await?;
    Ok(success(
        StatusCode::OK,
        MfaStateShape {
            mfa_enabled: false,
            recovery_codes: None,
        },
    ))
}
