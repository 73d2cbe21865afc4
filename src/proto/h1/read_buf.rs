//! A connection's read buffer: bytes read but not yet used.
//!
//! `futures_io::AsyncRead` reads into initialised memory, so memory is zeroed when the buffer
//! grows and reused for every read after that, until the connection goes idle and gives it
//! back. Parts taken out ([`ReadBuf::take`]) are copied: a small response's head and body are
//! a few hundred bytes, and the buffer stays whole for the next read.

use bytes::Bytes;

#[derive(Debug, Default)]
pub(crate) struct ReadBuf {
    /// Initialised memory; `start..end` holds the unread bytes.
    mem: Vec<u8>,
    start: usize,
    end: usize,
}

impl ReadBuf {
    /// The unread bytes.
    pub(crate) fn data(&self) -> &[u8] {
        &self.mem[self.start..self.end]
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Drops the first `n` unread bytes.
    pub(crate) fn consume(&mut self, n: usize) {
        assert!(n <= self.end - self.start, "consumed more than was read");
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// The first `n` unread bytes, copied out and consumed.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        let part = Bytes::copy_from_slice(&self.data()[..n]);
        self.consume(n);
        part
    }

    /// Free memory after the unread bytes, at least `want` bytes of it: the unread bytes are
    /// moved to the front, or the buffer grows, when there is less.
    pub(crate) fn spare(&mut self, want: usize) -> &mut [u8] {
        if self.mem.len() - self.end < want {
            self.mem.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.mem.len() - self.end < want {
                self.mem.resize(self.end + want, 0);
            }
        }
        &mut self.mem[self.end..]
    }

    /// Marks `n` bytes of [`spare`](Self::spare) as read.
    pub(crate) fn filled(&mut self, n: usize) {
        assert!(self.end + n <= self.mem.len(), "filled more than was spare");
        self.end += n;
    }

    /// Gives the memory back if no unread bytes are in it.
    pub(crate) fn free_if_empty(&mut self) {
        if self.is_empty() {
            self.mem = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(buf: &mut ReadBuf, bytes: &[u8]) {
        buf.spare(bytes.len())[..bytes.len()].copy_from_slice(bytes);
        buf.filled(bytes.len());
    }

    #[test]
    fn memory_is_reused_and_unread_bytes_kept_in_order() {
        let mut buf = ReadBuf::default();
        read(&mut buf, b"hello world");
        assert_eq!(buf.take(6), "hello ");
        assert_eq!(buf.data(), b"world");
        // Less room than wanted: the unread bytes move to the front instead of the buffer
        // growing.
        let size = buf.mem.len();
        read(&mut buf, &vec![b'!'; size - 5]);
        assert_eq!(buf.mem.len(), size);
        assert_eq!(&buf.data()[..6], b"world!");
        buf.consume(size);
        assert!(buf.is_empty());
        assert_eq!((buf.start, buf.end), (0, 0));
        // Growing keeps what is unread.
        read(&mut buf, b"abc");
        read(&mut buf, &[b'd'; 100]);
        assert_eq!(&buf.data()[..4], b"abcd");
        assert_eq!(buf.data().len(), 103);
    }

    #[test]
    fn frees_only_when_empty() {
        let mut buf = ReadBuf::default();
        read(&mut buf, &[1; 100]);
        buf.free_if_empty();
        assert_eq!(buf.data().len(), 100);
        buf.consume(100);
        buf.free_if_empty();
        assert_eq!(buf.mem.capacity(), 0);
    }

    #[test]
    #[should_panic(expected = "consumed more than was read")]
    fn consuming_unread_bytes_is_a_bug() {
        let mut buf = ReadBuf::default();
        read(&mut buf, b"ab");
        buf.consume(3);
    }
}
