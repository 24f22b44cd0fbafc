//! `GET /events`: the notification log as server-sent events, for clients that would rather
//! hold one stream open than long-poll. Each wait on the log is the long poll's own
//! (`Service::page`); a page with notifications becomes one `notes` event carrying the
//! `NotePage` JSON, with id `<epoch>:<last>`; a quiet wait becomes a comment, which keeps the
//! connection alive (no keep-alive timer: the runtime has no time driver).

use super::server::Service;
use super::wire::NoteQuery;
use axum::response::sse::{Event, Sse};
use futures_util::stream::{self, Stream};
use std::sync::Arc;

/// The stream for one client, starting after `q.after` of `q.epoch` (another epoch: from the
/// start of the log). Ends if a wait on the log panicked.
pub(super) fn stream(
    service: Arc<Service>,
    q: NoteQuery,
    wait_ms: u64,
) -> Sse<impl Stream<Item = Result<Event, axum::Error>>> {
    let q = NoteQuery { wait_ms, ..q };
    Sse::new(stream::unfold(
        (service, q),
        |(service, mut q)| async move {
            let (s, asked) = (Arc::clone(&service), q.clone());
            let page = tokio::task::spawn_blocking(move || s.page(&asked))
                .await
                .ok()?;
            q.epoch = page.epoch;
            q.after = page.last;
            let event = if page.notes.is_empty() {
                Ok(Event::default().comment("waiting"))
            } else {
                // axum's `json_data` needs its `json` feature; the service writes its own JSON.
                serde_json::to_string(&page)
                    .map(|json| {
                        Event::default()
                            .event("notes")
                            .id(format!("{}:{}", page.epoch, page.last))
                            .data(json)
                    })
                    .map_err(axum::Error::new)
            };
            Some((event, (service, q)))
        },
    ))
}
