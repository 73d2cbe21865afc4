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
//! cargo run --example fetch -- --json '{"a": 1}' --retry 3 https://httpbin.org/post
//! cargo run --example fetch -- --socks5-hostname 127.0.0.1:1080 -# -o page.html https://example.com/
//! ```

#[allow(dead_code)] // fetch uses the plain server only: no certificate to read
#[path = "../common/server.rs"]
mod server;

mod args;
mod bodies;
mod progress;

use std::fmt;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use tls_requests::{
    AsyncClient, BasicAuth, Certificate, DigestAuth, HeaderValue, Method, Profile, Proxy, Request,
    Response, Retry,
};

use args::{Args, USAGE, parse};

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

    let client = client(&args)?;
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
    // As curl: a meter when the body goes to a file and stderr is a terminal; -# for a bar.
    let shown =
        !args.silent && (args.progress_bar || args.output.is_some() && io::stderr().is_terminal());
    let coded = response.headers().contains("content-encoding");
    let total = response.content_length().filter(|_| !coded);
    let mut progress = shown.then(|| progress::Progress::new(total, args.progress_bar));
    while let Some(chunk) = response.chunk().await? {
        out.write_all(&chunk)?;
        if let Some(progress) = &mut progress {
            progress.add(chunk.len());
        }
    }
    if let Some(progress) = progress {
        progress.finish();
    }
    out.flush()?;
    if let Some(path) = &args.cookie_jar {
        std::fs::write(path, jar.to_netscape()).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

/// The client the options describe.
fn client(args: &Args) -> Result<AsyncClient, Failure> {
    let profile = Profile::by_name(args.profile.as_deref().unwrap_or("chrome"))?;
    let mut builder = AsyncClient::builder()
        .profile(profile)
        .danger_accept_invalid_certs(args.insecure)
        // As curl: the proxy variables count, unless -x names a proxy.
        .trust_env(args.proxy.is_none());
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
    if let Some(url) = &args.proxy {
        let mut proxy = Proxy::all(url)?;
        if let Some(user) = &args.proxy_user {
            let (user, password) = user.split_once(':').unwrap_or((user, ""));
            proxy = proxy.basic_auth(user, password);
        }
        if let Some(list) = &args.noproxy {
            proxy = proxy.no_proxy(list);
        }
        builder = builder.proxy(proxy);
    }
    if let Some(retries) = args.retry {
        // curl's: transient statuses, 1 s doubling up to 10 minutes, or a fixed delay.
        let mut retry = Retry::new(retries)
            .statuses([408, 429, 500, 502, 503, 504])
            .backoff(Duration::from_secs(1), Duration::from_secs(600));
        if let Some(delay) = args.retry_delay {
            retry = retry.backoff(delay, delay);
        }
        if let Some(max) = args.retry_max_time {
            retry = retry.max_elapsed(max);
        }
        builder = builder.retry(retry);
    }
    Ok(builder.build()?)
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
        request = request.multipart(bodies::form(&args.form)?);
    }
    let mut request = request.build()?;
    // Appended, not set, so that a name given twice is sent twice, as curl does.
    let headers = request.headers_mut();
    for (name, value) in &args.headers {
        let value = HeaderValue::from_str(value).map_err(|e| format!("header {name:?}: {e}"))?;
        headers.append(name, value)?;
    }
    if data.is_some() && !headers.contains("content-type") {
        let kind = match args.json {
            true => "application/json",
            false => "application/x-www-form-urlencoded",
        };
        headers.append("Content-Type", HeaderValue::from_static(kind))?;
    }
    if args.json && !headers.contains("accept") {
        headers.insert("Accept", HeaderValue::from_static("application/json"))?;
    }
    Ok(request)
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
