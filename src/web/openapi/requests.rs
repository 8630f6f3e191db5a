//! The request bodies, as the OpenAPI document describes them. The handlers
//! read bodies field by field (`web::body::JsonBody`) so that a wrong field
//! gets an error naming it in the dialect's words, and so that the v1 API
//! takes forms too; these tables say what those readers accept.

use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// A JSON value type of a field.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Text,
    /// A text, or null to clear it.
    TextOrNull,
    Flag,
    Integer,
    /// A JSON object (a WebAuthn credential).
    Object,
}

/// One field of a request body.
pub(super) struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
    about: &'static str,
}

const fn required(name: &'static str, kind: Kind, about: &'static str) -> Field {
    Field {
        name,
        kind,
        required: true,
        about,
    }
}

const fn optional(name: &'static str, kind: Kind, about: &'static str) -> Field {
    Field {
        name,
        kind,
        required: false,
        about,
    }
}

use Kind::{Flag, Integer, Object, Text, TextOrNull};

/// A named request body.
pub(super) struct Body {
    pub(super) name: &'static str,
    fields: &'static [Field],
}

impl Body {
    /// The body's JSON schema: an object of its fields.
    pub(super) fn schema(&self) -> Schema {
        let mut object = ObjectBuilder::new().schema_type(Type::Object);
        for field in self.fields {
            let kind = match field.kind {
                Text => SchemaType::Type(Type::String),
                TextOrNull => SchemaType::from_iter([Type::String, Type::Null]),
                Flag => SchemaType::Type(Type::Boolean),
                Integer => SchemaType::Type(Type::Integer),
                Object => SchemaType::Type(Type::Object),
            };
            let mut property = ObjectBuilder::new()
                .schema_type(kind)
                .description(Some(field.about));
            if field.required {
                object = object.required(field.name);
                if matches!(field.kind, Text) {
                    // The readers refuse a required text that is empty.
                    property = property.min_length(Some(1));
                }
            }
            object = object.property(field.name, property);
        }
        Schema::Object(object.build())
    }
}

pub(super) const LOGIN: Body = Body {
    name: "LoginRequest",
    fields: &[
        required("email", Text, "The account's address."),
        required("password", Text, "Its password."),
        optional("remember", Flag, "A longer-lived session."),
        optional(
            "otp",
            Text,
            "The TOTP code, to pass a second factor in one step.",
        ),
    ],
};

pub(super) const REFRESH: Body = Body {
    name: "RefreshRequest",
    fields: &[optional(
        "refreshToken",
        Text,
        "The refresh token; without it, the refresh cookie.",
    )],
};

pub(super) const REGISTER: Body = Body {
    name: "RegisterRequest",
    fields: &[
        required("email", Text, "The new account's address."),
        required("password", Text, "Its password."),
        optional("name", Text, "A display name."),
    ],
};

pub(super) const UPDATE_ME: Body = Body {
    name: "UpdateMeRequest",
    fields: &[
        optional("name", TextOrNull, "A new display name (null clears it)."),
        optional("password", Text, "A new password."),
        optional("currentPassword", Text, "Required with a new password."),
    ],
};

pub(super) const UPDATE_USER: Body = Body {
    name: "UpdateUserRequest",
    fields: &[
        optional("name", TextOrNull, "A new display name (null clears it)."),
        optional(
            "email",
            Text,
            "A new address, confirmed by a link mailed to it.",
        ),
        optional("currentPassword", Text, "Required with a new address."),
    ],
};

pub(super) const ENABLE_MFA: Body = Body {
    name: "EnableMfaRequest",
    fields: &[optional(
        "currentPassword",
        Text,
        "Required unless the session signed in recently.",
    )],
};

pub(super) const VERIFY_MFA: Body = Body {
    name: "VerifyMfaRequest",
    fields: &[
        required("code", Text, "A TOTP code."),
        optional(
            "mfaToken",
            Text,
            "The login's challenge; without it, the code confirms an enrolment.",
        ),
    ],
};

pub(super) const RECOVER_MFA: Body = Body {
    name: "RecoverMfaRequest",
    fields: &[
        required("mfaToken", Text, "The login's challenge."),
        required("recoveryCode", Text, "One of the recovery codes."),
    ],
};

pub(super) const DISABLE_MFA: Body = Body {
    name: "DisableMfaRequest",
    fields: &[
        optional("code", Text, "A current TOTP code."),
        optional("password", Text, "Or the password."),
    ],
};

pub(super) const REQUEST_RESET: Body = Body {
    name: "PasswordResetRequest",
    fields: &[
        required("email", Text, "The account's address."),
        optional("resetUrl", Text, "An allowed page the link points at."),
        optional("reset_url", Text, "The same, spelled the Directus way."),
    ],
};

pub(super) const RESET: Body = Body {
    name: "ResetPasswordRequest",
    fields: &[
        required("token", Text, "The token of the mailed link."),
        required("password", Text, "The new password."),
    ],
};

pub(super) const LINK_TOKEN: Body = Body {
    name: "LinkTokenRequest",
    fields: &[required("token", Text, "The token of the mailed link.")],
};

pub(super) const EMAIL: Body = Body {
    name: "EmailRequest",
    fields: &[required("email", Text, "An address.")],
};

pub(super) const REDEEM: Body = Body {
    name: "RedeemRequest",
    fields: &[required(
        "code",
        Text,
        "The one-time code an external login handed the app.",
    )],
};

pub(super) const ADMIN_CREATE: Body = Body {
    name: "AdminCreateUserRequest",
    fields: &[
        required("email", Text, "The new account's address."),
        optional("name", Text, "A display name."),
        optional(
            "role",
            Text,
            "A configured role (default: the default role).",
        ),
        optional("password", Text, "A password; or none, with `invite`."),
        optional(
            "invite",
            Flag,
            "Mail an invitation whose link sets the password.",
        ),
    ],
};

pub(super) const ADMIN_UPDATE: Body = Body {
    name: "AdminUpdateUserRequest",
    fields: &[
        optional("name", TextOrNull, "A new display name (null clears it)."),
        optional("role", Text, "A configured role."),
        optional("isActive", Flag, "False ends every session and token."),
        optional(
            "emailVerified",
            Flag,
            "Whether the address counts as verified.",
        ),
    ],
};

pub(super) const V1_USER_TOKEN: Body = Body {
    name: "V1UserTokenRequest",
    fields: &[
        required("username", Text, "The account's address."),
        required("password", Text, "Its password."),
        optional(
            "otp",
            Text,
            "The TOTP code of an account with a second factor.",
        ),
    ],
};

pub(super) const V1_APP_TOKEN: Body = Body {
    name: "V1AppTokenRequest",
    fields: &[optional(
        "seconds_until_expire",
        Integer,
        "Lifetime in seconds (default and ceiling: the configured ones).",
    )],
};

pub(super) const V1_ON_BEHALF: Body = Body {
    name: "V1OnBehalfRequest",
    fields: &[
        required("user", Text, "The id of the user to act for."),
        optional("seconds_until_expire", Integer, "Lifetime in seconds."),
    ],
};

pub(super) const V1_LIFETIME: Body = Body {
    name: "V1LifetimeRequest",
    fields: &[required(
        "seconds_until_expire",
        Integer,
        "New expiry = now + N seconds; N ≤ 0 ends the token.",
    )],
};

pub(super) const PASSKEY_REGISTER_START: Body = Body {
    name: "PasskeyRegisterStartRequest",
    fields: &[optional(
        "currentPassword",
        Text,
        "Required unless the account has no password and signed in recently.",
    )],
};

pub(super) const PASSKEY_REGISTER_FINISH: Body = Body {
    name: "PasskeyRegisterFinishRequest",
    fields: &[
        required(
            "credential",
            Object,
            "The new PublicKeyCredential, as its toJSON() gives it.",
        ),
        optional("name", Text, "A name for it (default \"Passkey\")."),
    ],
};

pub(super) const PASSKEY_LOGIN_START: Body = Body {
    name: "PasskeyLoginStartRequest",
    fields: &[optional(
        "mfaToken",
        Text,
        "A password login's challenge, for a passkey as its second step.",
    )],
};

pub(super) const PASSKEY_LOGIN_FINISH: Body = Body {
    name: "PasskeyLoginFinishRequest",
    fields: &[
        required(
            "credential",
            Object,
            "The PublicKeyCredential, as its toJSON() gives it.",
        ),
        optional("mfaToken", Text, "The challenge the ceremony began with."),
        optional("remember", Flag, "A longer-lived session."),
        optional("mode", Text, "\"json\" (default) or \"cookie\"."),
    ],
};

pub(super) const RENAME_PASSKEY: Body = Body {
    name: "RenamePasskeyRequest",
    fields: &[required("name", Text, "The passkey's new name.")],
};

pub(super) const MAGIC_LINK: Body = Body {
    name: "MagicLinkRequest",
    fields: &[
        required("email", Text, "The account's address."),
        optional(
            "redirect",
            Text,
            "The page the link opens, on an allowed origin.",
        ),
    ],
};

pub(super) const MAGIC_LINK_VERIFY: Body = Body {
    name: "MagicLinkVerifyRequest",
    fields: &[
        required("token", Text, "The token of the mailed link."),
        optional("remember", Flag, "A longer-lived session."),
        optional("mode", Text, "\"json\" (default) or \"cookie\"."),
    ],
};

/// Every body, for the document's components.
pub(super) const ALL: &[&Body] = &[
    &LOGIN,
    &REFRESH,
    &REGISTER,
    &UPDATE_ME,
    &UPDATE_USER,
    &ENABLE_MFA,
    &VERIFY_MFA,
    &RECOVER_MFA,
    &DISABLE_MFA,
    &REQUEST_RESET,
    &RESET,
    &LINK_TOKEN,
    &EMAIL,
    &REDEEM,
    &ADMIN_CREATE,
    &ADMIN_UPDATE,
    &V1_USER_TOKEN,
    &V1_APP_TOKEN,
    &V1_ON_BEHALF,
    &V1_LIFETIME,
    &PASSKEY_REGISTER_START,
    &PASSKEY_REGISTER_FINISH,
    &PASSKEY_LOGIN_START,
    &PASSKEY_LOGIN_FINISH,
    &RENAME_PASSKEY,
    &MAGIC_LINK,
    &MAGIC_LINK_VERIFY,
];
