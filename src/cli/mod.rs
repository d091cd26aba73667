//! The command line. The only module that knows clap: it turns arguments
//! into typed options, calls the core, prints, and picks the exit code
//! (0 success, 1 a check failed, 2 bad input or a setup that cannot run).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;

use crate::interrupt::Interrupt;
use crate::report;
use crate::runner::{self, RunOptions};

/// Prints a line on stderr as every message of the command line is
/// printed: with no secret the user gave and no control character, since
/// paths, URLs and names in it come from the user.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::redact::shown(&format!($($arg)*)))
    };
}

mod announce;
mod args;
mod children;
mod progress;
mod runtime;

use args::{Cli, Command, Format};

/// The catalogue of kinds as `poolbench kinds` prints it: a line each,
/// its columns split by spaces (settings joined by commas), so a script
/// can read the first three.
fn kinds() -> String {
    use crate::modes::{Check, KINDS, ModeSpec, Route};
    let wide = KINDS
        .iter()
        .map(|k| k.settings.join(",").len())
        .max()
        .unwrap_or(0)
        .max("settings".len());
    let mut out = format!(
        "{:<22} {:<6} {:<9} {:<wide$} {}\n",
        "kind", "limit", "routable", "settings", "what it models"
    );
    for kind in KINDS {
        let spec = ModeSpec::of(kind, std::num::NonZeroU32::new(1));
        let routed = Route {
            link: true,
            ..Route::default()
        };
        let check = Check {
            spec: &spec,
            given: &[],
            route: routed,
        };
        let yes = |b: bool| if b { "yes" } else { "no" };
        let settings = match kind.settings.join(",") {
            s if s.is_empty() => "-".to_string(),
            s => s,
        };
        out.push_str(&format!(
            "{:<22} {:<6} {:<9} {:<wide$} {}\n",
            kind.name,
            yes(kind.limit),
            yes((kind.check)(&check).is_ok()),
            settings,
            kind.summary
        ));
    }
    out
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
            force,
        } => compare((base, new), tolerance, format, force),
        Command::Run {
            scenario,
            flags,
            out,
            quiet,
            format,
            detail,
        } => flags
            .overrides()
            .and_then(|o| run(scenario, &o, out, quiet, (format, detail))),
        Command::Report {
            results,
            out,
            format,
            detail,
        } => report(results, out, format.map(|f| (f, detail))),
        Command::Merge { results, out } => merge(&results, &out),
        Command::Kinds => {
            print!("{}", kinds());
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => children::serve(args),
        Command::Link(args) => children::link(args),
        Command::Proxy(args) => children::proxy(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            say!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(
    path: Option<PathBuf>,
    overrides: &crate::scenario::overrides::Overrides,
    out: Option<PathBuf>,
    quiet: bool,
    format: (Format, bool),
) -> anyhow::Result<ExitCode> {
    let scenario = match crate::scenario::overrides::scenario(path.as_deref(), overrides) {
        Ok(s) => s,
        Err(e) => {
            say!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // Check the output directory first, so a bad path fails before the run.
    let out = out.unwrap_or_else(|| PathBuf::from("reports").join(scenario.slug()));
    report::check_out_dir(&out)?;
    if !quiet {
        announce::announce(path.is_none(), overrides, &scenario, &out);
    }
    let interrupt = Interrupt::default();
    // A live bar where someone watches (stderr is a terminal), a plain
    // line per mode where a log is kept.
    let live = !quiet && std::io::stderr().is_terminal();
    let options = RunOptions {
        server_exe: std::env::current_exe().context("cannot find the poolbench executable")?,
        progress: !quiet && !live,
        watch: live.then(|| Arc::new(progress::Bars::default()) as Arc<dyn runner::Watch>),
        interrupt: interrupt.clone(),
    };
    let results = runtime::on_client_runtime(scenario.load.threads, || async {
        interrupt
            .on_signals()
            .context("cannot watch for Ctrl-C and SIGTERM")?;
        runner::run(&scenario, &options).await
    })?;
    // The outcome reaches the terminal before any file is written: a full
    // disk costs the report, not the table and the verdict.
    if !quiet {
        print_stdout(&render(&results, format))?;
    }
    if let Err(e) = report::write_report(&out, &results) {
        say!("error: {e:#}");
        return Ok(ExitCode::from(2));
    }
    if !quiet {
        say!("poolbench: wrote {}", out.join("index.html").display());
    }
    if let Some(signal) = interrupt.signal() {
        say!(
            "poolbench: the report is partial ({})",
            crate::interrupt::name(signal)
        );
        return Ok(ExitCode::from(128 + signal as u8));
    }
    Ok(verdict(&results))
}

/// 1 if a gate check failed or a mode's every request did (saying why),
/// else 0.
fn verdict(results: &crate::results::Results) -> ExitCode {
    let mut failed = false;
    if failed_checks(results) > 0 {
        failed = true;
    }
    let all_failed = |m: &&crate::results::ModeResult| m.requests.ok == 0 && m.requests.sent > 0;
    for m in results.modes.iter().filter(all_failed) {
        let (kind, n) = m.errors.dominant();
        say!(
            "poolbench: every request of {} ({}) failed, most of them {} ({n} of {}): {}",
            m.label,
            m.transport.name(),
            kind.label(),
            m.requests.sent,
            crate::metrics::errors::hint_for(m, kind)
        );
        failed = true;
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn compare(
    (base_path, new_path): (PathBuf, PathBuf),
    tolerance: Vec<(Option<String>, f64)>,
    format: Format,
    force: bool,
) -> anyhow::Result<ExitCode> {
    let (base, new) = (
        report::read_results(&base_path)?,
        report::read_results(&new_path)?,
    );
    let differences = crate::compare::differences(&base, &new);
    if let Some(first) = differences.first().filter(|_| !force) {
        let more = match differences.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        say!(
            "error: {} and {} are not runs of the same scenario run the same way: {first}{more}\n  \
             = help: compare runs of one scenario file; --force compares anyway and lists every difference",
            base_path.display(),
            new_path.display()
        );
        return Ok(ExitCode::from(2));
    }
    let tolerances = crate::compare::Tolerances {
        default: tolerance
            .iter()
            .rev()
            .find_map(|(name, t)| name.is_none().then_some(*t))
            .unwrap_or(0.10),
        figures: tolerance
            .iter()
            .filter_map(|(name, t)| Some((name.clone()?, *t)))
            .collect(),
    };
    let changes = crate::compare::compare(&base, &new, &tolerances);
    let mut unmatched: Vec<String> = differences
        .iter()
        .map(|d| format!("not the same run (--force): {d}"))
        .collect();
    unmatched.extend(crate::compare::circumstances(&base, &new));
    unmatched.extend(crate::compare::unmatched(&base, &new));
    print_stdout(&match format {
        Format::Text => report::terminal::compare_text(&changes, &unmatched),
        Format::Markdown => report::markdown::compare_markdown(&changes, &unmatched),
        Format::Junit => report::junit::compare_junit(&changes, &new),
        Format::Csv => report::csv::compare_csv(&changes),
        Format::Json => compare_json(&changes, &unmatched),
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

fn report(
    path: PathBuf,
    out: Option<PathBuf>,
    format: Option<(Format, bool)>,
) -> anyhow::Result<ExitCode> {
    let results = report::read_results(&path)?;
    let out = out.unwrap_or_else(|| {
        path.parent()
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
    });
    let files = report::write_report(&out, &results)?;
    say!(
        "poolbench: wrote {} files into {}",
        files.len(),
        out.display()
    );
    if let Some(format) = format {
        print_stdout(&render(&results, format))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The run as `--format` asks (and, as text, in full with `--detail`).
fn render(results: &crate::results::Results, (format, detail): (Format, bool)) -> String {
    match format {
        Format::Text => report::terminal::render_on(results, stdout_terminal(), detail),
        Format::Markdown => report::markdown::run_markdown(results),
        Format::Junit => report::junit::gate_junit(results),
        Format::Csv => report::csv::run_csv(results),
        Format::Json => {
            String::from_utf8(crate::results::json::to_json(results).unwrap_or_default())
                .unwrap_or_default()
        }
    }
}

/// How stdout shows text: a terminal's own width and colour (unless
/// `NO_COLOR` is set); a file or a pipe gets 100 columns, no colour.
fn stdout_terminal() -> report::columns::Terminal {
    let plain = report::columns::Terminal::default();
    if !std::io::stdout().is_terminal() {
        return plain;
    }
    // SAFETY: TIOCGWINSZ fills the winsize it is given, nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    report::columns::Terminal {
        width: match got && size.ws_col >= 40 {
            true => usize::from(size.ws_col),
            false => plain.width,
        },
        colour: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// `compare --format json`: the changes, and the notes.
fn compare_json(changes: &[crate::compare::Change], notes: &[String]) -> String {
    let changes: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "mode": c.mode,
                "figure": c.figure,
                "base": c.base,
                "new": c.new,
                "change": c.relative,
                "verdict": format!("{:?}", c.verdict).to_lowercase(),
                "note": c.note,
            })
        })
        .collect();
    let json = serde_json::json!({ "changes": changes, "notes": notes });
    serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
}

fn merge(files: &[PathBuf], out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let runs = files
        .iter()
        .map(|f| Ok((f.display().to_string(), report::read_results(f)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let merged = crate::merge::merge(&runs)?;
    let json = crate::results::json::to_json(&merged)?;
    let tmp = out.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    say!(
        "poolbench: merged {} runs into {} (render it: poolbench report {})",
        runs.len(),
        out.display(),
        out.display()
    );
    Ok(match failed_checks(&merged) {
        0 => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// Names every check of `results` that failed, on stderr, with its
/// figures; how many.
fn failed_checks(results: &crate::results::Results) -> usize {
    let failed: Vec<_> = results.gate.iter().filter(|g| !g.passed).collect();
    for g in &failed {
        say!("poolbench: check failed: {} ({})", g.check, g.detail());
    }
    if !failed.is_empty() {
        say!("poolbench: {} gate check(s) failed", failed.len());
    }
    failed.len()
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
