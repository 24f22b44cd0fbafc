//! Starts what the counter serves besides its own terminal: the socket for `qrtill display`
//! and `qrtill phone`, and the web phone when asked for.

use super::events::Inject;
use super::publisher::Publisher;
use super::server::LinkServer;
use super::web::{Persona, WebPhone};
use crate::cli::args::Cli;
use crate::cli::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::clock::Clock;
use crate::network::{Network, WalletMode};
use crate::runtime::Runtime;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// What the counter calls, once its input channel exists, to start its second screens.
pub type AttachScreens<'a> =
    dyn Fn(&mut Runtime<crate::clock::SystemClock>, Inject) -> Result<(), Outcome> + 'a;

/// `PORT` (loopback) or `ADDR:PORT`.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!("'{text}' is not PORT or ADDR:PORT (e.g. 8080, 127.0.0.1:8080, 0.0.0.0:8080)")
    })
}

/// The shoppers whose wallet can scan a merchant's QR: the web phone's personas.
pub fn personas(network: &Network) -> Vec<Persona> {
    network
        .shoppers()
        .iter()
        .filter_map(|s| {
            let w = network.book().wallet(&s.wallet)?;
            w.supports(WalletMode::OrderCode).then(|| Persona {
                id: s.id.0.clone(),
                name: s.name.clone(),
                brand: w.brand.clone(),
            })
        })
        .collect()
}

/// Listens on the socket (a failure is logged: the counter works without second screens) and
/// starts the web phone (a bad or busy address ends the counter with exit 2 before it opens).
pub fn attach<C: Clock>(
    runtime: &mut Runtime<C>,
    inject: Inject,
    cli: &Cli,
    setup: &Setup,
) -> Result<(), Outcome> {
    let web = match cli
        .web_phone
        .as_deref()
        .map(|t| ("--web-phone", t))
        .or(setup
            .config
            .web_phone
            .listen
            .as_deref()
            .map(|t| ("web_phone.listen", t)))
    {
        None => None,
        Some((source, text)) => {
            let addr = parse_listen(text)
                .map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {source}: {e}")))?;
            let web = WebPhone::start(
                addr,
                inject.clone(),
                personas(runtime.network()),
                setup.config.store.name.clone(),
            )
            .map_err(|e| {
                Outcome::fail(
                    EXIT_BAD_INPUT,
                    format!("qrtill: {source}: cannot listen on {addr}: {e}"),
                )
            })?;
            Some(web)
        }
    };
    let link = match LinkServer::start(&setup.data_dir, inject) {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "no socket for second screens");
            None
        }
    };
    runtime.observe_with(Box::new(Publisher::new(
        setup.config.store.name.clone(),
        link,
        web,
    )));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_is_loopback_and_an_address_is_kept() {
        assert_eq!(
            parse_listen("8080"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 8080)))
        );
        assert_eq!(
            parse_listen("0.0.0.0:9000"),
            Ok(SocketAddr::from(([0, 0, 0, 0], 9000)))
        );
        assert!(parse_listen("localhost").is_err());
    }
}
