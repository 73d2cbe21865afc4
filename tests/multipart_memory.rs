//! A 64 MiB file uploaded in a multipart form while the heap stays far below its size: a
//! global allocator counts the bytes live at once. Its own test binary, so that no other
//! test's allocations are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};

use tls_requests::AsyncClient;
use tls_requests::multipart::Form;

/// The system allocator, keeping the bytes live now and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const FILE_SIZE: usize = 64 * 1024 * 1024;

/// Accepts one request, reads its head and as many body bytes as its `Content-Length` says
/// (64 KiB at a time, dropped), and answers with the number it read.
fn serve_one(listener: TcpListener) {
    let (mut tcp, _) = listener.accept().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let body_start = loop {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "closed before the head's end");
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let text = String::from_utf8_lossy(&head[..body_start]).to_ascii_lowercase();
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .expect("a Content-Length")
        .trim()
        .parse()
        .unwrap();
    let mut read = head.len() - body_start;
    drop(head);
    while read < length {
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "closed with {} body bytes missing", length - read);
        read += n;
    }
    let reply = read.to_string();
    write!(
        tcp,
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{reply}",
        reply.len()
    )
    .unwrap();
}

#[test]
fn a_64_mib_file_is_uploaded_without_holding_it_in_memory() {
    let dir = std::env::temp_dir().join(format!("tls-requests-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("big.bin");
    {
        let mut file = std::fs::File::create(&path).unwrap();
        let block: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
        for _ in 0..FILE_SIZE / block.len() {
            file.write_all(&block).unwrap();
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/upload", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || serve_one(listener));

    let (sent, expected) = smol::block_on(async {
        let client = AsyncClient::new();
        let form = Form::new().text("name", "big").file("file", &path).unwrap();
        let expected = form.content_length().unwrap();
        let baseline = LIVE.load(Ordering::SeqCst);
        PEAK.store(baseline, Ordering::SeqCst);
        let response = client.post(&url).multipart(form).await.unwrap();
        let sent = response.text().await.unwrap();
        let peak = PEAK.load(Ordering::SeqCst) - baseline;
        assert!(
            peak < FILE_SIZE / 16,
            "the heap grew by {peak} bytes for a {FILE_SIZE}-byte file"
        );
        (sent, expected)
    });
    server.join().unwrap();
    assert_eq!(sent, expected.to_string(), "the server read every byte");
    assert!(expected > FILE_SIZE as u64);
    let _ = std::fs::remove_dir_all(&dir);
}
