//! Following redirects (RFC 9110 §15.4): from a response's status and `Location`, a plan for
//! the next request. It decides from plain data; the client applies the plan to its request
//! ([`Request::follow`](crate::Request)).

use http::{HeaderValue, Method, StatusCode};
use url::Url;

use crate::error::{Error, Kind, Result};

/// What the next request of a redirect is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The body and the headers that describe it are dropped (the method became `GET`).
    pub(crate) drop_body: bool,
    /// The next URL is of another origin: credentials stay behind.
    pub(crate) cross_origin: bool,
}

/// The next request for a response to `method url` with `status` and `location`, or `None`
/// if it is not a redirect to follow (another status, or no `Location`).
pub(crate) fn plan(
    method: &Method,
    url: &Url,
    status: StatusCode,
    location: Option<&HeaderValue>,
) -> Result<Option<Plan>> {
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = location else {
        return Ok(None);
    };
    let location = std::str::from_utf8(location.as_bytes())
        .map_err(|_| Error::new(Kind::Redirect, "Location is not valid UTF-8"))?;
    let next = url.join(location).map_err(|e| {
        Error::new(
            Kind::Redirect,
            format!("invalid Location {location:?}: {e}"),
        )
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Error::new(
            Kind::Redirect,
            format!("redirect to unsupported scheme {:?}", next.scheme()),
        ));
    }
    // As browsers do (Fetch "HTTP-redirect fetch", RFC 9110 §15.4): 303 makes any method
    // but HEAD a GET; 301 and 302 do that to POST only; 307 and 308 never change it.
    let becomes_get = match status {
        StatusCode::SEE_OTHER => method != Method::HEAD,
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND => method == Method::POST,
        _ => false,
    };
    Ok(Some(Plan {
        method: if becomes_get {
            Method::GET
        } else {
            method.clone()
        },
        cross_origin: !same_origin(url, &next),
        url: next,
        drop_body: becomes_get,
    }))
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(method: Method, from: &str, status: u16, to: &str) -> Plan {
        let location = HeaderValue::from_str(to).unwrap();
        let status = StatusCode::from_u16(status).unwrap();
        plan(&method, &Url::parse(from).unwrap(), status, Some(&location))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn methods_change_as_browsers_change_them() {
        for (method, status, after) in [
            (Method::POST, 301, Method::GET),
            (Method::POST, 302, Method::GET),
            (Method::PUT, 302, Method::PUT),
            (Method::PUT, 303, Method::GET),
            (Method::HEAD, 303, Method::HEAD),
            (Method::POST, 307, Method::POST),
            (Method::POST, 308, Method::POST),
        ] {
            let p = planned(method.clone(), "http://a/x", status, "/y");
            assert_eq!(
                (p.method.clone(), p.drop_body),
                (after.clone(), after != method),
                "{status}"
            );
        }
    }

    #[test]
    fn origins_differ_by_scheme_host_and_port() {
        let cross = |from: &str, to: &str| planned(Method::GET, from, 302, to).cross_origin;
        assert!(!cross("http://a/x", "/y"));
        assert!(!cross("http://a/x", "http://a:80/y"));
        assert!(cross("http://a/x", "http://b/y"));
        assert!(cross("http://a/x", "http://a:81/y"));
        assert!(cross("https://a/x", "http://a/y"));
        assert!(cross("https://a:8443/x", "http://a:8443/y"));
    }

    #[test]
    fn no_plan_without_a_redirect_status_or_location() {
        let url = Url::parse("http://a/").unwrap();
        let loc = HeaderValue::from_static("/b");
        assert_eq!(
            plan(&Method::GET, &url, StatusCode::OK, Some(&loc)).unwrap(),
            None
        );
        assert_eq!(
            plan(&Method::GET, &url, StatusCode::FOUND, None).unwrap(),
            None
        );
        let ftp = HeaderValue::from_static("ftp://a/");
        assert!(plan(&Method::GET, &url, StatusCode::FOUND, Some(&ftp)).is_err());
    }
}
