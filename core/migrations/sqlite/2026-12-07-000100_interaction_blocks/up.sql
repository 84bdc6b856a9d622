-- Upper bounds of the interactions' dates per block of 256 ids (issue 10;
-- `query/window.rs`). A keyword search under the default sort (newest
-- first) that drives by a word of a few hundred to tens of thousands of
-- matches read every match and sorted them to keep the newest 50
-- (« succession »: 2.5 ms at size M, 31 ms at L). With the bounds it reads
-- only the matches in the blocks whose bound is newest, and keeps the rows
-- newer than the first bound it left out: those are all the rows that
-- newer, whether ids follow dates or not.
--
-- A bound only grows (insert, a date moved later); a deleted row or a
-- date moved earlier leaves it too high, which stays a valid upper bound.
-- Bulk inserts drop `interactions_fts_ai` for their batch and fill both
-- the keyword index and the bounds once at its end (`store/bulk.rs`).
CREATE TABLE interaction_blocks (
    block INTEGER PRIMARY KEY,
    bound BIGINT NOT NULL
);
CREATE INDEX interaction_blocks_bound ON interaction_blocks(bound DESC, block DESC);
INSERT INTO interaction_blocks(block, bound)
  SELECT id >> 8, MAX(occurred_at) FROM interactions WHERE 1 GROUP BY id >> 8;

DROP TRIGGER interactions_fts_ai;
CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
  INSERT INTO interactions_fts(rowid, search_text) VALUES (new.id, new.search_text);
  INSERT INTO interaction_blocks(block, bound) VALUES (new.id >> 8, new.occurred_at)
    ON CONFLICT(block) DO UPDATE SET bound = excluded.bound WHERE excluded.bound > bound;
END;
CREATE TRIGGER interactions_block_au AFTER UPDATE OF occurred_at ON interactions BEGIN
  INSERT INTO interaction_blocks(block, bound) VALUES (new.id >> 8, new.occurred_at)
    ON CONFLICT(block) DO UPDATE SET bound = excluded.bound WHERE excluded.bound > bound;
END;
