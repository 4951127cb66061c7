package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/account"
	"medsec/sqlstore"
)

// rosterCSV is an HR roster as a Taiwanese hospital's HR system exports it: Chinese
// headers, a departed doctor, a transferred technologist, an active nurse.
const rosterCSV = "員工編號,姓名,帳號,部門,在職狀態,到職日,生效日\r\n" +
	"E1001,林醫師,dr.lin,放射科,離職,2015-08-01,2026-10-31\r\n" +
	"E1002,王技師,wang.tech,,調職,2018-02-01,2026-09-01\r\n" +
	"E1003,陳護理師,chen.rn,,在職,2020-03-01,\r\n"

// pacsAccountsCSV is the PACS's account list: the departed doctor's account still
// enabled, a ward's shared login, the Windows Administrator never changed, an account
// unused since May, an emergency account used on 1 November and not reset.
const pacsAccountsCSV = "username,display name,type,person,enabled,last login,password changed,mfa\r\n" +
	"dr.lin,Dr Lin,personal,E1001,yes,2026-10-30 08:12,2026-01-05,no\r\n" +
	"wang.tech,Wang,personal,,yes,2026-11-20,2026-06-01,no\r\n" +
	"chen.rn,Chen,personal,陳護理師,yes,2026-11-22,2026-06-01,no\r\n" +
	"ward3,Ward 3 shared,共用,,yes,2026-11-22,2026-02-01,no\r\n" +
	"Administrator,,,,yes,2026-11-01,,no\r\n" +
	"old.user,Old,personal,,yes,2026-05-01,2026-01-01,no\r\n" +
	"er-break,Emergency,break-glass,,yes,2026-11-01,2026-03-01,no\r\n"

// newVendorAsset creates an asset of the seeded organisation's first vendor at siteID.
func newVendorAsset(t *testing.T, db *sqlstore.DB, siteID int64, name string, kind medsec.AssetKind, class medsec.DeviceClass) *medsec.Asset {
	t.Helper()
	vendors, err := sqlstore.NewOrgService(db).FindVendors(system)
	if err != nil || len(vendors) == 0 {
		t.Fatalf("vendors: %v %v", vendors, err)
	}
	a := &medsec.Asset{SiteID: siteID, Name: name, Kind: kind, Class: class, VendorID: vendors[0].ID}
	if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAccountFindings imports a roster and a PACS account list on both engines and checks
// each finding the seeds ask for, the compliance checks they feed, a re-import that drops
// an account, an import error naming its line, and site scope.
func TestAccountFindings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		pacs := newVendorAsset(t, db, main.ID, "PACS-01", medsec.KindPACS, medsec.ClassApplication)
		svc := sqlstore.NewAccountService(db)
		res, err := svc.ImportRoster(system, account.ReadRoster([]byte(rosterCSV), "roster.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 3 {
			t.Fatalf("roster = %+v", res)
		}
		imp := account.ReadAccounts([]byte(pacsAccountsCSV), "pacs.csv")
		imp.AssetID = pacs.ID
		ares, err := svc.ImportAccounts(system, imp)
		if err != nil {
			t.Fatal(err)
		}
		// dr.lin by employee number, chen.rn by name, wang.tech by the roster's user name.
		if ares.Created != 7 || ares.Linked != 3 {
			t.Fatalf("import = %+v", ares)
		}
		fs, err := svc.AccountFindings(system, medsec.AccountFilter{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Username+" "+string(f.Kind))
			if f.Clause == "" {
				t.Errorf("%s %s cites no clause", f.Username, f.Kind)
			}
		}
		slices.Sort(got)
		want := []string{"Administrator default-credentials", "dr.lin departed", "er-break emergency-used", "old.user unused", "wang.tech transferred", "ward3 shared-forbidden"}
		if !slices.Equal(got, want) {
			t.Errorf("findings = %q\nwant %q", got, want)
		}

		// The findings fail the account-management controls of the baseline.
		controls, err := newAssessmentService(t, db).AssetControls(system, pacs.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[string]medsec.CheckOutcome{}
		for _, c := range controls.Checks {
			outcomes[c.CheckID] = c.Outcome
		}
		for id, want := range map[string]medsec.CheckOutcome{"accounts-no-default-credentials": medsec.CheckFail, "accounts-no-shared-on-application-system": medsec.CheckFail,
			"accounts-departed-disabled": medsec.CheckFail, "accounts-unused-reviewed": medsec.CheckFail} {
			if outcomes[id] != want {
				t.Errorf("check %s = %q, want %q", id, outcomes[id], want)
			}
		}

		// The next export no longer lists Administrator and has dr.lin disabled.
		next := strings.Replace(strings.Replace(pacsAccountsCSV, "Administrator,,,,yes,2026-11-01,,no\r\n", "", 1), "E1001,yes", "E1001,no", 1)
		imp = account.ReadAccounts([]byte(next), "pacs-2.csv")
		imp.AssetID = pacs.ID
		if ares, err = svc.ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		if ares.Removed != 1 || ares.Updated != 1 || ares.Unchanged != 5 {
			t.Errorf("re-import = %+v", ares)
		}
		if fs, err = svc.AccountFindings(system, medsec.AccountFilter{AssetID: pacs.ID}, 0); err != nil || len(fs) == 0 {
			t.Fatalf("findings after the re-import: %v, %v", fs, err)
		}
		for _, f := range fs {
			if f.Username == "Administrator" || f.Username == "dr.lin" {
				t.Errorf("finding %s %s after the fix", f.Username, f.Kind)
			}
		}

		// An unknown person and a repeated user name reject the whole file, naming lines.
		bad := account.ReadAccounts([]byte("username,person\r\nnurse1,E9999\r\nnurse1,\r\n"), "bad.csv")
		bad.AssetID = pacs.ID
		_, err = svc.ImportAccounts(system, bad)
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 2 || ve.Errors[0].Line != 2 || ve.Errors[0].Key != "err.unknown_person" || ve.Errors[1].Line != 3 {
			t.Fatalf("err = %v", err)
		}
		all, err := svc.FindAccounts(system, medsec.AccountFilter{AssetID: pacs.ID})
		if err != nil || len(all) != 6 {
			t.Errorf("a rejected import changed the accounts: %d", len(all))
		}

		// A user of the branch sees none of the main site's accounts.
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if _, err := svc.FindAccounts(branchUser, medsec.AccountFilter{AssetID: pacs.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user: err = %v", err)
		}
		if got, err := svc.AccountFindings(branchUser, medsec.AccountFilter{}, 0); err != nil || len(got) != 0 {
			t.Errorf("branch user sees %d findings (%v)", len(got), err)
		}
		vendor := as(&medsec.User{ID: 98, Username: "v", Role: medsec.RoleVendor, VendorID: pacs.VendorID})
		if _, err := svc.FindAccounts(vendor, medsec.AccountFilter{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor: err = %v", err)
		}
		if _, err := svc.ImportRoster(branchUser, account.ReadRoster([]byte(rosterCSV), "roster.csv")); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user's roster import: err = %v", err)
		}
	})
}

// TestAccessReviewSignOff opens a quarter's review of a system's accounts, decides each,
// signs it off, and checks it can no longer change (service and trigger), that a kept
// account of a transferred person is no longer a finding, and the audit trail.
func TestAccessReviewSignOff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS, Class: medsec.ClassApplication}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
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
		n, err := svc.EnsureAccessReviews(system, testNow)
		if err != nil || n != 1 {
			t.Fatalf("ensure = %d, %v", n, err)
		}
		if n, _ := svc.EnsureAccessReviews(system, testNow); n != 0 {
			t.Errorf("second ensure opened %d", n)
		}
		rs, err := svc.FindAccessReviews(system, medsec.AccessReviewFilter{Status: medsec.AccessReviewOpen})
		if err != nil || len(rs) != 1 {
			t.Fatalf("reviews = %v, %v", rs, err)
		}
		r, err := svc.FindAccessReview(system, rs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		// testNow is 2026-11-23: the last whole quarter is July to September, due 30 days later.
		if r.PeriodStart.Format("2006-01-02") != "2026-07-01" || r.PeriodEnd.Format("2006-01-02") != "2026-10-01" || r.Due.Format("2006-01-02") != "2026-10-31" || !r.Overdue {
			t.Errorf("review period = %v - %v due %v overdue %v", r.PeriodStart, r.PeriodEnd, r.Due, r.Overdue)
		}
		if len(r.Items) != 7 {
			t.Fatalf("items = %d", len(r.Items))
		}
		if _, err := svc.SignAccessReview(system, r.ID); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("sign undecided: err = %v", err)
		}
		var ds []medsec.AccessReviewDecision
		for _, it := range r.Items {
			d := medsec.AccessReviewDecision{AccountID: it.AccountID, Decision: medsec.DecisionKeep, Reason: "still needed"}
			if len(it.Findings) > 0 && it.Username != "wang.tech" {
				d.Decision, d.Reason = medsec.DecisionRemove, "finding: "+string(it.Findings[0])
			}
			ds = append(ds, d)
		}
		if _, err := svc.DecideAccessReview(system, r.ID, []medsec.AccessReviewDecision{{AccountID: r.Items[0].AccountID, Decision: medsec.DecisionKeep}}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("decision without reason: err = %v", err)
		}
		if _, err := svc.DecideAccessReview(system, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		signed, err := svc.SignAccessReview(system, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if signed.Status != medsec.AccessReviewSigned || signed.SignedAt.IsZero() {
			t.Errorf("signed = %+v", signed)
		}
		if _, err := svc.DecideAccessReview(system, r.ID, ds[:1]); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("decide after sign-off: err = %v", err)
		}
		if err := db.ExecRaw(context.Background(), `UPDATE access_review_items SET decision = 'remove' WHERE review_id = ?`, r.ID); err == nil {
			t.Error("the table let a signed review's items change")
		}
		fs, err := svc.AccountFindings(system, medsec.AccountFilter{AssetID: pacs.ID}, 0)
		if err != nil || len(fs) == 0 {
			t.Fatalf("findings after sign-off: %v, %v", fs, err)
		}
		for _, f := range fs {
			if f.Kind == medsec.FindingTransferred {
				t.Errorf("transferred finding after the account was kept in a signed review: %+v", f)
			}
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionAccessReviewSign})
		if err != nil || len(entries) != 1 {
			t.Errorf("audit = %v, %v", entries, err)
		}
	})
}
