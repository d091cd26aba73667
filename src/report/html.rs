//! The HTML report: one self-contained page (inline SVG and CSS, no
//! network, no JavaScript). A headline computed from the results, the
//! charts, every figure with its observer, the scenario as run and the
//! environment. maud escapes every interpolated string; only the SVG the
//! charts module drew is inserted as markup.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::charts::{Chart, style};
use super::terminal::micros;
use super::verdict;
use crate::results::{LatencySummary, ModeResult, Observed, Phase, Results};

const CSS: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { margin-bottom: 0; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.desc { color: #555; margin-top: 4px; }
.partial { background: #fdf0e6; border-left: 4px solid #d95f02; padding: 10px 16px; }
.verdict { background: #f3f8f5; border-left: 4px solid #1b9e77; padding: 10px 16px; }
.verdict li { margin: 2px 0; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; max-width: 900px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
td.observer { color: #777; text-align: left; }
td.mismatch { background: #fde8e8; font-weight: bold; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
pre { background: #f6f6f6; padding: 12px; overflow-x: auto; }
.small { color: #777; font-size: 12px; }
"#;

/// Renders the page; `charts` are the charts rendered from the same results.
pub fn render(results: &Results, charts: &[Chart]) -> String {
    let s = &results.scenario;
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "poolbench: " (s.name) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "poolbench: " (s.name) }
                p.desc { (s.description) }
                @if let Some(partial) = &results.partial {
                    p.partial { strong { "Partial report: " } (partial) "." }
                }
                (headline(results))
                (gate(results))
                h2 { "Charts" }
                @for chart in charts {
                    figure.chart id=(chart.file.trim_end_matches(".svg")) {
                        (PreEscaped(inline_svg(&chart.svg)))
                        figcaption { (chart.caption) }
                    }
                }
                h2 { "Every figure, and who observed it" }
                (figures(results))
                h2 { "The scenario as run" }
                p { "File " code { (s.file) } ", sent to " @for (i, url) in s.urls.iter().enumerate() {
                    @if i > 0 { " and " } code { (url) } } "." }
                pre { (s.source) }
                h2 { "Environment" }
                (environment(results))
            }
        }
    };
    page.into_string()
}

fn gate(results: &Results) -> Markup {
    html! {
        @if !results.gate.is_empty() {
            h2 { "Gate" }
            table {
                tr { th { "check" } th { "values" } th { "outcome" } }
                @for g in &results.gate {
                    tr {
                        td { code { (g.check) } }
                        td { (g.detail()) }
                        @if g.passed { td { "pass" } } @else { td.mismatch { "FAIL" } }
                    }
                }
            }
        }
    }
}

fn headline(results: &Results) -> Markup {
    let sentences = verdict::headline(results);
    html! {
        @if !sentences.is_empty() {
            div.verdict {
                strong { "Verdict" }
                ul { @for s in &sentences { li { (s) } } }
            }
        }
    }
}

/// SVG as plotters writes it, minus any XML prologue, for inlining.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

type Cell = Box<dyn Fn(&ModeResult) -> (String, bool)>;

fn figures(results: &Results) -> Markup {
    let plain = |f: fn(&ModeResult) -> String| -> Cell { Box::new(move |m| (f(m), false)) };
    let pair = |f: fn(&ModeResult) -> Observed| -> Cell {
        Box::new(move |m| {
            let o = f(m);
            match o.server {
                Some(s) => (format!("{} | {s}", o.client), s != o.client),
                None => (format!("{} | –", o.client), false),
            }
        })
    };
    let maybe_pair = |f: fn(&ModeResult) -> Option<Observed>| -> Cell {
        Box::new(move |m| match f(m) {
            Some(Observed {
                client,
                server: Some(s),
            }) => (format!("{client} | {s}"), s != client),
            Some(Observed {
                client,
                server: None,
            }) => (format!("{client} | –"), false),
            None => ("–".to_string(), false),
        })
    };
    let summary = |f: fn(&ModeResult) -> Option<&LatencySummary>| -> Cell {
        Box::new(move |m| {
            let text = f(m).map_or("–".to_string(), |s| {
                format!(
                    "{} / {} / {}",
                    micros(s.mean),
                    micros(s.p50 as f64),
                    micros(s.p99 as f64)
                )
            });
            (text, false)
        })
    };
    let rows: Vec<(&str, &str, Cell)> = vec![
        (
            "requests ok / failed",
            "client",
            plain(|m| format!("{} / {}", m.requests.ok, m.requests.failed)),
        ),
        (
            "requests answered",
            "server",
            plain(|m| m.requests.server.map_or("–".into(), |n| n.to_string())),
        ),
        ("errors", "client", plain(errors)),
        (
            "throughput, req/s",
            "client",
            plain(|m| format!("{:.0}", m.throughput_rps)),
        ),
        (
            "latency p50",
            "client",
            plain(|m| micros(m.latency_us.p50 as f64)),
        ),
        (
            "latency p90",
            "client",
            plain(|m| micros(m.latency_us.p90 as f64)),
        ),
        (
            "latency p99",
            "client",
            plain(|m| micros(m.latency_us.p99 as f64)),
        ),
        (
            "latency p99.9",
            "client",
            plain(|m| micros(m.latency_us.p99_9 as f64)),
        ),
        (
            "latency max",
            "client",
            plain(|m| micros(m.latency_us.max as f64)),
        ),
        (
            "late (open loop), mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::Late)),
        ),
        (
            "client build, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::ClientBuild)),
        ),
        (
            "pool wait, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::PoolWait)),
        ),
        (
            "connect, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::Connect)),
        ),
        (
            "TLS handshake, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::Tls)),
        ),
        (
            "first byte, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::FirstByte)),
        ),
        (
            "body, mean / p50 / p99",
            "client",
            summary(|m| m.breakdown_us.phase(Phase::Body)),
        ),
        ("TCP handshakes", "client | server", pair(|m| m.handshakes)),
        (
            "TLS full handshakes",
            "client | server",
            maybe_pair(|m| m.tls_handshakes.map(|t| t.full)),
        ),
        (
            "TLS resumed handshakes",
            "client | server",
            maybe_pair(|m| m.tls_handshakes.map(|t| t.resumed)),
        ),
        (
            "peak connections",
            "client | server",
            pair(|m| m.peak_connections),
        ),
        ("peak fds", "OS", plain(|m| m.peak_fds.to_string())),
        (
            "responses with bytes beyond their length",
            "client | server",
            pair(|m| m.overrun_responses),
        ),
        (
            "TIME_WAIT, client side | server side",
            "OS",
            plain(super::time_wait_cell),
        ),
        (
            "closed first: client | server | reset",
            "client, at close",
            plain(super::ends_cell),
        ),
        (
            "CPU µs per request",
            "OS: client | server",
            plain(|m| {
                let server = m
                    .cpu_us_per_request
                    .server
                    .map_or("–".into(), |s| format!("{s:.1}"));
                format!("{:.1} | {server}", m.cpu_us_per_request.client)
            }),
        ),
        (
            "pool reuses / waits / retries",
            "client pool",
            plain(|m| {
                m.pool.as_ref().map_or("–".into(), |p| {
                    format!("{} / {} / {}", p.reuses, p.waits, p.retries)
                })
            }),
        ),
        (
            "warmup requests / handshakes",
            "client | server",
            plain(|m| {
                format!(
                    "{} / {} | {}",
                    m.warmup.requests,
                    m.warmup.handshakes.client,
                    m.warmup
                        .handshakes
                        .server
                        .map_or("–".into(), |s| s.to_string())
                )
            }),
        ),
    ];
    html! {
        table {
            tr {
                th { "figure" } th { "observer" }
                @for m in &results.modes {
                    th {
                        span.swatch style={ "background:" (style::hex(style::colour(m))) } {}
                        (style::label(results, m))
                        @if let Some(limit) = m.limit { br; span.small { "limit " (limit) } }
                    }
                }
            }
            @for (label, observer, cell) in &rows {
                tr {
                    td { (label) } td.observer { (observer) }
                    @for m in &results.modes {
                        @let (text, mismatch) = cell(m);
                        @if mismatch {
                            td.mismatch title="client and server disagree" { (text) " ≠" }
                        } @else {
                            td { (text) }
                        }
                    }
                }
            }
        }
    }
}

fn errors(m: &ModeResult) -> String {
    m.errors.summary(crate::results::ErrorKind::label, "none")
}

fn environment(results: &Results) -> Markup {
    let e = &results.environment;
    html! {
        table {
            tr { td { "CPU" } td { (e.cpu_model) } }
            tr { td { "cores" } td { (e.cores) } }
            tr { td { "kernel" } td { (e.kernel) } }
            tr { td { "open-files limit" } td { "soft " (e.nofile.soft) " (was " (e.nofile.soft_before) "), hard " (e.nofile.hard) } }
            tr { td { "poolbench" } td { (results.poolbench_version) ", commit " (e.poolbench_commit) } }
            tr { td { "started" } td { (results.started_at) } }
            tr { td { "run time" } td { (format!("{:.1} s", results.run_time_s)) } }
        }
    }
}
