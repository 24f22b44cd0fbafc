//! qrtill's binary: parses the command line, loads configuration and catalogue (bad input exits
//! with code 2 and a message naming the file and line), sets up logging to a file, and runs the
//! counter in the terminal, or a one-shot subcommand.

use clap::Parser;
use qrtill::cli::args::{CatalogCommand, Cli, Command, NetworkCommand, QrCommand};
use qrtill::cli::{Outcome, Setup};
use std::process::ExitCode;

/// The counter and the subcommands that write the journal or the ledger take the data
/// directory for themselves; `receipt`, `qr`, `catalog` and `reconcile --dry-run` only read and
/// run beside them.
fn writes_data(command: &Option<Command>) -> bool {
    matches!(
        command,
        None | Some(Command::Simulate(_))
            | Some(Command::Reconcile { dry_run: false, .. })
            | Some(Command::Network(_))
            | Some(Command::Shift(_))
            | Some(Command::Refund(_))
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let setup = match Setup::load(&cli) {
        Ok(s) => s,
        Err(outcome) => return outcome.emit(),
    };
    // Held until the process exits: one counter or writing subcommand per data directory.
    let _data_lock = if writes_data(&cli.command) {
        match setup.take_for_writing() {
            Ok(lock) => Some(lock),
            Err(outcome) => return outcome.emit(),
        }
    } else {
        None
    };
    let outcome = match &cli.command {
        None => qrtill::cli::counter::run(&cli, &setup),
        Some(Command::Receipt(args)) => {
            qrtill::cli::receipt::run(&setup, args, cli.printer.as_deref())
        }
        Some(Command::Sales(args)) => {
            // Rows go straight to stdout as they are read: the list is never held whole.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            qrtill::cli::sales::run(&setup, args, &mut out)
        }
        Some(Command::Simulate(args)) => qrtill::cli::simulate::run(&cli, &setup, args),
        Some(Command::Refund(args)) => qrtill::cli::refund::run(&cli, &setup, args),
        Some(Command::Pin(cmd)) => qrtill::cli::pin::run(&setup, cmd),
        Some(Command::Reconcile {
            dry_run: false,
            ledger: _,
        }) => qrtill::cli::reconcile::run(&cli, &setup),
        Some(Command::Reconcile {
            dry_run: true,
            ledger,
        }) => qrtill::cli::reconcile::run_dry(&setup, ledger.as_deref()),
        Some(Command::Catalog(CatalogCommand::Check { file })) => {
            let (stdout, stderr, code) =
                qrtill::cli::catalog::check(file, &setup.config.tax, setup.config.currency());
            Outcome {
                stdout: stdout.into_bytes(),
                stderr: (!stderr.is_empty()).then_some(stderr),
                code,
            }
        }
        Some(Command::Store(args)) => qrtill::cli::store::run(&setup, args),
        Some(Command::Network(NetworkCommand::Serve { listen })) => {
            qrtill::cli::network_serve::run(&cli, &setup, listen)
        }
        Some(Command::Display) => qrtill::cli::display::run(&setup),
        Some(Command::Phone { shopper }) => qrtill::cli::phone::run(&setup, shopper.as_deref()),
        Some(Command::Report(args)) => qrtill::cli::report::run(&setup, args),
        Some(Command::Shift(cmd)) => qrtill::cli::shift::run(&setup, cmd),
        Some(Command::Settle(args)) => qrtill::cli::settle::run(&setup, args),
        Some(Command::Play(args)) => qrtill::cli::play::run(args),
        Some(Command::Demo(args)) => qrtill::cli::demo::run(args),
        Some(Command::Qr(cmd)) => {
            let out = match cmd {
                QrCommand::Decode { payload } => qrtill::cli::qr::decode(payload),
                QrCommand::Verify { payload } => qrtill::cli::qr::verify(payload),
                QrCommand::Encode {
                    amount,
                    currency,
                    bill,
                } => qrtill::cli::qr::encode(
                    amount,
                    currency.as_deref(),
                    bill.as_deref(),
                    &setup.config.merchant_qr_info(),
                ),
                QrCommand::Show { payload } => qrtill::cli::qr::show(payload),
            };
            Outcome {
                stdout: out.stdout.into_bytes(),
                stderr: out.stderr,
                code: out.exit_code,
            }
        }
    };
    outcome.emit()
}
