//! FX quotes (in progress)
