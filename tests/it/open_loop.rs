//! An open loop says what load it got: the rate it asked for, the rate it
//! started requests at, and — with a duration, which is wall-clock time —
//! the requests due that it never sent. A loop that keeps up shows all it
//! was due started and none cut.

use crate::common::run;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_loop_behind_its_schedule_says_what_it_cut() {
    // 2 tasks, 2 ms a request: at most ~1000 a second started of 100000.
    let results = run(r#"name = "overload"
[server]
think_time = "2ms"
[load]
duration = "300ms"
concurrency = 2
arrival = { rate = 100000 }
[modes]
pooled = { limit = 2 }
"#)
    .await;
    let m = &results.modes[0];
    let o = m.open_loop.expect("an open loop");
    assert_eq!(o.requested_rps, 100_000.0);
    assert!(o.due >= 29_000, "{o:?}");
    // Nothing started after the deadline: the cut are the rest of the due.
    assert_eq!(o.started + o.cut(), o.due, "{o:?}");
    assert_eq!(m.requests.sent, o.started, "{o:?}");
    assert!(o.cut() > o.started, "{o:?}");
    // The verdict, in the words the terminal wraps: joined back.
    let said = poolbench::report::markdown::run_markdown(&results).replace('\n', " ");
    assert!(
        said.contains("requests a second of the 100000 asked"),
        "{said}"
    );
    assert!(said.contains("requests due were never sent"), "{said}");
    let json = String::from_utf8(poolbench::results::json::to_json(&results).unwrap()).unwrap();
    assert!(json.contains("\"open_loop\""), "in results.json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_loop_that_keeps_up_started_all_it_was_due() {
    let results = run(r#"name = "steady"
[load]
requests = 40
concurrency = 4
arrival = { rate = 400 }
[modes]
pooled = { limit = 2 }
"#)
    .await;
    let m = &results.modes[0];
    let o = m.open_loop.expect("an open loop");
    assert_eq!((o.due, o.started, o.cut()), (40, 40, 0), "{o:?}");
    assert_eq!(m.requests.ok, 40);
    // A closed loop has none.
    let closed =
        run("name = \"closed\"\n[load]\nrequests = 10\nconcurrency = 1\n[modes]\npooled = { limit = 1 }\n").await;
    assert!(closed.modes[0].open_loop.is_none());
}
