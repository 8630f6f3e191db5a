//! The native dialect's answers, as types: what the handlers send is what
//! the OpenAPI document describes.

use serde::Serialize;
use time::OffsetDateTime;

use crate::store::{RefreshFamily, User};
use crate::web::call::Call;
use crate::web::respond::timestamp;

/// A role, by id and display name.
#[derive(Debug, Serialize)]
pub(crate) struct RoleShape {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// An account as an admin sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountShape {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) name: Option<String>,
    pub(crate) role: RoleShape,
    pub(crate) is_active: bool,
    pub(crate) email_verified: bool,
    pub(crate) has_password: bool,
    pub(crate) created_at: serde_json::Value,
}

impl AccountShape {
    pub(crate) fn of(call: &Call<'_>, user: &User) -> Self {
        let accounts = &call.auth.config().accounts;
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: RoleShape {
                id: user.role.clone(),
                name: accounts.role_name(&user.role).to_owned(),
            },
            is_active: user.is_active,
            email_verified: user.email_verified,
            has_password: user.password_hash.is_some(),
            created_at: timestamp(user.created_at),
        }
    }
}

/// A page of accounts and the cursor of the next.
#[derive(Debug, Serialize)]
pub(crate) struct AccountPageShape {
    pub(crate) users: Vec<AccountShape>,
    pub(crate) next: Option<String>,
}

/// A session, as its owner or an admin sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionShape {
    pub(crate) id: String,
    pub(crate) created_at: serde_json::Value,
    pub(crate) last_used_at: serde_json::Value,
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
