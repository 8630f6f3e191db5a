//! The native dialect's answers, as types: what the handlers send is what
//! the OpenAPI document describes.

use serde::Serialize;
use time::OffsetDateTime;

use crate::store::{RefreshFamily, User};
use crate::web::call::Call;
use crate::web::respond::timestamp;

/// A role, by id and display name.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Role))]
pub(crate) struct RoleShape {
    pub(crate) id: String,
    pub(crate) name: String,
}

impl RoleShape {
    pub(crate) fn of(call: &Call<'_>, role: &str) -> Self {
        Self {
            id: role.to_owned(),
            name: call.auth.config().accounts.role_name(role).to_owned(),
        }
    }
}

/// Every success: `{statusCode, message: "Success", data}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SuccessShape<T> {
    pub(crate) status_code: u16,
    pub(crate) message: &'static str,
    pub(crate) data: T,
}

/// Every error: `{statusCode, message, details, code, field?}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Error))]
pub(crate) struct ErrorShape {
    pub(crate) status_code: u16,
    /// The status's reason phrase.
    pub(crate) message: &'static str,
    /// What went wrong, for people.
    pub(crate) details: String,
    /// What went wrong, for programs: `INVALID_CREDENTIALS`, `TOO_MANY_REQUESTS`…
    pub(crate) code: &'static str,
    /// The request field at fault, on validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
}

/// The user as a session shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = User))]
pub(crate) struct UserShape {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) name: Option<String>,
    pub(crate) role: RoleShape,
}

impl UserShape {
    pub(crate) fn of(call: &Call<'_>, user: &User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: RoleShape::of(call, &user.role),
        }
    }
}

/// An account as an admin sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Account))]
pub(crate) struct AccountShape {
    #[serde(flatten)]
    pub(crate) user: UserShape,
    pub(crate) is_active: bool,
    pub(crate) email_verified: bool,
    pub(crate) has_password: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) created_at: serde_json::Value,
}

impl AccountShape {
    pub(crate) fn of(call: &Call<'_>, user: &User) -> Self {
        Self {
            user: UserShape::of(call, user),
            is_active: user.is_active,
            email_verified: user.email_verified,
            has_password: user.password_hash.is_some(),
            created_at: timestamp(user.created_at),
        }
    }
}

/// A page of accounts and the cursor of the next.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AccountPage))]
pub(crate) struct AccountPageShape {
    pub(crate) users: Vec<AccountShape>,
    pub(crate) next: Option<String>,
}

/// A session, as its owner or an admin sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Session))]
pub(crate) struct SessionShape {
    pub(crate) id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) created_at: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) last_used_at: serde_json::Value,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub(crate) expires_at: serde_json::Value,
    pub(crate) client: Option<String>,
    pub(crate) methods: Vec<String>,
    pub(crate) current: bool,
}

impl SessionShape {
    /// `family`, marked current when it is `current`'s.
    pub(crate) fn of(family: &RefreshFamily, current: Option<&str>) -> Self {
        let at = |t: OffsetDateTime| timestamp(t);
        Self {
            id: family.id.clone(),
            created_at: at(family.created_at),
            last_used_at: at(family.last_used_at),
            expires_at: at(family.expires_at),
            client: family.client.clone(),
            methods: family.amr.clone(),
            current: current == Some(family.id.as_str()),
        }
    }
}
