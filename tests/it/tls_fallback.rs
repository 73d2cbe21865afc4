//! Which hello the client sends after a failed handshake: the fallback retry, and which
//! failures make the client remember a host for the fallback hello.
//!
//! A front listener reads each ClientHello (without taking it off the socket), may hang up on
//! the first connection, and otherwise splices the connection to a real TLS server.

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_io::{Async, Timer};
use futures_lite::{future, io};

use crate::clienthello::parser::{self, ClientHello};
use crate::support::{Reply, Server, run, text};

/// How the front treats the first connection, once it has read the hello.
#[derive(Debug, Clone, Copy)]
enum HangUp {
    /// Closes with the hello unread, which makes the kernel send a TCP RST.
    Reset,
    /// Reads the hello and closes: a FIN, the client reads EOF.
    Eof,
}

/// The listener in front of `backend`.
struct Front {
    port: u16,
    hellos: Arc<Mutex<Vec<ClientHello>>>,
    _task: smol::Task<()>,
}

impl Front {
    fn start(backend: SocketAddr, first: Option<HangUp>) -> Front {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let port = listener.get_ref().local_addr().unwrap().port();
        let hellos = Arc::new(Mutex::new(Vec::new()));
        let seen = hellos.clone();
        let task = smol::spawn(async move {
            let mut accepted = 0;
            while let Ok((conn, _)) = listener.accept().await {
                accepted += 1;
                let Some((hello, len)) = peek_hello(&conn).await else {
                    continue;
                };
                seen.lock().unwrap().push(hello);
                match (accepted, first) {
                    (1, Some(HangUp::Reset)) => drop(conn),
                    (1, Some(HangUp::Eof)) => {
                        let mut hello = vec![0; len];
                        let _ =
                            futures_lite::AsyncReadExt::read_exact(&mut &conn, &mut hello).await;
                        let _ = conn.get_ref().shutdown(Shutdown::Both);
                    }
                    _ => smol::spawn(splice(conn, backend)).detach(),
                }
            }
        });
        Front {
            port,
            hellos,
            _task: task,
        }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}/", self.port)
    }

    /// Each hello so far as `browser` (TLS 1.3 only, ECH GREASE) or `fallback` (TLS 1.2
    /// offered, no ECH).
    fn hellos(&self) -> Vec<&'static str> {
        self.hellos
            .lock()
            .unwrap()
            .iter()
            .map(|h| {
                match (
                    h.supported_versions.as_slice(),
                    h.extension(0xfe0d).is_some(),
                ) {
                    ([0x0304], true) => "browser",
                    ([0x0304, 0x0303], false) => "fallback",
                    _ => panic!("neither hello: {:x?}", h.supported_versions),
                }
            })
            .collect()
    }
}

/// The ClientHello at the start of `conn` and its length, left unread on the socket.
async fn peek_hello(conn: &Async<TcpStream>) -> Option<(ClientHello, usize)> {
    let mut buf = vec![0; 16384];
    for _ in 0..1000 {
        let n = conn.peek(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        if let Ok(hello) = parser::parse(&buf[..n]) {
            return Some((hello, n));
        }
        // Not all of it yet; peek returns at once with what is there.
        Timer::after(Duration::from_millis(1)).await;
    }
    None
}

/// Copies both ways between `client` and a new connection to `backend`.
async fn splice(client: Async<TcpStream>, backend: SocketAddr) {
    let Ok(server) = Async::<TcpStream>::connect(backend).await else {
        return;
    };
    let up = async {
        let _ = io::copy(&client, &mut &server).await;
        let _ = server.get_ref().shutdown(Shutdown::Write);
    };
    let down = async {
        let _ = io::copy(&server, &mut &client).await;
        let _ = client.get_ref().shutdown(Shutdown::Write);
    };
    future::zip(up, down).await;
}

#[test]
fn a_hang_up_after_the_hello_is_retried_but_not_remembered() {
    for first in [HangUp::Reset, HangUp::Eof] {
        let backend = Server::tls(|_| Reply::ok("ok"));
        let front = Front::start(backend.addr, Some(first));
        run(async {
            let client = backend.client().pool_max_idle_per_host(0).build().unwrap();
            assert_eq!(text(&client, front.url()).await, "ok", "{first:?}");
            assert_eq!(text(&client, front.url()).await, "ok", "{first:?}");
        });
        assert_eq!(
            front.hellos(),
            ["browser", "fallback", "browser"],
            "{first:?}: the retry is the fallback, the next connection the browser's again"
        );
    }
}

#[test]
fn a_tls12_only_server_is_remembered() {
    let backend = Server::tls12_only(|s| Reply::ok(s.tls_version.as_deref().unwrap_or("?")));
    let front = Front::start(backend.addr, None);
    run(async {
        let client = backend.client().pool_max_idle_per_host(0).build().unwrap();
        assert_eq!(text(&client, front.url()).await, "TLSv1_2");
        assert_eq!(text(&client, front.url()).await, "TLSv1_2");
    });
    assert_eq!(
        front.hellos(),
        ["browser", "fallback", "fallback"],
        "the server's protocol_version alert gets the host the fallback hello at once"
    );
}
