//! # Clientèle filter language
//!
//! The filter language of Clientèle lists, in two interchangeable forms — a
//! GitHub/Gmail-like text syntax and a JSON structured form — plus type
//! checking against a per-list field [`Registry`] and a reference
//! [evaluator](eval). This crate knows no SQL and no database: the engine's
//! `core` crate compiles [`Typed`] filters to parameterised SQL, with exactly
//! the semantics of [`eval`].
//!
//! Pipeline: `text --parse--> Expr --check--> Typed --(core)--> SQL`, and
//! `JSON --parse_json / From--> Expr`. [`to_text`] and [`Expr::to_json`] go back.
//!
//! ```
//! use clientele_filter::*;
//! use chrono::NaiveDate;
//!
//! let reg = Registry::new(vec![
//!     FieldDef::new("status", FieldType::Enum { values: vec![
//!         EnumValue::labelled("active", "actif", "Active"),
//!         EnumValue::labelled("inactive", "inactif", "Inactive"),
//!     ]}).alias("statut"),
//!     FieldDef::new("name", FieldType::Text).alias("nom"),
//!     FieldDef::new("when", FieldType::Date).alias("quand"),
//! ]);
//! let ctx = DateContext::new(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
//! let expr = parse(r#"statut:actif nom:"D'Amours" quand:last-30-days"#).unwrap();
//! let typed = check(&expr, &reg, &ctx).unwrap();
//! assert!(matches!(typed, Typed::And(ref v) if v.len() == 3));
//!
//! let err = check(&parse("stauts:active").unwrap(), &reg, &ctx).unwrap_err();
//! assert_eq!(err.code(), "unknown_field");
//! assert_eq!(err.suggestion.as_deref(), Some("did you mean `status`?"));
//! ```
//!
//! ## Text syntax
//!
//! ```text
//! status:active -kind:(call,email) (name:"Jean Côté" OR ville:Trois-Rivières)
//! amount>=10 when:2026-01-01..2026-03-31 quand:mois-dernier hélène "D'Amours inc"
//! ```
//!
//! * `field:value`, `field=value`, `field!=value`, `field<v`, `field<=v`,
//!   `field>v`, `field>=v`; the colon forms `field:=v`, `field:!=v`,
//!   `field:>=v`... are synonyms.
//! * Lists `field:(a,b,c)` (any of) and ranges `field:a..b`, `field:a..`,
//!   `field:..b` (both ends inclusive) only after `:`.
//! * Juxtaposition (or `AND`) is AND; `OR` is OR; a leading `-` or `NOT`
//!   negates the term after it; parentheses group. Precedence: NOT > AND > OR.
//!   `AND`, `OR`, `NOT` are operators only in upper case and as whole words;
//!   `or`, `Or`, `ORANGE` are plain words.
//! * A `-` negates only at the start of a term and when followed by a term:
//!   `Jean-François`, `city:Trois-Rivières`, `amount:>-5` contain no negation.
//! * Bare words are keyword-search terms; `"a quoted phrase"` is one keyword.
//! * Quoted strings use `"`; inside, `\"` is a quote and `\\` a backslash;
//!   any other backslash escape is an error. Apostrophes are ordinary
//!   characters: `name:D'Amours`, `aujourd'hui`.
//!
//! ### Grammar (EBNF)
//!
//! ```ebnf
//! filter     = ws, [ or_expr ], ws ;                   (* empty = everything *)
//! or_expr    = and_expr, { ws, "OR", ws, and_expr } ;
//! and_expr   = unary, { ws, [ "AND", ws ], unary } ;
//! unary      = "-", unary                              (* "-" directly followed by a term *)
//!            | "NOT", ws, unary
//!            | primary ;
//! primary    = "(", ws, or_expr, ws, ")"
//!            | condition
//!            | quoted                                  (* keyword phrase *)
//!            | word ;                                  (* keyword; not AND/OR/NOT *)
//! condition  = field, op, value ;
//! field      = ( letter | "_" ), { letter | digit | "_" | "." | "-" } ;
//! op         = ":", [ cmp ] | cmp ;
//! cmp        = ">=" | "<=" | "!=" | ">" | "<" | "=" ;
//! value      = list | range | scalar ;                 (* list and range only after ":" *)
//! list       = "(", ws, item, { ws, ",", ws, item }, ws, ")" ;
//! item       = quoted | { char - stop - "," }- ;
//! range      = [ scalar ], "..", [ range_hi ] ;        (* at least one end *)
//! range_hi   = quoted | { char - stop }- ;             (* without ".." *)
//! scalar     = quoted | bare ;
//! bare       = { char - stop }- ;                      (* without "..", not starting with
//!                                                         "=", "<", ">" or "!=" *)
//! word       = { char - stop }- ;                      (* not starting with "-" *)
//! quoted     = '"', { char - '"' - "\" | "\", ( '"' | "\" ) }, '"' ;
//! stop       = white_space | "(" | ")" | '"' ;
//! ws         = { white_space } ;
//! ```
//!
//! A `word` that starts like a condition (a field name directly followed by
//! an operator character) is read as a condition; `12:30` is a word because a
//! field name cannot start with a digit. After a bare value or word the next
//! term may follow without a space (`a"b"` is `a "b"`); [`to_text`] always
//! separates terms with one space.
//!
//! ## JSON form
//!
//! See [`json`]: `{"and":[...]}`, `{"or":[...]}`, `{"not":{...}}`,
//! `{"keyword":"..."}`, `{"field":"status","op":"eq","value":"active"}`
//! (`op`: `match` (= `:`), `eq`, `ne`, `lt`, `le`, `gt`, `ge`),
//! `{"field":"kind","op":"in","values":[...]}`,
//! `{"field":"when","op":"between","from":"...","to":"..."}`.
//! Schema: [`json_schema`].
//!
//! ## Typing ([`check`])
//!
//! Fields are looked up by name or alias, ignoring case and accents. The
//! operator must be in [`FieldDef::allowed_ops`]; a list or a range needs `:`.
//!
//! | type | operators | value | `:` means |
//! |------|-----------|-------|-----------|
//! | Text | `:` `=` `!=` | any text (folded) | folded contains |
//! | Number Int / Float | all | `42`, `-3`; float also `12.5`, `12,5` | equality |
//! | Date, DateTime | `:` `=` `<` `<=` `>` `>=` | `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, relative keyword | in that day range |
//! | Bool | `:` `=` `!=` | `oui non yes no true false vrai faux 1 0 o n y` | equality |
//! | Enum | `:` `=` `!=` | value or FR/EN label, case/accent-insensitive | equality |
//! | Id | `:` `=` `!=` | as written | exact equality |
//!
//! Lists: Text → `Or` of `Contains`, Date → `Or` of `DayRange`, others → `In`.
//! Number ranges → `Ge`/`Le` (joined by `And` when both ends are given).
//! Dates: each value is a day range `[s, e)`; `:`/`=` → `[s,e)`, `>=` → `[s,∞)`,
//! `>` → `[e,∞)`, `<` → `(-∞,s)`, `<=` → `(-∞,e)`, `a..b` → `[a.s, b.e)`.
//! Relative keywords: see [`dates::resolve_relative`] and
//! [`dates::RELATIVE_KEYWORDS`] (`today`, `yesterday`, `tomorrow`,
//! `last-N-days`, `this-/last-week`, `-month`, `-quarter`, `-year`,
//! `-fiscal-year`, and French `aujourdhui`, `hier`, `demain`, `N-derniers-jours`,
//! `cette-semaine`, `semaine-derniere`, `ce-mois`, `mois-dernier`,
//! `ce-trimestre`, `trimestre-dernier`, `cette-annee`, `annee-derniere`,
//! `cet-exercice`, `exercice-precedent`...). Keywords are folded; a keyword
//! that folds to blank, or holds no letter or digit (`🥐`, `-`), is
//! `invalid_value` (it would match every row).
//!
//! ## Evaluation semantics
//!
//! See [`eval`] for the precise rules. In short: NULL never matches a
//! condition (not even `!=`), `NOT c` matches exactly where `c` does not (so
//! it matches NULLs), text is compared folded, enum/id values exactly.
//!
//! ## Limits ([`Limits`], defaults)
//!
//! * `max_len` 2,000 bytes of input (`too_long`), checked before anything else;
//! * `max_depth` 16: nesting of parentheses and negations in the text, and the
//!   `And`/`Or`/`Not` depth of the tree (`too_deep`); the parser never recurses
//!   deeper than this, so `(((((...` of any length is refused safely;
//! * `max_terms` 64 conditions + keywords (`too_many_terms`);
//! * `max_list_items` 100 per list (`too_many_items`).
//!
//! The parser enforces all of them on text; [`check`] enforces depth, terms
//! and list items again on any tree (trees built from JSON).
//!
//! ## Error codes ([`ErrorKind`])
//!
//! `unexpected_token`, `unexpected_end`, `unterminated_quote`,
//! `invalid_escape`, `unknown_field` (with a "did you mean" suggestion),
//! `not_filterable`, `operator_not_allowed`, `invalid_value`, `too_long`,
//! `too_deep`, `too_many_terms`, `too_many_items`, `invalid_json`.
//!
//! ## Public API summary
//!
//! * [`parse`]`(&str) -> Result<Expr, FilterError>`,
//!   [`parse_with_limits`]`(&str, &Limits) -> Result<Expr, FilterError>`
//! * [`to_text`]`(&Expr) -> String`; [`Expr::without_spans`], [`Expr::span`],
//!   [`Expr::depth`], [`Expr::keyword`], [`Expr::to_json`]
//! * [`parse_json`]`(&str, &Limits) -> Result<Expr, FilterError>`,
//!   [`json_schema`]`() -> schemars::Schema`, `From<&JsonFilter> for Expr`,
//!   `From<&Expr> for JsonFilter`
//! * [`check`]`(&Expr, &Registry, &DateContext) -> Result<Typed, FilterError>`,
//!   [`check_with_limits`]`(&Expr, &Registry, &DateContext, &Limits)`
//! * [`eval::eval`]`(&Typed, &dyn Row, &dyn Fn(&str) -> bool) -> bool`,
//!   [`eval::eval_with`]`(.., day_start: &dyn Fn(NaiveDate) -> i64) -> bool`
//! * [`text::fold`], [`text::digits`], [`text::search_words`], [`text::like_escape`]
//! * [`dates::resolve_date`], [`dates::resolve_relative`] `-> Option<DayRange>`
//! * Types: [`Span`], [`Spanned`], [`Op`], [`Value`], [`Expr`], [`JsonFilter`]
//!   ([`JsonCond`]...), [`FieldType`], [`NumberKind`], [`EnumValue`],
//!   [`FieldDef`], [`Registry`], [`DateContext`], [`DayRange`], [`Typed`],
//!   [`Condition`], [`TypedOp`], [`Scalar`], [`FieldValue`], [`Row`],
//!   [`FilterError`], [`ErrorKind`], [`Limits`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![warn(missing_debug_implementations)]

pub mod ast;
pub mod dates;
pub mod error;
pub mod eval;
pub mod json;
mod parser;
pub mod registry;
pub mod text;
pub mod typed;

pub use ast::{Expr, Op, Span, Spanned, Value, keyword_needs_quotes, quote, to_text, value_needs_quotes};
pub use dates::{DateContext, DayRange};
pub use error::{ErrorKind, FilterError};
pub use eval::{FieldValue, Row};
pub use json::{JsonAnd, JsonCond, JsonFilter, JsonKeyword, JsonNot, JsonOr, json_schema, parse_json};
pub use parser::{Limits, parse, parse_with_limits};
pub use registry::{EnumValue, FieldDef, FieldType, NumberKind, Registry, choice_key};
pub use typed::{Condition, Scalar, Typed, TypedOp, check, check_with_limits};
