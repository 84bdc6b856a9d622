//! Time: stored as UTC milliseconds; the firm's time zone decides days.

use chrono::{DateTime, Utc};

/// Milliseconds since the epoch, as stored.
pub(crate) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time back to UTC.
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Where the engine reads the time. Tests pin it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

impl<F: Fn() -> DateTime<Utc> + Send + Sync> Clock for F {
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}

/// Serialises a time exactly as chrono's `Serialize` does (RFC 3339, `Z`,
/// fractional seconds only as long as needed: 0, 3, 6 or 9 digits), written
/// into a stack buffer. chrono's own goes through `collect_str` and the
/// formatting machinery: 40% of the JSON serialisation of a 50-row client
/// page (two times a row), most of what the C ABI adds to the typed call.
/// Years outside 0–9999 and leap seconds go through chrono.
pub(crate) fn ser_utc<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match iso_utc(t, &mut buf) {
        Some(text) => s.serialize_str(text),
        None => serde::Serialize::serialize(t, s),
    }
}

/// [`ser_utc`] for an optional time.
pub(crate) fn ser_utc_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser_utc(t, s),
        None => s.serialize_none(),
    }
}

/// `t` as chrono's `Serialize` writes it, or `None` where chrono's rules
/// are not written out here (years outside 0–9999, leap seconds).
fn iso_utc<'b>(t: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    let nanos = t.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    fn put(buf: &mut [u8], at: usize, mut value: u32, digits: usize) {
        for i in (0..digits).rev() {
            buf[at + i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    put(buf, 0, year as u32, 4);
    buf[4] = b'-';
    put(buf, 5, t.month(), 2);
    buf[7] = b'-';
    put(buf, 8, t.day(), 2);
    buf[10] = b'T';
    put(buf, 11, t.hour(), 2);
    buf[13] = b':';
    put(buf, 14, t.minute(), 2);
    buf[16] = b':';
    put(buf, 17, t.second(), 2);
    let mut end = 19;
    let (value, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    if digits > 0 {
        buf[end] = b'.';
        put(buf, end + 1, value, digits);
        end += 1 + digits;
    }
    buf[end] = b'Z';
    std::str::from_utf8(&buf[..end + 1]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_json(t: &DateTime<Utc>) -> String {
        serde_json::to_string(t).unwrap()
    }

    fn ours(t: &DateTime<Utc>) -> String {
        let mut out = Vec::new();
        ser_utc(t, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn times_are_written_as_chrono_writes_them() {
        let mut cases: Vec<DateTime<Utc>> = vec![
            DateTime::UNIX_EPOCH,
            from_ms(0),
            from_ms(1),
            from_ms(999),
            from_ms(1_000),
            from_ms(-1),
            from_ms(1_796_539_955_123),
            "2026-12-06T04:32:35.000001Z".parse().unwrap(),
            "2026-12-06T04:32:35.000000001Z".parse().unwrap(),
            "2026-12-06T04:32:35.100200300Z".parse().unwrap(),
            "0000-01-01T00:00:00Z".parse().unwrap(),
            "9999-12-31T23:59:59.999999999Z".parse().unwrap(),
            "2016-12-31T23:59:60.5Z".parse().unwrap(),
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ];
        // Pseudo-random instants over years -100..10100, every precision.
        let mut x: u64 = 0x2026_1206;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = (x % 321_000_000_000) as i64 - 65_000_000_000;
            let nanos = match i % 4 {
                0 => 0,
                1 => (x >> 40) as u32 % 1000 * 1_000_000,
                2 => (x >> 34) as u32 % 1_000_000 * 1_000,
                _ => (x >> 32) as u32 % 1_000_000_000,
            };
            if let Some(t) = DateTime::from_timestamp(secs, nanos) {
                cases.push(t);
            }
        }
        for t in &cases {
            assert_eq!(ours(t), chrono_json(t), "{t:?}");
        }
        // The fast path answered most of them itself.
        let mut buf = [0u8; 30];
        let fast = cases.iter().filter(|t| iso_utc(t, &mut buf).is_some()).count();
        assert!(fast > cases.len() * 9 / 10, "{fast} of {}", cases.len());
    }
}
