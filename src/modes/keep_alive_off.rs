//! `keep_alive_disabled`: one shared pool that sends `Connection: close`
//! on every request, so every request opens a connection of its own; the
//! limit still holds. HTTP/1.1 alone: HTTP/2 has no `Connection: close`.

use std::sync::Arc;

use super::kind::{Check, Kind, Refusal, Reuse, Sees, Wait};
use super::pooled::Pooled;
use super::{Mode, ModeSpec, Parts};

pub static KIND: Kind = Kind {
    name: "keep_alive_disabled",
    summary: "One shared client sending `Connection: close` on every request; the limit still applies.",
    limit: true,
    settings: &[],
    keep_alive_off: true,
    unobserved: &[],
    sees: Sees {
        build: false,
        wait: Wait::Pool,
        connect: true,
    },
    opaque: false,
    per_request: false,
    reference: false,
    colour: (117, 112, 179),
    reuse: Reuse::PLAIN,
    check,
    build,
};

fn check(c: &Check) -> Result<(), Refusal> {
    match c.spec.http.is_http1() {
        true => Ok(()),
        false => Err(Refusal::new(
            Some("http"),
            "asks for HTTP/2 with keep-alive off",
            "keep-alive off has no meaning in HTTP/2 (a connection carries many streams, and Connection: close is not allowed): run per_request_client for a connection per request",
        )),
    }
}

fn build(spec: &ModeSpec, parts: Parts) -> anyhow::Result<Arc<dyn Mode>> {
    Ok(Arc::new(Pooled::new(spec, parts)))
}
