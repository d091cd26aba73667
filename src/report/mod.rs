//! Reports are pure functions of [`Results`]; writing them to disk happens
//! in one place, [`write_report`], which replaces a report directory whole,
//! so an interrupted run or a full disk never leaves half a report or a
//! directory mixing two runs.

pub mod charts;
pub mod columns;
pub mod csv;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod summary;
pub mod table;
pub mod terminal;
mod verdict;

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::results::{ConnectionEnd, Results};

/// The TIME_WAIT cell: "client | server", with "≥" when the kernel may
/// have recycled sockets before they were seen.
pub fn time_wait_cell(m: &crate::results::ModeResult) -> String {
    let t = &m.time_wait;
    let bound = if t.lower_bound() { "≥ " } else { "" };
    format!("{bound}{} | {}", t.client_side, t.server_side)
}

/// How connections ended: "client FIN first | server FIN first | resets".
pub fn ends_cell(m: &crate::results::ModeResult) -> String {
    let e = &m.connection_ends;
    format!(
        "{} | {} | {}",
        e.count(ConnectionEnd::ClientClosedFirst),
        e.count(ConnectionEnd::ServerClosedFirst),
        e.count(ConnectionEnd::ClientReset) + e.count(ConnectionEnd::ServerReset)
    )
}

/// The pool's retries, or "-" for a mode without poolbench's pool.
pub fn retries_cell(m: &crate::results::ModeResult) -> String {
    m.pool
        .as_ref()
        .map_or_else(|| "-".to_string(), |p| p.retries.to_string())
}

/// Files a report directory may hold: what [`write_report`] writes, and
/// what `scripts/ci-gate.sh` and `scripts/check-report.sh` add beside it.
/// Anything else in the directory is the user's, and the directory is not
/// replaced.
pub const REPORT_FILES: [&str; 5] = [
    "results.json",
    "index.html",
    "summary.md",
    "junit.xml",
    "screenshot.png",
];

/// The whole report of `results` as (file name, bytes): results.json, one
/// SVG per chart, index.html. Nothing is written.
pub fn render_files(results: &Results) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let charts = charts::render_all(results)?;
    let html = html::render(results, &charts);
    let mut files = vec![("results.json", crate::results::json::to_json(results)?)];
    for chart in charts {
        files.push((chart.file, chart.svg.into_bytes()));
    }
    files.push(("index.html", html.into_bytes()));
    Ok(files)
}

/// Writes the whole report as `dir`, replacing what was there as one: the
/// files go into a new directory beside it, which then takes its place. A
/// failure (a full disk) leaves the previous report as it was, so a report
/// directory always holds one run. Returns the files written.
pub fn write_report(dir: &Path, results: &Results) -> anyhow::Result<Vec<std::path::PathBuf>> {
    write_report_with(dir, results, &mut |path, bytes| write_synced(path, bytes))
}

/// [`write_report`] with the file writer given (tests make it fail).
pub fn write_report_with(
    dir: &Path,
    results: &Results,
    write: &mut dyn FnMut(&Path, &[u8]) -> std::io::Result<()>,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let files = render_files(results)?;
    check_replaceable(dir)?;
    let name = dir
        .file_name()
        .with_context(|| format!("{} is not a directory name", dir.display()))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let pid = std::process::id();
    let staging = parent.join(format!(".{}.new-{pid}", name.to_string_lossy()));
    let old = parent.join(format!(".{}.old-{pid}", name.to_string_lossy()));
    let _ = std::fs::remove_dir_all(&staging);
    let staged = (|| -> anyhow::Result<()> {
        std::fs::create_dir(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        for (file, bytes) in &files {
            let path = staging.join(file);
            write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        }
        // Keep what the user (or ci-gate.sh) put beside the report.
        for extra in ["summary.md", "junit.xml"] {
            if dir.join(extra).is_file() {
                std::fs::copy(dir.join(extra), staging.join(extra))
                    .with_context(|| format!("cannot copy {extra}"))?;
            }
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.context(format!(
            "the report was not written; {} is unchanged",
            dir.display()
        )));
    }
    if dir.exists() {
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(dir, &old)
            .with_context(|| format!("cannot move the previous report {} aside", dir.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, dir) {
        // Put the previous report back rather than leave nothing.
        let _ = std::fs::rename(&old, dir);
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e)
            .with_context(|| format!("cannot move the new report into {}", dir.display()));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(files.iter().map(|(f, _)| dir.join(f)).collect())
}

/// A directory is replaced whole only if it holds nothing but a report.
fn check_replaceable(dir: &Path) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let foreign: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !(REPORT_FILES.contains(&n.as_str())
                || charts::FILES.contains(&n.as_str())
                || n.starts_with('.'))
        })
        .collect();
    if foreign.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} holds files that are not a poolbench report ({}): a report replaces its \
             directory whole, so give --out a new or empty directory, e.g. {}",
            dir.display(),
            foreign.join(", "),
            dir.join("report").display()
        )
    }
}

/// Checks before a run that `dir` can take its report: its parent can be
/// created, and it holds nothing but an earlier report.
pub fn check_out_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.file_name().is_none() {
        anyhow::bail!("{} is not a directory name", dir.display());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the output directory {}", parent.display()))?;
    }
    check_replaceable(dir)
}

/// Writes and syncs one file.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Reads a results.json written by `poolbench run`.
/// The largest results file read.
pub const MAX_RESULTS_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a results.json written by `poolbench run`: of this poolbench's
/// schema version (an older or newer one is refused with what to do), and
/// whole (see [`Results::check`]).
pub fn read_results(path: &Path) -> anyhow::Result<Results> {
    let text = crate::files::read_text(path, MAX_RESULTS_BYTES)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse_results(&text, path)
}

/// [`read_results`] on text already read; `path` names it in errors.
pub fn parse_results(text: &str, path: &Path) -> anyhow::Result<Results> {
    use crate::results::SCHEMA_VERSION;
    #[derive(serde::Deserialize)]
    struct Version {
        schema_version: Option<u32>,
    }
    let not_results = || {
        format!(
            "{} is not a poolbench results file (schema version {SCHEMA_VERSION})",
            path.display()
        )
    };
    let version: Version = serde_json::from_str(text).with_context(not_results)?;
    match version.schema_version {
        Some(SCHEMA_VERSION) => {}
        Some(v) if v < SCHEMA_VERSION => anyhow::bail!(
            "{} was written by an older poolbench (schema version {v}; this one reads \
             {SCHEMA_VERSION}): its fields or figures are not defined as this version's are \
             (version 3 had no mode names, version 2 counted TIME_WAIT by address pair), so \
             it cannot be compared or re-rendered; run its scenario again",
            path.display()
        ),
        Some(v) => anyhow::bail!(
            "{} was written by a newer poolbench (schema version {v}; this one reads \
             {SCHEMA_VERSION}): upgrade poolbench to read it",
            path.display()
        ),
        None => anyhow::bail!("{}: it has no schema_version", not_results()),
    }
    let mut results: Results = serde_json::from_str(text).with_context(not_results)?;
    results.scenario.redact(&[]);
    results
        .check()
        .with_context(|| format!("{} is damaged", path.display()))?;
    Ok(results)
}
