-- When the affected systems were restored (系統恢復, 003 §4.3.3; issue 14 #8): the patch
-- tasks count from it (技術工作組在系統恢復後，立即開展漏洞掃描和修復。高危漏洞需在24小時內完成
-- 補丁更新，中危漏洞48小時內修復, 003 §4.3.4). NULL while not recorded.
ALTER TABLE incidents ADD COLUMN restored_at TIMESTAMP;
-- The patch tasks' clocks written before counted from the detection; those not yet met
-- nor stopped wait for the restoration instead (no due time, never late, until it is
-- recorded). Met or stopped ones keep their record.
UPDATE incident_clocks SET basis = 'awaiting-restored', due_at = NULL
	WHERE task_id IS NOT NULL AND key IN ('task.patch-high', 'task.patch-medium') AND met_at IS NULL AND stopped_at IS NULL;
