-- Inventory search from a trigram index: a word of three characters or more, in any
-- script (心電圖, 超音波, エコー, ecg), is looked up as a substring of assets.search_text
-- in this FTS5 table instead of scanning every asset with LIKE. The table holds only
-- the index (external content: the text stays in assets); the triggers keep it in step
-- with every insert, update and delete of an asset, in the same transaction.
CREATE VIRTUAL TABLE asset_search USING fts5(search_text, content='assets', content_rowid='id', tokenize='trigram');
INSERT INTO asset_search(asset_search) VALUES ('rebuild');

CREATE TRIGGER asset_search_insert AFTER INSERT ON assets BEGIN
	INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text);
END;

CREATE TRIGGER asset_search_delete AFTER DELETE ON assets BEGIN
	INSERT INTO asset_search(asset_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;

CREATE TRIGGER asset_search_update AFTER UPDATE OF search_text ON assets BEGIN
	INSERT INTO asset_search(asset_search, rowid, search_text) VALUES ('delete', old.id, old.search_text);
	INSERT INTO asset_search(rowid, search_text) VALUES (new.id, new.search_text);
END;
