//! The challenges of `WWW-Authenticate` fields (RFC 9110 §11.6.1), parsed:
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param = token BWS "=" BWS ( token / quoted-string )
//! token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! ```
//!
//! One field may hold several challenges, and a comma separates both challenges and the
//! parameters of one: a comma followed by `token =` continues the challenge, any other
//! token starts the next one.

use crate::headers::is_token;

/// One challenge: its scheme and its parameters, names in lowercase (a token68 is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Challenge {
    pub(super) scheme: String,
    pub(super) params: Vec<(String, String)>,
}

impl Challenge {
    /// The value of the parameter `name` (lowercase), the first if it is repeated.
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every challenge of one field, in order; an error says what in the field is malformed.
pub(super) fn parse(field: &[u8]) -> Result<Vec<Challenge>, &'static str> {
    let mut cursor = Cursor {
        bytes: field,
        at: 0,
    };
    let mut challenges = Vec::new();
    loop {
        cursor.skip(|b| matches!(b, b' ' | b'\t' | b','));
        if cursor.done() {
            return Ok(challenges);
        }
        let scheme = cursor
            .token()
            .ok_or("a challenge does not start with a scheme")?;
        let mut challenge = Challenge {
            scheme: scheme.to_owned(),
            params: Vec::new(),
        };
        cursor.skip(is_space);
        if !cursor.done() && cursor.peek() != Some(b',') && !cursor.param(&mut challenge)? {
            cursor
                .token68()
                .ok_or("a challenge has neither parameters nor token68")?;
        }
        // Parameters after commas, until a token that is not followed by `=`.
        loop {
            cursor.skip(is_space);
            if cursor.peek() != Some(b',') {
                break;
            }
            let before = cursor.at;
            cursor.skip(|b| matches!(b, b' ' | b'\t' | b','));
            if cursor.done() || !cursor.param(&mut challenge)? {
                cursor.at = before;
                break;
            }
        }
        cursor.skip(is_space);
        if !cursor.done() && cursor.peek() != Some(b',') {
            return Err("unexpected characters after a challenge");
        }
        challenges.push(challenge);
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip(&mut self, what: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&what) {
            self.at += 1;
        }
    }

    /// A token, or `None` (and nothing consumed) if none starts here.
    fn token(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.skip(|b| is_token(&[b]));
        // Token characters are ASCII: the slice is UTF-8.
        let token = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        (!token.is_empty()).then_some(token)
    }

    fn token68(&mut self) -> Option<()> {
        let start = self.at;
        self.skip(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
        if self.at == start {
            return None;
        }
        self.skip(|b| b == b'=');
        Some(())
    }

    /// `name = value` into `challenge`: `Ok(false)`, with nothing consumed, if what starts
    /// here is not a parameter.
    fn param(&mut self, challenge: &mut Challenge) -> Result<bool, &'static str> {
        let start = self.at;
        let Some(name) = self.token() else {
            return Ok(false);
        };
        self.skip(is_space);
        if self.peek() != Some(b'=') {
            self.at = start;
            return Ok(false);
        }
        self.at += 1;
        self.skip(is_space);
        let value = match self.peek() {
            Some(b'"') => self.quoted()?,
            _ => match self.token() {
                Some(value) => value.to_owned(),
                // `abc==` or `abc=` alone: a token68, not a parameter.
                None => {
                    self.at = start;
                    return Ok(false);
                }
            },
        };
        challenge.params.push((name.to_ascii_lowercase(), value));
        Ok(true)
    }

    /// A quoted-string, its escapes undone.
    fn quoted(&mut self) -> Result<String, &'static str> {
        self.at += 1;
        let mut value = Vec::new();
        loop {
            match self.peek() {
                None => return Err("unterminated quoted string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    self.at += 1;
                    value.push(self.peek().ok_or("unterminated quoted string")?);
                }
                Some(b) if b < b' ' && b != b'\t' || b == 0x7f => {
                    return Err("control character in a quoted string");
                }
                Some(b) => value.push(b),
            }
            self.at += 1;
        }
        self.at += 1;
        Ok(String::from_utf8_lossy(&value).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(scheme: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            params: params
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn several_challenges_in_one_field() {
        let field =
            br#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#;
        assert_eq!(
            parse(field).unwrap(),
            [
                challenge(
                    "Newauth",
                    &[
                        ("realm", "apps"),
                        ("type", "1"),
                        ("title", "Login to \"apps\"")
                    ]
                ),
                challenge("Basic", &[("realm", "simple")]),
            ]
        );
    }

    #[test]
    fn token68_bare_schemes_and_commas_in_quotes() {
        let field = br#"Negotiate abc+/d==, NTLM, Digest REALM = "a, b",nonce=xyz ,, Bearer"#;
        assert_eq!(
            parse(field).unwrap(),
            [
                challenge("Negotiate", &[]),
                challenge("NTLM", &[]),
                challenge("Digest", &[("realm", "a, b"), ("nonce", "xyz")]),
                challenge("Bearer", &[]),
            ]
        );
        assert_eq!(parse(b"").unwrap(), []);
        assert_eq!(parse(b" , ,").unwrap(), []);
    }

    #[test]
    fn malformed_fields_are_errors_not_panics() {
        for field in [
            &br#"Digest realm="open"#[..],
            br#"Digest realm="a\"#,
            b"Digest realm=\"a\x01\"",
            b"Digest realm=a b",
            b"=x",
            b"Digest \"x\"",
            "Digest realm=\"\u{e9}\" \u{e9}".as_bytes(),
        ] {
            assert!(
                parse(field).is_err(),
                "{:?}",
                String::from_utf8_lossy(field)
            );
        }
        // Non-UTF-8 inside quotes is kept, lossily.
        let parsed = parse(b"Digest realm=\"\xff\"").unwrap();
        assert_eq!(parsed[0].param("realm"), Some("\u{fffd}"));
    }
}
