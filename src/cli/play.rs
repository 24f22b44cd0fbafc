//! `qrtill play FILE...`: plays scenario files headless on the virtual clock and checks their
//! expectations. One line per file; exit 1 when an expectation fails (the message names the
//! file, the line and what differed), 2 when a file is not a valid scenario.

use super::args::PlayArgs;
use super::{EXIT_BAD_INPUT, Outcome};
use std::io::Write;

pub fn run(args: &PlayArgs) -> Outcome {
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut log: Vec<String> = Vec::new();
    let mut code = 0;
    for path in &args.files {
        let scenario = match crate::scenario::load(path) {
            Ok(s) => s,
            Err(e) => {
                stderr.push_str(&format!("{e}\n"));
                code = EXIT_BAD_INPUT;
                continue;
            }
        };
        let file = path.display();
        match crate::scenario::play(&scenario) {
            Err(why) => {
                stderr.push_str(&format!("{file}: cannot set the counter up: {why}\n"));
                code = EXIT_BAD_INPUT;
            }
            Ok(played) => {
                log.extend(played.events);
                match played.failure {
                    None => stdout.push_str(&format!(
                        "ok    {file}: {} ({} steps, {:.1} s virtual)\n",
                        scenario.name,
                        played.steps,
                        played.elapsed_ms as f64 / 1000.0
                    )),
                    Some(f) => {
                        stdout.push_str(&format!("FAIL  {file}: {}\n", scenario.name));
                        stderr.push_str(&format!("{file}:{}: {}\n", f.line, f.message));
                        if code == 0 {
                            code = 1;
                        }
                    }
                }
            }
        }
    }
    if let Some(out) = &args.json {
        let mut text = log.join("\n");
        text.push('\n');
        let written = if out.as_os_str() == "-" {
            std::io::stdout().lock().write_all(text.as_bytes())
        } else {
            std::fs::write(out, text)
        };
        if let Err(e) = written {
            stderr.push_str(&format!(
                "qrtill: cannot write the event log {}: {e}\n",
                out.display()
            ));
            code = 1;
        }
    }
    Outcome {
        stdout: stdout.into_bytes(),
        stderr: (!stderr.is_empty()).then_some(stderr),
        code,
    }
}
