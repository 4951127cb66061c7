-- Inventory search for words of two characters (心電, 透析, エコ, 病房, ct): a trigram
-- index cannot answer them, so they scanned every asset with LIKE. asset_bigrams holds
-- each distinct two-character substring of an asset's search_text (already lower-cased),
-- except those holding an ASCII space, tab or line break, which no searched word holds;
-- a two-character word is looked up by equality on the primary key (gram, asset_id) and
-- still confirmed by the LIKE. The store writes the grams in the transaction that writes
-- search_text (sqlstore/asset.go, assetBigrams); here the existing assets are filled in.
-- length and substr count characters, as the store counts runes.
CREATE TABLE asset_bigrams (
	gram     TEXT NOT NULL,
	asset_id INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
	PRIMARY KEY (gram, asset_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO asset_bigrams (gram, asset_id)
WITH RECURSIVE g (asset_id, t, i) AS (
	SELECT id, search_text, 1 FROM assets WHERE length(search_text) >= 2
	UNION ALL
	SELECT asset_id, t, i + 1 FROM g WHERE i + 1 < length(t)
)
SELECT substr(t, i, 2), asset_id FROM g
WHERE substr(t, i, 2) NOT GLOB ('*[' || char(9, 10, 11, 12, 13, 32) || ']*');
