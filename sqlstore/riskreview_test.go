package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestRiskReviewDecideAndSign records a site's yearly risk review on both engines: the
// revision lists the risks the report finds (a classified device with no review this year),
// decisions are checked (a treatment needs its owner and due date), the security officer
// and another person of the leadership sign, and the signed review never changes again
// (service and triggers); a new revision starts with the decisions; roles and sites are
// held; every change is audited.
func TestRiskReviewDecideAndSign(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		monitor := &medsec.Asset{SiteID: main.ID, Name: "ICU 監視器 01", Kind: medsec.KindPatientMonitor, Class: medsec.ClassStandalone}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, monitor); err != nil {
			t.Fatal(err)
		}
		users := sqlstore.NewUserService(db)
		mk := func(name string, role medsec.Role, sites ...int64) context.Context {
			u := &medsec.User{Username: name, DisplayName: name + " 名", Role: role, SiteIDs: sites}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			return as(u)
		}
		officer, head, auditor := mk("ciso", medsec.RoleSecurityOfficer), mk("head", medsec.RoleAdmin), mk("auditor", medsec.RoleAuditor)
		director := mk("director", medsec.RoleLeadership)
		branchOfficer := mk("br.ciso", medsec.RoleSecurityOfficer, branch.ID)
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewRiskReviewService(db, report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db),
			Assessments: newAssessmentService(t, db), Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db),
			Zones: sqlstore.NewZoneService(db)}, bundle)

		if _, err := svc.StartRiskReview(auditor, main.ID, 2026); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("the auditor started a review: %v", err)
		}
		if _, err := svc.StartRiskReview(branchOfficer, main.ID, 2026); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("a branch officer started the main site's review: %v", err)
		}
		if _, err := svc.StartRiskReview(officer, main.ID, 1999); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("year 1999: %v", err)
		}
		r, err := svc.StartRiskReview(officer, main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(r.Items, func(it medsec.RiskItem) bool { return it.Ref == "asset:"+itoa(monitor.ID) })
		if r.Revision != 1 || r.Status != medsec.RiskReviewDraft || i < 0 || r.Items[i].Kind != medsec.RiskItemDevice || r.Items[i].Subject != monitor.Name {
			t.Fatalf("review = %+v", r)
		}
		if _, err := svc.FindRiskReview(branchOfficer, r.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("a branch officer read the main site's review: %v", err)
		}
		// Scope before role: signing another site's review is not found, as reading it
		// is, even for a user who may not sign at all (it answered 403).
		branchEngineer := mk("br.ce", medsec.RoleClinicalEngineer, branch.ID)
		for _, who := range []context.Context{branchEngineer, branchOfficer} {
			for _, signAs := range []string{medsec.SignAsOfficer, medsec.SignAsLeadership, "nobody"} {
				if _, err := svc.SignRiskReview(who, r.ID, signAs, "院長"); medsec.ErrorCode(err) != medsec.ENOTFOUND {
					t.Errorf("a branch user signed the main site's review as %q: %v, want not found", signAs, err)
				}
			}
			// Deciding and starting, likewise: another site's review, or a site not
			// seen, is not found before the role is judged (bt16: the engineer, who may
			// not decide, got 403 here and 404 for a review that does not exist).
			for _, id := range []int64{r.ID, 999999} {
				if _, err := svc.DecideRisks(who, id, []medsec.RiskDecision{{Seq: 1, Decision: medsec.RiskAvoid, Reason: "x"}}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
					t.Errorf("a branch user decided on review %d of the main site: %v, want not found", id, err)
				}
			}
			if _, err := svc.StartRiskReview(who, main.ID, 2026); medsec.ErrorCode(err) != medsec.ENOTFOUND {
				t.Errorf("a branch user started the main site's review: %v, want not found", err)
			}
		}
		if _, err := svc.StartRiskReview(branchEngineer, branch.ID, 2026); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("an engineer started the branch's review: %v, want forbidden", err)
		}
		if _, err := svc.SignRiskReview(officer, r.ID, medsec.SignAsOfficer, ""); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("signed with nothing decided: %v", err)
		}
		seq := r.Items[i].Seq
		_, err = svc.DecideRisks(officer, r.ID, []medsec.RiskDecision{{Seq: seq, Decision: medsec.RiskTreat, Reason: "更新韌體"}, {Seq: 99, Decision: "ignore"}})
		fields := map[string]bool{}
		if ve, ok := err.(*medsec.ValidationError); ok {
			for _, fe := range ve.Errors {
				fields[fe.Field] = true
			}
		}
		for _, f := range []string{"decisions.99.seq", "decisions." + itoa(int64(seq)) + ".owner", "decisions." + itoa(int64(seq)) + ".due"} {
			if !fields[f] {
				t.Errorf("decision refused without naming %s: %v", f, err)
			}
		}
		// A treatment due before the review's year or over ten years after is refused
		// naming its due date.
		for _, day := range []string{"1990-01-01", "2025-12-31", "2037-01-01", "9999-12-31"} {
			due, _ := medsec.ParseDate(day)
			_, err = svc.DecideRisks(officer, r.ID, []medsec.RiskDecision{{Seq: seq, Decision: medsec.RiskTreat, Reason: "更新韌體", Owner: "林醫工", Due: due}})
			if ve, ok := err.(*medsec.ValidationError); !ok || len(ve.Errors) != 1 || ve.Errors[0].Field != "decisions."+itoa(int64(seq))+".due" || ve.Errors[0].Key != "err.risk_due_range" {
				t.Errorf("a treatment due %s was not refused by its due date: %v", day, err)
			}
		}
		var ds []medsec.RiskDecision
		for _, it := range r.Items {
			d := medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskAccept, Reason: "風險可接受"}
			if it.Seq == seq {
				due, _ := medsec.ParseDate("2027-03-31")
				d = medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskTreat, Reason: "完成年度資安風險評估並更新韌體", Owner: "林醫工", Due: due}
			}
			ds = append(ds, d)
		}
		if _, err := svc.DecideRisks(officer, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SignRiskReview(head, r.ID, medsec.SignAsOfficer, ""); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("an administrator signed as the security officer: %v", err)
		}
		if _, err := svc.SignRiskReview(director, r.ID, medsec.SignAsLeadership, "院長"); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("the leadership signed before the security officer: %v", err)
		}
		if _, err := svc.SignRiskReview(officer, r.ID, medsec.SignAsOfficer, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DecideRisks(officer, r.ID, ds[:1]); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("decided after the officer signed: %v", err)
		}
		// The leadership's signature needs risk:sign-leadership: not the officer, not the
		// administrator (who holds report:admin), and the leadership not the officer's.
		for who, ctx := range map[string]context.Context{"the officer": officer, "the administrator": head, "the auditor": auditor} {
			if _, err := svc.SignRiskReview(ctx, r.ID, medsec.SignAsLeadership, "院長"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
				t.Errorf("%s signed for the leadership: %v", who, err)
			}
		}
		if _, err := svc.SignRiskReview(director, r.ID, medsec.SignAsOfficer, ""); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("the leadership signed as the security officer: %v", err)
		}
		signed, err := svc.SignRiskReview(director, r.ID, medsec.SignAsLeadership, "院長")
		if err != nil {
			t.Fatal(err)
		}
		if signed.Status != medsec.RiskReviewSigned || signed.OfficerName != "ciso 名" || signed.LeaderName != "director 名" || signed.LeaderTitle != "院長" ||
			!signed.OfficerSignedAt.Equal(testNow) || !signed.LeaderSignedAt.Equal(testNow) {
			t.Errorf("signed = %+v", signed)
		}
		if _, err := svc.SignRiskReview(director, r.ID, medsec.SignAsLeadership, "院長"); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("signed a signed review: %v", err)
		}
		for _, q := range []string{`UPDATE risk_review_items SET decision = 'avoid' WHERE review_id = ?`, `UPDATE risk_reviews SET leader_title = 'x' WHERE id = ?`,
			`DELETE FROM risk_reviews WHERE id = ?`} {
			if err := db.ExecRaw(context.Background(), q, r.ID); err == nil {
				t.Errorf("the table let a signed review change: %s", q)
			}
		}

		next, err := svc.StartRiskReview(officer, main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		j := slices.IndexFunc(next.Items, func(it medsec.RiskItem) bool { return it.Seq == seq })
		if next.Revision != 2 || next.Status != medsec.RiskReviewDraft || j < 0 || next.Items[j].Decision != medsec.RiskTreat || next.Items[j].Owner != "林醫工" {
			t.Errorf("next revision = %+v", next)
		}
		list, err := svc.FindRiskReviews(auditor, medsec.RiskReviewFilter{SiteID: main.ID, Year: 2026})
		if err != nil || len(list) != 2 || list[0].Revision != 2 || list[1].Status != medsec.RiskReviewSigned {
			t.Errorf("list = %v, %v", list, err)
		}
		// The list reads every review's items in one query (not one per review): two
		// queries for any number of reviews, the items those of each review read alone, a
		// branch officer's list none of the main site's. (The 2024 and 2025 reviews hold no
		// items: the assets were created in 2026, and a past year is reviewed as it ended.)
		for _, year := range []int{2024, 2025} {
			if _, err := svc.StartRiskReview(officer, main.ID, year); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.StartRiskReview(branchOfficer, branch.ID, 2026); err != nil {
			t.Fatal(err)
		}
		all, queries, err := svc.FindRiskReviewsCounting(auditor, medsec.RiskReviewFilter{})
		if err != nil || len(all) != 5 || queries != 2 {
			t.Errorf("list of %d reviews took %d queries, want 2 (%v)", len(all), queries, err)
		}
		for _, r := range all {
			one, err := svc.FindRiskReview(auditor, r.ID)
			if err != nil || !reflect.DeepEqual(one.Items, r.Items) || r.SiteID == main.ID && r.Year == 2026 && len(r.Items) == 0 {
				t.Errorf("review %d: listed items %v, read alone %v (%v)", r.ID, r.Items, one.Items, err)
			}
		}
		if br, _, err := svc.FindRiskReviewsCounting(branchOfficer, medsec.RiskReviewFilter{}); err != nil || len(br) != 1 || br[0].SiteID != branch.ID {
			t.Errorf("branch officer's list = %v (%v)", br, err)
		}
		for action, want := range map[string]int{medsec.ActionRiskReviewStart: 5, medsec.ActionRiskReviewDecide: 1, medsec.ActionRiskReviewSign: 2} {
			entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) != want {
				t.Errorf("audit %s: %d entries, want %d (%v)", action, len(entries), want, err)
			}
		}
	})
}

// riskReviewFixture is a site with a classified device never reviewed (a risk to decide
// on), the security officer and the leadership, and the risk review service whose sources
// also feed the risk-review report (Sources.RiskReviews set).
type riskReviewFixture struct {
	db                *sqlstore.DB
	main              *medsec.Site
	officer, director context.Context
	svc               *sqlstore.RiskReviewService
	src               report.Sources
	bundle            *i18n.Bundle
}

func newRiskReviewFixture(t *testing.T, db *sqlstore.DB) *riskReviewFixture {
	t.Helper()
	f := &riskReviewFixture{db: db}
	f.main, _ = seedOrg(t, db)
	if err := sqlstore.NewAssetService(db).CreateAsset(system, &medsec.Asset{SiteID: f.main.ID, Name: "ICU 監視器 01", Kind: medsec.KindPatientMonitor, Class: medsec.ClassStandalone}); err != nil {
		t.Fatal(err)
	}
	users := sqlstore.NewUserService(db)
	mk := func(name string, role medsec.Role) context.Context {
		u := &medsec.User{Username: name, DisplayName: name + " 名", Role: role}
		if err := users.CreateUser(system, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		return as(u)
	}
	f.officer, f.director = mk("ciso", medsec.RoleSecurityOfficer), mk("director", medsec.RoleLeadership)
	var err error
	if f.bundle, err = i18n.Load(); err != nil {
		t.Fatal(err)
	}
	f.src = report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db), Assessments: newAssessmentService(t, db),
		Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db), Zones: sqlstore.NewZoneService(db)}
	f.svc = sqlstore.NewRiskReviewService(db, f.src, f.bundle)
	f.src.RiskReviews = f.svc
	return f
}

// decisions builds the site's risk-review report of 2026 in lang and returns its "risks to
// decide on" section.
func (f *riskReviewFixture) decisions(t *testing.T, lang string) report.Section {
	t.Helper()
	p, err := report.ParsePeriod("2026", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tr := func(k string, args ...any) string { return f.bundle.T(lang, k, args...) }
	d, err := report.Build(f.officer, report.Params{Name: report.RiskReview, Lang: lang, Site: f.main, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: testNow}, f.src, tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sections {
		if s.Heading == tr("report.risk_decisions") {
			return s
		}
	}
	t.Fatalf("%s: no section %q", lang, tr("report.risk_decisions"))
	return report.Section{}
}

// TestRiskReviewSignedKeepsItsRisks signs a review (the security officer alone), then a
// new classified device arises that would be a risk to decide on: the report's table of
// risks stays exactly what was signed in every language (no new row, no undecided row), says
// a risk was found since signing, and the database refuses an item added to the signed
// review. Both engines; on the old code the new device was listed undecided under the
// signature.
func TestRiskReviewSignedKeepsItsRisks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRiskReviewFixture(t, db)
		r, err := f.svc.StartRiskReview(f.officer, f.main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var ds []medsec.RiskDecision
		for _, it := range r.Items {
			if it.Why == nil {
				t.Errorf("item %d stored without why it is due: %+v", it.Seq, it)
			}
			ds = append(ds, medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskAccept, Reason: "風險可接受"})
		}
		if _, err := f.svc.DecideRisks(f.officer, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		decided := map[string]report.Section{}
		for _, lang := range i18n.Languages {
			decided[lang] = f.decisions(t, lang)
		}
		if _, err := f.svc.SignRiskReview(f.officer, r.ID, medsec.SignAsOfficer, ""); err != nil {
			t.Fatal(err)
		}
		signed := map[string]report.Section{}
		for _, lang := range i18n.Languages {
			signed[lang] = f.decisions(t, lang)
			if !reflect.DeepEqual(signed[lang].Tables, decided[lang].Tables) {
				t.Errorf("%s: signing changed the risks:\nbefore %v\nafter  %v", lang, decided[lang].Tables[0].Rows, signed[lang].Tables[0].Rows)
			}
		}

		pump := &medsec.Asset{SiteID: f.main.ID, Name: "新 輸液幫浦 07", Kind: medsec.KindInfusionPump, Class: medsec.ClassStandalone}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pump); err != nil {
			t.Fatal(err)
		}
		for _, lang := range i18n.Languages {
			after := f.decisions(t, lang)
			if !reflect.DeepEqual(after.Tables, signed[lang].Tables) {
				t.Errorf("%s: the signed review's risks changed after a new risk arose:\nsigned %v\nnow    %v", lang, signed[lang].Tables[0].Rows, after.Tables[0].Rows)
			}
			if strings.Contains(fmt.Sprint(after.Tables[0].Rows), pump.Name) {
				t.Errorf("%s: the new device is listed under the signature: %v", lang, after.Tables[0].Rows)
			}
			if want := f.bundle.T(lang, "report.risk_new_since_signing", f.main.Name, 1); !slices.Contains(after.Text, want) {
				t.Errorf("%s: the report does not say a risk arose since signing (%q): %q", lang, want, after.Text)
			}
		}
		if err := db.ExecRaw(context.Background(), `INSERT INTO risk_review_items (review_id, seq, kind, ref, subject) VALUES (?, 99, 'device', 'asset:99', 'x')`, r.ID); err == nil {
			t.Error("the table let an item be added to a signed review")
		}
		// The next revision takes the new risk.
		next, err := f.svc.StartRiskReview(f.officer, f.main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(next.Items, func(it medsec.RiskItem) bool { return it.Ref == "asset:"+itoa(pump.ID) && it.Decision == "" }) {
			t.Errorf("the next revision lacks the new device: %+v", next.Items)
		}
	})
}

// TestRiskReviewLeadershipSignsWithTitle: the leadership's signature without a title (or
// with blanks) is refused naming the field; with one it is given (was: signed untitled).
func TestRiskReviewLeadershipSignsWithTitle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newRiskReviewFixture(t, db)
		r, err := f.svc.StartRiskReview(f.officer, f.main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var ds []medsec.RiskDecision
		for _, it := range r.Items {
			ds = append(ds, medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskAccept, Reason: "風險可接受"})
		}
		if _, err := f.svc.DecideRisks(f.officer, r.ID, ds); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SignRiskReview(f.officer, r.ID, medsec.SignAsOfficer, ""); err != nil {
			t.Fatal(err)
		}
		for _, title := range []string{"", "   ", "\u200b", "\u2800", "\u3000\u200d"} {
			_, err := f.svc.SignRiskReview(f.director, r.ID, medsec.SignAsLeadership, title)
			ve, ok := err.(*medsec.ValidationError)
			if !ok || len(ve.Errors) != 1 || ve.Errors[0].Field != "title" || ve.Errors[0].Key != "err.risk_leader_title" {
				t.Errorf("the leadership signed with title %q: %v", title, err)
			}
		}
		if got, err := f.svc.SignRiskReview(f.director, r.ID, medsec.SignAsLeadership, "院長"); err != nil || got.Status != medsec.RiskReviewSigned || got.LeaderTitle != "院長" {
			t.Errorf("signed with a title: %+v %v", got, err)
		}
	})
}

// TestRiskReviewNotSignedBeforeItsYear: next year's review may be prepared, but neither
// the security officer nor the leadership signs it before the year has begun at the site
// (Asia/Taipei here: at 23:00 on 31 December it is refused, naming the year and when it
// begins; half an hour after midnight it is signed), bt16b low.
func TestRiskReviewNotSignedBeforeItsYear(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		users := sqlstore.NewUserService(db)
		mk := func(name string, role medsec.Role) context.Context {
			u := &medsec.User{Username: name, DisplayName: name + " 名", Role: role}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			return as(u)
		}
		officer, director := mk("ciso", medsec.RoleSecurityOfficer), mk("director", medsec.RoleLeadership)
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewRiskReviewService(db, report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db),
			Assessments: newAssessmentService(t, db), Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db),
			Zones: sqlstore.NewZoneService(db)}, bundle)
		now := time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC) // 23:00 in Taipei
		db.Now = func() time.Time { return now }
		r, err := svc.StartRiskReview(officer, main.ID, 2027)
		if err != nil {
			t.Fatal(err)
		}
		var decisions []medsec.RiskDecision
		for _, it := range r.Items {
			decisions = append(decisions, medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskAccept, Reason: "已評估"})
		}
		if len(decisions) > 0 {
			if _, err := svc.DecideRisks(officer, r.ID, decisions); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.SignRiskReview(officer, r.ID, medsec.SignAsOfficer, "")
		var e *medsec.Error
		if !errors.As(err, &e) || e.Code != medsec.ECONFLICT || e.Key != "err.risk_sign_year_not_begun" || !strings.Contains(e.Message, "2027-01-01 00:00 CST") {
			t.Fatalf("officer signs the 2027 review on 31 December 2026: %v, want refused until 2027-01-01 00:00 CST", err)
		}
		if got := bundle.T("ja", e.Key, e.Args...); !strings.Contains(got, "2027") || strings.Contains(got, "%!") {
			t.Errorf("ja message: %q", got)
		}
		now = time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC) // 00:30 on 1 January in Taipei
		if _, err := svc.SignRiskReview(officer, r.ID, medsec.SignAsOfficer, ""); err != nil {
			t.Fatalf("officer signs once 2027 has begun at the site: %v", err)
		}
		if signed, err := svc.SignRiskReview(director, r.ID, medsec.SignAsLeadership, "院長"); err != nil || signed.Status != medsec.RiskReviewSigned {
			t.Fatalf("leadership signs: %v", err)
		}
	})
}
