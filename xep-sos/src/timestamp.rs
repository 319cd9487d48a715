//! XEP-0082 / RFC 3339 timestamps, as used by item ids, `<expected_end/>` and the JSON
//! status file.

use core::cmp::Ordering;
use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

/// An XEP-0082 "DateTime" (RFC 3339 `date-time`): a moment with a UTC offset, with or
/// without fractional seconds.
///
/// Reading is exactly the JSON Schema `date-time` format: `T` or `t` between date and
/// time, seconds required, `Z`/`z` or a `±HH:MM` offset required, a leap second only at
/// 23:59:60 UTC. A space instead of `T` (which chrono alone would accept) is refused.
///
/// Writing uses `Z` for a zero offset and keeps the original offset otherwise, and keeps
/// fractional seconds (xmpp-parsers' own codec drops them).
///
/// Equality and order compare the moment, not the spelling: `2021-01-01T01:00:00Z` and
/// `2021-01-01T02:00:00+01:00` are equal.
#[derive(Clone, Copy)]
pub struct Timestamp(DateTime<FixedOffset>);

/// Why a text is not an RFC 3339 `date-time`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time: {value:?}")]
pub struct TimestampError {
    /// The text as given.
    pub value: String,
}

impl Timestamp {
    /// Parses an RFC 3339 `date-time` (see the type docs for what is accepted).
    ///
    /// ```
    /// # use xep_sos::Timestamp;
    /// let t = Timestamp::parse("2021-01-12T01:01:01.5+01:00")?;
    /// assert_eq!(t.to_string(), "2021-01-12T01:01:01.500+01:00");
    /// assert_eq!(t, Timestamp::parse("2021-01-12T00:01:01.5Z")?);
    /// assert!(Timestamp::parse("2025-06-01 08:00").is_err());
    /// # Ok::<(), xep_sos::TimestampError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let err = || TimestampError {
            value: text.to_owned(),
        };
        if !is_rfc3339(text) {
            return Err(err());
        }
        DateTime::parse_from_rfc3339(text)
            .map(Self)
            .map_err(|_| err())
    }

    /// A timestamp for a UTC moment.
    pub fn from_utc(moment: DateTime<Utc>) -> Self {
        Self(moment.fixed_offset())
    }

    /// The moment with the offset it was written with.
    pub fn as_datetime(&self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The moment in UTC.
    pub fn to_utc(&self) -> DateTime<Utc> {
        self.0.with_timezone(&Utc)
    }
}

impl From<DateTime<FixedOffset>> for Timestamp {
    fn from(value: DateTime<FixedOffset>) -> Self {
        Self(value)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Self::from_utc(value)
    }
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for Timestamp {}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl core::hash::Hash for Timestamp {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.to_utc().hash(state);
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, TimestampError> {
        Self::parse(s)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <alloc::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> alloc::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "date-time" })
    }
}

impl xso::FromXmlText for Timestamp {
    /// Element content is xs:dateTime, whose white space collapses: pretty-printed
    /// `<expected_end>` values read.
    fn from_xml_text(text: String) -> Result<Self, xso::error::Error> {
        Self::parse(text.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
            .map_err(xso::error::Error::text_parse_error)
    }
}

impl xso::AsXmlText for Timestamp {
    fn as_xml_text(&self) -> Result<alloc::borrow::Cow<'_, str>, xso::error::Error> {
        Ok(self.to_string().into())
    }
}

/// Whether `text` is an RFC 3339 section 5.6 `date-time`, with the rules of the JSON
/// Schema `date-time` format: valid calendar date, hour ≤ 23, minute ≤ 59, second ≤ 60
/// where 60 is allowed only at 23:59 UTC, offset hours ≤ 23 and minutes ≤ 59.
pub fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: core::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
        } else {
            None
        }
    };
    let check = || -> Option<bool> {
        let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
        if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
            return Some(false);
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Some(false),
        };
        if day == 0 || day > days {
            return Some(false);
        }
        let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
        if b[13] != b':' || b[16] != b':' || hour > 23 || minute > 59 || second > 60 {
            return Some(false);
        }
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return Some(false);
            }
        }
        let (offset_minutes, end) = match b.get(i)? {
            b'Z' | b'z' => (0i64, i + 1),
            sign @ (b'+' | b'-') => {
                let (oh, om) = (digits(i + 1..i + 3)?, digits(i + 4..i + 6)?);
                if b[i + 3] != b':' || oh > 23 || om > 59 {
                    return Some(false);
                }
                let m = i64::from(oh * 60 + om);
                (if *sign == b'+' { m } else { -m }, i + 6)
            }
            _ => return Some(false),
        };
        if end != b.len() {
            return Some(false);
        }
        if second == 60 {
            let utc = (i64::from(hour * 60 + minute) - offset_minutes).rem_euclid(24 * 60);
            return Some(utc == 23 * 60 + 59);
        }
        Some(true)
    };
    b.len() >= 20 && check().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_rfc3339_allows() {
        for ok in [
            "2021-01-12T01:01:01Z",
            "2021-01-12t01:01:01z",
            "2021-01-12T01:01:01.123456789Z",
            "2021-01-12T01:01:01+05:30",
            "2021-01-12T01:01:01-00:00",
            "2024-02-29T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T15:59:60-08:00",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
            assert!(Timestamp::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_near_misses() {
        for bad in [
            "2025-06-01 08:00",
            "2025-06-01 08:00:00Z",
            "2021-01-12T01:01:01",
            "2021-01-12T01:01Z",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-01-12T24:00:00Z",
            "2021-01-12T01:01:01.Z",
            "2021-01-12T01:01:01+24:00",
            "2021-01-12T01:01:01+0100",
            "2021-01-12T12:00:60Z",
            "2021-01-12T01:01:01Z ",
            "2021-1-12T01:01:01Z",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
            let err = Timestamp::parse(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("not an RFC 3339 date-time: {bad:?}")
            );
        }
    }

    #[test]
    fn writes_z_for_utc_and_keeps_offsets_and_fractions() {
        let t = Timestamp::parse("2021-01-12T01:01:01+00:00").unwrap();
        assert_eq!(t.to_string(), "2021-01-12T01:01:01Z");
        let t = Timestamp::parse("2021-01-12T01:01:01.25-03:00").unwrap();
        assert_eq!(t.to_string(), "2021-01-12T01:01:01.250-03:00");
        assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn order_is_by_moment() {
        let a = Timestamp::parse("2021-01-01T02:00:00+01:00").unwrap();
        let b = Timestamp::parse("2021-01-01T01:00:00Z").unwrap();
        let c = Timestamp::parse("2021-01-01T01:00:01Z").unwrap();
        assert_eq!(a, b);
        assert!(b < c);
    }
}
