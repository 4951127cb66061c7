package http_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestOrgAlertPageAsksTheIncidentSite: an alert of the organisation (site 0, such as a
// brute force on medsec's own login) opens an incident of a site the person chooses: the
// alert page's open-incident form has a site picker, in every language, as the API's
// site_id; posting it opens the incident at that site. A site's alert has no picker
// (issue 13 bt13g M4).
func TestOrgAlertPageAsksTheIncidentSite(t *testing.T) {
	f := newFixture(t)
	sys := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	org := *raiseAssetAlert(t, f.db, f.assetHQ)
	org.ID, org.DedupKey, org.SiteID, org.AssetID = 0, "test|org", 0, 0
	if _, err := sqlstore.NewDetectionService(f.db).RaiseAlert(sys, &org); err != nil {
		t.Fatal(err)
	}
	site := raiseAssetAlert(t, f.db, f.assetBR)
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))
	formOf := regexp.MustCompile(`(?s)<form[^>]*id="alert-open-incident".*?</form>`)
	for lang, label := range map[string]string{"en": "Site whose incident it is", "zh-TW": "事件所屬院區", "zh-CN": "事件所属院区", "ja": "インシデントの拠点"} {
		form := formOf.FindString(f.page(c, fmt.Sprintf("/alerts/%d", org.ID), lang))
		if !strings.Contains(form, `<select name="site_id" required>`) || !strings.Contains(form, label) ||
			!strings.Contains(form, fmt.Sprintf(`<option value="%d">本院</option>`, f.assetHQ.SiteID)) || !strings.Contains(form, fmt.Sprintf(`<option value="%d">分院</option>`, f.assetBR.SiteID)) {
			t.Errorf("%s: open-incident form of an organisation alert:\n%s", lang, form)
		}
	}
	if form := formOf.FindString(f.page(c, fmt.Sprintf("/alerts/%d", site.ID), "en")); form == "" || strings.Contains(form, `name="site_id"`) {
		t.Errorf("open-incident form of a site's alert:\n%s", form)
	}
	status, _ := f.postForm("/incidents/from-alert", medsec.RoleSOCAnalyst, fmt.Sprintf("alert_id=%d&site_id=%d", org.ID, f.assetBR.SiteID))
	if status != 303 {
		t.Fatalf("open an incident from the organisation alert at the branch: %d", status)
	}
	a, err := sqlstore.NewDetectionService(f.db).FindAlertByID(sys, org.ID)
	if err != nil || len(a.Incidents) != 1 {
		t.Fatalf("alert incidents: %+v, %v", a, err)
	}
	inc, err := sqlstore.NewIncidentService(f.db).FindIncidentByID(sys, a.Incidents[0].ID)
	if err != nil || inc.SiteID != f.assetBR.SiteID {
		t.Errorf("incident: %+v, %v", inc, err)
	}
}
