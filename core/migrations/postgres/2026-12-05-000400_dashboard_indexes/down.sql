DROP INDEX transfers_trash;
CREATE INDEX transfers_trash ON transfers(trash_id);
DROP INDEX interactions_trash;
CREATE INDEX interactions_trash ON interactions(trash_id);
DROP INDEX transfers_open_expires;
DROP INDEX interactions_taken_for;
CREATE INDEX interactions_taken_for ON interactions(taken_for_id, message_status);
DROP INDEX interactions_occurred;
CREATE INDEX interactions_occurred ON interactions(occurred_at, id);
