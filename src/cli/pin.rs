//! `qrtill pin set`: stores the supervisor PIN as an argon2id hash in the data directory. The
//! PIN is read masked from a terminal (twice), or as the first line of standard input when
//! that is not a terminal. It is never echoed, logged or written anywhere in clear.

use super::{EXIT_BAD_INPUT, Outcome, Setup};
use std::io::{BufRead, IsTerminal};

#[derive(Debug, clap::Subcommand)]
pub enum PinCommand {
    /// Set (or replace) the supervisor PIN: 4 to 12 digits.
    Set,
}

pub fn run(setup: &Setup, cmd: &PinCommand) -> Outcome {
    match cmd {
        PinCommand::Set => set(setup),
    }
}

fn set(setup: &Setup) -> Outcome {
    if let Err(o) = setup.ensure_data_dir() {
        return o;
    }
    let pin = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New supervisor PIN (4-12 digits): ");
        let again = rpassword::prompt_password("Same PIN again: ");
        match (first, again) {
            (Ok(a), Ok(b)) if a == b => a,
            (Ok(_), Ok(_)) => {
                return Outcome::fail(EXIT_BAD_INPUT, "qrtill: the two PINs differ: nothing set");
            }
            (Err(e), _) | (_, Err(e)) => {
                return Outcome::fail(1, format!("qrtill: cannot read the PIN: {e}"));
            }
        }
    } else {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
            return Outcome::fail(1, format!("qrtill: cannot read the PIN from stdin: {e}"));
        }
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    match crate::pin::store(&setup.data_dir, &pin) {
        Ok(()) => Outcome::ok(format!(
            "supervisor PIN set (argon2id hash in {})\n",
            crate::pin::pin_path(&setup.data_dir).display()
        )),
        Err(crate::pin::PinError::BadFormat) => Outcome::fail(
            EXIT_BAD_INPUT,
            "qrtill: a PIN is 4 to 12 digits: nothing set",
        ),
        Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
    }
}
