-- Backups of the hospital's clinical systems [M10; 003 §3.1.3; 004 §11 ①, §12.2, §18.1;
-- 000 tw-cp-1]: one or more plans per asset (copies as JSON of medsec.BackupCopy), the job
-- results backup software reported, and restore tests, which never change once recorded.
CREATE TABLE backup_plans (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id          INTEGER NOT NULL REFERENCES assets (id),
	name              TEXT NOT NULL,
	job_name          TEXT NOT NULL DEFAULT '',
	frequency_hours   INTEGER NOT NULL,
	copies            TEXT NOT NULL DEFAULT '[]',
	generations       INTEGER NOT NULL,
	immutable_from    INTEGER NOT NULL DEFAULT 0,
	restore_test_days INTEGER NOT NULL,
	rto_hours         INTEGER NOT NULL DEFAULT 0,
	rpo_hours         INTEGER NOT NULL DEFAULT 0,
	fallback          TEXT NOT NULL DEFAULT '',
	notes             TEXT NOT NULL DEFAULT '',
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX backup_plans_asset ON backup_plans (asset_id);
CREATE TABLE backup_runs (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	plan_id  INTEGER NOT NULL REFERENCES backup_plans (id),
	started  TIMESTAMP NOT NULL,
	finished TIMESTAMP,
	status   TEXT NOT NULL,
	bytes    INTEGER NOT NULL DEFAULT 0,
	source   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX backup_runs_plan_started ON backup_runs (plan_id, started);
CREATE TABLE restore_tests (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	plan_id          INTEGER NOT NULL REFERENCES backup_plans (id),
	tested_at        TIMESTAMP NOT NULL,
	what             TEXT NOT NULL,
	target           TEXT NOT NULL,
	duration_minutes INTEGER NOT NULL,
	hash_match       TEXT NOT NULL,
	result           TEXT NOT NULL,
	evidence         TEXT NOT NULL,
	notes            TEXT NOT NULL DEFAULT '',
	recorded_by      TEXT NOT NULL,
	created_at       TIMESTAMP NOT NULL
);
CREATE INDEX restore_tests_plan ON restore_tests (plan_id, tested_at);
CREATE TRIGGER restore_tests_no_update BEFORE UPDATE ON restore_tests
BEGIN SELECT RAISE(ABORT, 'restore test is recorded'); END;
CREATE TRIGGER restore_tests_no_delete BEFORE DELETE ON restore_tests
BEGIN SELECT RAISE(ABORT, 'restore test is recorded'); END;
