//! The command line's values over a scenario file's, and a scenario of the
//! command line alone.
use super::*;
use crate::engine::Stop;
use crate::scenario::Target;

#[test]
fn a_url_alone_is_every_mode_against_it() -> Result<(), ScenarioError> {
    let o = Overrides {
        url: Some("http://127.0.0.1:9/".into()),
        ..Overrides::default()
    };
    let s = scenario(None, &o)?;
    assert!(matches!(s.target, Target::External { .. }));
    assert_eq!(s.modes.len(), 4);
    assert_eq!(s.load.stop, Stop::Requests(DEFAULT_REQUESTS));
    assert!(
        s.source
            .starts_with("# command line with: --url http://127.0.0.1:9/")
    );
    let none = scenario(None, &Overrides::default()).unwrap_err();
    assert!(none.to_string().contains("no scenario file, no --url"));
    Ok(())
}

#[test]
fn without_a_file_mode_names_any_kinds() -> Result<(), ScenarioError> {
    let o = Overrides {
        url: Some("http://127.0.0.1:9/".into()),
        concurrency: Some(8),
        modes: Some(vec![
            "reqwest".into(),
            "awc".into(),
            "hyper_util_capped".into(),
        ]),
        limit: Some(3),
        ..Overrides::default()
    };
    let s = scenario(None, &o)?;
    let modes: Vec<(&str, Option<u32>)> = s
        .modes
        .iter()
        .map(|m| (m.kind.name, m.limit.map(|l| l.get())))
        .collect();
    assert_eq!(
        modes,
        [
            ("reqwest", None),
            ("awc", Some(3)),
            ("hyper_util_capped", Some(3))
        ]
    );
    let bad = Overrides {
        modes: Some(vec!["curl".into()]),
        ..o
    };
    let e = scenario(None, &bad).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("--mode"));
    assert!(e.help.is_some_and(|h| h.contains("awc")));
    Ok(())
}

#[test]
fn flags_replace_a_files_values() -> Result<(), ScenarioError> {
    let file = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/thousand.toml"
    ));
    let o = Overrides {
        url: Some("https://127.0.0.1:9/".into()),
        requests: Some(20),
        concurrency: Some(4),
        modes: Some(vec!["pooled".into(), "starved".into()]),
        limit: Some(3),
        ..Overrides::default()
    };
    let s = scenario(Some(&file), &o)?;
    assert!(matches!(s.target, Target::External { .. }));
    assert_eq!(s.load.stop, Stop::Requests(20));
    assert_eq!(s.load.concurrency, 4);
    let modes: Vec<(&str, Option<u32>)> = s
        .modes
        .iter()
        .map(|m| (m.label.as_str(), m.limit.map(|l| l.get())))
        .collect();
    assert_eq!(modes, [("pooled", Some(3)), ("starved", Some(3))]);
    assert!(s.modes.iter().all(|m| m.kind.name == "pooled"));
    let bad = scenario(
        Some(&file),
        &Overrides {
            modes: Some(vec!["nope".into()]),
            ..Overrides::default()
        },
    )
    .unwrap_err();
    assert!(bad.to_string().contains("`nope` is not a mode"), "{bad}");
    let zero = scenario(
        Some(&file),
        &Overrides {
            concurrency: Some(0),
            ..Overrides::default()
        },
    )
    .unwrap_err();
    assert!(zero.to_string().contains("load.concurrency"), "{zero}");
    Ok(())
}
