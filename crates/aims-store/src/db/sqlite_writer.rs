//! A thread of its own, with a connection of its own, for SQLite's busiest write: batches of
//! decision events. A batch's whole transaction, from `BEGIN IMMEDIATE` to the durable
//! commit, runs here in one go. Through the pool the same work takes a dozen hand-offs
//! between async tasks and sqlx's worker thread; while one batch waits to be scheduled
//! nobody writes, and writes are the bottleneck. Here the next batch starts the moment the
//! last one is on disk.
//!
//! The thread still takes its turn at the pool's writer mutex, so its transactions and
//! those of every other writer of this process come one after another.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{Mutex, oneshot};

use super::sqlite_direct::DirectTx;
use crate::error::{Result, StoreError};

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

enum Message {
    Run(Job),
    /// Close the connection and end the thread, then answer.
    Stop(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct Writer {
    messages: mpsc::Sender<Message>,
}

impl Writer {
    /// Opens the writer's connection to the database file (which must exist, in WAL mode)
    /// and starts its thread. The thread ends on [`Writer::stop`] or when the last clone of
    /// the writer is dropped.
    pub(crate) fn start(file: &Path, turn: Arc<Mutex<()>>) -> Result<Writer> {
        let connection = Connection::open(file)?;
        // The settings of the pool's connections (db.rs): durable commits, foreign keys.
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", "ON")?;
        connection.busy_timeout(Duration::from_secs(10))?;
        let (messages, queue) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("aims-sqlite-writer".into())
            .spawn(move || {
                let mut connection = connection;
                for message in queue {
                    match message {
                        Message::Run(job) => {
                            let _turn = turn.blocking_lock();
                            // A panicking job loses its reply (its caller gets an error)
                            // and rolls back as it unwinds; the thread goes on.
                            let _ =
                                std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut connection)));
                        }
                        Message::Stop(done) => {
                            drop(connection);
                            let _ = done.send(());
                            return;
                        }
                    }
                }
            })
            .map_err(|e| StoreError::Open(format!("cannot start the SQLite writer: {e}")))?;
        Ok(Writer { messages })
    }

    /// Runs `work` in one write transaction and commits it; rolls back when `work` fails.
    pub(crate) async fn transact<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&DirectTx<'_>) -> Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let outcome = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(StoreError::from)
                .and_then(|tx| {
                    let value = work(&DirectTx(&tx))?;
                    tx.commit()?;
                    Ok(value)
                });
            // The caller may have gone (a dropped request); the work is done either way.
            let _ = reply.send(outcome);
        });
        self.messages
            .send(Message::Run(job))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Closes the writer's connection once the work already queued is done.
    pub(crate) async fn stop(&self) {
        let (done, closed) = oneshot::channel();
        if self.messages.send(Message::Stop(done)).is_ok() {
            let _ = closed.await;
        }
    }
}

/// The writer of one database file, started by the first batch that needs it: commands
/// that never append decisions (verify, export, migrations) pay for no thread and no
/// connection of their own.
pub(crate) struct LazyWriter {
    file: PathBuf,
    turn: Arc<Mutex<()>>,
    state: std::sync::Mutex<State>,
}

enum State {
    Idle,
    Running(Writer),
    /// Stopped with the store: a batch after that is refused, not given a new writer.
    Stopped,
}

impl LazyWriter {
    pub(crate) fn new(file: &Path, turn: Arc<Mutex<()>>) -> LazyWriter {
        LazyWriter {
            file: file.to_owned(),
            turn,
            state: std::sync::Mutex::new(State::Idle),
        }
    }

    /// The running writer, started now if it is not yet.
    pub(crate) fn get(&self) -> Result<Writer> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match &*state {
            State::Running(writer) => Ok(writer.clone()),
            State::Stopped => Err(stopped()),
            State::Idle => {
                let writer = Writer::start(&self.file, self.turn.clone())?;
                *state = State::Running(writer.clone());
                Ok(writer)
            }
        }
    }

    /// Stops the writer if it was started; later batches are refused.
    pub(crate) async fn stop(&self) {
        let state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(|p| p.into_inner()),
            State::Stopped,
        );
        if let State::Running(writer) = state {
            writer.stop().await;
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Open("the SQLite writer has stopped".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that fails is rolled back, one that panics costs its caller an error, and the
    /// writer goes on with the next; after `stop` it refuses work instead of hanging.
    #[tokio::test]
    async fn failures_and_panics_leave_the_writer_working() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("writer.db");
        let writer = Writer::start(&file, Arc::new(Mutex::new(()))).unwrap();
        let count = |tx: &DirectTx<'_>| -> Result<i64> {
            Ok(tx.0.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?)
        };
        writer
            .transact(|tx| Ok(tx.0.execute_batch("CREATE TABLE t (x INTEGER)")?))
            .await
            .unwrap();
        let failed = writer
            .transact(|tx| {
                tx.0.execute("INSERT INTO t VALUES (1)", [])?;
                Err::<(), _>(StoreError::Corrupt("refused".into()))
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Corrupt(_))), "{failed:?}");
        let panicked = writer
            .transact(|tx| -> Result<()> {
                tx.0.execute("INSERT INTO t VALUES (2)", [])?;
                panic!("a job that panics")
            })
            .await;
        assert!(panicked.is_err());
        let kept = writer
            .transact(move |tx| {
                tx.0.execute("INSERT INTO t VALUES (3)", [])?;
                count(tx)
            })
            .await
            .unwrap();
        assert_eq!(kept, 1, "only the committed row is there");
        writer.stop().await;
        assert!(writer.transact(count).await.is_err());
    }

    /// Nothing is opened until the first batch: a writer for a file that cannot be opened
    /// is made without error and fails only when asked for; once stopped it stays so.
    #[tokio::test]
    async fn the_writer_starts_with_the_first_batch() {
        let dir = tempfile::tempdir().unwrap();
        let unopenable = LazyWriter::new(&dir.path().join("no/such/dir/x.db"), Arc::default());
        assert!(unopenable.get().is_err());
        let lazy = LazyWriter::new(&dir.path().join("writer.db"), Arc::default());
        let one = |tx: &DirectTx<'_>| -> Result<i64> {
            Ok(tx.0.query_row("SELECT 1", [], |r| r.get(0))?)
        };
        assert_eq!(lazy.get().unwrap().transact(one).await.unwrap(), 1);
        lazy.stop().await;
        assert!(lazy.get().is_err());
    }
}
