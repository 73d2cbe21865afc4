//! `multipart/form-data` bodies (RFC 7578), as browsers send them: a [`Form`] of text fields
//! and file [`Part`]s, streamed, never held whole in memory.
//!
//! Field names and filenames are quoted and escaped as the HTML standard says (line breaks
//! become `%0D%0A`, `"` becomes `%22`); a file part's `Content-Type` is the one given, else
//! guessed from its filename, else `application/octet-stream`. When every part's length is
//! known (text, bytes, files), the body goes with `Content-Length`, as browsers send it;
//! with a stream of unknown length in it, chunked.
//!
//! ```
//! use tls_requests::multipart::{Form, Part};
//! use tls_requests::{AsyncClient, MockResponse, MockTransport};
//! # smol::block_on(async {
//! let mock = MockTransport::new(|_| MockResponse::new(200));
//! let client = AsyncClient::builder().connector(mock.clone()).build()?;
//! let form = Form::new()
//!     .text("title", "holiday")
//!     .part("photo", Part::bytes(&b"\x89PNG..."[..]).file_name("beach.png"));
//! client.post("https://example.com/upload").multipart(form).await?;
//!
//! let sent = &mock.requests()[0];
//! let body = String::from_utf8_lossy(&sent.body);
//! assert!(body.contains("name=\"photo\"; filename=\"beach.png\"\r\nContent-Type: image/png\r\n"));
//! assert_eq!(sent.headers.get("content-length").unwrap(), sent.body.len().to_string().as_str());
//! # Ok::<(), tls_requests::Error>(())
//! # }).unwrap();
//! ```

mod chain;
mod file;

use std::collections::VecDeque;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_io::AsyncRead;
use http::HeaderValue;

use crate::error::{Error, Kind, Result};
use crate::request::Body;
use crate::rt::Executor;
use chain::{Chain, Segment};
use file::FileReader;

/// A `multipart/form-data` body: named parts in order, between a random boundary.
///
/// Send it with [`RequestBuilder::multipart`](crate::RequestBuilder::multipart), which sets
/// the body and its `Content-Type` (with the boundary).
pub struct Form {
    boundary: String,
    parts: Vec<(String, Part)>,
}

/// One part of a [`Form`]: its content, and optionally a filename and a content type.
pub struct Part {
    content: Content,
    file_name: Option<String>,
    content_type: Option<HeaderValue>,
}

enum Content {
    /// A text field's value.
    Text(Bytes),
    /// A file's bytes, in memory.
    Bytes(Bytes),
    /// An open file of this length, read as it is sent.
    File(File, u64),
    /// A reader, of this length when known.
    Reader(Box<dyn AsyncRead + Send + Unpin>, Option<u64>),
}

impl Default for Form {
    fn default() -> Form {
        Form::new()
    }
}

impl Form {
    /// An empty form with a boundary of its own, as Chrome makes them
    /// (`----WebKitFormBoundary` and 16 random letters and digits).
    pub fn new() -> Form {
        let mut boundary = String::from("----WebKitFormBoundary");
        boundary.extend(std::iter::repeat_with(fastrand::alphanumeric).take(16));
        Form {
            boundary,
            parts: Vec::new(),
        }
    }

    /// The boundary between the parts.
    pub fn boundary(&self) -> &str {
        &self.boundary
    }

    /// Adds a text field.
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Form {
        self.part(name, Part::text(value))
    }

    /// Adds a part.
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Form {
        self.parts.push((name.into(), part));
        self
    }

    /// Adds the file at `path` as a file part ([`Part::file`]).
    pub fn file(self, name: impl Into<String>, path: impl AsRef<Path>) -> io::Result<Form> {
        Ok(self.part(name, Part::file(path)?))
    }

    /// The body's `Content-Type`: `multipart/form-data; boundary=...`.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The body's length in bytes, when every part's length is known.
    pub fn content_length(&self) -> Option<u64> {
        let mut total = closing(&self.boundary).len() as u64;
        for (name, part) in &self.parts {
            total += part_head(&self.boundary, name, part).len() as u64 + part.len()? + 2;
        }
        Some(total)
    }

    /// The body: bytes in memory when every part is (so it can be sent again), else streamed,
    /// files read through `exec`'s blocking facility as they are sent; with every length
    /// known it is [`Body::sized`], else [`Body::from_reader`].
    pub(crate) fn into_body(self, exec: &Arc<dyn Executor>) -> Body {
        let len = self.content_length();
        let mut segments = VecDeque::with_capacity(self.parts.len() * 3 + 1);
        for (name, part) in self.parts {
            let head = part_head(&self.boundary, &name, &part);
            segments.push_back(Segment::Bytes(head.into()));
            segments.push_back(match part.content {
                Content::Text(b) | Content::Bytes(b) => Segment::Bytes(b),
                Content::File(file, _) => {
                    Segment::Reader(Box::new(FileReader::new(file, exec.clone())))
                }
                Content::Reader(reader, _) => Segment::Reader(reader),
            });
            segments.push_back(Segment::Bytes(Bytes::from_static(b"\r\n")));
        }
        segments.push_back(Segment::Bytes(closing(&self.boundary).into()));
        // All in memory: one body of bytes, which a redirect, a retry or an auth can send
        // again (as httpx does).
        if segments.iter().all(|s| matches!(s, Segment::Bytes(_))) {
            let mut whole = BytesMut::with_capacity(len.unwrap_or(0) as usize);
            for segment in segments {
                if let Segment::Bytes(bytes) = segment {
                    whole.extend_from_slice(&bytes);
                }
            }
            return Body::from(whole.freeze());
        }
        let chain = Chain::new(segments);
        match len {
            Some(len) => Body::sized(chain, len),
            None => Body::from_reader(chain),
        }
    }
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("boundary", &self.boundary)
            .field("parts", &self.parts)
            .finish()
    }
}

impl Part {
    fn new(content: Content) -> Part {
        Part {
            content,
            file_name: None,
            content_type: None,
        }
    }

    /// A text field's value: no filename and no `Content-Type` unless set.
    pub fn text(value: impl Into<String>) -> Part {
        Part::new(Content::Text(Bytes::from(value.into())))
    }

    /// A file's content from memory.
    pub fn bytes(value: impl Into<Bytes>) -> Part {
        Part::new(Content::Bytes(value.into()))
    }

    /// The file at `path`, opened now and read as the body is sent (through the client's
    /// executor, so no task blocks on the disk); its filename is the path's last component
    /// and its length the file's length now.
    pub fn file(path: impl AsRef<Path>) -> io::Result<Part> {
        let path = path.as_ref();
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut part = Part::new(Content::File(file, len));
        part.file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Ok(part)
    }

    /// A file's content read from `reader` as it is sent, of unknown length: the form then
    /// goes chunked.
    pub fn reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Part {
        Part::new(Content::Reader(Box::new(reader), None))
    }

    /// A file's content read from `reader`, which gives exactly `len` bytes: the form keeps
    /// a known length (a reader that gives another number of bytes fails the request).
    pub fn reader_with_length(reader: impl AsyncRead + Send + Unpin + 'static, len: u64) -> Part {
        Part::new(Content::Reader(Box::new(reader), Some(len)))
    }

    /// Sets the filename.
    pub fn file_name(mut self, name: impl Into<String>) -> Part {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the `Content-Type`, such as `"text/plain"`; an invalid value is a
    /// [`Kind::Header`] error.
    pub fn mime_str(mut self, content_type: &str) -> Result<Part> {
        let value = HeaderValue::from_str(content_type).map_err(|e| Error::new(Kind::Header, e))?;
        self.content_type = Some(value);
        Ok(self)
    }

    /// The `Content-Type` the part goes with: the one set; else, for a file part, the one
    /// its filename suggests or `application/octet-stream`; none for a text field.
    fn content_type(&self) -> Option<HeaderValue> {
        if let Some(set) = &self.content_type {
            return Some(set.clone());
        }
        if self.file_name.is_none() && matches!(self.content, Content::Text(_)) {
            return None;
        }
        let guess = self
            .file_name
            .as_deref()
            .and_then(|name| mime_guess::from_path(name).first_raw())
            .unwrap_or("application/octet-stream");
        Some(HeaderValue::from_static(guess))
    }

    /// The content's length, when known.
    fn len(&self) -> Option<u64> {
        match &self.content {
            Content::Text(b) | Content::Bytes(b) => Some(b.len() as u64),
            Content::File(_, len) => Some(*len),
            Content::Reader(_, len) => *len,
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content = match &self.content {
            Content::Text(_) => "text",
            Content::Bytes(_) => "bytes",
            Content::File(..) => "file",
            Content::Reader(..) => "reader",
        };
        f.debug_struct("Part")
            .field("content", &content)
            .field("len", &self.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type())
            .finish()
    }
}

/// What goes before a part's content: the boundary line and the part's header fields.
fn part_head(boundary: &str, name: &str, part: &Part) -> String {
    let mut head = format!("--{}\r\nContent-Disposition: form-data; name=\"", boundary);
    escape_into(name, &mut head);
    head.push('"');
    if let Some(file_name) = &part.file_name {
        head.push_str("; filename=\"");
        escape_into(file_name, &mut head);
        head.push('"');
    }
    head.push_str("\r\n");
    if let Some(content_type) = part.content_type() {
        head.push_str("Content-Type: ");
        head.push_str(&String::from_utf8_lossy(content_type.as_bytes()));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// The last boundary line.
fn closing(boundary: &str) -> String {
    format!("--{}--\r\n", boundary)
}

/// Appends `name` as the HTML standard writes a field name or filename in a part's header:
/// every line break (CR, LF or CRLF) as `%0D%0A`, and `"` as `%22`.
fn escape_into(name: &str, out: &mut String) {
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("%22"),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("%0D%0A");
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_as_browsers_do() {
        let mut out = String::new();
        escape_into("a\"b\rc\nd\r\ne é", &mut out);
        assert_eq!(out, "a%22b%0D%0Ac%0D%0Ad%0D%0Ae é");
    }

    #[test]
    fn content_types_are_set_guessed_or_octet_stream() {
        let ct = |p: Part| p.content_type().map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(ct(Part::text("x")), None);
        assert_eq!(
            ct(Part::text("x").file_name("a.txt")).as_deref(),
            Some("text/plain")
        );
        assert_eq!(
            ct(Part::bytes("x").file_name("a.png")).as_deref(),
            Some("image/png")
        );
        assert_eq!(
            ct(Part::bytes("x").file_name("a.unknownext")).as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(
            ct(Part::bytes("x")).as_deref(),
            Some("application/octet-stream")
        );
        let set = Part::bytes("x")
            .file_name("a.png")
            .mime_str("text/x-mine")
            .unwrap();
        assert_eq!(ct(set).as_deref(), Some("text/x-mine"));
        assert_eq!(
            Part::text("x").mime_str("bad\n").unwrap_err().kind(),
            Kind::Header
        );
    }

    #[test]
    fn the_length_is_known_unless_a_reader_of_unknown_length_is_in_it() {
        let form = Form::new()
            .text("a", "1")
            .part("f", Part::bytes("xyz").file_name("f"));
        let b = form.boundary().to_owned();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\
             Content-Type: application/octet-stream\r\n\r\nxyz\r\n--{b}--\r\n"
        );
        assert_eq!(form.content_length(), Some(expected.len() as u64));
        let empty = futures_lite::io::Cursor::new(Vec::new());
        assert_eq!(form.part("r", Part::reader(empty)).content_length(), None);
        assert_ne!(Form::new().boundary(), Form::new().boundary());
    }
}
