//! Proxies: [`Proxy`] (which one, for which URLs, with which credentials), the [`Via`] a
//! [`Destination`] carries so that connections through different proxies are pooled apart,
//! and [`Proxied`], the connector layer under TLS that opens the way through one: an HTTP
//! `CONNECT` tunnel (`connect.rs`), a SOCKS5 or SOCKS4a handshake (`socks.rs`), or, for
//! `http` URLs through an HTTP proxy, the plain connection to the proxy, to which requests
//! go in absolute form.

mod connect;
mod socks;

use std::fmt;
use std::sync::{Arc, OnceLock};

use url::Url;

use super::{Connected, Connector, Destination, Resolve, Scheme, TlsConnector, TlsOptions};
use crate::error::{BoxError, Error, Kind, Result, printable};
use crate::profile::TlsSpec;
use crate::rt::BoxFuture;

/// A proxy, and the URLs it is used for.
///
/// Schemes: `http://` (an HTTP proxy: `http` URLs are sent to it in absolute form, `https`
/// ones through a `CONNECT` tunnel), `https://` (the same, over TLS to the proxy, with the
/// profile's hello and the client's trust settings; the origin's TLS then runs inside), `socks5://` (names resolved here), `socks5h://` (names
/// resolved by the proxy) and `socks4a://` (names resolved by the proxy). Credentials in the
/// proxy URL (`http://user:pa%40ss@host:port`, %-decoded) become Basic
/// `Proxy-Authorization` for an HTTP proxy, or SOCKS5 username/password (the user id for
/// SOCKS4a). The browser profile's TLS hello and headers go to the origin; the proxy sees
/// only the `CONNECT` request (`Host`, `Proxy-Connection`, the profile's `User-Agent`, and
/// `Proxy-Authorization` when given), in Chrome's order.
///
/// ```
/// use tls_requests::{AsyncClient, Proxy};
/// let client = AsyncClient::builder()
///     .proxy(Proxy::all("socks5h://user:secret@127.0.0.1:1080")?.no_proxy("localhost, .internal"))
///     .build()?;
/// # drop(client);
/// # Ok::<(), tls_requests::Error>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct Proxy {
    via: Arc<Via>,
    applies: Applies,
    no_proxy: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    All,
    Http,
    Https,
}

/// Where a connection goes through: a proxy's protocol, address and credentials. Part of a
/// [`Destination`], so that connections through different proxies, or with different
/// credentials, are never shared.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Via {
    pub(crate) protocol: ProxyProtocol,
    host: Arc<str>,
    port: u16,
    auth: Option<(String, String)>,
}

/// What a proxy speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ProxyProtocol {
    /// HTTP; `tls` for an `https://` proxy, spoken to over TLS.
    Http {
        tls: bool,
    },
    /// SOCKS5; `remote_dns` for `socks5h`, where the proxy resolves the name.
    Socks5 {
        remote_dns: bool,
    },
    Socks4a,
}

impl Proxy {
    /// A proxy for every URL.
    pub fn all(url: &str) -> Result<Proxy> {
        Proxy::parse(url, Applies::All)
    }

    /// A proxy for `http` URLs only.
    pub fn http(url: &str) -> Result<Proxy> {
        Proxy::parse(url, Applies::Http)
    }

    /// A proxy for `https` URLs only.
    pub fn https(url: &str) -> Result<Proxy> {
        Proxy::parse(url, Applies::Https)
    }

    fn parse(input: &str, applies: Applies) -> Result<Proxy> {
        let bad = |why: String| Error::new(Kind::Builder, format!("proxy {why}"));
        let with_scheme = if input.contains("://") {
            input.to_owned()
        } else {
            format!("http://{input}")
        };
        let url = Url::parse(&with_scheme)
            .map_err(|e| bad(format!("{:?}: {e}", crate::error::printable_input(input))))?;
        let protocol = match url.scheme() {
            "http" => ProxyProtocol::Http { tls: false },
            "https" => ProxyProtocol::Http { tls: true },
            "socks5" => ProxyProtocol::Socks5 { remote_dns: false },
            "socks5h" => ProxyProtocol::Socks5 { remote_dns: true },
            "socks4a" => ProxyProtocol::Socks4a,
            other => {
                return Err(bad(format!(
                    "{}: unsupported scheme {other:?} (http, https, socks5, socks5h, socks4a)",
                    printable(&url)
                )));
            }
        };
        let default_port = match protocol {
            ProxyProtocol::Http { tls: false } => 80,
            ProxyProtocol::Http { tls: true } => 443,
            _ => 1080,
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(_) => url.host_str().unwrap_or_default().to_owned(),
            None => return Err(bad(format!("{}: no host", printable(&url)))),
        };
        if host.is_empty() {
            return Err(bad(format!("{}: no host", printable(&url))));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let auth = (!url.username().is_empty())
            .then(|| (decode(url.username()), decode(url.password().unwrap_or(""))));
        Ok(Proxy {
            via: Arc::new(Via {
                protocol,
                host: host.into(),
                port: url.port().unwrap_or(default_port),
                auth,
            }),
            applies,
            no_proxy: Vec::new(),
        })
    }

    /// Sets the credentials, replacing any in the URL.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Proxy {
        Arc::make_mut(&mut self.via).auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Hosts not to use the proxy for, as curl's `--noproxy` and the `NO_PROXY` variable
    /// list them, separated by commas or spaces: `*` (none at all), a domain (itself and its
    /// subdomains; a leading dot is the same), an IP address, or a CIDR range
    /// (`10.0.0.0/8`, `::1/128`).
    pub fn no_proxy(mut self, list: &str) -> Proxy {
        let entries = list
            .split([',', ' '])
            .map(str::trim)
            .filter(|e| !e.is_empty());
        self.no_proxy
            .extend(entries.map(|e| e.trim_start_matches('.').to_ascii_lowercase()));
        self
    }

    /// The proxies the environment names, as curl and Python read it: `http_proxy`,
    /// `https_proxy` and `all_proxy` (each also upper case, the lower case one first),
    /// with `no_proxy` (or `NO_PROXY`) applied to each. Empty values are unset.
    pub(crate) fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Vec<Proxy>> {
        // Under CGI, `HTTP_PROXY` is the client's `Proxy:` header (httpoxy): not ours.
        let cgi = var("REQUEST_METHOD").is_some();
        let get = |name: &str| {
            let upper = match (name, cgi) {
                ("http_proxy", true) => None,
                _ => var(&name.to_ascii_uppercase()),
            };
            let value = var(name).or(upper);
            value.filter(|v| !v.trim().is_empty())
        };
        let no_proxy = get("no_proxy").unwrap_or_default();
        let mut proxies = Vec::new();
        for (name, applies) in [
            ("http_proxy", Applies::Http),
            ("https_proxy", Applies::Https),
            ("all_proxy", Applies::All),
        ] {
            if let Some(url) = get(name) {
                let proxy = Proxy::parse(url.trim(), applies)
                    .map_err(|e| Error::new(Kind::Builder, format!("${name}: {e}")))?;
                proxies.push(proxy.no_proxy(&no_proxy));
            }
        }
        Ok(proxies)
    }

    /// The way to `url` if this proxy is for it.
    pub(crate) fn for_url(&self, url: &Url) -> Option<&Arc<Via>> {
        let scheme_fits = match (self.applies, url.scheme()) {
            (Applies::All, _) => true,
            (Applies::Http, scheme) => scheme == "http",
            (Applies::Https, scheme) => scheme == "https",
        };
        if !scheme_fits {
            return None;
        }
        if self.no_proxy.is_empty() {
            return Some(&self.via);
        }
        let host = match url.host()? {
            url::Host::Ipv6(ip) => ip.to_string(),
            _ => url.host_str()?.to_ascii_lowercase(),
        };
        let bypassed = self
            .no_proxy
            .iter()
            .any(|entry| no_proxy_matches(entry, &host));
        (!bypassed).then_some(&self.via)
    }
}

/// Whether the `NO_PROXY` entry `entry` (lower case, no leading dot) covers `host`.
fn no_proxy_matches(entry: &str, host: &str) -> bool {
    if entry == "*" {
        return true;
    }
    if let Some((net, bits)) = entry.split_once('/') {
        let (Ok(net), Ok(bits), Ok(ip)) = (
            net.parse::<std::net::IpAddr>(),
            bits.parse::<u32>(),
            host.parse::<std::net::IpAddr>(),
        ) else {
            return false;
        };
        return in_cidr(ip, net, bits);
    }
    let entry = entry.trim_start_matches('[').trim_end_matches(']');
    host == entry
        || host
            .strip_suffix(entry)
            .is_some_and(|rest| rest.ends_with('.'))
}

fn in_cidr(ip: std::net::IpAddr, net: std::net::IpAddr, bits: u32) -> bool {
    use std::net::IpAddr::{V4, V6};
    let (ip, net, width) = match (ip, net) {
        (V4(ip), V4(net)) => (u128::from(ip.to_bits()), u128::from(net.to_bits()), 32),
        (V6(ip), V6(net)) => (ip.to_bits(), net.to_bits(), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = width - bits;
    bits == 0 || (ip >> shift) == (net >> shift)
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("via", &self.via)
            .field("no_proxy", &self.no_proxy)
            .finish_non_exhaustive()
    }
}

impl Via {
    /// The destination of the proxy itself.
    fn proxy_destination(&self) -> Destination {
        let tls = self.protocol == ProxyProtocol::Http { tls: true };
        Destination {
            scheme: if tls { Scheme::Https } else { Scheme::Http },
            host: self.host.clone(),
            port: self.port,
            via: None,
        }
    }

    /// `Basic ...` for `Proxy-Authorization`, if there are credentials.
    pub(crate) fn basic_authorization(&self) -> Option<String> {
        let (user, password) = self.auth.as_ref()?;
        Some(crate::credentials::basic(
            user.as_bytes(),
            password.as_bytes(),
        ))
    }

    /// True when requests go to the proxy itself, in absolute form, rather than through a
    /// tunnel: `http` URLs through an HTTP proxy.
    pub(crate) fn forwards(&self, dst_scheme: Scheme) -> bool {
        matches!(self.protocol, ProxyProtocol::Http { .. }) && dst_scheme == Scheme::Http
    }
}

impl fmt::Debug for Via {
    /// The proxy's address and protocol; of the credentials only that there are some.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} proxy {}", self.protocol, self.proxy_destination())?;
        if self.auth.is_some() {
            f.write_str(" (with credentials)")?;
        }
        Ok(())
    }
}

/// The connector layer that goes through a destination's proxy, if it has one, over
/// streams from `inner`; without a proxy it is `inner`.
pub(crate) struct Proxied {
    pub(crate) inner: Arc<dyn Connector>,
    /// The hello to `https://` proxies: the profile's, as the browser's to its proxy.
    pub(crate) tls_spec: TlsSpec,
    pub(crate) tls_options: TlsOptions,
    /// TLS over `inner` to `https://` proxies, made when the first one is used.
    pub(crate) tls: OnceLock<Box<dyn Connector>>,
    /// For SOCKS5 with names resolved here.
    pub(crate) resolver: Arc<dyn Resolve>,
    /// The profile's, for the `CONNECT` request.
    pub(crate) user_agent: Option<http::HeaderValue>,
}

impl Proxied {
    /// The connector to `https://` proxies.
    fn tls(&self) -> Result<&dyn Connector> {
        if let Some(made) = self.tls.get() {
            return Ok(&**made);
        }
        let made = TlsConnector::new(self.inner.clone(), &self.tls_spec, &self.tls_options)?;
        Ok(&**self.tls.get_or_init(|| Box::new(made)))
    }
}

impl Connector for Proxied {
    fn connect<'a>(&'a self, dst: &'a Destination) -> BoxFuture<'a, Result<Connected, BoxError>> {
        let Some(via) = &dst.via else {
            return self.inner.connect(dst);
        };
        Box::pin(async move {
            let to_proxy = via.proxy_destination();
            let connector = match to_proxy.is_https() {
                true => self.tls()?,
                false => &*self.inner,
            };
            let connected = connector.connect(&to_proxy).await.map_err(|e| {
                let e = Error::from_connector(e);
                Error::new(e.kind(), format!("proxy {to_proxy} unreachable: {e}"))
            })?;
            if via.forwards(dst.scheme) {
                return Ok(connected);
            }
            // A tunnel's peer is the proxy, as reqwest reports it.
            let proxy_addr = connected.remote_addr();
            let mut io = connected.into_io();
            match via.protocol {
                ProxyProtocol::Http { .. } => {
                    let auth = via.basic_authorization();
                    let ua = self.user_agent.as_ref();
                    let tunnel = connect::tunnel(io, dst, auth.as_deref(), ua).await?;
                    return Ok(tunnel.with_remote_addr_of(proxy_addr));
                }
                ProxyProtocol::Socks5 { remote_dns } => {
                    let target = socks::Target::of(dst, remote_dns, Some(&*self.resolver)).await?;
                    socks::socks5(&mut io, &target, via.auth.as_ref()).await?;
                }
                ProxyProtocol::Socks4a => {
                    let user = via.auth.as_ref().map_or("", |(user, _)| user.as_str());
                    socks::socks4a(&mut io, dst, user).await?;
                }
            }
            Ok(Connected::new(io).with_remote_addr_of(proxy_addr))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn proxy_urls_parse_with_their_credentials_and_ports() {
        let p = Proxy::all("http://us%40er:p%3Ass@proxy.example:3128").unwrap();
        assert_eq!(p.via.auth, Some(("us@er".into(), "p:ss".into())));
        assert_eq!((&*p.via.host, p.via.port), ("proxy.example", 3128));
        let bare = Proxy::all("10.0.0.1").unwrap();
        assert_eq!(
            (bare.via.protocol, bare.via.port),
            (ProxyProtocol::Http { tls: false }, 80)
        );
        let secure = Proxy::all("https://proxy.example").unwrap();
        assert_eq!(secure.via.port, 443);
        let to_proxy = secure.via.proxy_destination().to_string();
        assert_eq!(to_proxy, "https://proxy.example:443");
        let socks = Proxy::all("socks5h://[::1]").unwrap();
        assert_eq!(
            socks.via.protocol,
            ProxyProtocol::Socks5 { remote_dns: true }
        );
        assert_eq!((&*socks.via.host, socks.via.port), ("::1", 1080));
        for bad in ["ftp://x:1", "http://", "socks5://:1"] {
            let err = Proxy::all(bad).unwrap_err();
            assert_eq!(err.kind(), Kind::Builder, "{bad}: {err}");
        }
        let secret = Proxy::all("http://u:topsecret@h:1").unwrap();
        let printed = format!("{secret:?}");
        assert!(
            !printed.contains("topsecret") && printed.contains("credentials"),
            "{printed}"
        );
        let err = Proxy::all("ftp://u:topsecret@h:1").unwrap_err();
        assert!(!err.to_string().contains("topsecret"), "{err}");
    }

    #[test]
    fn the_environment_names_proxies_per_scheme_lower_case_first() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let proxies = Proxy::from_env(env(&[
            ("http_proxy", "http://lower:3128"),
            ("HTTP_PROXY", "http://upper:3128"),
            ("HTTPS_PROXY", "socks5h://secure:1080"),
            ("all_proxy", ""),
            ("NO_PROXY", "internal.example,10.0.0.0/8"),
        ]))
        .unwrap();
        assert_eq!(proxies.len(), 2);
        let via = |u: &str| {
            let url = url(u);
            proxies
                .iter()
                .find_map(|p| p.for_url(&url))
                .map(|v| v.host.to_string())
        };
        assert_eq!(via("http://a.example/").as_deref(), Some("lower"));
        assert_eq!(via("https://a.example/").as_deref(), Some("secure"));
        assert_eq!(via("https://x.internal.example/"), None);
        assert_eq!(via("http://10.1.2.3/"), None);
        let all = Proxy::from_env(env(&[("ALL_PROXY", "socks5://s:1")])).unwrap();
        assert!(all[0].for_url(&url("https://a/")).is_some());
        let err = Proxy::from_env(env(&[("https_proxy", "ftp://u:secret@x")])).unwrap_err();
        assert!(
            err.to_string().contains("$https_proxy") && !err.to_string().contains("secret"),
            "{err}"
        );
        assert!(Proxy::from_env(|_| None).unwrap().is_empty());
        // httpoxy: under CGI the upper-case HTTP_PROXY came from the client.
        let cgi = Proxy::from_env(env(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
        ]));
        assert!(cgi.unwrap().is_empty());
    }

    #[test]
    fn no_proxy_covers_domains_suffixes_ips_and_ranges() {
        let p = Proxy::all("http://p:1")
            .unwrap()
            .no_proxy("localhost, .internal.example 10.0.0.0/8,::1/128, 192.168.1.7");
        for direct in [
            "http://localhost/",
            "http://a.internal.example/",
            "https://internal.example/",
            "http://10.200.3.4/",
            "http://[::1]:8080/",
            "http://192.168.1.7/",
        ] {
            assert!(p.for_url(&url(direct)).is_none(), "{direct}");
        }
        for proxied in [
            "http://notlocalhost/",
            "http://xinternal.example/",
            "http://11.0.0.1/",
            "http://192.168.1.70/",
            "http://[::2]/",
        ] {
            assert!(p.for_url(&url(proxied)).is_some(), "{proxied}");
        }
        let none = Proxy::all("http://p:1").unwrap().no_proxy("*");
        assert!(none.for_url(&url("http://anything/")).is_none());
        let https_only = Proxy::https("http://p:1").unwrap();
        assert!(https_only.for_url(&url("http://a/")).is_none());
        assert!(https_only.for_url(&url("https://a/")).is_some());
    }
}
