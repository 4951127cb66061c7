-- A risk review's items keep what was decided on, so a signed review shows what was signed
-- however the risks change later (a break-test found new risks listed undecided under the
-- signatures): the subject where medsec words part of it (subject_msg: a message key and
-- its arguments, rendered in each reader's language; it was stored in English, "The
-- organisation · A.5.1"), why the decision is due (why: a message) and what medsec held of
-- the risk (record). No item is added to a signed review either.
ALTER TABLE risk_review_items ADD COLUMN subject_msg TEXT NOT NULL DEFAULT '';
ALTER TABLE risk_review_items ADD COLUMN why TEXT NOT NULL DEFAULT '';
ALTER TABLE risk_review_items ADD COLUMN record TEXT NOT NULL DEFAULT '';
-- The organisation's subjects, stored in English, become their message: the same words in
-- every language, so the signed content is unchanged (the trigger is lifted for this alone).
DROP TRIGGER risk_review_items_signed;
UPDATE risk_review_items SET subject_msg = json_object('key', 'report.risk_subject_pair',
	'args', json_array(json_object('key', 'report.organisation'), json_object('text', substr(subject, length('The organisation · ') + 1))))
WHERE ref LIKE 'assessment:%/0' AND subject LIKE 'The organisation · %';
CREATE TRIGGER risk_review_items_signed BEFORE UPDATE ON risk_review_items
WHEN (SELECT officer_signed_at IS NOT NULL OR leader_signed_at IS NOT NULL FROM risk_reviews WHERE id = OLD.review_id)
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;
CREATE TRIGGER risk_review_items_signed_added BEFORE INSERT ON risk_review_items
WHEN (SELECT officer_signed_at IS NOT NULL OR leader_signed_at IS NOT NULL FROM risk_reviews WHERE id = NEW.review_id)
BEGIN
	SELECT RAISE(ABORT, 'risk review is signed');
END;
