//! Reading a delimited text file on every core: one thread cuts the byte stream into
//! blocks that end at a line break, worker threads split the lines they receive, and each
//! worker keeps its own state, merged by the caller at the end. Memory stays bounded by
//! the block size times the queue length, whatever the size of the file.

use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

/// A reader that counts what passes through it, for a progress display.
pub struct Counted<'a> {
    pub inner: &'a mut dyn Read,
    pub bytes: &'a std::sync::atomic::AtomicU64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Size of one block handed to a worker.
const BLOCK_BYTES: usize = 4 << 20;

/// A problem on one line of the input (lines count from 1, the header included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub message: String,
}

/// Splits lines into fields without allocating per line: plain lines are cut on the
/// delimiter in place; a line with quotes goes through the CSV parser, so quoted
/// delimiters are handled. (A quoted field spanning lines is not supported.)
#[derive(Debug, Default)]
pub struct Splitter {
    ranges: Vec<(usize, usize)>,
    owned: Vec<Vec<u8>>,
    quoted: bool,
}

impl Splitter {
    /// Splits `line` up to and including field `last`.
    pub fn split(&mut self, line: &[u8], delimiter: u8, last: usize) -> Result<(), String> {
        self.ranges.clear();
        self.quoted = memchr::memchr(b'"', line).is_some();
        if !self.quoted {
            let mut start = 0;
            for end in memchr::memchr_iter(delimiter, line) {
                self.ranges.push((start, end));
                start = end + 1;
                if self.ranges.len() > last {
                    return Ok(());
                }
            }
            self.ranges.push((start, line.len()));
        } else {
            self.owned.clear();
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(delimiter)
                .from_reader(line);
            let mut record = csv::ByteRecord::new();
            if let Err(err) = reader.read_byte_record(&mut record) {
                return Err(format!("cannot split the line: {err}"));
            }
            if reader.position().line() > 1 || record.iter().any(|f| f.contains(&b'\n')) {
                return Err("a quoted field spans lines, which aims does not read".into());
            }
            self.owned
                .extend(record.iter().take(last + 1).map(<[u8]>::to_vec));
            self.ranges.extend((0..self.owned.len()).map(|i| (i, i)));
        }
        if self.ranges.len() <= last {
            return Err(format!(
                "expected at least {} fields, found {}",
                last + 1,
                self.ranges.len()
            ));
        }
        Ok(())
    }

    /// Field `i` of the line last split.
    pub fn field<'a>(&'a self, line: &'a [u8], i: usize) -> &'a [u8] {
        if self.quoted {
            &self.owned[i]
        } else {
            let (start, end) = self.ranges[i];
            &line[start..end]
        }
    }
}

/// Feeds every line of `source` (after the header) to `work` on `threads` workers, each
/// with its own state from `init`. Returns the states, or the error of the earliest line.
pub fn scan_lines<S, I, W>(
    source: &mut dyn Read,
    first_line: u64,
    threads: usize,
    init: I,
    work: W,
) -> Result<Vec<S>, LineError>
where
    S: Send,
    I: Fn() -> S + Sync,
    W: Fn(&mut S, u64, &[u8]) -> Result<(), String> + Sync,
{
    let threads = threads.max(1);
    let (sender, receiver) = sync_channel::<(u64, Vec<u8>)>(threads * 2);
    let receiver = Mutex::new(receiver);
    // Blocks go back to the reader once read: a fresh 4 MB block is zeroed and faulted in
    // by the kernel page by page.
    let (returned, spare) = sync_channel::<Vec<u8>>(threads * 2 + 2);
    let first_error: Mutex<Option<LineError>> = Mutex::new(None);
    let failed = std::sync::atomic::AtomicBool::new(false);

    let states = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    loop {
                        let next = receiver.lock().map(|r| r.recv());
                        let Ok(Ok((mut line, block))) = next else {
                            break;
                        };
                        let mut start = 0;
                        let ends =
                            memchr::memchr_iter(b'\n', &block).chain(std::iter::once(block.len()));
                        for end in ends {
                            if start > block.len() {
                                break;
                            }
                            let text = &block[start..end];
                            start = end + 1;
                            let text = text.strip_suffix(b"\r").unwrap_or(text);
                            if !text.is_empty()
                                && let Err(message) = work(&mut state, line, text)
                            {
                                failed.store(true, std::sync::atomic::Ordering::Relaxed);
                                let mut slot =
                                    first_error.lock().unwrap_or_else(|p| p.into_inner());
                                if slot.as_ref().is_none_or(|e| line < e.line) {
                                    *slot = Some(LineError { line, message });
                                }
                                break;
                            }
                            line += 1;
                        }
                        let _ = returned.try_send(block);
                    }
                    state
                })
            })
            .collect();

        let read_result = feed(source, first_line, &sender, &spare, &failed);
        drop(sender);
        let states: Vec<S> = workers.into_iter().filter_map(|w| w.join().ok()).collect();
        (read_result, states)
    });
    let (read_result, states) = states;
    if let Some(error) = first_error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(error);
    }
    read_result?;
    Ok(states)
}

/// Reads blocks, cuts each at its last line break, and sends them with their first line
/// number; a block comes from `spare` when a worker has returned one.
fn feed(
    source: &mut dyn Read,
    first_line: u64,
    sender: &std::sync::mpsc::SyncSender<(u64, Vec<u8>)>,
    spare: &std::sync::mpsc::Receiver<Vec<u8>>,
    failed: &std::sync::atomic::AtomicBool,
) -> Result<(), LineError> {
    let mut carry: Vec<u8> = Vec::new();
    let mut line = first_line;
    loop {
        if failed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(());
        }
        let mut block = spare.try_recv().unwrap_or_default();
        block.clear();
        block.append(&mut carry);
        block.reserve(BLOCK_BYTES);
        // Into the block's spare capacity, without zeroing it first.
        let filled = (&mut *source)
            .take(BLOCK_BYTES as u64)
            .read_to_end(&mut block)
            .map_err(|err| LineError {
                line,
                message: format!("cannot read further: {err}"),
            })?;
        let at_end = filled < BLOCK_BYTES;
        if !at_end {
            let Some(cut) = memchr::memrchr(b'\n', &block) else {
                // A line longer than a block: keep reading into the same block.
                carry = block;
                continue;
            };
            carry.extend_from_slice(&block[cut + 1..]);
            block.truncate(cut + 1);
        }
        let lines = memchr::memchr_iter(b'\n', &block).count() as u64
            + u64::from(!block.ends_with(b"\n") && !block.is_empty());
        if !block.is_empty() && sender.send((line, block)).is_err() {
            return Ok(());
        }
        line += lines;
        if at_end {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_plain_and_quoted_lines() {
        let mut splitter = Splitter::default();
        let line = b"a,b,c,d";
        splitter.split(line, b',', 2).unwrap();
        assert_eq!(
            [0, 1, 2].map(|i| splitter.field(line, i)),
            [&b"a"[..], b"b", b"c"]
        );
        let line = b"\"x, y\",2,3";
        splitter.split(line, b',', 1).unwrap();
        assert_eq!(
            (splitter.field(line, 0), splitter.field(line, 1)),
            (&b"x, y"[..], &b"2"[..])
        );
        assert!(
            splitter
                .split(b"a,b", b',', 2)
                .unwrap_err()
                .contains("expected at least 3 fields, found 2")
        );
        splitter.split(b"a,b,", b',', 2).unwrap();
        assert_eq!(splitter.field(b"a,b,", 2), b"");
    }

    #[test]
    fn every_line_is_seen_once_with_its_number_across_blocks_and_threads() {
        // About 20 MB: five blocks, the later ones read into blocks the workers returned.
        let lines = 1_500_000u64;
        let text: String = (0..lines).map(|i| format!("{i},{}\n", i * 2)).collect();
        assert!(text.len() > 4 * BLOCK_BYTES);
        let states = scan_lines(
            &mut text.as_bytes(),
            2,
            3,
            || (0u64, 0u64),
            |s, line, l| {
                let n: u64 = std::str::from_utf8(l)
                    .unwrap()
                    .split(',')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert_eq!(line, n + 2, "line numbers follow the input");
                s.0 += 1;
                s.1 += n;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(states.iter().map(|s| s.0).sum::<u64>(), lines);
        assert_eq!(
            states.iter().map(|s| s.1).sum::<u64>(),
            (0..lines).sum::<u64>()
        );
    }

    #[test]
    fn a_line_longer_than_a_block_arrives_whole() {
        // Longer than two blocks: one block read ends with no line break at all.
        let long = "x".repeat(BLOCK_BYTES * 5 / 2);
        let text = format!("short\n{long}\nafter\n{long}");
        let states = scan_lines(&mut text.as_bytes(), 2, 2, Vec::new, |seen, line, l| {
            seen.push((line, l.len()));
            Ok(())
        })
        .unwrap();
        let mut seen: Vec<(u64, usize)> = states.into_iter().flatten().collect();
        seen.sort();
        assert_eq!(seen, [(2, 5), (3, long.len()), (4, 5), (5, long.len())]);
    }

    #[test]
    fn the_earliest_error_wins() {
        let text: String = (0..200_000)
            .map(|i| {
                if i % 70_000 == 69_999 {
                    "bad\n".to_string()
                } else {
                    format!("{i}\n")
                }
            })
            .collect();
        let err = scan_lines(
            &mut text.as_bytes(),
            2,
            2,
            || (),
            |_, _, l| {
                if l == b"bad" {
                    Err("bad line".into())
                } else {
                    Ok(())
                }
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            LineError {
                line: 70_001,
                message: "bad line".into()
            }
        );
    }
}
