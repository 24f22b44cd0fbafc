//! The data directory: one writer at a time (an advisory lock holding its pid), private to its
//! owner (directory 0700, files 0600), and SQLite files checked before qrtill writes to them.

mod lock;
mod private;
mod store_file;

pub use lock::{DirLock, LOCK_FILE, LockError, lock};
pub use private::{create_private_file, make_private};
pub use store_file::{StoreFileError, StoreKind, check, has_tables, prepare};
