//! The HTML report: one self-contained page (inline SVG and CSS, no
//! network, no JavaScript). A headline computed from the results, the
//! charts, every figure with its observer, the scenario as run and the
//! environment. maud escapes every interpolated string; only the SVG the
//! charts module drew is inserted as markup.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::charts::Chart;
use super::table::{self, Format, Html};
use super::verdict;
use crate::results::Results;

const CSS: &str = r#"
body { font: 15px/1.45 system-ui, sans-serif; color: #222; margin: 0 auto; max-width: 1180px; padding: 24px; }
h1 { margin-bottom: 0; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.desc { color: #555; margin-top: 4px; }
.partial { background: #fdf0e6; border-left: 4px solid #d95f02; padding: 10px 16px; }
.verdict { background: #f3f8f5; border-left: 4px solid #1b9e77; padding: 10px 16px; }
.verdict li { margin: 2px 0; }
.verdict.failed { background: #fbeeee; border-left-color: #c0392b; }
.verdict .gate { color: #a32; font-weight: 600; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 13px; max-width: 900px; }
table { border-collapse: collapse; font-size: 13px; display: block; max-width: 100%; overflow-x: auto; }
td { white-space: nowrap; } td code { white-space: normal; }
figure.chart .narrow { display: none; }
@media (max-width: 600px) { body { padding: 12px; font-size: 14px; } h1 { font-size: 22px; }
  figure.chart .wide { display: none; } figure.chart .narrow { display: block; }
  table.gate tr { display: block; border-bottom: 1px solid #eee; padding: 4px 0; }
  table.gate td, table.gate th { display: block; border: 0; text-align: left; padding: 1px 8px; white-space: normal; } }
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
                        div.wide { (PreEscaped(inline_svg(&chart.svg))) }
                        div.narrow { (PreEscaped(inline_svg(&chart.narrow_svg))) }
                        figcaption { (chart.caption) }
                    }
                }
                h2 { "Every figure, and who observed it" }
                (figures(results))
                @if let Some(by_authority) = table::by_authority(results) {
                    h2 { "By authority" }
                    (PreEscaped(Html.table(&by_authority)))
                }
                @for sweep in &results.sweeps {
                    h2 { "Limit sweep: " (sweep.label) }
                    p { (table::sweep_title(results, sweep)) }
                    (PreEscaped(Html.table(&table::sweep(results, sweep))))
                }
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
            table.gate {
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

/// The verdict box: what the run says and why; red when a check failed.
fn headline(results: &Results) -> Markup {
    let v = verdict::verdict(results);
    let class = if v.failed.is_some() {
        "verdict failed"
    } else {
        "verdict"
    };
    html! {
        @if v.sentences().next().is_some() {
            div class=(class) {
                strong { "Verdict" }
                ul {
                    @if let Some(failed) = &v.failed { li.gate { (failed) } }
                    @for s in &v.comparisons { li { (s) } }
                }
                @if !v.causes.is_empty() {
                    strong { "Why" }
                    ul { @for s in &v.causes { li { (s) } } }
                }
            }
        }
    }
}

/// SVG as plotters writes it, minus any XML prologue, for inlining.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

/// Said wherever the run is described when `--insecure` was given.
pub const UNVERIFIED: &str = "the server's certificate was not verified (--insecure): its chain, name and dates were not checked";

/// Every figure, mode by mode, with who observed it.
fn figures(results: &Results) -> Markup {
    PreEscaped(Html.table(&table::figures(results)))
}

fn environment(results: &Results) -> Markup {
    let e = &results.environment;
    html! {
        table {
            tr { td { "CPU" } td { (e.cpu_model) } }
            tr { td { "cores" } td { (e.cores) } }
            tr { td { "kernel" } td { (e.kernel) } }
            tr { td { "open-files limit" } td { "soft " (e.nofile.soft) (e.nofile.origin().map_or(String::new(), |o| format!(" ({o})"))) ", hard " (e.nofile.hard) } }
            tr { td { "poolbench" } td { (results.poolbench_version) ", commit " (e.poolbench_commit) } }
            tr { td { "started" } td { (results.started_at) } }
            tr { td { "run time" } td { (format!("{:.1} s", results.run_time_s)) } }
            @if results.scenario.tls.as_ref().is_some_and(|t| !t.verify) {
                tr { td { "TLS" } td { (UNVERIFIED) } }
            }
        }
    }
}
