//! Configuration: embedded defaults (`assets/store.toml`), then a user file over them, then
//! command-line flags over that. Reading is strict: an unknown key is an error naming file and
//! line. A field missing from the user file keeps its embedded default.

use crate::checkout::slip::SlipStore;
use crate::checkout::tax::TaxRules;
use crate::money::{Currency, currency_from_code};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DEFAULT_STORE_TOML: &str = include_str!("../assets/store.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `file:line: message`, like the catalogue's problems (`file: message` without a line).
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub store: Store,
    pub merchant: Merchant,
    pub tax: TaxRules,
    pub receipt: ReceiptSettings,
    pub printer: PrinterSettings,
    /// The audience's phone (`--web-phone` overrides it).
    #[serde(default)]
    pub web_phone: WebPhoneSettings,
    /// Denominations and PIN thresholds of the cash drawer (embedded USD defaults).
    #[serde(default)]
    pub drawer: crate::shift::DrawerSettings,
    /// The fees of the simulated network's settlement files.
    #[serde(default)]
    pub settlement: crate::settlement::SettlementSettings,
    /// `[refund]`: reasons, PIN threshold, cash when a wallet refuses (all optional).
    #[serde(default)]
    pub refund: crate::checkout::refund::policy::RefundPolicy,
    /// `[network] url`: a lane of a store shares `qrtill network serve` (absent: in-process).
    #[serde(default)]
    pub network: NetworkSettings,
}

/// `[web_phone] listen = "127.0.0.1:8080"`: serve the web phone there (`crate::link::web`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebPhoneSettings {
    pub listen: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSettings {
    /// e.g. `http://127.0.0.1:8700`
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Store {
    pub name: String,
    pub address: Vec<String>,
    pub store_id: String,
    pub lane_id: String,
    pub terminal_id: String,
    pub cashier: String,
    pub currency: String,
    pub utc_offset_minutes: i32,
    /// `postgres://…` of the store ledger this lane replicates to (absent: a lone lane).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Merchant {
    pub name: String,
    pub city: String,
    pub country: String,
    pub mcc: String,
    pub guid: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptSettings {
    pub width: u16,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterSettings {
    pub target: String,
    pub charset: String,
    /// `native`, `raster` or `native-only` (see `receipt::TextMode`).
    pub text: String,
}

fn embedded_table() -> toml::Table {
    // The embedded file is part of the binary and covered by a test; it cannot be malformed.
    #[allow(clippy::expect_used)]
    DEFAULT_STORE_TOML
        .parse::<toml::Table>()
        .expect("embedded assets/store.toml is valid TOML")
}

impl Default for Config {
    fn default() -> Self {
        #[allow(clippy::expect_used)]
        embedded_table()
            .try_into()
            .expect("embedded assets/store.toml matches Config")
    }
}

/// Lays `over` onto `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// The 1-based line of `text` where `key` is assigned or its table opens, if it can be found.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let bare = l.trim_start_matches('[').trim_start_matches('"');
            (bare.starts_with(key) && {
                let rest = bare[key.len()..].trim_start();
                rest.starts_with('=')
                    || rest.starts_with(']')
                    || rest.starts_with('.')
                    || rest.starts_with('"')
            }) || l.starts_with(&format!("[{key}"))
        })
        .map(|i| i + 1)
}

impl Config {
    /// Parses a user config file's text over the embedded defaults, then checks the values.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let invalid = |line: Option<usize>, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        // Syntax errors carry the byte span of the mistake.
        let user: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            invalid(line, e.message().trim().to_string())
        })?;
        let mut merged = embedded_table();
        merge(&mut merged, user);
        let config: Config = merged.try_into().map_err(|e: toml::de::Error| {
            let message = one_line(&e.to_string());
            // Shape errors name the key; point at the line where the user wrote it.
            let key = message
                .split('`')
                .nth(1)
                .and_then(|k| k.rsplit('.').next())
                .map(str::to_string)
                .unwrap_or_default();
            invalid(line_of_key(text, &key).filter(|_| !key.is_empty()), message)
        })?;
        config.validate(path)?;
        Ok(config)
    }

    /// Loads `path` if it exists; a missing file means "defaults".
    pub fn load_optional(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_toml(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Loads `path`, which must exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    pub fn currency(&self) -> Currency {
        // Validated at load time; the fallback only guards hand-built configs in tests.
        currency_from_code(&self.store.currency).unwrap_or(Currency::USD)
    }

    /// What the counter's dynamic EMV QR code says about the merchant.
    pub fn merchant_qr_info(&self) -> crate::emv::MerchantQrInfo {
        crate::emv::MerchantQrInfo {
            merchant_name: self.merchant.name.clone(),
            merchant_city: self.merchant.city.clone(),
            mcc: self.merchant.mcc.clone(),
            country: self.merchant.country.clone(),
            guid: self.merchant.guid.clone(),
            merchant_id: self.merchant.id.clone(),
            default_currency: self.currency(),
        }
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: None,
            message,
        };
        let currency = currency_from_code(&self.store.currency)
            .map_err(|e| bad(format!("store.currency: {e}")))?;
        crate::money::minor_units(currency).map_err(|e| bad(format!("store.currency: {e}")))?;
        if ![32, 42, 48].contains(&self.receipt.width) {
            return Err(bad(format!(
                "receipt.width = {}: use 32 (58 mm paper), 42 or 48 (80 mm paper)",
                self.receipt.width
            )));
        }
        if !["auto", "en"].contains(&self.receipt.language.as_str()) {
            return Err(bad(format!(
                "receipt.language = \"{}\": use \"auto\" (by wallet) or \"en\"",
                self.receipt.language
            )));
        }
        if !(-14 * 60..=14 * 60).contains(&self.store.utc_offset_minutes) {
            return Err(bad(format!(
                "store.utc_offset_minutes = {}: use minutes between -840 and 840",
                self.store.utc_offset_minutes
            )));
        }
        if self.merchant.mcc.len() != 4 || !self.merchant.mcc.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(format!(
                "merchant.mcc = \"{}\": use a 4-digit merchant category code such as \"5814\"",
                self.merchant.mcc
            )));
        }
        if let Some(url) = &self.network.url
            && !url.starts_with("http://")
        {
            return Err(bad(format!(
                "network.url = \"{url}\": use http://HOST:PORT of `qrtill network serve`"
            )));
        }
        if let Err(e) = self.printer.target.parse::<crate::printer::PrinterTarget>() {
            return Err(bad(format!("printer.target: {e}")));
        }
        if let Err(e) = self
            .printer
            .charset
            .parse::<crate::receipt::PrinterCharset>()
        {
            return Err(bad(format!("printer.charset: {e}")));
        }
        if let Err(e) = self.printer.text.parse::<crate::receipt::TextMode>() {
            return Err(bad(format!("printer.text: {e}")));
        }
        if self.merchant.country.len() != 2 {
            return Err(bad(format!(
                "merchant.country = \"{}\": use a 2-letter ISO 3166 code such as \"US\"",
                self.merchant.country
            )));
        }
        Ok(())
    }
}

/// toml errors span several lines (position, a source excerpt with a caret, the message); keep
/// the position and the message on one line.
fn one_line(s: &str) -> String {
    let lines: Vec<&str> = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.starts_with(char::is_numeric))
        .collect();
    lines.join(": ")
}

/// Where the counter keeps its journal, ledger, logs and user config.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("QRTILL_DATA").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "qrtill")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".qrtill"))
}

impl SlipStore for Config {
    fn store_name(&self) -> &str {
        &self.store.name
    }
    fn address_lines(&self) -> &[String] {
        &self.store.address
    }
    fn store_id(&self) -> &str {
        &self.store.store_id
    }
    fn terminal_id(&self) -> &str {
        &self.store.terminal_id
    }

    fn lane_id(&self) -> &str {
        &self.store.lane_id
    }
    fn cashier(&self) -> &str {
        &self.store.cashier
    }
    fn utc_offset_minutes(&self) -> i32 {
        self.store.utc_offset_minutes
    }
    fn english_only(&self) -> bool {
        self.receipt.language == "en"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_are_valid() {
        let c = Config::default();
        c.validate(Path::new("assets/store.toml")).unwrap();
        assert_eq!(c.currency(), Currency::USD);
        assert_eq!(c.receipt.width, 42);
    }

    #[test]
    fn a_user_file_overrides_only_what_it_names() {
        let c = Config::from_toml("[receipt]\nwidth = 32\n", Path::new("u.toml")).unwrap();
        assert_eq!(c.receipt.width, 32);
        assert_eq!(c.receipt.language, "auto");
        assert_eq!(c.store.name, Config::default().store.name);
    }

    #[test]
    fn an_unknown_key_names_file_and_line() {
        let err = Config::from_toml("[receipt]\nwidht = 32\n", Path::new("u.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("u.toml:2: "), "{err}");
        assert!(err.contains("widht"), "{err}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let err = Config::from_toml("[receipt]\nwidth = 32\n[store\n", Path::new("u.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("u.toml:3: "), "{err}");
    }

    #[test]
    fn a_bad_width_says_what_to_use() {
        let err = Config::from_toml("[receipt]\nwidth = 40\n", Path::new("u.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("use 32"), "{err}");
    }
}
