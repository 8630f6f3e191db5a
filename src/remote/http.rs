//! Reading JSON from remote parties (OAuth providers, key sets): a client
//! bounded in time that never follows redirects, and answers read up to
//! [`MAX_ANSWER`] bytes.

use std::time::Duration;

use serde_json::Value;

use super::RemoteError;
use crate::error::ConfigError;

/// A GET for JSON; a non-2xx answer is the remote party's error.
pub(crate) async fn get_json(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> Result<Value, RemoteError> {
    let mut request = http
        .get(url)
        .header(http::header::ACCEPT, "application/json");
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .map_err(|e| RemoteError::from_http(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(RemoteError::Refused(format!("{url} answered {status}")));
    }
    let body = read_capped(response, url).await?;
    serde_json::from_slice(&body).map_err(|e| RemoteError::Refused(format!("{url}: {e}")))
}

/// An answer's body, refused past [`MAX_ANSWER`] bytes.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    url: &str,
) -> Result<Vec<u8>, RemoteError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| RemoteError::from_http(&e))?
    {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(RemoteError::Refused(format!(
                "{url} answered more than {MAX_ANSWER} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The largest answer read (token, discovery, key set, user APIs): a broken
/// or hostile remote party cannot make us buffer without end.
pub(crate) const MAX_ANSWER: usize = 1024 * 1024;

/// The HTTP client for remote calls: bounded in time, and never following
/// redirects (a provider answer that redirects is an error, not a hop to
/// wherever it points).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError(format!("http client: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A one-shot HTTP server answering `body` as JSON.
    async fn answering(body: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await.unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            socket.write_all(head.as_bytes()).await.unwrap();
            let _ = socket.write_all(&body).await;
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn provider_answers_are_read_up_to_a_mebibyte() {
        let http = http_client(Duration::from_secs(5)).unwrap();
        let small = answering(br#"{"issuer":"x"}"#.to_vec()).await;
        assert_eq!(get_json(&http, &small, None).await.unwrap()["issuer"], "x");
        let mut huge = b"[".to_vec();
        huge.extend(std::iter::repeat_n(b'0', MAX_ANSWER));
        huge.push(b']');
        let url = answering(huge).await;
        let err = get_json(&http, &url, None).await.unwrap_err();
        assert!(
            matches!(err, RemoteError::Refused(ref m) if m.contains("more than")),
            "{err}"
        );
    }
}
