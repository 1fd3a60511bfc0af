//! Opening an input file: the format is chosen by content, not by extension, and every
//! problem names the file and, where there is one, the line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::parquet_input::ParquetSource;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty: expected a CSV file with a header row")]
    Empty { path: PathBuf },
    #[error("{path}: no column named `{column}`; the columns are: {}", available.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: Vec<String>,
    },
    #[error("{path}, line {line}: {message}")]
    Row {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Whether the file is Parquet, by its magic bytes (not its name).
pub fn is_parquet(path: &Path) -> Result<bool, InputError> {
    let mut file = File::open(path).map_err(|source| InputError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut magic = [0u8; 4];
    let read = read_up_to(&mut file, &mut magic).map_err(|source| InputError::Open {
        path: path.to_owned(),
        source,
    })?;
    Ok(&magic[..read] == b"PAR1")
}

/// A file's column names, read from a delimited file's header row or a Parquet schema.
pub struct Headers {
    pub path: PathBuf,
    pub names: Vec<String>,
    sizes: Sizes,
}

/// What reading a file costs, for a progress total.
enum Sizes {
    /// Bytes of text after the header row; `None` when compressed, as the size is known
    /// only once the text is read.
    Text(Option<u64>),
    /// Compressed bytes of each column over all row groups, in the order of `names`.
    Columns(Vec<u64>),
}

impl Headers {
    /// Reads only the names, not the rows.
    pub fn read(path: &Path, delimiter: u8) -> Result<Headers, InputError> {
        if is_parquet(path)? {
            let source = ParquetSource::open_path(path, Some(&[]))?;
            let sizes = (0..source.headers.len())
                .map(|at| {
                    (0..source.row_groups())
                        .map(|g| source.chunk_size(g, at))
                        .sum()
                })
                .collect();
            return Ok(Headers {
                path: path.to_owned(),
                names: source.headers,
                sizes: Sizes::Columns(sizes),
            });
        }
        Ok(CsvInput::open(path, delimiter)?.headers)
    }

    pub fn is_parquet(&self) -> bool {
        matches!(self.sizes, Sizes::Columns(_))
    }

    /// The bytes an engine reads of `columns`, for a progress total: their compressed
    /// chunks in Parquet, the whole text otherwise; `None` for compressed text.
    pub fn planned_size(&self, columns: &[String]) -> Option<u64> {
        match &self.sizes {
            Sizes::Text(size) => *size,
            Sizes::Columns(sizes) => Some(
                self.names
                    .iter()
                    .zip(sizes)
                    .filter(|(name, _)| columns.contains(name))
                    .map(|(_, size)| size)
                    .sum(),
            ),
        }
    }

    /// The index of a named column, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, InputError> {
        self.names
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| InputError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                available: self.names.clone(),
            })
    }
}

/// A delimited file (plain, gzip or zstd) with its header row read; `stream` is
/// positioned at the first data line (line 2). Parquet files are read by row groups
/// ([`crate::parquet_input`]), not through here.
pub struct CsvInput {
    pub stream: BufReader<Box<dyn Read + Send>>,
    pub headers: Headers,
}

impl CsvInput {
    pub fn open(path: &Path, delimiter: u8) -> Result<CsvInput, InputError> {
        let open_error = |source| InputError::Open {
            path: path.to_owned(),
            source,
        };
        let mut file = File::open(path).map_err(open_error)?;
        let mut magic = [0u8; 4];
        let read = read_up_to(&mut file, &mut magic).map_err(open_error)?;
        if read == 0 {
            return Err(InputError::Empty {
                path: path.to_owned(),
            });
        }
        let file = File::open(path).map_err(open_error)?;
        let compressed = matches!(&magic[..read], [0x1f, 0x8b, ..] | [0x28, 0xb5, 0x2f, 0xfd]);
        let size = file
            .metadata()
            .ok()
            .map(|m| m.len())
            .filter(|_| !compressed);
        let source: Box<dyn Read + Send> = match &magic[..read] {
            [0x1f, 0x8b, ..] => decode_on_thread(file, |file, send| {
                let mut decoder =
                    flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file));
                pump(&mut decoder, send, "gzip")
            }),
            [0x28, 0xb5, 0x2f, 0xfd] => decode_on_thread(file, |file, send| {
                // A zstd file may hold several frames one after another; decode them all.
                let mut source = BufReader::with_capacity(1 << 16, file);
                loop {
                    match source.fill_buf() {
                        Ok([]) => return true,
                        Ok(_) => {}
                        Err(err) => return send(Err(err)),
                    }
                    let mut frame = match ruzstd::decoding::StreamingDecoder::new(&mut source) {
                        Ok(frame) => frame,
                        Err(err) => {
                            return send(Err(std::io::Error::other(format!(
                                "not valid zstd data: {err}"
                            ))));
                        }
                    };
                    if !pump(&mut frame, send, "zstd") {
                        return false;
                    }
                }
            }),
            b"PAR1" => {
                return Err(InputError::Invalid {
                    path: path.to_owned(),
                    message: "a Parquet file is read by row groups, not as delimited text".into(),
                });
            }
            _ => Box::new(file),
        };
        let mut stream = BufReader::with_capacity(1 << 16, source);
        let mut header = Vec::new();
        stream.read_until(b'\n', &mut header).map_err(open_error)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(header.as_slice());
        let mut record = csv::StringRecord::new();
        let headers: Vec<String> = match reader.read_record(&mut record) {
            Ok(true) if record.iter().any(|c| !c.trim().is_empty()) => {
                record.iter().map(|c| c.trim().to_owned()).collect()
            }
            Ok(_) => {
                return Err(InputError::Empty {
                    path: path.to_owned(),
                });
            }
            Err(err) => {
                return Err(InputError::Invalid {
                    path: path.to_owned(),
                    message: format!("cannot read the header row: {err}"),
                });
            }
        };
        Ok(CsvInput {
            stream,
            headers: Headers {
                path: path.to_owned(),
                names: headers,
                sizes: Sizes::Text(size.map(|s| s.saturating_sub(header.len() as u64))),
            },
        })
    }
}

/// Runs a decompressor on its own thread, so decompression and parsing use different
/// cores, and hands its output over in chunks. A decoding error reaches the reader as an
/// error, never as an early end of file.
fn decode_on_thread<F>(file: File, decode: F) -> Box<dyn Read + Send>
where
    F: FnOnce(File, &dyn Fn(std::io::Result<Vec<u8>>) -> bool) -> bool + Send + 'static,
{
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Piece>(4);
    std::thread::spawn(move || {
        let send = |chunk: std::io::Result<Vec<u8>>| {
            let piece = match chunk {
                Ok(data) => Piece::Data(data),
                Err(err) => Piece::Failed(err),
            };
            sender.send(piece).is_ok()
        };
        if decode(file, &send) {
            let _ = sender.send(Piece::End);
        }
    });
    Box::new(ChannelReader {
        receiver,
        chunk: Vec::new(),
        at: 0,
        ended: false,
    })
}

/// Reads a decoder to its end in chunks; `false` when the receiving side has gone.
fn pump(
    decoder: &mut dyn Read,
    send: &dyn Fn(std::io::Result<Vec<u8>>) -> bool,
    format: &str,
) -> bool {
    loop {
        let mut chunk = vec![0u8; 1 << 20];
        match decoder.read(&mut chunk) {
            Ok(0) => return true,
            Ok(n) => {
                chunk.truncate(n);
                if !send(Ok(chunk)) {
                    return false;
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => {
                return send(Err(std::io::Error::new(
                    err.kind(),
                    format!("the {format} data is damaged: {err}"),
                )));
            }
        }
    }
}

/// What the decoder thread sends. The end is explicit: a thread that stops without saying
/// so (a panic in a decoder) is an error, not a short file.
enum Piece {
    Data(Vec<u8>),
    End,
    Failed(std::io::Error),
}

struct ChannelReader {
    receiver: std::sync::mpsc::Receiver<Piece>,
    chunk: Vec<u8>,
    at: usize,
    ended: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            if self.ended {
                return Ok(0);
            }
            match self.receiver.recv() {
                Ok(Piece::Data(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Piece::End) => self.ended = true,
                Ok(Piece::Failed(err)) => return Err(err),
                Err(_) => {
                    return Err(std::io::Error::other(
                        "the decompressor stopped before the end of the data",
                    ));
                }
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn read_up_to(file: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}
