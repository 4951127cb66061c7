-- Login throttling: failures per account (address '') and per account and client address,
-- and the addresses each user has logged in from (the owner's known-good path).
-- users.failed_logins and users.locked_until are no longer used.
CREATE TABLE login_failures (
	user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	address         TEXT NOT NULL,
	failures        INTEGER NOT NULL,
	last_failure_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, address)
);

CREATE TABLE login_addresses (
	user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	address       TEXT NOT NULL,
	last_login_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, address)
);
