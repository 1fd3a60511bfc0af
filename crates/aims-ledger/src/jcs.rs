//! RFC 8785, the JSON Canonicalization Scheme (JCS): the one byte string for a JSON value,
//! so that a record's state hashes the same whichever engine stored it and whichever
//! program reads it back.
//!
//! Implemented here rather than taken from a crate: the scheme is small, the crates that
//! exist either pull in their own number formatter or serialise through a `Serializer`,
//! and the number rules below are the part that needs care and tests anyway.
//!
//! The rules (RFC 8785 §3.2):
//! - no whitespace;
//! - object members sorted by their names compared as arrays of UTF-16 code units;
//! - strings escaped as ECMAScript `JSON.stringify` does: `\"`, `\\`, `\b`, `\f`, `\n`,
//!   `\r`, `\t`, other control characters below U+0020 as `\u00xx` (lowercase hex), every
//!   other character as itself in UTF-8;
//! - numbers are IEEE 754 doubles written as ECMAScript `Number.prototype.toString` does:
//!   the shortest digits that read back as the same double, in plain notation for
//!   magnitudes from 1e-6 up to but not including 1e21, otherwise as `d.ddde+x`/`d.ddde-x`;
//!   `-0` is written `0`.
//!
//! An integer that a double cannot hold exactly (beyond ±2^53, and not a multiple of a
//! large enough power of two) is refused instead of rounded — rounding would give two
//! different states the same hash, which is what a ledger must not do — unless it is
//! already written the way ECMAScript writes its nearest double (`1152921504606847000`,
//! the canonical text of 2^60), so that canonical text read back canonicalises to itself.

use std::fmt::Write as _;

use serde_json::{Number, Value};
use thiserror::Error;

use crate::hash::{Hash, sha256};

/// A value that has no RFC 8785 form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JcsError {
    /// NaN or an infinity (possible only with serde_json's `arbitrary_precision`).
    #[error("the number {0} is not finite and has no JSON form")]
    NonFiniteNumber(String),
    /// An integer that an IEEE 754 double cannot hold exactly.
    #[error(
        "the integer {0} cannot be held exactly by an IEEE 754 double, so RFC 8785 would \
         round it; refused so that two different states cannot hash alike"
    )]
    InexactInteger(String),
}

/// The canonical (RFC 8785) text of `value`.
pub fn canonicalize(value: &Value) -> Result<String, JcsError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

/// Appends the canonical text of `value` to `out`; lets a caller reuse one buffer.
///
/// On error `out` holds a partial text and should be discarded.
pub fn write_canonical(value: &Value, out: &mut String) -> Result<(), JcsError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(number, out)?,
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            // serde_json's map sorts by UTF-8 bytes (or keeps insertion order with
            // `preserve_order`); RFC 8785 wants UTF-16 code units, which differ for
            // characters above U+FFFF against U+E000..U+FFFF. Sort explicitly.
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_canonical(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// SHA-256 of the canonical text of `value`: the state hash of a record.
pub fn state_hash(value: &Value) -> Result<Hash, JcsError> {
    Ok(sha256(canonicalize(value)?.as_bytes()))
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// 2^64 and 2^63 as doubles: conversions of integers at the top of their range round up
/// to these, and casting back would saturate and hide the rounding.
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

fn write_number(number: &Number, out: &mut String) -> Result<(), JcsError> {
    let (value, exact) = if let Some(u) = number.as_u64() {
        let f = u as f64;
        (f, f < TWO_POW_64 && f as u64 == u)
    } else if let Some(i) = number.as_i64() {
        let f = i as f64;
        (f, f < TWO_POW_63 && f as i64 == i)
    } else {
        match number.as_f64() {
            Some(f) if f.is_finite() => (f, true),
            _ => return Err(JcsError::NonFiniteNumber(number.to_string())),
        }
    };
    if exact {
        write_double(value, out);
        return Ok(());
    }
    // Not held exactly. Accept it only if it is already spelled as ECMAScript spells its
    // nearest double (canonical text itself, read back, is such an integer:
    // 1152921504606847000 for 2^60); then nothing is rounded away that the text showed.
    let mut spelled = String::with_capacity(24);
    write_double(value, &mut spelled);
    let decimal = number.to_string();
    if spelled != decimal {
        return Err(JcsError::InexactInteger(decimal));
    }
    out.push_str(&spelled);
    Ok(())
}

/// Writes a finite double as ECMAScript `Number.prototype.toString` does
/// (ECMA-262 §6.1.6.1.20, the algorithm RFC 8785 §3.2.2.3 cites).
pub(crate) fn write_double(value: f64, out: &mut String) {
    if value == 0.0 {
        // Both +0 and -0.
        out.push('0');
        return;
    }
    let magnitude = if value < 0.0 {
        out.push('-');
        -value
    } else {
        value
    };

    // Ryū (already compiled for serde_json) gives the shortest digits that read back as the
    // same double and, among those, the closest, with an exact tie going to the even digit:
    // the digits ECMAScript asks for (ECMA-262 §6.1.6.1.20, note 2). Rust's own `{:e}` is
    // shortest too but rounds such ties up, which RFC 8785 Appendix B shows is wrong
    // (1424953923781206.25 must print as …206.2). Only the layout differs from ECMAScript,
    // so read the digits and the decimal exponent back out of Ryū's text.
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(magnitude);
    let mut digits = [0u8; 32];
    let mut k = 0usize; // significant digits kept
    let mut point: i32 = 0; // decimal exponent of the point: the value is 0.digits × 10^point
    let mut seen_point = false;
    let mut exponent: i32 = 0;
    let mut negative_exponent = false;
    let mut in_exponent = false;
    for byte in text.bytes() {
        match byte {
            b'e' | b'E' => in_exponent = true,
            b'-' if in_exponent => negative_exponent = true,
            b'0'..=b'9' if in_exponent => exponent = exponent * 10 + i32::from(byte - b'0'),
            b'.' => seen_point = true,
            b'0' if k == 0 => {
                // A leading zero is not significant; after the point it shifts the value
                // down one place.
                point -= i32::from(seen_point);
            }
            b'0'..=b'9' => {
                if k < digits.len() {
                    digits[k] = byte;
                    k += 1;
                }
                if !seen_point {
                    point += 1;
                }
            }
            _ => {}
        }
    }
    // Trailing zeros (Ryū writes `100.0`) are not significant.
    while k > 1 && digits[k - 1] == b'0' {
        k -= 1;
    }
    if negative_exponent {
        exponent = -exponent;
    }
    if k == 0 {
        // Not reached for a non-zero finite value; keeps the slicing below total.
        out.push('0');
        return;
    }
    // In ECMAScript's terms the value is 0.d1d2…dk × 10^n.
    let n = point + exponent;
    let digits = &digits[..k];
    let k = k as i32;
    let push_digits = |out: &mut String, d: &[u8]| {
        for &b in d {
            out.push(char::from(b));
        }
    };

    if k <= n && n <= 21 {
        push_digits(out, digits);
        for _ in 0..(n - k) {
            out.push('0');
        }
    } else if 0 < n && n <= 21 {
        let split = n as usize;
        push_digits(out, &digits[..split]);
        out.push('.');
        push_digits(out, &digits[split..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        for _ in 0..(-n) {
            out.push('0');
        }
        push_digits(out, digits);
    } else {
        push_digits(out, &digits[..1]);
        if k > 1 {
            out.push('.');
            push_digits(out, &digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        let _ = write!(out, "{}", (n - 1).unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        canonicalize(&serde_json::from_str(text).unwrap()).unwrap()
    }

    fn double(value: f64) -> String {
        let mut out = String::new();
        write_double(value, &mut out);
        out
    }

    /// RFC 8785 §3.2.2 / Appendix: the example object with numbers, escapes and literals.
    #[test]
    fn rfc8785_values_example() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        assert_eq!(
            canon(input),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
             \"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    /// RFC 8785 §3.2.3: member names sorted by UTF-16 code units, not by code points.
    #[test]
    fn rfc8785_sorting_example() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        assert_eq!(
            canon(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// The RFC author's test data: `weird.json` and `structures.json`.
    #[test]
    fn reference_test_data() {
        let weird = r#"{
          "\u20ac": "Euro Sign",
          "1": "One",
          "\u0080": "Control\u007f",
          "\ud83d\ude02": "Smiley",
          "\u00f6": "Latin Small Letter O With Diaeresis",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "</script>": "Browser Challenge"
        }"#;
        assert_eq!(
            canon(weird),
            "{\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\
             \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
             \"\u{1f602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
        let structures = r#"{
          "1": {"f": {"f": "hi","F": 5} ,"\n": 56.0},
          "10": { },
          "": "empty",
          "a": { },
          "111": [ { } ],
          "A": { }
        }"#;
        assert_eq!(
            canon(structures),
            r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{}],"A":{},"a":{}}"#
        );
    }

    /// RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let table: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for &(bits, expected) in table {
            let value = f64::from_bits(bits);
            assert_eq!(double(value), expected, "bits {bits:016x}");
            // Through serde_json too, where the value is a JSON number.
            if let Some(number) = Number::from_f64(value) {
                assert_eq!(
                    canonicalize(&Value::Number(number)).unwrap(),
                    expected,
                    "bits {bits:016x}"
                );
            }
        }
    }

    #[test]
    fn numbers_from_text_parse_to_the_nearest_double() {
        // The examples the brief names, read from JSON text as the store would.
        for (text, expected) in [
            ("333333333.33333329", "333333333.3333333"),
            ("1E30", "1e+30"),
            ("4.50", "4.5"),
            ("2e-3", "0.002"),
            ("0.000000000000000000000000001", "1e-27"),
            ("-0.0", "0"),
            ("100", "100"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("123e-20", "1.23e-18"),
            ("0.1", "0.1"),
            ("-1.5e-7", "-1.5e-7"),
        ] {
            assert_eq!(canon(text), expected, "{text}");
        }
    }

    #[test]
    fn integers_are_exact_or_refused() {
        assert_eq!(canon("9007199254740992"), "9007199254740992");
        assert_eq!(canon("-9007199254740992"), "-9007199254740992");
        // 2^60 is an exact double; ECMAScript writes its shortest digits then zeros.
        assert_eq!(canon("1152921504606846976"), "1152921504606847000");
        // That canonical text, read back as an integer, is accepted as itself.
        assert_eq!(canon("1152921504606847000"), "1152921504606847000");
        assert_eq!(canon("-1152921504606847000"), "-1152921504606847000");
        // i64::MIN is -2^63, also exact.
        assert_eq!(canon("-9223372036854775808"), "-9223372036854776000");
        for text in [
            "9007199254740993",
            "-9007199254740993",
            "18446744073709551615",
            "9223372036854775807",
            "1152921504606847001",
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            assert!(
                matches!(canonicalize(&value), Err(JcsError::InexactInteger(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn control_characters_are_escaped_in_lowercase_hex() {
        let value = json!({"k": "\u{0}\u{1f}\u{7f}\u{2028}\u{8}\u{c}"});
        assert_eq!(
            canonicalize(&value).unwrap(),
            "{\"k\":\"\\u0000\\u001f\u{7f}\u{2028}\\b\\f\"}"
        );
    }

    #[test]
    fn state_hash_is_sha256_of_the_canonical_text() {
        let value = json!({"b": 1, "a": [true, null, "x"]});
        assert_eq!(
            state_hash(&value).unwrap(),
            sha256(br#"{"a":[true,null,"x"],"b":1}"#)
        );
    }

    #[test]
    fn every_double_round_trips_through_its_canonical_text() {
        // A cheap sweep over bit patterns: the canonical text must read back as the same
        // double (`-0` aside, which is written `0`).
        let mut bits: u64 = 0x0123_4567_89ab_cdef;
        for _ in 0..20_000 {
            bits = bits
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let value = f64::from_bits(bits);
            if !value.is_finite() {
                continue;
            }
            let text = double(value);
            let back: f64 = text.parse().unwrap();
            assert!(back == value, "{value:e} -> {text}");
        }
    }
}
