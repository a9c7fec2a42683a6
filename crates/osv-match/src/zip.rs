//! The JSON members of a zip file, such as osv.dev's export of an
//! ecosystem (`PyPI/all.zip`, one `<ID>.json` per record).
//!
//! Hand-written rather than the `zip` crate: zip 9 needs Rust 1.89 (this
//! workspace builds with 1.85) and brings encryption, timestamps and seven
//! codecs; an export needs the central directory, stored and deflated
//! members (flate2, already a dependency), and nothing else. ZIP64's end
//! record (over 65,535 members: osv.dev's PyPI export grows) is read;
//! members over 4 GiB, encryption and other codecs are refused by name
//! rather than misread.

use std::io::Read;

use flate2::read::DeflateDecoder;

const END_SIGNATURE: u32 = 0x0605_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const ZIP64_END_SIGNATURE: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_SIZE: usize = 20;
/// A 16- or 32-bit field that says "see the ZIP64 record".
const ZIP64_U16: u16 = 0xFFFF;
const ZIP64_U32: u32 = 0xFFFF_FFFF;
const END_SIZE: usize = 22;
/// The end record sits within its size plus the longest comment of the end.
const END_SEARCH: usize = END_SIZE + 0xFFFF;

/// The `*.json` members (by name, in the archive's order) and their bytes.
pub(crate) fn json_members(zip: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let (count, mut at) = directory(zip, find_end(zip)?)?;
    let mut members = Vec::new();
    for _ in 0..count {
        if u32_at(zip, at)? != CENTRAL_SIGNATURE {
            return Err(format!("no central directory entry at offset {at}"));
        }
        let entry = Entry {
            flags: u16_at(zip, at + 8)?,
            method: u16_at(zip, at + 10)?,
            compressed: u32_at(zip, at + 20)? as usize,
            size: u32_at(zip, at + 24)? as usize,
            local: u32_at(zip, at + 42)? as usize,
        };
        let name_len = usize::from(u16_at(zip, at + 28)?);
        let extra_len = usize::from(u16_at(zip, at + 30)?);
        let comment_len = usize::from(u16_at(zip, at + 32)?);
        let name = String::from_utf8_lossy(slice(zip, at + 46, name_len)?).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        if name.to_ascii_lowercase().ends_with(".json") {
            let bytes = entry.read(zip).map_err(|e| format!("{name}: {e}"))?;
            members.push((name, bytes));
        }
    }
    Ok(members)
}

/// The central directory's member count and offset: from the end record,
/// or from the ZIP64 end record (its locator just before the end record)
/// where the end record's fields say so.
fn directory(zip: &[u8], end: usize) -> Result<(usize, usize), String> {
    let count = u16_at(zip, end + 10)?;
    let offset = u32_at(zip, end + 16)?;
    if count != ZIP64_U16 && offset != ZIP64_U32 {
        return Ok((usize::from(count), offset as usize));
    }
    let locator = end
        .checked_sub(ZIP64_LOCATOR_SIZE)
        .filter(|&l| u32_at(zip, l) == Ok(ZIP64_LOCATOR_SIGNATURE))
        .ok_or("the end record points to a ZIP64 record, and there is no locator")?;
    let end64 = offset_of(u64_at(zip, locator + 8)?)?;
    if u32_at(zip, end64)? != ZIP64_END_SIGNATURE {
        return Err(format!("no ZIP64 end record at offset {end64}"));
    }
    Ok((
        offset_of(u64_at(zip, end64 + 32)?)?,
        offset_of(u64_at(zip, end64 + 48)?)?,
    ))
}

fn offset_of(v: u64) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("offset {v} is past what this machine addresses"))
}

/// A member as the central directory describes it.
struct Entry {
    flags: u16,
    method: u16,
    compressed: usize,
    size: usize,
    local: usize,
}

impl Entry {
    /// The member's bytes, inflated where deflated.
    fn read(&self, zip: &[u8]) -> Result<Vec<u8>, String> {
        if self.flags & 1 != 0 {
            return Err("encrypted".into());
        }
        let zip64 = ZIP64_U32 as usize;
        if [self.compressed, self.size, self.local].contains(&zip64) {
            return Err("a member over 4 GiB (ZIP64 sizes) is not read".into());
        }
        if u32_at(zip, self.local)? != LOCAL_SIGNATURE {
            return Err(format!("no local header at offset {}", self.local));
        }
        let name_len = usize::from(u16_at(zip, self.local + 26)?);
        let extra_len = usize::from(u16_at(zip, self.local + 28)?);
        let data = slice(zip, self.local + 30 + name_len + extra_len, self.compressed)?;
        let bytes = match self.method {
            0 => data.to_vec(),
            8 => {
                // The declared size bounds what is inflated, not what is
                // allocated before a byte is read.
                let mut out = Vec::with_capacity(self.size.min(1 << 20));
                DeflateDecoder::new(data)
                    .take(self.size as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("inflating: {e}"))?;
                out
            }
            m => {
                return Err(format!(
                    "compression method {m} (only stored and deflated are read)"
                ))
            }
        };
        if bytes.len() != self.size {
            return Err(format!(
                "{} bytes, the directory says {}",
                bytes.len(),
                self.size
            ));
        }
        Ok(bytes)
    }
}

/// The offset of the end-of-central-directory record, searched from the end.
fn find_end(zip: &[u8]) -> Result<usize, String> {
    let last = zip
        .len()
        .checked_sub(END_SIZE)
        .ok_or("not a zip: too short")?;
    let first = zip.len().saturating_sub(END_SEARCH);
    (first..=last)
        .rev()
        .find(|&i| u32_at(zip, i) == Ok(END_SIGNATURE))
        .ok_or_else(|| "no end of central directory: not a zip".to_string())
}

fn slice(zip: &[u8], at: usize, len: usize) -> Result<&[u8], String> {
    at.checked_add(len)
        .and_then(|end| zip.get(at..end))
        .ok_or_else(|| format!("truncated: {len} bytes at offset {at} are past the end"))
}

fn u16_at(zip: &[u8], at: usize) -> Result<u16, String> {
    let b = slice(zip, at, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn u64_at(zip: &[u8], at: usize) -> Result<u64, String> {
    let b = slice(zip, at, 8)?;
    Ok(u64::from_le_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ]))
}

fn u32_at(zip: &[u8], at: usize) -> Result<u32, String> {
    let b = slice(zip, at, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Python's zipfile (see tests/data/README.md): two JSON
    /// records, one deflated and one stored, and a text file.
    const FIXTURE: &[u8] = include_bytes!("../tests/data/records.zip");

    #[test]
    fn reads_deflated_and_stored_json_members() {
        let members = json_members(FIXTURE).unwrap();
        let names: Vec<&str> = members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["PYSEC-2023-212.json", "GHSA-0000-0000-0000.json"]);
        let first: serde_json::Value = serde_json::from_slice(&members[0].1).unwrap();
        assert_eq!(first["id"], "PYSEC-2023-212");
        let second: serde_json::Value = serde_json::from_slice(&members[1].1).unwrap();
        assert_eq!(second["id"], "GHSA-0000-0000-0000");
    }

    /// FIXTURE with a ZIP64 end: the end record's count and offset say
    /// "see ZIP64", a ZIP64 end record and its locator hold them (as a
    /// writer does past 65,535 members; Python's zipfile reads the result).
    fn as_zip64(zip: &[u8]) -> Vec<u8> {
        let end = find_end(zip).unwrap();
        let count = u64::from(u16_at(zip, end + 10).unwrap());
        let size = u64::from(u32_at(zip, end + 12).unwrap());
        let offset = u64::from(u32_at(zip, end + 16).unwrap());
        let mut out = zip[..end].to_vec();
        let end64 = out.len() as u64;
        out.extend(ZIP64_END_SIGNATURE.to_le_bytes());
        out.extend(44u64.to_le_bytes());
        out.extend([45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [count, count, size, offset] {
            out.extend(v.to_le_bytes());
        }
        out.extend(ZIP64_LOCATOR_SIGNATURE.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(end64.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(END_SIGNATURE.to_le_bytes());
        out.extend([0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        out.extend(ZIP64_U32.to_le_bytes());
        out.extend(ZIP64_U32.to_le_bytes());
        out.extend([0, 0]);
        out
    }

    #[test]
    fn a_zip64_end_record_is_read() {
        let zip64 = as_zip64(FIXTURE);
        assert_eq!(
            json_members(&zip64).unwrap(),
            json_members(FIXTURE).unwrap()
        );
        // Its locator gone, the archive is refused, not misread.
        let mut broken = zip64.clone();
        let locator = broken.len() - END_SIZE - ZIP64_LOCATOR_SIZE;
        broken[locator] = 0;
        let err = json_members(&broken).unwrap_err();
        assert!(err.contains("no locator"), "{err}");
    }

    #[test]
    fn a_truncated_or_foreign_file_is_refused() {
        assert!(json_members(b"PK").unwrap_err().contains("too short"));
        let err = json_members(&[0u8; 100]).unwrap_err();
        assert!(err.contains("not a zip"), "{err}");
        let cut = &FIXTURE[..FIXTURE.len() - 30];
        assert!(json_members(cut).is_err());
    }
}
