//! Printing to real targets: a TCP "printer" on a free local port, a printer that refuses, one
//! that hangs, and a file that collects receipts.

use qrtill::printer::{
    PrintJob, PrintOutcome, PrintQueue, PrintReport, PrintTimeouts, PrinterTarget,
};
use qrtill::receipt::{EscPosOptions, render_escpos, samples};
use std::io::Read;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a test waits for an outcome before calling it a hang: far beyond `short()`, so a
/// loaded machine never fails a test that is right.
const GENEROUS: Duration = Duration::from_secs(120);

fn short() -> PrintTimeouts {
    PrintTimeouts {
        connect: Duration::from_millis(300),
        write: Duration::from_millis(300),
    }
}

fn tcp(port: u16) -> PrinterTarget {
    PrinterTarget::Tcp {
        host: "127.0.0.1".into(),
        port,
    }
}

fn receipt_bytes() -> Vec<u8> {
    render_escpos(&samples::cash_sale(), EscPosOptions::default())
        .map(|r| r.bytes)
        .unwrap_or_default()
}

#[test]
fn network_printer_receives_the_exact_receipt_bytes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        got
    });
    let bytes = receipt_bytes();
    assert!(bytes.len() > 100);
    let queue = PrintQueue::new(short());
    let handle = queue.spawn_print(PrintJob {
        sale_number: 121,
        target: tcp(port),
        bytes: bytes.clone(),
    });
    assert_eq!(handle.wait(Duration::from_secs(5)), PrintOutcome::Printed);
    assert_eq!(printer.join().unwrap(), bytes);
}

#[test]
fn refused_connection_fails_fast_and_a_reprint_to_a_live_printer_works() {
    // A port that was free a moment ago and now has nobody listening.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (reports_tx, reports) = mpsc::channel::<PrintReport>();
    let queue = PrintQueue::with_reports(short(), reports_tx);
    let handle = queue.spawn_print(PrintJob {
        sale_number: 121,
        target: tcp(port),
        bytes: receipt_bytes(),
    });
    // The caller is not blocked: the handle exists before the print has finished or failed.
    // The generous wait only guards a hang; the printer's own connect error must end the job.
    let outcome = handle.wait(GENEROUS);
    assert!(
        matches!(&outcome, PrintOutcome::Failed(why) if why.contains("cannot connect")),
        "{outcome:?}"
    );
    let report = reports.recv_timeout(GENEROUS).unwrap();
    assert_eq!(report.sale_number, 121);
    assert_eq!(report.job, handle.id);
    assert_eq!(report.outcome, outcome);

    // The sale is still there; the cashier reprints to a printer that works.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let live = listener.local_addr().unwrap().port();
    let printer = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).unwrap();
        got
    });
    let again = queue.spawn_print(PrintJob {
        sale_number: 121,
        target: tcp(live),
        bytes: receipt_bytes(),
    });
    assert_ne!(again.id, handle.id);
    assert_eq!(again.wait(Duration::from_secs(5)), PrintOutcome::Printed);
    assert_eq!(printer.join().unwrap(), receipt_bytes());
}

#[test]
fn printer_that_never_reads_fails_within_the_time_limit() {
    // The kernel accepts the connection into the backlog, but nobody ever reads: once the
    // socket buffers are full the write blocks, and the write timeout must end it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let queue = PrintQueue::new(short());
    let handle = queue.spawn_print(PrintJob {
        sale_number: 7,
        target: tcp(port),
        bytes: vec![b'x'; 32 * 1024 * 1024],
    });
    assert_eq!(handle.try_outcome(), None, "spawn_print must not block");
    // Ended by the queue's write timeout (a write error), not by this test giving up waiting.
    let outcome = handle.wait(GENEROUS);
    assert!(
        matches!(&outcome, PrintOutcome::Failed(why) if why.contains("cannot write to")),
        "{outcome:?}"
    );
    drop(listener);
}

#[test]
fn file_target_appends_receipt_after_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipts.escpos");
    let target: PrinterTarget = format!("file:{}", path.display()).parse().unwrap();
    let queue = PrintQueue::new(short());
    let first = receipt_bytes();
    let second = render_escpos(&samples::card_tap_sale(), EscPosOptions::default())
        .unwrap()
        .bytes;
    for bytes in [&first, &second] {
        let h = queue.spawn_print(PrintJob {
            sale_number: 1,
            target: target.clone(),
            bytes: bytes.clone(),
        });
        assert_eq!(h.wait(Duration::from_secs(5)), PrintOutcome::Printed);
    }
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(on_disk, [first, second].concat());
}

#[test]
fn missing_device_fails_without_creating_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lp9");
    let queue = PrintQueue::new(short());
    let h = queue.spawn_print(PrintJob {
        sale_number: 1,
        target: PrinterTarget::Device(path.clone()),
        bytes: b"hello".to_vec(),
    });
    let outcome = h.wait(Duration::from_secs(5));
    assert!(
        matches!(&outcome, PrintOutcome::Failed(why) if why.contains("cannot open")),
        "{outcome:?}"
    );
    assert!(!path.exists());
}

#[test]
fn screen_target_needs_no_printer() {
    let queue = PrintQueue::new(short());
    let h = queue.spawn_print(PrintJob {
        sale_number: 1,
        target: PrinterTarget::Screen,
        bytes: Vec::new(),
    });
    assert_eq!(h.wait(Duration::from_secs(5)), PrintOutcome::Printed);
}
