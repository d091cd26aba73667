//! Records the git commit poolbench is built from, for the environment
//! section of every report ("unknown" outside a git checkout).

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    let suffix = if dirty && commit != "unknown" {
        "+changes"
    } else {
        ""
    };
    println!("cargo:rustc-env=POOLBENCH_COMMIT={commit}{suffix}");
    // Outside a checkout there is nothing to watch (and naming a missing
    // file would make cargo rerun this, and relink, on every build).
    for file in [".git/HEAD", ".git/index"] {
        if std::path::Path::new(file).exists() {
            println!("cargo:rerun-if-changed={file}");
        } else {
            println!("cargo:rerun-if-changed=build.rs");
        }
    }
}
