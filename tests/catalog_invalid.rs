//! One fixture per way a catalogue can be wrong; each asserts the exact report, line included.

use qrtill::catalog;
use qrtill::checkout::tax::{TaxCategory, TaxPoint, TaxRules};
use qrtill::cli::catalog::check;
use qrtill::money::{Currency, Decimal, Rounding};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/catalog")
        .join(name)
}

fn us_codes() -> BTreeSet<String> {
    ["food", "prepared", "general"]
        .map(String::from)
        .into_iter()
        .collect()
}

/// The report for a fixture, with the file path shortened to the file name.
fn report(name: &str) -> Vec<String> {
    let path = fixture(name);
    let err = match catalog::open(&path, &us_codes(), Currency::USD) {
        Ok(c) => panic!("{name} loaded {} items but should be refused", c.len()),
        Err(e) => e,
    };
    assert_eq!(err.file, path);
    err.to_string()
        .lines()
        .map(|l| {
            l.strip_prefix(path.to_string_lossy().as_ref())
                .map(|rest| format!("{name}{rest}"))
                .unwrap_or_else(|| l.to_string())
        })
        .collect()
}

#[test]
fn a_duplicate_barcode_names_both_lines_even_across_upc_a_and_ean_13() {
    assert_eq!(
        report("duplicate_barcode.toml"),
        [
            "duplicate_barcode.toml:7: duplicate barcode 0036000291452: the same product as line 1 (Bottled water 500ml); give each item its own barcode"
        ]
    );
}

#[test]
fn a_bad_check_digit_gives_the_expected_digit() {
    assert_eq!(
        report("bad_check_digit.toml"),
        [
            "bad_check_digit.toml:8: bad check digit in 4006381333932: the last digit is 2, expected 1"
        ]
    );
}

#[test]
fn a_negative_price_is_refused() {
    assert_eq!(
        report("negative_price.toml"),
        ["negative_price.toml:4: price -1.50 is negative: a price is 0 or more"]
    );
}

#[test]
fn a_badly_formatted_price_shows_the_expected_form() {
    assert_eq!(
        report("badly_formatted_price.toml"),
        [
            r#"badly_formatted_price.toml:4: price '4,50' is not an amount: write digits with an optional '.', e.g. "4.50""#
        ]
    );
}

#[test]
fn a_price_with_more_decimals_than_the_currency_allows_is_refused() {
    assert_eq!(
        report("too_many_decimals.toml"),
        ["too_many_decimals.toml:4: price 2.755 has 3 decimals but USD allows 2"]
    );
}

#[test]
fn an_unknown_tax_category_lists_the_known_ones() {
    assert_eq!(
        report("unknown_tax_category.toml"),
        [
            "unknown_tax_category.toml:5: unknown tax category 'alcohol': use one of food, general, prepared"
        ]
    );
}

#[test]
fn a_missing_field_is_reported_at_the_item_header() {
    assert_eq!(
        report("missing_field.toml"),
        [
            "missing_field.toml:1: missing field price: every item needs barcode, name, price and tax"
        ]
    );
}

#[test]
fn an_unknown_key_is_refused() {
    assert_eq!(
        report("unknown_key.toml"),
        ["unknown_key.toml:6: unknown key 'colour': an item has only barcode, name, price and tax"]
    );
}

#[test]
fn a_csv_row_with_too_few_fields_is_refused() {
    assert_eq!(
        report("bad_csv_row.csv"),
        ["bad_csv_row.csv:3: bad CSV row: expected 4 fields (barcode,name,price,tax), found 3"]
    );
}

#[test]
fn a_toml_syntax_error_points_at_its_line() {
    assert_eq!(
        report("toml_syntax_error.toml"),
        ["toml_syntax_error.toml:3: TOML syntax error: invalid basic string, expected `\"`"]
    );
}

#[test]
fn every_problem_in_a_file_is_reported_not_only_the_first() {
    assert_eq!(
        report("many_problems.csv"),
        [
            "many_problems.csv:3: bad check digit in 4006381333932: the last digit is 2, expected 1",
            "many_problems.csv:4: price -1.99 is negative: a price is 0 or more",
            "many_problems.csv:5: price 1.999 has 3 decimals but USD allows 2",
            "many_problems.csv:6: unknown tax category 'soda': use one of food, general, prepared",
            "many_problems.csv:6: duplicate barcode 0036000291452: the same product as line 4; give each item its own barcode",
        ]
    );
}

#[test]
fn a_valid_csv_loads_and_a_upc_a_scan_finds_its_item() {
    let c = catalog::open(&fixture("valid.csv"), &us_codes(), Currency::USD).unwrap();
    assert_eq!(c.len(), 3);
    assert_eq!(
        c.lookup("0036000291452").unwrap().name,
        "Bottled water 500ml"
    );
    assert_eq!(c.lookup("96385074").unwrap().name, "Gum, spearmint");
}

fn us_tax() -> TaxRules {
    let cat = |rate: &str| TaxCategory {
        rate: rate.parse::<Decimal>().unwrap(),
        label: "x".into(),
    };
    TaxRules {
        categories: BTreeMap::from([
            ("food".into(), cat("0")),
            ("prepared".into(), cat("0.0875")),
            ("general".into(), cat("0.0875")),
        ]),
        point: TaxPoint::PerReceipt,
        rounding: Rounding::HalfUp,
    }
}

#[test]
fn catalog_check_exits_0_with_a_count_for_a_good_file() {
    let (out, err, code) = check(&fixture("valid.csv"), &us_tax(), Currency::USD);
    assert_eq!((out.as_str(), err.as_str(), code), ("3 items OK\n", "", 0));
}

#[test]
fn catalog_check_exits_2_with_every_problem_for_a_bad_file() {
    let path = fixture("many_problems.csv");
    let (out, err, code) = check(&path, &us_tax(), Currency::USD);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].starts_with(&format!("{}:3: ", path.display())));
    assert_eq!(lines[5], "5 problems: fix them and run the check again");
}

#[test]
fn catalog_check_refuses_a_missing_file_and_an_unknown_extension() {
    let (_, err, code) = check(&fixture("no_such_file.toml"), &us_tax(), Currency::USD);
    assert_eq!(code, 2);
    assert!(err.contains("no_such_file.toml: cannot read:"), "{err}");
    let (_, err, code) = check(&fixture("README.md"), &us_tax(), Currency::USD);
    assert_eq!(code, 2);
    assert!(err.contains("unknown catalogue format: name the file .toml or .csv"));
}
