//! Printing off the sale flow: a worker thread takes jobs from a channel, every job has a time
//! limit, and outcomes come back through channels. The runtime never blocks on a printer; a
//! printer that fails never loses the sale (the receipt is in the journal and can be reprinted).

use super::send::{PrintTimeouts, send};
use super::target::PrinterTarget;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread;
use std::time::Duration;

/// One receipt to print: ESC/POS bytes (ignored by the `screen` target) for a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    pub sale_number: u64,
    pub target: PrinterTarget,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintOutcome {
    Printed,
    /// Why, in words the counter can show next to "receipt not printed".
    Failed(String),
}

/// Sequence number of a job within one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// Sent to the runtime's report channel for every finished job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintReport {
    pub job: JobId,
    pub sale_number: u64,
    pub outcome: PrintOutcome,
}

/// The caller's side of one job.
#[derive(Debug)]
pub struct JobHandle {
    pub id: JobId,
    rx: Receiver<PrintOutcome>,
}

impl JobHandle {
    /// The outcome if the job has finished; never blocks.
    pub fn try_outcome(&self) -> Option<PrintOutcome> {
        match self.rx.try_recv() {
            Ok(outcome) => Some(outcome),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                Some(PrintOutcome::Failed("the print worker stopped".into()))
            }
        }
    }

    /// Waits at most `timeout` (tests and the CLI; the TUI polls `try_outcome`).
    pub fn wait(&self, timeout: Duration) -> PrintOutcome {
        match self.rx.recv_timeout(timeout) {
            Ok(outcome) => outcome,
            Err(RecvTimeoutError::Timeout) => PrintOutcome::Failed(format!(
                "no answer from the printer within {} ms",
                timeout.as_millis()
            )),
            Err(RecvTimeoutError::Disconnected) => {
                PrintOutcome::Failed("the print worker stopped".into())
            }
        }
    }
}

type Queued = (JobId, PrintJob, Sender<PrintOutcome>);

/// A print queue with one worker thread; jobs print in the order they were queued.
#[derive(Debug)]
pub struct PrintQueue {
    tx: Sender<Queued>,
    next: AtomicU64,
}

impl PrintQueue {
    pub fn new(timeouts: PrintTimeouts) -> Self {
        Self::start(timeouts, None)
    }

    /// Also sends a `PrintReport` for every job to `reports`, so an event loop can select on
    /// one channel instead of polling handles.
    pub fn with_reports(timeouts: PrintTimeouts, reports: Sender<PrintReport>) -> Self {
        Self::start(timeouts, Some(reports))
    }

    fn start(timeouts: PrintTimeouts, reports: Option<Sender<PrintReport>>) -> Self {
        let (tx, rx) = mpsc::channel::<Queued>();
        // If the thread cannot start, queued jobs see a closed channel and report `Failed`.
        let _ = thread::Builder::new()
            .name("qrtill-print".into())
            .spawn(move || worker(rx, timeouts, reports));
        Self {
            tx,
            next: AtomicU64::new(1),
        }
    }

    /// Queues `job` and returns at once.
    pub fn spawn_print(&self, job: PrintJob) -> JobHandle {
        let id = JobId(self.next.fetch_add(1, Ordering::Relaxed));
        let (done_tx, done_rx) = mpsc::channel();
        if let Err(mpsc::SendError((_, _, done_tx))) = self.tx.send((id, job, done_tx)) {
            let _ = done_tx.send(PrintOutcome::Failed(
                "the print worker is not running".into(),
            ));
        }
        JobHandle { id, rx: done_rx }
    }
}

fn worker(rx: Receiver<Queued>, timeouts: PrintTimeouts, reports: Option<Sender<PrintReport>>) {
    for (id, job, done) in rx {
        let outcome = run_with_deadline(&job, timeouts);
        if let Some(reports) = &reports {
            let _ = reports.send(PrintReport {
                job: id,
                sale_number: job.sale_number,
                outcome: outcome.clone(),
            });
        }
        // The caller may have dropped its handle; that is fine.
        let _ = done.send(outcome);
    }
}

/// Runs one job on its own thread and gives up after the job's time limit, so a device write
/// that never returns (an offline USB printer) cannot stall the queue.
fn run_with_deadline(job: &PrintJob, timeouts: PrintTimeouts) -> PrintOutcome {
    let (tx, rx) = mpsc::channel();
    let target = job.target.clone();
    let bytes = job.bytes.clone();
    let spawned = thread::Builder::new()
        .name("qrtill-print-job".into())
        .spawn(move || {
            let _ = tx.send(send(&target, &bytes, timeouts));
        });
    if let Err(e) = spawned {
        return PrintOutcome::Failed(format!("cannot start printing: {e}"));
    }
    let limit = timeouts.job_limit();
    match rx.recv_timeout(limit) {
        Ok(Ok(())) => PrintOutcome::Printed,
        Ok(Err(e)) => PrintOutcome::Failed(e.to_string()),
        Err(RecvTimeoutError::Timeout) => PrintOutcome::Failed(format!(
            "{} did not finish within {} ms",
            job.target,
            limit.as_millis()
        )),
        Err(RecvTimeoutError::Disconnected) => {
            PrintOutcome::Failed("printing stopped unexpectedly".into())
        }
    }
}
