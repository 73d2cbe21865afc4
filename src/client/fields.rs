//! The header fields a request goes on the wire with: the client's defaults of the
//! request's [`Mode`] (the profile's set of that mode with the client's over them) and the
//! request's laid in one pass, credentials kept to their origin, a fetch's page fields
//! (`Origin`, `Referer`, `Sec-Fetch-Site`), URL credentials as Basic, then HTTP/1.1's own
//! fields (Host, the body's framing), a fetch sorted in the profile's order, and the caller's
//! `header_order`.

use std::borrow::Cow;

use bytes::Bytes;
use http::HeaderValue;
use url::{Origin, Position, Url};

use super::AsyncClient;
use super::builder::Config;
use crate::error::{Error, Kind, Result};
use crate::headers::{Headers, is_request_credential};
use crate::profile::{Mode, Profile};
use crate::proto::h1::{self, BodyFraming, Field, find};
use crate::request::{BodyKind, Request};
use crate::transport::{Destination, Scheme, Via};

impl AsyncClient {
    /// The headers `request` goes on the wire with, in order: `Host` first unless set, the
    /// client's defaults of the request's [`Mode`](crate::profile::Mode) in their order with
    /// the request's values in place, the request's new names, then the body's framing
    /// (`Content-Length` or `Transfer-Encoding`); a fetch with its page fields, sorted in the
    /// profile's [`fetch_order`](crate::Profile::fetch_order).
    pub fn wire_headers(&self, request: &Request) -> Result<Headers> {
        let mut scratch = Scratch::default();
        let config = &self.inner.config;
        let via = config.via(request, None);
        let route = Route::of(via.map(|v| &**v), Destination::scheme_of(&request.url));
        let fields = config.wire_fields(request, route, &mut scratch)?;
        let entries = fields
            .into_iter()
            .map(|(name, value)| {
                Ok((
                    Bytes::copy_from_slice(name),
                    HeaderValue::from_bytes(value)?,
                ))
            })
            .collect::<std::result::Result<_, http::header::InvalidHeaderValue>>()
            .map_err(|e| Error::new(Kind::Header, e))?;
        Ok(Headers::from_entries(entries))
    }
}

/// Values made for one request's head that its borrowed fields point into.
#[derive(Default)]
struct Scratch {
    /// A body's `Content-Length`.
    length: String,
    /// `Basic` credentials from the URL.
    authorization: String,
    /// A fetch's `Origin` and `Referer`.
    origin: String,
    referer: String,
    /// `Basic` credentials for the proxy that forwards the request.
    proxy_authorization: String,
    /// The cookie jar's cookies for the URL, with the request's own.
    cookie: String,
}

/// A client's defaults for a fetch ([`Mode::Fetch`]), fixed when it is built.
#[derive(Clone, Default)]
pub(super) struct FetchDefaults {
    /// The profile's fetch headers with the client's over them, in order.
    headers: Headers,
    /// The profile's own fetch headers: a field of another value was set by the caller.
    profile: Headers,
    /// The profile's order of a fetch's fields ([`Profile::fetch_order`]); empty: as laid.
    order: Vec<Cow<'static, str>>,
}

impl FetchDefaults {
    /// The defaults of a client of `profile`, whose fetch headers with the client's over
    /// them are `headers`.
    pub(super) fn new(profile: &Profile, headers: Headers) -> FetchDefaults {
        FetchDefaults {
            headers,
            profile: profile.headers_for(Mode::Fetch).clone(),
            order: profile.fetch_order().to_vec(),
        }
    }

    /// True if the profile's order names `name`: for `Origin` and `Referer`, that the
    /// browser sends them and the client makes them.
    fn names(&self, name: &str) -> bool {
        self.order.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// True if `value` is the profile's own for `name` (not the caller's).
    fn is_profiles(&self, name: &[u8], value: &[u8]) -> bool {
        let name = std::str::from_utf8(name).unwrap_or_default();
        self.profile
            .get(name)
            .is_some_and(|v| v.as_bytes() == value)
    }

    /// Where a field goes in a fetch: its place in the order (of two places, the second if
    /// its value is the profile's, the first if the caller set it), else after every name
    /// the order lists.
    fn rank(&self, name: &[u8], value: &[u8]) -> usize {
        let mut places = self.order.iter().enumerate();
        let mut places = places
            .by_ref()
            .filter(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name));
        match (places.next(), places.next()) {
            (None, _) => self.order.len(),
            (Some((i, _)), None) => i,
            (Some((first, _)), Some((second, _))) => match self.is_profiles(name, value) {
                true => second,
                false => first,
            },
        }
    }
}

/// Where a fetch comes from, as [`Mode::Fetch`] says: a page at the root of `page`, the
/// origin of the URL the request was first made for.
struct Page {
    page: Origin,
    /// `Sec-Fetch-Site`: how `page` and the URL's origin relate.
    site: &'static [u8],
    /// Whether `Origin` goes: a method other than `GET` and `HEAD`, or another origin.
    origin: bool,
    /// Whether `Referer` goes: not from an `https` page to an `http` URL (Chrome's
    /// `strict-origin-when-cross-origin`).
    referer: bool,
}

impl Page {
    fn of(request: &Request) -> Page {
        let url: &Url = &request.url;
        let target = url.origin();
        let page = request.options.initiator().unwrap_or(&target).clone();
        let site: &'static [u8] = match (&page, &target) {
            _ if page == target => b"same-origin",
            (Origin::Tuple(s, h, _), Origin::Tuple(t, i, _)) if s == t && same_site(h, i) => {
                b"same-site"
            }
            _ => b"cross-site",
        };
        let simple = matches!(request.method, http::Method::GET | http::Method::HEAD);
        let downgrade =
            matches!(&page, Origin::Tuple(s, ..) if s == "https") && url.scheme() == "http";
        Page {
            origin: !simple || page != target,
            referer: page.is_tuple() && !downgrade,
            page,
            site,
        }
    }
}

/// True if hosts `a` and `b` are of one site: the same host or, with the `public-suffix`
/// feature, the same registrable domain (`www.example.com`, `api.example.com`).
fn same_site(a: &url::Host<String>, b: &url::Host<String>) -> bool {
    if a == b {
        return true;
    }
    #[cfg(feature = "public-suffix")]
    if let (url::Host::Domain(a), url::Host::Domain(b)) = (a, b) {
        return psl::domain_str(a).is_some_and(|d| psl::domain_str(b) == Some(d));
    }
    false
}

/// A request head encoded for the wire, with what the exchange needs to know of its fields.
pub(super) struct RequestHead {
    pub(super) bytes: Vec<u8>,
    pub(super) expect_continue: bool,
    pub(super) close_after: bool,
}

/// How a request reaches its origin, as far as its head is concerned.
#[derive(Clone, Copy)]
pub(super) enum Route<'a> {
    /// Straight there, or through a connector of the user's.
    Direct,
    /// To an HTTP proxy that forwards it (`http` URLs): absolute form, the proxy's
    /// credentials.
    Forward(&'a Via),
    /// Inside a tunnel (CONNECT or SOCKS): what the origin reads must not be the proxy's.
    Tunnel,
}

impl<'a> Route<'a> {
    /// The route through `via` (none: direct) to a URL of `scheme`.
    pub(super) fn of(via: Option<&'a Via>, scheme: Scheme) -> Route<'a> {
        match via {
            None => Route::Direct,
            Some(via) if via.forwards(scheme) => Route::Forward(via),
            Some(_) => Route::Tunnel,
        }
    }
}

impl Config {
    /// The head of `request`, for its `route`.
    pub(super) fn request_head(&self, request: &Request, route: Route<'_>) -> Result<RequestHead> {
        let mut scratch = Scratch::default();
        let fields = self.wire_fields(request, route, &mut scratch)?;
        let url = &request.url;
        let origin_form = &url[Position::BeforePath..Position::AfterQuery];
        // The absolute form leaves the userinfo and the fragment out, as the origin form does.
        let absolute_form;
        let target = match route {
            Route::Direct | Route::Tunnel => origin_form,
            Route::Forward(_) => {
                let authority = &url[Position::BeforeHost..Position::AfterPort];
                absolute_form = format!("{}://{authority}{origin_form}", url.scheme());
                &absolute_form
            }
        };
        let mut bytes = Vec::new();
        let version = request.version;
        h1::encode_fields(
            &request.method,
            target,
            version,
            fields.iter().copied(),
            &mut bytes,
        )
        .map_err(|e| Error::new(Kind::Header, e))?;
        // HTTP/1.0 has no `100 Continue`, and keeps a connection open only when asked to.
        let http10 = version == http::Version::HTTP_10;
        Ok(RequestHead {
            bytes,
            expect_continue: !http10
                && find(&fields, b"expect")
                    .is_some_and(|i| fields[i].1.eq_ignore_ascii_case(b"100-continue")),
            close_after: request_wants(&fields, b"close")
                || (http10 && !request_wants(&fields, b"keep-alive")),
        })
    }

    /// The mode `request` goes in: its own, else the one its fields (the request's over the
    /// client's) choose.
    fn mode_of(&self, request: &Request) -> Mode {
        request.options.mode.unwrap_or_else(|| {
            let field = |name| request.headers.get(name).or_else(|| self.headers.get(name));
            Mode::chosen(field("content-type"), field("accept"))
        })
    }

    /// The fields a request goes on the wire with, in order (what
    /// [`AsyncClient::wire_headers`] documents), borrowed; values made here are written into
    /// `scratch`.
    fn wire_fields<'a>(
        &'a self,
        request: &'a Request,
        route: Route<'_>,
        scratch: &'a mut Scratch,
    ) -> Result<Vec<Field<'a>>> {
        let (url, headers) = (&request.url, &request.headers);
        let mode = self.mode_of(request);
        let defaults = match mode {
            Mode::Navigate => self.headers.entries(),
            Mode::Fetch => self.fetch.headers.entries(),
        };
        let ours = headers.entries();
        let mut fields: Vec<Field<'a>> = Vec::with_capacity(defaults.len() + ours.len() + 3);
        crate::headers::layer(defaults, ours, |name, value| {
            fields.push((name, value.as_bytes()));
        });
        if request.cross_origin {
            // A redirect left the origin the credentials were set for: none of any layer go.
            fields.retain(|(name, _)| !is_request_credential(name));
        }
        let Scratch {
            length,
            authorization,
            origin,
            referer,
            proxy_authorization,
            cookie,
        } = scratch;
        if mode == Mode::Fetch {
            // The page fields the caller did not set (on the request or the client).
            let page = Page::of(request);
            if let Some(i) = find(&fields, b"sec-fetch-site") {
                if self.fetch.is_profiles(fields[i].0, fields[i].1) {
                    fields[i].1 = page.site;
                }
            }
            if page.origin && self.fetch.names("origin") && find(&fields, b"origin").is_none() {
                *origin = page.page.ascii_serialization();
                let origin: &'a String = origin;
                fields.push((b"Origin", origin.as_bytes()));
            }
            if page.referer && self.fetch.names("referer") && find(&fields, b"referer").is_none() {
                *referer = format!("{}/", page.page.ascii_serialization());
                let referer: &'a String = referer;
                fields.push((b"Referer", referer.as_bytes()));
            }
        }
        // The jar's cookies for this URL and the request's own, unless a header of any
        // layer sets `Cookie` itself.
        #[cfg(feature = "cookies")]
        let jar = self.cookies.as_ref().and_then(|jar| jar.cookie_header(url));
        #[cfg(not(feature = "cookies"))]
        let jar = None;
        // The request's own cookies are credentials for its origin: not past a redirect away.
        let own = match request.cross_origin {
            true => &[][..],
            false => request.options.cookies(),
        };
        if let Some(value) = cookie_value(jar, own) {
            if find(&fields, b"cookie").is_none() {
                *cookie = value;
                let cookie: &'a String = cookie;
                fields.push((b"Cookie", cookie.as_bytes()));
            }
        }
        let has_auth = self.auth.is_some() || request.options.auth().is_some();
        if (!url.username().is_empty() || url.password().is_some())
            && !has_auth
            && find(&fields, b"authorization").is_none()
        {
            *authorization = crate::auth::basic_from_url(url);
            let authorization: &'a String = authorization;
            fields.push((b"Authorization", authorization.as_bytes()));
        }
        match route {
            // Inside a tunnel the origin would read it: the proxy had the CONNECT's.
            Route::Tunnel => {
                fields.retain(|(n, _)| !n.eq_ignore_ascii_case(b"proxy-authorization"))
            }
            Route::Forward(via) => {
                if let Some(value) = via.basic_authorization() {
                    if find(&fields, b"proxy-authorization").is_none() {
                        *proxy_authorization = value;
                        let value: &'a String = proxy_authorization;
                        fields.push((b"Proxy-Authorization", value.as_bytes()));
                    }
                }
            }
            Route::Direct => {}
        }
        // `host[:port]`, the port only if not the scheme's default, IPv6 in brackets.
        let host = &url[Position::BeforeHost..Position::AfterPort];
        if host.bytes().any(|b| b < b' ' || b == 0x7f) {
            return Err(Error::new(Kind::Url, "host contains control characters"));
        }
        let body = match &request.body.kind {
            BodyKind::Empty => BodyFraming::None,
            BodyKind::Full(bytes) => BodyFraming::Length(bytes.len() as u64),
            BodyKind::Stream(_) => BodyFraming::Chunked,
            BodyKind::Sized(_, len) => BodyFraming::Length(*len),
        };
        h1::add_framing_fields(&mut fields, host.as_bytes(), &request.method, body, length);
        if mode == Mode::Fetch && !self.fetch.order.is_empty() {
            // Stable: the names the order does not list keep the order they were laid in.
            fields.sort_by_key(|(name, value)| self.fetch.rank(name, value));
        }
        if let Some(order) = &self.header_order {
            // Stable: fields of the same rank keep their order.
            fields.sort_by_key(|(name, _)| {
                order
                    .iter()
                    .position(|o| o.as_bytes().eq_ignore_ascii_case(name))
                    .unwrap_or(order.len())
            });
        }
        Ok(fields)
    }
}

/// The `Cookie` value of the jar's cookies (`jar`, `"a=1; b=2"`) and the request's own,
/// which replace the jar's of the same name; `None` if there are none.
fn cookie_value(jar: Option<String>, own: &[(String, String)]) -> Option<String> {
    if own.is_empty() {
        return jar;
    }
    let jar = jar.unwrap_or_default();
    let kept = jar.split("; ").filter(|pair| {
        let name = pair.split('=').next().unwrap_or_default();
        !pair.is_empty() && !own.iter().any(|(n, _)| n == name)
    });
    let own = own.iter().map(|(name, value)| format!("{name}={value}"));
    Some(
        kept.map(str::to_owned)
            .chain(own)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// True if a `Connection` field of the request names `option` (`close`, `keep-alive`).
fn request_wants(fields: &[Field<'_>], option: &[u8]) -> bool {
    fields
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(b"connection"))
        .any(|(_, v)| {
            v.split(|&b| b == b',')
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(option))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;
    use url::Url;

    /// `(Sec-Fetch-Site, Origin, Referer)` of a fetch of `url` by `method`, first made for
    /// `first` (None: `url`).
    fn page(method: Method, url: &str, first: Option<&str>) -> (String, Option<String>, bool) {
        let mut request = Request::new(method, Url::parse(url).unwrap());
        if let Some(first) = first {
            let origin = Url::parse(first).unwrap().origin();
            request.options.extra_mut().initiator = Some(origin);
        }
        let page = Page::of(&request);
        let origin = page.origin.then(|| page.page.ascii_serialization());
        (
            String::from_utf8(page.site.to_vec()).unwrap(),
            origin,
            page.referer,
        )
    }

    #[test]
    fn a_fetch_comes_from_its_first_origin() {
        let same =
            |site: &str, origin: Option<&str>| (site.to_owned(), origin.map(str::to_owned), true);
        let url = "https://www.example.com/api";
        assert_eq!(page(Method::GET, url, None), same("same-origin", None));
        assert_eq!(page(Method::HEAD, url, None), same("same-origin", None));
        let origin = Some("https://www.example.com");
        assert_eq!(page(Method::POST, url, None), same("same-origin", origin));
        assert_eq!(page(Method::DELETE, url, None), same("same-origin", origin));
        // After a redirect to another origin: that of the first URL.
        let first = Some("https://www.example.com/x");
        let other_port = "https://www.example.com:8443/";
        assert_eq!(
            page(Method::GET, other_port, first),
            same("same-site", origin)
        );
        let other_host = "https://other.test/";
        assert_eq!(
            page(Method::GET, other_host, first),
            same("cross-site", origin)
        );
        #[cfg(feature = "public-suffix")]
        assert_eq!(
            page(Method::GET, "https://api.example.com/", first),
            same("same-site", origin)
        );
        // Another scheme is another site; no `Referer` from https down to http.
        let down = page(Method::GET, "http://www.example.com/", first);
        assert_eq!(
            down,
            ("cross-site".to_owned(), origin.map(str::to_owned), false)
        );
        let up = page(
            Method::GET,
            "https://www.example.com/",
            Some("http://www.example.com/"),
        );
        assert_eq!(up, same("cross-site", Some("http://www.example.com")));
    }

    #[test]
    fn host_field_is_host_and_port_as_the_url_has_them() {
        for url in [
            "http://example.com/",
            "https://example.com:443/",
            "https://example.com:80/",
            "http://example.com:8080/a?b#c",
            "http://user:pw@EXAMPLE.com:0/",
            "http://[::1]/",
            "https://[2001:DB8::1]:8443/",
            "http://bücher.example/",
            "http://192.168.000.1:81/",
            "foo://opaque%41:99/x",
            "file:///etc/hosts",
            "data:text/plain,x",
            "mailto:a@b.c",
        ] {
            let url = Url::parse(url).unwrap();
            let host = url.host_str().unwrap_or_default();
            let formatted = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            };
            assert_eq!(
                &url[Position::BeforeHost..Position::AfterPort],
                formatted,
                "{url}"
            );
        }
    }
}
