//! The report a reviewer opens: every file written, every SVG valid with
//! one line per mode, user strings escaped, and a re-render identical to
//! the original.

use poolbench::results::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use poolbench::report::charts::{self, style};
use poolbench::results::{LatencySummary, Results};

const SCENARIO: &str = r#"name = "report"
description = "three modes, a few requests"
[server]
body_size = "1KiB"
[load]
requests = 60
concurrency = 6
[modes]
pooled = { limit = 2 }
per_request_client = {}
keep_alive_disabled = { limit = 2 }
"#;

/// One real run, shared by the tests: (its directory, the report dir).
fn report() -> &'static (tempfile::TempDir, PathBuf) {
    static REPORT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("report.toml");
        std::fs::write(&scenario, SCENARIO).unwrap();
        let out = dir.path().join("out");
        Command::cargo_bin("poolbench")
            .unwrap()
            .args(["run", "--quiet", "--out"])
            .arg(&out)
            .arg(&scenario)
            .assert()
            .success();
        (dir, out)
    })
}

use crate::common::results;

#[test]
fn every_file_is_written_and_no_temporary_is_left() {
    let (_, out) = report();
    let mut names: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // 6 requests on 2 connections must wait: the pool-wait chart is there.
    let expected = [
        "breakdown.svg",
        "connections.svg",
        "index.html",
        "latency.svg",
        "pool-wait.svg",
        "results.json",
        "timeline.svg",
    ];
    assert_eq!(names, expected);
    for name in &names {
        assert!(
            std::fs::metadata(out.join(name)).unwrap().len() > 500,
            "{name} is nearly empty"
        );
    }
}

#[test]
fn every_svg_parses_and_each_line_chart_draws_and_names_every_mode() {
    let (_, out) = report();
    let results = results(out);
    // Every chart but the sweep's (this run swept no limit).
    for file in charts::FILES.into_iter().filter(|f| *f != "sweep.svg") {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg", "{file}");
        // Strokes of a colour with more than two points: a mode's line, or
        // its dashes; a legend's sample has two.
        let strokes = |colour: &str| {
            doc.descendants()
                .filter(|n| n.has_tag_name("polyline"))
                .filter(|n| {
                    n.attribute("stroke")
                        .is_some_and(|s| s.eq_ignore_ascii_case(colour))
                })
                .count()
        };
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        let named = |label: &str| texts.iter().any(|t| t.contains(label));
        for m in &results.modes {
            let colour = style::hex(style::colour(&results, m));
            let label = style::label(&results, m);
            match file {
                "latency.svg" | "timeline.svg" => {
                    assert!(strokes(&colour) >= 2, "{file}: {label} has a line");
                    assert!(named(&label), "{file}: the legend names {label}");
                }
                "pool-wait.svg" if m.pool.as_ref().is_some_and(|p| p.waits > 0) => {
                    assert!(strokes(&colour) >= 2, "{file}: {label} has a line");
                    assert!(named(&format!("{label} (")), "{file} names {label}");
                }
                "pool-wait.svg" => {
                    assert_eq!(strokes(&colour), 0, "{file}: {label} never waited");
                    assert!(!named(&format!("{label} (")), "{file}: {label}");
                }
                _ => assert!(named(&label), "{file} names {label}"),
            }
        }
    }
}

#[test]
fn a_re_render_is_identical_and_percentiles_come_back_exactly() {
    let (dir, out) = report();
    let again = dir.path().join("again");
    Command::cargo_bin("poolbench")
        .unwrap()
        .args(["report"])
        .arg(out.join("results.json"))
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    for file in ["index.html", "latency.svg", "breakdown.svg", "results.json"] {
        let a = std::fs::read(out.join(file)).unwrap();
        let b = std::fs::read(again.join(file)).unwrap();
        assert!(a == b, "{file} differs after re-rendering");
    }
    for m in &results(out).modes {
        let decoded = LatencySummary::of(&m.latency_us.histogram().unwrap());
        assert_eq!(decoded, m.latency_us);
    }
}

#[test]
fn user_strings_are_escaped_in_the_html() {
    let (_, out) = report();
    let mut results = results(out);
    let evil = r#"<script>alert("pwned")</script> & 'quotes' "too""#;
    results.scenario.name = evil.to_string();
    results.scenario.description = evil.to_string();
    results.scenario.urls = vec![format!("http://127.0.0.1:1/{evil}")];
    results.scenario.source = evil.to_string();
    let charts = charts::render_all(&results).unwrap();
    let html = poolbench::report::html::render(&results, &charts);
    assert!(
        !html.contains("<script"),
        "a user string came out as markup"
    );
    assert!(html.contains("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp;"));
    // No user string reaches the SVG either.
    assert!(charts.iter().all(|c| !c.svg.contains("pwned")));
}

#[test]
fn the_page_is_self_contained() {
    let (_, out) = report();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    // No script, and nothing fetched: no src, href, stylesheet link or url().
    for outside in ["<script", "<link", "src=", "href=", "url(", "@import"] {
        assert!(
            !html.contains(outside),
            "index.html refers outside itself: {outside}"
        );
    }
    assert_eq!(html.matches("<figure").count(), 5);
    assert!(html.contains("Verdict"));
}

/// Every file of a report directory with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A disk that fills up midway never leaves a directory mixing two runs:
/// the previous report stays as it was, byte for byte.
#[test]
fn a_failed_write_leaves_the_previous_report_whole() {
    let (_, out) = report();
    let first = results(out);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report");
    poolbench::report::write_report(&target, &first).unwrap();
    let before = snapshot(&target);
    let mut second = first.clone();
    second.started_at = "2099-01-01T00:00:00Z".to_string();
    let mut written = 0;
    let error = poolbench::report::write_report_with(&target, &second, &mut |path, bytes| {
        written += 1;
        if written == 3 {
            return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
        }
        std::fs::write(path, bytes)
    })
    .unwrap_err();
    assert!(format!("{error:#}").contains("unchanged"), "{error:#}");
    assert_eq!(snapshot(&target), before);
    let entries = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(entries, 1, "a temporary directory was left behind");
    // Written in full, the new report replaces the old one whole.
    poolbench::report::write_report(&target, &second).unwrap();
    assert_eq!(results(&target).started_at, "2099-01-01T00:00:00Z");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_directory_holding_other_files_is_not_replaced() {
    let (_, out) = report();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let error = poolbench::report::write_report(dir.path(), &results(out)).unwrap_err();
    assert!(format!("{error:#}").contains("notes.txt"), "{error:#}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "mine"
    );
}

/// A results file that is damaged or from another version is refused with
/// a clear error (exit 2), never drawn half or allowed to allocate without
/// bound.
#[test]
fn damaged_or_foreign_results_are_refused() {
    let (_, out) = report();
    let text = std::fs::read_to_string(out.join("results.json")).unwrap();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    type Damage = Box<dyn Fn(&mut serde_json::Value)>;
    let variants: Vec<(&str, Damage)> = vec![
        (
            "series arrays differ in length",
            Box::new(|v| {
                v["modes"][0]["series"]["t_s"]
                    .as_array_mut()
                    .unwrap()
                    .push(1.0.into());
            }),
        ),
        (
            "histogram header out of bounds",
            // A 40-byte V2 header claiming a range of 2^63.
            Box::new(|v| {
                use base64::Engine;
                let mut h = vec![0x1c, 0x84, 0x93, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];
                h.extend(1u64.to_be_bytes());
                h.extend((1u64 << 63).to_be_bytes());
                h.extend(1f64.to_be_bytes());
                v["modes"][0]["latency_us"]["hdr"] =
                    base64::engine::general_purpose::STANDARD.encode(h).into();
            }),
        ),
        (
            "newer poolbench",
            Box::new(|v| v["schema_version"] = 999.into()),
        ),
        (
            "older poolbench",
            Box::new(|v| v["schema_version"] = 1.into()),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (message, damage) in variants {
        let mut value = original.clone();
        damage(&mut value);
        let path = dir.path().join("results.json");
        std::fs::write(&path, serde_json::to_vec(&value).unwrap()).unwrap();
        Command::cargo_bin("poolbench")
            .unwrap()
            .args(["report", "--out"])
            .arg(dir.path().join("r"))
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}

/// The terminal table says why a run ran out of descriptors or ports and
/// how to fix it, and claims no raise of the open-files limit that did not
/// happen.
#[test]
fn the_table_gives_hints_and_tells_the_truth_about_the_limit() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    );
    let mut results = poolbench::report::read_results(Path::new(path)).unwrap();
    let limit = &mut results.environment.nofile;
    limit.soft_before = limit.soft;
    for m in results.modes.iter_mut() {
        match m.label.as_str() {
            "per_request_client" => m.errors.add(ErrorKind::Emfile, 3),
            "keep_alive_disabled" => m.errors.add(ErrorKind::AddrNotAvail, 2),
            _ => {}
        }
    }
    let table = poolbench::report::terminal::render(&results);
    assert!(!table.contains("raised from"), "{table}");
    assert!(table.contains("EMFILE in per_request_client") && table.contains("ulimit -n"));
    assert!(table.contains("EADDRNOTAVAIL in keep_alive_disabled"));
    assert!(table.contains("ip_local_port_range"));
    limit_raised(&mut results);
    assert!(poolbench::report::terminal::render(&results).contains("(raised from 1024)"));
}

fn limit_raised(results: &mut Results) {
    results.environment.nofile.soft_before = 1024;
}

/// The catalogue of figures drives everything: each figure (with each of
/// its qualifiers) is accepted by the gate, and each appears in the
/// terminal table, the Markdown and the HTML page.
#[test]
fn every_catalogue_figure_is_gated_and_rendered_everywhere() {
    use poolbench::results::figures::FIGURES;
    use poolbench::results::{ConnectionEnd, Phase};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    );
    let mut results = poolbench::report::read_results(Path::new(path)).unwrap();
    // Make every figure happen somewhere, the quiet ones included.
    let m = &mut results.modes[0];
    m.errors.add(ErrorKind::Reset, 1);
    m.requests.failed += 1;
    m.warmup.handshakes.client = 3;
    m.overrun_responses.client = 2;
    m.stale_responses.client = 2;
    m.turned_away.client = 2;
    m.generator = Some(poolbench::results::GeneratorLoad {
        threads: vec![poolbench::results::ThreadBusy {
            on_cpu: 0.5,
            runnable: 0.6,
        }],
        cpu_us_per_request: 9.0,
    });
    m.connection_ends.add(ConnectionEnd::ClientReset, 1);
    m.proxy = Some(Default::default());
    m.open_loop = Some(poolbench::results::OpenLoop {
        requested_rps: 1000.0,
        due: 100,
        started: 90,
        window_s: 0.1,
    });
    m.h2 = Some(poolbench::results::H2Counts {
        peak_streams_client: Some(3),
        peak_streams_server: Some(3),
        goaways_server: Some(1),
    });
    let first_byte = m.breakdown_us.phase(Phase::FirstByte).cloned();
    *m.breakdown_us.get_mut(Phase::Late) = first_byte;
    let terminal = poolbench::report::terminal::render(&results);
    let markdown = poolbench::report::markdown::run_markdown(&results);
    let html = poolbench::report::html::render(&results, &[]);
    for figure in FIGURES {
        let mut paths = vec![figure.name.to_string()];
        paths.extend(
            figure
                .qualifiers
                .list()
                .iter()
                .map(|q| format!("{}.{q}", figure.name)),
        );
        for p in paths {
            let parts: Vec<String> = p.split('.').map(str::to_string).collect();
            assert!(poolbench::gate::figures::validate(&parts).is_ok(), "{p}");
        }
        assert!(
            figure.shown_for(&results.modes),
            "{} is never shown",
            figure.name
        );
        let escaped = poolbench::report::table::markdown(figure.label);
        for (format, text, label) in [
            ("terminal", &terminal, figure.label),
            ("markdown", &markdown, escaped.as_str()),
        ] {
            assert!(
                text.contains(label),
                "{} missing from the {format}",
                figure.label
            );
        }
        let escaped = figure.label.replace('&', "&amp;").replace('<', "&lt;");
        assert!(
            html.contains(&escaped),
            "{} missing from the HTML",
            figure.label
        );
    }
}

// A sweep's chart: one line per sweep in each panel, its recommended limit
// circled; the terminal and Markdown show its table and recommendation.
#[test]
fn a_sweep_is_charted_and_tabled() {
    use poolbench::results::{Sweep, SweepPoint};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    );
    let mut results = poolbench::report::read_results(Path::new(path)).unwrap();
    let transport = results.modes[0].transport;
    let points = ["pooled", "keep_alive_disabled"]
        .iter()
        .enumerate()
        .map(|(i, mode)| {
            let m = results.modes.iter_mut().find(|m| m.label == *mode).unwrap();
            m.limit = Some(10 * (i as u32 + 1));
            m.sweep = Some("pooled".into());
            SweepPoint {
                limit: 10 * (i as u32 + 1),
                mode: mode.to_string(),
            }
        })
        .collect();
    results.sweeps = vec![Sweep {
        label: "pooled".into(),
        transport,
        points,
        recommended: Some(10),
        reason: "the smallest limit within 5% of the best throughput".into(),
    }];
    let charts = charts::render_all(&results).unwrap();
    let sweep = charts
        .iter()
        .find(|c| c.file == "sweep.svg")
        .expect("charted");
    let doc = roxmltree::Document::parse(&sweep.svg).unwrap();
    let first = results.modes.iter().find(|m| m.label == "pooled").unwrap();
    let colour = style::hex(style::colour(&results, first));
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| {
            n.attribute("stroke")
                .is_some_and(|s| s.eq_ignore_ascii_case(&colour))
        })
        .count();
    assert_eq!(lines, 2, "one line per panel");
    let terminal = poolbench::report::terminal::render(&results);
    assert!(
        terminal.contains("sweep pooled: recommended limit 10"),
        "{terminal}"
    );
    assert!(terminal.contains("limit 20"), "{terminal}");
    let markdown = poolbench::report::markdown::run_markdown(&results);
    assert!(markdown.contains("limit 10 (recommended)"), "{markdown}");
}

// Every table of the Markdown (a PR comment's) has as many cells in each
// row as in its header: no `client | server` left unescaped.
#[test]
fn every_markdown_table_row_has_the_headers_cell_count() {
    for fixture in ["thousand", "pool-vs-hyper-util", "tls-handshake-tax"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture);
        let results = crate::common::results(&dir);
        let md = poolbench::report::markdown::run_markdown(&results);
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        let mut header = None;
        for line in md.lines() {
            match (line.starts_with('|'), header) {
                (true, None) => header = Some(cells(line)),
                (true, Some(n)) => assert_eq!(cells(line), n, "{fixture}: {line}"),
                (false, _) => header = None,
            }
        }
        assert!(md.contains("client \\| server"), "{fixture}: {md}");
    }
}
