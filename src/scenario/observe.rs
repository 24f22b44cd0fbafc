//! What a scenario can see of the counter: a one-word status for each screen, and the text of
//! the screen as the TUI draws it.

use crate::checkout::payment::PayStatus;
use crate::checkout::{Checkout, Screen};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::network::Network;

/// One word (plus a code for declines) for what the counter shows; scenario files compare these.
pub fn status_label(screen: &Screen) -> String {
    match screen {
        Screen::Pay(p) => match &p.status {
            PayStatus::AwaitingCode => "AwaitingCode".into(),
            PayStatus::AwaitingTap => "AwaitingTap".into(),
            PayStatus::AwaitingCard => "AwaitingCard".into(),
            PayStatus::Sending => "Sending".into(),
            PayStatus::WaitingForScan => "WaitingForScan".into(),
            PayStatus::ShopperConfirming => "ShopperConfirming".into(),
            PayStatus::Cancelling { .. } => "Cancelling".into(),
            PayStatus::Approved => "Approved".into(),
            PayStatus::Declined { code, .. } => format!("Declined {code}"),
            PayStatus::Cancelled {
                refunded: false, ..
            } => "Cancelled".into(),
            PayStatus::Cancelled { refunded: true, .. } => "Cancelled refunded".into(),
            PayStatus::NeedsManual { .. } => "NeedsManual".into(),
        },
        Screen::Receipt { .. } => "Receipt".into(),
        Screen::Basket => "Basket".into(),
        Screen::Committing => "Committing".into(),
        Screen::Search(_) => "Search".into(),
        Screen::Quantity { .. } => "Quantity".into(),
        Screen::ConfirmClear => "ConfirmClear".into(),
        Screen::Cash { .. } => "Cash".into(),
        Screen::Static(_) => "Static".into(),
        Screen::History(_) => "History".into(),
        Screen::SaleDetail(_) => "SaleDetail".into(),
        Screen::Refund(_) => "Refund".into(),
        Screen::Shift(_) => "Shift".into(),
        Screen::Training(_) => "Training".into(),
    }
}

/// Width and height of the frame `screen_text` draws.
pub const SCREEN_SIZE: (u16, u16) = (100, 32);

/// The counter's screen as text, one string per row (trailing spaces trimmed), drawn by the
/// same view the TUI uses.
pub fn screen_text(
    checkout: &Checkout,
    config: &Config,
    now: Timestamp,
    network: &Network,
) -> Vec<String> {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let panes = crate::ui::Panes::default();
    let view = crate::ui::CounterView {
        checkout,
        config,
        now,
        network: Some(network),
        panes: &panes,
    };
    let Ok(mut terminal) = Terminal::new(TestBackend::new(SCREEN_SIZE.0, SCREEN_SIZE.1));
    if terminal.draw(|f| f.render_widget(&view, f.area())).is_err() {
        return vec![];
    }
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            let mut row = String::new();
            for x in 0..buf.area.width {
                row.push_str(buf[(x, y)].symbol());
            }
            row.trim_end().to_string()
        })
        .collect()
}

/// `text` with runs of whitespace collapsed to one space (drawn layouts pad with spaces).
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
