//! The modules of `src/` form layers, and every `crate::` reference points
//! down: no module reaches above itself, so there is no import cycle. The
//! order is the one `src/lib.rs` documents.

/// Bottom up. A module may use only modules before it.
const LAYERS: &[&str] = &[
    "results",
    "files",
    "interrupt",
    "metrics",
    "tls",
    "child",
    "connect",
    "pool",
    "server",
    "link",
    "proxy",
    "gate",
    "engine",
    "modes",
    "scenario",
    "runner",
    "compare",
    "merge",
    "report",
    "cli",
];

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The modules `text` names as `crate::name` (comments left out).
fn used(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut names = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let name = part.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    names.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let rank = LAYERS
            .iter()
            .position(|l| *l == module)
            .unwrap_or_else(|| panic!("{module} is not in the layer list"));
        for name in used(&std::fs::read_to_string(&file).unwrap()) {
            let Some(other) = LAYERS.iter().position(|l| *l == name) else {
                continue; // a crate-level item, not a module
            };
            checked += 1;
            if other > rank {
                upward.push(format!("{} uses crate::{name}", relative.display()));
            }
        }
    }
    assert!(checked > 100, "only {checked} references found");
    assert!(upward.is_empty(), "references up the layers: {upward:#?}");
}

#[test]
fn the_documented_order_is_this_one() {
    let lib = include_str!("../src/lib.rs");
    assert!(
        lib.contains(&LAYERS.join(" < ")),
        "src/lib.rs must name the layers in this order"
    );
}

/// Files small enough to read, functions that fit on a screen.
#[test]
fn no_file_over_450_lines_and_no_function_over_80() {
    let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut too_long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let name = file.strip_prefix(src).unwrap().display().to_string();
        if lines.len() > 450 {
            too_long.push(format!("{name}: {} lines", lines.len()));
        }
        for (i, line) in lines.iter().enumerate() {
            let code = line.trim_start();
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "async fn ",
                "pub async fn ",
            ]
            .iter()
            .any(|p| code.starts_with(p));
            if !is_fn {
                continue;
            }
            // The function ends at the first `}` at its own indentation.
            let indent = &line[..line.len() - code.len()];
            let close = format!("{indent}}}");
            if let Some(end) = lines[i + 1..].iter().position(|l| *l == close)
                && end + 1 > 80
            {
                too_long.push(format!("{name}:{}: a function of {} lines", i + 1, end + 1));
            }
        }
    }
    assert!(too_long.is_empty(), "{too_long:#?}");
}
