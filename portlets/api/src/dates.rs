//! Dates as a person reads them on a dashboard: compact in a cell
//! (`aujourd’hui 10 h 14`, `hier`, `28 nov.` / `today 10:14`, `yesterday`,
//! `Nov 28`) and in full on hover (`vendredi 28 novembre 2026, 10 h 14` /
//! `Friday, November 28, 2026, 10:14`), in the viewer's language.
//!
//! Cells already hold the firm's local date or date-time (portlets cut the
//! engine's RFC 3339 text to the firm's `YYYY-MM-DD HH:MM`; RFC 3339 text is
//! read as its local part too), and "today" is the firm's
//! ([`crate::DataContext::today`]), so nothing here knows a time zone.

use crate::manifest::Locale;

/// A local date, and a time when the text has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalDateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// Hours and minutes.
    pub time: Option<(u32, u32)>,
}

impl LocalDateTime {
    /// Reads `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or an RFC 3339 date-time
    /// (`2026-11-27T14:25:06-05:00`: its local part, the offset not applied).
    pub fn parse(text: &str) -> Option<LocalDateTime> {
        let b = text.as_bytes();
        let num = |from: usize, n: usize| -> Option<u32> {
            let part = b.get(from..from + n)?;
            part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |a, d| a * 10 + u32::from(d - b'0')))
        };
        if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
        if !(1..=12).contains(&month) || !(1..=days_in_month(i64::from(year), month)).contains(&day) {
            return None;
        }
        let time = match b.get(10) {
            None => None,
            Some(b' ' | b'T' | b't') if b.get(13) == Some(&b':') => {
                let (h, m) = (num(11, 2)?, num(14, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                Some((h, m))
            }
            _ => return None,
        };
        Some(LocalDateTime { year: i64::from(year), month, day, time })
    }

    /// Days since 1970-01-01.
    pub fn day_number(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { self.year - 1 } else { self.year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_FR_SHORT: [&str; 12] =
    ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_EN_SHORT: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS_FR: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

fn time_text((h, m): (u32, u32), locale: Locale) -> String {
    match locale {
        Locale::Fr => format!("{h} h {m:02}"),
        Locale::En => format!("{h}:{m:02}"),
    }
}

/// The day and month, with the year when it is not `today`'s:
/// `28 nov.` / `Nov 28`, `28 nov. 2025` / `Nov 28, 2025`.
pub fn short_date(d: &LocalDateTime, this_year: Option<i64>, locale: Locale) -> String {
    let m = (d.month - 1) as usize;
    let year = (this_year != Some(d.year)).then_some(d.year);
    match (locale, year) {
        (Locale::Fr, None) => format!("{} {}", d.day, MONTHS_FR_SHORT[m]),
        (Locale::Fr, Some(y)) => format!("{} {} {y}", d.day, MONTHS_FR_SHORT[m]),
        (Locale::En, None) => format!("{} {}", MONTHS_EN_SHORT[m], d.day),
        (Locale::En, Some(y)) => format!("{} {}, {y}", MONTHS_EN_SHORT[m], d.day),
    }
}

/// A cell's compact text relative to the firm's `today` (`YYYY-MM-DD`):
/// today with its time, yesterday, tomorrow, else the short date.
/// `None` when `text` is not a date.
pub fn compact(text: &str, today: Option<&str>, locale: Locale) -> Option<String> {
    let d = LocalDateTime::parse(text)?;
    let today = today.and_then(LocalDateTime::parse);
    let delta = today.map(|t| d.day_number() - t.day_number());
    let fr = locale == Locale::Fr;
    Some(match (delta, d.time) {
        (Some(0), Some(t)) => format!("{} {}", if fr { "aujourd’hui" } else { "today" }, time_text(t, locale)),
        (Some(0), None) => (if fr { "aujourd’hui" } else { "today" }).to_string(),
        (Some(-1), _) => (if fr { "hier" } else { "yesterday" }).to_string(),
        (Some(1), _) => (if fr { "demain" } else { "tomorrow" }).to_string(),
        _ => short_date(&d, today.map(|t| t.year), locale),
    })
}

/// The full date (and time) of a cell, for its hover text; `None` when
/// `text` is not a date.
pub fn full(text: &str, locale: Locale) -> Option<String> {
    let d = LocalDateTime::parse(text)?;
    let weekday = (d.day_number() + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday.
    let m = (d.month - 1) as usize;
    let date = match locale {
        Locale::Fr => format!("{} {} {} {}", WEEKDAYS_FR[weekday], d.day, MONTHS_FR[m], d.year),
        Locale::En => format!("{}, {} {}, {}", WEEKDAYS_EN[weekday], MONTHS_EN[m], d.day, d.year),
    };
    Some(match d.time {
        Some(t) => format!("{date}, {}", time_text(t, locale)),
        None => date,
    })
}

/// A day of a month, without a year, in the viewer's language (`1er mars`,
/// `31 décembre` / `March 1`, `December 31`); `None` for a month outside
/// 1–12.
pub fn month_day(month: u32, day: u32, locale: Locale) -> Option<String> {
    let m = usize::try_from(month).ok().filter(|m| (1..=12).contains(m))? - 1;
    Some(match locale {
        Locale::Fr if day == 1 => format!("1er {}", MONTHS_FR[m]),
        Locale::Fr => format!("{day} {}", MONTHS_FR[m]),
        Locale::En => format!("{} {day}", MONTHS_EN[m]),
    })
}

/// The `YYYY-MM-DD` of a day number, days since 1970-01-01 (the inverse of
/// [`LocalDateTime::day_number`]).
pub fn day_text(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_dates_in_both_languages() {
        let today = Some("2026-11-28");
        let c = |t: &str, l| compact(t, today, l).unwrap();
        assert_eq!(c("2026-11-28 10:14", Locale::Fr), "aujourd’hui 10 h 14");
        assert_eq!(c("2026-11-28 10:14", Locale::En), "today 10:14");
        assert_eq!(c("2026-11-28T09:05:00-05:00", Locale::En), "today 9:05");
        assert_eq!(c("2026-11-27 23:59", Locale::Fr), "hier");
        assert_eq!(c("2026-11-27", Locale::En), "yesterday");
        assert_eq!(c("2026-11-29", Locale::Fr), "demain");
        assert_eq!(c("2026-11-20 08:00", Locale::Fr), "20 nov.");
        assert_eq!(c("2026-11-20 08:00", Locale::En), "Nov 20");
        assert_eq!(c("2025-12-31", Locale::Fr), "31 déc. 2025");
        assert_eq!(c("2025-12-31", Locale::En), "Dec 31, 2025");
        // Across a month and a year end.
        assert_eq!(compact("2026-12-31", Some("2027-01-01"), Locale::En).unwrap(), "yesterday");
        assert_eq!(compact("2024-02-29", Some("2024-03-01"), Locale::Fr).unwrap(), "hier");
        // Without today: the short date with its year.
        assert_eq!(compact("2026-11-28 10:14", None, Locale::En).unwrap(), "Nov 28, 2026");
        for bad in ["", "yesterday", "2026-13-01", "2026-02-30", "2026-11-28X", "2026-11-28 25:00", "28/11/2026"] {
            assert_eq!(compact(bad, today, Locale::Fr), None, "{bad}");
        }
    }

    #[test]
    fn full_dates() {
        assert_eq!(full("2026-11-28 10:14", Locale::Fr).unwrap(), "samedi 28 novembre 2026, 10 h 14");
        assert_eq!(full("2026-11-28 10:14", Locale::En).unwrap(), "Saturday, November 28, 2026, 10:14");
        assert_eq!(full("1970-01-01", Locale::En).unwrap(), "Thursday, January 1, 1970");
        assert_eq!(full("2000-02-29", Locale::Fr).unwrap(), "mardi 29 février 2000");
    }

    #[test]
    fn day_numbers_are_consecutive() {
        // Every day of four years (one leap) follows the one before.
        let mut prev: Option<i64> = None;
        for year in 2023..2027 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    let n = LocalDateTime { year, month, day, time: None }.day_number();
                    if let Some(p) = prev {
                        assert_eq!(n, p + 1, "{year}-{month}-{day}");
                    }
                    prev = Some(n);
                }
            }
        }
    }
}
