//! Reading a keyword search's newest matches first (SQLite, interactions
//! under their default sort, a search that drives by a keyword).
//!
//! A driver keyword (`search.rs`) goes through the keyword index: every
//! match is read and the newest page kept. A word with a few hundred to
//! tens of thousands of matches costs them all (« succession »: 2.5 ms at
//! size M, 31 ms at L, where the page is 50 rows).
//!
//! `interaction_blocks` keeps, per block of [`BLOCK_IDS`] ids, an upper
//! bound of the dates in it (migration `2026-12-07-000100`, kept by the
//! insert trigger and bulk inserts; a bound never shrinks, so deletes and
//! earlier dates leave it valid). Take the `k` blocks of the newest bounds
//! and `after`, the bound of the next one: every row dated after `after`
//! lies in those `k` blocks, whatever the order of ids and dates (old
//! history imported late included). So the page statement restricted to
//! the ids from the first to the last of those blocks (`lo..=hi`, which the
//! keyword index seeks) and to dates after `after` answers the newest rows
//! dated after `after`, in the list's order. When it finds a full page
//! (the page and the one row that says there is more), those are the
//! list's first rows: any row it did not read is dated `after` or earlier,
//! older than all of them. Otherwise `k` grows fourfold, and the plain
//! statement runs once the blocks would cover half the ids or after three
//! short windows (`ops::lists::windowed`). A deep page skips the windows
//! whose bound is at or after its cursor's date; one client's or
//! contact's list reads none (sized on the whole list's matches).
//!
//! The first `k` is what the keyword index's count of the search's words
//! (`search::index_count_sql`) says holds three pages of matches were
//! they spread evenly over the ids; words missing from the newest rows
//! («saisonnier») cost a few more rounds, each at most the matches of its
//! range.

use super::sql::Sql;

/// A block's number is `id >> BLOCK_SHIFT`: 8 in the migration's trigger,
/// as here and in `store::bulk::raise_bounds`.
pub const BLOCK_SHIFT: u32 = 8;

/// Ids per block.
pub const BLOCK_IDS: i64 = 1 << BLOCK_SHIFT;

/// The matches below which the keyword index reads them all: a few
/// statements would cost more than reading them.
pub const MIN_MATCHES: i64 = 200;

/// Pages' worth of matches the first window is sized for.
const PAGES: i64 = 3;

/// A page statement's restriction: ids `lo..=hi` and dates after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub lo: i64,
    pub hi: i64,
    pub after: i64,
}

/// What decides the windows: the keyword index's count of the search's
/// words (below its cap) and the table's id range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hint {
    pub matches: i64,
    pub range: i64,
}

impl Hint {
    /// The blocks of the first window for a page statement of `rows` rows
    /// (`None`: read every match at once).
    pub(crate) fn first_blocks(self, rows: i64) -> Option<i64> {
        if self.matches < MIN_MATCHES.max(PAGES * rows) {
            return None;
        }
        let ids = self.range.saturating_mul(PAGES * rows) / self.matches.max(1);
        self.within((ids.saturating_add(BLOCK_IDS - 1) / BLOCK_IDS).max(1))
    }

    /// The next window's blocks after one of `k` found too few rows.
    pub(crate) fn next_blocks(self, k: i64) -> Option<i64> {
        self.within(k.saturating_mul(4))
    }

    /// `k` while its blocks cover less than half the ids.
    fn within(self, k: i64) -> Option<i64> {
        (k.saturating_mul(BLOCK_IDS) < self.range / 2).then_some(k)
    }
}

/// The `k` blocks of the newest bounds, as the first and last id they
/// cover (`lo`, `hi`) and the bound of the block after them (`after`):
/// NULL when there are no more than `k` blocks.
pub(crate) fn window_sql(k: i64) -> Sql {
    let mut sql = Sql::new(false);
    sql.push(&format!(
        "SELECT MIN(b.block) * {BLOCK_IDS} AS lo, MAX(b.block) * {BLOCK_IDS} + {} AS hi, \
         (SELECT n.bound FROM interaction_blocks n ORDER BY n.bound DESC, n.block DESC LIMIT 1 OFFSET ",
        BLOCK_IDS - 1
    ))
    .bind_int(k)
    .push(") AS after FROM (SELECT block FROM interaction_blocks ORDER BY bound DESC, block DESC LIMIT ")
    .bind_int(k)
    .push(") b");
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_start_at_three_pages_and_stop_at_half_the_ids() {
        // « succession » at size M: 1,003 matches over 1,000,000 ids, a
        // page statement of 51 rows: ~152,500 ids, 596 blocks.
        let m = Hint { matches: 1_003, range: 1_000_000 };
        assert_eq!(m.first_blocks(51), Some(596));
        assert_eq!(m.next_blocks(596), None, "2,384 blocks are more than half the ids");
        // Fewer matches than the floor: every match at once.
        assert_eq!(Hint { matches: 199, range: 1_000_000 }.first_blocks(51), None);
        assert_eq!(Hint { matches: 150, range: 1_000_000 }.first_blocks(51), None);
        // A small table: none.
        assert_eq!(Hint { matches: 5_000, range: 400 }.first_blocks(51), None);
        // Grows fourfold.
        let l = Hint { matches: 20_000, range: 10_000_000 };
        assert_eq!(l.first_blocks(51), Some(299));
        assert_eq!(l.next_blocks(299), Some(1_196));
        // No overflow on absurd inputs.
        assert_eq!(Hint { matches: 1, range: i64::MAX }.first_blocks(1), None);
        assert_eq!(Hint { matches: i64::MAX, range: i64::MAX }.next_blocks(i64::MAX), None);
    }
}
