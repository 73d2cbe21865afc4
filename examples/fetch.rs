//! `fetch`: a small curl made of `tls_requests`, with curl's spelling of the common options.
//!
//! The response body is streamed to stdout (or `-o FILE`) as it arrives. Any failure is one
//! line, `error: ...`, on stderr and exit status 1; with `-f`, a status of 400 or more exits
//! with 22, as curl does. Run with no arguments at all, it starts an embedded HTTP server and
//! fetches `/` from it, so it works offline.
//!
//! ```text
//! cargo run --example fetch
//! cargo run --example fetch -- -i https://example.com/
//! cargo run --example fetch -- -v -L -H "Accept: text/html" https://www.rust-lang.org/
//! cargo run --example fetch -- -d @form.txt -o reply.html https://httpbin.org/post
//! cargo run --example fetch -- --digest -u user:passwd https://httpbin.org/digest-auth/auth/user/passwd
//! cargo run --example fetch -- -F title=holiday -F photo=@beach.png https://httpbin.org/post
//! cargo run --example fetch -- -G --data-urlencode "q=a b" https://httpbin.org/get
//! ```

#[allow(dead_code)] // fetch uses the plain server only: no certificate to read
#[path = "common/server.rs"]
mod server;

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use tls_requests::multipart::{Form, Part};
use tls_requests::{
    AsyncClient, BasicAuth, Certificate, DigestAuth, HeaderValue, Method, Profile, Request,
    Response,
};

const USAGE: &str = "\
Usage: fetch [options] URL

Fetches URL and writes the response body to stdout. A URL without a scheme is http.
With no arguments at all, fetch starts an embedded HTTP server on 127.0.0.1 and
fetches / from it, so it works offline.

Options:
  -X, --request METHOD    request method (default GET, or POST with -d)
  -H, --header 'N: V'     add a request header (repeatable; order and case are kept)
  -d, --data DATA         send DATA as a form body (POST); -d @FILE reads FILE, without
                          its CR and LF, as curl does; several -d are joined with '&'
      --data-binary DATA  like -d, but @FILE is sent byte for byte
      --data-urlencode DATA  like -d, URL-encoded: CONTENT, =CONTENT, NAME=CONTENT,
                          @FILE or NAME@FILE (NAME is sent as given, the rest encoded)
  -G, --get               send the -d and --data-urlencode data in the URL's query,
                          with GET
  -F, --form NAME=VALUE   send a multipart/form-data part (POST; repeatable):
                          NAME=text, NAME=@FILE (a file part, named after FILE),
                          NAME=<FILE (FILE's text as a field); after @FILE or <FILE,
                          ;type=MIME sets its Content-Type, ;filename=NAME its filename
  -i, --include           include the response head in the output
  -I, --head              send a HEAD request and print the response head
  -L, --location          follow redirects
      --max-redirs N      follow at most N redirects
  -k, --insecure          accept any server certificate
      --cacert FILE       trust the PEM certificates in FILE
  -m, --max-time SECS     give up after SECS seconds (fractions allowed)
      --connect-timeout SECS  give up connecting after SECS seconds (default 30)
  -u, --user USER[:PASS]  credentials, Basic unless --digest; USER alone has an empty
                          password (fetch never asks for one)
      --basic             use Basic for -u (the default)
      --digest            use Digest (RFC 7616) for -u
      --oauth2-bearer TOKEN  send Authorization: Bearer TOKEN
  -b, --cookie DATA|FILE  send cookies: \"a=1; b=2\" as given, or those of a cookies.txt FILE
  -c, --cookie-jar FILE   write the cookies the exchange left to FILE (cookies.txt format)
  -o, --output FILE       write the body to FILE instead of stdout
  -f, --fail              exit with status 22 on an HTTP status of 400 or more
  -v, --verbose           print the request and response heads on stderr
  -s, --silent            accepted; fetch prints no progress anyway
      --profile NAME      the browser to look like (default chrome; see --list-profiles)
      --list-profiles     print the profile names and exit
  -h, --help              print this help";

/// The options: short name (`' '` for none), long name, and whether a value follows.
const OPTIONS: &[(char, &str, bool)] = &[
    ('X', "request", true),
    ('H', "header", true),
    ('d', "data", true),
    (' ', "data-binary", true),
    (' ', "data-urlencode", true),
    ('G', "get", false),
    ('F', "form", true),
    ('i', "include", false),
    ('I', "head", false),
    ('L', "location", false),
    (' ', "max-redirs", true),
    ('k', "insecure", false),
    (' ', "cacert", true),
    ('m', "max-time", true),
    (' ', "connect-timeout", true),
    ('u', "user", true),
    (' ', "basic", false),
    (' ', "digest", false),
    (' ', "oauth2-bearer", true),
    ('b', "cookie", true),
    ('c', "cookie-jar", true),
    ('o', "output", true),
    ('f', "fail", false),
    ('v', "verbose", false),
    ('s', "silent", false),
    ('h', "help", false),
    (' ', "profile", true),
    (' ', "list-profiles", false),
];

/// What the command line asks for.
#[derive(Default)]
struct Args {
    method: Option<Method>,
    headers: Vec<(String, String)>,
    data: Option<Vec<u8>>,
    /// `-G`: the data goes in the query.
    get: bool,
    /// `-F` arguments, as given.
    form: Vec<String>,
    include: bool,
    head: bool,
    location: bool,
    max_redirs: Option<usize>,
    insecure: bool,
    cacert: Option<String>,
    max_time: Option<Duration>,
    connect_timeout: Option<Duration>,
    user: Option<String>,
    digest: bool,
    bearer: Option<String>,
    cookie_files: Vec<String>,
    cookie_jar: Option<String>,
    output: Option<String>,
    fail: bool,
    verbose: bool,
    help: bool,
    profile: Option<String>,
    list_profiles: bool,
    url: Option<String>,
}

/// Why fetch stopped: the message for stderr and the exit status.
struct Failure {
    message: String,
    code: i32,
}

impl<E: fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure {
            message: e.to_string(),
            code: 1,
        }
    }
}

fn main() {
    if let Err(failure) = smol::block_on(run()) {
        // One line, whatever the message holds.
        eprintln!("error: {}", failure.message.replace(['\r', '\n'], " "));
        std::process::exit(failure.code);
    }
}

async fn run() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().map_err(|a| format!("{a:?} is not UTF-8")))
        .collect::<Result<_, _>>()?;
    let offline = args.is_empty();
    let args = parse(args)?;
    if args.help {
        println!("{USAGE}");
        return Ok(());
    }
    if args.list_profiles {
        for name in Profile::list() {
            println!("{name}");
        }
        return Ok(());
    }
    let url = match (&args.url, offline) {
        (Some(url), _) if url.contains("://") => url.clone(),
        (Some(url), _) => format!("http://{url}"),
        (None, true) => format!("{}/", server::start(false)?.url),
        (None, false) => return Err("no URL given (see --help)".into()),
    };

    let profile = Profile::by_name(args.profile.as_deref().unwrap_or("chrome"))?;
    let mut builder = AsyncClient::builder()
        .profile(profile)
        .danger_accept_invalid_certs(args.insecure);
    if let Some(limit) = args.connect_timeout {
        builder = builder.connect_timeout(limit);
    }
    if let Some(path) = &args.cacert {
        let pem = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let certs = Certificate::from_pem(&pem).map_err(|e| format!("{path}: {e}"))?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    let client = builder.build()?;
    let jar = client.cookies().ok_or("the client keeps no cookies")?;
    for path in &args.cookie_files {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        jar.add_netscape(&text);
    }

    let request = build_request(&client, &url, &args)?;
    if args.verbose {
        let url = request.url();
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        eprintln!("> {} {}{query} HTTP/1.1", request.method(), url.path());
        for (name, value) in &client.wire_headers(&request)? {
            eprintln!("> {name}: {}", String::from_utf8_lossy(value.as_bytes()));
        }
        eprintln!(">");
    }
    let mut response = client.send(request).await?;
    if args.verbose {
        for r in heads(&response) {
            let mut head = Vec::new();
            write_head(&mut head, r, "< ", "\n")?;
            io::stderr().write_all(&head)?;
        }
    }
    if args.fail && response.status().as_u16() >= 400 {
        return Err(Failure {
            message: format!(
                "The requested URL returned error: {}",
                response.status().as_u16()
            ),
            code: 22,
        });
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(File::create(path).map_err(|e| format!("{path}: {e}"))?),
        None => Box::new(io::stdout().lock()),
    };
    if args.include || args.head {
        for r in heads(&response) {
            write_head(&mut out, r, "", "\r\n")?;
        }
    }
    while let Some(chunk) = response.chunk().await? {
        out.write_all(&chunk)?;
    }
    out.flush()?;
    if let Some(path) = &args.cookie_jar {
        std::fs::write(path, jar.to_netscape()).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

/// The request the options describe, with the user's headers in their order and case.
fn build_request(client: &AsyncClient, url: &str, args: &Args) -> Result<Request, Failure> {
    if args.data.is_some() && !args.form.is_empty() {
        return Err("-F cannot be used with -d or --data-urlencode".into());
    }
    let (url, data) = match (&args.data, args.get) {
        (Some(data), true) => {
            let query = std::str::from_utf8(data).map_err(|_| "-G data is not UTF-8")?;
            let separator = if url.contains('?') { '&' } else { '?' };
            (format!("{url}{separator}{query}"), None)
        }
        (data, _) => (url.to_owned(), data.as_ref()),
    };
    let has_body = data.is_some() || !args.form.is_empty();
    let method = match (&args.method, args.head, has_body) {
        (Some(method), _, _) => method.clone(),
        (None, true, true) => return Err("-I cannot be used with -d or -F".into()),
        (None, true, false) => Method::HEAD,
        (None, false, true) if !args.get => Method::POST,
        (None, false, _) => Method::GET,
    };
    let mut request = client.request(method, url).follow_redirects(args.location);
    if let Some(max) = args.max_redirs {
        request = request.max_redirects(max);
    }
    if let Some(timeout) = args.max_time {
        request = request.timeout(timeout);
    }
    if let Some(data) = data {
        request = request.body(data.clone());
    }
    match (&args.user, &args.bearer) {
        (Some(_), Some(_)) => return Err("-u and --oauth2-bearer cannot be used together".into()),
        (Some(user), None) => {
            // As curl: the password is what follows the first ':'.
            let (user, password) = user.split_once(':').unwrap_or((user, ""));
            request = if args.digest {
                request.auth(DigestAuth::new(user, password))
            } else {
                request.auth(BasicAuth::new(user, password))
            };
        }
        (None, Some(token)) => request = request.bearer_auth(token),
        (None, None) => {}
    }
    if !args.form.is_empty() {
        request = request.multipart(form(&args.form)?);
    }
    let mut request = request.build()?;
    // Appended, not set, so that a name given twice is sent twice, as curl does.
    let headers = request.headers_mut();
    for (name, value) in &args.headers {
        let value = HeaderValue::from_str(value).map_err(|e| format!("header {name:?}: {e}"))?;
        headers.append(name, value)?;
    }
    if data.is_some() && !headers.contains("content-type") {
        let form = HeaderValue::from_static("application/x-www-form-urlencoded");
        headers.append("Content-Type", form)?;
    }
    Ok(request)
}

/// The multipart form of the `-F` arguments, as curl reads them: `name=text`,
/// `name=@file` (a file part), `name=<file` (the file's text as a field), the last two with
/// `;type=...` and `;filename=...` after the file.
fn form(specs: &[String]) -> Result<Form, String> {
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
fn urlencoded(value: &str) -> Result<Vec<u8>, String> {
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

/// The heads of the redirects that led to `response`, then its own.
fn heads(response: &Response) -> impl Iterator<Item = &Response> {
    response.history().iter().chain([response])
}

/// Writes the status line and header fields of `response`, each line after `prefix`, and
/// the empty line that ends the head.
fn write_head(
    out: &mut impl Write,
    response: &Response,
    prefix: &str,
    eol: &str,
) -> io::Result<()> {
    let (version, code, reason) = (
        response.version(),
        response.status().as_u16(),
        response.reason(),
    );
    write!(out, "{prefix}{version:?} {code} {reason}{eol}")?;
    for (name, value) in response.headers() {
        write!(out, "{prefix}{name}: ")?;
        out.write_all(value.as_bytes())?;
        out.write_all(eol.as_bytes())?;
    }
    write!(out, "{}{eol}", prefix.trim_end())
}

/// `value` as a number of seconds, fractions allowed, for the option `name`.
fn seconds(name: &str, value: &str) -> Result<Duration, String> {
    let secs = value
        .parse()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    secs.ok_or_else(|| format!("invalid --{name} {value:?}"))
}

/// Reads the command line, curl style: `-k -L` or `-kL`, `-m 5` or `-m5`, `--max-time 5` or
/// `--max-time=5`, and `--` before a URL that starts with `-`.
fn parse(argv: Vec<String>) -> Result<Args, String> {
    let mut args = Args::default();
    let mut argv = argv.into_iter();
    while let Some(arg) = argv.next() {
        if arg == "--" {
            for url in argv.by_ref() {
                set_url(&mut args, url)?;
            }
        } else if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (long, None),
            };
            let &(_, name, takes_value) = OPTIONS
                .iter()
                .find(|o| o.1 == name)
                .ok_or_else(|| format!("unknown option --{name}"))?;
            let value = match (takes_value, inline) {
                (true, Some(value)) => Some(value),
                (true, None) => Some(argv.next().ok_or(format!("--{name} needs a value"))?),
                (false, None) => None,
                (false, Some(_)) => return Err(format!("--{name} takes no value")),
            };
            apply(&mut args, name, value)?;
        } else if let Some(shorts) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (i, c) in shorts.char_indices() {
                let &(_, name, takes_value) = OPTIONS
                    .iter()
                    .find(|o| o.0 == c && c != ' ')
                    .ok_or_else(|| format!("unknown option -{c}"))?;
                if !takes_value {
                    apply(&mut args, name, None)?;
                    continue;
                }
                let rest = &shorts[i + c.len_utf8()..];
                let value = match rest {
                    "" => argv.next().ok_or(format!("-{c} needs a value"))?,
                    _ => rest.to_owned(),
                };
                apply(&mut args, name, Some(value))?;
                break;
            }
        } else {
            set_url(&mut args, arg)?;
        }
    }
    Ok(args)
}

fn set_url(args: &mut Args, url: String) -> Result<(), String> {
    match args.url.replace(url) {
        Some(_) => Err("only one URL can be given".into()),
        None => Ok(()),
    }
}

/// Applies the option with long name `name`; `value` is there for those that take one.
fn apply(args: &mut Args, name: &str, value: Option<String>) -> Result<(), String> {
    let value = value.unwrap_or_default();
    match name {
        "request" => {
            let method = Method::from_bytes(value.as_bytes());
            args.method = Some(method.map_err(|_| format!("invalid method {value:?}"))?);
        }
        "header" => {
            let (name, v) = value
                .split_once(':')
                .ok_or_else(|| format!("invalid header {value:?}: expected \"Name: value\""))?;
            args.headers.push((name.to_owned(), v.trim().to_owned()));
        }
        "data" | "data-binary" | "data-urlencode" => {
            let data = match value.strip_prefix('@') {
                _ if name == "data-urlencode" => urlencoded(&value)?,
                Some(path) => {
                    let mut file = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                    if name == "data" {
                        file.retain(|b| !matches!(b, b'\r' | b'\n'));
                    }
                    file
                }
                None => value.into_bytes(),
            };
            match &mut args.data {
                Some(all) => {
                    all.push(b'&');
                    all.extend(data);
                }
                None => args.data = Some(data),
            }
        }
        "max-redirs" => {
            let max = value.parse();
            args.max_redirs = Some(max.map_err(|_| format!("invalid --max-redirs {value:?}"))?);
        }
        "max-time" => args.max_time = Some(seconds("max-time", &value)?),
        "connect-timeout" => args.connect_timeout = Some(seconds("connect-timeout", &value)?),
        // As curl: with an `=` it is the cookies themselves, else a file of them.
        "cookie" if value.contains('=') => args.headers.push(("Cookie".to_owned(), value)),
        "cookie" => args.cookie_files.push(value),
        "cookie-jar" => args.cookie_jar = Some(value),
        "user" => args.user = Some(value),
        "basic" => args.digest = false,
        "digest" => args.digest = true,
        "oauth2-bearer" => args.bearer = Some(value),
        "cacert" => args.cacert = Some(value),
        "output" => args.output = Some(value),
        "form" => args.form.push(value),
        "get" => args.get = true,
        "include" => args.include = true,
        "head" => args.head = true,
        "location" => args.location = true,
        "insecure" => args.insecure = true,
        "fail" => args.fail = true,
        "verbose" => args.verbose = true,
        "profile" => args.profile = Some(value),
        "list-profiles" => args.list_profiles = true,
        "help" => args.help = true,
        _ => {} // --silent: fetch never prints progress.
    }
    Ok(())
}
