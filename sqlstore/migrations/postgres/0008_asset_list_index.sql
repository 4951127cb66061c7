-- The asset list shows active assets by name: this index serves it without a sort.
CREATE INDEX assets_status_name ON assets (status, name, id);
