//! results.json is a contract: the committed schema is the one the code
//! produces, and every field in it is documented.

use serde_json::Value;

const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/results.schema.json");

#[test]
fn committed_schema_matches_the_code() {
    let generated = poolbench::modes::results_schema();
    if std::env::var_os("POOLBENCH_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&generated).unwrap() + "\n";
        std::fs::write(SCHEMA_PATH, text).unwrap();
    }
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap())
        .expect("schema/results.schema.json is valid JSON");
    assert_eq!(
        committed, generated,
        "schema/results.schema.json is stale: run `POOLBENCH_BLESS=1 cargo test --test it schema`"
    );
}

#[test]
fn every_field_is_documented() {
    let schema = poolbench::modes::results_schema();
    let defs = schema["$defs"]
        .as_object()
        .cloned()
        .expect("the schema keeps its types under $defs");
    // Every type results.json is built from is here, or the check below
    // would pass over nothing.
    for name in ["ModeResult", "LatencySummary", "Observed", "TimeWaitCounts"] {
        assert!(defs.contains_key(name), "{name} missing from $defs");
    }
    let mut checked = 0;
    let mut undocumented = Vec::new();
    let mut check_object = |owner: &str, object: &Value| {
        for (name, prop) in object["properties"].as_object().into_iter().flatten() {
            checked += 1;
            let described = prop.get("description").is_some()
                || referenced(prop)
                    .is_some_and(|r| defs.get(r).is_some_and(|d| d.get("description").is_some()));
            if !described {
                undocumented.push(format!("{owner}.{name}"));
            }
        }
    };
    check_object("Results", &schema);
    for (name, def) in &defs {
        check_object(name, def);
    }
    assert!(checked > 100, "only {checked} fields checked");
    assert!(
        undocumented.is_empty(),
        "fields without a description: {undocumented:?}"
    );
}

/// The definition a property points at, directly or through `anyOf`/`oneOf` (an Option).
fn referenced(prop: &Value) -> Option<&str> {
    if let Some(r) = prop["$ref"].as_str() {
        return r.strip_prefix("#/$defs/");
    }
    for key in ["anyOf", "oneOf"] {
        for alt in prop[key].as_array().into_iter().flatten() {
            if let Some(r) = alt["$ref"].as_str() {
                return r.strip_prefix("#/$defs/");
            }
        }
    }
    None
}

/// Every results.json in the repository (the committed examples) matches
/// the schema of this version and reads back: an example that no longer
/// validates is a stale example.
#[test]
fn every_committed_results_file_validates() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut checked = 0;
    // The committed examples: results files of real runs, kept as fixtures.
    for name in ["thousand", "pool-vs-hyper-util", "tls-handshake-tax"] {
        let path = std::path::Path::new(root).join(name).join("results.json");
        let value: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        if let Err(e) = poolbench::report::read_results(&path) {
            panic!("{}: {e:#}", path.display());
        }
        checked += 1;
    }
    assert_eq!(checked, 3, "committed results files checked");
}
