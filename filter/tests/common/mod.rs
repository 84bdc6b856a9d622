#![allow(dead_code)]

use clientele_filter::{Expr, Value};

/// Compact S-expression of a tree (spans ignored): `(and a (not f:v))`.
/// Quoted values/keywords are written `"..."` (Debug-escaped).
pub fn sx(e: &Expr) -> String {
    match e {
        Expr::And(v) => format!("(and{})", v.iter().map(|x| format!(" {}", sx(x))).collect::<String>()),
        Expr::Or(v) => format!("(or{})", v.iter().map(|x| format!(" {}", sx(x))).collect::<String>()),
        Expr::Not(x) => format!("(not {})", sx(x)),
        Expr::Keyword { text, quoted } => {
            if *quoted {
                format!("{:?}", text.node)
            } else {
                text.node.clone()
            }
        }
        Expr::Cond { field, op, value } => {
            let v = match value {
                Value::Single { text, quoted } => {
                    if *quoted {
                        format!("{:?}", text.node)
                    } else {
                        format!("[{}]", text.node)
                    }
                }
                Value::List(items) => {
                    format!("({})", items.iter().map(|i| format!("[{}]", i.node)).collect::<Vec<_>>().join(","))
                }
                Value::Range { lo, hi } => format!(
                    "[{}]..[{}]",
                    lo.as_ref().map_or("", |s| s.node.as_str()),
                    hi.as_ref().map_or("", |s| s.node.as_str())
                ),
            };
            format!("{}{}{}", field.node, op.node.as_str(), v)
        }
    }
}

/// xorshift64* PRNG.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

pub const HOSTILE: &[&str] = &[
    "\"",
    "\\",
    "\\\"",
    "%",
    "_",
    "'",
    "’",
    "'; DROP TABLE clients;--",
    "\" OR 1=1 --",
    "🎉",
    "👨‍👩‍👧",
    "e\u{301}",
    "Hélène",
    "D'Amours",
    "Jean-François",
    "Trois-Rivières",
    "(",
    ")",
    ":",
    "::",
    "..",
    ".",
    "...",
    ",",
    "-",
    "--",
    "=",
    "<",
    ">",
    ">=",
    "!=",
    "!",
    "OR",
    "AND",
    "NOT",
    "or",
    " ",
    "\t",
    "a b",
    "x:y",
    "a..b",
    "$1",
    "?",
    "NULL",
    "\0",
    "\u{200B}",
    "٣",
    "ß",
    "œ",
    "日本",
    "last-7-days",
    "(a,b)",
    "\n",
    "*",
    "/*",
    "*/",
    "null",
    "true",
];

pub fn hostile_string(r: &mut Rng) -> String {
    let n = 1 + r.below(4);
    let mut s = String::new();
    for _ in 0..n {
        if r.chance(1, 3) {
            let alpha = ["a", "b", "Z", "é", "1", "x", "-", "'", "."];
            s.push_str(r.pick::<&str>(&alpha));
        } else {
            s.push_str(r.pick::<&str>(HOSTILE));
        }
    }
    s
}
