//! `results.json` as written: a figure a mode's client cannot observe
//! (reqwest's connections, awc's TLS handshakes) is `null` there, not the
//! 0 its struct holds — a reader must not take it for a count. Reading maps
//! `null` back to the struct's default, and the mode's `unobserved` list
//! keeps every reader from using it.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::Results;

/// Where, in a mode (or an authority) of `results.json`, the client's side
/// of each figure that a kind can list as unobserved is kept, where it is
/// not `/{name}/client` (see [`client_side`]).
pub const CLIENT_SIDE: &[(&str, &[&str])] = &[
    ("peak_connections", &["/peak_connections/client"]),
    ("tls_full", &["/tls_handshakes/full/client"]),
    ("tls_resumed", &["/tls_handshakes/resumed/client"]),
    ("closed_first", &["/connection_ends"]),
];

/// The results as pretty JSON, unobserved figures `null`.
pub fn to_json(results: &Results) -> serde_json::Result<Vec<u8>> {
    let mut value = serde_json::to_value(results)?;
    if let Some(modes) = value.get_mut("modes").and_then(Value::as_array_mut) {
        for mode in modes {
            blank(mode);
            if let Some(authorities) = mode.get_mut("authorities").and_then(Value::as_array_mut) {
                authorities.iter_mut().for_each(blank);
            }
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Sets every figure `at` lists as unobserved to `null`.
fn blank(at: &mut Value) {
    let unobserved: Vec<String> = at
        .get("unobserved")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    for name in unobserved {
        for pointer in client_side(&name) {
            if let Some(v) = at.pointer_mut(&pointer) {
                *v = Value::Null;
            }
        }
    }
}

/// The JSON pointers of figure `name`'s client side: [`CLIENT_SIDE`]'s, or
/// the client half of its pair (`/overrun_responses/client`).
pub fn client_side(name: &str) -> Vec<String> {
    match CLIENT_SIDE.iter().find(|(n, _)| *n == name) {
        Some((_, pointers)) => pointers.iter().map(|p| p.to_string()).collect(),
        None => vec![format!("/{name}/client")],
    }
}

/// Deserializes `null` as the type's default (an unobserved figure).
pub fn null_is_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unobserved_figure_is_null_and_reads_back() -> anyhow::Result<()> {
        let mut results = super::super::example();
        let m = &mut results.modes[0];
        m.unobserved = vec!["peak_connections".into(), "closed_first".into()];
        m.peak_connections.client = 7;
        let text = String::from_utf8(to_json(&results)?)?;
        let value: Value = serde_json::from_str(&text)?;
        let mode = &value["modes"][0];
        assert_eq!(mode["peak_connections"]["client"], Value::Null);
        assert!(
            mode["peak_connections"]["server"].is_u64()
                || mode["peak_connections"]["server"].is_null()
        );
        assert_eq!(mode["connection_ends"], Value::Null);
        assert!(value["modes"][1]["peak_connections"]["client"].is_u64());
        let back: Results = serde_json::from_str(&text)?;
        assert_eq!(back.modes[0].peak_connections.client, 0);
        Ok(())
    }
}
