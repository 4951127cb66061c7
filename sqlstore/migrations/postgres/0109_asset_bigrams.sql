-- Inventory search for words of two characters (心電, 透析, エコ, 病房, ct): pg_trgm cannot
-- answer a LIKE pattern without a trigram, so they scanned every asset. asset_bigrams
-- holds each distinct two-character substring of an asset's search_text (already
-- lower-cased), except those holding an ASCII space, tab or line break, which no searched
-- word holds; a two-character word is looked up by equality on the primary key
-- (gram, asset_id) and still confirmed by the LIKE. The store writes the grams in the
-- transaction that writes search_text (sqlstore/asset.go, assetBigrams); here the
-- existing assets are filled in. char_length and substr count characters, as the store
-- counts runes.
CREATE TABLE asset_bigrams (
	gram     TEXT NOT NULL,
	asset_id BIGINT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
	PRIMARY KEY (gram, asset_id)
);

INSERT INTO asset_bigrams (gram, asset_id)
SELECT DISTINCT g.gram, a.id
FROM assets a, generate_series(1, char_length(a.search_text) - 1) AS i,
	LATERAL (SELECT substr(a.search_text, i, 2) AS gram) g
WHERE translate(g.gram, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13), '') = g.gram;
