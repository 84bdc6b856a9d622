-- Engine events on the timeline (transfer events) as data: a
-- `TimelineEvent` as JSON, worded when read in the reader's language. The
-- stored subject and body stay (the firm's wording: what sorts and
-- `subject` filters see). Events recorded before this column get theirs
-- from their text at the next open when it words back exactly (the data
-- migration `2026-12-05-000200_timeline_events`); the others keep their
-- text only.
ALTER TABLE interactions ADD COLUMN event TEXT;
