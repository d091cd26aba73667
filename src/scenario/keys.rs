//! Every key a scenario file may hold, once: its table, what it takes and
//! what it means. The reference (`docs/scenario.md`) is rendered from this
//! list, and tests hold the parser to it: each table's keys here are
//! exactly the fields its raw struct accepts (so the "did you mean" of an
//! unknown key, which lists those fields, offers these), and the committed
//! reference is exactly what [`super::reference::reference`] renders. A mode's settings come
//! from the modes' own list ([`crate::modes::SETTINGS`]), and which kind
//! takes which from the catalogue of kinds.

use crate::modes::SETTINGS;

/// One key of a scenario file.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Its table: "" for the top level, "load", "modes.<name>"…
    pub table: &'static str,
    pub name: &'static str,
    /// What it takes, e.g. `"4KiB"` or `true`.
    pub value: &'static str,
    pub doc: &'static str,
}

const fn key(
    table: &'static str,
    name: &'static str,
    value: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        table,
        name,
        value,
        doc,
    }
}

/// The table every mode's keys are in.
pub const MODE: &str = "modes.<name>";

/// The tables, in the order the reference lists them, each with what it is.
pub const TABLES: &[(&str, &str)] = &[
    ("", "The top level."),
    (
        "server",
        "`[server]`: the bundled server, started for the run as a child process on 127.0.0.1 (leave it out and give `[target]` for your own).",
    ),
    (
        "target",
        "`[target]`: your own server instead of the bundled one; only client-side figures exist.",
    ),
    ("tls", "`[tls]`: how both sides do TLS."),
    (
        "expect",
        "`[expect]`: what every response must be, else it is counted `mismatched`.",
    ),
    (
        "request",
        "`[request]`: what each request is (default: a GET of the target's URL).",
    ),
    (
        "proxy",
        "`[proxy]`: every request through a forward proxy (http in absolute form, https through a CONNECT tunnel).",
    ),
    (
        "link",
        "`[link]`: an emulated network between the client and the server.",
    ),
    ("load", "`[load]`: how much load, and how it stops."),
    (
        "load.arrival",
        "`arrival = { … }` in `[load]`: an open loop (default: closed loop; in an open loop latency counts from the due time, and the report gives the rate started of the rate asked, and the requests due that a `duration` cut).",
    ),
    (
        "authority",
        "`[[authority]]`: several authorities, each on ports of its own of the bundled server, or your own servers at `url`.",
    ),
    (
        "gate",
        "`[[gate]]`: the checks a run must pass (exit code 1 when one fails).",
    ),
    (
        MODE,
        "`[modes]`: each key names a mode (what reports, the gate and `compare` call it) and its kind, unless `kind` names it; they run in the file's order.",
    ),
];

/// The keys of every table but a mode's settings (see [`keys`]).
pub const KEYS: &[Key] = &[
    key(
        "",
        "name",
        "\"thousand\"",
        "the scenario's name; the report directory is named after it",
    ),
    key("", "description", "\"…\"", "one line on what it shows"),
    key("", "server", "table", "see `[server]`"),
    key("", "target", "table", "see `[target]`"),
    key("", "link", "table", "see `[link]`"),
    key("", "tls", "table", "see `[tls]`"),
    key("", "expect", "table", "see `[expect]`"),
    key("", "request", "table", "see `[request]`"),
    key("", "proxy", "table", "see `[proxy]`"),
    key("", "load", "table", "see `[load]` (required)"),
    key("", "modes", "table", "see `[modes]` (required)"),
    key("", "authority", "array of tables", "see `[[authority]]`"),
    key("", "gate", "array of tables", "see `[[gate]]`"),
    key(
        "server",
        "think_time",
        "\"1ms\"",
        "wait before each response",
    ),
    key("server", "body_size", "\"4KiB\"", "response body size"),
    key(
        "server",
        "keep_alive_timeout",
        "\"75s\"",
        "idle keep-alive connections are closed after this",
    ),
    key(
        "server",
        "max_requests_per_connection",
        "0",
        "`Connection: close` after N responses (HTTP/2: a GOAWAY after N streams); 0: unlimited",
    ),
    key(
        "server",
        "threads",
        "2",
        "the server process's worker threads",
    ),
    key(
        "server",
        "reset_every",
        "0",
        "misbehave: cut every N-th response mid-body with a TCP reset",
    ),
    key(
        "server",
        "slow_body",
        "\"0s\"",
        "misbehave: pause between the two halves of each body",
    ),
    key(
        "server",
        "body_overrun",
        "0",
        "misbehave: N bytes beyond the Content-Length on every response but a connection's first (a legacy server that breaks reused connections)",
    ),
    key(
        "server",
        "stale_reuse",
        "false",
        "misbehave: every response but a connection's first carries the first request's id",
    ),
    key(
        "server",
        "max_connections",
        "0",
        "the most connections the server holds open (0: no cap)",
    ),
    key(
        "server",
        "over_capacity",
        "\"503\"",
        "over the cap: \"503\" (and `Connection: close`), \"refuse\" (a reset) or \"queue\" (stop accepting)",
    ),
    key(
        "server",
        "max_concurrent_streams",
        "128",
        "HTTP/2: streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS)",
    ),
    key(
        "server",
        "tls",
        "true",
        "HTTPS with a certificate made for the run; \"both\" runs every mode over http and https",
    ),
    key(
        "server",
        "unix",
        "false",
        "true: every mode also runs over a Unix domain socket of the server's (no `[link]` with it)",
    ),
    key(
        "target",
        "url",
        "\"https://host:port/path\"",
        "where requests go; `unix:///run/app.sock` for a Unix socket; `user:password@` is sent as HTTP Basic and never shown",
    ),
    key("tls", "version", "\"1.3\"", "\"1.3\" or \"1.2\""),
    key(
        "tls",
        "resumption",
        "true",
        "session tickets and IDs on both sides",
    ),
    key(
        "tls",
        "verify",
        "false",
        "`false`: an https target's certificate is not checked",
    ),
    key(
        "tls",
        "ca",
        "\"ca.pem\"",
        "for an external https target: the CA to trust (default: the public roots)",
    ),
    key(
        "expect",
        "status",
        "200",
        "the status every response must have",
    ),
    key(
        "expect",
        "body_size",
        "\"4KiB\"",
        "the body length every response must have",
    ),
    key("request", "method", "\"POST\"", "the request method"),
    key(
        "request",
        "headers",
        "{ name = \"value\" }",
        "sent on every request",
    ),
    key("request", "body", "'{\"q\": 1}'", "the request body"),
    key(
        "request",
        "body_file",
        "\"item.json\"",
        "the request body, from a file beside the scenario",
    ),
    key(
        "request",
        "paths",
        "[\"/item/{n}\", { path = \"/s\", weight = 3 }]",
        "paths spread by weight; `{n}` is the request's number",
    ),
    key(
        "request",
        "urls_file",
        "\"urls.txt\"",
        "one URL a line, each scheme, host and port an authority of its own; against the bundled server, one path a line",
    ),
    key(
        "request",
        "redact",
        "[\"x-internal-token\"]",
        "headers whose values are secrets: never shown in any output (authorization, proxy-authorization, cookie, set-cookie and x-api-key never are)",
    ),
    key("proxy", "url", "\"http://127.0.0.1:3128\"", "your proxy"),
    key(
        "proxy",
        "bundled",
        "true",
        "poolbench's own proxy, started for the run and counted",
    ),
    key(
        "link",
        "rtt",
        "\"10ms\"",
        "round-trip time, half each way; a new connection pays one more before its first byte",
    ),
    key("link", "bandwidth", "\"100Mbit\"", "per direction"),
    key(
        "load",
        "requests",
        "1000",
        "measured requests per mode (or `duration`)",
    ),
    key(
        "load",
        "duration",
        "\"10s\"",
        "how long each mode is measured (or `requests`): wall-clock time, no request starts after it (those in flight finish within `timeout`)",
    ),
    key(
        "load",
        "concurrency",
        "50",
        "tasks: the most requests in flight (required)",
    ),
    key(
        "load",
        "warmup",
        "0",
        "requests sent before measuring, not recorded",
    ),
    key(
        "load",
        "timeout",
        "\"30s\"",
        "a request not complete after this is a timeout",
    ),
    key(
        "load",
        "threads",
        "2",
        "the client runtime's worker threads",
    ),
    key(
        "load",
        "open_files",
        "256",
        "the client's soft open-files limit for the run (default: raised to the hard limit)",
    ),
    key("load", "arrival", "table", "see `arrival`"),
    key(
        "load",
        "repeat",
        "3",
        "rounds: every mode runs this many times, interleaved (A B C A B C)",
    ),
    key(
        "load.arrival",
        "rate",
        "2000",
        "requests per second, evenly spaced",
    ),
    key(
        "load.arrival",
        "burst",
        "50",
        "requests per burst (with `every`)",
    ),
    key("load.arrival", "every", "\"20ms\"", "time between bursts"),
    key(
        "authority",
        "name",
        "\"api\"",
        "reports and checks call it so: `pooled.api.p99`",
    ),
    key("authority", "weight", "1", "its share of the requests"),
    key(
        "authority",
        "server",
        "{ think_time = \"100ms\" }",
        "any `[server]` key, for this authority",
    ),
    key(
        "authority",
        "url",
        "\"http://api.internal:8080/\"",
        "your own server for it (then every authority has one)",
    ),
    key(
        "authority",
        "request",
        "{ paths = [\"/v2/{n}\"] }",
        "any `[request]` key but `urls_file`, for this authority",
    ),
    key(
        "gate",
        "check",
        "\"pooled.handshakes <= 10\"",
        "a comparison of figures (`docs/gate.md` has the language)",
    ),
    key(
        MODE,
        "kind",
        "\"pooled\"",
        "the mode's kind, when its name is not one",
    ),
    key(
        MODE,
        "limit",
        "10",
        "connection limit, for the kinds that take one; a list (`[1, 2, 4]`) sweeps it",
    ),
    key(
        MODE,
        "body",
        "\"read\"",
        "\"read\" (default), \"drop\" (unread, after the head) or \"hold\" (with `hold`)",
    ),
    key(
        MODE,
        "hold",
        "\"5ms\"",
        "with `body = \"hold\"`: how long each body waits unread",
    ),
    key(
        MODE,
        "http",
        "\"1.1\"",
        "\"1.1\" (default), \"2\" (ALPN over TLS, h2c over plain TCP) or \"auto\" (what ALPN negotiates)",
    ),
];

/// Every key of every table: [`KEYS`], and a mode's settings from the
/// modes' list.
pub fn keys() -> Vec<Key> {
    let settings = SETTINGS.iter().map(|s| key(MODE, s.key, "…", s.doc));
    KEYS.iter().copied().chain(settings).collect()
}

/// The keys of one table, in order.
pub fn of(table: &str) -> Vec<&'static str> {
    keys()
        .into_iter()
        .filter(|k| k.table == table)
        .map(|k| k.name)
        .collect()
}
