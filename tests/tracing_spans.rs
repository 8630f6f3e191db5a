//! One login can be followed through the logs: the service's entry points
//! open spans that name the user (by id), and nothing in them or in the
//! events inside them carries a secret.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use portcullis::store::MemoryStore;
use portcullis::{Auth, AuthConfig, Client, Credentials, LoginOutcome, NewAccount};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::{Layer, Registry};

/// Every span name and every field value seen, as text.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String, String)>>>);

struct Collect<'a>(&'a Seen, String);

impl Visit for Collect<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.0.lock().unwrap().push((
            self.1.clone(),
            field.name().to_owned(),
            format!("{value:?}"),
        ));
    }
}

impl<S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S>
    for Seen
{
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let name = attrs.metadata().name().to_owned();
        self.0
            .lock()
            .unwrap()
            .push((name.clone(), String::new(), String::new()));
        attrs.record(&mut Collect(self, name));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let name = ctx
            .span(id)
            .map(|s| s.name().to_owned())
            .unwrap_or_default();
        values.record(&mut Collect(self, name));
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        event.record(&mut Collect(self, "event".to_owned()));
    }
}

#[tokio::test]
async fn a_login_opens_a_span_with_the_user_id_and_no_secret() {
    let seen = Seen::default();
    let _guard = tracing::subscriber::set_default(Registry::default().with(seen.clone()));

    let mut config = AuthConfig::new(vec![7; 32]);
    config.accounts.password.memory_kib = 1024;
    config.accounts.password.iterations = 1;
    let auth = Auth::builder(config)
        .store(MemoryStore::new())
        .build()
        .unwrap();
    let password = "a very secret password";
    let user = auth
        .create_user(NewAccount::new("ada@example.com", password, "user"))
        .await
        .unwrap();
    let session = auth
        .login(
            Credentials::new("ada@example.com", password),
            Client::default(),
        )
        .await
        .ok()
        .and_then(LoginOutcome::session)
        .unwrap();
    let wrong = auth
        .login(
            Credentials::new("ada@example.com", "wrong guess!"),
            Client::default(),
        )
        .await;
    assert!(wrong.is_err());
    let refreshed = auth.refresh(&session.refresh_token).await.unwrap();

    let seen = seen.0.lock().unwrap().clone();
    let user_in = |span: &str| {
        seen.iter().any(|(s, field, value)| {
            s == span && field == "user" && value.trim_matches('"') == user.id
        })
    };
    assert!(
        user_in("portcullis.login"),
        "the login span names the user: {seen:?}"
    );
    assert!(user_in("portcullis.refresh"), "so does the refresh span");
    assert!(user_in("portcullis.create_user"));
    for secret in [
        password,
        "wrong guess!",
        &session.refresh_token,
        &session.access_token,
        &refreshed.refresh_token,
    ] {
        assert!(
            !seen.iter().any(|(_, _, value)| value.contains(secret)),
            "a secret reached the logs"
        );
    }
}
