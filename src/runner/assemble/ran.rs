//! What a mode ran with, as every observer's part of its results reads it.

use crate::modes::ModeSpec;
use crate::results::Transport;
use crate::scenario::{AuthoritySpec, Load};

/// What a mode ran with, as its results report it.
pub struct Ran<'a> {
    pub spec: &'a ModeSpec,
    pub transport: Transport,
    pub load: &'a Load,
    /// The scenario's authorities (empty: one).
    pub authorities: &'a [AuthoritySpec],
    /// The client's open fds before the mode.
    pub fds_before: u64,
    /// What the client as built cannot observe beyond its kind's list.
    pub unobserved: &'static [&'static str],
}
