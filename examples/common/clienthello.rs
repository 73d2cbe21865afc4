//! A small, dependency-free TLS ClientHello parser with the JA3, JA3N, JA4 and JA4_r
//! fingerprints, computed exactly as the reference parser `shared/refdata/clienthello.py` does:
//! Salesforce JA3 (JA3N is JA3 with the extensions sorted) and FoxIO JA4, GREASE ignored
//! everywhere, SNI and ALPN left out of JA4's extension list.
//!
//! Framing errors are `Err`: a truncated record or handshake, a non-handshake record, a
//! handshake that is not a ClientHello, a length running past its container. As in the Python
//! parser, an extension whose body does not decode only leaves its decoded view empty (`None`
//! or an empty list), except ALPN, whose first protocol feeds JA4: a malformed ALPN is an `Err`.

use std::fmt::Write as _;

/// One extension as sent: its type and raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub typ: u16,
    pub body: Vec<u8>,
}

/// A parsed ClientHello. Lists keep GREASE values and wire order; a decoded view is empty
/// (or `None`) when its extension is absent or its body does not decode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    /// Length of the handshake body; the whole message is 4 bytes more.
    pub handshake_len: usize,
    pub random: [u8; 32],
    pub session_id: Vec<u8>,
    pub cipher_suites: Vec<u16>,
    pub compression_methods: Vec<u8>,
    pub extensions: Vec<Extension>,
    /// The first name of `server_name`, bytes above 0x7f shown as U+FFFD.
    pub server_name: Option<String>,
    pub supported_groups: Vec<u16>,
    /// `key_share` entries: group and key-exchange length in bytes.
    pub key_shares: Vec<(u16, usize)>,
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocols; one that is not printable ASCII is written `hex:...`.
    pub alpn: Vec<String>,
    pub supported_versions: Vec<u16>,
    pub ec_point_formats: Vec<u8>,
    pub psk_key_exchange_modes: Vec<u8>,
    /// `compress_certificate` algorithms (1 zlib, 2 brotli, 3 zstd).
    pub compress_certificate: Vec<u16>,
    /// Payload length of an outer `encrypted_client_hello` (see [`ClientHello::extension`]
    /// for mere presence).
    pub ech_payload_len: Option<usize>,
    /// HPKE suite of an outer `encrypted_client_hello`: KDF and AEAD ids (RFC 9180 §7.2, 7.3).
    pub ech_suite: Option<(u16, u16)>,
    pub record_size_limit: Option<u16>,
    /// Raw first ALPN protocol (of the last ALPN extension that has one), for JA4.
    alpn_first: Vec<u8>,
}

/// Bounds-checked big-endian reader; every read past the end is an `Err`.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.0.len() {
            return Err(format!("truncated: want {n} bytes, have {}", self.0.len()));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn uint(&mut self, n: usize) -> Result<usize, String> {
        Ok(self.take(n)?.iter().fold(0, |v, &b| (v << 8) | b as usize))
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(self.uint(2)? as u16)
    }
    fn vec8(&mut self) -> Result<&'a [u8], String> {
        let n = self.uint(1)?;
        self.take(n)
    }
    fn vec16(&mut self) -> Result<&'a [u8], String> {
        let n = self.uint(2)?;
        self.take(n)
    }
}

/// Big-endian u16 list; an odd trailing byte is ignored, as `clienthello.py` does.
fn u16s(b: &[u8]) -> Vec<u16> {
    b.chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

/// RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ..., 0xfafa.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

/// `values` without GREASE, order kept.
pub fn strip_grease(values: &[u16]) -> Vec<u16> {
    values.iter().copied().filter(|&v| !is_grease(v)).collect()
}

/// The handshake bytes: `bytes` itself if it starts with handshake type 1, else the bodies of
/// the leading handshake records until a whole handshake message is in.
fn handshake(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.first() == Some(&1) {
        return Ok(bytes.to_vec());
    }
    let (mut r, mut hs) = (Reader(bytes), Vec::new());
    while r.0.len() >= 5 {
        let (ctype, _version, len) = (r.uint(1)?, r.u16()?, r.uint(2)?);
        let body = r.take(len).map_err(|e| format!("TLS record: {e}"))?;
        if ctype != 22 {
            if hs.is_empty() {
                return Err(format!("record content type {ctype}, not handshake (22)"));
            }
            break;
        }
        hs.extend_from_slice(body);
        if hs.len() >= 4 && hs.len() >= 4 + Reader(&hs[1..4]).uint(3)? {
            break;
        }
    }
    if hs.is_empty() {
        return Err("no TLS handshake record".into());
    }
    Ok(hs)
}

/// Parses a ClientHello from TLS records (one hello may span several) or a bare handshake
/// message. Bytes after the hello are ignored.
pub fn parse(bytes: &[u8]) -> Result<ClientHello, String> {
    let hs = handshake(bytes)?;
    let mut r = Reader(&hs);
    let (htype, len) = (r.uint(1)?, r.uint(3)?);
    if htype != 1 {
        return Err(format!("handshake type {htype}, not ClientHello (1)"));
    }
    let mut b = Reader(r.take(len).map_err(|e| format!("handshake: {e}"))?);
    let field = |name: &'static str| move |e: String| format!("{name}: {e}");
    let mut ch = ClientHello {
        legacy_version: b.u16().map_err(field("legacy_version"))?,
        handshake_len: len,
        ..ClientHello::default()
    };
    ch.random
        .copy_from_slice(b.take(32).map_err(field("random"))?);
    ch.session_id = b.vec8().map_err(field("session_id"))?.to_vec();
    ch.cipher_suites = u16s(b.vec16().map_err(field("cipher_suites"))?);
    ch.compression_methods = b.vec8().map_err(field("compression_methods"))?.to_vec();
    let mut extensions = Vec::new();
    if !b.0.is_empty() {
        let mut e = Reader(b.vec16().map_err(field("extensions"))?);
        while !e.0.is_empty() {
            let typ = e.u16().map_err(field("extension type"))?;
            let body = e.vec16().map_err(field("extension body"))?.to_vec();
            extensions.push(Extension { typ, body });
        }
    }
    for ext in &extensions {
        if ext.typ == 16 {
            let mut list = Reader(Reader(&ext.body).vec16().map_err(field("alpn"))?);
            if !list.0.is_empty() {
                ch.alpn_first = list.vec8().map_err(field("alpn"))?.to_vec();
            }
        }
        // Like clienthello.py: an undecodable body leaves the view as it was.
        let _ = decode(&mut ch, ext.typ, &ext.body);
    }
    ch.extensions = extensions;
    Ok(ch)
}

/// Fills the decoded view of one extension; on `Err` nothing is changed.
fn decode(ch: &mut ClientHello, typ: u16, body: &[u8]) -> Result<(), String> {
    let mut r = Reader(body);
    match typ {
        0 => {
            let (mut list, mut names) = (Reader(r.vec16()?), Vec::new());
            while !list.0.is_empty() {
                list.uint(1)?;
                names.push(list.vec16()?);
            }
            let latin = |n: &&[u8]| {
                n.iter()
                    .map(|&b| if b < 0x80 { b as char } else { '\u{fffd}' })
                    .collect()
            };
            ch.server_name = names.first().map(latin);
        }
        10 => ch.supported_groups = u16s(r.vec16()?),
        11 => ch.ec_point_formats = r.vec8()?.to_vec(),
        13 => ch.signature_algorithms = u16s(r.vec16()?),
        16 => {
            let (mut list, mut out) = (Reader(r.vec16()?), Vec::new());
            while !list.0.is_empty() {
                let p = list.vec8()?;
                out.push(match p.iter().all(|b| (0x20..0x7f).contains(b)) {
                    true => p.iter().map(|&b| b as char).collect(),
                    false => format!("hex:{}", hex(p)),
                });
            }
            ch.alpn = out;
        }
        27 => ch.compress_certificate = u16s(r.vec8()?),
        28 if body.len() == 2 => ch.record_size_limit = Some(r.u16()?),
        43 => ch.supported_versions = u16s(r.vec8()?),
        45 => ch.psk_key_exchange_modes = r.vec8()?.to_vec(),
        51 => {
            let (mut list, mut out) = (Reader(r.vec16()?), Vec::new());
            while !list.0.is_empty() {
                out.push((list.u16()?, list.vec16()?.len()));
            }
            ch.key_shares = out;
        }
        0xfe0d => {
            // outer: type 0, kdf u16, aead u16, config_id u8, enc<16>, payload<16>
            (ch.ech_suite, ch.ech_payload_len) = match r.uint(1)? {
                0 => {
                    let suite = (r.u16()?, r.u16()?);
                    r.take(1)?;
                    r.vec16()?;
                    (Some(suite), Some(r.vec16()?.len()))
                }
                _ => (None, None),
            };
        }
        _ => {}
    }
    Ok(())
}

impl ClientHello {
    /// Extension types in wire order, GREASE included.
    pub fn extension_types(&self) -> Vec<u16> {
        self.extensions.iter().map(|e| e.typ).collect()
    }

    /// The body of the first extension of type `typ`.
    pub fn extension(&self, typ: u16) -> Option<&[u8]> {
        let found = self.extensions.iter().find(|e| e.typ == typ);
        found.map(|e| e.body.as_slice())
    }

    fn ja3_string(&self, sorted: bool) -> String {
        let mut exts = strip_grease(&self.extension_types());
        if sorted {
            exts.sort_unstable();
        }
        let dec = |v: &[u16]| join(v, "-", |x| x.to_string());
        let formats = join(&self.ec_point_formats, "-", |x| x.to_string());
        let (ciphers, groups) = (&self.cipher_suites, &self.supported_groups);
        let (c, e) = (dec(&strip_grease(ciphers)), dec(&exts));
        let v = self.legacy_version;
        format!("{v},{c},{e},{},{formats}", dec(&strip_grease(groups)))
    }

    /// JA3: the string and its MD5 in hex.
    pub fn ja3(&self) -> (String, String) {
        let s = self.ja3_string(false);
        let md5 = md5_hex(s.as_bytes());
        (s, md5)
    }

    /// JA3N (JA3 with the extension list sorted): the string and its MD5 in hex.
    pub fn ja3n(&self) -> (String, String) {
        let s = self.ja3_string(true);
        let md5 = md5_hex(s.as_bytes());
        (s, md5)
    }

    /// JA4's parts: the `a` prefix, sorted ciphers, sorted extensions less SNI and ALPN,
    /// signature algorithms in order; lists as comma-separated 4-digit hex.
    fn ja4_parts(&self) -> [String; 4] {
        let ciphers = strip_grease(&self.cipher_suites);
        let exts = strip_grease(&self.extension_types());
        let version = strip_grease(&self.supported_versions).into_iter().max();
        let version = ja4_version(version.unwrap_or(self.legacy_version));
        let sni = if exts.contains(&0) { 'd' } else { 'i' };
        let alpn = match (self.alpn_first.first(), self.alpn_first.last()) {
            (Some(&a), Some(&z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() => {
                format!("{}{}", a as char, z as char)
            }
            (Some(&a), Some(&z)) => format!("{:x}{:x}", a >> 4, z & 0xf),
            _ => "00".into(),
        };
        let (nc, ne) = (ciphers.len().min(99), exts.len().min(99));
        let mut sorted_ciphers = ciphers;
        sorted_ciphers.sort_unstable();
        let mut sorted_exts: Vec<u16> = exts.into_iter().filter(|&e| e != 0 && e != 16).collect();
        sorted_exts.sort_unstable();
        let h = |v: &[u16]| join(v, ",", |x| format!("{x:04x}"));
        [
            format!("t{version}{sni}{nc:02}{ne:02}{alpn}"),
            h(&sorted_ciphers),
            h(&sorted_exts),
            h(&strip_grease(&self.signature_algorithms)),
        ]
    }

    /// JA4 (FoxIO), e.g. `t13d1517h2_8daaf6152771_cb7bf5808d99`.
    pub fn ja4(&self) -> String {
        let [a, ciphers, exts, sigs] = self.ja4_parts();
        let hash = |s: &str| match s.is_empty() {
            true => "000000000000".to_string(),
            false => sha256_hex(s.as_bytes())[..12].to_string(),
        };
        let tail = if exts.is_empty() || sigs.is_empty() {
            exts
        } else {
            format!("{exts}_{sigs}")
        };
        format!("{a}_{}_{}", hash(&ciphers), hash(&tail))
    }

    /// JA4_r: JA4 with the raw (sorted, hex) lists instead of their hashes.
    pub fn ja4_r(&self) -> String {
        let [a, ciphers, exts, sigs] = self.ja4_parts();
        match sigs.is_empty() {
            true => format!("{a}_{ciphers}_{exts}"),
            false => format!("{a}_{ciphers}_{exts}_{sigs}"),
        }
    }

    /// Human-readable rows (field, value), the same fields in the same order for every hello,
    /// so that two hellos can be printed side by side. Lists are in wire order, comma-separated,
    /// GREASE shown as `GREASE`, an absent value as `-`.
    pub fn describe(&self) -> Vec<(String, String)> {
        let hex16 = |v: &[u16], name: fn(u16) -> Option<&'static str>| {
            join(v, ",", |x| match name(x) {
                _ if is_grease(x) => "GREASE".into(),
                Some(n) => n.into(),
                None => format!("{x:04x}"),
            })
        };
        let none = |_| None;
        let cert_alg = |a: u16| {
            ["zlib", "brotli", "zstd"]
                .get(usize::from(a).wrapping_sub(1))
                .copied()
        };
        let dec8 = |v: &[u8]| join(v, ",", |x| x.to_string());
        let shares = self.key_shares.iter();
        let shares = shares.map(|&(g, n)| format!("{}:{n}", hex16(&[g], none)));
        let ech = match (self.extension(0xfe0d), self.ech_payload_len) {
            (None, _) => String::new(),
            (Some(_), Some(n)) => format!("outer, payload {n} bytes"),
            (Some(_), None) => "present".into(),
        };
        let ((ja3, ja3_md5), (ja3n, ja3n_md5)) = (self.ja3(), self.ja3n());
        let rows = [
            ("hello_len", (self.handshake_len + 4).to_string()),
            ("legacy_version", format!("{:04x}", self.legacy_version)),
            ("session_id_len", self.session_id.len().to_string()),
            ("cipher_suites", hex16(&self.cipher_suites, none)),
            ("compression_methods", dec8(&self.compression_methods)),
            ("extensions", hex16(&self.extension_types(), ext_name)),
            ("server_name", self.server_name.clone().unwrap_or_default()),
            ("supported_groups", hex16(&self.supported_groups, none)),
            ("key_share", shares.collect::<Vec<_>>().join(",")),
            (
                "signature_algorithms",
                hex16(&self.signature_algorithms, none),
            ),
            ("alpn", self.alpn.join(",")),
            ("supported_versions", hex16(&self.supported_versions, none)),
            ("ec_point_formats", dec8(&self.ec_point_formats)),
            ("psk_key_exchange_modes", dec8(&self.psk_key_exchange_modes)),
            (
                "compress_certificate",
                hex16(&self.compress_certificate, cert_alg),
            ),
            ("encrypted_client_hello", ech),
            (
                "record_size_limit",
                self.record_size_limit
                    .map_or(String::new(), |n| n.to_string()),
            ),
            ("ja3", ja3),
            ("ja3_md5", ja3_md5),
            ("ja3n", ja3n),
            ("ja3n_md5", ja3n_md5),
            ("ja4", self.ja4()),
            ("ja4_r", self.ja4_r()),
        ];
        let dash = |v: String| if v.is_empty() { "-".into() } else { v };
        rows.into_iter()
            .map(|(k, v)| (k.to_string(), dash(v)))
            .collect()
    }
}

/// Names of the extensions browsers send, for [`ClientHello::describe`].
#[rustfmt::skip]
fn ext_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "server_name", 5 => "status_request", 10 => "supported_groups",
        11 => "ec_point_formats", 13 => "signature_algorithms", 16 => "alpn",
        18 => "signed_certificate_timestamp", 21 => "padding", 22 => "encrypt_then_mac",
        23 => "extended_master_secret", 27 => "compress_certificate", 28 => "record_size_limit",
        34 => "delegated_credential", 35 => "session_ticket", 41 => "pre_shared_key",
        43 => "supported_versions", 45 => "psk_key_exchange_modes", 49 => "post_handshake_auth",
        51 => "key_share", 0x4469 => "alps_old", 0x44cd => "alps", 0xca34 => "trust_anchors",
        0xfe0d => "encrypted_client_hello", 0xff01 => "renegotiation_info",
        _ => return None,
    })
}

/// JA4's version code for a TLS/DTLS version.
#[rustfmt::skip]
fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13", 0x0303 => "12", 0x0302 => "11", 0x0301 => "10", 0x0300 => "s3",
        0x0002 => "s2", 0xfeff => "d1", 0xfefd => "d2", 0xfefc => "d3", _ => "00",
    }
}

fn join<T: Copy>(v: &[T], sep: &str, f: impl Fn(T) -> String) -> String {
    v.iter().map(|&x| f(x)).collect::<Vec<_>>().join(sep)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// `data` padded as MD5 and SHA-256 do: 0x80, zeros, then the bit length in 8 bytes.
fn pad(data: &[u8], big_endian: bool) -> Vec<u8> {
    let bits = (data.len() as u64).wrapping_mul(8);
    let mut m = data.to_vec();
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend(if big_endian {
        bits.to_be_bytes()
    } else {
        bits.to_le_bytes()
    });
    m
}

/// MD5 (RFC 1321) in lower-case hex.
pub fn md5_hex(data: &[u8]) -> String {
    #[rustfmt::skip]
    const S: [[u32; 4]; 4] = [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]];
    let k: Vec<u32> = (1..=64)
        .map(|i| ((i as f64).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    for block in pad(data, false).chunks_exact(64) {
        let m: Vec<u32> = block
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let sum = a.wrapping_add(f).wrapping_add(k[i]).wrapping_add(m[g]);
            (a, d, c) = (d, c, b);
            b = b.wrapping_add(sum.rotate_left(S[i / 16][i % 4]));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    hex(&h.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>())
}

/// SHA-256 (FIPS 180-4) in lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    #[rustfmt::skip]
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    for block in pad(data, true).chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let [a, b, c, d, e, f, g, hh] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let t2 = s0.wrapping_add((a & b) ^ (a & c) ^ (b & c));
            v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (x, y) in h.iter_mut().zip(v) {
            *x = x.wrapping_add(y);
        }
    }
    hex(&h.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<_>>())
}
