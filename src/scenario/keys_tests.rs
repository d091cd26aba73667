//! The one list of keys against the parser and the reference: each raw
//! struct accepts exactly the keys of its table, and `docs/scenario.md` is
//! what the list renders.

use std::cell::Cell;

use serde::Deserialize;
use serde::de::{Deserializer, Visitor};

use super::keys::{MODE, TABLES, of};
use super::raw::*;
use super::reference::reference;

/// A deserializer that only notes the fields a struct asks for.
struct Probe<'a>(&'a Cell<&'static [&'static str]>);

#[derive(Debug)]
struct Noted;

impl std::fmt::Display for Noted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("noted")
    }
}

impl std::error::Error for Noted {}

impl serde::de::Error for Noted {
    fn custom<T: std::fmt::Display>(_: T) -> Noted {
        Noted
    }
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = Noted;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Noted> {
        Err(Noted)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Noted> {
        self.0.set(fields);
        Err(Noted)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

/// The keys a raw struct's deserializer accepts.
fn fields<T: Deserialize<'static>>() -> Vec<&'static str> {
    let noted = Cell::new(&[][..]);
    let _ = T::deserialize(Probe(&noted));
    noted.get().to_vec()
}

#[test]
fn every_table_takes_exactly_its_listed_keys() {
    let parsed: Vec<(&str, Vec<&str>)> = vec![
        ("", fields::<RawScenario>()),
        ("server", fields::<RawServer>()),
        ("target", fields::<RawTarget>()),
        ("tls", fields::<RawTls>()),
        ("expect", fields::<RawExpect>()),
        ("request", fields::<RawRequest>()),
        ("proxy", fields::<RawProxy>()),
        ("link", fields::<RawLink>()),
        ("load", fields::<RawLoad>()),
        ("load.arrival", fields::<RawArrival>()),
        ("authority", fields::<RawAuthority>()),
        ("gate", fields::<RawGate>()),
        (MODE, fields::<RawMode>()),
    ];
    assert_eq!(parsed.len(), TABLES.len(), "a table without its struct");
    for (table, mut parser) in parsed {
        assert!(!parser.is_empty(), "[{table}]: no fields noted");
        let mut listed = of(table);
        parser.sort();
        listed.sort();
        assert_eq!(
            parser, listed,
            "[{table}]: the parser's keys and the list's"
        );
    }
}

#[test]
fn scenario_reference_is_the_committed_docs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario.md");
    let rendered = reference();
    if std::env::var_os("POOLBENCH_BLESS").is_some() {
        std::fs::write(path, &rendered).expect("docs/scenario.md is writable");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == rendered,
        "docs/scenario.md is not what src/scenario/keys.rs renders: run \
         `POOLBENCH_BLESS=1 cargo test scenario_reference`"
    );
}

#[test]
fn an_unknown_key_is_offered_a_listed_one() {
    let text =
        "name = \"t\"\n[load]\nrequests = 1\nconcurency = 2\n[modes]\npooled = { limit = 1 }\n";
    let e = super::Scenario::parse(std::path::Path::new("s.toml"), text).expect_err("misspelt");
    let shown = e.to_string();
    assert!(shown.contains("concurrency"), "{shown}");
    assert!(of("load").contains(&"concurrency"));
}
