//! `qrtill catalog check FILE`: validate a catalogue and report every problem.

use crate::catalog;
use crate::checkout::tax::TaxRules;
use crate::money::Currency;
use std::path::Path;

/// Exit code for an invalid catalogue.
pub const EXIT_INVALID: i32 = 2;

/// Checks a `.toml` or `.csv` catalogue against the store's tax rules and currency.
///
/// Returns (stdout, stderr, exit code): `"N items OK"` and 0, or one `file:line: message`
/// per problem and [`EXIT_INVALID`].
pub fn check(path: &Path, tax: &TaxRules, currency: Currency) -> (String, String, i32) {
    match catalog::open(path, &tax.codes(), currency) {
        Ok(c) => {
            let s = if c.len() == 1 { "" } else { "s" };
            (format!("{} item{s} OK\n", c.len()), String::new(), 0)
        }
        Err(e) => {
            let n = e.problems.len();
            let s = if n == 1 { "" } else { "s" };
            (
                String::new(),
                format!("{e}\n{n} problem{s}: fix them and run the check again\n"),
                EXIT_INVALID,
            )
        }
    }
}
