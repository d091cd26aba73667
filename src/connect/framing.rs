//! The body check every HTTP/1.1 client gets, whatever its library does:
//! a watcher of a connection's bytes that follows each response's framing
//! (its head, then its `Content-Length` or chunked body) and notes a
//! response followed by bytes nobody asked for — bytes beyond the
//! response's end, before the next request was written: a server that
//! breaks HTTP framing. hyper's connection task fails on them and the
//! legacy `Client` drops the connection silently; awc reads on; poolbench's
//! pool fails the response. With the watcher, each such response is
//! failed the same way in every mode: its id (the bundled server echoes
//! each request's) is noted in the mode's [`Overruns`], and the mode's
//! judge fails that response as a `protocol` error.
//!
//! It sees what the client sees, so it watches plaintext only: a
//! connection whose TLS the client runs itself (awc), or one that speaks
//! HTTP/2 (by ALPN, or with prior knowledge: the client's preface), is
//! not watched. Only what it cannot frame turns it off for the rest of the
//! connection (a body delimited by the close, a protocol switch, a head it
//! cannot parse); it never fails a request itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The ids of the responses a mode's connections saw followed by stray
/// bytes, not yet judged.
#[derive(Debug)]
pub struct Overruns {
    /// The response header that echoes a request's id.
    id_header: http::HeaderName,
    /// How many ids wait in `ids`: the judge's fast path reads this alone.
    pending: AtomicUsize,
    ids: Mutex<Vec<u64>>,
}

impl Overruns {
    /// Ids read from the response header `id_header`.
    pub fn new(id_header: http::HeaderName) -> Overruns {
        Overruns {
            id_header,
            pending: AtomicUsize::new(0),
            ids: Mutex::default(),
        }
    }

    fn note(&self, id: u64) {
        if let Ok(mut ids) = self.ids.lock() {
            ids.push(id);
            self.pending.store(ids.len(), Ordering::Release);
        }
    }

    /// Whether response `id` was followed by stray bytes (forgotten once
    /// asked).
    pub fn take(&self, id: u64) -> bool {
        if self.pending.load(Ordering::Acquire) == 0 {
            return false;
        }
        let Ok(mut ids) = self.ids.lock() else {
            return false;
        };
        let found = ids.iter().position(|&i| i == id);
        if let Some(at) = found {
            ids.swap_remove(at);
        }
        self.pending.store(ids.len(), Ordering::Release);
        found.is_some()
    }
}

/// The longest response head followed; a longer one turns the watcher off.
const MAX_HEAD: usize = 64 * 1024;

/// One connection's watcher.
#[derive(Debug)]
pub struct Framing {
    state: State,
    /// A head that spans reads, so far.
    head: Vec<u8>,
    /// The request awaiting its response is a `HEAD`: no body follows.
    head_request: bool,
    /// The id the response being read (or the last one) echoed.
    id: Option<u64>,
    overruns: std::sync::Arc<Overruns>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing written yet.
    Start,
    /// A request was written: a response's head is due.
    Head,
    /// In a body: this many bytes still due.
    Body(u64),
    Chunked(Chunk),
    /// A response is complete; nothing may arrive before the next request.
    Idle,
    /// Stray bytes came after the last response: ignored until the next
    /// request.
    Stray,
    /// Not HTTP/1.1 framing it can follow.
    Off,
}

/// Where in a chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// A chunk's size line: the size so far, and whether an extension began.
    Size {
        n: u64,
        ext: bool,
    },
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// The trailer section: whether at the start of a line.
    Trailer {
        empty: bool,
    },
    TrailerLf {
        empty: bool,
    },
}

impl Framing {
    pub fn new(overruns: std::sync::Arc<Overruns>) -> Framing {
        Framing {
            state: State::Start,
            head: Vec::new(),
            head_request: false,
            id: None,
            overruns,
        }
    }

    /// The client wrote `bytes`: the start of a request, if the last
    /// response is complete.
    pub fn wrote(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.state {
            State::Start if bytes.starts_with(b"PRI * HTTP/2") => self.state = State::Off,
            State::Start | State::Idle | State::Stray => {
                self.head_request = bytes.starts_with(b"HEAD ");
                self.id = None;
                self.state = State::Head;
            }
            _ => {}
        }
    }

    /// The client read `bytes`.
    pub fn read(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            bytes = match self.state {
                State::Off | State::Stray => return,
                State::Start => {
                    // Before any request: not a client's HTTP/1.1.
                    self.state = State::Off;
                    return;
                }
                State::Idle => {
                    if let Some(id) = self.id {
                        self.overruns.note(id);
                    }
                    self.state = State::Stray;
                    return;
                }
                State::Head => self.read_head(bytes),
                State::Body(n) => {
                    let (left, rest) = skip(n, bytes);
                    self.state = left.map_or(State::Idle, State::Body);
                    rest
                }
                State::Chunked(chunk) => self.read_chunked(chunk, bytes),
            };
        }
    }

    /// Follows a head; what is left of `bytes` after it.
    fn read_head<'b>(&mut self, bytes: &'b [u8]) -> &'b [u8] {
        let spans = !self.head.is_empty();
        let parsed = if spans {
            self.head.extend_from_slice(bytes);
            parse(&self.head, self.head_request, &self.overruns.id_header)
        } else {
            parse(bytes, self.head_request, &self.overruns.id_header)
        };
        match parsed {
            Parsed::Partial => {
                if !spans {
                    self.head.extend_from_slice(bytes);
                }
                if self.head.len() > MAX_HEAD {
                    self.off();
                }
                &[]
            }
            Parsed::Bad => {
                self.off();
                &[]
            }
            Parsed::Head { len, id, next } => {
                // The head's bytes that came in this read.
                let before = if spans {
                    self.head.len() - bytes.len()
                } else {
                    0
                };
                self.head.clear();
                if id.is_some() {
                    self.id = id;
                }
                self.state = next;
                &bytes[len.saturating_sub(before).min(bytes.len())..]
            }
        }
    }

    fn off(&mut self) {
        self.state = State::Off;
        self.head = Vec::new();
    }

    /// Follows a chunked body; what is left of `bytes` after this step.
    fn read_chunked<'b>(&mut self, chunk: Chunk, bytes: &'b [u8]) -> &'b [u8] {
        if let Chunk::Data(n) = chunk {
            let (left, rest) = skip(n, bytes);
            self.state = State::Chunked(left.map_or(Chunk::DataCr, Chunk::Data));
            return rest;
        }
        let b = bytes[0];
        self.state = match step(chunk, b) {
            Some(Some(next)) => State::Chunked(next),
            Some(None) => State::Idle,
            None => State::Off,
        };
        &bytes[1..]
    }
}

/// Passes over up to `n` bytes of a body: how many of the `n` are still to
/// come (`None`: none), and the bytes after them.
fn skip(n: u64, bytes: &[u8]) -> (Option<u64>, &[u8]) {
    let take = n.min(bytes.len() as u64);
    let left = Some(n - take).filter(|left| *left > 0);
    (left, &bytes[take as usize..])
}

/// The next place in a chunked body after byte `b`: `Some(None)` at its
/// end, `None` if it is not chunked framing.
fn step(chunk: Chunk, b: u8) -> Option<Option<Chunk>> {
    let next = match (chunk, b) {
        (Chunk::Size { n, ext: false }, _) if b.is_ascii_hexdigit() => {
            let digit = (b as char).to_digit(16)? as u64;
            Chunk::Size {
                n: n.checked_mul(16)?.checked_add(digit)?,
                ext: false,
            }
        }
        (Chunk::Size { n, .. }, b'\r') => Chunk::SizeLf(n),
        (Chunk::Size { n, .. }, b';' | b' ' | b'\t') => Chunk::Size { n, ext: true },
        (Chunk::Size { n, ext: true }, _) => Chunk::Size { n, ext: true },
        (Chunk::SizeLf(0), b'\n') => Chunk::Trailer { empty: true },
        (Chunk::SizeLf(n), b'\n') => Chunk::Data(n),
        (Chunk::DataCr, b'\r') => Chunk::DataLf,
        (Chunk::DataLf, b'\n') => Chunk::Size { n: 0, ext: false },
        (Chunk::Trailer { empty }, b'\r') => Chunk::TrailerLf { empty },
        (Chunk::Trailer { .. }, _) => Chunk::Trailer { empty: false },
        (Chunk::TrailerLf { empty: true }, b'\n') => return Some(None),
        (Chunk::TrailerLf { empty: false }, b'\n') => Chunk::Trailer { empty: true },
        _ => return None,
    };
    Some(Some(next))
}

enum Parsed {
    Partial,
    Bad,
    /// A whole head of `len` bytes, the id it echoed, and what follows it.
    Head {
        len: usize,
        id: Option<u64>,
        next: State,
    },
}

/// Parses a response head from the start of `bytes`.
fn parse(bytes: &[u8], head_request: bool, id_header: &http::HeaderName) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Bad,
    };
    let status = response.code.unwrap_or(0);
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut id = None;
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let Some(n) = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
            else {
                return Parsed::Bad;
            };
            if length.is_some_and(|l| l != n) {
                return Parsed::Bad;
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = h
                .value
                .rsplit(|&b| b == b',')
                .next()
                .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case(id_header.as_str()) {
            id = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.parse().ok());
        }
    }
    let next = match status {
        101 => State::Off,
        // An interim response: the final one's head follows.
        100..=199 => State::Head,
        204 | 304 => State::Idle,
        _ if head_request => State::Idle,
        _ if chunked => State::Chunked(Chunk::Size { n: 0, ext: false }),
        _ => match length {
            Some(0) => State::Idle,
            Some(n) => State::Body(n),
            // Delimited by the close: nothing can follow it.
            None => State::Off,
        },
    };
    Parsed::Head { len, id, next }
}

#[cfg(test)]
mod tests;
