//! [`Charset`]: which encoding a body's text is in, and decoding it (whole or piece by piece)
//! with `encoding_rs`, by WHATWG labels as browsers read them (`latin1` is windows-1252).
//!
//! The rules, first match wins: the `charset` parameter of `Content-Type` (quoted or not, any
//! case; an unknown one is skipped), a byte order mark (UTF-8, UTF-16LE, UTF-16BE), the
//! client's default, UTF-8. Bytes that do not decode become U+FFFD.

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8};

use crate::headers::Headers;

/// The encoding `label` names (a WHATWG label: any case, surrounding spaces ignored).
pub(crate) fn for_label(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.as_bytes())
}

/// How a body's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Charset {
    encoding: &'static Encoding,
    /// Named by the response or the caller: a byte order mark of the same encoding is
    /// dropped, any other is text. Otherwise a byte order mark decides.
    named: bool,
}

impl Charset {
    /// The charset of a response with `headers`, on a client whose default is `default`.
    pub(crate) fn for_response(headers: &Headers, default: Option<&'static Encoding>) -> Charset {
        match declared(headers) {
            Some(encoding) => Charset::named(encoding),
            None => Charset {
                encoding: default.unwrap_or(UTF_8),
                named: false,
            },
        }
    }

    /// Exactly `encoding`, whatever the body says.
    pub(crate) fn named(encoding: &'static Encoding) -> Charset {
        Charset {
            encoding,
            named: true,
        }
    }

    /// The encoding's WHATWG name (`"UTF-8"`, `"Shift_JIS"`, `"windows-1252"`), before a byte
    /// order mark has been seen.
    pub(crate) fn name(self) -> &'static str {
        self.encoding.name()
    }

    /// `bytes` as text.
    pub(crate) fn decode(self, bytes: &[u8]) -> String {
        let text = if self.named {
            self.encoding.decode_with_bom_removal(bytes).0
        } else {
            self.encoding.decode(bytes).0
        };
        text.into_owned()
    }

    /// A decoder for a body that arrives in pieces (see [`push_decoded`]).
    pub(crate) fn decoder(self) -> Decoder {
        if self.named {
            self.encoding.new_decoder_with_bom_removal()
        } else {
            self.encoding.new_decoder()
        }
    }
}

/// Decodes `src` onto the end of `dst`; a character split across pieces is completed by the
/// next call. `last` says `src` is the body's end: an incomplete character there is U+FFFD.
pub(crate) fn push_decoded(decoder: &mut Decoder, mut src: &[u8], dst: &mut String, last: bool) {
    loop {
        // At most this many bytes of UTF-8 come out of `src`: one pass needs no more room.
        let room = decoder
            .max_utf8_buffer_length(src.len())
            .unwrap_or(src.len().saturating_mul(3).saturating_add(16));
        dst.reserve(room);
        let (result, read, _) = decoder.decode_to_string(src, dst, last);
        src = &src[read..];
        if result == CoderResult::InputEmpty {
            return;
        }
    }
}

/// The known encoding that the `charset` parameter of `Content-Type` names.
fn declared(headers: &Headers) -> Option<&'static Encoding> {
    let content_type = headers.get("content-type")?.as_bytes();
    content_type
        .split(|&b| b == b';')
        .skip(1)
        .find_map(|param| {
            let eq = param.iter().position(|&b| b == b'=')?;
            let (name, value) = (param[..eq].trim_ascii(), param[eq + 1..].trim_ascii());
            if !name.eq_ignore_ascii_case(b"charset") {
                return None;
            }
            let value = value
                .strip_prefix(b"\"")
                .and_then(|v| v.strip_suffix(b"\""))
                .unwrap_or(value);
            Encoding::for_label(value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn with_type(value: &'static str) -> Headers {
        let mut headers = Headers::new();
        headers
            .append("Content-Type", HeaderValue::from_static(value))
            .unwrap();
        headers
    }

    fn name_for(value: &'static str) -> &'static str {
        Charset::for_response(&with_type(value), None).name()
    }

    #[test]
    fn the_charset_parameter_is_read_quoted_or_not_in_any_case() {
        assert_eq!(name_for("text/html; charset=Shift_JIS"), "Shift_JIS");
        assert_eq!(name_for("text/html;CHARSET=\"latin1\""), "windows-1252");
        assert_eq!(name_for("text/html; q=1; Charset = utf-16 "), "UTF-16LE");
        assert_eq!(name_for("text/plain; charset=no-such"), "UTF-8");
        assert_eq!(name_for("text/plain; charset"), "UTF-8");
        assert_eq!(name_for("text/plain"), "UTF-8");
    }

    #[test]
    fn a_byte_order_mark_decides_only_when_no_charset_is_named() {
        let le = b"\xff\xfeh\x00i\x00";
        assert_eq!(
            Charset::for_response(&Headers::new(), None).decode(le),
            "hi"
        );
        let latin1 = Charset::named(for_label("latin1").unwrap());
        assert_eq!(latin1.decode(le), "\u{ff}\u{fe}h\0i\0");
        let utf8_bom = b"\xef\xbb\xbfhi";
        assert_eq!(
            Charset::named(UTF_8).decode(utf8_bom),
            "hi",
            "its own BOM goes"
        );
    }

    #[test]
    fn a_character_split_across_pieces_is_decoded_whole() {
        let mut decoder = Charset::named(UTF_8).decoder();
        let mut text = String::new();
        let snowman = "\u{2603}".as_bytes();
        push_decoded(&mut decoder, &snowman[..1], &mut text, false);
        push_decoded(&mut decoder, &snowman[1..], &mut text, false);
        push_decoded(&mut decoder, b"\xe2", &mut text, true);
        assert_eq!(text, "\u{2603}\u{fffd}");
    }
}
