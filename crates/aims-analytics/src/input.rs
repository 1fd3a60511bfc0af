//! Opening an input file: the format is chosen by content, not by extension, and every
//! problem names the file and, where there is one, the line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty: expected a CSV file with a header row")]
    Empty { path: PathBuf },
    #[error(
        "{path} is {what}, which this version of aims cannot read yet: convert it to CSV (plain or gzip)"
    )]
    Unsupported { path: PathBuf, what: &'static str },
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

/// A plain or gzip-compressed delimited file with its header row read; `stream` is
/// positioned at the first data line (line 2).
pub struct CsvInput {
    pub path: PathBuf,
    pub stream: BufReader<Box<dyn Read + Send>>,
    pub headers: Vec<String>,
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
        let source: Box<dyn Read + Send> = match &magic[..read] {
            [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(
                BufReader::with_capacity(1 << 16, file),
            )),
            [0x28, 0xb5, 0x2f, 0xfd] => {
                return Err(InputError::Unsupported {
                    path: path.to_owned(),
                    what: "zstd-compressed",
                });
            }
            b"PAR1" => {
                return Err(InputError::Unsupported {
                    path: path.to_owned(),
                    what: "a Parquet file",
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
            path: path.to_owned(),
            stream,
            headers,
        })
    }

    /// The index of a named column, or an error listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, InputError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| InputError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
                available: self.headers.clone(),
            })
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
