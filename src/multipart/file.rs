//! [`FileReader`]: an open file read as an `AsyncRead`, each read done through the
//! executor's blocking facility ([`Executor::spawn_blocking`]) so that no task waits on the
//! disk.

use std::fs::File;
use std::io::{self, Read};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::AsyncRead;

use crate::rt::{self, BoxFuture, Executor};

/// Bytes read from the file at a time.
const READ_SIZE: usize = 64 * 1024;

/// What a blocking read hands back: the file, its buffer, and how the read went.
type Done = (File, Vec<u8>, io::Result<usize>);

/// Reads a file through the executor, one buffer at a time.
pub(super) struct FileReader {
    exec: Arc<dyn Executor>,
    state: State,
}

enum State {
    /// The file, and its buffer with `buf[at..]` not yet handed out.
    Idle { file: File, buf: Vec<u8>, at: usize },
    /// A read is running on the blocking pool.
    Reading(BoxFuture<'static, Option<Done>>),
    /// A read failed or its job was lost: nothing more can be read.
    Broken,
}

impl FileReader {
    pub(super) fn new(file: File, exec: Arc<dyn Executor>) -> FileReader {
        FileReader {
            exec,
            state: State::Idle {
                file,
                buf: Vec::new(),
                at: 0,
            },
        }
    }
}

impl AsyncRead for FileReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match std::mem::replace(&mut self.state, State::Broken) {
                State::Idle { file, buf, at } if at < buf.len() => {
                    let n = (buf.len() - at).min(out.len());
                    out[..n].copy_from_slice(&buf[at..at + n]);
                    self.state = State::Idle {
                        file,
                        buf,
                        at: at + n,
                    };
                    return Poll::Ready(Ok(n));
                }
                State::Idle {
                    mut file, mut buf, ..
                } => {
                    let exec = self.exec.clone();
                    self.state = State::Reading(Box::pin(async move {
                        rt::unblock(&*exec, move || {
                            buf.resize(READ_SIZE, 0);
                            let read = file.read(&mut buf);
                            buf.truncate(*read.as_ref().unwrap_or(&0));
                            (file, buf, read)
                        })
                        .await
                    }));
                }
                State::Reading(mut job) => match job.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.state = State::Reading(job);
                        return Poll::Pending;
                    }
                    Poll::Ready(Some((file, buf, Ok(n)))) => {
                        self.state = State::Idle { file, buf, at: 0 };
                        if n == 0 {
                            return Poll::Ready(Ok(0));
                        }
                    }
                    Poll::Ready(Some((_, _, Err(e)))) => return Poll::Ready(Err(e)),
                    Poll::Ready(None) => {
                        let lost = "the executor dropped a file read";
                        return Poll::Ready(Err(io::Error::other(lost)));
                    }
                },
                State::Broken => {
                    return Poll::Ready(Err(io::Error::other("an earlier file read failed")));
                }
            }
        }
    }
}
