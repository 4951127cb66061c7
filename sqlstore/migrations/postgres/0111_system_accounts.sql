-- Accounts and access reviews may belong to a clinical system instead of one asset [issue 15
-- M6: "account inventory per system (an asset or a system of assets)"]: an HIS's accounts
-- are the HIS's, not one of its servers'. Each account and each review names exactly one of
-- asset_id and system_id.
ALTER TABLE accounts ALTER COLUMN asset_id DROP NOT NULL;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS system_id BIGINT REFERENCES clinical_systems (id);
ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_asset_or_system;
ALTER TABLE accounts ADD CONSTRAINT accounts_asset_or_system CHECK ((asset_id IS NULL) <> (system_id IS NULL));
CREATE UNIQUE INDEX IF NOT EXISTS accounts_system_username ON accounts (system_id, username) WHERE system_id IS NOT NULL;
ALTER TABLE access_reviews ALTER COLUMN asset_id DROP NOT NULL;
ALTER TABLE access_reviews ADD COLUMN IF NOT EXISTS system_id BIGINT REFERENCES clinical_systems (id);
ALTER TABLE access_reviews DROP CONSTRAINT IF EXISTS access_reviews_asset_or_system;
ALTER TABLE access_reviews ADD CONSTRAINT access_reviews_asset_or_system CHECK ((asset_id IS NULL) <> (system_id IS NULL));
CREATE UNIQUE INDEX IF NOT EXISTS access_reviews_system_period ON access_reviews (system_id, period_start) WHERE system_id IS NOT NULL;
