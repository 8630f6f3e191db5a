//! The document's paths: every route the native dialect mounts (the v1
//! token API and the admin API among them), each with its operation.

use http::Method;
use utoipa::openapi::path::{
    HttpMethod, Operation as PathOperation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{ContentBuilder, Paths, PathsBuilder, Ref, RefOr, Required};

use super::BEARER;
use super::operations::{self, Access, Answer, Operation};
use crate::web::dialect::{Dialect, Endpoint};

/// Error statuses any operation may answer: a malformed or oversized
/// request, a refused credential or origin, a rate limit, a store outage.
const ANY_ERROR: &[u16] = &[400, 401, 403, 413, 429, 503];

/// How a dialect wraps its answers.
#[derive(Clone, Copy)]
enum Wire {
    /// `{statusCode, message, data}`; errors as `Error`.
    Native,
    /// Bare bodies; errors as `V1Errors`.
    V1,
}

pub(super) fn all() -> Paths {
    Dialect::Native
        .routes()
        .into_iter()
        .fold(PathsBuilder::new(), |paths, route| {
            let (operation, wire) = match route.endpoint {
                Endpoint::Native(endpoint) => (operations::native(endpoint), Wire::Native),
                Endpoint::V1(endpoint) => (operations::v1(endpoint), Wire::V1),
                Endpoint::OAuthCallback(_) => (operations::oauth_callback(), Wire::Native),
                Endpoint::Directus(_) => return paths,
            };
            let Some(method) = http_method(&route.method) else {
                return paths;
            };
            let described = describe(&route.method, route.path, &operation, wire);
            paths.path(
                route.path,
                utoipa::openapi::PathItem::new(method, described),
            )
        })
        .build()
}

fn http_method(method: &Method) -> Option<HttpMethod> {
    Some(match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => return None,
    })
}

fn describe(method: &Method, path: &str, operation: &Operation, wire: Wire) -> PathOperation {
    let mut built = OperationBuilder::new()
        .operation_id(Some(operation_id(method, path)))
        .summary(Some(operation.summary))
        .tag(operation.tag);
    for name in path_parameters(path) {
        built = built.parameter(parameter(name, ParameterIn::Path, true, Type::String, None));
    }
    for query in operation.query {
        let kind = if query.integer {
            Type::Integer
        } else {
            Type::String
        };
        built = built.parameter(parameter(
            query.name,
            ParameterIn::Query,
            false,
            kind,
            Some(query.about),
        ));
    }
    if let Some((name, about)) = operation.header {
        built = built.parameter(parameter(
            name,
            ParameterIn::Header,
            true,
            Type::String,
            Some(about),
        ));
    }
    if let Some(body) = operation.body {
        let schema = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(body.name)))
                .build()
        };
        let mut request = RequestBodyBuilder::new().content("application/json", schema());
        if matches!(wire, Wire::V1) {
            request = request.content("application/x-www-form-urlencoded", schema());
        }
        built = built.request_body(Some(request.required(Some(Required::False)).build()));
    }
    if operation.access != Access::Public {
        built = built.security(SecurityRequirement::new(BEARER, Vec::<String>::new()));
    }
    built.responses(responses(operation, wire)).build()
}

/// `post_auth_login`, `get_admin_users_id`: unique per method and path.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<&str> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    let mut id = format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        words.join("_")
    );
    if path.ends_with('/') && path.len() > 1 {
        id.push_str("_slash");
    }
    id
}

fn path_parameters(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
}

fn parameter(
    name: &str,
    place: ParameterIn,
    required: bool,
    kind: Type,
    about: Option<&str>,
) -> utoipa::openapi::path::Parameter {
    let required = if required {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .description(about)
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .build()
}

fn responses(operation: &Operation, wire: Wire) -> utoipa::openapi::Responses {
    let mut responses = ResponsesBuilder::new();
    let (status, description, data) = match operation.answer {
        Answer::Json(status, name) => (status, "Done", Some(reference(name))),
        Answer::Either(status, one, other) => (
            status,
            "Done",
            Some(RefOr::T(Schema::AnyOf(
                AnyOfBuilder::new()
                    .item(reference(one))
                    .item(reference(other))
                    .build(),
            ))),
        ),
        Answer::List(status, name) => (
            status,
            "Done",
            Some(RefOr::T(Schema::Array(
                ArrayBuilder::new().items(reference(name)).build(),
            ))),
        ),
        Answer::Names(status) => (
            status,
            "Done",
            Some(RefOr::T(Schema::Array(
                ArrayBuilder::new()
                    .items(ObjectBuilder::new().schema_type(Type::String))
                    .build(),
            ))),
        ),
        Answer::Empty => (204, "Done, nothing to say", None),
        Answer::Redirect => (302, "On to the `Location`", None),
    };
    let mut answer = ResponseBuilder::new().description(description);
    if let Some(data) = data {
        let body = match wire {
            Wire::Native => envelope(data),
            Wire::V1 => data,
        };
        answer = answer.content(
            "application/json",
            ContentBuilder::new().schema(Some(body)).build(),
        );
    }
    responses = responses.response(status.to_string(), answer.build());
    let error = match wire {
        Wire::Native => "Error",
        Wire::V1 => "V1Errors",
    };
    let mut errors: Vec<u16> = ANY_ERROR.iter().chain(operation.errors).copied().collect();
    if operation.access == Access::Admin {
        // An admin operation a custom store cannot do answers 501.
        errors.push(501);
    }
    errors.sort_unstable();
    errors.dedup();
    for status in errors {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        responses = responses.response(
            status.to_string(),
            ResponseBuilder::new()
                .description(reason)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(reference(error))).build(),
                )
                .build(),
        );
    }
    responses.build()
}

fn reference(name: &str) -> RefOr<Schema> {
    RefOr::Ref(Ref::from_schema_name(name))
}

/// The native envelope around `data`.
fn envelope(data: RefOr<Schema>) -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "statusCode",
                ObjectBuilder::new().schema_type(Type::Integer),
            )
            .required("statusCode")
            .property("message", ObjectBuilder::new().schema_type(Type::String))
            .required("message")
            .property("data", data)
            .required("data")
            .build(),
    ))
}
