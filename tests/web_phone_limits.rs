//! The web phone's guards without a browser: request bodies are size-limited, each address is
//! rate-limited, and only the pay routes exist (anything else is a clear, escaped 404).

use crate::link_support;
use crate::webdriver_support;

use link_support::Counter;
use qrtill::link::web::{MAX_BODY, RATE_LIMIT};
use webdriver_support::http;

#[test]
fn oversized_bodies_unknown_paths_and_floods_are_refused() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start(dir.path(), true);
    let addr = counter
        .web
        .unwrap_or_else(|| panic!("web phone not started"))
        .to_string();
    let token = "0".repeat(32);
    let form = "application/x-www-form-urlencoded";

    let big = format!("shopper={}", "a".repeat(MAX_BODY + 1));
    let (status, _) = http(
        &addr,
        "POST",
        &format!("/pay/{token}/scan"),
        Some((form, &big)),
    );
    assert_eq!(status, 413, "a body over {MAX_BODY} bytes");

    let (status, body) = http(&addr, "GET", "/admin", None);
    assert_eq!(status, 404);
    assert!(body.contains("not valid"), "{body}");

    // A path with markup comes back escaped, never as markup.
    let (status, body) = http(&addr, "GET", "/pay/%3Cb%3Ex%3C%2Fb%3E", None);
    assert_eq!(status, 404);
    assert!(!body.contains("<b>x</b>"), "{body}");

    // Three requests above went through; the rest of the window's allowance, then 429.
    let mut statuses = Vec::new();
    for _ in 0..RATE_LIMIT {
        statuses.push(http(&addr, "GET", &format!("/pay/{token}"), None).0);
    }
    let allowed = RATE_LIMIT as usize - 3;
    assert!(
        statuses[..allowed].iter().all(|s| *s == 404),
        "{statuses:?}"
    );
    assert!(
        statuses[allowed..].iter().all(|s| *s == 429),
        "{statuses:?}"
    );
    let closed = counter.close();
    assert!(closed.sales.is_empty());
}
