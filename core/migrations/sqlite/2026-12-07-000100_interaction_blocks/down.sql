DROP TRIGGER interactions_block_au;
DROP TRIGGER interactions_fts_ai;
CREATE TRIGGER interactions_fts_ai AFTER INSERT ON interactions BEGIN
  INSERT INTO interactions_fts(rowid, search_text) VALUES (new.id, new.search_text);
END;
DROP TABLE interaction_blocks;
