//! The modules of `src/` form layers, and every `crate::` reference points
//! down: no module reaches above itself, so there is no import cycle. The
//! order is the one `src/lib.rs` documents.

/// Bottom up. A module may use only modules before it.
const LAYERS: &[&str] = &[
    "redact",
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
    let lib = include_str!("../../src/lib.rs");
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

/// A file's text as the circle check reads it: comments left out, and its
/// `#[cfg(test)] mod … {` block and all after it.
fn code_of(text: &str) -> String {
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut cut = code.len();
    for (i, _) in code.match_indices("#[cfg(test)]") {
        let rest = code[i + "#[cfg(test)]".len()..].trim_start();
        if rest.starts_with("mod ") && rest.split('\n').next().unwrap_or("").contains('{') {
            cut = i;
            break;
        }
    }
    code[..cut].to_string()
}

/// The names a file defines at its top level (fn, struct, enum, trait,
/// type, const, static).
fn defined(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines() {
        let mut rest = line;
        if let Some(r) = rest.strip_prefix("pub") {
            rest = r.trim_start_matches(|c: char| c != ' ' && c != '(');
            if rest.starts_with('(') {
                rest = rest.split_once(')').map_or("", |(_, r)| r);
            }
            rest = rest.trim_start();
        }
        rest = rest.strip_prefix("async ").unwrap_or(rest);
        for item in [
            "fn ", "struct ", "enum ", "trait ", "type ", "const ", "static ",
        ] {
            if let Some(r) = rest.strip_prefix(item) {
                let name: String = r
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// The identifiers of the file's `use` declarations (re-exports, `pub
/// use`, are the module's face, not a dependency of the file).
fn imported(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = &rest[..i];
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let at_start = before[line_start..].trim().is_empty();
        let tail = &rest[i + 4..];
        let end = tail.find(';').unwrap_or(tail.len());
        if at_start {
            let mut word = String::new();
            for c in tail[..end].chars().chain([' ']) {
                if c.is_alphanumeric() || c == '_' {
                    word.push(c);
                } else if !word.is_empty() {
                    names.push(std::mem::take(&mut word));
                }
            }
        }
        rest = &tail[end.min(tail.len())..];
    }
    names
}

/// No two files of one module of `src/` use each other, even through
/// others: a name shared by two files lives in the one that owns it. (By
/// names, as `../shared/tools/file-circles.py` reads them: a name defined
/// in two files of a module is left out.)
#[test]
fn no_circle_between_files_of_one_module() {
    use std::collections::{BTreeMap, BTreeSet};
    let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut paths = Vec::new();
    sources(src, &mut paths);
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap().display().to_string();
        files.insert(relative, code_of(&std::fs::read_to_string(&path).unwrap()));
    }
    let module = |f: &str| {
        f.split('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".rs")
            .to_string()
    };
    let mut owners: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (file, code) in &files {
        for name in defined(code) {
            owners
                .entry((module(file), name))
                .or_default()
                .insert(file.clone());
        }
    }
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut arrows = 0;
    for (file, code) in &files {
        let to = edges.entry(file).or_default();
        for name in imported(code) {
            if let Some(one) = owners.get(&(module(file), name))
                && one.len() == 1
                && let Some(other) = one.iter().next()
                && other != file
            {
                to.insert(other);
                arrows += 1;
            }
        }
    }
    assert!(arrows > 100, "only {arrows} arrows between files found");
    // A circle: a file that reaches itself again through the arrows.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = edges.get(from).into_iter().flatten().copied().collect();
        while let Some(f) = stack.pop() {
            if seen.insert(f) {
                stack.extend(edges.get(f).into_iter().flatten().copied());
            }
        }
        seen
    };
    let circles: Vec<String> = files
        .keys()
        .filter(|f| reach(f).contains(f.as_str()))
        .map(|f| {
            let back: Vec<&str> = reach(f)
                .into_iter()
                .filter(|o| reach(o).contains(f.as_str()))
                .collect();
            format!("{f} <-> {back:?}")
        })
        .collect();
    assert!(circles.is_empty(), "circles between files: {circles:#?}");
}

/// The engine runs any mode and names none.
#[test]
fn the_engine_imports_no_mode() {
    let engine = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/engine"));
    let mut files = Vec::new();
    sources(engine, &mut files);
    assert!(files.len() >= 3, "the engine's files are under src/engine");
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        assert!(
            !code.contains("crate::modes"),
            "{} names a mode",
            file.display()
        );
    }
}
