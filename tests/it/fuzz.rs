//! Fuzzing on the stable toolchain: generated and mutated input for the
//! three parsers that read what a user hands poolbench — scenario files,
//! gate checks, results files. None may panic, hang or allocate without
//! bound; whatever they accept must render.
//!
//! CI runs a short burst. A long run, as the issue's 10⁶ executions:
//!
//! ```sh
//! POOLBENCH_FUZZ_SEED=random POOLBENCH_FUZZ_CASES=350000 \
//!     CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true \
//!     cargo test --release --test it fuzz -- --nocapture
//! ```
//!
//! (each of the three targets runs that many cases; overflow checks on, as
//! in the debug build CI runs, or an overflow goes unnoticed). CI runs the
//! same fixed-seed burst every time. A failure is saved by
//! proptest in `tests/fuzz.proptest-regressions` and replayed first on every
//! later run; crashes found so far also have a test of their own at the end.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use poolbench::gate::expr;
use poolbench::results::Results;
use poolbench::scenario::Scenario;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

/// Cases per target: `POOLBENCH_FUZZ_CASES`, or a CI-sized burst.
fn cases() -> u32 {
    std::env::var("POOLBENCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

/// The same inputs on every run (a CI burst must not fail one day and pass
/// the next), unless `POOLBENCH_FUZZ_SEED` asks for others: a number, or
/// `random`.
fn runner() -> TestRunner {
    use proptest::test_runner::{RngAlgorithm, TestRng};
    let seed = match std::env::var("POOLBENCH_FUZZ_SEED").as_deref() {
        Ok("random") => rand_seed(),
        Ok(n) => n.parse().unwrap_or(0),
        Err(_) => 0x5eed,
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    println!("fuzz seed {seed}");
    let config = Config {
        cases: cases(),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fuzz.proptest-regressions"
            )),
        )),
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// A seed from the clock, for `POOLBENCH_FUZZ_SEED=random`.
fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

// ---- gate checks -------------------------------------------------------

fn check_token() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "pooled.p99",
        "pooled.https.p50",
        "per_request_client.handshakes.server",
        "pooled.pool_wait.p99_9",
        "x.y",
        "pooled.",
        ".p99",
        "pooled..p99",
        "0",
        "1.5",
        ".5",
        "1.2.3",
        "99999999999999999999999999",
        "1e9",
        "ms",
        "µs",
        "%",
        "k",
        "M",
        "parsecs",
        "+",
        "-",
        "*",
        "/",
        "<=",
        "<",
        ">=",
        ">",
        "==",
        "!=",
        "=",
        "!",
        "(",
        ")",
        " ",
        "\t",
        "\\",
        "\"",
    ])
    .prop_map(str::to_string);
    prop_oneof![
        8 => fixed,
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => "[0-9]{1,30}",
    ]
}

fn check_text() -> impl Strategy<Value = String> {
    prop::collection::vec(check_token(), 0..60).prop_map(|t| t.concat())
}

#[test]
fn gate_checks_never_panic() {
    let executions = AtomicU64::new(0);
    runner()
        .run(&check_text(), |text| {
            executions.fetch_add(1, Relaxed);
            match expr::parse(&text) {
                Ok(c) => {
                    let figure = |_: &expr::FigureRef| Some(f64::MAX);
                    let _ = (c.left.eval(&figure), c.right.eval(&figure));
                    let _ = c.left.figures();
                }
                Err(e) => {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                    prop_assert!(text.is_char_boundary(e.span.start));
                    prop_assert!(text.is_char_boundary(e.span.end));
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "gate checks: {} executions, 0 crashes",
        executions.load(Relaxed)
    );
}

// ---- scenario files ----------------------------------------------------

/// Valid scenarios to mutate: the shipped ones and a few more.
fn seeds() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut seeds: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    seeds.sort();
    seeds.push(
        "name = \"t\"\n[target]\nurl = \"https://u:p@127.0.0.1:9/x\"\n[tls]\nversion = \"1.2\"\n\
         [expect]\nstatus = 200\nbody_size = \"1KiB\"\n[load]\nduration = \"1s\"\n\
         arrival = { burst = 5, every = \"10ms\" }\nconcurrency = 3\n[modes]\n\
         pooled = { limit = 2, idle_timeout = \"1s\", keep_alive = false }\n"
            .to_string(),
    );
    seeds
}

const KEYS: &[&str] = &[
    "name",
    "description",
    "url",
    "tls",
    "think_time",
    "body_size",
    "keep_alive_timeout",
    "max_requests_per_connection",
    "reset_every",
    "slow_body",
    "body_overrun",
    "threads",
    "rtt",
    "bandwidth",
    "requests",
    "duration",
    "concurrency",
    "warmup",
    "timeout",
    "repeat",
    "arrival",
    "rate",
    "burst",
    "every",
    "pooled",
    "per_request_client",
    "keep_alive_disabled",
    "hyper_util",
    "limit",
    "keep_alive",
    "idle_timeout",
    "max_lifetime",
    "acquire_timeout",
    "check",
    "version",
    "resumption",
    "ca",
    "status",
    "concurency",
    "limt",
];

const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "10",
    "1e300",
    "-0.0",
    "nan",
    "inf",
    "18446744073709551616",
    "9223372036854775807",
    "\"0s\"",
    "\"-5s\"",
    "\"500000000000years\"",
    "\"1e-300\"",
    "\"4KiB\"",
    "\"100GiB\"",
    "\"1.5.5MB\"",
    "\"\"",
    "\"\\u00e9\\u001b]0;x\\u0007\"",
    "\"http://127.0.0.1:0/\"",
    "\"ftp://x/\"",
    "\"https://user:pw@h:1/p\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "{}",
    "{ limit = 3 }",
    "{ limit = 0 }",
    "{ rate = 1e-300 }",
    "{ burst = 0, every = \"1ms\" }",
    "\"both\"",
    "\"1.1\"",
    "'''multi\nline'''",
    "\"pooled.p99 <= 1 / 0\"",
    "\"(((((((((((1\"",
    "1979-05-27T07:32:00Z",
];

/// One edit of a scenario's text.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the value on line `line` (mod the line count).
    SetValue(usize, &'static str),
    DeleteLine(usize),
    DuplicateLine(usize),
    Insert(usize, &'static str, &'static str),
    InsertChar(usize, char),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let at = 0usize..400;
    prop_oneof![
        4 => (at.clone(), prop::sample::select(VALUES)).prop_map(|(l, v)| Edit::SetValue(l, v)),
        1 => at.clone().prop_map(Edit::DeleteLine),
        1 => at.clone().prop_map(Edit::DuplicateLine),
        3 => (at.clone(), prop::sample::select(KEYS), prop::sample::select(VALUES))
            .prop_map(|(l, k, v)| Edit::Insert(l, k, v)),
        2 => (0usize..4000, any::<char>()).prop_map(|(i, c)| Edit::InsertChar(i, c)),
        1 => (0usize..4000).prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    match *edit {
        Edit::SetValue(l, v) => {
            if let Some(line) = lines.get_mut(l % n)
                && let Some((key, _)) = line.split_once('=')
            {
                *line = format!("{key}= {v}");
            }
        }
        Edit::DeleteLine(l) if !lines.is_empty() => {
            lines.remove(l % n);
        }
        Edit::DuplicateLine(l) if !lines.is_empty() => {
            let line = lines[l % n].clone();
            lines.insert(l % n, line);
        }
        Edit::Insert(l, k, v) => {
            lines.insert(l % (n + 1).min(lines.len() + 1), format!("{k} = {v}"))
        }
        Edit::InsertChar(i, c) => {
            let mut text = lines.join("\n");
            let mut at = i % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert(at, c);
            return text;
        }
        Edit::Truncate(i) => {
            let text = lines.join("\n");
            let mut at = i % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            return text[..at].to_string();
        }
        _ => {}
    }
    lines.join("\n") + "\n"
}

#[test]
fn scenario_files_never_panic() {
    let seeds = seeds();
    let executions = AtomicU64::new(0);
    let strategy = (0..seeds.len(), prop::collection::vec(edit(), 1..6));
    runner()
        .run(&strategy, |(seed, edits)| {
            executions.fetch_add(1, Relaxed);
            let text = edits.iter().fold(seeds[seed].clone(), |t, e| apply(&t, e));
            match Scenario::parse(Path::new("fuzz.toml"), &text) {
                Ok(s) => {
                    let _ = s.slug();
                }
                Err(e) => {
                    let shown = e.to_string();
                    prop_assert!(shown.starts_with("fuzz.toml"), "{shown}");
                    if let Some(l) = &e.location {
                        prop_assert!(l.line >= 1 && l.line <= text.lines().count().max(1) + 1);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "scenario files: {} executions, 0 crashes",
        executions.load(Relaxed)
    );
}

// ---- results files -----------------------------------------------------

/// A small, valid results file: the committed example, cut to one mode
/// and a few points of its time series.
fn small_results() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/thousand/results.json"
    );
    let results = poolbench::report::read_results(Path::new(path)).unwrap();
    let mut value = serde_json::to_value(&results).unwrap();
    value["modes"].as_array_mut().unwrap().truncate(2);
    for mode in value["modes"].as_array_mut().unwrap() {
        for (_, series) in mode["series"].as_object_mut().unwrap().iter_mut() {
            if let Some(points) = series.as_array_mut() {
                points.truncate(5);
            }
        }
    }
    value
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        prop::sample::select(vec![
            0.0,
            -1.0,
            0.5,
            1e308,
            -1e308,
            f64::MIN_POSITIVE,
            4e9,
            1e19
        ])
        .prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "not base64!",
            "HISTFAAAAB94nJNpmSzMwMDAxQABzFCaEUoz2X+AsQ",
            "AAAA",
            "http",
            "https",
            "pooled",
            "hyper_util",
            "\u{1b}[2J",
            "=HYPERLINK(\"http://x\")",
            "a | b\nc",
            "<script>alert(1)</script>",
        ])
        .prop_map(Value::from),
        // Wider than `format!` can pad (65535), and wide characters.
        Just(Value::from("w".repeat(70_000))),
        Just(Value::from("界".repeat(3_000))),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(Default::default())),
    ]
}

/// Where to change the results: a random walk into the tree.
fn mutate(at: &mut Value, walk: &[u16], leaf: Value, delete: bool) {
    if let Some((step, rest)) = walk.split_first() {
        let step = *step as usize;
        match at {
            Value::Object(map) if !map.is_empty() => {
                let key = map
                    .keys()
                    .nth(step % map.len())
                    .cloned()
                    .unwrap_or_default();
                if let Some(next) = map.get_mut(&key) {
                    return mutate(next, rest, leaf, delete);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                let n = items.len();
                return mutate(&mut items[step % n], rest, leaf, delete);
            }
            _ => {}
        }
    }
    match at {
        Value::Object(map) if delete && !map.is_empty() => {
            let key = map.keys().next().cloned().unwrap_or_default();
            map.remove(&key);
        }
        Value::Array(items) if delete => items.clear(),
        _ => *at = leaf,
    }
}

#[test]
fn results_files_never_panic_and_what_is_accepted_renders() {
    let base = small_results();
    let executions = AtomicU64::new(0);
    let accepted = AtomicU64::new(0);
    let mutation = (
        prop::collection::vec(any::<u16>(), 0..8),
        json_leaf(),
        prop::bool::weighted(0.2),
    );
    let strategy = prop::collection::vec(mutation, 1..4);
    runner()
        .run(&strategy, |mutations| {
            executions.fetch_add(1, Relaxed);
            let mut value = base.clone();
            for (walk, leaf, delete) in mutations {
                mutate(&mut value, &walk, leaf, delete);
            }
            let text = serde_json::to_string(&value).unwrap();
            if let Ok(results) = poolbench::report::parse_results(&text, Path::new("r.json")) {
                accepted.fetch_add(1, Relaxed);
                render(&results);
            }
            Ok(())
        })
        .unwrap();
    println!(
        "results files: {} executions ({} accepted and rendered), 0 crashes",
        executions.load(Relaxed),
        accepted.load(Relaxed)
    );
}

/// Every renderer a results file reaches.
fn render(results: &Results) {
    let _ = poolbench::report::render_files(results);
    let _ = poolbench::report::terminal::render(results);
    let _ = poolbench::report::markdown::run_markdown(results);
    let _ = poolbench::report::junit::gate_junit(results);
    let changes = poolbench::compare::compare(
        results,
        results,
        &poolbench::compare::Tolerances::uniform(0.1),
    );
    let _ = poolbench::report::terminal::compare_text(&changes, &[]);
    let _ = poolbench::report::csv::run_csv(results);
    let _ = poolbench::compare::differences(results, results);
    let mut other = results.clone();
    other.started_at.push_str(" (another agent)");
    let runs = [("a".to_string(), results.clone()), ("b".to_string(), other)];
    let _ = poolbench::merge::merge(&runs);
}

// ---- crashes found by the fuzzers, kept as tests -------------------------

// A mode's label wider than `format!` pads (65535 columns) panicked the
// terminal table ("Formatting argument out of range"); `report`, `compare`
// and `merge` on such a file now finish, exit 0, and print no panic.
#[test]
fn a_label_wider_than_format_can_pad_renders() {
    let mut value = small_results();
    value["modes"][0]["label"] = Value::from("w".repeat(70_000));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.json");
    std::fs::write(&file, serde_json::to_string(&value).unwrap()).unwrap();
    let merged = dir.path().join("merged.json");
    let other = dir.path().join("other.json");
    std::fs::copy(&file, &other).unwrap();
    for args in [
        vec![
            "report".into(),
            file.display().to_string(),
            "--format".into(),
            "text".into(),
        ],
        vec![
            "compare".into(),
            file.display().to_string(),
            other.display().to_string(),
        ],
        vec![
            "merge".into(),
            file.display().to_string(),
            other.display().to_string(),
            "-o".into(),
            merged.display().to_string(),
        ],
    ] {
        let out = crate::common::poolbench().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{}: {err}", args[0]);
        assert_ne!(out.status.code(), Some(101), "{}: {err}", args[0]);
    }
}
