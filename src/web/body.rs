//! Reading request bodies with a size limit, and reading JSON (or form)
//! fields with errors that name the field.

use bytes::Bytes;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};

use crate::error::{AuthError, Field, Rule};

/// Reads a whole body, refusing more than `limit` bytes with
/// [`AuthError::PayloadTooLarge`].
pub async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, AuthError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(AuthError::PayloadTooLarge),
        Err(err) => {
            tracing::debug!(error = %err, "reading the request body failed");
            Err(AuthError::invalid(Field::Body, Rule::Unreadable))
        }
    }
}

/// A JSON object body (an empty body reads as `{}`), or a form body.
pub(crate) struct JsonBody {
    fields: Map<String, Value>,
    /// Form bodies carry every value as a string.
    form: bool,
}

impl JsonBody {
    fn json(fields: Map<String, Value>) -> Self {
        Self {
            fields,
            form: false,
        }
    }

    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, AuthError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::json(Map::new()));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => Ok(Self::json(map)),
            Ok(_) => Err(AuthError::invalid(Field::Body, Rule::NotAnObject)),
            Err(err) => Err(AuthError::invalid(
                Field::Body,
                Rule::NotJson(err.to_string()),
            )),
        }
    }

    /// A form body (`application/x-www-form-urlencoded`): every field a string.
    pub(crate) fn parse_form(bytes: &[u8]) -> Self {
        Self {
            fields: form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
            form: true,
        }
    }

    /// An integer field that may be absent or null.
    pub(crate) fn optional_i64(&self, field: &str) -> Result<Option<i64>, AuthError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid(field, Rule::NotAnInteger)),
            Some(Value::String(s)) if self.form => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| invalid(field, Rule::NotAnInteger)),
            Some(_) => Err(invalid(field, Rule::NotAnInteger)),
        }
    }

    /// A string field that must be present and non-empty.
    pub(crate) fn required_str(&self, field: &str) -> Result<String, AuthError> {
        match self.optional_str(field)? {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(invalid(field, Rule::Missing)),
        }
    }

    /// A string field that may be absent or null.
    pub(crate) fn optional_str(&self, field: &str) -> Result<Option<String>, AuthError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(field, Rule::NotAString)),
        }
    }

    /// A boolean field that may be absent or null.
    pub(crate) fn optional_bool(&self, field: &str) -> Result<Option<bool>, AuthError> {
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(field, Rule::NotABoolean)),
        }
    }

    /// An object field that must be present.
    pub(crate) fn required_object(&self, field: &str) -> Result<&Value, AuthError> {
        match self.fields.get(field) {
            Some(value @ Value::Object(_)) => Ok(value),
            None | Some(Value::Null) => Err(invalid(field, Rule::Missing)),
            Some(_) => Err(invalid(
                field,
                Rule::Said(format!("{field} must be a JSON object").into()),
            )),
        }
    }

    /// The names of the fields present.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }

    /// Whether the field is present (even as null).
    pub(crate) fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }
}

/// A field of the body, named as the request named it.
fn invalid(field: &str, rule: Rule) -> AuthError {
    AuthError::invalid(Field::named(field.to_owned()), rule)
}
