//! What is wrong with a request's input, in no wire format's words: the
//! service names a [`Field`] and a [`Rule`], and each dialect names the
//! field in its own vocabulary (`currentPassword`, `current_password`)
//! and words the message.

use std::borrow::Cow;
use std::fmt;

/// A piece of input the service checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// An email address.
    Email,
    /// A new or presented password.
    Password,
    /// The current password, asked for before credentials change.
    CurrentPassword,
    /// A display name.
    Name,
    /// A TOTP code.
    Code,
    /// A one-time code given with a login (Directus's `otp`).
    Otp,
    /// The page a reset link opens.
    ResetPage,
    /// Where a login returns to.
    Redirect,
    /// The cookie bridge's proxy prefix.
    BridgePrefix,
    /// The state of an external login.
    State,
    /// A user, named by id.
    User,
    /// A token's lifetime in seconds.
    Lifetime,
    /// Some record's id.
    Id,
    /// The request body as a whole.
    Body,
    /// A field as the request itself named it (when a dialect reads its body).
    Named(Cow<'static, str>),
}

impl Field {
    /// A field named by the request.
    pub fn named(name: impl Into<Cow<'static, str>>) -> Self {
        Self::Named(name.into())
    }

    /// The field in plain words, for logs and `Display`.
    pub fn label(&self) -> &str {
        match self {
            Self::Email => "email",
            Self::Password => "password",
            Self::CurrentPassword => "current password",
            Self::Name => "name",
            Self::Code => "code",
            Self::Otp => "otp",
            Self::ResetPage => "reset page",
            Self::Redirect => "redirect",
            Self::BridgePrefix => "bridge prefix",
            Self::State => "state",
            Self::User => "user",
            Self::Lifetime => "lifetime",
            Self::Id => "id",
            Self::Body => "request body",
            Self::Named(name) => name,
        }
    }
}

/// The rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Absent or empty.
    Missing,
    /// Not of the expected shape (an id, a code).
    Malformed,
    /// Not an email address.
    NotAnEmail,
    /// Fewer characters than allowed.
    TooShort {
        /// The fewest allowed.
        min: usize,
    },
    /// More characters than allowed.
    TooLong {
        /// The most allowed.
        max: usize,
    },
    /// A password that does not match.
    Incorrect,
    /// A password among the most common ones.
    TooCommon,
    /// A password found in a data breach.
    Breached,
    /// A page or URL not on the allow-list.
    NotAllowed,
    /// A path prefix that is not a plain path.
    NotAPath,
    /// A number out of range.
    OutOfRange,
    /// A number that must be positive.
    NotPositive,
    /// Nothing is pending to confirm (an MFA enrolment).
    NothingPending,
    /// The login was started in another browser, or has ended.
    ForeignLogin,
    /// Not a string.
    NotAString,
    /// Not an integer.
    NotAnInteger,
    /// Not a boolean.
    NotABoolean,
    /// Not JSON; the parser's words.
    NotJson(String),
    /// JSON, but not an object.
    NotAnObject,
    /// The body could not be read.
    Unreadable,
    /// May not be changed through this request.
    NotChangeable,
    /// A message a dialect words itself, whole.
    Said(Cow<'static, str>),
}

impl Rule {
    /// The message for this rule about a field named `field`, in plain
    /// English; dialects with wordings of their own match on the rule.
    pub fn message(&self, field: &str) -> String {
        match self {
            Self::Missing => format!("{field} is required"),
            Self::Malformed => format!("{field} is not formatted correctly"),
            Self::NotAnEmail => format!("{field} is not a valid email address"),
            Self::TooShort { min } => format!("{field} must be at least {min} characters"),
            Self::TooLong { max } => format!("{field} must be at most {max} characters"),
            Self::Incorrect => format!("{field} is incorrect"),
            Self::TooCommon => {
                format!("{field} is one of the most common passwords: choose another")
            }
            Self::Breached => format!("{field} appeared in a data breach: choose another"),
            Self::NotAllowed => format!("{field} must be an allowed http(s) URL"),
            Self::NotAPath => format!("{field} must be a path such as /api"),
            Self::OutOfRange => format!("{field} is out of range"),
            Self::NotPositive => format!("{field} must be positive"),
            Self::NothingPending => {
                format!("no MFA enrolment is pending for this {field}: start one first")
            }
            Self::ForeignLogin => {
                "this login was not started in this browser, or has ended".to_owned()
            }
            Self::NotAString => format!("{field} must be a string"),
            Self::NotAnInteger => format!("{field} must be an integer"),
            Self::NotABoolean => format!("{field} must be a boolean"),
            Self::NotJson(why) => format!("the request body is not valid JSON: {why}"),
            Self::NotAnObject => "the request body must be a JSON object".to_owned(),
            Self::Unreadable => "the request body could not be read".to_owned(),
            Self::NotChangeable => format!("{field} cannot be changed here"),
            Self::Said(message) => message.to_string(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("value"))
    }
}
