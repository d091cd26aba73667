//! The command line's words: clap definitions, with every default shown
//! in `--help` and examples after it. [`super`] turns them into calls.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::scenario::units::{parse_duration, parse_rate, parse_size};
use crate::tls::TlsVersion;

const EXAMPLES: &str = "\
Examples:
  poolbench run scenarios/thousand.toml            compare the modes, write reports/thousand/
  poolbench run scenarios/thousand.toml --out /tmp/r --quiet
  poolbench run --url http://127.0.0.1:8080/        every mode against your own service
  poolbench report reports/thousand/results.json    re-render charts and HTML
  poolbench serve --port 8080 --body-size 4KiB     the bundled test server, standalone";

/// `poolbench run`'s values that replace a scenario file's (or, without
/// one, make the scenario).
#[derive(Debug, clap::Args)]
pub(super) struct RunFlags {
    /// Send the requests to this URL (your service) instead of the bundled
    /// server; `{n}` in its path is the request's number.
    // clap writes `{n}` as a line break: a reset between its characters
    // (invisible on a terminal, stripped in a pipe) keeps it `{n}`.
    #[arg(
        long,
        help = "Send the requests to this URL (your service) instead of the bundled server; `{\x1b[0mn}` in its path is the request's number"
    )]
    pub(super) url: Option<String>,
    /// A file of URLs, one a line: each host its own authority (against the
    /// bundled server: one path a line).
    #[arg(long, conflicts_with = "url")]
    pub(super) urls: Option<PathBuf>,
    /// Measured requests per mode [default without a file: 1000].
    #[arg(short = 'n', long, conflicts_with = "duration")]
    pub(super) requests: Option<u64>,
    /// Measured time per mode instead of a request count, e.g. 10s.
    #[arg(short = 'z', long)]
    pub(super) duration: Option<String>,
    /// Tasks sending at once [default without a file: 50].
    #[arg(short = 'c', long)]
    pub(super) concurrency: Option<u64>,
    /// Only these modes, by name, comma-separated; without a file, any
    /// kinds, e.g. pooled,reqwest,awc [default without a file: pooled,
    /// per_request_client, keep_alive_disabled, hyper_util].
    #[arg(long, value_delimiter = ',')]
    pub(super) mode: Option<Vec<String>>,
    /// The connection limit of every mode that has one [default without
    /// a file: the concurrency].
    #[arg(long)]
    pub(super) limit: Option<u64>,
    /// Open loop at this many requests per second.
    #[arg(long)]
    pub(super) rate: Option<f64>,
    /// The request method [default: GET].
    #[arg(short = 'm', long)]
    pub(super) method: Option<String>,
    /// A request header, 'name: value'; repeat for more.
    #[arg(short = 'H', long = "header")]
    pub(super) headers: Vec<String>,
    /// A header whose value is a secret, never shown in any output
    /// (authorization, proxy-authorization, cookie, set-cookie and x-api-key
    /// always are); repeat for more.
    #[arg(long = "redact", value_name = "HEADER")]
    pub(super) redact: Vec<String>,
    /// The request body: text, or @file for a file's content.
    #[arg(short = 'd', long = "data")]
    pub(super) body: Option<String>,
    /// Rounds: every mode runs this many times, interleaved (A B A B);
    /// `compare` needs 3 a side to judge timings, 5 to be sure.
    #[arg(long)]
    pub(super) repeat: Option<u64>,
    /// Requests each mode sends before it is measured.
    #[arg(long)]
    pub(super) warmup: Option<u64>,
    /// A request not complete after this is a timeout, e.g. 5s [default: 30s].
    #[arg(long)]
    pub(super) timeout: Option<String>,
    /// The HTTP version of every mode: 1.1, 2 (over TLS by ALPN, else prior
    /// knowledge) or auto.
    #[arg(long)]
    pub(super) http: Option<String>,
    /// Do not check an https target's certificate (its chain, name and
    /// dates), as curl -k; the handshake is still measured, and the report
    /// says the certificate was not verified.
    #[arg(long, short = 'k')]
    pub(super) insecure: bool,
    /// Trust this CA (a PEM file) for an https target, beside nothing else.
    #[arg(long)]
    pub(super) ca: Option<PathBuf>,
}

impl RunFlags {
    /// The flags as the scenario's overrides: `-H` split into name and
    /// value, `-d @file` read from the current directory.
    pub(super) fn overrides(self) -> anyhow::Result<crate::scenario::overrides::Overrides> {
        use crate::scenario::overrides::{Body, Overrides};
        let here = || std::env::current_dir().unwrap_or_default();
        let headers = self
            .headers
            .iter()
            .map(|h| match h.split_once(':') {
                Some((name, value)) => Ok((name.trim().to_string(), value.trim().to_string())),
                None => anyhow::bail!("-H {h:?}: write a header as 'name: value'"),
            })
            .collect::<anyhow::Result<_>>()?;
        let body = self.body.map(|d| match d.strip_prefix('@') {
            Some(file) => Body::File(here().join(file)),
            None => Body::Text(d),
        });
        Ok(Overrides {
            url: self.url,
            urls: self.urls.map(|f| here().join(f)),
            requests: self.requests,
            duration: self.duration,
            concurrency: self.concurrency,
            modes: self.mode,
            limit: self.limit,
            rate: self.rate,
            method: self.method,
            headers,
            body,
            redact: self.redact,
            repeat: self.repeat,
            warmup: self.warmup,
            timeout: self.timeout,
            http: self.http,
            insecure: self.insecure,
            ca: self.ca.map(|f| here().join(f)),
        })
    }
}

/// Measures what an HTTP client's connection handling costs.
#[derive(Debug, Parser)]
#[command(name = "poolbench", version, about, after_help = EXAMPLES)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

// `Run` holds every flag of a run; the command is parsed once, so its size
// costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run a scenario: every mode against the same server, counted side by side.
    #[command(after_help = "\
Examples:
  poolbench run scenarios/thousand.toml --out reports/thousand
  poolbench run --url http://127.0.0.1:8080/          every mode against your service:
                                                      1000 requests per mode, 50 at once
  poolbench run --url https://api.internal/ -c 20 -n 5000 --mode pooled,reqwest,awc
                                                      the clients you ship, side by side
  poolbench run scenarios/thousand.toml -n 200 -c 10  the file, with smaller numbers
  poolbench run --url http://127.0.0.1:8080/api -m POST -H 'content-type: application/json' \
      -H 'authorization: Bearer t0ken' -d @payload.json
  poolbench run --urls urls.txt -c 50                 a scraper: one URL a line, each host
                                                      its own authority
  poolbench run --url 'http://127.0.0.1:8080/item/{\x1b[0mn}'  {\x1b[0mn}: the request's number

Flags given with a scenario file replace its values (the report records the
scenario as it ran, headed by the flags); --mode drops the checks that name
a mode left out.")]
    Run {
        /// The scenario file (TOML), e.g. scenarios/thousand.toml; none with --url.
        #[arg(required_unless_present_any = ["url", "urls"])]
        scenario: Option<PathBuf>,
        #[command(flatten)]
        flags: RunFlags,
        /// Directory for results.json [default: reports/<scenario name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors (the exit code still tells).
        #[arg(long, short)]
        quiet: bool,
        /// What to print on stdout: the table, Markdown (for a job summary or
        /// a PR comment) or JUnit XML (one test case per gate check).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Print every figure, mode beside mode, not only the summary (a line
        /// per mode); the HTML and Markdown always hold every figure.
        #[arg(long)]
        detail: bool,
    },
    /// Compare two results files figure by figure; exit 1 on a regression.
    #[command(after_help = "\
The two files must be runs of the same scenario run the same way (load,
target, link, TLS, authorities, modes and their settings); otherwise compare
names the first difference and exits 2, unless --force. Figures are compared
as means per round, so runs with different load.repeat compare fairly. A
figure is a regression when it got worse by more than its tolerance (10%,
counts exactly) and, if both runs have 3 rounds or more, the exact one-sided
Mann-Whitney U test on the rounds gives p <= 0.05.

Example:
  poolbench compare base/results.json new/results.json --tolerance 10% --format markdown
  poolbench compare base/results.json new/results.json --tolerance p99=20% --tolerance handshakes=0")]
    Compare {
        /// The baseline results.json.
        base: PathBuf,
        /// The results.json to judge.
        new: PathBuf,
        /// How much worse a figure may get before it counts: 10% for every
        /// figure but the counts (exact), or FIGURE=PERCENT for one
        /// (p99=15%, handshakes=5%); repeat it.
        #[arg(long, value_parser = parse_tolerance)]
        tolerance: Vec<(Option<String>, f64)>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Compare runs that differ in what was run, listing every difference.
        #[arg(long)]
        force: bool,
    },
    /// Re-render the report (charts, HTML) from a saved results.json.
    #[command(
        after_help = "Example:\n  poolbench report reports/thousand/results.json --out /tmp/thousand"
    )]
    Report {
        /// A results.json written by `poolbench run`.
        results: PathBuf,
        /// Directory for the report [default: the results file's directory].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also print the run: the table, Markdown, or JUnit XML of its checks.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// With --format text: every figure, not only the summary.
        #[arg(long)]
        detail: bool,
    },
    /// Merge the results of several agents that ran one scenario at once.
    #[command(after_help = "\
The files must be runs of the same scenario run the same way (as for
compare). Histograms merge exactly, counts and throughputs add up, peaks add
up (an upper bound) and are kept per agent; the scenario's checks are judged
again on the merged figures. Render it with `poolbench report`.

Example:
  poolbench merge agent-0/results.json agent-1/results.json agent-2/results.json -o merged.json")]
    Merge {
        /// The agents' results.json files.
        #[arg(required = true)]
        results: Vec<PathBuf>,
        /// Where to write the merged results.
        #[arg(short, long)]
        out: PathBuf,
    },
    /// List the kinds of mode a scenario may name: whether each takes a
    /// limit, whether its connections can go through [link], [proxy] or a
    /// Unix socket, and the settings it takes.
    #[command(after_help = "Every key of a scenario file: docs/scenario.md.")]
    Kinds,
    /// Run the bundled test server until interrupted.
    #[command(
        after_help = "Example:\n  poolbench serve --port 8080 --think-time 1ms --body-size 4KiB"
    )]
    Serve(ServeArgs),
    /// Run the link emulator: a proxy that adds latency (and a bandwidth cap)
    /// between a client and a server.
    #[command(
        after_help = "Example:\n  poolbench link --upstream 127.0.0.1:8080 --port 9090 --rtt 20ms"
    )]
    Link(LinkArgs),
    /// A small forward HTTP proxy (absolute-form requests and CONNECT
    /// tunnels), for clients that must reach servers through one.
    #[command(after_help = "Example:\n  poolbench proxy --port 3128")]
    Proxy(ProxyArgs),
}

#[derive(Debug, clap::Args)]
pub(super) struct ProxyArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub(super) host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(super) port: u16,
    /// Control channel: `stdio` when started by `poolbench run`.
    #[arg(long, value_enum, default_value_t = Control::None, hide = true)]
    pub(super) control: Control,
}

#[derive(Debug, clap::Args)]
pub(super) struct LinkArgs {
    /// A server to relay to; repeat for several, each gets its own port.
    #[arg(long)]
    pub(super) upstream: Vec<SocketAddr>,
    /// Round-trip time to add, e.g. 10ms.
    #[arg(long, value_parser = parse_duration)]
    pub(super) rtt: Option<Duration>,
    /// Bandwidth cap per direction, e.g. 100Mbit or 12MB/s [default: none].
    #[arg(long, value_parser = parse_rate)]
    pub(super) bandwidth: Option<u64>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub(super) host: IpAddr,
    /// Port to listen on for the first upstream; 0 picks a free one (the
    /// others always get free ones).
    #[arg(long, default_value_t = 0)]
    pub(super) port: u16,
    /// Control channel: `stdio` when started by `poolbench run`.
    #[arg(long, value_enum, default_value_t = Control::None, hide = true)]
    pub(super) control: Control,
}

#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub(super) host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(super) port: u16,
    /// Also serve plain HTTP on a Unix domain socket at this path.
    #[arg(long)]
    pub(super) unix: Option<PathBuf>,
    /// Wait before answering `/`, e.g. 1ms.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub(super) think_time: Duration,
    /// Body size of `/`, e.g. 4KiB.
    #[arg(long, default_value = "64", value_parser = parse_size)]
    pub(super) body_size: u64,
    /// Close idle keep-alive connections after this.
    #[arg(long, default_value = "75s", value_parser = parse_duration)]
    pub(super) keep_alive_timeout: Duration,
    /// Close a connection after this many responses; 0 = unlimited.
    #[arg(long, default_value_t = 0)]
    pub(super) max_requests_per_connection: u64,
    /// Worker threads [default: one per core].
    #[arg(long)]
    pub(super) threads: Option<usize>,
    /// Misbehave: cut every N-th response to `/` mid-body with a TCP reset; 0 = never.
    #[arg(long, default_value_t = 0)]
    pub(super) reset_every: u64,
    /// Misbehave: send the body of `/` in two halves this far apart, e.g. 10ms.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub(super) slow_body: Duration,
    /// Misbehave: send N bytes beyond the Content-Length on every response
    /// but a connection's first (corrupts reused connections); 0 = never.
    #[arg(long, default_value_t = 0)]
    pub(super) body_overrun: u64,
    /// Misbehave: answer every request on a connection but its first with
    /// the first request's id (a stale response on a reused connection).
    #[arg(long)]
    pub(super) stale_reuse: bool,
    /// Hold at most N connections open; 0 = no cap.
    #[arg(long, default_value_t = 0)]
    pub(super) max_connections: u64,
    /// Over the cap: refuse (reset), 503, or queue (stop accepting).
    #[arg(long, default_value = "503", value_parser = parse_over_capacity)]
    pub(super) over_capacity: crate::server::OverCapacity,
    /// HTTP/2: the most streams in flight per connection
    /// (SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, default_value_t = 128)]
    pub(super) max_concurrent_streams: u32,
    /// Also serve HTTPS, with this certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    pub(super) tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    pub(super) tls_key: Option<PathBuf>,
    /// Port for HTTPS; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(super) tls_port: u16,
    /// TLS version: 1.3 or 1.2.
    #[arg(long, default_value = "1.3")]
    pub(super) tls_version: TlsVersion,
    /// Turn TLS session resumption off.
    #[arg(long)]
    pub(super) no_tls_resumption: bool,
    /// Control channel: `stdio` when started by `poolbench run`.
    #[arg(long, value_enum, default_value_t = Control::None, hide = true)]
    pub(super) control: Control,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Text,
    Markdown,
    Junit,
    /// Every figure as rows of one long table (see docs/commands.md).
    Csv,
    /// results.json itself (for `compare`: the changes).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Control {
    None,
    Stdio,
}

/// "10%" or "0.1" → 0.1.
/// "10%" (the default for every figure) or "p99=15%" (one figure's).
fn parse_tolerance(text: &str) -> Result<(Option<String>, f64), String> {
    let Some((name, value)) = text.split_once('=') else {
        return Ok((None, parse_percent(text)?));
    };
    let name = name.trim();
    match crate::results::figures::Figure::named(name) {
        Some(f) if f.compared => Ok((Some(name.to_string()), parse_percent(value)?)),
        _ => {
            let compared: Vec<&str> = crate::results::figures::FIGURES
                .iter()
                .filter(|f| f.compared)
                .map(|f| f.name)
                .collect();
            Err(format!(
                "`{name}` is not a figure compare judges; these are: {}",
                compared.join(", ")
            ))
        }
    }
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let value = match text.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.trim().parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a tolerance; write it like 10%"))?;
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!(
            "`{text}` is not a tolerance; it must be 0% or more"
        ))
    }
}

fn parse_over_capacity(text: &str) -> Result<crate::server::OverCapacity, String> {
    crate::server::OverCapacity::from_name(text).ok_or_else(|| {
        format!(
            "expected one of {}",
            crate::server::OverCapacity::NAMES.join(", ")
        )
    })
}
