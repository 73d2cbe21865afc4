//! Following redirects (RFC 9110 §15.4): which request comes next, and what it may carry.

use http::{Method, StatusCode};
use url::Url;

use crate::error::{Error, Kind, Result};
use crate::request::{Body, Request};
use crate::response::Response;

/// Headers that must not follow a redirect to another origin.
const CREDENTIALS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];
/// Headers that describe a body the redirected request no longer has.
const BODY_HEADERS: [&str; 4] = [
    "content-length",
    "content-type",
    "content-encoding",
    "transfer-encoding",
];

/// The request a redirect response asks for, or `None` if `response` is not one to follow
/// (another status, or no `Location`).
pub(crate) fn next_request(prev: Request, response: &Response) -> Result<Option<Request>> {
    let status = response.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = response.headers().get("location") else {
        return Ok(None);
    };
    let location = std::str::from_utf8(location.as_bytes())
        .map_err(|_| Error::new(Kind::Redirect, "Location is not valid UTF-8"))?;
    let url = prev.url.join(location).map_err(|e| {
        Error::new(
            Kind::Redirect,
            format!("invalid Location {location:?}: {e}"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::new(
            Kind::Redirect,
            format!("redirect to unsupported scheme {:?}", url.scheme()),
        ));
    }

    let Request {
        mut method,
        url: prev_url,
        mut headers,
        body,
        options,
        mut cross_origin,
    } = prev;
    // As browsers do (Fetch "HTTP-redirect fetch", RFC 9110 §15.4): 303 makes any method
    // but HEAD a GET; 301 and 302 do that to POST only; 307 and 308 never change it.
    let becomes_get = match status {
        StatusCode::SEE_OTHER => method != Method::HEAD,
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => method == Method::POST,
        _ => false,
    };
    let body = if !becomes_get {
        body.try_clone().ok_or_else(|| {
            Error::new(
                Kind::Redirect,
                format!("cannot resend a streaming body after a {status} redirect"),
            )
        })?
    } else {
        method = Method::GET;
        for name in BODY_HEADERS {
            headers.remove(name);
        }
        Body::empty()
    };
    if !same_origin(&prev_url, &url) {
        // The request's own credentials go here; the client's and the profile's are left out
        // when the head is made, for this hop and every later one.
        for name in CREDENTIALS {
            headers.remove(name);
        }
        headers.remove("host");
        cross_origin = true;
    }
    Ok(Some(Request {
        method,
        url,
        headers,
        body,
        options,
        cross_origin,
    }))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}
