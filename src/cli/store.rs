//! `qrtill store …`: schema, one-shot replication, lanes and reports of the store ledger.

use super::args::{StoreArgs, StoreCommand, StoreFormat, StoreReport};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::store::outbox::{LaneId, open_journal};
use crate::store::{StoreError, connect, migrations, report};

fn fail(e: StoreError) -> Outcome {
    let code = match e {
        StoreError::Url(_) => EXIT_BAD_INPUT,
        _ => 1,
    };
    Outcome::fail(code, format!("qrtill: {e}"))
}

/// The lane's pool of store connections when its config names a store (`store.url`); a URL
/// that does not parse stops the start with exit 2, naming the setting.
pub fn lane_pool(config: &crate::config::Config) -> Result<Option<crate::store::Pool>, Outcome> {
    config
        .store
        .url
        .as_deref()
        .map(crate::store::pool)
        .transpose()
        .map_err(fail)
}

pub fn run(setup: &Setup, args: &StoreArgs) -> Outcome {
    let Some(url) = args.url.as_ref().or(setup.config.store.url.as_ref()) else {
        return Outcome::fail(
            EXIT_BAD_INPUT,
            "qrtill: no store database: set store.url = \"postgres://USER@HOST:PORT/DB\" in the \
             config, or pass --url",
        );
    };
    let mut client = match connect(url) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let store_id = &setup.config.store.store_id;
    let result = match &args.command {
        StoreCommand::Init => migrations::init(&mut client).map(|applied| {
            if applied.is_empty() {
                format!("store schema already at version {}\n", migrations::latest())
            } else {
                format!(
                    "store schema at version {} (applied {:?})\n",
                    migrations::latest(),
                    applied
                )
            }
        }),
        StoreCommand::Sync => migrations::check(&mut client).and_then(|()| {
            let path = setup.journal_path();
            if path.exists() {
                // Brings an older journal's schema (and its outbox) up to date first.
                crate::journal::Journal::open(&path)
                    .map_err(|e| StoreError::Report(e.to_string()))?;
            }
            let journal = open_journal(&path)?;
            let lane = LaneId::of(&setup.config);
            let done = crate::store::sync_once(&mut client, &journal, &lane)?;
            Ok(format!(
                "lane {}: {} sales copied, {} refunds, {} shift events, {} Z reports; store \
                 position {}\n",
                lane.lane_id,
                done.inserted,
                done.refunds,
                done.shift_events,
                done.z_reports,
                done.replicated_seq
            ))
        }),
        StoreCommand::Lanes => migrations::check(&mut client)
            .and_then(|()| report::lanes(&mut client, store_id))
            .map(|rows| {
                let mut s = format!(
                    "{:<6} {:>10} {:>10} {:>6} {:>14}\n",
                    "lane", "store_seq", "lane_seq", "lag", "last_contact"
                );
                for r in rows {
                    let ago = r
                        .seconds_since_contact
                        .map_or("never".to_string(), |s| format!("{s} s ago"));
                    s.push_str(&format!(
                        "{:<6} {:>10} {:>10} {:>6} {:>14}\n",
                        r.lane_id, r.replicated_seq, r.journal_seq, r.lag, ago
                    ));
                }
                s
            }),
        StoreCommand::Catalog { command } => {
            return super::store_catalog::run(setup, &mut client, command.as_ref());
        }
        StoreCommand::Report(StoreReport::Z { date, format }) => {
            if time::Date::parse(
                date,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .is_err()
            {
                return Outcome::fail(
                    EXIT_BAD_INPUT,
                    format!("qrtill: --date {date}: use YYYY-MM-DD"),
                );
            }
            migrations::check(&mut client)
                .and_then(|()| report::z(&mut client, store_id, date))
                .and_then(|z| match format {
                    StoreFormat::Text => Ok(z.text()),
                    StoreFormat::Json => serde_json::to_string_pretty(&z)
                        .map(|j| j + "\n")
                        .map_err(|e| StoreError::Report(e.to_string())),
                })
        }
    };
    match result {
        Ok(text) => Outcome::ok(text),
        Err(e) => fail(e),
    }
}
