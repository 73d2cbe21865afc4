//! `parse_head` on arbitrary bytes, with the default limits and with small limits taken from
//! the first two bytes.
//!
//! Checked: the consumed length is within the input and the limit; names are non-empty
//! tokens; values and the reason hold no CR, LF or NUL; `framing` and `keep_alive` don't
//! panic; the small limits give the same head or exactly the limit error the default-limit
//! head predicts; a complete head is unchanged by what follows it, and every shorter prefix
//! of it is incomplete, never an error.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tls_requests::proto::h1::{Limits, ProtoError, parse_head};
use tls_requests_fuzz::{Head, head_data};

fn parse(buf: &[u8], limits: &Limits) -> Result<Option<(Head, usize)>, ProtoError> {
    let bytes = Bytes::copy_from_slice(buf);
    let parsed = parse_head(&bytes, limits)?;
    Ok(parsed.map(|(head, len)| {
        assert!(len <= buf.len(), "consumed {len} of {} bytes", buf.len());
        assert!(len > 0, "a head of 0 bytes");
        assert!(
            len <= limits.max_head_bytes,
            "consumed {len} over the limit"
        );
        (head_data(&head, limits), len)
    }))
}

fn is_limit_error(e: &ProtoError) -> bool {
    matches!(
        e,
        ProtoError::HeadTooLarge { .. } | ProtoError::TooManyHeaders { .. }
    )
}

fuzz_target!(|data: &[u8]| {
    let default = Limits::default();
    let whole = parse(data, &default);

    // Small limits from the first bytes: 0..=510 bytes of head, 0..=15 fields.
    if let [a, b, ..] = *data {
        let small = Limits {
            max_head_bytes: usize::from(a) * 2,
            max_headers: usize::from(b % 16),
        };
        let limited = parse(data, &small);
        match (&whole, &limited) {
            (Ok(Some((head, len))), _) => {
                // Fields are counted by httparse before the length is checked.
                let want: Result<Option<(&Head, usize)>, ProtoError> =
                    if head.headers.len() > small.max_headers {
                        Err(ProtoError::TooManyHeaders {
                            limit: small.max_headers,
                        })
                    } else if *len > small.max_head_bytes {
                        Err(ProtoError::HeadTooLarge {
                            limit: small.max_head_bytes,
                        })
                    } else {
                        Ok(Some((head, *len)))
                    };
                let got: Result<Option<(&Head, usize)>, ProtoError> = limited
                    .as_ref()
                    .map(|o| o.as_ref().map(|(h, l)| (h, *l)))
                    .map_err(Clone::clone);
                assert_eq!(got, want, "small limits {small:?}");
            }
            (Ok(None), r) => assert!(
                matches!(r, Ok(None)) || matches!(r, Err(e) if is_limit_error(e)),
                "incomplete with default limits, {r:?} with {small:?}"
            ),
            (Err(e), r) => assert!(
                match r {
                    Ok(_) => false,
                    Err(f) => f == e || is_limit_error(f),
                },
                "{e:?} with default limits, {r:?} with {small:?}"
            ),
        }
    }

    if let Ok(Some((head, len))) = &whole {
        let len = *len;
        // What follows a head does not change it.
        let mut extended = data[..len].to_vec();
        extended.extend_from_slice(b"\r\nHTTP/1.1 200 OK\r\n\0\0garbage");
        let again = parse(&extended, &default).expect("a head followed by more bytes");
        assert_eq!(again.as_ref().map(|(h, l)| (h, *l)), Some((head, len)));
        let exact = parse(&data[..len], &default).expect("the head alone");
        assert_eq!(exact.as_ref().map(|(h, l)| (h, *l)), Some((head, len)));
        // Every shorter prefix is incomplete (a few of them: all would be quadratic).
        let pick = data.get(2).map_or(0, |&b| usize::from(b));
        for cut in [0, 1, len / 2, len - 1, pick % len] {
            let cut = cut.min(len - 1);
            let r = parse(&data[..cut], &default);
            assert!(
                matches!(r, Ok(None)),
                "prefix of {cut} bytes of a {len}-byte head: {r:?}"
            );
        }
    }

    // An error found in a prefix stays an error once more bytes arrive.
    if let Some(&b) = data.get(3) {
        let cut = usize::from(b) % (data.len() + 1);
        let prefix = parse(&data[..cut], &default);
        if let Err(e) = &prefix {
            if !is_limit_error(e) {
                assert!(
                    whole.is_err(),
                    "{e:?} on the first {cut} bytes, but {whole:?} on all"
                );
            }
        }
    }
});
