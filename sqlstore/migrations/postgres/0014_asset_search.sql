-- Inventory search from a trigram index: LIKE '%word%' on assets.search_text is answered
-- from a pg_trgm GIN index for a word of three characters or more, in any script (心電圖,
-- 超音波, エコー, ecg), instead of scanning every asset.
--
-- pg_trgm (PostgreSQL's contrib, a trusted extension) is database-wide. It is installed
-- in its own schema medsec_ext unless the database already has it elsewhere, so that
-- dropping one medsec schema never drops the index of another; the operator class is
-- named with that schema, and LIKE itself needs nothing from it on the search path. The
-- advisory lock keeps two medsec schemas migrating at once from installing it twice.
DO $$
DECLARE
	ext_schema name;
BEGIN
	PERFORM pg_advisory_xact_lock(7295001);
	SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
	IF ext_schema IS NULL THEN
		CREATE SCHEMA IF NOT EXISTS medsec_ext;
		CREATE EXTENSION pg_trgm SCHEMA medsec_ext;
		ext_schema := 'medsec_ext';
	END IF;
	EXECUTE format('CREATE INDEX assets_search_trgm ON assets USING gin (search_text %I.gin_trgm_ops)', ext_schema);
END
$$;
