//! The Kubernetes recipe in `deploy/`: every manifest is a well-formed
//! object of its kind (the fields the API requires, names it accepts), the
//! Jobs mount what exists, and the scenario the agents run is a valid
//! scenario. (No API server here: the fields are checked against the
//! Kubernetes API reference's requirements, not by `kubectl --dry-run`.)

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy");

fn manifests() -> Vec<(String, Yaml)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(DEPLOY)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in YamlLoader::load_from_str(&text).unwrap() {
            out.push((path.display().to_string(), doc));
        }
    }
    out
}

/// A DNS-1123 label, as Kubernetes requires of these names.
fn dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[test]
fn every_manifest_is_a_well_formed_object_and_the_jobs_mount_what_exists() {
    let all = manifests();
    assert!(all.len() >= 4, "{} manifests", all.len());
    let mut by_kind: HashMap<String, Vec<String>> = HashMap::new();
    for (file, m) in &all {
        let (api, kind) = (m["apiVersion"].as_str(), m["kind"].as_str());
        let name = m["metadata"]["name"].as_str().unwrap_or("");
        assert!(
            api.is_some() && kind.is_some(),
            "{file}: apiVersion and kind"
        );
        assert!(dns_label(name), "{file}: name {name:?}");
        let expected = match kind.unwrap() {
            "Job" => "batch/v1",
            "ConfigMap" | "PersistentVolumeClaim" => "v1",
            other => panic!("{file}: unexpected kind {other}"),
        };
        assert_eq!(api, Some(expected), "{file}");
        by_kind
            .entry(kind.unwrap().to_string())
            .or_default()
            .push(name.to_string());
    }
    for (file, m) in all
        .iter()
        .filter(|(_, m)| m["kind"].as_str() == Some("Job"))
    {
        let spec = &m["spec"];
        if spec["completionMode"].as_str() == Some("Indexed") {
            assert!(
                spec["completions"].as_i64().is_some_and(|n| n > 0),
                "{file}"
            );
        }
        let pod = &spec["template"]["spec"];
        let restart = pod["restartPolicy"].as_str();
        assert!(
            matches!(restart, Some("Never" | "OnFailure")),
            "{file}: a Job's restartPolicy"
        );
        let volumes: Vec<&str> = pod["volumes"]
            .as_vec()
            .map(|v| v.iter().filter_map(|v| v["name"].as_str()).collect())
            .unwrap_or_default();
        for v in pod["volumes"].as_vec().into_iter().flatten() {
            if let Some(cm) = v["configMap"]["name"].as_str() {
                assert!(by_kind["ConfigMap"].iter().any(|n| n == cm), "{file}: {cm}");
            }
            if let Some(claim) = v["persistentVolumeClaim"]["claimName"].as_str() {
                let claims = &by_kind["PersistentVolumeClaim"];
                assert!(claims.iter().any(|n| n == claim), "{file}: {claim}");
            }
        }
        let containers = pod["containers"].as_vec().expect("containers");
        assert!(!containers.is_empty(), "{file}");
        for c in containers {
            assert!(
                c["name"].as_str().is_some_and(dns_label),
                "{file}: container name"
            );
            assert!(c["image"].as_str().is_some(), "{file}: image");
            for mount in c["volumeMounts"].as_vec().into_iter().flatten() {
                let name = mount["name"].as_str().unwrap_or("");
                assert!(
                    volumes.contains(&name),
                    "{file}: mounts {name}, no such volume"
                );
                assert!(
                    mount["mountPath"]
                        .as_str()
                        .is_some_and(|p| p.starts_with('/'))
                );
            }
        }
    }
}

#[test]
fn the_agents_run_a_valid_scenario_and_merge_what_they_write() {
    let all = manifests();
    let config = all
        .iter()
        .find(|(_, m)| m["kind"].as_str() == Some("ConfigMap"))
        .expect("the scenario's ConfigMap");
    let text = config.1["data"]["scenario.toml"]
        .as_str()
        .expect("scenario.toml");
    let scenario = poolbench::scenario::Scenario::parse(Path::new("scenario.toml"), text);
    assert!(
        scenario.is_ok(),
        "{:?}",
        scenario.err().map(|e| e.to_string())
    );
    let args = |job: &str| {
        let (_, m) = all
            .iter()
            .find(|(_, m)| m["metadata"]["name"].as_str() == Some(job))
            .unwrap_or_else(|| panic!("no job {job}"));
        let c = &m["spec"]["template"]["spec"]["containers"][0];
        let args: Vec<&str> = c["args"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .collect();
        args.join(" ")
    };
    let agents = args("poolbench-agents");
    assert!(agents.contains(
        "poolbench run /scenario/scenario.toml --out /results/agent-$JOB_COMPLETION_INDEX"
    ));
    let merge = args("poolbench-merge");
    assert!(
        merge.contains("poolbench merge /results/agent-*/results.json -o /results/merged.json")
    );
}
