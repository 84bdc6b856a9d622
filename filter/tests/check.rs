use chrono::NaiveDate;
use clientele_filter::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn reg() -> Registry {
    Registry::new(vec![
        FieldDef::new(
            "status",
            FieldType::Enum {
                values: vec![
                    EnumValue::labelled("active", "actif", "Active"),
                    EnumValue::labelled("inactive", "inactif", "Inactive"),
                    EnumValue::labelled("prospect", "Prospect", "Lead"),
                ],
            },
        )
        .alias("statut")
        .labels("Statut", "Status"),
        FieldDef::new("name", FieldType::Text).alias("nom"),
        FieldDef::new("city", FieldType::Text).alias("ville"),
        FieldDef::new("amount", FieldType::Number(NumberKind::Float)).alias("montant"),
        FieldDef::new("visits", FieldType::Number(NumberKind::Int)),
        FieldDef::new("when", FieldType::Date).alias("quand"),
        FieldDef::new("created", FieldType::DateTime).alias("créé"),
        FieldDef::new("vip", FieldType::Bool),
        FieldDef::new("id", FieldType::Id).ops(&[Op::Eq, Op::Colon]),
        FieldDef::new("notes", FieldType::Text).filterable(false),
        FieldDef::new("kind", FieldType::Enum { values: vec![EnumValue::new("call"), EnumValue::new("email")] }),
    ])
}

fn ctx() -> DateContext {
    // Wednesday.
    DateContext { today: d(2026, 3, 4), fiscal_year_start_month: 4, week_starts_monday: true }
}

fn ck(s: &str) -> Typed {
    let e = parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
    check(&e, &reg(), &ctx()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn ck_err(s: &str) -> FilterError {
    let e = parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
    match check(&e, &reg(), &ctx()) {
        Ok(t) => panic!("{s} checked: {t:?}"),
        Err(e) => e,
    }
}

fn op_of(t: &Typed) -> (&str, &TypedOp) {
    match t {
        Typed::Cond(c) => (c.field.as_str(), &c.op),
        other => panic!("not a condition: {other:?}"),
    }
}

fn range(a: Option<NaiveDate>, b: Option<NaiveDate>) -> TypedOp {
    TypedOp::DayRange { start: a, end: b }
}

#[test]
fn text_fields() {
    assert_eq!(op_of(&ck("nom:Hélène")), ("name", &TypedOp::Contains("helene".into())));
    assert_eq!(op_of(&ck("name=\"D’Amours\"")), ("name", &TypedOp::Eq(Scalar::Text("d'amours".into()))));
    assert_eq!(op_of(&ck("ville!=Trois–Rivières")), ("city", &TypedOp::Ne(Scalar::Text("trois-rivieres".into()))));
    let Typed::Or(v) = ck("NAME:(a,B)") else { panic!() };
    assert_eq!(op_of(&v[0]).1, &TypedOp::Contains("a".into()));
    assert_eq!(op_of(&v[1]).1, &TypedOp::Contains("b".into()));
    assert_eq!(op_of(&ck("name:\"\"")).1, &TypedOp::Contains(String::new()));
}

#[test]
fn numbers() {
    assert_eq!(op_of(&ck("amount:12,5")).1, &TypedOp::Eq(Scalar::Float(12.5)));
    assert_eq!(op_of(&ck("montant>=-3")).1, &TypedOp::Ge(Scalar::Float(-3.0)));
    assert_eq!(op_of(&ck("amount:<1e3")).1, &TypedOp::Lt(Scalar::Float(1000.0)));
    assert_eq!(op_of(&ck("visits>2")).1, &TypedOp::Gt(Scalar::Int(2)));
    assert_eq!(op_of(&ck("visits!=2")).1, &TypedOp::Ne(Scalar::Int(2)));
    assert_eq!(op_of(&ck("visits<=2")).1, &TypedOp::Le(Scalar::Int(2)));
    assert_eq!(op_of(&ck("visits:(1,2)")).1, &TypedOp::In(vec![Scalar::Int(1), Scalar::Int(2)]));
    let Typed::And(v) = ck("visits:1..5") else { panic!() };
    assert_eq!(op_of(&v[0]).1, &TypedOp::Ge(Scalar::Int(1)));
    assert_eq!(op_of(&v[1]).1, &TypedOp::Le(Scalar::Int(5)));
    assert_eq!(op_of(&ck("visits:..5")).1, &TypedOp::Le(Scalar::Int(5)));
    assert_eq!(op_of(&ck("amount:1,5..")).1, &TypedOp::Ge(Scalar::Float(1.5)));
    for bad in ["visits:1.5", "visits:abc", "amount:NaN", "amount:inf", "amount:1e999", "visits:99999999999999999999"] {
        let e = ck_err(bad);
        assert_eq!(e.kind, ErrorKind::InvalidValue, "{bad}");
        assert_eq!(&bad[e.span.start..e.span.end], bad.split_once(':').unwrap().1, "{bad}");
    }
}

#[test]
fn bools_enums_ids() {
    for (s, b) in [
        ("oui", true),
        ("Non", false),
        ("yes", true),
        ("NO", false),
        ("true", true),
        ("faux", false),
        ("Vrai", true),
        ("1", true),
        ("0", false),
    ] {
        assert_eq!(op_of(&ck(&format!("vip:{s}"))).1, &TypedOp::Eq(Scalar::Bool(b)), "{s}");
    }
    assert_eq!(op_of(&ck("vip!=oui")).1, &TypedOp::Ne(Scalar::Bool(true)));
    let e = ck_err("vip:peut-être");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(4, 14)));

    for s in ["active", "ACTIVE", "actif", "Actif", "Active"] {
        assert_eq!(op_of(&ck(&format!("statut:{s}"))), ("status", &TypedOp::Eq(Scalar::Enum("active".into()))), "{s}");
    }
    assert_eq!(op_of(&ck("status:lead")).1, &TypedOp::Eq(Scalar::Enum("prospect".into())));
    assert_eq!(op_of(&ck("status=inactif")).1, &TypedOp::Eq(Scalar::Enum("inactive".into())));
    assert_eq!(op_of(&ck("status!=inactif")).1, &TypedOp::Ne(Scalar::Enum("inactive".into())));
    assert_eq!(
        op_of(&ck("kind:(call,EMAIL)")).1,
        &TypedOp::In(vec![Scalar::Enum("call".into()), Scalar::Enum("email".into())])
    );
    let e = ck_err("status:actve");
    assert_eq!(e.kind, ErrorKind::InvalidValue);
    assert_eq!(e.span, Span::new(7, 12));
    assert_eq!(e.expected.as_deref(), Some("`active`, `inactive`, `prospect`"));
    let e = ck_err("kind:(call,fax)");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(11, 14)));

    assert_eq!(op_of(&ck("id:AbC-1")).1, &TypedOp::Eq(Scalar::Id("AbC-1".into())));
    assert_eq!(op_of(&ck("id=42")).1, &TypedOp::Eq(Scalar::Id("42".into())));
    assert_eq!(op_of(&ck("id:(1,2)")).1, &TypedOp::In(vec![Scalar::Id("1".into()), Scalar::Id("2".into())]));
}

#[test]
fn dates() {
    let day = |y, m, dd| Some(d(y, m, dd));
    assert_eq!(op_of(&ck("when:2026-01-05")).1, &range(day(2026, 1, 5), day(2026, 1, 6)));
    assert_eq!(op_of(&ck("when=2026-01-05")).1, &range(day(2026, 1, 5), day(2026, 1, 6)));
    assert_eq!(op_of(&ck("when:>=2026-01-01")).1, &range(day(2026, 1, 1), None));
    assert_eq!(op_of(&ck("when>2026-01-01")).1, &range(day(2026, 1, 2), None));
    assert_eq!(op_of(&ck("when<2026-01-01")).1, &range(None, day(2026, 1, 1)));
    assert_eq!(op_of(&ck("when<=2026-01-01")).1, &range(None, day(2026, 1, 2)));
    assert_eq!(op_of(&ck("when:2026-01-01..2026-03-31")).1, &range(day(2026, 1, 1), day(2026, 4, 1)));
    assert_eq!(op_of(&ck("when:..2026-03-31")).1, &range(None, day(2026, 4, 1)));
    assert_eq!(op_of(&ck("when:2026-02..")).1, &range(day(2026, 2, 1), None));
    assert_eq!(op_of(&ck("when:last-30-days")).1, &range(day(2026, 2, 3), day(2026, 3, 5)));
    assert_eq!(op_of(&ck("quand:30-derniers-jours")).1, &range(day(2026, 2, 3), day(2026, 3, 5)));
    assert_eq!(op_of(&ck("when:last7days")).1, &range(day(2026, 2, 26), day(2026, 3, 5)));
    assert_eq!(op_of(&ck("when:today")).1, &range(day(2026, 3, 4), day(2026, 3, 5)));
    assert_eq!(op_of(&ck("quand:aujourd'hui")).1, &range(day(2026, 3, 4), day(2026, 3, 5)));
    assert_eq!(op_of(&ck("when:this-week")).1, &range(day(2026, 3, 2), day(2026, 3, 9)));
    assert_eq!(op_of(&ck("when:mois-dernier")).1, &range(day(2026, 2, 1), day(2026, 3, 1)));
    assert_eq!(op_of(&ck("when:this-fiscal-year")).1, &range(day(2025, 4, 1), day(2026, 4, 1)));
    assert_eq!(op_of(&ck("when:>this-month")).1, &range(day(2026, 4, 1), None));
    assert_eq!(op_of(&ck("when:<this-month")).1, &range(None, day(2026, 3, 1)));
    assert_eq!(op_of(&ck("when:last-month..this-month")).1, &range(day(2026, 2, 1), day(2026, 4, 1)));
    assert_eq!(op_of(&ck("créé:hier")), ("created", &range(day(2026, 3, 3), day(2026, 3, 4))));
    let Typed::Or(v) = ck("when:(today,yesterday)") else { panic!() };
    assert_eq!(op_of(&v[1]).1, &range(day(2026, 3, 3), day(2026, 3, 4)));
    let e = ck_err("when:2026-02-30");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(5, 15)));
    let e = ck_err("when:2026-01-01..soon");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(17, 21)));
    let e = ck_err("when!=today");
    assert_eq!((e.kind, e.span), (ErrorKind::OperatorNotAllowed, Span::new(4, 6)));
}

#[test]
fn keywords() {
    assert_eq!(ck("Hélène"), Typed::Keyword("helene".into()));
    assert_eq!(ck("\"Jean Côté\""), Typed::Keyword("jean cote".into()));
    assert_eq!(ck("-D’Amours"), Typed::Not(Box::new(Typed::Keyword("d'amours".into()))));
    let e = ck_err("\"  \"");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(0, 4)));
    assert_eq!(ck(""), Typed::And(vec![]));
    // No letter or digit: it would match every row; the span names the word.
    let e = ck_err("hélène OR 🥐");
    assert_eq!((e.kind, e.span), (ErrorKind::InvalidValue, Span::new(12, 16)), "{e:?}");
    assert!(e.message.contains("no letter or digit"), "{}", e.message);
    for s in ["\"-\"", "\"'\"", "\"%_\"", "\"∑\""] {
        assert_eq!(ck_err(s).span, Span::new(0, s.len()), "{s}");
    }
    assert_eq!(ck("\"d'\""), Typed::Keyword("d'".into()));
    assert!(matches!(ck("ﬁ"), Typed::Keyword(_)));
}

#[test]
fn structure_preserved() {
    let t = ck("status:active (vip:oui OR -name:x) hélène");
    let Typed::And(v) = t else { panic!() };
    assert_eq!(v.len(), 3);
    let Typed::Or(alts) = &v[1] else { panic!() };
    assert!(matches!(&alts[1], Typed::Not(_)));
    let Typed::Cond(c) = &v[0] else { panic!() };
    assert_eq!(c.span, Span::new(0, 13));
    assert!(matches!(c.ty, FieldType::Enum { .. }));
}

#[test]
fn unknown_fields_and_suggestions() {
    let e = ck_err("stauts:active");
    assert_eq!((e.kind, e.span), (ErrorKind::UnknownField, Span::new(0, 6)));
    assert_eq!(e.suggestion.as_deref(), Some("did you mean `status`?"));
    assert_eq!(e.message, "unknown field `stauts`; did you mean `status`?");
    assert_eq!(ck_err("Statut:x").kind, ErrorKind::InvalidValue); // alias, case-insensitive: found
    assert_eq!(ck_err("statu:x").suggestion.as_deref(), Some("did you mean `status`?"));
    assert_eq!(ck_err("nam:x").suggestion.as_deref(), Some("did you mean `name`?"));
    assert_eq!(ck_err("vile:x").suggestion.as_deref(), Some("did you mean `ville`?"));
    assert_eq!(ck_err("quan:x").suggestion.as_deref(), Some("did you mean `quand`?"));
    assert_eq!(ck_err("creee:x").suggestion.as_deref(), Some("did you mean `créé`?"));
    let e = ck_err("telephone:x");
    assert_eq!((e.kind, e.suggestion), (ErrorKind::UnknownField, None));
    assert_eq!(e.message, "unknown field `telephone`");
    // Non-filterable fields are neither accepted nor suggested.
    let e = ck_err("notes:x");
    assert_eq!((e.kind, e.span), (ErrorKind::NotFilterable, Span::new(0, 5)));
    assert_eq!(ck_err("note:x").suggestion, None);
    // Short typos do not suggest wildly.
    assert_eq!(ck_err("q:x").suggestion, None);
}

#[test]
fn operators_not_allowed() {
    let e = ck_err("name>3");
    assert_eq!((e.kind, e.span), (ErrorKind::OperatorNotAllowed, Span::new(4, 5)));
    assert_eq!(e.expected.as_deref(), Some("`:`, `=`, `!=`"));
    assert_eq!(ck_err("status:>=active").kind, ErrorKind::OperatorNotAllowed);
    assert_eq!(ck_err("vip<oui").kind, ErrorKind::OperatorNotAllowed);
    let e = ck_err("id!=4");
    assert_eq!((e.kind, e.expected.as_deref()), (ErrorKind::OperatorNotAllowed, Some("`:`, `=`")));
    let e = ck_err("name:a..b");
    assert_eq!((e.kind, e.span), (ErrorKind::OperatorNotAllowed, Span::new(0, 9)));
    assert_eq!(ck_err("status:a..").kind, ErrorKind::OperatorNotAllowed);
    let reg = Registry::new(vec![FieldDef::new("t", FieldType::Text).ops(&[Op::Eq])]);
    let e = check(&parse("t:(a,b)").unwrap(), &reg, &ctx()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::OperatorNotAllowed);
    // Listing an operator the type does not support does not enable it.
    let reg = Registry::new(vec![FieldDef::new("t", FieldType::Text).ops(&[Op::Lt])]);
    assert_eq!(check(&parse("t<a").unwrap(), &reg, &ctx()).unwrap_err().kind, ErrorKind::OperatorNotAllowed);
}

#[test]
fn limits_on_trees() {
    let r = reg();
    // Deep tree from JSON.
    let mut e = Expr::keyword("x");
    for _ in 0..17 {
        e = Expr::Not(Box::new(e));
    }
    assert_eq!(check(&e, &r, &ctx()).unwrap_err().kind, ErrorKind::TooDeep);
    let mut e = Expr::keyword("x");
    for _ in 0..16 {
        e = Expr::Not(Box::new(e));
    }
    assert!(check(&e, &r, &ctx()).is_ok());
    // A very deep tree built in code is refused without recursing through it.
    let mut e = Expr::keyword("x");
    for _ in 0..100_000 {
        e = Expr::Not(Box::new(e));
    }
    assert_eq!(check(&e, &r, &ctx()).unwrap_err().kind, ErrorKind::TooDeep);
    let mut cur = e;
    // Drop iteratively to avoid a recursive drop overflow in the test itself.
    while let Expr::Not(inner) = cur {
        cur = *inner;
    }
    let many = Expr::And((0..65).map(|_| Expr::keyword("x")).collect());
    assert_eq!(check(&many, &r, &ctx()).unwrap_err().kind, ErrorKind::TooManyTerms);
    let j: JsonFilter = serde_json::from_value(serde_json::json!({
        "field": "kind", "op": "in", "values": vec!["call"; 101]
    }))
    .unwrap();
    assert_eq!(check(&Expr::from(&j), &r, &ctx()).unwrap_err().kind, ErrorKind::TooManyItems);
    let j: JsonFilter = serde_json::from_value(serde_json::json!({"field": "kind", "op": "in", "values": []})).unwrap();
    assert_eq!(check(&Expr::from(&j), &r, &ctx()).unwrap_err().kind, ErrorKind::InvalidValue);
    let j: JsonFilter = serde_json::from_value(serde_json::json!({"field": "when", "op": "between"})).unwrap();
    assert_eq!(check(&Expr::from(&j), &r, &ctx()).unwrap_err().kind, ErrorKind::InvalidValue);
    assert_eq!(check(&Expr::Or(vec![]), &r, &ctx()).unwrap(), Typed::Or(vec![]));
}

#[test]
fn registry_rules() {
    assert!(Registry::try_new(vec![FieldDef::new("a", FieldType::Text), FieldDef::new("A", FieldType::Bool)]).is_err());
    assert!(
        Registry::try_new(vec![FieldDef::new("é", FieldType::Text), FieldDef::new("x", FieldType::Bool).alias("E")])
            .is_err()
    );
    let r = reg();
    assert_eq!(r.lookup("VILLE").map(|f| f.name.as_str()), Some("city"));
    assert_eq!(r.lookup("cree").map(|f| f.name.as_str()), Some("created"));
    assert!(r.lookup("nope").is_none());
    assert_eq!(r.fields().len(), 11);
    assert_eq!(registry::osa_distance(&['a', 'b'], &['b', 'a']), 1);
    let c: Vec<char> = "stauts".chars().collect();
    let s: Vec<char> = "status".chars().collect();
    assert_eq!(registry::osa_distance(&c, &s), 1);
}

#[test]
fn json_through_check() {
    let e = parse_json(
        r#"{"and":[{"field":"statut","op":"eq","value":"actif"},{"field":"quand","op":"between","from":"2026-01-01","to":"2026-03-31"}]}"#,
        &Limits::default(),
    )
    .unwrap();
    let Typed::And(v) = check(&e, &reg(), &ctx()).unwrap() else { panic!() };
    assert_eq!(op_of(&v[0]), ("status", &TypedOp::Eq(Scalar::Enum("active".into()))));
    assert_eq!(op_of(&v[1]), ("when", &range(Some(d(2026, 1, 1)), Some(d(2026, 4, 1)))));
    let e = parse_json(r#"{"field":"stauts","op":"eq","value":"x"}"#, &Limits::default()).unwrap();
    let err = check(&e, &reg(), &ctx()).unwrap_err();
    assert_eq!((err.kind, err.span), (ErrorKind::UnknownField, Span::default()));
}

/// Labels as lists show them, with spaces, accents and any case; short
/// tokens; `-`/`_`/space as one separator; text and JSON forms alike.
#[test]
fn choice_labels_as_shown() {
    let reg = Registry::new(vec![
        FieldDef::new(
            "kind",
            FieldType::Enum {
                values: vec![
                    EnumValue::labelled("phone_call", "Appel téléphonique", "Phone call").tokens(["appel", "call"]),
                    EnumValue::labelled("waiting_for_files", "En attente de fichiers", "Waiting for files")
                        .tokens(["en-attente"]),
                    EnumValue::labelled("ready_for_download", "Prêt à télécharger", "Ready for download"),
                ],
            },
        )
        .alias("type"),
    ]);
    let typed = |s: &str| check(&parse(s).unwrap(), &reg, &ctx());
    for (s, want) in [
        ("type:\"Appel téléphonique\"", "phone_call"),
        ("type:\"APPEL TELEPHONIQUE\"", "phone_call"),
        ("type:appel-téléphonique", "phone_call"),
        ("type:Phone_Call", "phone_call"),
        ("type:\"phone call\"", "phone_call"),
        ("type=appel", "phone_call"),
        ("type:CALL", "phone_call"),
        ("type:\"En attente de fichiers\"", "waiting_for_files"),
        ("type:en_attente", "waiting_for_files"),
        ("type:\"  prêt à  télécharger \"", "ready_for_download"),
        ("type:pret-a-telecharger", "ready_for_download"),
    ] {
        assert_eq!(op_of(&typed(s).unwrap()).1, &TypedOp::Eq(Scalar::Enum(want.into())), "{s}");
        // The JSON form accepts the same value.
        let value = match parse(s).unwrap() {
            Expr::Cond { value: Value::Single { text, .. }, .. } => text.node,
            other => panic!("{other:?}"),
        };
        let json = serde_json::json!({"field": "kind", "op": "eq", "value": value}).to_string();
        let t = check(&parse_json(&json, &Limits::default()).unwrap(), &reg, &ctx()).unwrap();
        assert_eq!(op_of(&t).1, &TypedOp::Eq(Scalar::Enum(want.into())), "{json}");
    }
    for s in ["type:\"Appel\u{a0}télé\"", "type:\"-\"", "type:appeltelephonique"] {
        assert_eq!(typed(s).unwrap_err().kind, ErrorKind::InvalidValue, "{s}");
    }
    // A spelling naming two values is a programming error, caught at build.
    let clash = Registry::try_new(vec![FieldDef::new(
        "k",
        FieldType::Enum {
            values: vec![EnumValue::labelled("a", "Mise à jour", "Update"), EnumValue::new("mise_a_jour")],
        },
    )]);
    assert!(clash.is_err());
}
