//! [`CookieJar`]: cookies kept across requests as a browser keeps them (RFC 6265, through
//! the `cookie_store` crate: domain and path matching, host-only cookies, `Secure`,
//! `HttpOnly`, `Expires` and `Max-Age`).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cookie_store::CookieStore;
use url::Url;

use crate::headers::Headers;

/// A cookie jar. Every response the client receives, redirect hops included, stores its
/// `Set-Cookie` fields here; every request reads from it the cookies its URL should carry
/// (a request that sets its own `Cookie` header sends that instead). Cloning is cheap and
/// shares the jar, so one jar can serve several clients.
///
/// ```
/// use tls_requests::{AsyncClient, CookieJar, MockResponse, MockTransport, Url};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| match req.url.path() {
///     "/login" => MockResponse::new(302)
///         .header("Location", "/home")
///         .header("Set-Cookie", "session=abc; Path=/; HttpOnly"),
///     _ => MockResponse::new(200).body(
///         req.headers.get("cookie").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default(),
///     ),
/// });
/// let jar = CookieJar::new();
/// let client = AsyncClient::builder().connector(mock).cookie_jar(jar.clone()).build()?;
/// let home = client.post("https://example.com/login").await?;
/// assert_eq!(home.text().await?, "session=abc"); // set on the 302, sent after it
/// let url = Url::parse("https://example.com/").unwrap();
/// assert_eq!(jar.cookie_header(&url).as_deref(), Some("session=abc"));
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct CookieJar {
    store: Arc<Mutex<CookieStore>>,
    /// False until a cookie is first stored: a request to a client that never got one does
    /// not take the lock.
    used: Arc<AtomicBool>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> CookieJar {
        CookieJar::default()
    }

    fn lock(&self) -> MutexGuard<'_, CookieStore> {
        // Every change to the store is one call: a panic elsewhere cannot leave it half-made.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a cookie as a `Set-Cookie` value received from `url` would (`"name=value;
    /// Path=/; Secure"`). A value the rules refuse (a malformed one, a domain that is not
    /// `url`'s) is ignored, as a browser ignores it; the result says whether it was kept.
    pub fn add(&self, set_cookie: &str, url: &Url) -> bool {
        self.used.store(true, Ordering::Release);
        let Some(set_cookie) = admissible(set_cookie, url) else {
            return false;
        };
        self.lock().parse(&set_cookie, url).is_ok()
    }

    /// The `Cookie` header value a request to `url` carries now (`"a=1; b=2"`), or `None`
    /// if no cookie applies.
    pub fn cookie_header(&self, url: &Url) -> Option<String> {
        if !self.used.load(Ordering::Acquire) {
            return None;
        }
        let store = self.lock();
        let mut value = String::new();
        for (name, cookie) in store.get_request_values(url) {
            if !value.is_empty() {
                value.push_str("; ");
            }
            value.push_str(name);
            value.push('=');
            value.push_str(cookie);
        }
        (!value.is_empty()).then_some(value)
    }

    /// The value of the unexpired cookie `name` set for `domain` and `path`, if any.
    pub fn get(&self, domain: &str, path: &str, name: &str) -> Option<String> {
        let store = self.lock();
        store.get(domain, path, name).map(|c| c.value().to_owned())
    }

    /// Removes the cookie `name` of `domain` and `path`; true if there was one.
    pub fn remove(&self, domain: &str, path: &str, name: &str) -> bool {
        self.lock().remove(domain, path, name).is_some()
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The number of unexpired cookies.
    pub fn len(&self) -> usize {
        self.lock().iter_unexpired().count()
    }

    /// True if the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The unexpired cookies, each with what the file formats record.
    fn saved(&self) -> Vec<Saved> {
        let store = self.lock();
        let cookies = store.iter_unexpired().filter_map(|c| {
            let (host, subdomains) = match &c.domain {
                cookie_store::CookieDomain::Suffix(d) => (d.clone(), true),
                cookie_store::CookieDomain::HostOnly(d) => (d.clone(), false),
                _ => return None,
            };
            let expires = match c.expires {
                cookie_store::CookieExpiration::AtUtc(at) => Some(at.unix_timestamp().max(1)),
                cookie_store::CookieExpiration::SessionEnd => None,
            };
            let same_site = c.same_site().map(|s| s.to_string());
            Some(Saved {
                host,
                subdomains,
                path: String::from(c.path.as_ref()),
                secure: c.secure() == Some(true),
                http_only: c.http_only() == Some(true),
                expires: expires.map(|at| at as u64),
                same_site,
                name: c.name().to_owned(),
                value: c.value().to_owned(),
            })
        });
        cookies.collect()
    }

    /// Adds `cookie` as loaded from a file, unless it has expired; true if it was kept.
    fn load(&self, cookie: &Saved, now: u64) -> bool {
        if cookie.expires.is_some_and(|at| at <= now) {
            return false;
        }
        let Saved {
            host, path, name, ..
        } = cookie;
        // Fields from a file: none may add attributes of its own or change the URL's host.
        let unsafe_char = |s: &str| s.contains([';', '\r', '\n', '\0']);
        let fields = [host, path, name, &cookie.value];
        let same_site = cookie.same_site.as_deref().unwrap_or_default();
        if fields.iter().any(|f| unsafe_char(f)) || unsafe_char(same_site) || !path.starts_with('/')
        {
            return false;
        }
        if host.contains(['/', '?', '#', '@', ' ']) {
            return false;
        }
        let scheme = if cookie.secure { "https" } else { "http" };
        let Ok(url) = Url::parse(&format!("{scheme}://{host}{path}")) else {
            return false;
        };
        let mut set_cookie = format!("{name}={}; Path={path}", cookie.value);
        if cookie.subdomains {
            set_cookie.push_str(&format!("; Domain={host}"));
        }
        if let Some(at) = cookie.expires {
            set_cookie.push_str(&format!("; Max-Age={}", at - now));
        }
        if cookie.secure {
            set_cookie.push_str("; Secure");
        }
        if cookie.http_only {
            set_cookie.push_str("; HttpOnly");
        }
        if let Some(same_site) = &cookie.same_site {
            set_cookie.push_str(&format!("; SameSite={same_site}"));
        }
        self.add(&set_cookie, &url)
    }

    /// The unexpired cookies in the Netscape `cookies.txt` format that curl reads and
    /// writes (`-b FILE`, `-c FILE`): one line each, tab-separated domain (with a leading
    /// dot and `TRUE` when it covers subdomains; `#HttpOnly_` before it for HttpOnly
    /// cookies), path, secure, expiry in Unix seconds (0 for session cookies), name, value.
    pub fn to_netscape(&self) -> String {
        let mut out = String::from("# Netscape HTTP Cookie File\n");
        for c in self.saved() {
            let http_only = if c.http_only { "#HttpOnly_" } else { "" };
            let (dot, subdomains) = if c.subdomains {
                (".", "TRUE")
            } else {
                ("", "FALSE")
            };
            let secure = if c.secure { "TRUE" } else { "FALSE" };
            let Saved {
                host,
                path,
                name,
                value,
                ..
            } = &c;
            let expires = c.expires.unwrap_or(0);
            out.push_str(&format!(
                "{http_only}{dot}{host}\t{subdomains}\t{path}\t{secure}\t{expires}\t{name}\t{value}\n"
            ));
        }
        out
    }

    /// Adds the cookies of a Netscape `cookies.txt` text (see
    /// [`to_netscape`](Self::to_netscape)); comment, blank and malformed lines are skipped,
    /// and so are cookies already expired. Returns how many were added.
    pub fn add_netscape(&self, text: &str) -> usize {
        let now = unix_now();
        let mut added = 0;
        for line in text.lines() {
            let (line, http_only) = match line.strip_prefix("#HttpOnly_") {
                Some(rest) => (rest, true),
                None if line.starts_with('#') => continue,
                None => (line, false),
            };
            let fields: Vec<&str> = line.split('\t').collect();
            let [domain, subdomains, path, secure, expires, name, value] = fields[..] else {
                continue;
            };
            let Ok(expires) = expires.parse::<u64>() else {
                continue;
            };
            let cookie = Saved {
                host: domain.trim_start_matches('.').to_owned(),
                subdomains: subdomains.eq_ignore_ascii_case("TRUE"),
                path: path.to_owned(),
                secure: secure.eq_ignore_ascii_case("TRUE"),
                http_only,
                expires: (expires != 0).then_some(expires),
                same_site: None,
                name: name.to_owned(),
                value: value.to_owned(),
            };
            added += usize::from(self.load(&cookie, now));
        }
        added
    }

    /// The unexpired cookies as JSON, in the form browser automation tools (Playwright's
    /// `storageState`, Puppeteer's `page.cookies()`) read and write: an array of objects
    /// with `name`, `value`, `domain` (with a leading dot when it covers subdomains),
    /// `path`, `expires` (Unix seconds, `-1` for a session cookie), `httpOnly`, `secure`
    /// and, when set, `sameSite` (`"Strict"`, `"Lax"` or `"None"`).
    #[cfg(feature = "json")]
    pub fn to_json(&self) -> String {
        use serde_json::{Value, json};
        let cookies: Vec<Value> = self
            .saved()
            .into_iter()
            .map(|c| {
                let dot = if c.subdomains { "." } else { "" };
                let mut cookie = json!({
                    "name": c.name,
                    "value": c.value,
                    "domain": format!("{dot}{}", c.host),
                    "path": c.path,
                    "expires": c.expires.map_or(-1, |at| at as i64),
                    "httpOnly": c.http_only,
                    "secure": c.secure,
                });
                if let Some(same_site) = c.same_site {
                    cookie["sameSite"] = Value::String(same_site);
                }
                cookie
            })
            .collect();
        Value::Array(cookies).to_string()
    }

    /// Adds the cookies of a JSON array as [`to_json`](Self::to_json) writes it (or a
    /// Playwright `storageState` object, whose `cookies` it reads); objects without a name,
    /// value and domain are skipped, and so are cookies already expired. Returns how many
    /// were added; text that is not such JSON is an error of kind [`Kind::Builder`].
    ///
    /// [`Kind::Builder`]: crate::Kind::Builder
    #[cfg(feature = "json")]
    pub fn add_json(&self, text: &str) -> crate::Result<usize> {
        use serde_json::Value;
        let bad =
            |why: &str| crate::Error::new(crate::Kind::Builder, format!("cookie JSON: {why}"));
        let parsed: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        let list = match &parsed {
            Value::Array(list) => list,
            Value::Object(state) => match state.get("cookies") {
                Some(Value::Array(list)) => list,
                _ => return Err(bad("an object without a \"cookies\" array")),
            },
            _ => return Err(bad("neither an array nor an object")),
        };
        let now = unix_now();
        let text = |c: &Value, key: &str| c.get(key).and_then(Value::as_str).map(str::to_owned);
        let flag = |c: &Value, key: &str| c.get(key).and_then(Value::as_bool) == Some(true);
        let mut added = 0;
        for c in list {
            let (Some(name), Some(value), Some(domain)) =
                (text(c, "name"), text(c, "value"), text(c, "domain"))
            else {
                continue;
            };
            let expires = c.get("expires").and_then(Value::as_f64).unwrap_or(-1.0);
            let cookie = Saved {
                host: domain.trim_start_matches('.').to_owned(),
                subdomains: domain.starts_with('.'),
                path: text(c, "path").unwrap_or_else(|| "/".to_owned()),
                secure: flag(c, "secure"),
                http_only: flag(c, "httpOnly"),
                expires: (expires > 0.0).then_some(expires as u64),
                same_site: text(c, "sameSite"),
                name,
                value,
            };
            added += usize::from(self.load(&cookie, now));
        }
        Ok(added)
    }

    /// Stores every `Set-Cookie` field of a response from `url`; malformed ones are skipped.
    pub(crate) fn store_response(&self, url: &Url, headers: &Headers) {
        let mut fields = headers.get_all("set-cookie").peekable();
        if fields.peek().is_none() {
            return;
        }
        self.used.store(true, Ordering::Release);
        let mut store = self.lock();
        for value in fields {
            if let Some(value) = value.to_str().ok().and_then(|v| admissible(v, url)) {
                let _ = store.parse(&value, url);
            }
        }
    }
}

/// `set_cookie` as the jar may take it from `url`: `None` when its `Domain` is a public
/// suffix (`com`, `co.uk`, `github.io`) other than the host itself, which would send it to
/// every site under that suffix; such a `Domain` that is the host itself is dropped, so the
/// cookie is the host's alone (RFC 6265, section 5.3, step 5). Without the `public-suffix`
/// feature, every value passes.
fn admissible<'a>(set_cookie: &'a str, url: &Url) -> Option<std::borrow::Cow<'a, str>> {
    #[cfg(feature = "public-suffix")]
    {
        let host = match url.host() {
            Some(url::Host::Domain(host)) => host,
            _ => return Some(set_cookie.into()),
        };
        let is_domain = |attr: &str| {
            let name = attr.split('=').next().unwrap_or_default();
            name.trim().eq_ignore_ascii_case("domain")
        };
        // The last `Domain` counts (RFC 6265, section 5.3, step 4).
        let Some(attr) = set_cookie
            .split(';')
            .skip(1)
            .filter(|a| is_domain(a))
            .last()
        else {
            return Some(set_cookie.into());
        };
        let domain = attr.split_once('=').map_or("", |(_, d)| d.trim());
        let domain = domain.trim_start_matches('.').to_ascii_lowercase();
        if domain.is_empty() || psl::suffix_str(&domain) != Some(domain.as_str()) {
            return Some(set_cookie.into());
        }
        if !domain.eq_ignore_ascii_case(host) {
            return None;
        }
        let mut parts = set_cookie.split(';');
        let pair = parts.next().unwrap_or_default();
        let kept: Vec<&str> = [pair]
            .into_iter()
            .chain(parts.filter(|a| !is_domain(a)))
            .collect();
        Some(kept.join(";").into())
    }
    #[cfg(not(feature = "public-suffix"))]
    {
        let _ = url;
        Some(set_cookie.into())
    }
}

/// A cookie as the file formats record it.
struct Saved {
    host: String,
    /// Sent to the host's subdomains too (a `Domain` cookie), not to the host alone.
    subdomains: bool,
    path: String,
    secure: bool,
    http_only: bool,
    /// Unix seconds; `None` for a session cookie.
    expires: Option<u64>,
    same_site: Option<String>,
    name: String,
    value: String,
}

fn unix_now() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| d.as_secs())
}

impl fmt::Debug for CookieJar {
    /// The number of cookies, never their values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("cookies", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn cookies_follow_domain_path_and_secure() {
        let jar = CookieJar::new();
        let site = url("https://shop.example.com/account/login");
        assert!(jar.add("a=1; Path=/", &site));
        assert!(jar.add("b=2; Path=/account", &site));
        assert!(jar.add("s=3; Path=/; Secure", &site));
        assert!(jar.add("d=4; Domain=example.com; Path=/", &site));
        assert!(
            !jar.add("evil=1; Domain=other.com", &site),
            "another site's domain"
        );
        assert!(!jar.add("no equals sign", &site));
        let header = |u: &str| jar.cookie_header(&url(u));
        assert_eq!(
            header("https://shop.example.com/account/x")
                .as_deref()
                .map(sorted),
            Some(sorted("a=1; b=2; s=3; d=4"))
        );
        assert_eq!(
            header("http://shop.example.com/").as_deref().map(sorted),
            Some(sorted("a=1; d=4")),
            "Secure stays on https"
        );
        assert_eq!(
            header("https://www.example.com/").as_deref(),
            Some("d=4"),
            "host-only vs domain"
        );
        assert_eq!(header("https://other.com/"), None);
        assert_eq!(
            jar.get("shop.example.com", "/account", "b").as_deref(),
            Some("2")
        );
        assert!(jar.remove("shop.example.com", "/account", "b"));
        assert_eq!(jar.len(), 3);
        assert!(format!("{jar:?}").contains("cookies: 3") && !format!("{jar:?}").contains('='));
    }

    #[test]
    fn max_age_zero_deletes_and_ip_hosts_work() {
        let jar = CookieJar::new();
        let ip = url("http://127.0.0.1:8080/");
        assert!(jar.add("id=1", &ip));
        assert_eq!(jar.cookie_header(&ip).as_deref(), Some("id=1"));
        let mut headers = Headers::new();
        headers
            .append("Set-Cookie", "id=1; Max-Age=0".parse().unwrap())
            .unwrap();
        jar.store_response(&ip, &headers);
        assert_eq!(jar.cookie_header(&ip), None);
    }

    #[test]
    fn netscape_files_round_trip() {
        let jar = CookieJar::new();
        let site = url("https://shop.example.com/");
        jar.add("a=1; Path=/", &site);
        jar.add(
            "d=4; Domain=example.com; Path=/cart; Secure; HttpOnly; Max-Age=3600",
            &site,
        );
        let text = jar.to_netscape();
        let mut lines: Vec<&str> = text.lines().skip(1).collect();
        lines.sort();
        let fields: Vec<&str> = lines[0].split('\t').collect();
        assert_eq!(
            [
                fields[0], fields[1], fields[2], fields[3], fields[5], fields[6]
            ],
            ["#HttpOnly_.example.com", "TRUE", "/cart", "TRUE", "d", "4"]
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let expires: u64 = fields[4].parse().unwrap();
        assert!(
            (now + 3500..=now + 3600).contains(&expires),
            "{expires} vs {now}"
        );
        assert_eq!(lines[1], "shop.example.com\tFALSE\t/\tFALSE\t0\ta\t1");

        let copy = CookieJar::new();
        let junk = "# comment\n\nnot a cookie line\nold.example.com\tFALSE\t/\tFALSE\t1\tgone\t1\n";
        assert_eq!(
            copy.add_netscape(&(text.clone() + junk)),
            2,
            "the expired one is not added"
        );
        assert_eq!(copy.to_netscape().lines().count(), text.lines().count());
        let cart = url("https://www.example.com/cart/x");
        assert_eq!(copy.cookie_header(&cart).as_deref(), Some("d=4"));
        assert_eq!(
            copy.cookie_header(&url("https://shop.example.com/"))
                .as_deref(),
            Some("a=1")
        );
    }

    #[cfg(feature = "public-suffix")]
    #[test]
    fn a_domain_that_is_a_public_suffix_is_refused() {
        let jar = CookieJar::new();
        let shop = url("https://shop.example.co.uk/");
        for refused in [
            "a=1; Domain=co.uk",
            "a=1; Domain=.CO.UK; Path=/",
            "a=1; Domain=uk",
            "a=1; Domain=example.co.uk; Domain=co.uk",
        ] {
            assert!(!jar.add(refused, &shop), "{refused}");
        }
        assert!(jar.add("ok=1; Domain=example.co.uk", &shop));
        assert!(!jar.add("pages=1; Domain=github.io", &url("https://me.github.io/")));
        // The suffix itself may set a cookie, for itself alone.
        let suffix = url("https://github.io/");
        assert!(jar.add("own=1; Domain=github.io; Path=/", &suffix));
        assert_eq!(jar.cookie_header(&suffix).as_deref(), Some("own=1"));
        assert_eq!(jar.cookie_header(&url("https://me.github.io/")), None);
        let mut headers = Headers::new();
        let tossed = HeaderValue::from_static("toss=1; Domain=co.uk; Path=/");
        headers.append("Set-Cookie", tossed).unwrap();
        jar.store_response(&shop, &headers);
        assert_eq!(
            jar.cookie_header(&url("https://other.co.uk/")),
            None,
            "a response cannot toss a cookie onto every site"
        );
        assert_eq!(jar.len(), 2);
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_round_trips_and_reads_playwright_state() {
        let jar = CookieJar::new();
        let site = url("https://shop.example.com/");
        jar.add("a=1; Path=/; SameSite=Lax", &site);
        jar.add(
            "d=4; Domain=example.com; Path=/cart; Secure; HttpOnly; Max-Age=3600; SameSite=None",
            &site,
        );
        let text = jar.to_json();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut list = parsed.as_array().unwrap().clone();
        list.sort_by_key(|c| c["name"].as_str().unwrap().to_owned());
        assert_eq!(
            list[0],
            serde_json::json!({"name": "a", "value": "1", "domain": "shop.example.com",
                "path": "/", "expires": -1, "httpOnly": false, "secure": false, "sameSite": "Lax"})
        );
        assert_eq!(list[1]["domain"], ".example.com");
        assert_eq!(
            (list[1]["httpOnly"].as_bool(), list[1]["secure"].as_bool()),
            (Some(true), Some(true))
        );
        assert_eq!(list[1]["sameSite"], "None");
        let now = unix_now() as f64;
        let expires = list[1]["expires"].as_f64().unwrap();
        assert!(
            (now + 3500.0..=now + 3600.0).contains(&expires),
            "{expires}"
        );

        let copy = CookieJar::new();
        assert_eq!(copy.add_json(&text).unwrap(), 2);
        // The same cookies, an expiry a second off at most (it travels as Max-Age).
        let fields = |j: &CookieJar| {
            let mut all: Vec<_> = j
                .saved()
                .into_iter()
                .map(|c| {
                    (
                        c.name,
                        c.value,
                        c.host,
                        c.subdomains,
                        c.path,
                        c.secure,
                        c.http_only,
                        c.same_site,
                        c.expires.is_some(),
                    )
                })
                .collect();
            all.sort();
            all
        };
        assert_eq!(fields(&copy), fields(&jar));
        let expiry = |j: &CookieJar| j.saved().iter().find_map(|c| c.expires).unwrap();
        assert!(expiry(&copy).abs_diff(expiry(&jar)) <= 1);

        // Playwright's storageState: fractional expiry, an expired and a nameless cookie.
        let state = r#"{"cookies": [
            {"name": "sid", "value": "x", "domain": "app.example.org", "path": "/",
             "expires": 4102444800.5, "httpOnly": true, "secure": true, "sameSite": "Strict"},
            {"name": "old", "value": "y", "domain": "app.example.org", "path": "/", "expires": 1},
            {"value": "no name", "domain": "app.example.org"}
        ], "origins": []}"#;
        let loaded = CookieJar::new();
        assert_eq!(loaded.add_json(state).unwrap(), 1);
        let app = url("https://app.example.org/");
        assert_eq!(loaded.cookie_header(&app).as_deref(), Some("sid=x"));
        for bad in ["", "{", "42", r#"{"origins": []}"#] {
            let err = loaded.add_json(bad).unwrap_err();
            assert_eq!(err.kind(), crate::Kind::Builder, "{bad:?}");
        }
    }

    #[test]
    fn a_cookie_file_cannot_smuggle_attributes_or_hosts() {
        let jar = CookieJar::new();
        let lines = [
            "example.com\tFALSE\t/\tFALSE\t0\ta\t1; Domain=com",
            "example.com\tFALSE\tx\tFALSE\t0\tb\t2",
            "evil.com/x\tFALSE\t/\tFALSE\t0\tc\t3",
            "example.com\tFALSE\t/\tFALSE\t0\tok\t4",
        ];
        assert_eq!(jar.add_netscape(&lines.join("\n")), 1);
        assert_eq!(
            jar.cookie_header(&url("http://example.com/")).as_deref(),
            Some("ok=4")
        );
    }

    fn sorted(s: &str) -> Vec<String> {
        let mut parts: Vec<String> = s.split("; ").map(str::to_owned).collect();
        parts.sort();
        parts
    }
}
