package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/evidence"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// newAssessmentService wires the assessment service: the embedded catalogs, evidence
// files under the data directory (for PostgreSQL deployments too), and the automatic
// checks. Later capabilities register their checks here.
func newAssessmentService(db *sqlstore.DB, dataDir string) (*sqlstore.AssessmentService, error) {
	catalogs, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	files, err := evidence.Open(filepath.Join(dataDir, "evidence"))
	if err != nil {
		return nil, err
	}
	checks, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		return nil, err
	}
	return sqlstore.NewAssessmentService(db, catalogs, files, checks), nil
}

// classFromNotes reads the grouping class the demo inventory writes in its notes
// ("分群：群組型儀器之邊界主機"), longest phrase first so that a boundary host is not read
// as a group-type device.
func classFromNotes(notes string) medsec.DeviceClass {
	for _, c := range []struct {
		phrase string
		class  medsec.DeviceClass
	}{
		{"分群：群組型儀器之邊界主機", medsec.ClassBoundary},
		{"分群：群組型儀器", medsec.ClassGroup},
		{"分群：系統型儀器", medsec.ClassSystem},
		{"分群：終端單機", medsec.ClassStandalone},
		{"分群：醫儀控制系統", medsec.ClassControl},
		{"分群：醫儀應用系統", medsec.ClassApplication},
	} {
		if strings.Contains(notes, c.phrase) {
			return c.class
		}
	}
	return medsec.ClassNone
}

// demoPick chooses a demo status for (subject, control) from a hash, so the demo is the
// same on every start: about 40% implemented, 10% compensating, 15% partial, 10% not
// implemented, 5% not applicable and 20% left unassessed.
func demoPick(subject, control string) medsec.AssessmentStatus {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s", subject, control)
	switch n := h.Sum32() % 100; {
	case n < 40:
		return medsec.AssessImplemented
	case n < 50:
		return medsec.AssessCompensating
	case n < 65:
		return medsec.AssessPartial
	case n < 75:
		return medsec.AssessNotImplemented
	case n < 80:
		return medsec.AssessNotApplicable
	}
	return medsec.AssessNotAssessed
}

// loadDemoAssessments gives the demo hospital's assets their class (from their notes,
// only where no class is set) and records assessments in every state, with evidence, so
// the gap report and the obligation calendar mean something on first start.
func loadDemoAssessments(ctx context.Context, s mhttp.Services) error {
	if s.Assessments == nil {
		return nil
	}
	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Limit: 100000})
	if err != nil {
		return err
	}
	for _, a := range assets {
		if a.Class != medsec.ClassNone {
			continue
		}
		if a.Class = classFromNotes(a.Notes); a.Class == medsec.ClassNone {
			continue
		}
		if err := s.Assets.UpdateAsset(ctx, a); err != nil {
			return fmt.Errorf("class of %s: %w", a.Name, err)
		}
	}
	ev, err := s.Assessments.StoreEvidence(ctx, "demo-資安檢核紀錄.txt",
		strings.NewReader("示範醫院 資安檢核紀錄（示範資料）\nDemo hospital security check record (demo data).\n"))
	if err != nil {
		return err
	}
	today := time.Now().UTC()
	// Judgements are grouped by (control, status) and stored in bulk.
	type group struct {
		control string
		status  medsec.AssessmentStatus
	}
	groups := map[group][]int64{}
	for _, a := range assets {
		if a.Class == medsec.ClassNone {
			continue
		}
		ac, err := s.Assessments.AssetControls(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, c := range ac.Controls {
			st := demoPick(a.Name, c.ControlID)
			if c.ControlID == "tw-ac-1.l" && a.DefaultCreds == medsec.CredUnchanged {
				st = medsec.AssessNotImplemented // agree with the inventory's own record
			}
			if st != medsec.AssessNotAssessed {
				groups[group{c.ControlID, st}] = append(groups[group{c.ControlID, st}], a.ID)
			}
		}
	}
	keys := make([]group, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].control != keys[j].control {
			return keys[i].control < keys[j].control
		}
		return keys[i].status < keys[j].status
	})
	for i, k := range keys {
		a := demoAssessment(catalog.IDTaiwanBaseline, k.control, k.status, ev, today, i)
		if _, err := s.Assessments.AssessBulk(ctx, a, groups[k]); err != nil {
			return fmt.Errorf("%s %s: %w", k.control, k.status, err)
		}
	}
	for _, id := range []string{catalog.IDChinaMeasures, catalog.IDJapanOperation, catalog.IDIncidentPlan} {
		controls, err := s.Assessments.OrganisationControls(ctx, id)
		if err != nil {
			return err
		}
		for i, c := range controls {
			st := demoPick("organisation", c.ControlID)
			if st == medsec.AssessNotAssessed {
				continue
			}
			a := demoAssessment(id, c.ControlID, st, ev, today, i)
			if err := s.Assessments.Assess(ctx, &a); err != nil {
				return fmt.Errorf("%s: %w", c.ControlID, err)
			}
		}
	}
	return nil
}

// demoAssessment is one demo judgement, dated up to fourteen months back so that some
// recurring obligations are overdue and some reviews are due.
func demoAssessment(catalogID, control string, st medsec.AssessmentStatus, ev medsec.Evidence, today time.Time, i int) medsec.Assessment {
	on := today.AddDate(0, -(i % 15), -(i % 27))
	a := medsec.Assessment{CatalogID: catalogID, ControlID: control, Status: st, AssessedOn: medsec.DateOf(on),
		NextReview: medsec.DateOf(on.AddDate(1, 0, 0)), Notes: "示範資料（demo data）"}
	switch st {
	case medsec.AssessImplemented:
		if i%3 == 0 {
			a.Evidence = []medsec.Evidence{ev}
		}
	case medsec.AssessCompensating:
		a.Compensating = "以獨立 VLAN 與防火牆白名單隔離，並由醫工每月點檢（demo: isolated VLAN with a firewall whitelist, checked monthly）"
	case medsec.AssessNotApplicable:
		a.Reason = "設備無此功能（demo: the device has no such function）"
	case medsec.AssessPartial, medsec.AssessNotImplemented:
		a.NextReview = medsec.DateOf(today.AddDate(0, 3, 0))
	}
	return a
}

// newSearchService returns the search over db and the embedded catalogs.
func newSearchService(db *sqlstore.DB) (*sqlstore.SearchService, error) {
	catalogs, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	return sqlstore.NewSearchService(db, catalogs), nil
}
