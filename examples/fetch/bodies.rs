//! Request bodies from the command line: `-F` multipart forms and `--data-urlencode`.

use std::io;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use tls_requests::multipart::{Form, Part};

/// The multipart form of the `-F` arguments, as curl reads them: `name=text`,
/// `name=@file` (a file part), `name=<file` (the file's text as a field), the last two with
/// `;type=...` and `;filename=...` after the file.
pub fn form(specs: &[String]) -> Result<Form, String> {
    let mut form = Form::new();
    for spec in specs {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| format!("invalid -F {spec:?}: expected NAME=VALUE"))?;
        let file = match value.as_bytes().first() {
            Some(b'@') => true,
            Some(b'<') => false,
            _ => {
                form = form.text(name, value);
                continue;
            }
        };
        let mut params = value[1..].split(';');
        let path = params.next().unwrap_or_default();
        let read_error = |e: io::Error| format!("{path}: {e}");
        let mut part = if file {
            Part::file(path).map_err(read_error)?
        } else {
            let bytes = std::fs::read(path).map_err(read_error)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                format!("{path}: not UTF-8 text (-F {name}=@{path} sends it as a file)")
            })?;
            Part::text(text)
        };
        for param in params {
            let (key, v) = param.split_once('=').unwrap_or((param, ""));
            let v = v.trim_matches('"');
            part = match key.trim() {
                "type" => part.mime_str(v).map_err(|e| format!("-F {name}: {e}"))?,
                "filename" => part.file_name(v),
                other => return Err(format!("-F {name}: unknown parameter {other:?}")),
            };
        }
        form = form.part(name, part);
    }
    Ok(form)
}

/// What curl's `--data-urlencode` leaves unencoded: letters, digits and `-._~`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One `--data-urlencode` argument, as curl reads it: up to the first `=`, a name sent as
/// it is (none for `=content`); else up to the first `@`, a name and a file to read; else
/// all of it is the content.
pub fn urlencoded(value: &str) -> Result<Vec<u8>, String> {
    let (name, content) = match value.split_once('=') {
        Some((name, content)) => (name, content.as_bytes().to_vec()),
        None => match value.split_once('@') {
            Some((name, path)) => (
                name,
                std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
            ),
            None => ("", value.as_bytes().to_vec()),
        },
    };
    let encoded = percent_encode(&content, UNRESERVED).to_string();
    Ok(match name {
        "" => encoded.into_bytes(),
        name => format!("{name}={encoded}").into_bytes(),
    })
}
