mod common;

use clientele_filter::{ErrorKind, Expr, Limits, Op, Span, Value, parse, parse_with_limits};
use common::sx;

fn p(s: &str) -> String {
    match parse(s) {
        Ok(e) => sx(&e),
        Err(e) => panic!("{s:?} failed: {e:?}"),
    }
}

fn err(s: &str) -> (ErrorKind, Span, String) {
    match parse(s) {
        Ok(e) => panic!("{s:?} parsed as {}", sx(&e)),
        Err(e) => (e.kind, e.span, e.message),
    }
}

fn span(a: usize, b: usize) -> Span {
    Span::new(a, b)
}

#[test]
fn empty_filter() {
    assert_eq!(p(""), "(and)");
    assert_eq!(p("   \t\n"), "(and)");
}

#[test]
fn conditions_and_operators() {
    assert_eq!(p("status:active"), "status:[active]");
    assert_eq!(p("amount:>=10"), "amount>=[10]");
    assert_eq!(p("amount>=10"), "amount>=[10]");
    assert_eq!(p("amount:>10 amount>10"), "(and amount>[10] amount>[10])");
    assert_eq!(p("amount<10 amount:<10"), "(and amount<[10] amount<[10])");
    assert_eq!(p("amount<=10 amount:<=10"), "(and amount<=[10] amount<=[10])");
    assert_eq!(p("status=active status:=active"), "(and status=[active] status=[active])");
    assert_eq!(p("status!=active status:!=active"), "(and status!=[active] status!=[active])");
    assert_eq!(p("amount:>-5"), "amount>[-5]");
    assert_eq!(p("x::y"), "x:[:y]");
    assert_eq!(p("x:a,b"), "x:[a,b]");
    assert_eq!(p("x:!a"), "x:[!a]");
    assert_eq!(p("date_création.v2-x:1"), "date_création.v2-x:[1]");
}

#[test]
fn op_spans() {
    let e = parse("amount:>=10").unwrap();
    let Expr::Cond { field, op, value } = e else { panic!() };
    assert_eq!(field.span, span(0, 6));
    assert_eq!(op.span, span(6, 9));
    assert_eq!(op.node, Op::Ge);
    let Value::Single { text, quoted } = value else { panic!() };
    assert_eq!((text.span, quoted), (span(9, 11), false));
}

#[test]
fn spans_on_every_token() {
    let src = r#"-statut:"é x" hélène (kind:(call, "e mail") OR when:2026-01-01..)"#;
    let e = parse(src).unwrap();
    let Expr::And(v) = &e else { panic!() };
    let Expr::Not(c) = &v[0] else { panic!() };
    let Expr::Cond { field, op, value: Value::Single { text, quoted: true } } = &**c else { panic!() };
    assert_eq!(&src[field.span.start..field.span.end], "statut");
    assert_eq!(&src[op.span.start..op.span.end], ":");
    assert_eq!(&src[text.span.start..text.span.end], "\"é x\"");
    let Expr::Keyword { text, quoted: false } = &v[1] else { panic!() };
    assert_eq!(&src[text.span.start..text.span.end], "hélène");
    let Expr::Or(alts) = &v[2] else { panic!() };
    let Expr::Cond { value: Value::List(items), .. } = &alts[0] else { panic!() };
    assert_eq!(&src[items[0].span.start..items[0].span.end], "call");
    assert_eq!(&src[items[1].span.start..items[1].span.end], "\"e mail\"");
    let Expr::Cond { value: Value::Range { lo: Some(lo), hi: None }, .. } = &alts[1] else { panic!() };
    assert_eq!(&src[lo.span.start..lo.span.end], "2026-01-01");
    // A node's span runs from its first to its last spanned token (the `..`
    // of an open range and closing parentheses are not included).
    assert_eq!(&src[e.span().start..e.span().end], &src[1..src.len() - 3]);
}

#[test]
fn ranges() {
    assert_eq!(p("date:2026-01-01..2026-03-31"), "date:[2026-01-01]..[2026-03-31]");
    assert_eq!(p("date:..2026-03-31"), "date:[]..[2026-03-31]");
    assert_eq!(p("date:2026-01-01.."), "date:[2026-01-01]..[]");
    assert_eq!(p("n:1..5 x"), "(and n:[1]..[5] x)");
    assert_eq!(p("n:1.5..2.5"), "n:[1.5]..[2.5]");
    assert_eq!(p(r#"n:"a b".."c""#), "n:[a b]..[c]");
    assert_eq!(p("n:a...b"), "n:[a]..[.b]");
    assert_eq!(p("(n:1..)"), "n:[1]..[]");
}

#[test]
fn lists() {
    assert_eq!(p("kind:(call,email)"), "kind:([call],[email])");
    assert_eq!(p("kind:( call , email )"), "kind:([call],[email])");
    assert_eq!(p(r#"kind:("a,b","c)")"#), "kind:([a,b],[c)])");
    assert_eq!(p("kind:(one)"), "kind:([one])");
    assert_eq!(p("-kind:(a,b) x"), "(and (not kind:([a],[b])) x)");
    assert_eq!(p("k:(a..b,=c)"), "k:([a..b],[=c])");
}

#[test]
fn boolean_structure_and_precedence() {
    assert_eq!(p("a b"), "(and a b)");
    assert_eq!(p("a AND b"), "(and a b)");
    assert_eq!(p("a OR b"), "(or a b)");
    assert_eq!(p("a b OR c"), "(or (and a b) c)");
    assert_eq!(p("a OR b c"), "(or a (and b c))");
    assert_eq!(p("a OR b AND c OR d"), "(or a (and b c) d)");
    assert_eq!(p("-a b"), "(and (not a) b)");
    assert_eq!(p("NOT a OR b"), "(or (not a) b)");
    assert_eq!(p("NOT (a OR b)"), "(not (or a b))");
    assert_eq!(p("-(a b)"), "(not (and a b))");
    assert_eq!(p("--a"), "(not (not a))");
    assert_eq!(p("NOT NOT a"), "(not (not a))");
    assert_eq!(p("(a OR b) (c OR d)"), "(and (or a b) (or c d))");
    assert_eq!(p("((a))"), "a");
    assert_eq!(p("a (b c)"), "(and a (and b c))");
    assert_eq!(p("a or b"), "(and a or b)");
    assert_eq!(p("a Or b ORANGE ANDROID NOTE"), "(and a Or b ORANGE ANDROID NOTE)");
    assert_eq!(p("NOT(a)"), "(not a)");
    assert_eq!(p("a OR(b)"), "(or a b)");
    assert_eq!(p("a\tOR\nb"), "(or a b)");
}

#[test]
fn negation_vs_hyphen() {
    assert_eq!(p("-status:inactive"), "(not status:[inactive])");
    assert_eq!(p("Jean-François"), "Jean-François");
    assert_eq!(p("city:Trois-Rivières"), "city:[Trois-Rivières]");
    assert_eq!(p("-Jean-François"), "(not Jean-François)");
    assert_eq!(p("a -b"), "(and a (not b))");
    assert_eq!(p("a-b -c-d"), "(and a-b (not c-d))");
    assert_eq!(p("-\"a b\""), "(not \"a b\")");
    assert_eq!(p("-(a)"), "(not a)");
}

#[test]
fn french_words() {
    assert_eq!(p("name:D'Amours"), "name:[D'Amours]");
    assert_eq!(p("nom:D’Amours"), "nom:[D’Amours]");
    assert_eq!(p("D'Amours aujourd'hui"), "(and D'Amours aujourd'hui)");
    assert_eq!(p("ville:Québec statut:actif"), "(and ville:[Québec] statut:[actif])");
    assert_eq!(p("He\u{301}le\u{300}ne"), "He\u{301}le\u{300}ne");
    assert_eq!(p("Œuvre cœur"), "(and Œuvre cœur)");
    assert_eq!(p("quand:30-derniers-jours"), "quand:[30-derniers-jours]");
}

#[test]
fn quoting() {
    assert_eq!(p(r#""Jean Côté""#), r#""Jean Côté""#);
    assert_eq!(p(r#"name:"Jean Côté""#), r#"name:"Jean Côté""#);
    assert_eq!(p(r#"name:"say \"hi\"""#), r#"name:"say \"hi\"""#);
    assert_eq!(p(r#"name:"back\\slash""#), r#"name:"back\\slash""#);
    assert_eq!(p(r#"name:"""#), r#"name:"""#);
    assert_eq!(p(r#""OR""#), r#""OR""#);
    assert_eq!(p(r#""-a""#), r#""-a""#);
    assert_eq!(p(r#"name:"D'Amours""#), r#"name:"D'Amours""#);
    assert_eq!(p(r#"a"b""#), r#"(and a "b")"#);
    assert_eq!(p(r#"x:"=5""#), r#"x:"=5""#);
    assert_eq!(p(r"x:a\b"), r"x:[a\b]");
}

#[test]
fn keywords_that_look_odd() {
    assert_eq!(p("12:30"), "12:30");
    assert_eq!(p(":x"), ":x");
    assert_eq!(p("1..5"), "1..5");
    assert_eq!(p("50%_off"), "50%_off");
    assert_eq!(p("🎉"), "🎉");
    assert_eq!(p("a,b"), "a,b");
    assert_eq!(p("x'; DROP TABLE clients;--"), "(and x'; DROP TABLE clients;--)");
}

#[test]
fn errors_with_spans() {
    let (k, s, m) = err("status:");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(7, 7)));
    assert!(m.contains("expected a value after `status:`"), "{m}");

    let (k, s, m) = err("status: active");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(7, 7)));
    assert_eq!(m, "expected a value after `status:`");

    let (k, s, m) = err("(status:)");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(8, 8)));
    assert_eq!(m, "expected a value after `status:`");

    let (k, s, _) = err("amount>=");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(8, 8)));

    let (k, s, _) = err(r#"name:"abc"#);
    assert_eq!((k, s), (ErrorKind::UnterminatedQuote, span(5, 9)));
    let (k, s, _) = err(r#"a "b c"#);
    assert_eq!((k, s), (ErrorKind::UnterminatedQuote, span(2, 6)));
    let (k, s, _) = err(r#""ab\"#);
    assert_eq!((k, s), (ErrorKind::UnterminatedQuote, span(0, 4)));

    let (k, s, _) = err(r#"x:"a\nb""#);
    assert_eq!((k, s), (ErrorKind::InvalidEscape, span(4, 6)));
    let (k, s, _) = err(r#""\é""#);
    assert_eq!((k, s), (ErrorKind::InvalidEscape, span(1, 4)));

    let (k, s, m) = err("a )");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(2, 3)));
    assert!(m.contains("unexpected `)`"), "{m}");
    let (k, s, m) = err("(a b");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(0, 1)));
    assert!(m.contains("unclosed `(`"));
    let (k, s, _) = err("()");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(1, 2)));
    let (k, s, _) = err(")");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(0, 1)));

    let (k, s, _) = err("OR a");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(0, 2)));
    let (k, s, _) = err("a OR");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(4, 4)));
    let (k, s, _) = err("a OR OR b");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(5, 7)));
    let (k, s, _) = err("a AND");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(5, 5)));
    let (k, s, _) = err("a AND OR b");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(6, 8)));
    let (k, s, _) = err("AND a");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(0, 3)));
    let (k, s, _) = err("NOT");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(3, 3)));
    let (k, s, _) = err("a -");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(3, 3)));
    let (k, s, _) = err("- a");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(2, 3)));
    let (k, s, _) = err("(-)");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(2, 3)));

    let (k, s, _) = err("kind:(a,b");
    assert_eq!((k, s), (ErrorKind::UnexpectedEnd, span(5, 6)));
    let (k, s, _) = err("kind:(a b)");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(8, 9)));
    let (k, s, _) = err("kind:()");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(6, 7)));
    let (k, s, _) = err("kind:(a,)");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(8, 9)));
    let (k, s, _) = err("kind=(a,b)");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(5, 6)));

    let (k, s, _) = err("n:..");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(2, 4)));
    let (k, s, _) = err("n>=1..2");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(4, 6)));
    let (k, s, _) = err("n:1....");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(5, 7)));

    let (k, s, m) = err("x:==5");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(3, 5)));
    assert!(m.contains("must be quoted"));
    let (k, s, _) = err("x=>5");
    assert_eq!((k, s), (ErrorKind::UnexpectedToken, span(2, 4)));
}

#[test]
fn error_fields() {
    let e = parse("status:").unwrap_err();
    assert_eq!(e.code(), "unexpected_end");
    assert_eq!(e.expected.as_deref(), Some("a value after `status:`"));
    assert_eq!(e.to_string(), e.message);
    let e = parse("x:==5").unwrap_err();
    assert_eq!(e.suggestion.as_deref(), Some("write \"=5\""));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["kind"], "unexpected_token");
    assert_eq!(json["span"]["start"], 3);
    for k in ErrorKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.code());
    }
}

#[test]
fn limit_length() {
    let s = "a ".repeat(1000) + "b";
    let e = parse(&s).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooLong, span(2000, 2001)));
    // Cut on a char boundary.
    let s = "é".repeat(1001);
    let e = parse(&s).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooLong, span(2000, 2002)));
    let s = format!("a{}", "é".repeat(1000));
    let e = parse(&s).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooLong, span(1999, 2001)));
    assert!(parse(&"x".repeat(2000)).is_ok());
}

#[test]
fn limit_depth_parens_100k() {
    let limits = Limits { max_len: usize::MAX, ..Limits::default() };
    let s = "(".repeat(100_000);
    let e = parse_with_limits(&s, &limits).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooDeep, span(16, 17)));
    let s = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(parse_with_limits(&s, &limits).unwrap_err().kind, ErrorKind::TooDeep);
    let s = "-".repeat(100_000) + "a";
    let e = parse_with_limits(&s, &limits).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooDeep, span(16, 17)));
    let s = "NOT ".repeat(100_000) + "a";
    assert_eq!(parse_with_limits(&s, &limits).unwrap_err().kind, ErrorKind::TooDeep);
    let s = "(-".repeat(50_000);
    assert_eq!(parse_with_limits(&s, &limits).unwrap_err().kind, ErrorKind::TooDeep);
    // And within the default length limit, too.
    assert_eq!(parse(&"(".repeat(2000)).unwrap_err().kind, ErrorKind::TooDeep);
}

#[test]
fn limit_depth_exact() {
    let ok = format!("{}a{}", "(".repeat(16), ")".repeat(16));
    assert_eq!(p(&ok), "a");
    let bad = format!("{}a{}", "(".repeat(17), ")".repeat(17));
    assert_eq!(err(&bad).0, ErrorKind::TooDeep);
    assert!(parse(&format!("{}a", "-".repeat(16))).is_ok());
    assert_eq!(err(&format!("{}a", "-".repeat(17))).0, ErrorKind::TooDeep);
    // Tree depth: each paren level holding `x OR (y ...)` adds one OR level and
    // one AND level... 9 levels of `(a OR b c)` nest 17 tree levels.
    let mut s = "z".to_string();
    for _ in 0..8 {
        s = format!("a OR b ({s})");
    }
    // (or a (and b (or a (and b ...)))) : 16 levels + leaf
    assert!(parse(&s).is_ok(), "{s}");
    assert_eq!(parse(&s).unwrap().depth(), 16);
    let s = format!("q ({s})");
    let e = parse(&s).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooDeep);
}

#[test]
fn limit_terms() {
    let ok = vec!["a"; 64].join(" ");
    assert!(parse(&ok).is_ok());
    let bad = vec!["a"; 65].join(" ");
    let e = parse(&bad).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooManyTerms, span(128, 129)));
    let bad = vec!["s:x"; 65].join(" ");
    let e = parse(&bad).unwrap_err();
    assert_eq!((e.kind, e.span), (ErrorKind::TooManyTerms, span(256, 258)));
}

#[test]
fn limit_list_items() {
    let items: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert!(parse(&format!("k:({})", items.join(","))).is_ok());
    let items: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let s = format!("k:({})", items.join(","));
    let e = parse(&s).unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooManyItems);
    assert_eq!(&s[e.span.start..e.span.end], "100");
}

#[test]
fn custom_limits() {
    let l = Limits { max_len: 10, max_depth: 2, max_terms: 2, max_list_items: 1 };
    assert_eq!(parse_with_limits("a b c", &l).unwrap_err().kind, ErrorKind::TooManyTerms);
    assert_eq!(parse_with_limits("((((a))))", &l).unwrap_err().kind, ErrorKind::TooDeep);
    assert_eq!(parse_with_limits("k:(a,b)", &l).unwrap_err().kind, ErrorKind::TooManyItems);
    assert_eq!(parse_with_limits("aaaaaaaaaaa", &l).unwrap_err().kind, ErrorKind::TooLong);
}
