//! `qrtill store catalog [import FILE | status]`: the central catalogue's versions and the
//! lanes that sell from them; and how the counter starts on a lane's cached store catalogue.

use super::args::{Cli, StoreCatalogCommand};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::store::catalog::{self, Format, Imported};
use crate::store::catalog_watch::{self, CatalogWatch, WatchSetup};
use crate::store::{StoreError, migrations};

pub fn run(
    setup: &Setup,
    client: &mut postgres::Client,
    command: Option<&StoreCatalogCommand>,
) -> Outcome {
    let store_id = &setup.config.store.store_id;
    if let Err(e) = migrations::check(client) {
        return Outcome::fail(1, format!("qrtill: {e}"));
    }
    let result: Result<String, StoreError> = match command {
        None | Some(StoreCatalogCommand::Status) => {
            catalog::status(client, store_id).map(|s| s.text())
        }
        Some(StoreCatalogCommand::Import { file }) => {
            let bad = |message: String| {
                Outcome::fail(
                    EXIT_BAD_INPUT,
                    format!("qrtill: bad catalogue, nothing imported\n{message}"),
                )
            };
            let Some(format) = Format::of(file) else {
                return bad(format!(
                    "{}: unknown catalogue format: name the file .toml or .csv",
                    file.display()
                ));
            };
            let bytes = match std::fs::read(file) {
                Ok(b) => b,
                Err(e) => return bad(format!("{}: cannot read: {e}", file.display())),
            };
            let loaded = catalog::load_bytes(
                &bytes,
                format,
                file,
                &setup.config.tax.codes(),
                setup.config.currency(),
            );
            let items = match loaded {
                Ok(c) => c.len(),
                Err(e) => return bad(e.to_string()),
            };
            let name = file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into(),
            );
            catalog::import(client, store_id, &name, format, &bytes, items).map(|done| match done
            {
                Imported::New(v) => format!(
                    "catalogue version {} imported: {} items from {} (sha256 {}); lanes take it up between sales\n",
                    v.version, v.items, name, v.sha256
                ),
                Imported::Unchanged(v) => format!(
                    "catalogue unchanged: version {} already holds these {} items; nothing imported\n",
                    v.version, v.items
                ),
            })
        }
    };
    match result {
        Ok(text) => Outcome::ok(text),
        Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
    }
}

/// The counter's catalogue with `store.url` and no `--catalog`: the lane's cached store
/// catalogue (the store may be unreachable), else the demo one until the store's arrives.
/// Returns it with the store version it is (None: not from the store).
pub fn lane_catalog(
    cli: &Cli,
    setup: &Setup,
) -> Result<(crate::catalog::Catalog, Option<i64>), Outcome> {
    if cli.catalog.is_some() || setup.config.store.url.is_none() {
        return super::counter::load_catalog(cli, setup).map(|c| (c, None));
    }
    let dir = setup.data_dir.join(catalog_watch::CACHE_DIR);
    match catalog_watch::open_cached(&dir, &setup.config.tax.codes(), setup.config.currency()) {
        Ok(Some((version, c))) => Ok((c, Some(version))),
        Ok(None) => super::counter::load_catalog(cli, setup).map(|c| (c, None)),
        Err(e) => Err(Outcome::fail(
            EXIT_BAD_INPUT,
            format!(
                "qrtill: bad cached store catalogue (remove {} to fetch it again)\n{e}",
                dir.display()
            ),
        )),
    }
}

/// Starts the lane's catalogue watcher when the counter sells from the store's catalogue.
pub fn watch<C: crate::clock::Clock>(
    cli: &Cli,
    setup: &Setup,
    store: Option<&crate::store::Pool>,
    runtime: &mut crate::runtime::Runtime<C>,
) -> Result<Option<CatalogWatch>, Outcome> {
    let Some(pool) = store else {
        return Ok(None);
    };
    if cli.catalog.is_some() {
        // An explicit --catalog FILE wins over the store's.
        return Ok(None);
    }
    let (watch, feed) = catalog_watch::spawn(WatchSetup {
        pool: pool.clone(),
        lane: crate::store::outbox::LaneId::of(&setup.config),
        cache_dir: setup.data_dir.join(catalog_watch::CACHE_DIR),
        tax_codes: setup.config.tax.codes(),
        currency: setup.config.currency(),
        have: runtime.checkout.catalog_version(),
    })
    .map_err(|e| Outcome::fail(1, format!("qrtill: store catalogue watcher: {e}")))?;
    runtime.watch_catalog(feed);
    Ok(Some(watch))
}
