use std::sync::Arc;

use super::*;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-poolbench-id: 7\r\n\r\nhello";
const CHUNKED: &[u8] =
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nx-poolbench-id: 8\r\n\r\n\
    5;name=v\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\ntrailer: yes\r\n\r\n";
const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n";

fn watcher() -> (Framing, Arc<Overruns>) {
    let overruns = Arc::new(Overruns::new(http::HeaderName::from_static(
        "x-poolbench-id",
    )));
    (Framing::new(Arc::clone(&overruns)), overruns)
}

/// Requests and their responses in turn, each response read in the pieces
/// `cuts` splits it into.
fn exchange(framing: &mut Framing, responses: &[&[u8]], cuts: &[usize]) {
    for response in responses {
        framing.wrote(GET);
        let mut at = 0;
        for &cut in cuts.iter().filter(|&&c| c < response.len()) {
            if cut > at {
                framing.read(&response[at..cut]);
                at = cut;
            }
        }
        framing.read(&response[at..]);
    }
}

#[test]
fn responses_framed_right_are_never_overruns_however_they_are_read() {
    for response in [OK, CHUNKED] {
        for i in 0..response.len() {
            for j in i..response.len() {
                let (mut framing, overruns) = watcher();
                exchange(&mut framing, &[response, response, response], &[i, j]);
                assert_eq!(framing.state, State::Idle, "cut at {i}, {j}");
                assert_eq!(
                    overruns.pending.load(Ordering::Relaxed),
                    0,
                    "cut at {i}, {j}"
                );
            }
        }
    }
}

#[test]
fn bytes_beyond_a_responses_end_are_noted_by_its_id_however_they_are_read() {
    for (response, id) in [(OK, 7), (CHUNKED, 8)] {
        let stray = [response, b"!!!!"].concat();
        for i in 0..stray.len() {
            let (mut framing, overruns) = watcher();
            exchange(&mut framing, &[response, &stray], &[i]);
            assert!(overruns.take(id), "cut at {i}");
            assert!(!overruns.take(id), "taken once");
            // The next request's response is followed afresh.
            exchange(&mut framing, &[response], &[]);
            assert_eq!(framing.state, State::Idle);
            assert!(!overruns.take(id));
        }
    }
}

#[test]
fn bodiless_responses_end_at_their_head() {
    let (mut framing, overruns) = watcher();
    framing.wrote(b"HEAD / HTTP/1.1\r\n\r\n");
    framing.read(OK.strip_suffix(b"hello").unwrap_or_default());
    assert_eq!(framing.state, State::Idle, "a HEAD's response has no body");
    for head in [
        &b"HTTP/1.1 204 No Content\r\nx-poolbench-id: 1\r\n\r\n"[..],
        b"HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    ] {
        framing.wrote(GET);
        framing.read(head);
        assert_eq!(
            framing.state,
            State::Idle,
            "{}",
            String::from_utf8_lossy(head)
        );
    }
    assert_eq!(overruns.pending.load(Ordering::Relaxed), 0);
}

#[test]
fn what_it_cannot_frame_turns_it_off_and_never_notes_an_overrun() {
    let cases: [(&[u8], &[u8]); 5] = [
        (
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"\x00\x00\x06\x04\x00\x00\x00\x00\x00",
        ),
        (
            GET,
            b"HTTP/1.1 200 OK\r\nx-poolbench-id: 3\r\n\r\nuntil the close",
        ),
        (
            GET,
            b"HTTP/1.1 101 Switching Protocols\r\nx-poolbench-id: 3\r\n\r\nframes",
        ),
        (GET, b"not http at all\r\n\r\n"),
        (
            GET,
            b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab",
        ),
    ];
    for (request, response) in cases {
        let (mut framing, overruns) = watcher();
        framing.wrote(request);
        framing.read(response);
        framing.read(b"more bytes");
        assert_eq!(
            framing.state,
            State::Off,
            "{}",
            String::from_utf8_lossy(response)
        );
        assert!(!overruns.take(3));
    }
    let (mut framing, _) = watcher();
    framing.read(b"a greeting before any request");
    assert_eq!(framing.state, State::Off);
}

#[test]
fn a_head_without_end_turns_it_off() {
    let (mut framing, _) = watcher();
    framing.wrote(GET);
    framing.read(b"HTTP/1.1 200 OK\r\n");
    for _ in 0..=MAX_HEAD / 16 {
        framing.read(b"x-filler: 12345\r\n");
    }
    assert_eq!(framing.state, State::Off);
    assert!(framing.head.is_empty(), "its buffer is let go");
}
