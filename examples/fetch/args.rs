//! fetch's command line, read as curl reads its own.

use std::time::Duration;

use tls_requests::Method;

use crate::bodies::urlencoded;

pub const USAGE: &str = "\
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
      --json DATA         send DATA as JSON (POST, Content-Type and Accept
                          application/json); @FILE reads FILE; several are joined
      --data-urlencode DATA  like -d, URL-encoded: CONTENT, =CONTENT, NAME=CONTENT,
                          @FILE or NAME@FILE (NAME is sent as given, the rest encoded)
  -G, --get               send the -d and --data-urlencode data in the URL's query,
                          with GET
  -F, --form NAME=VALUE   send a multipart/form-data part (POST; repeatable):
                          NAME=text, NAME=@FILE (a file part, named after FILE),
                          NAME=<FILE (FILE's text as a field); after @FILE or <FILE,
                          ;type=MIME sets its Content-Type, ;filename=NAME its filename
      --compressed        ask for a compressed response and decode it (fetch always
                          offers the codings it decodes; this keeps curl's scripts working)
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
  -x, --proxy URL         go through the proxy at URL: http://, socks5://, socks5h://,
                          socks4a:// (no scheme: http); credentials in URL or -U
  -U, --proxy-user U:P    the proxy's credentials
      --noproxy LIST      hosts to reach directly (commas: domains, IPs, CIDR, *)
      --socks5 HOST:PORT  a SOCKS5 proxy, names resolved here
      --socks5-hostname HOST:PORT  a SOCKS5 proxy, names resolved by the proxy
                          (without -x, the http_proxy, https_proxy, all_proxy and
                          no_proxy variables are read, as curl reads them)
      --retry N           try again up to N times after a connection failure or a
                          408, 429, 500, 502, 503 or 504 (GET, HEAD, PUT, DELETE...),
                          waiting as Retry-After says, else 1 s doubling
      --retry-delay SECS  wait SECS between retries instead
      --retry-max-time SECS  retry only within SECS
  -b, --cookie DATA|FILE  send cookies: \"a=1; b=2\" as given, or those of a cookies.txt FILE
  -c, --cookie-jar FILE   write the cookies the exchange left to FILE (cookies.txt format)
  -o, --output FILE       write the body to FILE instead of stdout
  -f, --fail              exit with status 22 on an HTTP status of 400 or more
  -v, --verbose           print the request and response heads on stderr
  -s, --silent            no progress meter
  -#, --progress-bar      a progress bar on stderr instead of the meter (the meter is
                          shown when writing to a file with -o and stderr is a terminal)
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
    (' ', "json", true),
    (' ', "compressed", false),
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
    ('x', "proxy", true),
    ('U', "proxy-user", true),
    (' ', "noproxy", true),
    (' ', "socks5", true),
    (' ', "socks5-hostname", true),
    (' ', "retry", true),
    (' ', "retry-delay", true),
    (' ', "retry-max-time", true),
    ('b', "cookie", true),
    ('c', "cookie-jar", true),
    ('o', "output", true),
    ('f', "fail", false),
    ('v', "verbose", false),
    ('s', "silent", false),
    ('#', "progress-bar", false),
    ('h', "help", false),
    (' ', "profile", true),
    (' ', "list-profiles", false),
];

/// What the command line asks for.
#[derive(Default)]
pub struct Args {
    pub method: Option<Method>,
    pub headers: Vec<(String, String)>,
    pub data: Option<Vec<u8>>,
    /// `-G`: the data goes in the query.
    pub get: bool,
    /// `-F` arguments, as given.
    pub form: Vec<String>,
    pub include: bool,
    pub head: bool,
    pub location: bool,
    pub max_redirs: Option<usize>,
    pub insecure: bool,
    pub cacert: Option<String>,
    pub max_time: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub user: Option<String>,
    pub digest: bool,
    pub bearer: Option<String>,
    pub cookie_files: Vec<String>,
    pub cookie_jar: Option<String>,
    pub output: Option<String>,
    pub fail: bool,
    pub verbose: bool,
    pub help: bool,
    pub profile: Option<String>,
    pub list_profiles: bool,
    pub url: Option<String>,
    /// `--json`: the data is JSON.
    pub json: bool,
    pub proxy: Option<String>,
    pub proxy_user: Option<String>,
    pub noproxy: Option<String>,
    pub retry: Option<u32>,
    pub retry_delay: Option<Duration>,
    pub retry_max_time: Option<Duration>,
    pub silent: bool,
    pub progress_bar: bool,
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
pub fn parse(argv: Vec<String>) -> Result<Args, String> {
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
            if args.json {
                return Err("--json cannot be used with -d".into());
            }
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
        "json" => {
            if args.data.is_some() && !args.json {
                return Err("--json cannot be used with -d".into());
            }
            args.json = true;
            let data = match value.strip_prefix('@') {
                Some(path) => std::fs::read(path).map_err(|e| format!("{path}: {e}"))?,
                None => value.into_bytes(),
            };
            // As curl: several --json are joined as they are.
            args.data.get_or_insert_with(Vec::new).extend(data);
        }
        "proxy" => args.proxy = Some(value),
        "socks5" => args.proxy = Some(format!("socks5://{value}")),
        "socks5-hostname" => args.proxy = Some(format!("socks5h://{value}")),
        "proxy-user" => args.proxy_user = Some(value),
        "noproxy" => args.noproxy = Some(value),
        "retry" => {
            let n = value.parse();
            args.retry = Some(n.map_err(|_| format!("invalid --retry {value:?}"))?);
        }
        "retry-delay" => args.retry_delay = Some(seconds("retry-delay", &value)?),
        "retry-max-time" => args.retry_max_time = Some(seconds("retry-max-time", &value)?),
        "silent" => args.silent = true,
        "progress-bar" => args.progress_bar = true,
        _ => {} // --compressed: decoding is always on, Accept-Encoding names what it decodes.
    }
    Ok(())
}
