//! Two-way fork/join for the loaders: a million-item load splits into halves that do not
//! touch each other, and a till has at least two cores.

use std::sync::Mutex;

/// Runs `a` on a second thread and `b` on this one; both results once both are done.
/// Without a thread to be had, runs `a` here after `b`.
pub(crate) fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    // The closure waits here so a failed spawn can still run it.
    let slot = Mutex::new(Some(a));
    let take = || slot.lock().ok().and_then(|mut f| f.take());
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("catalog-load".into())
            .spawn_scoped(scope, || take().map(|a| a()));
        let b = b();
        let a = handle
            .ok()
            .and_then(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .or_else(|| take().map(|a| a()));
        match a {
            Some(a) => (a, b),
            None => unreachable!("the closure is taken exactly once and only after it ran"),
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_halves_run_and_come_back_in_order() {
        let data = [1, 2, 3, 4];
        let (left, right) = super::join(
            || data[..2].iter().sum::<i32>(),
            || data[2..].iter().sum::<i32>(),
        );
        assert_eq!((left, right), (3, 7));
    }
}
