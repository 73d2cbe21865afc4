//! [`Matcher`]: which requests a mock answers, as a list of conditions that must all hold,
//! each able to say why a request missed it.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Method};

use super::request::{MockRequest, shown};
use crate::headers::{is_request_credential, is_token};

/// The requests a mock answers: every condition added must hold. Each builder method adds
/// one; [`Matcher::any`] has none and matches every request.
///
/// When a request matches no mock, the default `404` answer and the verification report
/// say, for every mock, which of its conditions the request missed.
///
/// Input that could never match panics where it is written: a path not starting with `/`, a
/// header name that is not a token or a value with a control character.
///
/// ```
/// use tls_requests::Method;
/// use tls_requests::mock::Matcher;
///
/// let list = Matcher::get().path("/users").query("page", "2").header("Accept", "application/json");
/// let admin = Matcher::any().path_prefix("/admin/").bearer_auth("s3cr3t");
/// let upload = Matcher::method(Method::PUT).host("files.test").matches(|req| req.body.len() < 1024);
/// assert_eq!(list.to_string(), "GET, path /users, query page=2, header Accept: application/json");
/// # let _ = (admin, upload);
/// ```
#[derive(Clone, Default)]
pub struct Matcher {
    conditions: Vec<Condition>,
}

type Predicate = Arc<dyn Fn(&MockRequest) -> bool + Send + Sync>;

#[derive(Clone)]
enum Condition {
    Method(Method),
    Host(String),
    Path(String),
    PathPrefix(String),
    Query(String, String),
    Header(String, HeaderValue),
    HeaderExists(String),
    Body(Bytes),
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    Basic {
        user: String,
        value: String,
    },
    Bearer(String),
    Custom(Predicate),
}

macro_rules! method_matchers {
    ($($name:ident $method:ident),+) => {$(
        #[doc = concat!("Matches `", stringify!($method), "` requests.")]
        pub fn $name() -> Matcher {
            Matcher::method(Method::$method)
        }
    )+};
}

impl Matcher {
    /// Matches every request.
    pub fn any() -> Matcher {
        Matcher::default()
    }

    /// Matches requests of `method`.
    pub fn method(method: Method) -> Matcher {
        Matcher::any().and(Condition::Method(method))
    }

    method_matchers!(get GET, post POST, put PUT, patch PATCH, delete DELETE, head HEAD, options OPTIONS);

    fn and(mut self, condition: Condition) -> Matcher {
        self.conditions.push(condition);
        self
    }

    /// The URL's host is `host` (any case; without the port).
    pub fn host(self, host: &str) -> Matcher {
        self.and(Condition::Host(host.to_ascii_lowercase()))
    }

    /// The URL's path is `path`, compared as sent: percent-encoded where a URL encodes it
    /// (`path("/a b")` is `/a%20b`).
    ///
    /// # Panics
    ///
    /// If `path` does not start with `/`: no request has such a path.
    #[track_caller]
    pub fn path(self, path: &str) -> Matcher {
        let path = encoded_path(path, "path");
        self.and(Condition::Path(path))
    }

    /// The URL's path starts with `prefix`, string-wise: `"/api"` also matches `/apix`;
    /// write `"/api/"` for the segment.
    ///
    /// # Panics
    ///
    /// If `prefix` does not start with `/`.
    #[track_caller]
    pub fn path_prefix(self, prefix: &str) -> Matcher {
        let mut encoded = encoded_path(prefix, "path_prefix");
        // `Url` makes `/api/` of `/api/`, but `/` of `/` too: nothing to strip.
        if !prefix.ends_with('/') && encoded.ends_with('/') && encoded.len() > 1 {
            encoded.pop();
        }
        self.and(Condition::PathPrefix(encoded))
    }

    /// The query has a parameter `name` whose value is `value`, both compared decoded
    /// (`+` and `%20` are spaces).
    pub fn query(self, name: &str, value: &str) -> Matcher {
        self.and(Condition::Query(name.to_owned(), value.to_owned()))
    }

    /// A header `name` (any case) has exactly the value `value`.
    ///
    /// # Panics
    ///
    /// If `name` is not a token or `value` has a control character.
    #[track_caller]
    pub fn header(self, name: &str, value: &str) -> Matcher {
        let name = header_name(name, "header");
        match HeaderValue::from_bytes(value.as_bytes()) {
            Ok(value) => self.and(Condition::Header(name, value)),
            Err(_) => panic!("Matcher::header: invalid value for {name:?}: {value:?}"),
        }
    }

    /// A header `name` (any case) is present, whatever its value.
    ///
    /// # Panics
    ///
    /// If `name` is not a token.
    #[track_caller]
    pub fn header_exists(self, name: &str) -> Matcher {
        let name = header_name(name, "header_exists");
        self.and(Condition::HeaderExists(name))
    }

    /// The body (de-chunked) is exactly `body`.
    pub fn body(self, body: impl Into<Bytes>) -> Matcher {
        self.and(Condition::Body(body.into()))
    }

    /// The body is JSON equal to `value` serialized (as values: key order and spacing do not
    /// matter).
    ///
    /// # Panics
    ///
    /// If `value` cannot be serialized.
    #[cfg(feature = "json")]
    #[track_caller]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Matcher {
        match serde_json::to_value(value) {
            Ok(value) => self.and(Condition::Json(value)),
            Err(e) => panic!("Matcher::json: the value cannot be serialized: {e}"),
        }
    }

    /// `Authorization` is `Basic` with `user` and `password`.
    pub fn basic_auth(self, user: &str, password: &str) -> Matcher {
        let value = crate::credentials::basic(user.as_bytes(), password.as_bytes());
        self.and(Condition::Basic {
            user: user.to_owned(),
            value,
        })
    }

    /// `Authorization` is `Bearer` with `token`.
    pub fn bearer_auth(self, token: &str) -> Matcher {
        self.and(Condition::Bearer(token.to_owned()))
    }

    /// `predicate` returns true for the request.
    pub fn matches(
        self,
        predicate: impl Fn(&MockRequest) -> bool + Send + Sync + 'static,
    ) -> Matcher {
        self.and(Condition::Custom(Arc::new(predicate)))
    }

    /// `Ok` if `req` meets every condition, else why it missed the first it did not.
    pub(crate) fn check(&self, req: &MockRequest) -> Result<(), String> {
        self.conditions.iter().try_for_each(|c| c.check(req))
    }
}

#[track_caller]
fn encoded_path(path: &str, method: &str) -> String {
    if !path.starts_with('/') {
        panic!("Matcher::{method}: {path:?} does not start with '/', so no request has it");
    }
    match url::Url::parse("http://mock").and_then(|base| base.join(path)) {
        // `join` would also read `?` and `#`; a path keeps them, encoded.
        Ok(url) if !path.contains(['?', '#']) => url.path().to_owned(),
        _ => path.replace('?', "%3F").replace('#', "%23"),
    }
}

#[track_caller]
fn header_name(name: &str, method: &str) -> String {
    if !is_token(name.as_bytes()) {
        panic!("Matcher::{method}: {name:?} is not a header name");
    }
    name.to_owned()
}

/// `text`, cut to a length a report can show.
fn short(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_owned(),
    }
}

impl Condition {
    fn check(&self, req: &MockRequest) -> Result<(), String> {
        let url = &req.url;
        match self {
            Condition::Method(m) if req.method != m => {
                Err(format!("method is {}, not {m}", req.method))
            }
            Condition::Host(h)
                if !url
                    .host_str()
                    .is_some_and(|got| got.eq_ignore_ascii_case(h)) =>
            {
                Err(format!(
                    "host is {}, not {h}",
                    url.host_str().unwrap_or("none")
                ))
            }
            Condition::Path(p) if url.path() != p => {
                Err(format!("path is {}, not {p}", url.path()))
            }
            Condition::PathPrefix(p) if !url.path().starts_with(p.as_str()) => {
                Err(format!("path {} does not start with {p}", url.path()))
            }
            Condition::Query(name, value) => {
                let values: Vec<_> = url
                    .query_pairs()
                    .filter(|(n, _)| n == name)
                    .map(|(_, v)| v.into_owned())
                    .collect();
                match &values[..] {
                    _ if values.contains(value) => Ok(()),
                    [] => Err(format!("query has no {name}")),
                    [one] => Err(format!("query {name} is {one:?}, not {value:?}")),
                    many => Err(format!("query {name} is {many:?}, not {value:?}")),
                }
            }
            Condition::Header(name, value) => {
                let values: Vec<_> = req.headers.get_all(name).collect();
                if values.contains(&value) {
                    return Ok(());
                }
                match values.first() {
                    None => Err(format!("no {name} header")),
                    Some(_) if is_request_credential(name.as_bytes()) => {
                        Err(format!("{name} has another value"))
                    }
                    Some(got) => Err(format!("{name} is {:?}, not {value:?}", shown(name, got))),
                }
            }
            Condition::HeaderExists(name) if !req.headers.contains(name) => {
                Err(format!("no {name} header"))
            }
            Condition::Body(body) if req.body != body => Err(format!(
                "body is {:?} ({} bytes), not {:?} ({} bytes)",
                short(&String::from_utf8_lossy(&req.body)),
                req.body.len(),
                short(&String::from_utf8_lossy(body)),
                body.len()
            )),
            #[cfg(feature = "json")]
            Condition::Json(expected) => {
                match serde_json::from_slice::<serde_json::Value>(&req.body) {
                    Err(e) => Err(format!("body is not JSON ({e})")),
                    Ok(got) if &got != expected => Err(format!(
                        "JSON body is {}, not {}",
                        short(&got.to_string()),
                        short(&expected.to_string())
                    )),
                    Ok(_) => Ok(()),
                }
            }
            Condition::Basic { user, value } => match authorization(req) {
                None => Err("no Authorization header".to_owned()),
                Some(got) if got == value.as_bytes() => Ok(()),
                Some(got) if !scheme_is(got, "basic") => {
                    Err("Authorization is not Basic".to_owned())
                }
                Some(_) => Err(format!(
                    "Basic credentials are not user {user:?} and the password given"
                )),
            },
            Condition::Bearer(token) => match authorization(req) {
                None => Err("no Authorization header".to_owned()),
                Some(got) if !scheme_is(got, "bearer") => {
                    Err("Authorization is not Bearer".to_owned())
                }
                Some(got) if got[7..].trim_ascii() == token.as_bytes() => Ok(()),
                Some(_) => Err("another Bearer token".to_owned()),
            },
            Condition::Custom(predicate) if !predicate(req) => {
                Err("the custom condition returned false".to_owned())
            }
            _ => Ok(()),
        }
    }
}

fn authorization(req: &MockRequest) -> Option<&[u8]> {
    req.headers.get("authorization").map(HeaderValue::as_bytes)
}

/// True if `value` is `scheme` (any case) and a space.
fn scheme_is(value: &[u8], scheme: &str) -> bool {
    value.len() > scheme.len()
        && value[..scheme.len()].eq_ignore_ascii_case(scheme.as_bytes())
        && value[scheme.len()] == b' '
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.conditions.is_empty() {
            return f.write_str("any request");
        }
        for (i, condition) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            fmt::Display::fmt(condition, f)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Matcher({self})")
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Method(m) => write!(f, "{m}"),
            Condition::Host(h) => write!(f, "host {h}"),
            Condition::Path(p) => write!(f, "path {p}"),
            Condition::PathPrefix(p) => write!(f, "path prefix {p}"),
            Condition::Query(n, v) => write!(f, "query {n}={v}"),
            Condition::Header(n, v) => write!(f, "header {n}: {}", shown(n, v)),
            Condition::HeaderExists(n) => write!(f, "header {n}"),
            Condition::Body(b) => write!(f, "body {:?}", short(&String::from_utf8_lossy(b))),
            #[cfg(feature = "json")]
            Condition::Json(v) => write!(f, "JSON body {}", short(&v.to_string())),
            Condition::Basic { user, .. } => write!(f, "Basic auth {user:?}"),
            Condition::Bearer(_) => f.write_str("Bearer auth"),
            Condition::Custom(_) => f.write_str("custom condition"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_compared_encoded() {
        assert_eq!(encoded_path("/a b", "path"), "/a%20b");
        assert_eq!(encoded_path("/a?b", "path"), "/a%3Fb");
        assert_eq!(encoded_path("/x/../y", "path"), "/y");
        assert_eq!(
            Matcher::any().path_prefix("/api").to_string(),
            "path prefix /api"
        );
        assert_eq!(Matcher::any().path_prefix("/").to_string(), "path prefix /");
    }

    #[test]
    fn scheme_is_case_blind_and_needs_a_space() {
        assert!(scheme_is(b"bearer t", "bearer"));
        assert!(scheme_is(b"Bearer t", "bearer"));
        assert!(!scheme_is(b"Bearert", "bearer"));
        assert!(!scheme_is(b"Bearer", "bearer"));
    }
}
