-- Maintenance plans are requested, then approved or refused by another user [004 §10.1:
-- 保守に関する手続きは、原則として事前申請・承認; 000 附表一 遠端存取 一 連線需求申請]:
-- status requested | approved | refused, who requested, who decided, when and why. Plans
-- entered before are approved plans entered by their approver.
ALTER TABLE maintenance_plans ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE maintenance_plans ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE maintenance_plans ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE maintenance_plans ADD COLUMN decided_at TIMESTAMPTZ;
ALTER TABLE maintenance_plans ADD COLUMN decision_note TEXT NOT NULL DEFAULT '';
UPDATE maintenance_plans SET decided_by = approved_by, decided_at = created_at;
CREATE INDEX maintenance_plans_status ON maintenance_plans (status);
