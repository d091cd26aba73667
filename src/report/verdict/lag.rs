//! When the server counted more connections open at once than the client
//! did, and the client's own file descriptors agree with the client: the
//! server still held connections the client had already closed. A server
//! sees a close only when it next reads the socket, so a client that closes
//! after every request (a client per request) leaves it more open
//! connections than the client ever has. Said once per mode, with both
//! counts and the OS's, so a reader does not take either for a miscount.

use crate::results::{ModeResult, Results, label};

/// The server's peak must exceed the client's by this share to be named.
const FAR_ABOVE: f64 = 1.25;

pub fn lag(results: &Results) -> Vec<String> {
    results
        .modes
        .iter()
        .filter(|m| m.sweep.is_none())
        .filter_map(|m| said(m, &label(results, m)))
        .collect()
}

/// "per_request_client: the server counted up to 46 connections open at
/// once, the client 22 (its file descriptors peaked at 22): …".
fn said(m: &ModeResult, name: &str) -> Option<String> {
    let observed = crate::results::figures::Figure::named("peak_connections")?;
    let client = observed.value(m, None)? as u64;
    let server = m.peak_connections.server?;
    let far = server as f64 >= FAR_ABOVE * client as f64 && server >= client + 2;
    // The OS sampled at least as many descriptors as the client counted
    // sockets: the client's count is not short.
    (far && client > 0 && m.peak_fds >= client).then(|| {
        format!(
            "{name}: the server counted up to {server} connections open at once, the client \
             {client} (its file descriptors peaked at {}): the server still held connections \
             {name} had already closed — it sees a close only when it next reads the socket",
            m.peak_fds
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_behind_the_client_s_closes_is_named_once() {
        let mut results = crate::results::example();
        for m in &mut results.modes {
            m.peak_connections.client = 10;
            m.peak_connections.server = Some(10);
            m.peak_fds = 10;
        }
        assert!(lag(&results).is_empty(), "alike: nothing to say");
        let m = &mut results.modes[0];
        m.peak_connections.client = 22;
        m.peak_connections.server = Some(46);
        m.peak_fds = 22;
        let said = lag(&results);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("up to 46") && said[0].contains("the client 22"));
        // A client whose descriptors outnumber its count: its count may be
        // short, and this is no explanation.
        results.modes[0].peak_fds = 12;
        results.modes[0].peak_connections.client = 12;
        results.modes[0].peak_fds = 11;
        assert!(lag(&results).is_empty());
    }
}
