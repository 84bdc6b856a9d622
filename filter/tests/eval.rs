use std::collections::HashMap;

use chrono::NaiveDate;
use clientele_filter::eval::{eval, eval_with, utc_day_start};
use clientele_filter::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn reg() -> Registry {
    Registry::new(vec![
        FieldDef::new(
            "status",
            FieldType::Enum {
                values: vec![EnumValue::labelled("active", "actif", "Active"), EnumValue::new("inactive")],
            },
        )
        .alias("statut"),
        FieldDef::new("name", FieldType::Text).alias("nom"),
        FieldDef::new("amount", FieldType::Number(NumberKind::Float)),
        FieldDef::new("visits", FieldType::Number(NumberKind::Int)),
        FieldDef::new("when", FieldType::Date),
        FieldDef::new("created", FieldType::DateTime),
        FieldDef::new("vip", FieldType::Bool),
        FieldDef::new("id", FieldType::Id),
    ])
}

type R = HashMap<String, FieldValue>;

fn row(pairs: &[(&str, FieldValue)]) -> R {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn t(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

fn m(filter: &str, r: &R) -> bool {
    let ctx = DateContext::new(d(2026, 3, 4));
    let typed = check(&parse(filter).unwrap(), &reg(), &ctx).unwrap_or_else(|e| panic!("{filter}: {e:?}"));
    eval(&typed, r, &|k| k == "helene" || k == "jean cote")
}

#[test]
fn text_semantics() {
    let r = row(&[("name", t("Hélène D’Amours-Côté"))]);
    assert!(m("name:helene", &r));
    assert!(m("nom:HÉLÈNE", &r));
    assert!(m("name:\"d'amours\"", &r));
    assert!(m("name:amours-cote", &r));
    assert!(m("name:\"\"", &r));
    assert!(!m("name:helena", &r));
    assert!(!m("name=helene", &r));
    assert!(m("name=\"hélène d'amours-côté\"", &r));
    assert!(m("name!=helene", &r));
    assert!(!m("name!=\"HELENE D'AMOURS-COTE\"", &r));
    assert!(m("name:(zzz,cote)", &r));
    assert!(!m("name:(zzz,yyy)", &r));
    // Combining accents in the row.
    let r = row(&[("name", t("He\u{301}le\u{300}ne"))]);
    assert!(m("name=hélène", &r));
    // Hostile characters are literal.
    let r = row(&[("name", t("50%_off\\x"))]);
    assert!(m("name:%_", &r));
    assert!(!m("name:%x", &r));
    assert!(m("name:\"\\\\x\"", &r));
    let r = row(&[("name", t("abc"))]);
    assert!(!m("name:%", &r));
    assert!(!m("name:_", &r));
    assert!(!m("name:\"'; DROP TABLE clients;--\"", &r));
}

#[test]
fn null_semantics() {
    let empty = row(&[]);
    let nulls = row(&[("name", FieldValue::Null), ("status", FieldValue::Null), ("amount", FieldValue::Null)]);
    for r in [&empty, &nulls] {
        for f in [
            "name:x",
            "name:\"\"",
            "name=x",
            "name!=x",
            "status:active",
            "status!=active",
            "amount>0",
            "amount<0",
            "amount!=0",
            "visits:(1,2)",
            "when:today",
            "when>=2000-01-01",
            "when<=2100-01-01",
            "vip:oui",
            "vip:non",
            "vip!=oui",
            "id:1",
            "id!=1",
            "created:this-year",
        ] {
            assert!(!m(f, r), "{f} matched NULL");
            assert!(m(&format!("-{f}"), r), "-{f} did not match NULL");
            assert!(m(&format!("NOT ({f})"), r), "NOT ({f}) did not match NULL");
        }
    }
    assert!(m("", &empty));
    assert!(m("-(a OR b)", &empty));
}

#[test]
fn numbers() {
    let r = row(&[("amount", FieldValue::Float(12.5)), ("visits", FieldValue::Int(3))]);
    assert!(m("amount:12,5", &r));
    assert!(m("amount=12.5", &r));
    assert!(m("amount>12", &r));
    assert!(m("amount>=12.5 amount<=12.5", &r));
    assert!(!m("amount<12.5", &r));
    assert!(m("amount!=12", &r));
    assert!(m("amount:10..15", &r));
    assert!(!m("amount:13..", &r));
    assert!(m("amount:..12.5", &r));
    assert!(m("visits:3 visits:(1,3) visits>2 visits<4 visits!=4", &r));
    assert!(!m("visits:(1,2)", &r));
    // Int column for a float field and vice versa.
    let r = row(&[("amount", FieldValue::Int(12)), ("visits", FieldValue::Float(3.0))]);
    assert!(m("amount=12 amount<12.5", &r));
    assert!(m("visits=3 visits:(3) visits>=3", &r));
    let r = row(&[("amount", FieldValue::Float(f64::NAN))]);
    assert!(!m("amount>0", &r) && !m("amount<0", &r) && !m("amount!=0", &r) && !m("amount=0", &r));
    // Wrong variants never match.
    let r = row(&[("amount", t("12.5"))]);
    assert!(!m("amount:12.5", &r) && !m("amount!=1", &r));
}

#[test]
fn enums_bools_ids() {
    let r = row(&[("status", t("active")), ("vip", FieldValue::Bool(true)), ("id", t("AbC"))]);
    assert!(m("status:active statut:actif status=ACTIVE status:(inactive,active) status!=inactive", &r));
    assert!(!m("status:inactive", &r));
    assert!(m("vip:oui vip=yes vip!=non", &r));
    assert!(!m("vip:non", &r));
    assert!(m("id:AbC id:(x,AbC) id!=abc", &r));
    assert!(!m("id:abc", &r));
    // Enum values compare exactly with the canonical value.
    let r = row(&[("status", t("Active"))]);
    assert!(!m("status:active", &r));
    let r = row(&[("vip", FieldValue::Int(0)), ("id", FieldValue::Int(42))]);
    assert!(m("vip:non id:42", &r));
    assert!(!m("id:042", &r));
}

#[test]
fn dates() {
    let r = row(&[("when", FieldValue::Date(d(2026, 3, 4)))]);
    assert!(m("when:today when:2026-03-04 when:this-week when:this-month when:last-7-days", &r));
    assert!(m("when:2026-03 when:2026 when:this-year when:this-quarter", &r));
    assert!(!m("when:yesterday", &r));
    assert!(m("when>=2026-03-04 when<=2026-03-04 when>2026-03-03 when<2026-03-05", &r));
    assert!(!m("when>2026-03-04", &r));
    assert!(!m("when<2026-03-04", &r));
    assert!(m("when:2026-01-01..2026-03-04", &r));
    assert!(!m("when:2026-01-01..2026-03-03", &r));
    assert!(m("when:(yesterday,today)", &r));
    let r = row(&[("when", FieldValue::Date(d(2026, 2, 26)))]);
    assert!(m("when:last-7-days", &r));
    let r = row(&[("when", FieldValue::Date(d(2026, 2, 25)))]);
    assert!(!m("when:last-7-days", &r));
}

#[test]
fn date_times() {
    let ms = |y, mo, da, h| d(y, mo, da).and_hms_opt(h, 0, 0).unwrap().and_utc().timestamp_millis();
    let r = row(&[("created", FieldValue::DateTime(ms(2026, 3, 4, 23)))]);
    assert!(m("created:today", &r));
    assert!(m("created:2026-03-04", &r));
    assert!(!m("created:2026-03-05", &r));
    let r = row(&[("created", FieldValue::DateTime(ms(2026, 3, 5, 0)))]);
    assert!(!m("created:today", &r));
    assert!(m("created>today", &r));
    assert_eq!(utc_day_start(d(1970, 1, 2)), 86_400_000);

    // A list in UTC-5: local day d starts at 05:00 UTC.
    let ctx = DateContext::new(d(2026, 3, 4));
    let typed = check(&parse("created:today").unwrap(), &reg(), &ctx).unwrap();
    let east = |day: NaiveDate| utc_day_start(day) + 5 * 3_600_000;
    let r = row(&[("created", FieldValue::DateTime(ms(2026, 3, 5, 2)))]);
    assert!(eval_with(&typed, &r, &|_| false, &east));
    assert!(!eval(&typed, &r, &|_| false));
    // Date-typed conditions also accept DateTime values and vice versa.
    let r = row(&[("created", FieldValue::Date(d(2026, 3, 4)))]);
    assert!(m("created:today", &r));
}

#[test]
fn keywords_and_logic() {
    let r = row(&[("status", t("active"))]);
    assert!(m("Hélène", &r));
    assert!(m("\"Jean Côté\"", &r));
    assert!(!m("Marie", &r));
    assert!(m("-Marie", &r));
    assert!(m("Marie OR Hélène", &r));
    assert!(!m("Marie Hélène", &r));
    assert!(m("(Marie OR Hélène) status:active", &r));
    assert!(!m("-(Marie OR Hélène)", &r));
    assert!(m("NOT NOT status:active", &r));
    let seen = std::cell::RefCell::new(Vec::new());
    let typed = check(&parse("Côté \"D’Amours  X\"").unwrap(), &reg(), &DateContext::new(d(2026, 1, 1))).unwrap();
    eval(&typed, &r, &|k| {
        seen.borrow_mut().push(k.to_string());
        true
    });
    assert_eq!(*seen.borrow(), ["cote", "d'amours  x"]);
    assert!(eval(&Typed::And(vec![]), &r, &|_| false));
    assert!(!eval(&Typed::Or(vec![]), &r, &|_| true));
}

/// Not(c) is exactly the complement of c on random rows (incl. NULLs).
#[test]
fn negation_is_complement() {
    let filters = [
        "name:a",
        "name=ab",
        "name!=a",
        "amount>1",
        "amount:1..2",
        "visits:(1,2)",
        "status:active",
        "vip:oui",
        "id!=x",
        "when:this-month",
        "created<=yesterday",
        "a OR name:b",
        "-(vip:non amount<0)",
    ];
    let ctx = DateContext::new(d(2026, 3, 4));
    let mut s: u64 = 0x1234_5678;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for _ in 0..2_000 {
        let mut r = R::new();
        let pick = |n: u64, k: u64| n % k;
        let v = next();
        if pick(v, 3) > 0 {
            r.insert("name".into(), t(["a", "AB", "b", "é"][pick(v >> 8, 4) as usize]));
        }
        if pick(v >> 16, 3) > 0 {
            r.insert("amount".into(), FieldValue::Float((pick(v >> 20, 5) as f64) - 1.0));
        }
        if pick(v >> 24, 3) > 0 {
            r.insert("visits".into(), FieldValue::Int(pick(v >> 28, 4) as i64));
        }
        if pick(v >> 32, 3) > 0 {
            r.insert("status".into(), t(["active", "inactive"][pick(v >> 36, 2) as usize]));
        }
        if pick(v >> 40, 3) > 0 {
            r.insert("vip".into(), FieldValue::Bool(pick(v >> 44, 2) == 0));
        }
        if pick(v >> 48, 3) > 0 {
            r.insert("when".into(), FieldValue::Date(d(2026, 2, 20) + chrono::Days::new(pick(v >> 52, 20))));
        }
        for f in filters {
            let pos = check(&parse(f).unwrap(), &reg(), &ctx).unwrap();
            let neg = check(&parse(&format!("-({f})")).unwrap(), &reg(), &ctx).unwrap();
            let kw = |k: &str| k == "a";
            assert_ne!(eval(&pos, &r, &kw), eval(&neg, &r, &kw), "{f} {r:?}");
        }
    }
}

/// A field with several values (the people in charge of a client): `=` and
/// lists hold when one value matches; `!=` when there is a value and none
/// equals; an empty list is NULL; `NOT` is the complement throughout.
#[test]
fn list_values_match_when_one_does() {
    use FieldValue::{Int, List};
    let rows =
        [row(&[("id", List(vec![Int(3), Int(7)]))]), row(&[("id", List(vec![]))]), row(&[("id", List(vec![Int(3)]))])];
    let cases: [(&str, [bool; 3]); 5] = [
        ("id:7", [true, false, false]),
        ("id:(7,9)", [true, false, false]),
        ("id!=3", [false, false, false]),
        ("id!=7", [false, false, true]),
        ("NOT id:7", [false, true, true]),
    ];
    for (filter, want) in cases {
        let got: Vec<bool> = rows.iter().map(|r| m(filter, r)).collect();
        assert_eq!(got, want, "{filter}");
    }
    // NOT is the exact complement of every condition, as for single values.
    for (filter, _) in cases {
        for r in &rows {
            assert_ne!(m(filter, r), m(&format!("NOT ({filter})"), r), "{filter}");
        }
    }
}
