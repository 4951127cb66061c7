-- 當滿足終止條件時，由領導小組宣布應急響應結束 (003 §4.4.4): closing an incident records
-- who of the leading group declared the end of the response and when. Incidents closed
-- before keep '' and NULL (the ledger shows them blank).
ALTER TABLE incidents ADD COLUMN end_declared_by TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN end_declared_at TIMESTAMPTZ;
