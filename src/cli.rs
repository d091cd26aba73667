//! The command line. The only module that knows clap: it turns arguments
//! into typed options, calls the core, prints, and picks the exit code
//! (0 success, 1 a check failed, 2 bad input or a setup that cannot run).

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::interrupt::Interrupt;
use crate::link::LinkConfig;
use crate::report;
use crate::runner::{self, RunOptions};
use crate::scenario::Scenario;
use crate::scenario::units::{parse_duration, parse_rate, parse_size};
use crate::server::{self, ServerConfig, ServerCounters};
use crate::tls::{TlsSettings, TlsVersion};

const EXAMPLES: &str = "\
Examples:
  poolbench run scenarios/thousand.toml            compare the modes, write reports/thousand/
  poolbench run scenarios/thousand.toml --out /tmp/r --quiet
  poolbench report reports/thousand/results.json    re-render charts and HTML
  poolbench serve --port 8080 --body-size 4KiB     the bundled test server, standalone";

/// Measures what an HTTP client's connection handling costs.
#[derive(Debug, Parser)]
#[command(name = "poolbench", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario: every mode against the same server, counted side by side.
    #[command(
        after_help = "Example:\n  poolbench run scenarios/thousand.toml --out reports/thousand"
    )]
    Run {
        /// The scenario file (TOML), e.g. scenarios/thousand.toml.
        scenario: PathBuf,
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
    },
    /// Compare two results files figure by figure; exit 1 on a regression.
    #[command(after_help = "\
A figure is a regression when it got worse by more than the tolerance and,
if both runs have rounds (load.repeat), the two runs' ranges do not overlap.

Example:
  poolbench compare base/results.json new/results.json --tolerance 10% --format markdown")]
    Compare {
        /// The baseline results.json.
        base: PathBuf,
        /// The results.json to judge.
        new: PathBuf,
        /// How much worse a figure may get before it counts, e.g. 10%.
        #[arg(long, default_value = "10%", value_parser = parse_percent)]
        tolerance: f64,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
    },
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
}

#[derive(Debug, clap::Args)]
struct LinkArgs {
    /// A server to relay to; repeat for several, each gets its own port.
    #[arg(long, required = true)]
    upstream: Vec<SocketAddr>,
    /// Round-trip time to add, e.g. 10ms.
    #[arg(long, value_parser = parse_duration)]
    rtt: Duration,
    /// Bandwidth cap per direction, e.g. 100Mbit or 12MB/s [default: none].
    #[arg(long, value_parser = parse_rate)]
    bandwidth: Option<u64>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on for the first upstream; 0 picks a free one (the
    /// others always get free ones).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Control channel: `stdio` when started by `poolbench run`.
    #[arg(long, value_enum, default_value_t = Control::None, hide = true)]
    control: Control,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Wait before answering `/`, e.g. 1ms.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    think_time: Duration,
    /// Body size of `/`, e.g. 4KiB.
    #[arg(long, default_value = "64", value_parser = parse_size)]
    body_size: u64,
    /// Close idle keep-alive connections after this.
    #[arg(long, default_value = "75s", value_parser = parse_duration)]
    keep_alive_timeout: Duration,
    /// Close a connection after this many responses; 0 = unlimited.
    #[arg(long, default_value_t = 0)]
    max_requests_per_connection: u64,
    /// Worker threads [default: one per core].
    #[arg(long)]
    threads: Option<usize>,
    /// Misbehave: cut every N-th response to `/` mid-body with a TCP reset; 0 = never.
    #[arg(long, default_value_t = 0)]
    reset_every: u64,
    /// Misbehave: send the body of `/` in two halves this far apart, e.g. 10ms.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    slow_body: Duration,
    /// Misbehave: send N bytes beyond the Content-Length on every response
    /// but a connection's first (corrupts reused connections); 0 = never.
    #[arg(long, default_value_t = 0)]
    body_overrun: u64,
    /// Also serve HTTPS, with this certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Port for HTTPS; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    tls_port: u16,
    /// TLS version: 1.3 or 1.2.
    #[arg(long, default_value = "1.3", value_parser = ["1.2", "1.3"])]
    tls_version: String,
    /// Turn TLS session resumption off.
    #[arg(long)]
    no_tls_resumption: bool,
    /// Control channel: `stdio` when started by `poolbench run`.
    #[arg(long, value_enum, default_value_t = Control::None, hide = true)]
    control: Control,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Markdown,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Control {
    None,
    Stdio,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Compare {
            base,
            new,
            tolerance,
            format,
        } => compare(base, new, tolerance, format),
        Command::Run {
            scenario,
            out,
            quiet,
            format,
        } => run(scenario, out, quiet, format),
        Command::Report {
            results,
            out,
            format,
        } => report(results, out, format),
        Command::Serve(args) => serve(args),
        Command::Link(args) => link(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", printable(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn run(
    path: PathBuf,
    out: Option<PathBuf>,
    quiet: bool,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let scenario = match Scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", printable(&e.to_string()));
            return Ok(ExitCode::from(2));
        }
    };
    // Check the output directory first, so a bad path fails before the run.
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(scenario.slug()));
    report::check_out_dir(&out)?;
    let interrupt = Interrupt::default();
    let options = RunOptions {
        server_exe: std::env::current_exe().context("cannot find the poolbench executable")?,
        progress: !quiet,
        interrupt: interrupt.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(scenario.load.threads)
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        interrupt
            .on_signals()
            .context("cannot watch for Ctrl-C and SIGTERM")?;
        runner::run(&scenario, &options).await
    });
    // Whatever is left (a request stuck past its timeout) is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(100));
    let results = results?;
    // The outcome reaches the terminal before any file is written: a full
    // disk costs the report, not the table and the verdict.
    if !quiet {
        print_stdout(&render(&results, format))?;
    }
    if let Err(e) = report::write_report(&out, &results) {
        eprintln!("error: {e:#}");
        return Ok(ExitCode::from(2));
    }
    if !quiet {
        eprintln!("poolbench: wrote {}", out.join("index.html").display());
    }
    if let Some(signal) = interrupt.signal() {
        eprintln!(
            "poolbench: the report is partial ({})",
            crate::interrupt::name(signal)
        );
        return Ok(ExitCode::from(128 + signal as u8));
    }
    let mut failed = false;
    if !results.gate_passed() {
        let n = results.gate.iter().filter(|g| !g.passed).count();
        eprintln!("poolbench: {n} gate check(s) failed");
        failed = true;
    }
    for m in results
        .modes
        .iter()
        .filter(|m| m.requests.ok == 0 && m.requests.sent > 0)
    {
        let (kind, n) = m.errors.dominant();
        eprintln!(
            "poolbench: every request of {} ({}) failed, most of them {} ({n} of {}): {}",
            m.mode.name(),
            m.transport.name(),
            kind.label(),
            m.requests.sent,
            crate::metrics::errors::hint(kind)
        );
        failed = true;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn compare(
    base: PathBuf,
    new: PathBuf,
    tolerance: f64,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let (base, new) = (report::read_results(&base)?, report::read_results(&new)?);
    let changes = crate::compare::compare(&base, &new, tolerance);
    let unmatched = crate::compare::unmatched(&base, &new);
    print_stdout(&match format {
        Format::Text => report::terminal::compare_text(&changes, &unmatched),
        Format::Markdown => report::markdown::compare_markdown(&changes, &unmatched),
        Format::Junit => report::junit::compare_junit(&changes),
    })?;
    let regressed = changes
        .iter()
        .any(|c| c.verdict == crate::compare::Verdict::Regression);
    Ok(if regressed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// "10%" or "0.1" → 0.1.
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

fn report(path: PathBuf, out: Option<PathBuf>, format: Option<Format>) -> anyhow::Result<ExitCode> {
    let results = report::read_results(&path)?;
    let out = out.unwrap_or_else(|| {
        path.parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let files = report::write_report(&out, &results)?;
    eprintln!(
        "poolbench: wrote {} files into {}",
        files.len(),
        out.display()
    );
    if let Some(format) = format {
        print_stdout(&render(&results, format))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The run as `--format` asks.
fn render(results: &crate::results::Results, format: Format) -> String {
    match format {
        Format::Text => report::terminal::render(results),
        Format::Markdown => report::markdown::run_markdown(results),
        Format::Junit => report::junit::gate_junit(results),
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let defaults = ServerConfig::default();
    if args.body_size > ServerConfig::MAX_BODY {
        anyhow::bail!(
            "--body-size {} is more than the bundled server can send ({} bytes, 16 MiB)",
            args.body_size,
            ServerConfig::MAX_BODY
        );
    }
    if args.threads.is_some_and(|t| t == 0 || t > 1024) {
        anyhow::bail!("--threads must be from 1 to 1024");
    }
    let config = ServerConfig {
        think_time: args.think_time,
        body_size: args.body_size,
        keep_alive_timeout: args.keep_alive_timeout,
        max_requests_per_connection: args.max_requests_per_connection,
        threads: args.threads.unwrap_or(defaults.threads).max(1),
        reset_every: args.reset_every,
        slow_body: args.slow_body,
        body_overrun: args.body_overrun,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
            };
            let settings = TlsSettings {
                version: if args.tls_version == "1.2" {
                    TlsVersion::Tls12
                } else {
                    TlsVersion::Tls13
                },
                resumption: !args.no_tls_resumption,
            };
            Some(crate::tls::server_config(
                &read(cert)?,
                &read(key)?,
                settings,
            )?)
        }
        _ => None,
    };
    runtime.block_on(async move {
        let listener = bind(SocketAddr::new(args.host, args.port)).await?;
        let mut listening = vec![listener.local_addr()?];
        let counters = Arc::new(ServerCounters::default());
        let mut tasks = vec![tokio::spawn(server::serve(
            listener,
            config.clone(),
            Arc::clone(&counters),
        ))];
        if let Some(tls) = tls {
            let listener = bind(SocketAddr::new(args.host, args.tls_port)).await?;
            listening.push(listener.local_addr()?);
            tasks.push(tokio::spawn(server::serve_tls(
                listener,
                config,
                Arc::clone(&counters),
                tls,
            )));
        }
        match args.control {
            Control::Stdio => server::control::run_stdio(listening, counters).await?,
            Control::None => {
                eprintln!(
                    "poolbench serve: listening on http://{}/ (Ctrl-C stops)",
                    listening[0]
                );
                if let Some(tls) = listening.get(1) {
                    eprintln!("poolbench serve: listening on https://{tls}/");
                }
                tokio::signal::ctrl_c().await?;
            }
        }
        tasks.iter().for_each(|t| t.abort());
        Ok(ExitCode::SUCCESS)
    })
}

fn link(args: LinkArgs) -> anyhow::Result<ExitCode> {
    let config = LinkConfig {
        rtt: args.rtt,
        bandwidth: args.bandwidth,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mut listening = Vec::new();
        let mut tasks = Vec::new();
        for (i, upstream) in args.upstream.iter().enumerate() {
            let port = if i == 0 { args.port } else { 0 };
            let listener = bind(SocketAddr::new(args.host, port)).await?;
            listening.push(listener.local_addr()?);
            tasks.push(tokio::spawn(crate::link::serve(
                listener, *upstream, config,
            )));
        }
        match args.control {
            Control::Stdio => crate::child::serve_stdio(listening, |_| None).await?,
            Control::None => {
                for (addr, upstream) in listening.iter().zip(&args.upstream) {
                    eprintln!(
                        "poolbench link: {addr} → {upstream} with rtt {:?}",
                        args.rtt
                    );
                }
                eprintln!("poolbench link: Ctrl-C stops");
                tokio::signal::ctrl_c().await?;
            }
        }
        tasks.iter().for_each(|t| t.abort());
        Ok(ExitCode::SUCCESS)
    })
}

async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Prints to stdout; a closed pipe (`| head`) is not an error, any other
/// failure (a full disk under a redirect) is.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

/// Text for the terminal: control characters (escape sequences that could
/// retitle the window or clear the screen) shown as escapes, not obeyed.
fn printable(text: &str) -> String {
    crate::report::printable(text).into_owned()
}
