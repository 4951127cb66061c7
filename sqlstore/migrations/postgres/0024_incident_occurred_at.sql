-- When an incident began (事件發生時間), as far as it is known: NULL when not. The ledger
-- and the incident page show it beside the detection time, which may not be before it;
-- the clocks that start "after discovery" start at detected_at (issue 14).
ALTER TABLE incidents ADD COLUMN occurred_at TIMESTAMPTZ;
