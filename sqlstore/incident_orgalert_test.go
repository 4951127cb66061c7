package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentFromOrganisationAlert: an alert of the organisation (no site: ten wrong
// passwords on medsec's own login) opened an incident with a 500 ("converting NULL to
// int64") [issue 13 bt13g MEDIUM 2]. Now it asks which site (422 naming site_id), opens
// the incident of the site named, refuses a site outside the caller's (404) or one that
// does not exist, and a site's alert takes only its own site.
func TestIncidentFromOrganisationAlert(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		org := insertAlert(t, db, 7, "Many failed logins in a short time", "high", f.main.ID, 0)
		if err := db.ExecRaw(context.Background(), `UPDATE alerts SET site_id = NULL WHERE id = ?`, org); err != nil {
			t.Fatal(err)
		}
		_, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: org})
		var ve *medsec.ValidationError
		if !asValidation(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != "site_id" || ve.Errors[0].Key != "incident.err.alert_org_site" {
			t.Fatalf("organisation alert without a site: %v", err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: org, SiteID: 99999}); code(err) != medsec.ENOTFOUND {
			t.Errorf("a site that does not exist: %v", err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.branchOnly, &medsec.IncidentFromAlert{AlertID: org, SiteID: f.branch.ID}); code(err) != medsec.ENOTFOUND {
			t.Errorf("a user limited to sites, organisation alert: %v", err)
		}
		inc, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: org, SiteID: f.main.ID})
		if err != nil || joined || inc.SiteID != f.main.ID || len(inc.AlertIDs) != 1 {
			t.Fatalf("organisation alert at the main site: %v %+v %v", joined, inc, err)
		}
		site := insertAlert(t, db, 8, "Port scan from infusion pump", "medium", f.branch.ID, 0)
		_, _, err = f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: site, SiteID: f.main.ID})
		if !asValidation(err, &ve) || ve.Errors[0].Field != "site_id" || ve.Errors[0].Key != "incident.err.alert_site_mismatch" {
			t.Errorf("a site's alert at another site: %v", err)
		}
	})
}

// asValidation reports whether err is a *medsec.ValidationError, setting *ve.
func asValidation(err error, ve **medsec.ValidationError) bool {
	return errors.As(err, ve)
}
