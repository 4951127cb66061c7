package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
)

type fakeGovernance struct {
	medsec.GovernanceService
	items []*medsec.GovernanceItem
}

func (f *fakeGovernance) EnsureGovernanceItems(context.Context, time.Time) (int, error) {
	return 0, nil
}

func (f *fakeGovernance) FindGovernanceItems(context.Context, medsec.GovernanceFilter) ([]*medsec.GovernanceItem, error) {
	return f.items, nil
}

type collect struct{ ns []medsec.Notification }

func (c *collect) Notify(_ context.Context, n medsec.Notification) error {
	c.ns = append(c.ns, n)
	return nil
}

// TestGovernanceNoticeNamesTheSystem: a 等保 filing owed by a grading is told before (due
// soon) and when late, each once by its own dedup key, and names the system beside the
// site in every language [002 第六条(二)]; a recurring duty names the site alone.
func TestGovernanceNoticeNamesTheSystem(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	due, _ := medsec.ParseDate("2026-12-07")
	filing := &medsec.GovernanceItem{ID: 9, SiteID: 3, SiteName: "苏州合作院区", Kind: medsec.DutyMLPSFiling, Clause: "002 第六条(二)", EventID: 4, System: "HIS", Level: 3, Due: due, State: medsec.GovernanceDueSoon}
	late := *filing
	late.ID, late.State = 10, medsec.GovernanceOverdue
	scan := &medsec.GovernanceItem{ID: 11, SiteID: 3, SiteName: "苏州合作院区", Kind: medsec.DutyVulnScan, Due: due, State: medsec.GovernanceOverdue}
	c := &collect{}
	g := &notify.Governance{Governance: &fakeGovernance{items: []*medsec.GovernanceItem{filing, &late, scan}}, Notifier: c}
	if err := g.Run(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(c.ns) != 3 || c.ns[0].Key != "notify.governance_due_soon" || c.ns[1].Key != "notify.governance_overdue" || c.ns[0].DedupKey == c.ns[1].DedupKey {
		t.Fatalf("notices: %+v", c.ns)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		m := notify.Render(b, &c.ns[1], lang, "")
		if !strings.Contains(m.Body, "苏州合作院区 · HIS") || !strings.Contains(m.Subject, b.T(lang, "duty.mlps_filing")) || strings.Contains(m.Body, "%!") {
			t.Errorf("%s: %q / %q", lang, m.Subject, m.Body)
		}
		if m := notify.Render(b, &c.ns[2], lang, ""); strings.Contains(m.Body, " · ") {
			t.Errorf("%s: recurring duty names a system: %q", lang, m.Body)
		}
	}
}
