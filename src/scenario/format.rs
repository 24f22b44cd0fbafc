//! The scenario file format, version 1 (docs/scenarios.md): a strict TOML reader that turns a
//! file into typed steps, each carrying the line it came from. Every mistake is reported as
//! `file:line: message`.

use super::duration::parse_duration;
use crate::checkout::Action;
use crate::network::Call;
use crate::runtime::PhoneAction;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The only format version this build reads.
pub const FORMAT_VERSION: i64 = 1;

/// A mistake in a scenario file: where it is and what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct FormatError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// A parsed scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it was read from, as given (for messages).
    pub file: String,
    pub name: String,
    pub description: Option<String>,
    /// The network's seed: latencies, codes and ids are drawn from it.
    pub seed: u64,
    /// Virtual start time, ms since the Unix epoch (default: `harness::DEMO_START`).
    pub start_ms: Option<i64>,
    /// Store configuration, catalogue and FX rate files (resolved against the file's folder);
    /// `None` uses the embedded ones.
    pub config: Option<PathBuf>,
    pub catalog: Option<PathBuf>,
    pub fx: Option<PathBuf>,
    /// Extra shoppers for the wallet book, as `[[shopper]]` TOML (wallets.toml's format).
    pub shoppers_toml: Option<String>,
    pub steps: Vec<Step>,
}

/// One step and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub line: usize,
    /// What the demo's caption bar says while the step plays (default: a generated one).
    pub caption: Option<String>,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// Scanner input: the barcode's characters, then Enter.
    Scan(String),
    /// The cashier types text (no Enter).
    Type(String),
    /// The cashier scans, again, the last payment code this shopper's phone showed (a
    /// screenshot, or a code already used).
    Rescan(String),
    /// A cashier key, `times` times.
    Key { key: CashierKey, times: u32 },
    /// The shopper does something on the phone; `refused` expects the phone to refuse, with a
    /// message containing that text.
    Phone {
        shopper: String,
        action: PhoneAction,
        refused: Option<String>,
    },
    /// A network fault.
    Fault(FaultStep),
    /// Virtual time passes.
    Wait(Duration),
    /// Time passes until the pay status reads `status`; fails after `within`.
    Until { status: String, within: Duration },
    /// Sets a shopper's balance at the network (`"CNY 5000.00"`).
    Balance { shopper: String, amount: String },
    /// The counter stops and starts again `after` later: with its own journal (`Counter`) or
    /// a fresh one (`Replacement`, a new machine on the same lane); the network keeps its books.
    Restart { kind: RestartKind, after: Duration },
    /// Runs the counter's start-up recovery of open attempts.
    Recover,
    /// The cashier refunds a sale (the last one unless `sale` is given): all of what is left,
    /// or `lines` as (1-based line, quantity); `cash` pays it back in cash. `refused` expects
    /// the refund to be refused with a message containing that text.
    Refund {
        sale: Option<u64>,
        lines: Option<Vec<(u32, u32)>>,
        cash: bool,
        refused: Option<String>,
    },
    /// Checks; the run fails on the first difference.
    Expect(Box<Expect>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartKind {
    Counter,
    Replacement,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultStep {
    /// Each of the next `times` calls of this kind is hit.
    Reply {
        call: Call,
        fault: ReplyFault,
        times: u32,
    },
    /// The shopper's phone goes offline (or back online): the wallet's replies stop.
    Offline { shopper: String, offline: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyFault {
    Drop,
    Throttle,
    SystemError,
    Delay(Duration),
    Duplicate,
}

/// A cashier key by name (docs/scenarios.md lists them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashierKey {
    pub name: &'static str,
    pub action: Action,
}

/// The named cashier keys and the actions they stand for.
pub const CASHIER_KEYS: &[(&str, Action)] = &[
    ("enter", Action::Enter),
    ("back", Action::Back),
    ("backspace", Action::Backspace),
    ("up", Action::Up),
    ("down", Action::Down),
    ("qty-up", Action::QtyUp),
    ("qty-down", Action::QtyDown),
    ("qty-set", Action::SetQty),
    ("void-line", Action::VoidLine),
    ("clear-basket", Action::ClearBasket),
    ("search", Action::Search),
    ("pay-cash", Action::PayCash),
    ("pay-qr", Action::PayWalletQr),
    ("pay-code", Action::PayCode),
    ("pay-tap", Action::PayTap),
    ("pay-card", Action::PayCard),
    ("pay-static", Action::PayStatic),
    ("exact-cash", Action::QuickTender(0)),
    ("reprint", Action::Reprint),
    ("yes", Action::Char('y')),
];

/// The shopper's phone actions by name.
pub const PHONE_ACTIONS: &[(&str, PhoneAction)] = &[
    ("show-code", PhoneAction::ShowCode),
    ("present-code", PhoneAction::PresentCode),
    ("scan-counter-qr", PhoneAction::ScanCounterQr),
    ("tap", PhoneAction::Tap),
    ("enter-password", PhoneAction::EnterPassword),
    ("refuse-password", PhoneAction::RefusePassword),
    ("cancel-on-phone", PhoneAction::CancelOnPhone),
    ("low-balance", PhoneAction::LowBalance),
];

const CALLS: &[(&str, Call)] = &[
    ("pay", Call::Pay),
    ("query", Call::Query),
    ("cancel", Call::Cancel),
    ("refund", Call::Refund),
    ("card", Call::Card),
];

/// Step types, by the key that names them, with the other keys each one takes.
const STEP_TYPES: &[(&str, &[&str])] = &[
    ("scan", &[]),
    ("type", &[]),
    ("rescan", &[]),
    ("key", &["times"]),
    ("phone", &["shopper", "refused"]),
    ("fault", &["call", "times", "by", "shopper"]),
    ("wait", &[]),
    ("until", &["within"]),
    ("balance", &["shopper"]),
    ("restart", &["after"]),
    ("recover", &[]),
    ("refund", &["sale", "lines", "cash", "refused"]),
    ("expect", &[]),
];

/// What an `expect` step can check. Every field is optional; absent ones are not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The pay status (or screen) now, e.g. `Receipt`, `Declined EXPIRED_CODE`.
    pub status: Option<String>,
    /// Every status shown since the start, the previous `seen` check or a restart, in order.
    pub seen: Option<Vec<String>>,
    /// Text on the counter's screen (100×32), each string on some row.
    pub screen: Option<Vec<String>>,
    /// Text contained in the counter's notice line.
    pub notice: Option<String>,
    /// Committed sales in the journal.
    pub sales: Option<usize>,
    /// The journal's payment attempts in order: `state` or `state OUTCOME-TEXT`.
    pub attempts: Option<Vec<String>>,
    /// The network's payments in order: `Stage` or `Stage CUR amount-charged`.
    pub ledger: Option<Vec<String>>,
    /// Shopper balances at the network: `{ li-na = "CNY 4927.43" }`.
    pub balance: Option<BTreeMap<String, String>>,
    /// How many charges, refunds and reversals moved shoppers' balances.
    pub charges: Option<usize>,
    pub refunds: Option<usize>,
    pub reversals: Option<usize>,
    /// Receipts sent to the printer since the start (reprints included).
    pub prints: Option<usize>,
    /// Lines of the last sale's receipt (48 columns, runs of spaces collapsed), each contained
    /// in some line.
    pub receipt: Option<Vec<String>>,
    /// Text that must not appear anywhere on the last sale's receipt.
    pub receipt_lacks: Option<Vec<String>>,
    /// Requests the counter sent, by call: `{ query = 19, cancel = 1 }`.
    pub sent: Option<BTreeMap<String, usize>>,
    /// Replies the counter heard, each `call detail` (e.g. `cancel S SUCCESS action=close`).
    pub heard: Option<Vec<String>>,
    /// Virtual ms since the start, at most this (e.g. "paid within 1.5 s").
    pub elapsed_at_most: Option<String>,
    /// What the journal holds as refunded of the last sale (`"USD 4.89"`, or `"none"`).
    pub refunded: Option<String>,
    /// Whether the journal and the network's ledger reconcile with no problem.
    pub reconciled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// Checked first, on its own (`VersionOnly`).
    #[serde(rename = "version")]
    _version: serde::de::IgnoredAny,
    name: String,
    description: Option<String>,
    seed: Option<u64>,
    start: Option<toml::Spanned<String>>,
    config: Option<String>,
    catalog: Option<String>,
    fx: Option<String>,
    shopper: Option<Vec<toml::Table>>,
    step: Vec<toml::Spanned<toml::Table>>,
}

#[derive(Deserialize)]
struct VersionOnly {
    version: Option<toml::Spanned<toml::Value>>,
}

/// Reads and parses a scenario file.
pub fn load(path: &Path) -> Result<Scenario, FormatError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| FormatError {
        file: file.clone(),
        line: 0,
        message: format!("cannot read the file: {e}"),
    })?;
    let mut s = parse(&text, &file)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    for p in [&mut s.config, &mut s.catalog, &mut s.fx]
        .into_iter()
        .flatten()
    {
        if p.is_relative() {
            *p = dir.join(&*p);
        }
    }
    Ok(s)
}

/// The 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Parses scenario `text`; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Scenario, FormatError> {
    let err = |line: usize, message: String| FormatError {
        file: file.to_string(),
        line,
        message,
    };
    let toml_err = |e: toml::de::Error| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        err(line, e.message().trim().to_string())
    };
    // The version first: a file of another version is refused for that, whatever else it has.
    let v: VersionOnly = toml::from_str(text).map_err(toml_err)?;
    match v.version {
        None => {
            return Err(err(
                1,
                format!("missing `version = {FORMAT_VERSION}` (the scenario format version)"),
            ));
        }
        Some(v) if v.get_ref().as_integer() != Some(FORMAT_VERSION) => {
            return Err(err(
                line_of(text, v.span().start),
                format!(
                    "unsupported version {}: this qrtill reads scenario format version {FORMAT_VERSION}",
                    v.get_ref()
                ),
            ));
        }
        Some(_) => {}
    }
    let raw: RawFile = toml::from_str(text).map_err(toml_err)?;
    let start_ms = match &raw.start {
        None => None,
        Some(s) => {
            Some(parse_start(s.get_ref()).map_err(|m| err(line_of(text, s.span().start), m))?)
        }
    };
    let shoppers_toml = match &raw.shopper {
        None => None,
        Some(list) => {
            let mut doc = toml::Table::new();
            doc.insert(
                "shopper".into(),
                toml::Value::Array(list.iter().cloned().map(toml::Value::Table).collect()),
            );
            Some(toml::to_string(&doc).map_err(|e| err(1, format!("[[shopper]]: {e}")))?)
        }
    };
    let mut steps = Vec::with_capacity(raw.step.len());
    for s in &raw.step {
        steps.push(parse_step(text, file, s)?);
    }
    if steps.is_empty() {
        return Err(err(1, "no steps: add at least one [[step]]".into()));
    }
    let known: Vec<String> = known_shoppers(shoppers_toml.as_deref());
    for s in &steps {
        let who = match &s.kind {
            StepKind::Phone { shopper, .. }
            | StepKind::Rescan(shopper)
            | StepKind::Balance { shopper, .. }
            | StepKind::Fault(FaultStep::Offline { shopper, .. }) => vec![shopper.clone()],
            StepKind::Expect(e) => e
                .balance
                .as_ref()
                .map(|b| b.keys().cloned().collect())
                .unwrap_or_default(),
            _ => vec![],
        };
        for w in who {
            if !known.contains(&w) {
                return Err(err(
                    key_line(text, s.line, &w).unwrap_or(s.line),
                    format!(
                        "unknown shopper `{w}`: known shoppers are {}",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(Scenario {
        file: file.to_string(),
        name: raw.name,
        description: raw.description,
        seed: raw.seed.unwrap_or(crate::harness::DEMO_SEED),
        start_ms,
        config: raw.config.map(PathBuf::from),
        catalog: raw.catalog.map(PathBuf::from),
        fx: raw.fx.map(PathBuf::from),
        shoppers_toml,
        steps,
    })
}

/// The ids of the embedded wallet book's shoppers plus the file's own.
fn known_shoppers(extra: Option<&str>) -> Vec<String> {
    let mut ids: Vec<String> = crate::network::WalletBook::embedded()
        .map(|b| b.shoppers().iter().map(|s| s.id.0.clone()).collect())
        .unwrap_or_default();
    if let Some(extra) = extra
        && let Ok(t) = extra.parse::<toml::Table>()
        && let Some(toml::Value::Array(list)) = t.get("shopper")
    {
        for s in list {
            if let Some(id) = s.get("id").and_then(|v| v.as_str()) {
                ids.push(id.to_string());
            }
        }
    }
    ids
}

/// The first line at or after `from` that mentions `word` (for a key or a value's line).
fn key_line(text: &str, from: usize, word: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(word))
        .map(|(i, _)| i + 1)
}

/// `2026-11-21T22:32:05Z` (UTC) as ms since the epoch.
fn parse_start(s: &str) -> Result<i64, String> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::PrimitiveDateTime::parse(s, format)
        .map(|t| (t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|e| {
            format!("bad start time {s:?} ({e}): write it like \"2026-11-21T22:32:05Z\" (UTC)")
        })
}

fn parse_step(
    text: &str,
    file: &str,
    step: &toml::Spanned<toml::Table>,
) -> Result<Step, FormatError> {
    let start = line_of(text, step.span().start);
    let table = step.get_ref();
    let err = |line: usize, message: String| FormatError {
        file: file.to_string(),
        line,
        message,
    };
    let line_for = |key: &str| {
        key_line(text, start, &format!("{key} "))
            .or_else(|| key_line(text, start, key))
            .unwrap_or(start)
    };
    let types: Vec<&(&str, &[&str])> = STEP_TYPES
        .iter()
        .filter(|(k, _)| table.contains_key(*k))
        .collect();
    let type_names = || {
        STEP_TYPES
            .iter()
            .map(|(k, _)| *k)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (kind, extra) = match types.as_slice() {
        [one] => **one,
        [] => {
            let first = table.keys().find(|k| *k != "caption");
            return Err(match first {
                Some(k) => err(
                    line_for(k),
                    format!("unknown step type `{k}`: a step is one of {}", type_names()),
                ),
                None => err(
                    start,
                    format!("empty step: a step is one of {}", type_names()),
                ),
            });
        }
        [a, b, ..] => {
            return Err(err(
                line_for(a.0).max(line_for(b.0)),
                format!(
                    "one step, two types: `{}` and `{}` (split them into two [[step]]s)",
                    a.0, b.0
                ),
            ));
        }
    };
    for k in table.keys() {
        if k != kind && k != "caption" && !extra.contains(&k.as_str()) {
            let allowed: Vec<&str> = std::iter::once("caption")
                .chain(extra.iter().copied())
                .collect();
            return Err(err(
                line_for(k),
                format!(
                    "unknown key `{k}` in a `{kind}` step (it takes {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let string = |key: &str| -> Result<Option<String>, FormatError> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(err(
                line_for(key),
                format!("`{key}` must be a string, not {}", other.type_str()),
            )),
        }
    };
    let required = |key: &str| -> Result<String, FormatError> {
        string(key)?.ok_or_else(|| err(start, format!("a `{kind}` step needs `{key}`")))
    };
    let duration = |key: &str| -> Result<Option<Duration>, FormatError> {
        string(key)?
            .map(|s| parse_duration(&s).map_err(|m| err(line_for(key), format!("`{key}`: {m}"))))
            .transpose()
    };
    let times = match table.get("times") {
        None => 1,
        Some(toml::Value::Integer(n)) if (1..=100).contains(n) => *n as u32,
        Some(other) => {
            return Err(err(
                line_for("times"),
                format!("`times` must be a whole number from 1 to 100, not {other}"),
            ));
        }
    };
    let caption = string("caption")?;
    let kind = match kind {
        "scan" => StepKind::Scan(required("scan")?),
        "type" => StepKind::Type(required("type")?),
        "rescan" => StepKind::Rescan(required("rescan")?),
        "key" => {
            let name = required("key")?;
            let Some((name, action)) = CASHIER_KEYS.iter().find(|(n, _)| *n == name) else {
                return Err(err(
                    line_for("key"),
                    format!(
                        "unknown key {name:?}: one of {}",
                        CASHIER_KEYS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            StepKind::Key {
                key: CashierKey {
                    name,
                    action: action.clone(),
                },
                times,
            }
        }
        "phone" => {
            let name = required("phone")?;
            let Some((_, action)) = PHONE_ACTIONS.iter().find(|(n, _)| *n == name) else {
                return Err(err(
                    line_for("phone"),
                    format!(
                        "unknown phone action {name:?}: one of {}",
                        PHONE_ACTIONS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            StepKind::Phone {
                shopper: required("shopper")?,
                action: *action,
                refused: string("refused")?,
            }
        }
        "fault" => {
            let name = required("fault")?;
            match name.as_str() {
                "wallet-offline" | "wallet-online" => StepKind::Fault(FaultStep::Offline {
                    shopper: required("shopper")?,
                    offline: name == "wallet-offline",
                }),
                _ => {
                    let fault = match name.as_str() {
                        "drop-reply" => ReplyFault::Drop,
                        "throttle" => ReplyFault::Throttle,
                        "system-error" => ReplyFault::SystemError,
                        "duplicate-reply" => ReplyFault::Duplicate,
                        "delay-reply" => ReplyFault::Delay(duration("by")?.ok_or_else(|| {
                            err(
                                start,
                                "a `delay-reply` fault needs `by` (e.g. by = \"4s\")".into(),
                            )
                        })?),
                        other => {
                            return Err(err(
                                line_for("fault"),
                                format!(
                                    "unknown fault {other:?}: one of drop-reply, delay-reply, \
                                     duplicate-reply, throttle, system-error, wallet-offline, \
                                     wallet-online"
                                ),
                            ));
                        }
                    };
                    let call_name = required("call")?;
                    let Some((_, call)) = CALLS.iter().find(|(n, _)| *n == call_name) else {
                        return Err(err(
                            line_for("call"),
                            format!(
                                "unknown call {call_name:?}: one of pay, query, cancel, refund, card"
                            ),
                        ));
                    };
                    StepKind::Fault(FaultStep::Reply {
                        call: *call,
                        fault,
                        times,
                    })
                }
            }
        }
        "wait" => StepKind::Wait(duration("wait")?.unwrap_or_default()),
        "until" => StepKind::Until {
            status: required("until")?,
            within: duration("within")?.ok_or_else(|| {
                err(
                    start,
                    "an `until` step needs `within` (e.g. within = \"60s\")".into(),
                )
            })?,
        },
        "balance" => {
            let amount = required("balance")?;
            if amount.split_once(' ').is_none() {
                return Err(err(
                    line_for("balance"),
                    format!(
                        "`balance` {amount:?}: write the currency and the amount, e.g. \"CNY 5000.00\""
                    ),
                ));
            }
            StepKind::Balance {
                shopper: required("shopper")?,
                amount,
            }
        }
        "restart" => {
            let which = required("restart")?;
            let kind = match which.as_str() {
                "counter" => RestartKind::Counter,
                "replacement" => RestartKind::Replacement,
                other => {
                    return Err(err(
                        line_for("restart"),
                        format!("`restart` {other:?}: one of counter, replacement"),
                    ));
                }
            };
            StepKind::Restart {
                kind,
                after: duration("after")?.unwrap_or_default(),
            }
        }
        "refund" => {
            let what = required("refund")?;
            let lines = match (what.as_str(), table.get("lines")) {
                ("whole", None) => None,
                ("lines", Some(toml::Value::Array(list))) if !list.is_empty() => {
                    let mut out = Vec::new();
                    for pair in list {
                        match pair.as_array().map(|p| p.as_slice()) {
                            Some([toml::Value::Integer(l), toml::Value::Integer(q)])
                                if (1..=9999).contains(l) && (1..=9999).contains(q) =>
                            {
                                out.push((*l as u32, *q as u32))
                            }
                            _ => {
                                return Err(err(
                                    line_for("lines"),
                                    "`lines` lists [line, quantity] pairs, e.g. [[1, 2]] \
                                     (line from 1, quantity from 1)"
                                        .into(),
                                ));
                            }
                        }
                    }
                    Some(out)
                }
                ("whole", Some(_)) => {
                    return Err(err(
                        line_for("lines"),
                        "`lines` goes with refund = \"lines\", not \"whole\"".into(),
                    ));
                }
                ("lines", _) => {
                    return Err(err(
                        start,
                        "refund = \"lines\" needs `lines = [[line, quantity], ...]`".into(),
                    ));
                }
                (other, _) => {
                    return Err(err(
                        line_for("refund"),
                        format!("`refund` {other:?}: one of whole, lines"),
                    ));
                }
            };
            let sale = match table.get("sale") {
                None => None,
                Some(toml::Value::Integer(n)) if *n >= 1 => Some(*n as u64),
                Some(other) => {
                    return Err(err(
                        line_for("sale"),
                        format!("`sale` must be a sale number from 1, not {other}"),
                    ));
                }
            };
            let cash = match table.get("cash") {
                None => false,
                Some(toml::Value::Boolean(b)) => *b,
                Some(other) => {
                    return Err(err(
                        line_for("cash"),
                        format!("`cash` must be true or false, not {other}"),
                    ));
                }
            };
            StepKind::Refund {
                sale,
                lines,
                cash,
                refused: string("refused")?,
            }
        }
        "recover" => match table.get("recover") {
            Some(toml::Value::Boolean(true)) => StepKind::Recover,
            _ => return Err(err(line_for("recover"), "write `recover = true`".into())),
        },
        _ => {
            let Some(value) = table.get("expect") else {
                return Err(err(start, "an `expect` step needs a table".into()));
            };
            let e: Expect = value.clone().try_into().map_err(|e: toml::de::Error| {
                let msg = e.message().trim().to_string();
                // Point at the offending key: the one named in the message, or the first
                // whose value alone does not read.
                let named = msg.split('`').nth(1).map(str::to_string);
                let bad_value = value.as_table().and_then(|t| {
                    t.iter()
                        .find(|(k, v)| {
                            let mut one = toml::Table::new();
                            one.insert((*k).clone(), (*v).clone());
                            toml::Value::Table(one).try_into::<Expect>().is_err()
                        })
                        .map(|(k, _)| k.clone())
                });
                let key = named.or(bad_value);
                let line = key
                    .as_deref()
                    .and_then(|k| key_line(text, start, k))
                    .unwrap_or(start);
                match key {
                    Some(k) if !msg.contains(&format!("`{k}`")) => {
                        err(line, format!("expect.{k}: {msg}"))
                    }
                    _ => err(line, format!("expect: {msg}")),
                }
            })?;
            if let Some(d) = &e.elapsed_at_most {
                parse_duration(d).map_err(|m| {
                    err(line_for("elapsed_at_most"), format!("elapsed_at_most: {m}"))
                })?;
            }
            StepKind::Expect(Box::new(e))
        }
    };
    Ok(Step {
        line: start,
        caption,
        kind,
    })
}
