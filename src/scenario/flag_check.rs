//! The command line's values checked before anything is built from them,
//! each mistake named by its flag (a header value with a control
//! character would otherwise surface as an error in the TOML poolbench
//! writes).

use std::path::Path;

use super::ScenarioError;
use super::overrides::Overrides;

impl Overrides {
    /// The flags' own mistakes, named by flag, before anything is built
    /// from them (a header value with a control character would otherwise
    /// surface as an error in the TOML poolbench writes).
    pub(super) fn check(&self) -> Result<(), ScenarioError> {
        let flag = |flag: &str, message: String, help: &str| {
            ScenarioError::new(Path::new("command line"), message)
                .key(flag)
                .help(help.to_string())
        };
        if let Some(url) = &self.url
            && !url.contains("://")
        {
            let shown = crate::redact::text(url);
            return Err(flag(
                "--url",
                format!("\"{shown}\" has no scheme"),
                &format!("did you mean http://{shown} ? (or https://, or unix:///path/to.sock)"),
            ));
        }
        if let Some(url) = &self.url {
            super::sections::check_port(url).map_err(|why| {
                flag(
                    "--url",
                    why,
                    "give a port from 1 to 65535, or none for the scheme's",
                )
            })?;
        }
        self.check_headers(&flag)?;
        for (name, value) in [("-z", &self.duration), ("--timeout", &self.timeout)] {
            if let Some(text) = value
                && let Err(why) = super::units::parse_duration(text)
            {
                return Err(flag(
                    name,
                    format!(
                        "`{}` is not a duration: {why}",
                        crate::redact::controls(text)
                    ),
                    "write a number and a unit: 500ms, 10s, 2m",
                ));
            }
        }
        if let Some(h) = &self.http
            && !crate::results::HttpVersion::ALL
                .iter()
                .any(|v| v.name() == h)
        {
            return Err(flag(
                "--http",
                format!("`{}` is not an HTTP version", crate::redact::controls(h)),
                "say 1.1, 2 or auto",
            ));
        }
        if let Some(ca) = &self.ca
            && let Err(e) = crate::tls::TlsTrust::ca_from_file(ca)
        {
            return Err(flag(
                "--ca",
                format!("{e:#}"),
                "give the PEM file of the CA that signed the target's certificate",
            ));
        }
        for name in &self.redact {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(flag(
                    "--redact",
                    format!("`{name}` is not a header name"),
                    "name a header whose value is a secret, e.g. --redact x-internal-token",
                ));
            }
        }
        Ok(())
    }

    /// `-H`: each a header name and a printable value.
    fn check_headers(
        &self,
        flag: &dyn Fn(&str, String, &str) -> ScenarioError,
    ) -> Result<(), ScenarioError> {
        for (name, value) in &self.headers {
            if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(flag(
                    "-H",
                    format!("`{name}` is not a header name"),
                    "write a header as 'name: value'; a name is letters, digits and - (e.g. x-api-key)",
                ));
            }
            if http::HeaderValue::from_str(value).is_err() {
                return Err(flag(
                    "-H",
                    format!("the value of `{name}` is not a valid header value"),
                    "a header value is printable text without line breaks or control characters",
                ));
            }
        }
        Ok(())
    }
}
