//! The reference of every scenario key, `docs/scenario.md`, rendered from
//! the one list of keys ([`super::keys`]) and the catalogue of kinds.

use super::keys::{TABLES, keys};
use crate::modes::KINDS;

/// The reference, as `docs/scenario.md` holds it.
pub fn reference() -> String {
    let mut out = String::from(
        "# Scenario files: every key\n\n\
         Rendered from `src/scenario/keys.rs`, the one list of keys; a test fails \
         when this file, that list or the parser disagree \
         (`POOLBENCH_BLESS=1 cargo test scenario_reference` writes it anew). Durations \
         and sizes are strings: \"250ms\", \"1m 30s\", \"4KiB\". Unknown keys are errors \
         with a \"did you mean\".\n",
    );
    let all = keys();
    for (table, about) in TABLES {
        let title = match *table {
            "" => "top level".to_string(),
            t => format!("`{t}`"),
        };
        out.push_str(&format!(
            "\n## {title}\n\n{about}\n\n| key | e.g. | meaning |\n|---|---|---|\n"
        ));
        for k in all.iter().filter(|k| k.table == *table) {
            let value = k.value.replace('|', "\\|");
            out.push_str(&format!(
                "| `{}` | `{value}` | {} |\n",
                k.name,
                k.doc.replace('|', "\\|")
            ));
        }
    }
    out.push_str("\n## The kinds of mode and the settings each takes\n\n| kind | limit | settings | what it models |\n|---|---|---|---|\n");
    for kind in KINDS {
        let settings: Vec<String> = kind.settings.iter().map(|s| format!("`{s}`")).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            kind.name,
            if kind.limit { "yes" } else { "no" },
            if settings.is_empty() {
                "-".to_string()
            } else {
                settings.join(", ")
            },
            kind.summary
        ));
    }
    out
}
