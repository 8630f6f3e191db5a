//! The OpenAPI document (feature `openapi`): whole, and consistent with
//! itself. Whether the server keeps to it is Schemathesis's job
//! (`scripts/api-fuzz`, run by `scripts/test`).

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis::web::dialect::{Dialect, Endpoint};
use serde_json::Value;

fn document() -> Value {
    serde_json::to_value(portcullis::openapi::document()).unwrap()
}

#[test]
fn it_is_openapi_3_1_and_describes_every_native_v1_and_admin_route() {
    let document = document();
    assert_eq!(document["openapi"], "3.1.0");
    let routes = Dialect::Native.routes();
    assert!(routes.iter().any(|r| r.path.starts_with("/admin/")));
    assert!(routes.iter().any(|r| matches!(r.endpoint, Endpoint::V1(_))));
    for route in routes {
        let method = route.method.as_str().to_ascii_lowercase();
        let operation = &document["paths"][route.path][&method];
        assert!(
            operation.is_object(),
            "{method} {} is not described",
            route.path
        );
        assert!(
            operation["responses"].as_object().is_some_and(|r| r
                .keys()
                .any(|status| status.starts_with('2') || status == "302")),
            "{method} {} has no success answer",
            route.path
        );
    }
}

#[test]
fn every_reference_names_a_schema_of_the_document() {
    fn references<'v>(value: &'v Value, found: &mut Vec<&'v str>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref") {
                    found.push(target);
                }
                map.values().for_each(|v| references(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| references(v, found)),
            _ => {}
        }
    }
    let document = document();
    let mut found = Vec::new();
    references(&document, &mut found);
    assert!(found.len() > 50, "the operations refer to shared schemas");
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a schema reference: {target}"));
        assert!(
            document["components"]["schemas"][name].is_object(),
            "{target} is missing"
        );
    }
}

#[test]
fn signed_in_operations_ask_for_the_bearer_token_and_public_ones_do_not() {
    let document = document();
    let security = |path: &str, method: &str| document["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/admin/users", "get")[0]["bearer"],
        Value::Array(vec![])
    );
    assert_eq!(security("/me", "get")[0]["bearer"], Value::Array(vec![]));
    assert!(security("/auth/login", "post").is_null());
}
