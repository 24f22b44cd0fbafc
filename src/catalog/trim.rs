//! Hands memory freed while loading back to the system.
//!
//! Indexing a large catalogue frees a few hundred megabytes of scratch vectors. After the
//! first such free glibc raises its mmap threshold, so later scratch space comes from the
//! heap and stays resident once freed (about 60 MB for a million items); `malloc_trim`
//! returns it.

/// Releases free heap memory to the system (glibc only; elsewhere a no-op).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn release_scratch() {
    // SAFETY: malloc_trim takes no pointers; it only walks the allocator's own free lists.
    // It answers whether anything was released, which changes nothing here.
    unsafe { libc::malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn release_scratch() {}
