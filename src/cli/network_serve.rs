//! `qrtill network serve`: the simulated payment network as one long-running service.

use super::args::Cli;
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use std::io::Write;

pub fn run(cli: &Cli, setup: &Setup, listen: &str) -> Outcome {
    let _log_guard = super::counter::init_logging(setup);
    let network = match super::counter::open_network(cli, setup) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let listener = match std::net::TcpListener::bind(listen) {
        Ok(l) => l,
        Err(e) => {
            return Outcome::fail(
                EXIT_BAD_INPUT,
                format!("qrtill: --listen {listen}: cannot listen there: {e}"),
            );
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => return Outcome::fail(1, format!("qrtill: --listen {listen}: {e}")),
    };
    // Tests and scripts read the chosen port from this line.
    println!("qrtill network serve: listening on http://{addr}");
    if let Err(e) = std::io::stdout().flush() {
        tracing::warn!(error = %e, "stdout not flushed");
    }
    tracing::info!(%addr, data = %setup.data_dir.display(), "network service open");
    match crate::netserve::serve(network, crate::netserve::ServeOptions { listener }) {
        Ok(()) => Outcome::ok(Vec::new()),
        Err(e) => Outcome::fail(1, format!("qrtill: network service stopped: {e}")),
    }
}
