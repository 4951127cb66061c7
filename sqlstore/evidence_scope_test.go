package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"medsec"
	"medsec/catalog"
	"medsec/sqlstore"
)

// TestEvidenceFollowsScope checks that evidence may be cited and read only by a user who
// can already see it: through an assessment of an asset in its scope, or because it
// uploaded the file itself. Citing another site's evidence by its SHA-256 is refused with
// the same answer as a hash that matches no file, and gives no access afterwards.
func TestEvidenceFollowsScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		branchCE2 := as(&medsec.User{ID: 15, Username: "ce2", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{f.br.SiteID}})
		secret := "main-site firewall review, not for the branch"
		main, err := f.svc.StoreEvidence(f.ciso, "main-review.txt", strings.NewReader(secret))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID,
			Status: medsec.AssessImplemented, Evidence: []medsec.Evidence{main}}); err != nil {
			t.Fatal(err)
		}
		cite := func(ctx context.Context, assetID int64, sum string) error {
			return f.svc.Assess(ctx, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: assetID,
				Status: medsec.AssessImplemented, Evidence: []medsec.Evidence{{SHA256: sum}}})
		}
		// What citing a hash of no file answers, with the hash itself taken out.
		const nowhere = "0000000000000000000000000000000000000000000000000000000000000000"
		refusal := func(err error, sum string) string {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) {
				return "not a validation error: " + medsec.ErrorMessage(err)
			}
			return strings.ReplaceAll(ve.Error(), sum, "<sum>")
		}
		missing := refusal(cite(f.branchCE, f.br.ID, nowhere), nowhere)
		if !strings.Contains(missing, "evidence") {
			t.Fatalf("citing a missing file: %s", missing)
		}

		if got := refusal(cite(f.branchCE, f.br.ID, main.SHA256), main.SHA256); got != missing {
			t.Errorf("branch engineer cites the main site's evidence: %q, want the answer for a missing file %q", got, missing)
		}
		if _, err := f.svc.AssessBulk(f.branchCE, medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l",
			Status: medsec.AssessImplemented, Evidence: []medsec.Evidence{{SHA256: main.SHA256}}}, []int64{f.br.ID}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("branch engineer cites it in bulk: %v, want refused", err)
		}
		if _, _, err := f.svc.OpenEvidence(f.branchCE, main.SHA256); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch engineer opens the main site's evidence after trying to cite it: %v, want not found", err)
		}
		if hist, err := f.svc.AssessmentHistory(f.ciso, catalog.IDTaiwanBaseline, "tw-ac-1.l", f.br.ID); err != nil || len(hist) != 0 {
			t.Errorf("a refused citation stored %d assessments (%v)", len(hist), err)
		}

		allCE := as(&medsec.User{ID: 16, Username: "ce-all", Role: medsec.RoleClinicalEngineer})
		if err := cite(allCE, f.hq.ID, main.SHA256); err != nil {
			t.Errorf("an engineer of every site cites evidence of an assessment it sees: %v", err)
		}

		// A file the branch engineer uploads is its own to cite, not yet anyone else's.
		own, err := f.svc.StoreEvidence(f.branchCE, "branch-review.txt", strings.NewReader("branch review"))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, err := f.svc.OpenEvidence(f.branchCE, own.SHA256); err != nil {
			t.Errorf("uploader opens its unattached upload: %v", err)
		} else {
			r.Close()
		}
		if got := refusal(cite(branchCE2, f.br.ID, own.SHA256), own.SHA256); got != missing {
			t.Errorf("another branch engineer cites an unattached upload: %q, want refused as missing", got)
		}
		if _, _, err := f.svc.OpenEvidence(f.ciso, own.SHA256); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("someone else opens an unattached upload: %v, want not found", err)
		}
		if err := cite(f.branchCE, f.br.ID, own.SHA256); err != nil {
			t.Errorf("uploader cites its upload: %v", err)
		}
		// Once attached to a branch asset, everyone who sees that asset may cite and read it.
		if err := cite(branchCE2, f.br.ID, own.SHA256); err != nil {
			t.Errorf("another branch engineer cites evidence of a branch assessment: %v", err)
		}
		r, ev, err := f.svc.OpenEvidence(f.ciso, own.SHA256)
		if err != nil {
			t.Fatalf("security officer opens branch evidence: %v", err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != "branch review" || ev.Size != int64(len("branch review")) {
			t.Errorf("branch evidence read back = %q %+v", b, ev)
		}

		// Holding the bytes is seeing them: uploading the same content makes it citable.
		if _, err := f.svc.StoreEvidence(f.branchCE, "copy.txt", strings.NewReader(secret)); err != nil {
			t.Fatal(err)
		}
		if err := cite(f.branchCE, f.br.ID, main.SHA256); err != nil {
			t.Errorf("branch engineer cites a file it uploaded itself: %v", err)
		}
	})
}
