//! Absolute and relative dates, resolved to half-open day ranges.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::text::fold;

/// What relative dates are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateContext {
    /// Today in the list's time zone.
    pub today: NaiveDate,
    /// First month (1–12) of the fiscal year; any other value is treated as 1.
    pub fiscal_year_start_month: u32,
    /// Weeks start on Monday (`true`) or Sunday (`false`).
    pub week_starts_monday: bool,
}

impl DateContext {
    /// Calendar fiscal year, weeks starting on Monday.
    pub fn new(today: NaiveDate) -> Self {
        DateContext { today, fiscal_year_start_month: 1, week_starts_monday: true }
    }
}

/// Days `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DayRange {
    /// First day included.
    pub start: NaiveDate,
    /// First day excluded.
    pub end: NaiveDate,
}

/// Largest N accepted in `last-N-days`.
pub const MAX_LAST_DAYS: u64 = 36_600;

fn add_days(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    d.checked_add_days(Days::new(n))
}
fn sub_days(d: NaiveDate, n: u64) -> Option<NaiveDate> {
    d.checked_sub_days(Days::new(n))
}
fn add_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(n))
}
fn sub_months(d: NaiveDate, n: u32) -> Option<NaiveDate> {
    d.checked_sub_months(Months::new(n))
}
fn range(start: NaiveDate, end: Option<NaiveDate>) -> Option<DayRange> {
    Some(DayRange { start, end: end? })
}

/// The relative-date keywords, canonical English spelling first, then accepted
/// variants (matching ignores case, accents, `-`, `_`, `'` and spaces).
pub const RELATIVE_KEYWORDS: &[(&str, &[&str])] = &[
    ("today", &["aujourdhui", "aujourd'hui"]),
    ("yesterday", &["hier"]),
    ("tomorrow", &["demain"]),
    ("last-N-days", &["lastNdays", "N-derniers-jours", "derniers-N-jours"]),
    ("this-week", &["cette-semaine"]),
    ("last-week", &["semaine-derniere", "semaine-precedente"]),
    ("this-month", &["ce-mois", "ce-mois-ci"]),
    ("last-month", &["mois-dernier", "mois-precedent"]),
    ("this-quarter", &["ce-trimestre"]),
    ("last-quarter", &["trimestre-dernier", "trimestre-precedent"]),
    ("this-year", &["cette-annee"]),
    ("last-year", &["annee-derniere", "annee-precedente"]),
    ("this-fiscal-year", &["cet-exercice", "exercice-en-cours"]),
    ("last-fiscal-year", &["exercice-dernier", "exercice-precedent"]),
];

/// Reads a date value: `YYYY-MM-DD` (that day), `YYYY-MM` (that month),
/// `YYYY` (that year, four digits) or a relative keyword (see
/// [`RELATIVE_KEYWORDS`] and [`resolve_relative`]).
pub fn resolve_date(s: &str, ctx: &DateContext) -> Option<DayRange> {
    let t = s.trim();
    let b = t.as_bytes();
    let all_digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && all_digits(0..4) && all_digits(5..7) && all_digits(8..10) {
        let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
        return range(d, add_days(d, 1));
    }
    if b.len() == 7 && b[4] == b'-' && all_digits(0..4) && all_digits(5..7) {
        let d = NaiveDate::from_ymd_opt(t[..4].parse().ok()?, t[5..].parse().ok()?, 1)?;
        return range(d, add_months(d, 1));
    }
    if b.len() == 4 && all_digits(0..4) {
        let d = NaiveDate::from_ymd_opt(t.parse().ok()?, 1, 1)?;
        return range(d, add_months(d, 12));
    }
    resolve_relative(t, ctx)
}

/// Resolves a relative-date keyword to `[start, end)`:
///
/// * `today` `[t, t+1)`, `yesterday` `[t-1, t)`, `tomorrow` `[t+1, t+2)`;
/// * `last-N-days` (N ≥ 1, rolling, today included): `[t-(N-1), t+1)`;
/// * `this-week` / `last-week`: the 7 days from the week's first day
///   (Monday or Sunday per [`DateContext::week_starts_monday`]);
/// * `this-month`, `last-month`; `this-quarter`, `last-quarter` (calendar
///   quarters Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec); `this-year`, `last-year`;
/// * `this-fiscal-year` / `last-fiscal-year`: 12 months from the 1st of
///   [`DateContext::fiscal_year_start_month`] (the fiscal year containing today, or the one before).
pub fn resolve_relative(s: &str, ctx: &DateContext) -> Option<DayRange> {
    let key: String = fold(s).chars().filter(|c| !matches!(c, '-' | '_' | '\'' | ' ')).collect();
    let t = ctx.today;
    let month_start = NaiveDate::from_ymd_opt(t.year(), t.month(), 1)?;
    let quarter_start = NaiveDate::from_ymd_opt(t.year(), (t.month() - 1) / 3 * 3 + 1, 1)?;
    let year_start = NaiveDate::from_ymd_opt(t.year(), 1, 1)?;
    let week_start = {
        let back = if ctx.week_starts_monday {
            t.weekday().num_days_from_monday()
        } else {
            t.weekday().num_days_from_sunday()
        };
        sub_days(t, u64::from(back))?
    };
    let fiscal_start = {
        let m = if (1..=12).contains(&ctx.fiscal_year_start_month) { ctx.fiscal_year_start_month } else { 1 };
        let y = if t.month() >= m { t.year() } else { t.year() - 1 };
        NaiveDate::from_ymd_opt(y, m, 1)?
    };
    match key.as_str() {
        "today" | "aujourdhui" => range(t, add_days(t, 1)),
        "yesterday" | "hier" => range(sub_days(t, 1)?, Some(t)),
        "tomorrow" | "demain" => range(add_days(t, 1)?, add_days(t, 2)),
        "thisweek" | "cettesemaine" => range(week_start, add_days(week_start, 7)),
        "lastweek" | "semainederniere" | "semaineprecedente" => range(sub_days(week_start, 7)?, Some(week_start)),
        "thismonth" | "cemois" | "cemoisci" => range(month_start, add_months(month_start, 1)),
        "lastmonth" | "moisdernier" | "moisprecedent" => range(sub_months(month_start, 1)?, Some(month_start)),
        "thisquarter" | "cetrimestre" => range(quarter_start, add_months(quarter_start, 3)),
        "lastquarter" | "trimestredernier" | "trimestreprecedent" => {
            range(sub_months(quarter_start, 3)?, Some(quarter_start))
        }
        "thisyear" | "cetteannee" => range(year_start, add_months(year_start, 12)),
        "lastyear" | "anneederniere" | "anneeprecedente" => range(sub_months(year_start, 12)?, Some(year_start)),
        "thisfiscalyear" | "cetexercice" | "exerciceencours" => range(fiscal_start, add_months(fiscal_start, 12)),
        "lastfiscalyear" | "exercicedernier" | "exerciceprecedent" => {
            range(sub_months(fiscal_start, 12)?, Some(fiscal_start))
        }
        k => {
            let n = last_n_days(k)?;
            if n == 0 || n > MAX_LAST_DAYS {
                return None;
            }
            range(sub_days(t, n - 1)?, add_days(t, 1))
        }
    }
}

/// `lastNdays`, `Nderniersjours`, `derniersNjours` → N.
fn last_n_days(k: &str) -> Option<u64> {
    let num = |s: &str| -> Option<u64> {
        if !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    if let Some(r) = k.strip_prefix("last").and_then(|r| r.strip_suffix("days")) {
        return num(r);
    }
    if let Some(r) = k.strip_suffix("derniersjours") {
        return num(r);
    }
    if let Some(r) = k.strip_prefix("derniers").and_then(|r| r.strip_suffix("jours")) {
        return num(r);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn r(a: NaiveDate, b: NaiveDate) -> Option<DayRange> {
        Some(DayRange { start: a, end: b })
    }
    fn ctx(t: NaiveDate) -> DateContext {
        DateContext::new(t)
    }

    #[test]
    fn absolute() {
        let c = ctx(d(2026, 5, 10));
        assert_eq!(resolve_date("2026-01-31", &c), r(d(2026, 1, 31), d(2026, 2, 1)));
        assert_eq!(resolve_date("2024-02-29", &c), r(d(2024, 2, 29), d(2024, 3, 1)));
        assert_eq!(resolve_date("2025-02-29", &c), None);
        assert_eq!(resolve_date("2026-13-01", &c), None);
        assert_eq!(resolve_date("2026-1-01", &c), None);
        assert_eq!(resolve_date("2026-02", &c), r(d(2026, 2, 1), d(2026, 3, 1)));
        assert_eq!(resolve_date("2024-12", &c), r(d(2024, 12, 1), d(2025, 1, 1)));
        assert_eq!(resolve_date("2026", &c), r(d(2026, 1, 1), d(2027, 1, 1)));
        assert_eq!(resolve_date("20260101", &c), None);
        assert_eq!(resolve_date("+2026-01-01", &c), None);
        assert_eq!(resolve_date("２０２６-01-01", &c), None);
        assert_eq!(resolve_date("", &c), None);
    }

    #[test]
    fn days() {
        let c = ctx(d(2026, 3, 1));
        assert_eq!(resolve_date("today", &c), r(d(2026, 3, 1), d(2026, 3, 2)));
        assert_eq!(resolve_date("Aujourd'hui", &c), r(d(2026, 3, 1), d(2026, 3, 2)));
        assert_eq!(resolve_date("aujourd’hui", &c), r(d(2026, 3, 1), d(2026, 3, 2)));
        assert_eq!(resolve_date("yesterday", &c), r(d(2026, 2, 28), d(2026, 3, 1)));
        assert_eq!(resolve_date("hier", &c), r(d(2026, 2, 28), d(2026, 3, 1)));
        assert_eq!(resolve_date("tomorrow", &c), r(d(2026, 3, 2), d(2026, 3, 3)));
        assert_eq!(resolve_date("hier", &ctx(d(2024, 3, 1))), r(d(2024, 2, 29), d(2024, 3, 1)));
        assert_eq!(resolve_date("yesterday", &ctx(d(2026, 1, 1))), r(d(2025, 12, 31), d(2026, 1, 1)));
    }

    #[test]
    fn last_n() {
        let c = ctx(d(2026, 3, 5));
        let want = r(d(2026, 2, 27), d(2026, 3, 6));
        for s in ["last-7-days", "last7days", "LAST_7_DAYS", "7-derniers-jours", "derniers-7-jours"] {
            assert_eq!(resolve_date(s, &c), want, "{s}");
        }
        assert_eq!(resolve_date("last-1-days", &c), r(d(2026, 3, 5), d(2026, 3, 6)));
        assert_eq!(resolve_date("last-30-days", &ctx(d(2024, 3, 1))), r(d(2024, 2, 1), d(2024, 3, 2)));
        assert_eq!(resolve_date("last-0-days", &c), None);
        assert_eq!(resolve_date("last--days", &c), None);
        assert_eq!(resolve_date("last-99999999999999999999-days", &c), None);
        assert_eq!(resolve_date("last-36601-days", &c), None);
        assert!(resolve_date("last-36600-days", &c).is_some());
        assert_eq!(resolve_date("last-x-days", &c), None);
    }

    #[test]
    fn weeks() {
        // 2026-03-04 is a Wednesday.
        let mut c = ctx(d(2026, 3, 4));
        assert_eq!(resolve_date("this-week", &c), r(d(2026, 3, 2), d(2026, 3, 9)));
        assert_eq!(resolve_date("last-week", &c), r(d(2026, 2, 23), d(2026, 3, 2)));
        c.week_starts_monday = false;
        assert_eq!(resolve_date("cette-semaine", &c), r(d(2026, 3, 1), d(2026, 3, 8)));
        assert_eq!(resolve_date("semaine-derniere", &c), r(d(2026, 2, 22), d(2026, 3, 1)));
        // Sunday 2026-03-08: last day of a Monday week, first of a Sunday week.
        let mut c = ctx(d(2026, 3, 8));
        assert_eq!(resolve_date("this-week", &c), r(d(2026, 3, 2), d(2026, 3, 9)));
        c.week_starts_monday = false;
        assert_eq!(resolve_date("this-week", &c), r(d(2026, 3, 8), d(2026, 3, 15)));
        // Monday 2026-01-05 / week across the new year.
        let c = ctx(d(2026, 1, 1));
        assert_eq!(resolve_date("this-week", &c), r(d(2025, 12, 29), d(2026, 1, 5)));
    }

    #[test]
    fn months() {
        let c = ctx(d(2026, 1, 15));
        assert_eq!(resolve_date("this-month", &c), r(d(2026, 1, 1), d(2026, 2, 1)));
        assert_eq!(resolve_date("last-month", &c), r(d(2025, 12, 1), d(2026, 1, 1)));
        assert_eq!(resolve_date("mois-dernier", &c), r(d(2025, 12, 1), d(2026, 1, 1)));
        let c = ctx(d(2024, 3, 31));
        assert_eq!(resolve_date("last-month", &c), r(d(2024, 2, 1), d(2024, 3, 1)));
        assert_eq!(resolve_date("ce-mois", &c), r(d(2024, 3, 1), d(2024, 4, 1)));
        let c = ctx(d(2024, 2, 29));
        assert_eq!(resolve_date("this-month", &c), r(d(2024, 2, 1), d(2024, 3, 1)));
        let c = ctx(d(2026, 12, 31));
        assert_eq!(resolve_date("this-month", &c), r(d(2026, 12, 1), d(2027, 1, 1)));
    }

    #[test]
    fn quarters() {
        let c = ctx(d(2026, 2, 10));
        assert_eq!(resolve_date("this-quarter", &c), r(d(2026, 1, 1), d(2026, 4, 1)));
        assert_eq!(resolve_date("last-quarter", &c), r(d(2025, 10, 1), d(2026, 1, 1)));
        let c = ctx(d(2026, 6, 30));
        assert_eq!(resolve_date("ce-trimestre", &c), r(d(2026, 4, 1), d(2026, 7, 1)));
        assert_eq!(resolve_date("trimestre-precedent", &c), r(d(2026, 1, 1), d(2026, 4, 1)));
        let c = ctx(d(2026, 7, 1));
        assert_eq!(resolve_date("this-quarter", &c), r(d(2026, 7, 1), d(2026, 10, 1)));
        let c = ctx(d(2026, 12, 31));
        assert_eq!(resolve_date("this-quarter", &c), r(d(2026, 10, 1), d(2027, 1, 1)));
    }

    #[test]
    fn years() {
        let c = ctx(d(2024, 2, 29));
        assert_eq!(resolve_date("this-year", &c), r(d(2024, 1, 1), d(2025, 1, 1)));
        assert_eq!(resolve_date("last-year", &c), r(d(2023, 1, 1), d(2024, 1, 1)));
        assert_eq!(resolve_date("cette-annee", &c), r(d(2024, 1, 1), d(2025, 1, 1)));
        assert_eq!(resolve_date("année-dernière", &c), r(d(2023, 1, 1), d(2024, 1, 1)));
    }

    #[test]
    fn fiscal_years() {
        let mut c = ctx(d(2026, 3, 31));
        c.fiscal_year_start_month = 4;
        assert_eq!(resolve_date("this-fiscal-year", &c), r(d(2025, 4, 1), d(2026, 4, 1)));
        assert_eq!(resolve_date("last-fiscal-year", &c), r(d(2024, 4, 1), d(2025, 4, 1)));
        c.today = d(2026, 4, 1);
        assert_eq!(resolve_date("cet-exercice", &c), r(d(2026, 4, 1), d(2027, 4, 1)));
        assert_eq!(resolve_date("exercice-precedent", &c), r(d(2025, 4, 1), d(2026, 4, 1)));
        c.fiscal_year_start_month = 1;
        assert_eq!(resolve_date("this-fiscal-year", &c), r(d(2026, 1, 1), d(2027, 1, 1)));
        assert_eq!(resolve_date("last-fiscal-year", &c), r(d(2025, 1, 1), d(2026, 1, 1)));
        c.fiscal_year_start_month = 0;
        assert_eq!(resolve_date("this-fiscal-year", &c), r(d(2026, 1, 1), d(2027, 1, 1)));
        c.fiscal_year_start_month = 12;
        c.today = d(2026, 11, 30);
        assert_eq!(resolve_date("this-fiscal-year", &c), r(d(2025, 12, 1), d(2026, 12, 1)));
    }

    #[test]
    fn unknown_and_extremes() {
        let c = ctx(d(2026, 1, 1));
        assert_eq!(resolve_date("next-week", &c), None);
        assert_eq!(resolve_date("🎉", &c), None);
        let c = ctx(NaiveDate::MIN);
        assert_eq!(resolve_date("yesterday", &c), None);
        assert_eq!(resolve_date("last-year", &c), None);
        let c = ctx(NaiveDate::MAX);
        assert_eq!(resolve_date("today", &c), None);
        assert_eq!(resolve_date("this-year", &c), None);
    }
}
