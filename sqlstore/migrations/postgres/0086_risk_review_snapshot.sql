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
ALTER TABLE risk_review_items DISABLE TRIGGER risk_review_items_signed;
UPDATE risk_review_items SET subject_msg = json_build_object('key', 'report.risk_subject_pair',
	'args', json_build_array(json_build_object('key', 'report.organisation'), json_build_object('text', substr(subject, length('The organisation · ') + 1))))::text
WHERE ref LIKE 'assessment:%/0' AND subject LIKE 'The organisation · %';
ALTER TABLE risk_review_items ENABLE TRIGGER risk_review_items_signed;
CREATE FUNCTION risk_review_items_signed_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT officer_signed_at IS NOT NULL OR leader_signed_at IS NOT NULL FROM risk_reviews WHERE id = NEW.review_id) THEN
		RAISE EXCEPTION 'risk review is signed';
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER risk_review_items_signed_added BEFORE INSERT ON risk_review_items
FOR EACH ROW EXECUTE FUNCTION risk_review_items_signed_added();
