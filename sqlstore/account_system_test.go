package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/account"
	"medsec/sqlstore"
)

// TestSystemAccounts imports the same account list once for an asset and once for a
// clinical system (an HIS of two servers, one a device application system) on both
// engines: the system's accounts have the same findings citing the same seed clauses,
// fail the member assets' account-management checks, are audited against the system, and
// keep to the system's site; an import naming neither or both of an asset and a system is
// refused naming system_id, and a system with accounts cannot be deleted.
func TestSystemAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		mk := func(name string, class medsec.DeviceClass) *medsec.Asset {
			return newVendorAsset(t, db, main.ID, name, medsec.KindApplicationServer, class)
		}
		pacs := mk("PACS-01", medsec.ClassApplication)
		app, dbsrv := mk("HIS-APP", medsec.ClassApplication), mk("HIS-DB", "")
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS", Members: []medsec.SystemMember{{AssetID: app.ID}, {AssetID: dbsrv.ID}}}
		systems := sqlstore.NewClinicalSystemService(db)
		if err := systems.CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewAccountService(db)
		if _, err := svc.ImportRoster(system, account.ReadRoster([]byte(rosterCSV), "roster.csv")); err != nil {
			t.Fatal(err)
		}
		imp := account.ReadAccounts([]byte(pacsAccountsCSV), "pacs.csv")
		imp.AssetID = pacs.ID
		if _, err := svc.ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		imp = account.ReadAccounts([]byte(pacsAccountsCSV), "his.csv")
		imp.SystemID = his.ID
		res, err := svc.ImportAccounts(system, imp)
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 7 || res.Linked != 3 {
			t.Fatalf("import = %+v", res)
		}
		accts, err := svc.FindAccounts(system, medsec.AccountFilter{SystemID: his.ID})
		if err != nil || len(accts) != 7 {
			t.Fatalf("HIS accounts = %d, %v", len(accts), err)
		}
		for _, x := range accts {
			if x.SystemID != his.ID || x.SystemName != "HIS" || x.AssetID != 0 || x.SiteID != main.ID {
				t.Errorf("account %s: system %d %q asset %d site %d", x.Username, x.SystemID, x.SystemName, x.AssetID, x.SiteID)
			}
		}
		byAsset, err := svc.AccountFindings(system, medsec.AccountFilter{AssetID: pacs.ID}, 0)
		if err != nil {
			t.Fatal(err)
		}
		bySystem, err := svc.AccountFindings(system, medsec.AccountFilter{SystemID: his.ID}, 0)
		if err != nil {
			t.Fatal(err)
		}
		key := func(fs []medsec.AccountFinding) []string {
			var out []string
			for _, f := range fs {
				out = append(out, f.Username+" "+string(f.Kind)+" "+f.Clause)
			}
			slices.Sort(out)
			return out
		}
		if got, want := key(bySystem), key(byAsset); len(want) != 6 || !slices.Equal(got, want) {
			t.Errorf("system findings = %q\nasset findings = %q", got, want)
		}
		for _, f := range bySystem {
			if f.SystemID != his.ID || f.SystemName != "HIS" || f.AssetID != 0 {
				t.Errorf("finding %s %s: system %d %q asset %d", f.Username, f.Kind, f.SystemID, f.SystemName, f.AssetID)
			}
		}

		// The HIS's findings fail the checks of its database server, which has no
		// account list of its own.
		controls, err := newAssessmentService(t, db).AssetControls(system, dbsrv.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]medsec.CheckOutcome{}
		for _, c := range controls.Checks {
			outcomes[c.CheckID] = c.Outcome
		}
		for _, id := range []string{"accounts-no-default-credentials", "accounts-no-shared-on-application-system", "accounts-departed-disabled"} {
			if outcomes[id] != medsec.CheckFail {
				t.Errorf("HIS-DB check %s = %q, want fail", id, outcomes[id])
			}
		}

		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionAccountImport})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(entries, func(e *medsec.AuditEntry) bool {
			return e.ObjectType == "system" && e.ObjectID == his.ID && e.SiteID == main.ID
		}) {
			t.Errorf("no audit entry of the HIS import in %+v", entries)
		}

		var ve *medsec.ValidationError
		for _, bad := range []medsec.AccountImport{{Source: "x.csv", AssetID: pacs.ID, SystemID: his.ID}, {Source: "x.csv"}} {
			if _, err := svc.ImportAccounts(system, bad); !errors.As(err, &ve) || ve.Errors[0].Field != "system_id" || ve.Errors[0].Key != "err.asset_or_system" {
				t.Errorf("import of asset %d system %d: err = %v", bad.AssetID, bad.SystemID, err)
			}
		}

		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if _, err := svc.FindAccounts(branchUser, medsec.AccountFilter{SystemID: his.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user's HIS accounts: err = %v", err)
		}
		if got, err := svc.FindAccounts(branchUser, medsec.AccountFilter{}); err != nil || len(got) != 0 {
			t.Errorf("branch user sees %d accounts (%v)", len(got), err)
		}
		imp.Source = "his-2.csv"
		if _, err := svc.ImportAccounts(branchUser, imp); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user's import into the HIS: err = %v", err)
		}

		if err := systems.DeleteClinicalSystem(system, his.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("delete the HIS with accounts: err = %v", err)
		}
	})
}

// TestSystemAccountsMigration reruns migration 0111 over an asset's accounts, a signed
// access review and an emergency use: on SQLite it rebuilds the tables, and every row, the
// sign-off and the triggers that keep a signed review unchanged must survive it.
func TestSystemAccountsMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewAccountService(db)
		imp := account.ReadAccounts([]byte("username,type\r\nalice,personal\r\nbob,personal\r\n"), "pacs.csv")
		imp.AssetID = pacs.ID
		if _, err := svc.ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		r, err := svc.OpenAccessReview(system, pacs.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ds []medsec.AccessReviewDecision
		for _, it := range r.Items {
			ds = append(ds, medsec.AccessReviewDecision{AccountID: it.AccountID, Decision: medsec.DecisionKeep, Reason: "needed"})
		}
		if _, err := svc.DecideAccessReview(system, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SignAccessReview(system, r.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RerunMigrationForTest("0111_system_accounts.sql"); err != nil {
			t.Fatal(err)
		}
		accts, err := svc.FindAccounts(system, medsec.AccountFilter{AssetID: pacs.ID})
		if err != nil || len(accts) != 2 {
			t.Fatalf("accounts after the migration = %d, %v", len(accts), err)
		}
		after, err := svc.FindAccessReview(system, r.ID)
		if err != nil || after.Status != medsec.AccessReviewSigned || len(after.Items) != 2 || after.Items[0].Decision != medsec.DecisionKeep {
			t.Fatalf("review after the migration = %+v, %v", after, err)
		}
		if err := db.ExecRaw(context.Background(), `UPDATE access_review_items SET decision = 'remove' WHERE review_id = ?`, r.ID); err == nil {
			t.Error("the migration lost the trigger keeping a signed review's items")
		}
		if err := db.ExecRaw(context.Background(), `DELETE FROM access_reviews WHERE id = ?`, r.ID); err == nil {
			t.Error("the migration lost the trigger keeping a signed review")
		}
		if err := db.ExecRaw(context.Background(), `INSERT INTO accounts (username, type, enabled, source, created_at, updated_at) VALUES ('x', 'personal', 1, 'csv', ?, ?)`,
			testNow, testNow); err == nil {
			t.Error("an account of neither an asset nor a system was stored")
		}
	})
}

// TestSystemAccessReview runs the quarterly campaign of a clinical system's owner on both
// engines: the scheduler opens the review of the HIS's own accounts with the owner as
// reviewer, each account is kept or removed with a reason, the review is signed off and its
// exported record names the system; a second review of the quarter is a conflict and a
// user of the branch neither sees nor opens it.
func TestSystemAccessReview(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		app := &medsec.Asset{SiteID: main.ID, Name: "HIS-APP", Kind: medsec.KindApplicationServer}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, app); err != nil {
			t.Fatal(err)
		}
		owner := &medsec.Person{Name: "陳建宏"}
		if err := sqlstore.NewOrgService(db).CreatePerson(system, owner); err != nil {
			t.Fatal(err)
		}
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS", OwnerID: owner.ID, Members: []medsec.SystemMember{{AssetID: app.ID}}}
		if err := sqlstore.NewClinicalSystemService(db).CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewAccountService(db)
		if _, err := svc.ImportRoster(system, account.ReadRoster([]byte(rosterCSV), "roster.csv")); err != nil {
			t.Fatal(err)
		}
		imp := account.ReadAccounts([]byte(pacsAccountsCSV), "his.csv")
		imp.SystemID = his.ID
		if _, err := svc.ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.EnsureAccessReviews(system, testNow); err != nil || n != 1 {
			t.Fatalf("ensure = %d, %v", n, err)
		}
		rs, err := svc.FindAccessReviews(system, medsec.AccessReviewFilter{SystemID: his.ID})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews of the HIS = %v, %v", rs, err)
		}
		r, err := svc.FindAccessReview(system, rs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.SystemID != his.ID || r.SystemName != "HIS" || r.Holder() != "HIS" || r.AssetID != 0 || r.OwnerName != "陳建宏" || r.SiteID != main.ID || len(r.Items) != 7 ||
			r.PeriodStart.Format("2006-01-02") != "2026-07-01" {
			t.Errorf("review = %+v", r)
		}
		if _, err := svc.OpenSystemAccessReview(system, his.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("a second review of the quarter: err = %v", err)
		}
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if _, err := svc.FindAccessReview(branchUser, r.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads the HIS review: err = %v", err)
		}
		if got, err := svc.FindAccessReviews(branchUser, medsec.AccessReviewFilter{}); err != nil || len(got) != 0 {
			t.Errorf("branch user lists %d reviews (%v)", len(got), err)
		}
		if _, err := svc.OpenSystemAccessReview(branchUser, his.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user opens the HIS review: err = %v", err)
		}
		var ds []medsec.AccessReviewDecision
		for _, it := range r.Items {
			d := medsec.AccessReviewDecision{AccountID: it.AccountID, Decision: medsec.DecisionKeep, Reason: "still needed"}
			if len(it.Findings) > 0 {
				d.Decision, d.Reason = medsec.DecisionRemove, "finding: "+string(it.Findings[0])
			}
			ds = append(ds, d)
		}
		if _, err := svc.DecideAccessReview(system, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		signed, err := svc.SignAccessReview(system, r.ID)
		if err != nil || signed.Status != medsec.AccessReviewSigned {
			t.Fatalf("sign: %+v, %v", signed, err)
		}
		var csv strings.Builder
		if err := account.WriteReviewCSV(&csv, signed); err != nil {
			t.Fatal(err)
		}
		if got := csv.String(); strings.Count(got, "\n") != 8 || !strings.Contains(got, fmt.Sprintf("\n%d,HIS,2026-07-01,2026-09-30,陳建宏,", r.ID)) {
			t.Errorf("exported record:\n%s", got)
		}
	})
}
