//! Every screen string in one place, so wording stays consistent and can be translated later.

pub const SCAN_PROMPT: &str = "Scan or type a barcode, then Enter · / to search by name";
pub const EMPTY_BASKET: &str = "Basket is empty — scan an item to start a sale";
pub const BASKET_TITLE: &str = " Basket ";
pub const TOTAL: &str = "TOTAL";
pub const SUBTOTAL: &str = "Subtotal";
pub const TAX: &str = "Tax";
pub const PAY_OPTIONS_TITLE: &str = " Payment ";
pub const PAY_KEYS: [&str; 6] = [
    "[F5] Wallet QR (shopper scans)",
    "[F6] Scan payment code",
    "[F7] Tap",
    "[F8] Card tap",
    "[F9] Cash",
    "[F4] Static code",
];
pub const SEARCH_TITLE: &str = " Search by name ";
pub const SEARCH_HINT: &str = "Type part of a name; matches narrow as you type";
pub const SEARCH_NONE: &str = "No item matches";
pub const CASH_TITLE: &str = " Cash ";
pub const CASH_PROMPT: &str = "Amount tendered";
pub const QUICK_TENDERS: &str = "Quick tenders";
pub const CHANGE_DUE: &str = "Change due";
pub const CONFIRM_CLEAR: &str = "Clear the whole basket? y = yes, n = no";
pub const QUANTITY_PROMPT: &str = "New quantity (0 voids), then Enter";
pub const COMMITTING: &str = "Saving the sale…";
pub const RECEIPT_TITLE: &str = " Receipt ";
pub const PRINTING: &str = "Printing…";
pub const PRINTED: &str = "Receipt printed · Enter for the next customer";
pub const NOT_PRINTED: &str = "Receipt not printed";
pub const HELP_TITLE: &str = " Help — any key closes ";
pub const ENLARGE: &str = "Enlarge the terminal";
