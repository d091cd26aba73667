//! Each cause the verdict names, on the committed example with one figure
//! changed to show it.

use super::*;
use crate::metrics::errors::hint;
use crate::results::{Discard, ErrorKind, ModeKind, example};

fn mode<'r>(results: &'r mut Results, kind: &str) -> &'r mut ModeResult {
    results
        .modes
        .iter_mut()
        .find(|m| m.mode == *kind)
        .expect("the example has every mode")
}

/// The example's mode of that name.
fn named<'r>(results: &'r mut Results, label: &str) -> &'r mut ModeResult {
    results
        .modes
        .iter_mut()
        .find(|m| m.label == label)
        .expect("the example has it")
}

fn find<'c>(causes: &'c [String], start: &str) -> Option<&'c String> {
    causes.iter().find(|c| c.starts_with(start))
}

#[test]
fn the_example_names_its_queue_its_tax_and_its_reuse() {
    let results = example();
    let causes = causes(&results);
    let queue = find(&causes, "starved waited").expect("starved queued");
    assert!(queue.contains("10 connections for 50 tasks"), "{queue}");
    assert!(queue.contains("raise the limit"), "{queue}");
    assert!(find(&causes, "pooled waited").is_none(), "{causes:#?}");
    let tax = find(&causes, "per_request_client paid").expect("the tax");
    assert!(tax.contains("1000 TCP connects ("), "{tax}");
    assert!(tax.contains("1000 full TLS handshakes ("), "{tax}");
    let reuse = find(&causes, "starved served 1000 requests over 10 connections");
    assert!(reuse.is_some(), "{causes:#?}");
    let reuse = find(&causes, "pooled served 1000 requests over 50 connections");
    assert!(reuse.is_some(), "{causes:#?}");
    let off = find(
        &causes,
        "keep_alive_disabled opened a connection per request",
    );
    assert!(off.is_some(), "{causes:#?}");
    assert!(find(&causes, "hyper_util served").is_some_and(|c| c.contains("no per-host cap")));
}

#[test]
fn a_limit_as_large_as_the_tasks_is_not_blamed() {
    let mut results = example();
    named(&mut results, "starved").limit = Some(50);
    let causes = causes(&results);
    let queue = find(&causes, "starved waited").expect("still waited");
    assert!(!queue.contains("raise the limit"), "{queue}");
}

#[test]
fn a_server_that_closes_every_connection_is_named() {
    let mut results = example();
    let pooled = mode(&mut results, "pooled");
    pooled.handshakes.client = 1000;
    let ends = &mut pooled.connection_ends;
    *ends = Default::default();
    *ends.get_mut(ConnectionEnd::ServerClosedFirst) = 1000;
    let causes = causes(&results);
    let closed = find(&causes, "the server closed 1000 of pooled's 1000").expect("named");
    assert!(closed.contains("no strategy can reuse them"), "{closed}");
}

#[test]
fn discards_are_named_when_the_client_closed() {
    let mut results = example();
    let pooled = mode(&mut results, "pooled");
    pooled.handshakes.client = 1000;
    if let Some(pool) = pooled.pool.as_mut() {
        *pool.discards.get_mut(Discard::UnreadBody) = 990;
    }
    let causes = causes(&results);
    let text = find(&causes, "pooled opened 1000 connections").expect("named");
    assert!(text.contains("discarded 990 (unread_body"), "{text}");
}

#[test]
fn failures_name_the_dominant_kind_and_what_to_do() {
    let mut results = example();
    let pooled = mode(&mut results, "pooled");
    pooled.requests.failed = 12;
    *pooled.errors.get_mut(ErrorKind::Reset) = 10;
    *pooled.errors.get_mut(ErrorKind::Timeout) = 2;
    let causes = causes(&results);
    let text = find(&causes, "pooled: 12 of 1000 requests failed, 10 of them").expect("named");
    assert!(text.contains(hint(ErrorKind::Reset)), "{text}");
}

#[test]
fn a_dropped_body_and_a_held_body_are_named() {
    let mut results = example();
    let pooled = mode(&mut results, "pooled");
    pooled.body = BodyHandling::Drop;
    pooled.handshakes.client = 1000;
    let dropped = causes(&results);
    let text = find(&dropped, "pooled opened 1000 connections").expect("named");
    assert!(text.contains("dropped each body unread"), "{text}");

    let mut results = example();
    named(&mut results, "starved").body = BodyHandling::Hold { hold_us: 5000 };
    let held = causes(&results);
    let text = find(&held, "starved waited").expect("named");
    assert!(text.contains("held each body 5.00 ms unread"), "{text}");
}

#[test]
fn a_server_that_breaks_reused_connections_is_named() {
    let mut results = example();
    let pooled = mode(&mut results, "pooled");
    pooled.stale_responses.server = Some(990);
    pooled.requests.failed = 990;
    *pooled.errors.get_mut(ErrorKind::Mismatched) = 990;
    let hyper_util = mode(&mut results, "hyper_util");
    hyper_util.overrun_responses.server = Some(950);
    let causes = causes(&results);
    let stale = find(&causes, "the server answered 990 of pooled's").expect("named");
    assert!(stale.contains("stale responses"), "{stale}");
    assert!(stale.contains("keep-alive off avoids it: keep_alive_disabled failed none"));
    // Not also the generic failure sentence, nor how its few successes
    // used their connections.
    assert!(find(&causes, "pooled: 990 of").is_none(), "{causes:#?}");
    assert!(find(&causes, "pooled served").is_none(), "{causes:#?}");
    let overrun = find(&causes, "the server answered 950 of hyper_util's").expect("named");
    assert!(overrun.contains("noticed none of them"), "{overrun}");
}

#[test]
fn bytes_a_client_hides_are_not_said_unnoticed() {
    let mut results = example();
    let hyper_util = mode(&mut results, "hyper_util");
    hyper_util.overrun_responses.server = Some(950);
    hyper_util.unobserved.push("overrun_responses".into());
    let causes = causes(&results);
    let overrun = find(&causes, "the server answered 950 of hyper_util's").expect("named");
    assert!(overrun.contains("poolbench cannot see"), "{overrun}");
    assert!(!overrun.contains("noticed none"), "{overrun}");
}

#[test]
fn a_server_over_its_cap_is_named_and_bounds_the_advice() {
    let mut results = example();
    if let Some(server) = results.scenario.server.as_mut() {
        server.max_connections = 16;
        server.over_capacity = "503".into();
    }
    let hyper_util = mode(&mut results, "hyper_util");
    hyper_util.turned_away.server = Some(700);
    hyper_util.requests.failed = 700;
    let causes = causes(&results);
    let text = find(
        &causes,
        "the server answered 700 of hyper_util's requests with 503",
    )
    .expect("named");
    assert!(text.contains("cap of 16 connections"), "{text}");
    let queue = find(&causes, "starved waited").expect("queued");
    assert!(queue.contains("up to the server's cap of 16"), "{queue}");
}

#[test]
fn a_client_told_to_close_opens_a_connection_per_request_as_it_must() {
    // The example's keep_alive_disabled, as awc with keep_alive = false.
    let mut results = example();
    let m = mode(&mut results, "keep_alive_disabled");
    m.mode = ModeKind::named("awc");
    m.label = "awc_close".into();
    m.keep_alive_off = true;
    let causes = causes(&results);
    let off = find(&causes, "awc_close opened a connection per request");
    assert!(
        off.is_some_and(|c| c.contains("keep-alive off")),
        "{causes:#?}"
    );
    // Without the flag, the same counts read as connections not reused.
    named(&mut results, "awc_close").keep_alive_off = false;
    let causes = super::causes(&results);
    assert!(find(&causes, "awc_close opened").is_none(), "{causes:#?}");
    let why = causes.iter().find(|c| c.contains("awc_close's"));
    assert!(why.is_some_and(|c| c.contains("closed")), "{causes:#?}");
}

#[test]
fn more_connections_than_the_tasks_need_is_explained_not_contradicted() {
    let mut results = example();
    let h = mode(&mut results, "hyper_util");
    (h.handshakes.client, h.peak_connections.client) = (54, 54);
    let said = causes(&results);
    let reuse = find(&said, "hyper_util served").expect("its reuse");
    assert!(reuse.contains("4 more than its 50 tasks"), "{reuse}");
    assert!(reuse.contains("up to 54 were open at once"), "{reuse}");
    assert!(!reuse.contains("one per task"), "{reuse}");
    // Replaced, never more open than the limit: said so.
    let p = named(&mut results, "starved");
    (p.handshakes.client, p.peak_connections.client) = (14, 10);
    if let Some(pool) = p.pool.as_mut() {
        pool.discards.add(Discard::ConnectionClose, 4);
    }
    let said = causes(&results);
    let reuse = find(&said, "starved served").expect("its reuse");
    assert!(reuse.contains("4 more than its limit of 10"), "{reuse}");
    assert!(
        reuse.contains("4 were closed by the server or discarded"),
        "{reuse}"
    );
    // Within the bound: no surplus sentence.
    let fine = find(&said, "pooled served").expect("pooled");
    assert!(!fine.contains("more than"), "{fine}");
}

#[test]
fn a_pool_warmed_up_before_the_window_is_said_to_reuse_its_warmups_connections() {
    let mut results = example();
    let p = named(&mut results, "pooled");
    p.handshakes.client = 0;
    p.warmup.handshakes.client = 50;
    let said = causes(&results);
    let reuse = find(&said, "pooled opened no connection while measured").expect("said");
    assert!(reuse.contains("over the 50 its warmup opened"), "{reuse}");
}
