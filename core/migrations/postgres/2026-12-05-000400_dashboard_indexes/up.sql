-- Indexes that let the dashboards' reads visit only the rows they count
-- or show (issue 10; BENCHMARKS.md, "Branch h10dash").

-- The weekly chart and Today's trend (`list.count_by` over `when`) group
-- the live interactions of a date range by kind: with `trash_id` and `kind`
-- in the date index they are counted from the index alone (each row was
-- fetched for its `trash_id`). Same order as before, so pages sorted by
-- date use it as they did.
DROP INDEX interactions_occurred;
CREATE INDEX interactions_occurred ON interactions(occurred_at, id, trash_id, kind);

-- Messages taken for a staff member, newest first ("for:me message:new"):
-- the date in the index gives the page in order, so the planner no longer
-- prefers walking the whole date index for them.
DROP INDEX interactions_taken_for;
CREATE INDEX interactions_taken_for ON interactions(taken_for_id, message_status, occurred_at, id);

-- Transfers expiring soon (Today: open, `expires:<=…`, sorted by expiry):
-- the live open transfers in expiry order, a page read without a sort.
CREATE INDEX transfers_open_expires ON transfers(expires_at, id)
    WHERE status IN ('waiting_for_files', 'ready_for_download') AND trash_id IS NULL;

-- The trash indexes only ever look up trashed rows (`trash_id = ?`): live
-- rows stay out of them. Every live row was in them under NULL, which made
-- "trash_id IS NULL" look like an index search to the planner (it chose
-- `transfers_trash` and sorted every live transfer) and cost every insert
-- an index entry.
DROP INDEX interactions_trash;
CREATE INDEX interactions_trash ON interactions(trash_id) WHERE trash_id IS NOT NULL;
DROP INDEX transfers_trash;
CREATE INDEX transfers_trash ON transfers(trash_id) WHERE trash_id IS NOT NULL;
