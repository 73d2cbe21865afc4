//! [`Mode`]: which of a profile's two header sets a request goes with, and how the client
//! chooses one when the caller does not.

use http::HeaderValue;

use crate::headers::Headers;

/// What kind of request a browser profile says it is sending: a page load or a script's
/// `fetch()`. Each [`Profile`](super::Profile) has a header set for each
/// ([`Profile::headers_for`](super::Profile::headers_for)).
///
/// A request's mode is [`RequestBuilder::mode`](crate::RequestBuilder::mode) if set; else
/// [`Fetch`](Mode::Fetch) when the request's body is JSON (its `Content-Type`, as
/// [`json`](crate::RequestBuilder::json) sets it, is `application/json` or `*/*+json`) or
/// when its `Accept` (the request's, else the client's) names a JSON type; else
/// [`Navigate`](Mode::Navigate). It is chosen for the first request and kept along its
/// redirects.
///
/// ```
/// use tls_requests::{AsyncClient, MockResponse, MockTransport, profile::Mode};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|_| MockResponse::new(200));
/// let client = AsyncClient::builder().connector(mock.clone()).build()?;
/// client.get("https://example.com/").await?;
/// client.post("https://example.com/api").json(&[1, 2]).await?;
/// client.get("https://example.com/data").mode(Mode::Fetch).await?;
/// let sent = mock.requests();
/// assert_eq!(sent[0].headers.get("sec-fetch-mode").unwrap(), "navigate");
/// assert_eq!(sent[1].headers.get("sec-fetch-mode").unwrap(), "cors");
/// assert_eq!(sent[1].headers.get("origin").unwrap(), "https://example.com");
/// assert_eq!(sent[2].headers.get("accept").unwrap(), "*/*");
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mode {
    /// A page load the user started (a URL typed or opened): the browser's navigation
    /// headers (`Sec-Fetch-Mode: navigate`, `Sec-Fetch-Dest: document`, an HTML `Accept`).
    Navigate,
    /// A script's `fetch()` from a page of the target's own origin: `Accept: */*`,
    /// `Sec-Fetch-Mode: cors`, `Sec-Fetch-Dest: empty`, and where the browser sends them
    /// `Origin`, `Referer` and `Sec-Fetch-Site`, which the client makes for each request: the
    /// page is taken to be at the root of the first URL's origin, so `Referer` is that origin
    /// and `/`; `Origin` (that origin) goes on every method but `GET` and `HEAD` and, after
    /// a redirect to another origin, on every request; `Sec-Fetch-Site` is `same-origin`,
    /// `same-site` (the same scheme, and the same host or, with the `public-suffix` feature,
    /// the same registrable domain) or `cross-site`. A field of those names that the caller
    /// sets (on the request or the client) is sent instead.
    Fetch,
}

impl Mode {
    /// The mode of a request whose fields are `content_type` and `accept`, when the caller
    /// chose none.
    pub(crate) fn chosen(content_type: Option<&HeaderValue>, accept: Option<&HeaderValue>) -> Mode {
        let json_body = content_type.is_some_and(|v| is_json(v.as_bytes()));
        let wants_json = accept.is_some_and(|v| v.as_bytes().split(|&b| b == b',').any(is_json));
        match json_body || wants_json {
            true => Mode::Fetch,
            false => Mode::Navigate,
        }
    }

    /// The mode `headers` (a request's own) choose, to keep along a redirect that drops the
    /// body and its `Content-Type`.
    pub(crate) fn chosen_by(headers: &Headers) -> Mode {
        Mode::chosen(headers.get("content-type"), headers.get("accept"))
    }
}

/// True if the media type (parameters and spaces aside) is JSON: `application/json` or a
/// `+json` suffix type.
fn is_json(media_type: &[u8]) -> bool {
    let essence = media_type.split(|&b| b == b';').next().unwrap_or_default();
    let essence = essence.trim_ascii().to_ascii_lowercase();
    essence == b"application/json" || (essence.ends_with(b"+json") && essence.contains(&b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(content_type: Option<&'static str>, accept: Option<&'static str>) -> Mode {
        let value = |v: Option<&'static str>| v.map(HeaderValue::from_static);
        Mode::chosen(value(content_type).as_ref(), value(accept).as_ref())
    }

    #[test]
    fn a_json_body_or_a_json_accept_is_a_fetch() {
        assert_eq!(chosen(None, None), Mode::Navigate);
        assert_eq!(chosen(Some("application/json"), None), Mode::Fetch);
        assert_eq!(
            chosen(Some("Application/JSON; charset=utf-8"), None),
            Mode::Fetch
        );
        assert_eq!(chosen(Some("application/ld+json"), None), Mode::Fetch);
        assert_eq!(chosen(None, Some("application/json")), Mode::Fetch);
        // axios' default.
        assert_eq!(
            chosen(None, Some("application/json, text/plain, */*")),
            Mode::Fetch
        );
        assert_eq!(
            chosen(None, Some("text/html;q=0.9, application/vnd.api+json")),
            Mode::Fetch
        );
    }

    #[test]
    fn other_types_are_a_navigation() {
        let navigation = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(chosen(None, Some(navigation)), Mode::Navigate);
        assert_eq!(chosen(None, Some("*/*")), Mode::Navigate);
        assert_eq!(
            chosen(Some("application/x-www-form-urlencoded"), None),
            Mode::Navigate
        );
        assert_eq!(
            chosen(Some("text/plain"), Some("text/json")),
            Mode::Navigate
        );
        assert_eq!(
            chosen(Some("+json"), Some("application/jsonl")),
            Mode::Navigate
        );
    }
}
