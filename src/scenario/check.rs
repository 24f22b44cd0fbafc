//! Checks an `expect` step against the counter, the journal and the network's ledger. Each
//! check reads the state through a different path from the one that produced it (the journal's
//! rows, the ledger's rows, the drawn screen), and the first difference is the message.

use super::format::Expect;
use super::observe::{collapse, screen_text};
use super::run::{Run, parse_money};
use crate::checkout::slip::receipt_for;
use crate::network::{MoveKind, ShopperId};
use crate::receipt::{PaperWidth, render_text_string};

pub fn check(run: &mut Run, e: &Expect) -> Result<(), String> {
    if let Some(want) = &e.status
        && run.status() != want
    {
        return Err(format!("status: expected {want}, got {}", run.status()));
    }
    if let Some(want) = &e.seen {
        let got = std::mem::take(&mut run.seen);
        // The next `seen` starts from what shows now.
        run.seen.push(run.status().to_string());
        if &got != want {
            return Err(format!("seen: expected {want:?}, got {got:?}"));
        }
    }
    if let Some(want) = &e.screen {
        let rows = screen_text(
            &run.rt.checkout,
            run.config(),
            run.rt.now(),
            run.rt.network(),
        );
        let texts = panel_texts(&rows);
        for w in want {
            let w = collapse(w);
            if !texts.iter().any(|r| r.contains(&w)) {
                return Err(format!(
                    "screen: {w:?} is not on screen:\n{}",
                    rows.join("\n")
                ));
            }
        }
    }
    if let Some(want) = &e.notice {
        let got = run
            .rt
            .checkout
            .notice
            .as_ref()
            .map(|n| n.text.clone())
            .unwrap_or_default();
        if !got.contains(want.as_str()) {
            return Err(format!(
                "notice: expected it to contain {want:?}, got {got:?}"
            ));
        }
    }
    if let Some(want) = e.sales {
        let got = run.sales().len();
        if got != want {
            return Err(format!("sales: expected {want}, the journal has {got}"));
        }
    }
    if let Some(want) = &e.attempts {
        let got: Vec<String> = run
            .rt
            .journal()
            .all_attempts()
            .map_err(|e| format!("attempts: journal unreadable: {e}"))?
            .into_iter()
            .map(|a| match a.outcome {
                Some(o) => format!("{} {o}", a.state.as_str()),
                None => a.state.as_str().to_string(),
            })
            .collect();
        let fits = got.len() == want.len()
            && got.iter().zip(want).all(|(g, w)| {
                let (state, rest) = g.split_once(' ').unwrap_or((g.as_str(), ""));
                let (wstate, wrest) = w.split_once(' ').unwrap_or((w.as_str(), ""));
                state == wstate && rest.contains(wrest)
            });
        if !fits {
            return Err(format!(
                "attempts: expected {want:?}, the journal has {got:?}"
            ));
        }
    }
    if let Some(want) = &e.ledger {
        let got: Vec<String> = run
            .rt
            .network()
            .ledger_payments()
            .into_iter()
            .map(|p| match p.charged {
                Some(m) => format!("{:?} {}", p.stage, m.with_code()),
                None => format!("{:?}", p.stage),
            })
            .collect();
        let fits = got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| g == w || g.split(' ').next() == Some(w.as_str()));
        if !fits {
            return Err(format!(
                "ledger: expected {want:?}, the network has {got:?}"
            ));
        }
    }
    if let Some(want) = &e.balance {
        for (who, amount) in want {
            let want = parse_money(amount)?;
            let got = run.rt.network().balance(&ShopperId(who.clone()));
            if got != Some(want) {
                return Err(format!(
                    "balance of {who}: expected {}, the network has {}",
                    want.with_code(),
                    got.map_or("none".into(), |m| m.with_code())
                ));
            }
        }
    }
    let moves = run.rt.network().balance_moves();
    for (want, kind, name) in [
        (e.charges, MoveKind::Charge, "charges"),
        (e.refunds, MoveKind::Refund, "refunds"),
        (e.reversals, MoveKind::Reversal, "reversals"),
    ] {
        if let Some(want) = want {
            let got = moves.iter().filter(|m| m.kind == kind).count();
            if got != want {
                return Err(format!("{name}: expected {want}, the network moved {got}"));
            }
        }
    }
    if let Some(want) = e.prints
        && run.printed != want
    {
        return Err(format!(
            "prints: expected {want} receipt(s) printed, got {}",
            run.printed
        ));
    }
    if e.receipt.is_some() || e.receipt_lacks.is_some() {
        let sale = run.sales().pop().ok_or("receipt: no sale in the journal")?;
        let text = render_text_string(&receipt_for(&sale, run.config(), None), PaperWidth::W48);
        let lines: Vec<String> = text.lines().map(collapse).collect();
        for w in e.receipt.iter().flatten() {
            let w = collapse(w);
            if !lines.iter().any(|l| l.contains(&w)) {
                return Err(format!("receipt: no line contains {w:?}:\n{text}"));
            }
        }
        for w in e.receipt_lacks.iter().flatten() {
            if text.contains(w.as_str()) {
                return Err(format!("receipt: {w:?} should not be printed:\n{text}"));
            }
        }
    }
    let trace = &run.rt.checkout.trace;
    if let Some(want) = &e.sent {
        for (call, n) in want {
            let got = trace
                .iter()
                .filter(|t| t.outgoing && t.call == call)
                .count();
            if got != *n {
                return Err(format!(
                    "sent: expected {n} {call} request(s), the counter sent {got}"
                ));
            }
        }
    }
    if let Some(want) = &e.heard {
        let heard: Vec<String> = trace
            .iter()
            .filter(|t| !t.outgoing)
            .map(|t| format!("{} {}", t.call, t.detail))
            .collect();
        for w in want {
            if !heard.iter().any(|h| h == w) {
                return Err(format!(
                    "heard: no reply {w:?}; the counter heard {heard:?}"
                ));
            }
        }
    }
    if let Some(limit) = &e.elapsed_at_most {
        let limit = super::duration::parse_duration(limit)?.as_millis() as i64;
        if run.elapsed_ms() > limit {
            return Err(format!(
                "elapsed: expected at most {limit} ms, {} ms have passed",
                run.elapsed_ms()
            ));
        }
    }
    if let Some(want) = &e.refunded {
        let lane = run.config().store.lane_id.clone();
        let last = run
            .sales()
            .pop()
            .ok_or("refunded: no sale in the journal")?;
        let got = run
            .rt
            .journal()
            .refunded_total(&lane, last.sale_no)
            .map_err(|e| format!("refunded: journal unreadable: {e}"))?
            .map_or("none".to_string(), |m| m.with_code());
        if &got != want {
            return Err(format!("refunded: expected {want}, the journal has {got}"));
        }
    }
    if let Some(want) = e.reconciled {
        let r = crate::reconcile::reconcile(run.rt.journal(), run.rt.network().ledger())
            .map_err(|e| format!("reconcile: {e}"))?;
        let clean = r.problems.is_empty();
        if clean != want {
            return Err(format!(
                "reconciled: expected {want}, got {clean}: {}",
                r.report()
            ));
        }
    }
    Ok(())
}

/// The screen's text as the reader sees it: each row, and each boxed panel's rows joined into
/// one text (the views wrap long messages over several rows of a panel), whitespace collapsed.
fn panel_texts(rows: &[String]) -> Vec<String> {
    let mut panels: Vec<String> = Vec::new();
    for row in rows {
        for (i, cell) in row.split('│').enumerate() {
            if panels.len() <= i {
                panels.push(String::new());
            }
            panels[i].push(' ');
            panels[i].push_str(cell);
        }
    }
    rows.iter()
        .map(|r| collapse(r))
        .chain(panels.iter().map(|p| collapse(p)))
        .collect()
}
