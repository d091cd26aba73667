//! What following a connection's framing costs per response: the watcher
//! every HTTP/1.1 mode's connections carry against the bundled server
//! (`src/connect/framing.rs`) sees a request written and its response read
//! — a head parsed by httparse, then the body skipped by its length or its
//! chunks. Read in one piece (the common case on loopback) and split in
//! two (a head that spans reads is copied once).

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group};
use poolbench::connect::{Framing, Overruns};

const REQUEST: &[u8] = b"GET /item/7 HTTP/1.1\r\nhost: 127.0.0.1\r\nx-request-id: 7\r\n\r\n";

/// A response as the bundled server sends one: its head, then a body of
/// `body` bytes, by Content-Length or in one chunk.
fn response(body: usize, chunked: bool) -> Vec<u8> {
    let framing = match chunked {
        true => "transfer-encoding: chunked".to_string(),
        false => format!("content-length: {body}"),
    };
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nx-request-id: 7\r\n\
         {framing}\r\ndate: Fri, 04 Dec 2026 01:00:00 GMT\r\n\r\n"
    )
    .into_bytes();
    if chunked {
        bytes.extend_from_slice(format!("{body:x}\r\n").as_bytes());
    }
    bytes.extend(std::iter::repeat_n(b'x', body));
    if chunked {
        bytes.extend_from_slice(b"\r\n0\r\n\r\n");
    }
    bytes
}

fn framing(c: &mut Criterion) {
    let mut group = c.benchmark_group("framing");
    let cases = [
        ("content_length_1KiB", response(1024, false)),
        ("chunked_1KiB", response(1024, true)),
        ("content_length_64KiB", response(64 * 1024, false)),
    ];
    for (name, bytes) in &cases {
        group.throughput(Throughput::Elements(1));
        group.bench_function(*name, |b| {
            let overruns = Arc::new(Overruns::new(http::HeaderName::from_static("x-request-id")));
            let mut watch = Framing::new(overruns);
            b.iter(|| {
                watch.wrote(REQUEST);
                watch.read(bytes);
            });
        });
    }
    // The head split in two reads: the first piece is kept and parsed
    // again with the second.
    let (name, bytes) = &cases[0];
    group.bench_function(format!("{name}_split_head"), |b| {
        let overruns = Arc::new(Overruns::new(http::HeaderName::from_static("x-request-id")));
        let mut watch = Framing::new(overruns);
        b.iter(|| {
            watch.wrote(REQUEST);
            let (first, rest) = bytes.split_at(40);
            watch.read(first);
            watch.read(rest);
        });
    });
    group.finish();
}

criterion_group!(benches, framing);
