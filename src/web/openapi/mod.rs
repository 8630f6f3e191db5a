//! An OpenAPI 3.1 description of the native dialect, the v1 token API and
//! the admin API (feature `openapi`), built from the routes the adapters
//! mount and the types the handlers answer with.
//!
//! Its paths are relative to where the routes are mounted: set the
//! document's server to that prefix and serve it, for example in axum:
//!
//! ```
//! use axum::{Json, Router, routing::get};
//! use utoipa::openapi::server::Server;
//!
//! let mut document = portcullis::openapi::document();
//! document.servers = Some(vec![Server::new("/api")]);
//! let app: Router = Router::new().route(
//!     "/api/openapi.json",
//!     get(move || std::future::ready(Json(document.clone()))),
//! );
//! ```

mod operations;
mod paths;
mod queries;
mod requests;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};

use crate::web::dialect::native::replies::{
    CeremonyShape, CookieSessionShape, EnrolmentShape, LoggedOutShape, MfaChallengeShape,
    MfaStateShape, MyAccountShape, NoticeShape, PasskeyShape, PasswordResetShape, TokensShape,
    ValidSessionShape,
};
use crate::web::dialect::native::shapes::{
    AccountPageShape, AccountShape, ErrorShape, RoleShape, SessionShape, UserShape,
};
use crate::web::dialect::v1::{
    ApiTokenShape, AppTokenShape, ErrorsShape, TokenListShape, TokenShape,
};

/// The name of the bearer security scheme.
const BEARER: &str = "bearer";

/// The document: every native, v1 and admin endpoint, with no server set.
pub fn document() -> OpenApi {
    let mut components = ComponentsBuilder::new()
        .schema_from::<UserShape>()
        .schema_from::<RoleShape>()
        .schema_from::<TokensShape>()
        .schema_from::<CookieSessionShape>()
        .schema_from::<MfaChallengeShape>()
        .schema_from::<MyAccountShape>()
        .schema_from::<ValidSessionShape>()
        .schema_from::<EnrolmentShape>()
        .schema_from::<MfaStateShape>()
        .schema_from::<NoticeShape>()
        .schema_from::<PasswordResetShape>()
        .schema_from::<LoggedOutShape>()
        .schema_from::<CeremonyShape>()
        .schema_from::<PasskeyShape>()
        .schema_from::<AccountShape>()
        .schema_from::<AccountPageShape>()
        .schema_from::<SessionShape>()
        .schema_from::<ErrorShape>()
        .schema_from::<TokenShape>()
        .schema_from::<AppTokenShape>()
        .schema_from::<TokenListShape>()
        .schema_from::<ApiTokenShape>()
        .schema_from::<ErrorsShape>()
        .security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT, or an app or on-behalf-of token")
                    .build(),
            ),
        );
    for body in requests::ALL {
        components = components.schema(body.name, body.schema());
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("portcullis")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Password, session, second-factor, external-login and token \
                     endpoints, and the admin API.",
                ))
                .build(),
        )
        .paths(paths::all())
        .components(Some(components.build()))
        .build()
}
