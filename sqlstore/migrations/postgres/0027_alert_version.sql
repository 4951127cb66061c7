-- An alert's triage version: every triage change raises it, and a change naming an older
-- version is refused (optimistic locking, as for incidents).
ALTER TABLE alerts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
