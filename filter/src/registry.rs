//! Field registries: which fields a list can be filtered on, and how.

use serde::{Deserialize, Serialize};

use crate::ast::Op;
use crate::text::fold;

/// Integer or floating-point numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    /// `i64` values (`12`, `-3`).
    Int,
    /// `f64` values (`12.5`, `12,5`, `3`).
    Float,
}

/// One accepted value of an enum field, with optional display labels and
/// short tokens that are also accepted as input (see [`EnumValue::accepts`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EnumValue {
    /// The canonical value, as stored (e.g. `phone_call`).
    pub value: String,
    /// French label, as displayed (e.g. `Appel téléphonique`).
    pub label_fr: Option<String>,
    /// English label, as displayed (e.g. `Phone call`).
    pub label_en: Option<String>,
    /// Short tokens also accepted (e.g. `appel`, `call`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tokens: Vec<String>,
}

impl EnumValue {
    /// A value without labels.
    pub fn new(value: impl Into<String>) -> Self {
        EnumValue { value: value.into(), label_fr: None, label_en: None, tokens: Vec::new() }
    }

    /// A value with French and English labels.
    pub fn labelled(value: impl Into<String>, fr: impl Into<String>, en: impl Into<String>) -> Self {
        EnumValue { value: value.into(), label_fr: Some(fr.into()), label_en: Some(en.into()), tokens: Vec::new() }
    }

    /// Adds short tokens accepted as input.
    pub fn tokens<S: Into<String>>(mut self, tokens: impl IntoIterator<Item = S>) -> Self {
        self.tokens.extend(tokens.into_iter().map(Into::into));
        self
    }

    /// Every spelling accepted for this value: the value, both labels, the tokens.
    pub fn spellings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.value.as_str())
            .chain(self.label_fr.as_deref())
            .chain(self.label_en.as_deref())
            .chain(self.tokens.iter().map(String::as_str))
    }

    /// Whether `input` names this value: it equals the value, a label or a
    /// token once both are [`choice_key`]ed (case, accents, and spaces,
    /// `-` and `_` ignored as separators), so `Appel téléphonique`,
    /// `appel-telephonique`, `PHONE_CALL` and `phone call` all name
    /// `phone_call`.
    pub fn accepts(&self, input: &str) -> bool {
        let k = choice_key(input);
        !k.is_empty() && self.spellings().any(|s| choice_key(s) == k)
    }
}

/// The comparison key of a choice spelling: [`fold`]ed, with every run of
/// white space, `-` and `_` read as one separator, trimmed.
pub fn choice_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut sep = false;
    for c in fold(s).chars() {
        if c.is_whitespace() || c == '-' || c == '_' {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push(' ');
            }
            sep = false;
            out.push(c);
        }
    }
    out
}

/// The type of a field, which decides how values are read and compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text: `:` contains, `=`/`!=` folded equality.
    Text,
    /// Numbers.
    Number(NumberKind),
    /// Calendar day.
    Date,
    /// Instant; filtered by the day it falls on in the list's time zone.
    DateTime,
    /// `oui/non`, `yes/no`, `true/false`, `vrai/faux`, `1/0`.
    Bool,
    /// One of a closed set of values.
    Enum {
        /// The accepted values.
        values: Vec<EnumValue>,
    },
    /// An identifier, compared exactly (case-sensitive, no folding).
    Id,
}

impl FieldType {
    /// Operators this type supports at all.
    pub fn supported_ops(&self) -> &'static [Op] {
        use Op::*;
        match self {
            FieldType::Text | FieldType::Bool | FieldType::Enum { .. } | FieldType::Id => &[Colon, Eq, Ne],
            FieldType::Number(_) => &[Colon, Eq, Ne, Lt, Le, Gt, Ge],
            FieldType::Date | FieldType::DateTime => &[Colon, Eq, Lt, Le, Gt, Ge],
        }
    }

    /// A short English name of the type, for messages.
    pub fn describe(&self) -> &'static str {
        match self {
            FieldType::Text => "a text field",
            FieldType::Number(_) => "a number field",
            FieldType::Date => "a date field",
            FieldType::DateTime => "a date-time field",
            FieldType::Bool => "a yes/no field",
            FieldType::Enum { .. } => "a choice field",
            FieldType::Id => "an identifier field",
        }
    }
}

/// One field of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldDef {
    /// Canonical name (what [`crate::Typed`] conditions carry and [`crate::eval::Row::get`] receives).
    pub name: String,
    /// Other accepted names, e.g. French ones (`statut` for `status`).
    pub aliases: Vec<String>,
    /// Type.
    pub ty: FieldType,
    /// Allowed operators; `None` means all of [`FieldType::supported_ops`].
    /// Operators the type does not support are refused even if listed.
    pub ops: Option<Vec<Op>>,
    /// French label.
    pub label_fr: String,
    /// English label.
    pub label_en: String,
    /// Whether lists can be sorted on it (informational for the host/core).
    pub sortable: bool,
    /// Whether it can appear in filters (`false`: `not_filterable`).
    pub filterable: bool,
}

impl FieldDef {
    /// A filterable, sortable field with all type operators, labels = name.
    pub fn new(name: impl Into<String>, ty: FieldType) -> Self {
        let name = name.into();
        FieldDef {
            label_fr: name.clone(),
            label_en: name.clone(),
            name,
            aliases: Vec::new(),
            ty,
            ops: None,
            sortable: true,
            filterable: true,
        }
    }

    /// Adds an alias.
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.aliases.push(alias.into());
        self
    }

    /// Sets the labels.
    pub fn labels(mut self, fr: impl Into<String>, en: impl Into<String>) -> Self {
        self.label_fr = fr.into();
        self.label_en = en.into();
        self
    }

    /// Restricts the operators.
    pub fn ops(mut self, ops: &[Op]) -> Self {
        self.ops = Some(ops.to_vec());
        self
    }

    /// Sets `sortable`.
    pub fn sortable(mut self, yes: bool) -> Self {
        self.sortable = yes;
        self
    }

    /// Sets `filterable`.
    pub fn filterable(mut self, yes: bool) -> Self {
        self.filterable = yes;
        self
    }

    /// The operators actually accepted: `ops` (or all) ∩ type-supported.
    pub fn allowed_ops(&self) -> Vec<Op> {
        let sup = self.ty.supported_ops();
        match &self.ops {
            None => sup.to_vec(),
            Some(ops) => sup.iter().copied().filter(|o| ops.contains(o)).collect(),
        }
    }
}

/// The fields of one list. Lookup by name or alias is case- and
/// accent-insensitive (both sides [`fold`]ed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    fields: Vec<FieldDef>,
}

impl Registry {
    /// Builds a registry; fails if two names/aliases fold to the same
    /// string, or if a spelling of a choice names two values of one field.
    pub fn try_new(fields: Vec<FieldDef>) -> Result<Self, String> {
        let mut seen: Vec<(String, &str)> = Vec::new();
        for f in &fields {
            if let FieldType::Enum { values } = &f.ty {
                for (i, a) in values.iter().enumerate() {
                    for b in &values[i + 1..] {
                        if let Some(s) = a.spellings().find(|s| b.accepts(s)) {
                            return Err(format!(
                                "`{s}` names both `{}` and `{}` of field `{}`",
                                a.value, b.value, f.name
                            ));
                        }
                    }
                }
            }
            for n in std::iter::once(&f.name).chain(&f.aliases) {
                let k = fold(n);
                if let Some((_, other)) = seen.iter().find(|(s, _)| *s == k) {
                    return Err(format!("field name `{n}` of `{}` clashes with field `{other}`", f.name));
                }
                seen.push((k, &f.name));
            }
        }
        Ok(Registry { fields })
    }

    /// Builds a registry.
    ///
    /// # Panics
    /// If two names/aliases fold to the same string (a programming error).
    pub fn new(fields: Vec<FieldDef>) -> Self {
        match Self::try_new(fields) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    /// All fields, in registration order.
    pub fn fields(&self) -> &[FieldDef] {
        &self.fields
    }

    /// The field with this name or alias (case- and accent-insensitive).
    pub fn lookup(&self, name: &str) -> Option<&FieldDef> {
        let k = fold(name);
        self.fields.iter().find(|f| fold(&f.name) == k || f.aliases.iter().any(|a| fold(a) == k))
    }

    /// The registered name or alias nearest to `name` (Damerau-Levenshtein,
    /// optimal string alignment, on folded names) among filterable fields, if
    /// within distance 1 (typed name of at most 4 characters) or 2 (longer).
    /// Ties go to the first registered.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        let k: Vec<char> = fold(name).chars().collect();
        let max = if k.len() <= 4 { 1 } else { 2 };
        let mut best: Option<(usize, &str)> = None;
        for f in self.fields.iter().filter(|f| f.filterable) {
            for n in std::iter::once(&f.name).chain(&f.aliases) {
                let d = osa_distance(&k, &fold(n).chars().collect::<Vec<_>>());
                if d <= max && d < k.len() && best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, n));
                }
            }
        }
        best.map(|(_, n)| n)
    }
}

/// Optimal-string-alignment distance (Damerau-Levenshtein with adjacent
/// transpositions, no substring edited twice).
pub fn osa_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, v) in d[0].iter_mut().enumerate() {
        *v = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}
