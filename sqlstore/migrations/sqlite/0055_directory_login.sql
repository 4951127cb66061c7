-- Directory login (issue 10, M13): a user's source is 'local' (medsec's own password) or
-- 'directory' (LDAP / Active Directory bind; password_hash stays '' and never verifies).
-- directory_dn is the entry the user last logged in as.
ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local';
ALTER TABLE users ADD COLUMN directory_dn TEXT NOT NULL DEFAULT '';
