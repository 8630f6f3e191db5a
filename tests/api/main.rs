//! Black-box HTTP tests: a real server on an ephemeral port, spoken to over HTTP.

mod common;

mod accounts;
mod guards;
mod input;
mod security;
mod sessions;
mod throttling;
