//! Property tests (hand-written xorshift generator): text and JSON round
//! trips over hostile strings, and a no-panic fuzz loop.

mod common;

use chrono::NaiveDate;
use clientele_filter::*;
use common::{HOSTILE, Rng, hostile_string, sx};

const FIELDS: &[&str] = &["status", "name", "x", "a-b", "é", "x.y", "_f", "OR", "NOT", "when2", "Dé_jà"];
const OPS: &[Op] = &[Op::Colon, Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge];

fn big() -> Limits {
    Limits { max_len: usize::MAX, max_depth: 64, max_terms: 10_000, max_list_items: 10_000 }
}

fn sp(s: String) -> Spanned<String> {
    Spanned::unspanned(s)
}

fn gen_leaf(r: &mut Rng) -> Expr {
    if r.chance(1, 3) {
        let text = hostile_string(r);
        let quoted = r.chance(1, 2) || keyword_needs_quotes(&text);
        return Expr::Keyword { text: sp(text), quoted };
    }
    let field = sp(r.pick(FIELDS).to_string());
    let op = *r.pick(OPS);
    let value = if op == Op::Colon && r.chance(1, 2) {
        if r.chance(1, 2) {
            let n = 1 + r.below(4);
            Value::List((0..n).map(|_| sp(hostile_string(r))).collect())
        } else {
            let lo = (r.chance(2, 3)).then(|| sp(hostile_string(r)));
            let hi = if lo.is_none() || r.chance(2, 3) { Some(sp(hostile_string(r))) } else { None };
            Value::Range { lo, hi }
        }
    } else {
        let text = if r.chance(1, 10) { String::new() } else { hostile_string(r) };
        let quoted = r.chance(1, 3) || value_needs_quotes(&text);
        Value::Single { text: sp(text), quoted }
    };
    Expr::Cond { field, op: Spanned::unspanned(op), value }
}

fn gen_expr(r: &mut Rng, depth: usize) -> Expr {
    if depth == 0 || r.chance(2, 5) {
        return gen_leaf(r);
    }
    match r.below(3) {
        0 => Expr::Not(Box::new(gen_expr(r, depth - 1))),
        k => {
            let n = 2 + r.below(3);
            let v = (0..n).map(|_| gen_expr(r, depth - 1)).collect();
            if k == 1 { Expr::And(v) } else { Expr::Or(v) }
        }
    }
}

fn gen_json(r: &mut Rng, depth: usize) -> JsonFilter {
    let s = |r: &mut Rng| hostile_string(r);
    if depth > 0 && r.chance(1, 2) {
        let n = r.below(4);
        return match r.below(3) {
            0 => JsonFilter::Not(JsonNot { not: Box::new(gen_json(r, depth - 1)) }),
            1 => JsonFilter::And(JsonAnd { and: (0..n).map(|_| gen_json(r, depth - 1)).collect() }),
            _ => JsonFilter::Or(JsonOr { or: (0..n).map(|_| gen_json(r, depth - 1)).collect() }),
        };
    }
    let field = if r.chance(1, 5) { s(r) } else { r.pick(FIELDS).to_string() };
    JsonFilter::Cond(match r.below(10) {
        0 => return JsonFilter::Keyword(JsonKeyword { keyword: s(r) }),
        1 => JsonCond::Match { field, value: s(r) },
        2 => JsonCond::Eq { field, value: s(r) },
        3 => JsonCond::Ne { field, value: s(r) },
        4 => JsonCond::Lt { field, value: s(r) },
        5 => JsonCond::Le { field, value: s(r) },
        6 => JsonCond::Gt { field, value: s(r) },
        7 => JsonCond::Ge { field, value: s(r) },
        8 => JsonCond::In { field, values: (0..r.below(4)).map(|_| s(r)).collect() },
        _ => JsonCond::Between { field, from: r.chance(1, 2).then(|| s(r)), to: r.chance(1, 2).then(|| s(r)) },
    })
}

/// JSON trees the text syntax can express: groups with ≥ 2 children,
/// non-empty lists, ranges with an end, identifier fields.
fn expressible(j: &JsonFilter) -> bool {
    match j {
        JsonFilter::And(a) => a.and.len() >= 2 && a.and.iter().all(expressible),
        JsonFilter::Or(o) => o.or.len() >= 2 && o.or.iter().all(expressible),
        JsonFilter::Not(n) => expressible(&n.not),
        JsonFilter::Keyword(_) => true,
        JsonFilter::Cond(c) => {
            let field = match c {
                JsonCond::Match { field, .. }
                | JsonCond::Eq { field, .. }
                | JsonCond::Ne { field, .. }
                | JsonCond::Lt { field, .. }
                | JsonCond::Le { field, .. }
                | JsonCond::Gt { field, .. }
                | JsonCond::Ge { field, .. } => field,
                JsonCond::In { field, values } if !values.is_empty() => field,
                JsonCond::Between { field, from, to } if from.is_some() || to.is_some() => field,
                _ => return false,
            };
            FIELDS.contains(&field.as_str())
        }
    }
}

#[test]
fn text_round_trip() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..20_000 {
        let e = gen_expr(&mut r, 4);
        let text = to_text(&e);
        let back = parse_with_limits(&text, &big())
            .unwrap_or_else(|err| panic!("#{i} {} -> {text:?} failed: {err:?}", sx(&e)));
        assert_eq!(back.without_spans(), e, "#{i} {text:?}\n{}\n{}", sx(&e), sx(&back));
        // Canonical text is a fixed point.
        assert_eq!(to_text(&back), text);
    }
}

#[test]
fn text_round_trip_hostile_singletons() {
    for h in HOSTILE.iter().chain(["", " ", "a\"b", "\\\\", "x:y:z", "-5", "a.", ".a", "a.b."].iter()) {
        for quoted in [false, true] {
            let kw = Expr::Keyword { text: sp(h.to_string()), quoted: quoted || keyword_needs_quotes(h) };
            let t = to_text(&kw);
            assert_eq!(parse(&t).unwrap().without_spans(), kw, "{t:?}");
            for op in OPS {
                let c = Expr::Cond {
                    field: sp("f".into()),
                    op: Spanned::unspanned(*op),
                    value: Value::Single { text: sp(h.to_string()), quoted: quoted || value_needs_quotes(h) },
                };
                let t = to_text(&c);
                assert_eq!(parse(&t).unwrap().without_spans(), c, "{t:?}");
            }
            if !h.is_empty() {
                for (lo, hi) in [(Some(*h), None), (None, Some(*h)), (Some(*h), Some(*h))] {
                    let c = Expr::Cond {
                        field: sp("f".into()),
                        op: Spanned::unspanned(Op::Colon),
                        value: Value::Range { lo: lo.map(|s| sp(s.into())), hi: hi.map(|s| sp(s.into())) },
                    };
                    let t = to_text(&c);
                    assert_eq!(parse(&t).unwrap().without_spans(), c, "{t:?}");
                }
            }
        }
    }
}

#[test]
fn json_round_trip() {
    let mut r = Rng(0xDEAD_BEEF_1234_5678);
    let mut expressed = 0;
    for i in 0..20_000 {
        let j = gen_json(&mut r, 4);
        let e = Expr::from(&j);
        assert_eq!(JsonFilter::from(&e), j, "#{i}");
        let s = serde_json::to_string(&j).unwrap();
        let parsed: JsonFilter = serde_json::from_str(&s).unwrap_or_else(|err| panic!("#{i} {s}: {err}"));
        assert_eq!(parsed, j, "#{i} {s}");
        let e2 = parse_json(&s, &big()).unwrap();
        assert_eq!(e2, e);
        if expressible(&j) {
            expressed += 1;
            let text = to_text(&e);
            let back = parse_with_limits(&text, &big()).unwrap_or_else(|err| panic!("#{i} {text:?}: {err:?}"));
            assert_eq!(back.without_spans(), e, "#{i} {text:?}");
            assert_eq!(back.to_json(), j, "#{i} {text:?}");
        }
    }
    assert!(expressed > 5_000, "{expressed}");
}

#[test]
fn json_shapes() {
    let j: JsonFilter = serde_json::from_str(
        r#"{"and":[{"field":"status","op":"eq","value":"active"},
                   {"not":{"field":"kind","op":"in","values":["call","email"]}},
                   {"or":[{"field":"when","op":"between","from":"2026-01-01","to":"2026-03-31"},
                          {"field":"when","op":"between","to":"2026-03-31"},
                          {"keyword":"hélène"}, {"field":"name","op":"match","value":"D'Amours"}]}]}"#,
    )
    .unwrap();
    let e = Expr::from(&j);
    assert_eq!(
        to_text(&e),
        "status=active -kind:(call,email) (when:2026-01-01..2026-03-31 OR when:..2026-03-31 OR hélène OR name:D'Amours)"
    );
    for bad in [
        r#"{"and":[], "or":[]}"#,
        r#"{"field":"a","op":"eq"}"#,
        r#"{"field":"a","op":"like","value":"x"}"#,
        r#"{"field":"a","op":"eq","value":"x","extra":1}"#,
        r#"{"keyword":1}"#,
        r#"[]"#,
        r#"{"not":null}"#,
    ] {
        let e = parse_json(bad, &Limits::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidJson, "{bad}");
    }
    let deep = format!("{}{}{}", r#"{"not":"#.repeat(200), r#"{"keyword":"x"}"#, "}".repeat(200));
    assert_eq!(parse_json(&deep, &big()).unwrap_err().kind, ErrorKind::InvalidJson);
    // Found by the `filter_json` fuzz target: arrays nested in arrays were
    // tried as `and`, `or` and `not` at every level (serde's `untagged`, and
    // derived structs read one-element arrays), 3^depth attempts. 60
    // brackets are refused at once; before, they never answered.
    for text in [
        format!("{}7{}", "[".repeat(60), "]".repeat(60)),
        format!("{}7{}{}", "[".repeat(23), "]".repeat(30), "[".repeat(10)),
        format!(r#"{{"and":{}{{"keyword":"x"}}{}}}"#, "[".repeat(60), "]".repeat(60)),
        format!("{}{{}}{}", r#"{"or":["#.repeat(100), "]}".repeat(100)),
    ] {
        let e = parse_json(&text, &big()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidJson, "{text}");
    }
    // Errors name where the bad node is.
    let e = parse_json(r#"{"and":[{"keyword":"x"},{"not":{"or":[[]]}}]}"#, &big()).unwrap_err();
    assert!(e.message.contains("and[1].not.or[0]") && e.message.contains("an array"), "{}", e.message);
    let e = parse_json(r#"{"not":{"keyword":"x"},"and":[]}"#, &big()).unwrap_err();
    assert!(e.message.contains("unknown key `not` beside `and`"), "{}", e.message);
    let e = parse_json(r#"{"or":[{"keywrd":"x"}]}"#, &big()).unwrap_err();
    assert!(e.message.contains("at or[0], found the keys keywrd"), "{}", e.message);
    let long = format!(r#"{{"keyword":"{}"}}"#, "x".repeat(3000));
    assert_eq!(parse_json(&long, &Limits::default()).unwrap_err().kind, ErrorKind::TooLong);
    let schema = serde_json::to_value(json_schema()).unwrap();
    let s = schema.to_string();
    for w in ["\"and\"", "\"or\"", "\"not\"", "\"keyword\"", "\"between\"", "\"in\"", "\"match\""] {
        assert!(s.contains(w), "schema lacks {w}");
    }
}

fn registry() -> Registry {
    Registry::new(vec![
        FieldDef::new("status", FieldType::Enum { values: vec![EnumValue::labelled("active", "actif", "Active")] }),
        FieldDef::new("name", FieldType::Text).alias("nom"),
        FieldDef::new("x", FieldType::Number(NumberKind::Float)),
        FieldDef::new("OR", FieldType::Bool),
        FieldDef::new("x.y", FieldType::Date),
        FieldDef::new("a-b", FieldType::Id),
    ])
}

fn check_span(input: &str, e: &FilterError) {
    assert!(e.span.start <= e.span.end && e.span.end <= input.len(), "{input:?} {e:?}");
    assert!(input.is_char_boundary(e.span.start) && input.is_char_boundary(e.span.end), "{input:?} {e:?}");
    assert!(!e.message.is_empty());
}

fn fuzz_one(input: &str, reg: &Registry, ctx: &DateContext) {
    match parse(input) {
        Ok(e) => {
            let text = to_text(&e);
            let back = parse_with_limits(&text, &big()).unwrap_or_else(|err| panic!("{input:?} -> {text:?}: {err:?}"));
            assert_eq!(back.without_spans(), e.without_spans(), "{input:?} -> {text:?}");
            match check(&e, reg, ctx) {
                Ok(t) => {
                    let row = std::collections::HashMap::<String, FieldValue>::new();
                    let _ = eval::eval(&t, &row, &|_| true);
                }
                Err(err) => check_span(input, &err),
            }
        }
        Err(err) => check_span(input, &err),
    }
}

#[test]
fn fuzz_never_panics() {
    let reg = registry();
    let ctx = DateContext::new(NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
    let mut r = Rng(0x0123_4567_89AB_CDEF);
    let pieces: &[&str] = &[
        "(",
        ")",
        "\"",
        "\\",
        "-",
        "NOT ",
        " OR ",
        " AND ",
        " ",
        ":",
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "..",
        ",",
        "status",
        "name",
        "x",
        "x.y",
        "a-b",
        "OR",
        "nom",
        "stauts",
        "active",
        "actif",
        "12",
        "-3,5",
        "oui",
        "2026-01-01",
        "last-7-days",
        "hier",
        "é",
        "e\u{301}",
        "🎉",
        "'",
        "’",
        "%",
        "_",
        "\0",
        "\u{FEFF}",
    ];
    for _ in 0..30_000 {
        let n = r.below(16);
        let mut s = String::new();
        for _ in 0..n {
            if r.chance(1, 4) {
                s.push_str(&hostile_string(&mut r));
            } else {
                s.push_str(r.pick::<&str>(pieces));
            }
        }
        fuzz_one(&s, &reg, &ctx);
    }
    for _ in 0..20_000 {
        let n = r.below(40);
        let bytes: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
        fuzz_one(&String::from_utf8_lossy(&bytes), &reg, &ctx);
        let ascii: String = (0..n).map(|_| (0x20 + r.below(95) as u8) as char).collect();
        fuzz_one(&ascii, &reg, &ctx);
    }
}

/// The example of docs/filters.md, "JSON form".
#[test]
fn docs_json_example() {
    let j = r#"{"and": [
      {"field": "statut", "op": "eq", "value": "actif"},
      {"not": {"field": "type", "op": "in", "values": ["appel", "courriel"]}},
      {"or": [
        {"field": "quand", "op": "between", "from": "2026-01-01", "to": "2026-03-31"},
        {"field": "nom", "op": "match", "value": "D'Amours"},
        {"keyword": "hélène"}
      ]}
    ]}"#;
    let e = parse_json(j, &Limits::default()).unwrap();
    let text = "statut=actif -type:(appel,courriel) (quand:2026-01-01..2026-03-31 OR nom:D'Amours OR hélène)";
    assert_eq!(to_text(&e), text);
    assert_eq!(parse(text).unwrap().without_spans(), e);
    assert_eq!(parse(text).unwrap().to_json(), serde_json::from_str::<JsonFilter>(j).unwrap());
}
