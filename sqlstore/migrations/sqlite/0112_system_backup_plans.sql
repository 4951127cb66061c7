-- A backup plan may be of a clinical system instead of one asset [issue 15 M10: "Backup
-- jobs per clinical system"; docs/SYSTEMS.md "Not yet"]: the HIS is backed up as the HIS,
-- its continuity targets the system's. Each plan names exactly one of asset_id and
-- system_id, as accounts do since 0111. SQLite cannot drop a NOT NULL in place, so
-- backup_plans and the two tables that refer to it are rebuilt as 0111 rebuilt accounts:
-- the new tables refer to the new plans table (renaming rewrites those references), the
-- old ones are dropped children first (a DROP fires no trigger, so recorded restore tests
-- move as they are), and the indexes and the triggers that keep a restore test unchanged
-- are made again.
CREATE TABLE backup_plans_new (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	asset_id          INTEGER REFERENCES assets (id),
	system_id         INTEGER REFERENCES clinical_systems (id),
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
	updated_at        TIMESTAMP NOT NULL,
	CHECK ((asset_id IS NULL) <> (system_id IS NULL))
);
INSERT INTO backup_plans_new (id, asset_id, name, job_name, frequency_hours, copies, generations, immutable_from, restore_test_days, rto_hours,
	rpo_hours, fallback, notes, created_at, updated_at)
	SELECT id, asset_id, name, job_name, frequency_hours, copies, generations, immutable_from, restore_test_days, rto_hours,
	rpo_hours, fallback, notes, created_at, updated_at FROM backup_plans;
CREATE TABLE backup_runs_new (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	plan_id  INTEGER NOT NULL REFERENCES backup_plans_new (id),
	started  TIMESTAMP NOT NULL,
	finished TIMESTAMP,
	status   TEXT NOT NULL,
	bytes    INTEGER NOT NULL DEFAULT 0,
	source   TEXT NOT NULL DEFAULT ''
);
INSERT INTO backup_runs_new (id, plan_id, started, finished, status, bytes, source)
	SELECT id, plan_id, started, finished, status, bytes, source FROM backup_runs;
CREATE TABLE restore_tests_new (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	plan_id          INTEGER NOT NULL REFERENCES backup_plans_new (id),
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
INSERT INTO restore_tests_new (id, plan_id, tested_at, what, target, duration_minutes, hash_match, result, evidence, notes, recorded_by, created_at)
	SELECT id, plan_id, tested_at, what, target, duration_minutes, hash_match, result, evidence, notes, recorded_by, created_at FROM restore_tests;
DROP TABLE restore_tests;
DROP TABLE backup_runs;
DROP TABLE backup_plans;
ALTER TABLE backup_plans_new RENAME TO backup_plans;
ALTER TABLE backup_runs_new RENAME TO backup_runs;
ALTER TABLE restore_tests_new RENAME TO restore_tests;
CREATE INDEX backup_plans_asset ON backup_plans (asset_id);
CREATE INDEX backup_plans_system ON backup_plans (system_id) WHERE system_id IS NOT NULL;
CREATE UNIQUE INDEX backup_runs_plan_started ON backup_runs (plan_id, started);
CREATE INDEX restore_tests_plan ON restore_tests (plan_id, tested_at);
CREATE TRIGGER restore_tests_no_update BEFORE UPDATE ON restore_tests
BEGIN SELECT RAISE(ABORT, 'restore test is recorded'); END;
CREATE TRIGGER restore_tests_no_delete BEFORE DELETE ON restore_tests
BEGIN SELECT RAISE(ABORT, 'restore test is recorded'); END;
