//! Every shipped scenario file (assets/scenarios/, the §10 library and the demo scripts) plays
//! to the end with all its expectations met; the event log of a run is the same byte for byte
//! when played again; and each file's expectations can fail: changing any one of them makes the
//! run fail at that step.

use qrtill::scenario::{self, Scenario};
use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn library() -> Vec<PathBuf> {
    files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios"))
}

fn demos() -> Vec<PathBuf> {
    files_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/demo"))
}

fn load(path: &Path) -> Scenario {
    scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_library_holds_every_section_10_scenario() {
    let names: Vec<String> = library()
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for n in 1..=35 {
        let prefix = format!("s{n:02}-");
        assert!(
            names.iter().any(|f| f.starts_with(&prefix)),
            "no file for §10 scenario {n} in {names:?}"
        );
    }
    assert!(demos().len() >= 3, "at least three demo scripts");
}

#[test]
fn every_shipped_scenario_passes() {
    let mut failed = Vec::new();
    for path in library().iter().chain(demos().iter()) {
        let s = load(path);
        let played = scenario::play(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if let Some(f) = played.failure {
            failed.push(format!("{}:{}: {}", path.display(), f.line, f.message));
        } else {
            assert_eq!(played.steps, s.steps.len(), "{}", path.display());
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn the_same_seed_gives_the_same_event_log() {
    for path in library().iter().chain(demos().iter()) {
        let s = load(path);
        let a = scenario::play(&s).expect("plays").events;
        let b = scenario::play(&s).expect("plays").events;
        assert!(a.len() > 3, "{}: a log with events", path.display());
        assert_eq!(a.join("\n"), b.join("\n"), "{}", path.display());
    }
}

/// `line` with one expectation changed so that it no longer holds: the first digit moved on by
/// one, or else the first quoted string given an extra letter, or a boolean flipped. `None` for
/// lines with nothing to change, or whose check tolerates the change (an upper bound, an absence).
fn break_expectation(line: &str) -> Option<String> {
    if !line.trim_start().starts_with("expect.")
        || line.contains("receipt_lacks")
        || line.contains("elapsed_at_most")
    {
        return None;
    }
    let value_at = line.find('=')? + 1;
    let (key, value) = line.split_at(value_at);
    if let Some(i) = value.find(|c: char| c.is_ascii_digit()) {
        let d = value[i..].chars().next()?.to_digit(10)?;
        let next = char::from_digit((d + 1) % 10, 10)?;
        return Some(format!("{key}{}{next}{}", &value[..i], &value[i + 1..]));
    }
    if value.contains("true") {
        return Some(format!("{key}{}", value.replacen("true", "false", 1)));
    }
    let open = value.find('"')?;
    let close = open + 1 + value[open + 1..].find('"')?;
    Some(format!("{key}{}X{}", &value[..close], &value[close..]))
}

#[test]
fn breaking_any_expectation_fails_the_run_at_its_step() {
    let mut checked = 0;
    for path in library().iter().chain(demos().iter()) {
        let text = std::fs::read_to_string(path).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(broken) = break_expectation(line) else {
                continue;
            };
            let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            changed[i] = broken.clone();
            let step_line = lines[..=i]
                .iter()
                .rposition(|l| l.trim() == "[[step]]")
                .map(|p| p + 1)
                .expect("an expectation sits in a step");
            let mut s = scenario::parse(&changed.join("\n"), &path.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"));
            // Relative files (the FX table) resolve as `load` would.
            if let Some(fx) = s.fx.as_mut() {
                *fx = path.parent().expect("folder").join(&*fx);
            }
            let played = scenario::play(&s).expect("plays");
            let failure = played.failure.unwrap_or_else(|| {
                panic!(
                    "{}:{}: changed to `{broken}` and the run still passed",
                    path.display(),
                    i + 1
                )
            });
            assert_eq!(
                failure.line,
                step_line,
                "{}:{}: `{broken}` failed elsewhere: {}",
                path.display(),
                i + 1,
                failure.message
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} expectations were broken");
}
