-- API tokens expire. Tokens made before this migration have no expires_at: they expire
-- 90 days after created_at (sqlstore computes it). Revoked tokens are deleted.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
