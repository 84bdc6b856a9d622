DROP TABLE merges;
DROP TABLE dup_keys;
