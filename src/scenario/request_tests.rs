//! `[request]` parsing: method, headers, body, weighted paths, per-authority
//! changes and URL lists; every mistake named by file, line and key.

use std::path::Path;

use super::parse::validate;
use super::*;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    validate(
        Path::new("s.toml"),
        text,
        &crate::modes::Catalogue::STANDARD,
    )
}

fn with_request(request: &str) -> String {
    format!(
        "name = \"t\"\n[request]\n{request}\n[load]\nrequests = 10\nconcurrency = 2\n[modes]\npooled = {{ limit = 1 }}\n"
    )
}

#[test]
fn a_request_has_a_method_headers_a_body_and_weighted_paths() -> Result<(), ScenarioError> {
    let s = parse(&with_request(
        r#"method = "POST"
headers = { content-type = "application/json", x-api-key = "k" }
body = '{"a": 1}'
paths = ["/item/{n}", { path = "/search?q=x", weight = 3 }]"#,
    ))?;
    let r = &s.request;
    assert_eq!(r.method, http::Method::POST);
    assert_eq!(r.headers.len(), 2);
    assert_eq!(r.headers["x-api-key"], "k");
    assert_eq!(&r.body[..], br#"{"a": 1}"#);
    assert_eq!(
        r.paths,
        [("/item/{n}".to_string(), 1), ("/search?q=x".to_string(), 3)]
    );
    assert!(parse(&with_request(""))?.request.is_plain());
    Ok(())
}

#[test]
fn an_authority_changes_only_what_it_names() -> Result<(), ScenarioError> {
    let s = parse(
        r#"name = "t"
[request]
method = "POST"
body = "b"
[[authority]]
name = "api"
request = { paths = ["/v2/{n}"] }
[[authority]]
name = "cdn"
request = { method = "GET", body = "" }
[load]
requests = 10
concurrency = 2
[modes]
pooled = { limit = 1 }
"#,
    )?;
    let (api, cdn) = (&s.authorities[0].request, &s.authorities[1].request);
    assert_eq!(
        (&api.method, &api.body[..]),
        (&http::Method::POST, &b"b"[..])
    );
    assert_eq!(api.paths, [("/v2/{n}".to_string(), 1)]);
    assert_eq!(
        (&cdn.method, cdn.body.is_empty()),
        (&http::Method::GET, true)
    );
    assert!(cdn.paths.is_empty());
    Ok(())
}

#[test]
fn a_bad_request_is_named_by_line_and_key() {
    let cases = [
        ("method = \"post\"", "request.method", 3),
        (
            "headers = { content-length = \"3\" }",
            "request.headers.content-length",
            3,
        ),
        ("headers = { x = \"a\\nb\" }", "request.headers.x", 3),
        ("body = \"a\"\nbody_file = \"b\"", "request.body_file", 4),
        ("paths = [\"item\"]", "request.paths", 3),
        (
            "paths = [{ path = \"/a\", weight = 0 }]",
            "request.paths.weight",
            3,
        ),
        ("paths = []", "request.paths", 3),
        ("body_file = \"no-such-file\"", "request.body_file", 3),
        ("urls_file = \"no-such-list\"", "request.urls_file", 3),
        ("color = 1", "request.color", 3),
    ];
    for (request, key, line) in cases {
        let e = parse(&with_request(request)).expect_err(request);
        assert_eq!(e.key.as_deref(), Some(key), "{request}: {e}");
        assert_eq!(e.location.map(|l| l.line), Some(line), "{request}");
        assert!(e.help.is_some(), "{request}: no help");
    }
}

#[test]
fn a_url_list_makes_an_authority_of_each_host() -> Result<(), ScenarioError> {
    let dir =
        tempfile::tempdir().map_err(|e| ScenarioError::new(Path::new("tmp"), e.to_string()))?;
    let list = dir.path().join("urls.txt");
    let urls = "http://a.test:81/x\n# skipped\n\nhttp://b.test/y?z=1\nhttp://a.test:81/w\n";
    std::fs::write(&list, urls).map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    let file = dir.path().join("s.toml");
    let s = Scenario::parse(&file, &with_request("urls_file = \"urls.txt\""))?;
    let got: Vec<(&str, u32, Option<&str>, u64)> = s
        .authorities
        .iter()
        .map(|a| {
            let list = a.request.list.as_ref().expect("its share of the list");
            (a.name.as_str(), a.weight, list.only.as_deref(), list.lines)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a_test_81", 2, Some("http://a.test:81/"), 2),
            ("b_test", 1, Some("http://b.test/"), 1)
        ]
    );
    assert!(matches!(s.target, Target::External { .. }));
    // A line that is not a URL is named by the list's own file and line.
    std::fs::write(&list, "http://a.test/\nhttp://\n")
        .map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    let e =
        Scenario::parse(&file, &with_request("urls_file = \"urls.txt\"")).expect_err("bad line");
    assert_eq!(
        (e.file.as_path(), e.location.map(|l| l.line)),
        (list.as_path(), Some(2))
    );
    // Against the bundled server, a list of paths.
    std::fs::write(&list, "/a\n/b/{n}\n").map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    let text = with_request("urls_file = \"urls.txt\"").replace("[request]", "[server]\n[request]");
    let s = Scenario::parse(&file, &text)?;
    assert!(matches!(s.target, Target::Bundled(_)));
    assert_eq!(s.request.list.as_ref().map(|l| l.lines), Some(2));
    Ok(())
}

// A list is read through, not kept: its share is counted, not copied (a
// scraper's million lines cost no memory each); one past the cap on size
// is refused by its size alone, saying how to split it.
#[test]
fn a_long_url_list_is_counted_and_one_past_the_cap_is_refused() -> Result<(), ScenarioError> {
    let dir =
        tempfile::tempdir().map_err(|e| ScenarioError::new(Path::new("tmp"), e.to_string()))?;
    let list = dir.path().join("urls.txt");
    let lines: String = (0..150_000).map(|i| format!("/item/{i}\n")).collect();
    std::fs::write(&list, lines).map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    let file = dir.path().join("s.toml");
    let s = Scenario::parse(&file, &with_request("urls_file = \"urls.txt\""))?;
    let listed = s.request.list.as_ref().expect("a list");
    assert_eq!((listed.lines, listed.defaults), (150_000, true));
    assert!(s.request.paths.is_empty(), "not copied");
    // Sparse: past the cap without writing it.
    let over =
        std::fs::File::create(&list).map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    over.set_len(super::url_list::MAX_LIST_BYTES + 1)
        .map_err(|e| ScenarioError::new(&list, e.to_string()))?;
    let e = Scenario::parse(&file, &with_request("urls_file = \"urls.txt\"")).expect_err("cap");
    assert!(e.to_string().contains("split a longer list"), "{e}");
    Ok(())
}

// A line too long, or not UTF-8, is named by its number.
#[test]
fn a_bad_line_of_a_list_is_named() -> Result<(), ScenarioError> {
    let dir =
        tempfile::tempdir().map_err(|e| ScenarioError::new(Path::new("tmp"), e.to_string()))?;
    let list = dir.path().join("urls.txt");
    let file = dir.path().join("s.toml");
    let text = with_request("urls_file = \"urls.txt\"").replace("[request]", "[server]\n[request]");
    let long = format!("/a\n/{}\n", "x".repeat(crate::engine::MAX_LINE));
    for (bytes, said) in [
        (long.into_bytes(), "line 2 is longer than"),
        (b"/a\n/b\n/\xff\n".to_vec(), "line 3 is not UTF-8"),
        (b"/a\nnot-a-path\n".to_vec(), "does not start with /"),
    ] {
        std::fs::write(&list, bytes).map_err(|e| ScenarioError::new(&list, e.to_string()))?;
        let e = Scenario::parse(&file, &text).expect_err(said);
        assert!(e.to_string().contains(said), "{e}");
        assert_eq!(e.file, list);
    }
    Ok(())
}
