//! A string column chunk read through its dictionary: the distinct values once, and per
//! row the index of its value. The `parquet` crate hands out a reference-counted copy of
//! the value for every row, which costs more than the counting an engine does with it;
//! reading the pages here gives the indices themselves. Chunks that are not entirely
//! dictionary-encoded are left to the crate's reader.

use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};
use parquet::errors::{ParquetError, Result};

/// The index that marks a null.
pub const NULL: u32 = u32::MAX;

pub struct DictionaryColumn {
    bytes: Vec<u8>,
    /// Each entry's (start, end) in `bytes`.
    entries: Vec<(usize, usize)>,
    /// Per row, the index of its entry, or [`NULL`].
    pub indices: Vec<u32>,
}

impl DictionaryColumn {
    pub fn entry_count(&self) -> usize {
        self.entries.len()
    }

    pub fn entry(&self, index: u32) -> &[u8] {
        let (start, end) = self.entries[index as usize];
        &self.bytes[start..end]
    }

    /// Reads a chunk of `rows` rows; `None` when a data page is not dictionary-encoded or
    /// stores its levels in an encoding read only by the crate.
    pub fn read(
        pages: &mut dyn PageReader,
        max_def_level: i16,
        rows: usize,
    ) -> Result<Option<DictionaryColumn>> {
        let mut column = DictionaryColumn {
            bytes: Vec::new(),
            entries: Vec::new(),
            indices: Vec::with_capacity(rows),
        };
        let mut scratch = (Vec::new(), Vec::new());
        while let Some(page) = pages.get_next_page()? {
            match page {
                Page::DictionaryPage { buf, encoding, .. } => {
                    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                        return Ok(None);
                    }
                    column.set_dictionary(&buf)?;
                }
                Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                } => {
                    if !is_dictionary(encoding)
                        || (max_def_level > 0 && def_level_encoding != Encoding::RLE)
                    {
                        return Ok(None);
                    }
                    let mut data: &[u8] = &buf;
                    let mut encoded_levels: &[u8] = &[];
                    if max_def_level > 0 {
                        let length = read_u32(&mut data)? as usize;
                        (encoded_levels, data) = split(data, length)?;
                    }
                    let page = (encoded_levels, data, num_values as usize);
                    column.add_page(page, max_def_level, &mut scratch)?;
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                } => {
                    if !is_dictionary(encoding) {
                        return Ok(None);
                    }
                    let (_, data) = split(&buf, rep_levels_byte_len as usize)?;
                    let (encoded_levels, data) = split(data, def_levels_byte_len as usize)?;
                    let page = (encoded_levels, data, num_values as usize);
                    column.add_page(page, max_def_level, &mut scratch)?;
                }
            }
        }
        if column.indices.len() != rows {
            return Err(ParquetError::General(format!(
                "the column holds {} of {rows} rows",
                column.indices.len()
            )));
        }
        Ok(Some(column))
    }

    /// The dictionary page: PLAIN byte arrays, each a 4-byte length and its bytes.
    fn set_dictionary(&mut self, mut data: &[u8]) -> Result<()> {
        if !self.entries.is_empty() || !self.indices.is_empty() {
            return Err(ParquetError::General(
                "a dictionary page after the chunk's first page".into(),
            ));
        }
        self.bytes = data.to_vec();
        let mut at = 0;
        while !data.is_empty() {
            let length = read_u32(&mut data)? as usize;
            let (_, rest) = split(data, length)?;
            at += 4;
            self.entries.push((at, at + length));
            at += length;
            data = rest;
        }
        Ok(())
    }

    /// One data page: its definition levels (run-length encoded, empty for a required
    /// column), then a byte giving the index width and the indices of the present values,
    /// which the levels spread over the page's rows.
    fn add_page(
        &mut self,
        (encoded_levels, data, rows): (&[u8], &[u8], usize),
        max_def_level: i16,
        (levels, values): &mut (Vec<u32>, Vec<u32>),
    ) -> Result<()> {
        let max = max_def_level as u32;
        levels.clear();
        let present = if max_def_level > 0 {
            Hybrid::new(encoded_levels, bits_for(max)).read(levels, rows)?;
            levels.iter().filter(|l| **l == max).count()
        } else {
            rows
        };
        values.clear();
        if present > 0 {
            let (&width, encoded) = data
                .split_first()
                .ok_or_else(|| ParquetError::EOF("a data page without values".into()))?;
            Hybrid::new(encoded, width).read(values, present)?;
        }
        if let Some(bad) = values.iter().find(|v| **v as usize >= self.entries.len()) {
            return Err(ParquetError::General(format!(
                "dictionary index {bad} is beyond the dictionary's {} entries",
                self.entries.len()
            )));
        }
        if max_def_level > 0 {
            let mut next = values.iter();
            for level in levels.iter() {
                let index = if *level == max {
                    next.next().copied().unwrap_or(NULL)
                } else {
                    NULL
                };
                self.indices.push(index);
            }
        } else {
            self.indices.extend_from_slice(values);
        }
        Ok(())
    }
}

fn is_dictionary(encoding: Encoding) -> bool {
    matches!(
        encoding,
        Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY
    )
}

fn bits_for(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

fn split(data: &[u8], at: usize) -> Result<(&[u8], &[u8])> {
    if at > data.len() {
        return Err(ParquetError::EOF(format!(
            "a page ends {} bytes early",
            at - data.len()
        )));
    }
    Ok(data.split_at(at))
}

fn read_u32(data: &mut &[u8]) -> Result<u32> {
    let (head, rest) = split(data, 4)?;
    *data = rest;
    Ok(u32::from_le_bytes([head[0], head[1], head[2], head[3]]))
}

/// Parquet's run-length / bit-packed hybrid encoding of small unsigned integers.
struct Hybrid<'a> {
    data: &'a [u8],
    width: u8,
}

impl<'a> Hybrid<'a> {
    fn new(data: &'a [u8], width: u8) -> Self {
        Hybrid { data, width }
    }

    /// Appends exactly `count` values to `out`.
    fn read(&mut self, out: &mut Vec<u32>, count: usize) -> Result<()> {
        if self.width > 32 {
            return Err(ParquetError::General(format!(
                "a bit width of {} is more than 32",
                self.width
            )));
        }
        let target = out.len() + count;
        while out.len() < target {
            let header = self.varint()?;
            let wanted = target - out.len();
            if header & 1 == 0 {
                // A run: one value repeated.
                let run = usize::try_from(header >> 1).unwrap_or(usize::MAX);
                let (value, rest) = split(self.data, usize::from(self.width).div_ceil(8))?;
                let mut bytes = [0u8; 4];
                bytes[..value.len()].copy_from_slice(value);
                self.data = rest;
                if run == 0 {
                    return Err(ParquetError::General("an empty run".into()));
                }
                out.extend(std::iter::repeat_n(
                    u32::from_le_bytes(bytes),
                    run.min(wanted),
                ));
            } else {
                // Groups of eight values, `width` bits each, lowest bits first.
                let groups = usize::try_from(header >> 1).unwrap_or(usize::MAX);
                let length = groups.saturating_mul(usize::from(self.width));
                let (packed, rest) = split(self.data, length)?;
                self.data = rest;
                let take = groups.saturating_mul(8).min(wanted);
                let mask = if self.width == 32 {
                    u64::from(u32::MAX)
                } else {
                    (1u64 << self.width) - 1
                };
                let width = usize::from(self.width);
                for i in 0..take {
                    let bit = i * width;
                    let byte = bit / 8;
                    let mut window = [0u8; 8];
                    let available = (packed.len() - byte).min(8);
                    window[..available].copy_from_slice(&packed[byte..byte + available]);
                    let value = (u64::from_le_bytes(window) >> (bit % 8)) & mask;
                    out.push(value as u32);
                }
            }
        }
        Ok(())
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for (i, byte) in self.data.iter().enumerate().take(10) {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.data = &self.data[i + 1..];
                return Ok(value);
            }
        }
        Err(ParquetError::EOF("a run header is cut off".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_packed_groups() {
        // A run of five 3s (width 2), then one packed group of 0..8 at width 3.
        let mut data = vec![5 << 1, 3];
        data.push((1 << 1) | 1);
        let mut bits = 0u32;
        let mut packed = Vec::new();
        let mut filled = 0;
        for v in 0..8u32 {
            bits |= v << filled;
            filled += 3;
            while filled >= 8 {
                packed.push(bits as u8);
                bits >>= 8;
                filled -= 8;
            }
        }
        data.extend(packed);
        let mut out = Vec::new();
        let mut first = Hybrid::new(&data[..2], 2);
        first.read(&mut out, 5).unwrap();
        Hybrid::new(&data[2..], 3).read(&mut out, 7).unwrap();
        assert_eq!(out, [3, 3, 3, 3, 3, 0, 1, 2, 3, 4, 5, 6]);
        let err = Hybrid::new(&data[..1], 2).read(&mut out, 5).unwrap_err();
        assert!(err.to_string().contains("ends"), "{err}");
    }
}
