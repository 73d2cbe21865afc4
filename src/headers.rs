//! [`Headers`]: header fields in wire order, each name in the case it was written.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

/// An ordered list of header fields that keeps every name exactly as written.
///
/// Browsers are recognised by the order and case of their headers, so both are data here:
/// nothing lowercases or reorders them on the way to or from the wire. Lookups ignore case.
/// Setting a name that is present replaces its value in place; a new name goes last.
///
/// Values of `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie` are marked
/// [sensitive](HeaderValue::set_sensitive) as they are added, and `Debug` prints
/// `Sensitive` instead of any value so marked or so named (parsed response heads are not
/// marked, but their `Set-Cookie` is not printed either). The values go on the wire
/// unchanged.
///
/// ```
/// use tls_requests::Headers;
/// let mut h = Headers::new();
/// h.insert("User-Agent", "a".parse().unwrap()).unwrap();
/// h.insert("Accept", "*/*".parse().unwrap()).unwrap();
/// h.insert("user-agent", "b".parse().unwrap()).unwrap(); // replaced in place
/// let names: Vec<_> = h.iter().map(|(n, v)| format!("{n}: {}", v.to_str().unwrap())).collect();
/// assert_eq!(names, ["user-agent: b", "Accept: */*"]);
/// assert_eq!(h.get(http::header::ACCEPT).unwrap(), "*/*");
/// ```
///
/// Made from pairs of strings, names keep their case; from [`http::HeaderMap`] and
/// [`HeaderName`]s, which lowercase, they are lowercase:
///
/// ```
/// use http::{HeaderMap, HeaderValue, header};
/// use tls_requests::Headers;
/// // Checked: a name that is no token, or a value with a line break, is an error.
/// let h = Headers::try_from([("X-Trace", "1"), ("Accept", "*/*")])?;
/// assert_eq!(h.names().collect::<Vec<_>>(), ["X-Trace", "Accept"]);
/// assert!(h.contains_key("x-trace") && h.contains_key(header::ACCEPT));
/// // Typed, as reqwest's `HeaderMap` is collected:
/// let h: Headers = [(header::ACCEPT, HeaderValue::from_static("*/*"))].into_iter().collect();
/// assert_eq!(h.get("Accept").unwrap(), "*/*");
/// // Both ways between `http::HeaderMap` and `Headers`:
/// let mut map = HeaderMap::new();
/// map.insert(header::USER_AGENT, HeaderValue::from_static("me"));
/// let h = Headers::from(&map);
/// assert_eq!(HeaderMap::from(&h), map);
/// # Ok::<(), tls_requests::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers {
    entries: Vec<(Bytes, HeaderValue)>,
}

/// A header name that is not an RFC 9110 token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidHeaderName(pub String);

impl fmt::Display for InvalidHeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid header name {:?}", self.0)
    }
}

impl std::error::Error for InvalidHeaderName {}

/// `tchar` of RFC 9110 §5.6.2: `!#$%&'*+-.^_`|~`, digits and letters.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The request fields that carry credentials: sent only to the origin they were set for.
pub(crate) const REQUEST_CREDENTIALS: [&str; 3] =
    ["authorization", "proxy-authorization", "cookie"];

/// True for a field of [`REQUEST_CREDENTIALS`].
pub(crate) fn is_request_credential(name: &[u8]) -> bool {
    REQUEST_CREDENTIALS
        .iter()
        .any(|c| name.eq_ignore_ascii_case(c.as_bytes()))
}

/// Names whose values are credentials, marked sensitive when added and never printed: the
/// request's, and `Set-Cookie`.
fn is_credential(name: &[u8]) -> bool {
    is_request_credential(name) || name.eq_ignore_ascii_case(b"set-cookie")
}

/// `value`, marked sensitive if `name` is a credential's.
fn marked(name: &[u8], mut value: HeaderValue) -> HeaderValue {
    if is_credential(name) {
        value.set_sensitive(true);
    }
    value
}

fn name_str(name: &Bytes) -> &str {
    // Names are checked to be tokens (ASCII) when they enter the list.
    std::str::from_utf8(name).unwrap_or_default()
}

impl Headers {
    /// An empty list.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// A list built from already-validated parts (a parsed response head).
    pub(crate) fn from_entries(entries: Vec<(Bytes, HeaderValue)>) -> Headers {
        Headers { entries }
    }

    /// The number of fields, counting repeated names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no fields.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: &[u8]) -> Option<usize> {
        self.entries
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The first value of `name`, ignoring case. `name` is any header name: a `&str`, a
    /// `String`, an [`http::HeaderName`] (such as `http::header::ACCEPT`) or a reference to
    /// one.
    pub fn get(&self, name: impl AsRef<str>) -> Option<&HeaderValue> {
        self.position(name.as_ref().as_bytes())
            .map(|i| &self.entries[i].1)
    }

    /// Every value of `name` (ignoring case, any name [`get`](Self::get) takes), in order.
    ///
    /// ```
    /// use tls_requests::Headers;
    /// let h = Headers::try_from([("Set-Cookie", "a=1"), ("X", "y"), ("set-cookie", "b=2")])?;
    /// let all: Vec<_> = h.get_all(http::header::SET_COOKIE).collect();
    /// assert_eq!(all, ["a=1", "b=2"]);
    /// assert_eq!(h.get_all(String::from("none")).count(), 0);
    /// # Ok::<(), tls_requests::Error>(())
    /// ```
    pub fn get_all(&self, name: impl AsRef<str>) -> GetAll<'_> {
        // The first field of the name stands for it, so that the iterator borrows only `self`.
        let first = self.position(name.as_ref().as_bytes());
        GetAll {
            name: first.map(|i| &self.entries[i].0),
            rest: self.entries[first.unwrap_or(self.entries.len())..].iter(),
        }
    }

    /// True if `name` is present, ignoring case.
    pub fn contains(&self, name: impl AsRef<str>) -> bool {
        self.position(name.as_ref().as_bytes()).is_some()
    }

    /// True if `name` is present, ignoring case: [`contains`](Self::contains) under the
    /// name `http::HeaderMap` and reqwest use.
    pub fn contains_key(&self, name: impl AsRef<str>) -> bool {
        self.contains(name)
    }

    /// Sets `name` to `value`: the first field of that name takes the new name and value in
    /// place and any later ones are removed; without one the field is appended.
    pub fn insert(
        &mut self,
        name: impl AsRef<str>,
        value: HeaderValue,
    ) -> Result<(), InvalidHeaderName> {
        let name = name.as_ref();
        check_name(name)?;
        self.set(Bytes::copy_from_slice(name.as_bytes()), value);
        Ok(())
    }

    /// [`insert`](Self::insert) of a value still to be converted, as the builders take it;
    /// both failures are [`Kind::Header`](crate::Kind::Header) errors.
    pub(crate) fn insert_converted<V>(
        &mut self,
        name: impl AsRef<str>,
        value: V,
    ) -> crate::Result<()>
    where
        V: TryInto<HeaderValue>,
        V::Error: Into<http::Error>,
    {
        use crate::{Error, Kind};
        let value = value
            .try_into()
            .map_err(|e| Error::new(Kind::Header, e.into()))?;
        self.insert(name, value)
            .map_err(|e| Error::new(Kind::Header, e))
    }

    /// Appends a field, keeping any others of the same name.
    pub fn append(
        &mut self,
        name: impl AsRef<str>,
        value: HeaderValue,
    ) -> Result<(), InvalidHeaderName> {
        let name = name.as_ref();
        check_name(name)?;
        let value = marked(name.as_bytes(), value);
        self.entries
            .push((Bytes::copy_from_slice(name.as_bytes()), value));
        Ok(())
    }

    /// [`insert`](Self::insert) for a name known to be a valid token.
    pub(crate) fn set(&mut self, name: Bytes, value: HeaderValue) {
        let value = marked(&name, value);
        match self
            .entries
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some(i) => {
                self.entries[i] = (name.clone(), value);
                let mut j = i + 1;
                while j < self.entries.len() {
                    if self.entries[j].0.eq_ignore_ascii_case(&name) {
                        self.entries.remove(j);
                    } else {
                        j += 1;
                    }
                }
            }
            None => self.entries.push((name, value)),
        }
    }

    /// Sets a `'static` name known to be a token, without copying it.
    pub(crate) fn set_static(&mut self, name: &'static str, value: HeaderValue) {
        self.set(Bytes::from_static(name.as_bytes()), value);
    }

    /// Appends a `'static` name known to be a token, without copying it.
    pub(crate) fn append_static(&mut self, name: &'static str, value: HeaderValue) {
        let value = marked(name.as_bytes(), value);
        self.entries
            .push((Bytes::from_static(name.as_bytes()), value));
    }

    /// Removes every field named `name` and returns the first value.
    pub fn remove(&mut self, name: impl AsRef<str>) -> Option<HeaderValue> {
        let name = name.as_ref().as_bytes();
        let mut first = None;
        self.entries.retain(|(n, v)| {
            let keep = !n.eq_ignore_ascii_case(name);
            if !keep && first.is_none() {
                first = Some(v.clone());
            }
            keep
        });
        first
    }

    /// Every field in order, names as written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &HeaderValue)> {
        self.entries.iter().map(|(n, v)| (name_str(n), v))
    }

    /// The names in order, as written (repeated names appear once per field).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| name_str(n))
    }

    /// Copies the fields into an [`http::HeaderMap`]: names lowercased, the fields of a name
    /// together in their order, names in the order they first appear here. Also
    /// `HeaderMap::from(&headers)`.
    pub fn to_header_map(&self) -> HeaderMap {
        let mut map = HeaderMap::with_capacity(self.entries.len());
        for (name, value) in &self.entries {
            if let Ok(name) = http::HeaderName::from_bytes(name) {
                map.append(name, value.clone());
            }
        }
        map
    }

    /// This list laid over `base`, as [`layer`] lays fields.
    pub(crate) fn layered_over(&self, base: &Headers) -> Headers {
        let mut out = Headers {
            entries: Vec::with_capacity(base.entries.len() + self.entries.len()),
        };
        layer(&base.entries, &self.entries, |name, value| {
            out.entries.push((name.clone(), value.clone()));
        });
        out
    }

    pub(crate) fn entries(&self) -> &[(Bytes, HeaderValue)] {
        &self.entries
    }
}

/// Lays `ours` over `base`, handing each resulting field to `push` in order: base's fields in
/// their order, where the first of our fields of a name takes the place of base's first field
/// of that name and base's later fields of that name are dropped (an override replaces every
/// field of its name); then our other fields (new names, and repeats of a name), in our order.
pub(crate) fn layer<'a>(
    base: &'a [(Bytes, HeaderValue)],
    ours: &'a [(Bytes, HeaderValue)],
    mut push: impl FnMut(&'a Bytes, &'a HeaderValue),
) {
    let first_of = |fields: &[(Bytes, HeaderValue)], i: usize| {
        let name = &fields[i].0;
        !fields[..i]
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    for (i, (name, value)) in base.iter().enumerate() {
        match ours.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            None => push(name, value),
            Some((n, v)) if first_of(base, i) => push(n, v),
            Some(_) => {}
        }
    }
    for (k, (name, value)) in ours.iter().enumerate() {
        let placed = first_of(ours, k) && base.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !placed {
            push(name, value);
        }
    }
}

fn check_name(name: &str) -> Result<(), InvalidHeaderName> {
    if is_token(name.as_bytes()) {
        Ok(())
    } else {
        Err(InvalidHeaderName(name.to_owned()))
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // By name too: response heads are parsed without marking anything.
        let printed = self.iter().map(|(name, value)| {
            let hidden = value.is_sensitive() || is_credential(name.as_bytes());
            (
                name,
                if hidden {
                    &Sensitive as &dyn fmt::Debug
                } else {
                    value
                },
            )
        });
        f.debug_list().entries(printed).finish()
    }
}

/// Printed in place of a hidden value, as `http` prints a sensitive [`HeaderValue`].
struct Sensitive;

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive")
    }
}

impl From<&HeaderMap> for Headers {
    fn from(map: &HeaderMap) -> Headers {
        let entries = map
            .iter()
            .map(|(n, v)| {
                let name = n.as_str().as_bytes();
                (Bytes::copy_from_slice(name), marked(name, v.clone()))
            })
            .collect();
        Headers { entries }
    }
}

impl From<HeaderMap> for Headers {
    /// The fields of `map`, in its order (a name's fields together, names in the order they
    /// were first inserted), names lowercase as `map` holds them.
    fn from(map: HeaderMap) -> Headers {
        Headers::from(&map)
    }
}

impl From<&Headers> for Headers {
    /// A copy, so that methods taking `impl Into<Headers>` take a borrowed list too.
    fn from(headers: &Headers) -> Headers {
        headers.clone()
    }
}

impl From<&Headers> for HeaderMap {
    /// [`Headers::to_header_map`].
    fn from(headers: &Headers) -> HeaderMap {
        headers.to_header_map()
    }
}

impl From<Headers> for HeaderMap {
    /// [`Headers::to_header_map`].
    fn from(headers: Headers) -> HeaderMap {
        headers.to_header_map()
    }
}

impl FromIterator<(HeaderName, HeaderValue)> for Headers {
    /// The fields in order, repeated names kept (as `HeaderMap` collects them: appended),
    /// names lowercase as [`HeaderName`] holds them.
    fn from_iter<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(fields: I) -> Headers {
        let entries = fields.into_iter().map(|(name, value)| {
            let name = Bytes::copy_from_slice(name.as_str().as_bytes());
            let value = marked(&name, value);
            (name, value)
        });
        Headers {
            entries: entries.collect(),
        }
    }
}

impl<K, V, const N: usize> TryFrom<[(K, V); N]> for Headers
where
    K: AsRef<str>,
    V: TryInto<HeaderValue>,
    V::Error: Into<http::Error>,
{
    type Error = crate::Error;

    /// The fields in order, names as written and repeated names kept (each pair
    /// [`append`](Headers::append)ed); a name that is not a token or a value that is not a
    /// valid field value is a [`Kind::Header`](crate::Kind::Header) error.
    fn try_from(fields: [(K, V); N]) -> crate::Result<Headers> {
        use crate::{Error, Kind};
        let mut headers = Headers {
            entries: Vec::with_capacity(N),
        };
        for (name, value) in fields {
            let value = value
                .try_into()
                .map_err(|e| Error::new(Kind::Header, e.into()))?;
            headers
                .append(name, value)
                .map_err(|e| Error::new(Kind::Header, e))?;
        }
        Ok(headers)
    }
}

/// The values of one name, from [`Headers::get_all`].
#[derive(Clone)]
pub struct GetAll<'a> {
    /// The name as its first field writes it; `None` if there is none.
    name: Option<&'a Bytes>,
    rest: std::slice::Iter<'a, (Bytes, HeaderValue)>,
}

impl<'a> Iterator for GetAll<'a> {
    type Item = &'a HeaderValue;

    fn next(&mut self) -> Option<&'a HeaderValue> {
        let name = self.name?;
        self.rest
            .by_ref()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for GetAll<'_> {
    /// Only how many values are left, which may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let left = self.clone().count();
        f.debug_struct("GetAll").field("left", &left).finish()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = (&'a str, &'a HeaderValue);
    type IntoIter = Box<dyn Iterator<Item = (&'a str, &'a HeaderValue)> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &'static str) -> HeaderValue {
        HeaderValue::from_static(s)
    }

    fn dump(h: &Headers) -> Vec<String> {
        h.iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect()
    }

    #[test]
    fn insert_replaces_in_place_and_drops_repeats() {
        let mut h = Headers::new();
        h.append("A", v("1")).unwrap();
        h.append("B", v("2")).unwrap();
        h.append("a", v("3")).unwrap();
        h.insert("A", v("4")).unwrap();
        assert_eq!(dump(&h), ["A=4", "B=2"]);
    }

    #[test]
    fn rejects_names_that_are_not_tokens() {
        let mut h = Headers::new();
        for bad in ["", "a b", "a:b", "a\r\nb", "a\0", "é"] {
            assert!(h.insert(bad, v("x")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn layering_keeps_base_order_and_user_case() {
        let mut base = Headers::new();
        base.append("Host", v("h")).unwrap();
        base.append("User-Agent", v("ua")).unwrap();
        base.append("Accept", v("*/*")).unwrap();
        let mut user = Headers::new();
        user.append("X-New", v("1")).unwrap();
        user.append("accept", v("text/html")).unwrap();
        let out = user.layered_over(&base);
        assert_eq!(
            dump(&out),
            ["Host=h", "User-Agent=ua", "accept=text/html", "X-New=1"]
        );
    }

    #[test]
    fn an_override_takes_the_first_place_and_drops_the_rest() {
        let mut base = Headers::new();
        for (n, val) in [("A", "1"), ("X", "a"), ("B", "2"), ("x", "b")] {
            base.append(n, v(val)).unwrap();
        }
        let mut ours = Headers::new();
        for (n, val) in [("New", "n"), ("x", "c"), ("X", "d"), ("b", "3")] {
            ours.append(n, v(val)).unwrap();
        }
        let out = ours.layered_over(&base);
        assert_eq!(dump(&out), ["A=1", "x=c", "b=3", "New=n", "X=d"]);
        assert_eq!(dump(&Headers::new().layered_over(&base)), dump(&base));
        assert_eq!(dump(&ours.layered_over(&Headers::new())), dump(&ours));
    }

    #[test]
    fn credentials_are_marked_sensitive_however_they_are_added() {
        let mut h = Headers::new();
        h.insert("Authorization", v("a")).unwrap();
        h.append("COOKIE", v("c")).unwrap();
        h.set_static("Proxy-Authorization", v("p"));
        h.append_static("X", v("x"));
        let mut map = HeaderMap::new();
        map.insert("cookie", v("m"));
        let from_map = Headers::from(&map);
        let sensitive = |h: &Headers, n: &str| h.get(n).unwrap().is_sensitive();
        assert!(sensitive(&h, "authorization") && sensitive(&h, "cookie"));
        assert!(sensitive(&h, "proxy-authorization") && !sensitive(&h, "x"));
        assert!(sensitive(&from_map, "cookie"));
        assert_eq!(
            h.get("authorization").unwrap(),
            "a",
            "the value is unchanged"
        );
    }

    #[test]
    fn get_all_takes_any_name_and_keeps_order() {
        let mut h = Headers::new();
        for (n, val) in [("Via", "1"), ("X", "x"), ("via", "2"), ("VIA", "3")] {
            h.append(n, v(val)).unwrap();
        }
        let name = HeaderName::from_static("via");
        let by_str: Vec<_> = h.get_all("vIa").collect();
        assert_eq!(by_str, ["1", "2", "3"]);
        assert_eq!(h.get_all(&name).count(), 3);
        assert_eq!(h.get_all(String::from("x")).collect::<Vec<_>>(), ["x"]);
        assert_eq!(h.get_all("none").count(), 0);
        assert_eq!(format!("{:?}", h.get_all(name)), "GetAll { left: 3 }");
    }

    #[test]
    fn header_maps_convert_both_ways() {
        let h = Headers::try_from([("B", "1"), ("A", "2"), ("b", "3"), ("Cookie", "c")]).unwrap();
        let map = HeaderMap::from(&h);
        let pairs: Vec<_> = map
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(pairs, [("b", "1"), ("b", "3"), ("a", "2"), ("cookie", "c")]);
        let back = Headers::from(map);
        assert_eq!(dump(&back), ["b=1", "b=3", "a=2", "cookie=c"]);
        assert!(back.get("cookie").unwrap().is_sensitive());
        let typed: Headers = [(HeaderName::from_static("cookie"), v("c"))]
            .into_iter()
            .collect();
        assert!(typed.get("Cookie").unwrap().is_sensitive());
        assert!(Headers::try_from([("a b", "1")]).unwrap_err().is_header());
        assert!(Headers::try_from([("A", "1\n")]).unwrap_err().is_header());
    }

    #[test]
    fn remove_returns_first_and_removes_all() {
        let mut h = Headers::new();
        h.append("Set-Cookie", v("a")).unwrap();
        h.append("X", v("y")).unwrap();
        h.append("set-cookie", v("b")).unwrap();
        assert_eq!(h.remove("SET-COOKIE").unwrap(), "a");
        assert_eq!(dump(&h), ["X=y"]);
    }
}
