-- The built-in rules' titles are translated under one key, builtin_rule.<Sigma id>.title
-- (the alert pages and notifications use it); incidents written with the former
-- rule_title.<Sigma id> keys move to it. Only the built-in rules have translations, so the
-- messages name their ten ids; any other rule's title shows as written either way.
UPDATE incidents SET title_key = 'builtin_rule.' || substr(title_key, 12) || '.title'
	WHERE substr(title_key, 1, 11) = 'rule_title.';
UPDATE incidents SET description_msg = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(description_msg,
	'"rule_title.cf962294-5934-478d-8370-92232c613337"', '"builtin_rule.cf962294-5934-478d-8370-92232c613337.title"'),
	'"rule_title.eeafdf62-ed10-442f-8c3e-806d9f3332b8"', '"builtin_rule.eeafdf62-ed10-442f-8c3e-806d9f3332b8.title"'),
	'"rule_title.a1383ce2-1020-4310-9440-47873dca128a"', '"builtin_rule.a1383ce2-1020-4310-9440-47873dca128a.title"'),
	'"rule_title.5b844acf-d201-4466-bfdb-ceec6a5e48e0"', '"builtin_rule.5b844acf-d201-4466-bfdb-ceec6a5e48e0.title"'),
	'"rule_title.febcbcac-c6f8-45f3-ada0-3cd29613b3b9"', '"builtin_rule.febcbcac-c6f8-45f3-ada0-3cd29613b3b9.title"'),
	'"rule_title.fd1aaaeb-b063-48f6-a0d3-ccccf4e884cd"', '"builtin_rule.fd1aaaeb-b063-48f6-a0d3-ccccf4e884cd.title"'),
	'"rule_title.6f8d7eb0-584b-414d-b3e4-f93c4d942d64"', '"builtin_rule.6f8d7eb0-584b-414d-b3e4-f93c4d942d64.title"'),
	'"rule_title.0d06218e-81bc-4d4d-8175-dba325b2caa4"', '"builtin_rule.0d06218e-81bc-4d4d-8175-dba325b2caa4.title"'),
	'"rule_title.8ef2285a-72a2-454a-acd7-4124ec247e9e"', '"builtin_rule.8ef2285a-72a2-454a-acd7-4124ec247e9e.title"'),
	'"rule_title.58840d3d-807b-4319-961b-a9ac724f2038"', '"builtin_rule.58840d3d-807b-4319-961b-a9ac724f2038.title"')
	WHERE description_msg LIKE '%rule_title.%';
UPDATE incident_timeline SET msg = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(msg,
	'"rule_title.cf962294-5934-478d-8370-92232c613337"', '"builtin_rule.cf962294-5934-478d-8370-92232c613337.title"'),
	'"rule_title.eeafdf62-ed10-442f-8c3e-806d9f3332b8"', '"builtin_rule.eeafdf62-ed10-442f-8c3e-806d9f3332b8.title"'),
	'"rule_title.a1383ce2-1020-4310-9440-47873dca128a"', '"builtin_rule.a1383ce2-1020-4310-9440-47873dca128a.title"'),
	'"rule_title.5b844acf-d201-4466-bfdb-ceec6a5e48e0"', '"builtin_rule.5b844acf-d201-4466-bfdb-ceec6a5e48e0.title"'),
	'"rule_title.febcbcac-c6f8-45f3-ada0-3cd29613b3b9"', '"builtin_rule.febcbcac-c6f8-45f3-ada0-3cd29613b3b9.title"'),
	'"rule_title.fd1aaaeb-b063-48f6-a0d3-ccccf4e884cd"', '"builtin_rule.fd1aaaeb-b063-48f6-a0d3-ccccf4e884cd.title"'),
	'"rule_title.6f8d7eb0-584b-414d-b3e4-f93c4d942d64"', '"builtin_rule.6f8d7eb0-584b-414d-b3e4-f93c4d942d64.title"'),
	'"rule_title.0d06218e-81bc-4d4d-8175-dba325b2caa4"', '"builtin_rule.0d06218e-81bc-4d4d-8175-dba325b2caa4.title"'),
	'"rule_title.8ef2285a-72a2-454a-acd7-4124ec247e9e"', '"builtin_rule.8ef2285a-72a2-454a-acd7-4124ec247e9e.title"'),
	'"rule_title.58840d3d-807b-4319-961b-a9ac724f2038"', '"builtin_rule.58840d3d-807b-4319-961b-a9ac724f2038.title"')
	WHERE msg LIKE '%rule_title.%';
