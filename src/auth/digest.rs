//! `Digest` (RFC 7616): the strongest challenge of a 401 answered, and the nonce kept per
//! origin so that later requests answer it pre-emptively with the next nonce count.

use std::collections::HashMap;
use std::fmt::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use http::{HeaderValue, StatusCode};
use md5::Md5;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256, Sha512_256};
use url::Position;

use super::challenge::{self, Challenge};
use super::{Auth, AuthRequest, AuthResponse};
use crate::error::{Error, Kind, Result};

/// The most origins whose nonces a [`DigestAuth`] keeps; past it, it starts afresh.
const MAX_ORIGINS: usize = 256;

/// `Digest` credentials (RFC 7616), as Python's `httpx.DigestAuth` and curl's `--digest`.
///
/// The first request to an origin goes without credentials; a `401` whose
/// `WWW-Authenticate` offers `Digest` is answered once, with the strongest challenge offered
/// (SHA-512-256, SHA-256 or MD5, each also `-sess`; `qop=auth`, or no `qop` as RFC 2069),
/// `opaque` echoed and `userhash` when asked. The nonce is then kept for the origin, so later
/// requests send credentials at once, counting `nc` up as curl and browsers do; a
/// `stale=true` challenge to such a request is answered once with the new nonce.
///
/// Clones share their nonces. A challenge that offers only `qop=auth-int`, or an unknown
/// algorithm, is a [`Kind::Auth`] error. A request whose body is a stream cannot be sent
/// twice: its `401` is returned as it is (the nonce is learnt for the next request).
///
/// ```
/// use tls_requests::{AsyncClient, DigestAuth, MockResponse, MockTransport};
/// # smol::block_on(async {
/// let mock = MockTransport::new(|req| match req.headers.get("authorization") {
///     Some(_) => MockResponse::new(200),
///     None => MockResponse::new(401)
///         .header("WWW-Authenticate", r#"Digest realm="api", nonce="abc", qop="auth""#),
/// });
/// let client = AsyncClient::builder()
///     .connector(mock.clone())
///     .auth(DigestAuth::new("Mufasa", "Circle of Life"))
///     .build()?;
/// assert_eq!(client.get("https://example.com/").await?.status(), 200);
/// assert_eq!(mock.requests().len(), 2, "the 401 and its answer");
/// # Ok::<(), tls_requests::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct DigestAuth {
    credentials: Arc<Credentials>,
    /// The last challenge of each origin (`scheme://host:port`), with its nonce count.
    nonces: Arc<Mutex<HashMap<String, Nonce>>>,
}

struct Credentials {
    username: String,
    password: String,
}

struct Nonce {
    challenge: DigestChallenge,
    /// The count of the last request that used the nonce.
    count: u32,
}

impl DigestAuth {
    /// Credentials of `username` and `password`, sent as UTF-8.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> DigestAuth {
        DigestAuth {
            credentials: Arc::new(Credentials {
                username: username.into(),
                password: password.into(),
            }),
            nonces: Arc::default(),
        }
    }

    fn nonces(&self) -> std::sync::MutexGuard<'_, HashMap<String, Nonce>> {
        self.nonces.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Auth for DigestAuth {
    fn on_request(&self, request: &mut AuthRequest<'_>) -> Result<()> {
        let origin = request.url().origin().ascii_serialization();
        let value = {
            let mut nonces = self.nonces();
            let Some(nonce) = nonces.get_mut(&origin) else {
                return Ok(());
            };
            nonce.count = nonce.count.wrapping_add(1);
            let uri = &request.url()[Position::BeforePath..Position::AfterQuery];
            let method = request.method().as_str();
            let cnonce = cnonce();
            nonce
                .challenge
                .answer(&self.credentials, method, uri, nonce.count, &cnonce)
        };
        let value = HeaderValue::try_from(value)
            .map_err(|_| Error::new(Kind::Auth, "the Digest answer is not a valid header value"))?;
        request.headers_mut().set_static("Authorization", value);
        Ok(())
    }

    fn on_response(&self, request: &AuthRequest<'_>, response: &AuthResponse<'_>) -> Result<bool> {
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(false);
        }
        let Some(challenge) = strongest(response.headers().get_all("www-authenticate"))? else {
            return Ok(false);
        };
        let answered = request
            .headers()
            .get("authorization")
            .is_some_and(|v| v.as_bytes().starts_with(b"Digest "));
        // Credentials refused for a nonce that was fresh are refused: no second try.
        let again = !answered || challenge.stale;
        let mut nonces = self.nonces();
        if nonces.len() >= MAX_ORIGINS {
            nonces.clear();
        }
        let origin = request.url().origin().ascii_serialization();
        nonces.insert(
            origin,
            Nonce {
                challenge,
                count: 0,
            },
        );
        Ok(again)
    }
}

impl fmt::Debug for DigestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DigestAuth(Sensitive)")
    }
}

/// 16 random bytes in hex, from the operating system: a cnonce must not be predictable
/// (RFC 7616, section 5.12). Should the system have none to give, the process's own
/// generator still makes one.
fn cnonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        bytes = fastrand::u128(..).to_be_bytes();
    }
    hex(&bytes)
}

/// The strongest `Digest` challenge this client can answer among `fields`; `None` if there
/// is no `Digest` challenge at all (a field that does not parse counts as none: the 401 is
/// the answer then), an error if none of those offered can be answered.
fn strongest<'a>(fields: impl Iterator<Item = &'a HeaderValue>) -> Result<Option<DigestChallenge>> {
    let mut best: Option<DigestChallenge> = None;
    let mut refused = None;
    for field in fields {
        let Ok(challenges) = challenge::parse(field.as_bytes()) else {
            continue;
        };
        for challenge in challenges {
            if !challenge.scheme.eq_ignore_ascii_case("digest") {
                continue;
            }
            match DigestChallenge::from_challenge(&challenge) {
                Ok(digest) if best.as_ref().is_none_or(|b| digest.rank() > b.rank()) => {
                    best = Some(digest);
                }
                Ok(_) => {}
                Err(why) => refused = Some(why),
            }
        }
    }
    match (best, refused) {
        (Some(best), _) => Ok(Some(best)),
        (None, Some(why)) => Err(Error::new(Kind::Auth, why)),
        (None, None) => Ok(None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Hash {
    Md5,
    Sha256,
    Sha512_256,
}

impl Hash {
    /// `data`'s digest in lowercase hex.
    fn hex(self, data: &[u8]) -> String {
        match self {
            Hash::Md5 => hex(&Md5::digest(data)),
            Hash::Sha256 => hex(&Sha256::digest(data)),
            Hash::Sha512_256 => hex(&Sha512_256::digest(data)),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Hash::Md5 => "MD5",
            Hash::Sha256 => "SHA-256",
            Hash::Sha512_256 => "SHA-512-256",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A `Digest` challenge this client can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DigestChallenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    hash: Hash,
    /// `-sess`: the session key hashes in the nonces.
    sess: bool,
    /// The challenge named its algorithm (RFC 2069 ones do not): the answer names it too.
    named: bool,
    /// `qop=auth` (else no qop, as RFC 2069).
    qop: bool,
    userhash: bool,
    stale: bool,
}

impl DigestChallenge {
    fn from_challenge(c: &Challenge) -> std::result::Result<DigestChallenge, String> {
        let algorithm = c.param("algorithm").unwrap_or("MD5");
        let (name, sess) = match algorithm.len().checked_sub(5) {
            Some(i)
                if algorithm.is_char_boundary(i)
                    && algorithm[i..].eq_ignore_ascii_case("-sess") =>
            {
                (&algorithm[..i], true)
            }
            _ => (algorithm, false),
        };
        let hash = [Hash::Md5, Hash::Sha256, Hash::Sha512_256]
            .into_iter()
            .find(|h| h.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| format!("unsupported Digest algorithm {algorithm:?}"))?;
        let qop = match c.param("qop") {
            None => false,
            Some(offered) => {
                let mut offered = offered.split(',').map(str::trim);
                if !offered.any(|q| q.eq_ignore_ascii_case("auth")) {
                    return Err(format!(
                        "unsupported Digest qop {:?}: only \"auth\" is",
                        c.param("qop").unwrap_or_default()
                    ));
                }
                true
            }
        };
        let nonce = c
            .param("nonce")
            .ok_or("a Digest challenge without a nonce")?;
        let flag = |name| {
            c.param(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        Ok(DigestChallenge {
            realm: c.param("realm").unwrap_or_default().to_owned(),
            nonce: nonce.to_owned(),
            opaque: c.param("opaque").map(str::to_owned),
            hash,
            sess,
            named: c.param("algorithm").is_some(),
            qop,
            userhash: flag("userhash"),
            stale: flag("stale"),
        })
    }

    /// Stronger hashes first, then `qop=auth` over none.
    fn rank(&self) -> (Hash, bool) {
        (self.hash, self.qop)
    }

    /// The `Authorization` value for a request of `method` to `uri` (its request target).
    fn answer(
        &self,
        who: &Credentials,
        method: &str,
        uri: &str,
        count: u32,
        cnonce: &str,
    ) -> String {
        let h = |data: String| self.hash.hex(data.as_bytes());
        let (realm, nonce) = (&self.realm, &self.nonce);
        let mut a1 = h(format!("{}:{realm}:{}", who.username, who.password));
        if self.sess {
            a1 = h(format!("{a1}:{nonce}:{cnonce}"));
        }
        let a2 = h(format!("{method}:{uri}"));
        let nc = format!("{count:08x}");
        let response = if self.qop {
            h(format!("{a1}:{nonce}:{nc}:{cnonce}:auth:{a2}"))
        } else {
            h(format!("{a1}:{nonce}:{a2}"))
        };

        let mut value = String::from("Digest ");
        if self.userhash {
            let hashed = h(format!("{}:{realm}", who.username));
            let _ = write!(value, "username={}", quoted(&hashed));
        } else if who.username.bytes().all(|b| (b' '..0x7f).contains(&b)) {
            let _ = write!(value, "username={}", quoted(&who.username));
        } else {
            // RFC 7616 §3.4.4: `username*` in RFC 8187's encoding.
            let encoded = utf8_percent_encode(&who.username, ATTR_CHAR);
            let _ = write!(value, "username*=UTF-8''{encoded}");
        }
        let _ = write!(value, ", realm={}, uri={}", quoted(realm), quoted(uri));
        if self.named {
            let sess = if self.sess { "-sess" } else { "" };
            let _ = write!(value, ", algorithm={}{sess}", self.hash.name());
        }
        let _ = write!(value, ", nonce={}", quoted(nonce));
        if self.qop {
            let _ = write!(value, ", nc={nc}, cnonce={}, qop=auth", quoted(cnonce));
        } else if self.sess {
            let _ = write!(value, ", cnonce={}", quoted(cnonce));
        }
        let _ = write!(value, ", response={}", quoted(&response));
        if let Some(opaque) = &self.opaque {
            let _ = write!(value, ", opaque={}", quoted(opaque));
        }
        if self.userhash {
            value.push_str(", userhash=true");
        }
        value
    }
}

/// RFC 8187's `attr-char`s are kept, every other byte is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `s` as a quoted-string, `"` and `\` escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(field: &str) -> DigestChallenge {
        let value = HeaderValue::from_str(field).unwrap();
        strongest([&value].into_iter()).unwrap().unwrap()
    }

    /// The parameter `name` of an `Authorization: Digest` value.
    fn param<'a>(value: &'a str, name: &str) -> &'a str {
        let at = value.find(&format!(" {name}=")).unwrap() + name.len() + 2;
        let rest = &value[at..];
        match rest.strip_prefix('"') {
            Some(quoted) => &quoted[..quoted.find('"').unwrap()],
            None => rest.split(',').next().unwrap(),
        }
    }

    const RFC_7616_3_9_1: &str = "realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
        nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
        opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    const CNONCE_3_9_1: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    #[test]
    fn rfc_7616_section_3_9_1_md5_and_sha_256() {
        let mufasa = Credentials {
            username: "Mufasa".into(),
            password: "Circle of Life".into(),
        };
        for (algorithm, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let c = challenge(&format!("Digest {RFC_7616_3_9_1}, algorithm={algorithm}"));
            let value = c.answer(&mufasa, "GET", "/dir/index.html", 1, CNONCE_3_9_1);
            assert_eq!(param(&value, "response"), expected, "{algorithm}");
            assert_eq!(param(&value, "nc"), "00000001");
            assert_eq!(param(&value, "qop"), "auth");
            assert_eq!(param(&value, "algorithm"), algorithm);
            assert_eq!(param(&value, "opaque"), c.opaque.as_deref().unwrap());
            assert!(
                value.starts_with("Digest username=\"Mufasa\", realm="),
                "{value}"
            );
        }
    }

    /// RFC 7616 §3.9.2's inputs; its printed hashes cannot be reproduced (erratum 4897), so
    /// the expected ones were computed apart, with Python's `hashlib`.
    #[test]
    fn rfc_7616_section_3_9_2_userhash_with_sha_512_256() {
        let jason = Credentials {
            username: "J\u{e4}s\u{f8}n Doe".into(),
            password: "Secret, or not?".into(),
        };
        let c = challenge(
            "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
             nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", \
             opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true",
        );
        let cnonce = "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v";
        let value = c.answer(&jason, "GET", "/doe.json", 1, cnonce);
        assert_eq!(
            param(&value, "username"),
            "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"
        );
        assert_eq!(
            param(&value, "response"),
            "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
        );
        assert!(value.ends_with(", userhash=true"), "{value}");
    }

    #[test]
    fn the_strongest_challenge_is_picked_across_fields() {
        let fields = [
            "Basic realm=\"x\", Digest realm=\"r\", nonce=\"1\", algorithm=MD5, qop=auth",
            "Digest realm=\"r\", nonce=\"2\", algorithm=SHA-256",
            "Digest realm=\"r\", nonce=\"3\", algorithm=SHA-256-sess, qop=\"auth\"",
            "Digest realm=\"r\", nonce=\"4\", algorithm=SHA-999",
        ];
        let values: Vec<_> = fields.iter().map(|f| HeaderValue::from_static(f)).collect();
        let best = strongest(values.iter()).unwrap().unwrap();
        assert_eq!(
            (best.nonce.as_str(), best.hash, best.sess),
            ("3", Hash::Sha256, true)
        );

        let basic = HeaderValue::from_static("Basic realm=\"x\"");
        assert_eq!(strongest([&basic].into_iter()).unwrap(), None);
    }

    #[test]
    fn a_field_that_does_not_parse_is_passed_over() {
        let broken = HeaderValue::from_static("Basic realm=foo bar");
        let unclosed = HeaderValue::from_static("Digest realm=\"r");
        let good = HeaderValue::from_static("Digest realm=\"r\", nonce=\"n\", qop=\"auth\"");
        let picked = strongest([&broken, &good].into_iter()).unwrap();
        assert!(picked.is_some());
        assert_eq!(strongest([&unclosed].into_iter()).unwrap(), None);
    }

    #[test]
    fn unanswerable_challenges_are_auth_errors() {
        for (field, why) in [
            (
                "Digest realm=\"r\", nonce=\"1\", qop=\"auth-int\"",
                "auth-int",
            ),
            (
                "Digest realm=\"r\", nonce=\"1\", algorithm=SHA-999",
                "SHA-999",
            ),
            ("Digest realm=\"r\"", "nonce"),
        ] {
            let value = HeaderValue::from_static(field);
            let err = strongest([&value].into_iter()).unwrap_err();
            assert_eq!(err.kind(), Kind::Auth, "{field}");
            assert!(format!("{err}").contains(why), "{field}: {err}");
        }
    }

    #[test]
    fn rfc_2069_without_qop_and_sess_send_what_they_need() {
        let who = Credentials {
            username: "u\"ser".into(),
            password: "p".into(),
        };
        let c = challenge("Digest realm=\"r\", nonce=\"n\"");
        let value = c.answer(&who, "GET", "/a?b", 1, "c");
        let expected = {
            let h = |s: &str| Hash::Md5.hex(s.as_bytes());
            h(&format!("{}:n:{}", h("u\"ser:r:p"), h("GET:/a?b")))
        };
        assert_eq!(
            value,
            format!(
                "Digest username=\"u\\\"ser\", realm=\"r\", uri=\"/a?b\", nonce=\"n\", response=\"{expected}\""
            )
        );
        let sess = challenge("Digest realm=\"r\", nonce=\"n\", algorithm=md5-SESS");
        let value = sess.answer(&who, "GET", "/", 1, "c");
        assert!(
            value.contains("algorithm=MD5-sess, nonce=\"n\", cnonce=\"c\""),
            "{value}"
        );

        let non_ascii = Credentials {
            username: "J\u{e4}s\u{f8}n Doe".into(),
            password: "p".into(),
        };
        let value = c.answer(&non_ascii, "GET", "/", 1, "c");
        assert!(
            value.starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "),
            "{value}"
        );
    }
}
