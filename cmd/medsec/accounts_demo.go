package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/account"
	mhttp "medsec/http"
)

// loadAccountsDemo gives the demo hospital an HR roster and the account lists of two
// clinical systems, in every state the findings and reviews have [M6]: on the ICU clinical
// information system (a device application system) a departed doctor's account still
// enabled, a ward's shared login, the Windows Administrator never changed, an emergency
// account used ten days ago and not reset, an account unused for half a year and a
// transferred nurse's account; on the PACS the vendor's dedicated maintenance account and
// a SQL Server "sa" whose password was changed. Last quarter's access reviews of both
// systems are opened (signDemoAccessReview signs the PACS's off once the demo users
// exist; the ICU system's stays open). The PACS vendor's approved plan of five days ago
// covers one login of lumen-maint; its login three days ago at night is outside every
// plan and an alert [004 §10 ④]. The ICU system's log then shows the emergency
// account's login of ten days ago: detection follows it (the inventory types the account as
// emergency) and it becomes a password-reset task, overdue [004 §11 ①].
func loadAccountsDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.Accounts == nil {
		return nil
	}
	day := func(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02") }
	roster := "員工編號,姓名,帳號,在職狀態,到職日,生效日\n" +
		"D0417,陳志遠,chen.cy,離職,2012-08-01," + day(45) + "\n" +
		"N1022,張淑芬,chang.sf,在職,2009-03-01,\n" +
		"N1187,林佳蓉,lin.jr,調職,2016-07-15," + day(20) + "\n" +
		"D0533,黃俊傑,huang.cj,在職,2014-09-01,\n" +
		"I0031,陳建宏,chen.jh,在職,2010-02-01,\n"
	if _, err := s.Accounts.ImportRoster(ctx, account.ReadRoster([]byte(roster), "人事名冊.csv")); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	find := func(name string) (*medsec.Asset, error) {
		as, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Query: name, Limit: 5})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Name == name {
				return a, nil
			}
		}
		return nil, fmt.Errorf("no demo asset %q", name)
	}
	login := func(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02 15:04") }
	systems := []struct{ asset, file, csv string }{
		{"重症照護資訊系統", "ICU-CIS 帳號.csv", "帳號,顯示名稱,類型,使用者,啟用,最後登入,密碼變更日,雙因子\n" +
			"chen.cy,陳志遠 醫師,個人,D0417,是," + login(50) + "," + day(200) + ",否\n" +
			"chang.sf,張淑芬 護理長,個人,N1022,是," + login(1) + "," + day(60) + ",否\n" +
			"lin.jr,林佳蓉 護理師,個人,N1187,是," + login(22) + "," + day(90) + ",否\n" +
			"icu-nurse,ICU 護理站共用,共用,,是," + login(0) + "," + day(300) + ",否\n" +
			"Administrator,,原廠預設,,是," + login(3) + ",,否\n" +
			"icu-breakglass,ICU 緊急帳號,緊急,,是," + login(10) + "," + day(120) + ",否\n" +
			"tsai.old,蔡 舊帳號,個人,,是," + login(190) + "," + day(400) + ",否\n"},
		{"PACS 影像主伺服器", "PACS 帳號.xlsx", "username,display name,type,person,enabled,last login,password changed,mfa\n" +
			"huang.cj,Dr Huang,personal,D0533,yes," + login(2) + "," + day(40) + ",yes\n" +
			"chen.jh,PACS admin,personal,I0031,yes," + login(1) + "," + day(30) + ",yes\n" +
			"lumen-maint,Lumen field service,vendor,,yes," + login(15) + "," + day(15) + ",yes\n" +
			"sa,SQL Server,default,,yes," + login(0) + "," + day(100) + ",no\n"},
	}
	var icu *medsec.Asset
	for _, sys := range systems {
		a, err := find(sys.asset)
		if err != nil {
			return err
		}
		imp := account.ReadAccounts([]byte(sys.csv), sys.file)
		imp.AssetID = a.ID
		if _, err := s.Accounts.ImportAccounts(ctx, imp); err != nil {
			return fmt.Errorf("accounts of %s: %w", sys.asset, err)
		}
		if !strings.HasPrefix(sys.asset, "PACS") {
			icu = a
		}
	}
	if err := loadEmergencyDemo(ctx, s, icu, now.Add(-10*24*time.Hour)); err != nil {
		return err
	}
	if _, err := s.Accounts.EnsureAccessReviews(ctx, now); err != nil {
		return fmt.Errorf("access reviews: %w", err)
	}
	return nil
}

// demoHIS is the name of the demo medical centre's HIS (loadSystemsDemo).
const demoHIS = "HIS 醫院資訊系統"

// loadSystemAccountsDemo imports the account list of the demo HIS, a clinical system of
// four assets whose accounts are the system's, not one server's [issue 15 M6]: the departed
// doctor 陳志遠 still has an enabled HIS account (a finding citing 000 帳號管理(中) 一, as on
// the ICU system), beside two active staff's accounts. Last quarter's campaign of the HIS's
// owner (陳建宏) over those accounts is opened and stays open.
func loadSystemAccountsDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.Accounts == nil || s.Systems == nil {
		return nil
	}
	his, err := demoSystemID(ctx, s, demoHIS)
	if err != nil {
		return err
	}
	day := func(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02") }
	login := func(days int) string { return now.AddDate(0, 0, -days).Format("2006-01-02 15:04") }
	csv := "帳號,顯示名稱,類型,使用者,啟用,最後登入,密碼變更日,雙因子\n" +
		"chen.cy,陳志遠 醫師,個人,D0417,是," + login(48) + "," + day(150) + ",否\n" +
		"huang.cj,黃俊傑 醫師,個人,D0533,是," + login(0) + "," + day(30) + ",否\n" +
		"chang.sf,張淑芬 護理長,個人,N1022,是," + login(1) + "," + day(60) + ",否\n"
	imp := account.ReadAccounts([]byte(csv), "HIS 帳號.csv")
	imp.SystemID = his
	if _, err := s.Accounts.ImportAccounts(ctx, imp); err != nil {
		return fmt.Errorf("accounts of %s: %w", demoHIS, err)
	}
	if _, err := s.Accounts.EnsureAccessReviews(ctx, now); err != nil {
		return fmt.Errorf("access review of %s: %w", demoHIS, err)
	}
	return nil
}

// demoSystemID returns the ID of the demo's clinical system of that name.
func demoSystemID(ctx context.Context, s mhttp.Services, name string) (int64, error) {
	cs, err := s.Systems.FindClinicalSystems(ctx, medsec.ClinicalSystemFilter{})
	if err != nil {
		return 0, err
	}
	for _, c := range cs {
		if c.Name == name {
			return c.ID, nil
		}
	}
	return 0, fmt.Errorf("no demo clinical system %q", name)
}

// demoReviewSigner is the demo user who decides and signs off the PACS's access review:
// the information office's system administrator (陳建宏), who runs the PACS.
const demoReviewSigner = "itops.chen"

// signDemoAccessReview decides on every account of last quarter's access review of the
// PACS (all kept, each with its owner's reason) and signs it off, as the demo's system
// administrator would from the access review page, so that the access-review record shows
// a review signed by a person. It runs once the demo users exist.
func signDemoAccessReview(ctx context.Context, s mhttp.Services) error {
	if s.Accounts == nil || s.Users == nil {
		return nil
	}
	users, err := s.Users.FindUsers(ctx)
	if err != nil {
		return err
	}
	var signer *medsec.User
	for _, u := range users {
		if u.Username == demoReviewSigner {
			signer = u
		}
	}
	if signer == nil {
		return fmt.Errorf("access review: no demo user %s", demoReviewSigner)
	}
	pacs, err := demoAssetID(ctx, s, "PACS 影像主伺服器")
	if err != nil {
		return err
	}
	rs, err := s.Accounts.FindAccessReviews(ctx, medsec.AccessReviewFilter{AssetID: pacs})
	if err != nil || len(rs) == 0 {
		return fmt.Errorf("access review of the PACS: %v", err)
	}
	ctx = medsec.NewContextWithUser(ctx, signer)
	rv, err := s.Accounts.FindAccessReview(ctx, rs[0].ID)
	if err != nil {
		return err
	}
	if rv.Status == medsec.AccessReviewSigned {
		return nil
	}
	reasons := map[string]string{"huang.cj": "放射科主治醫師，判讀需要", "chen.jh": "PACS 系統管理者", "lumen-maint": "原廠維護專用帳號，僅於核准之維護時段啟用", "sa": "資料庫服務帳號，密碼已於上線時變更"}
	var ds []medsec.AccessReviewDecision
	for _, it := range rv.Items {
		ds = append(ds, medsec.AccessReviewDecision{AccountID: it.AccountID, Decision: medsec.DecisionKeep, Reason: reasons[it.Username]})
	}
	if _, err := s.Accounts.DecideAccessReview(ctx, rv.ID, ds); err != nil {
		return err
	}
	_, err = s.Accounts.SignAccessReview(ctx, rv.ID)
	return err
}

// loadEmergencyDemo appends the ICU system's log event of its emergency account's login
// at when, as its syslog would have reported it; detection (started before the demo) makes
// it an emergency use with its reset task.
func loadEmergencyDemo(ctx context.Context, s mhttp.Services, icu *medsec.Asset, when time.Time) error {
	if s.Events == nil {
		return nil
	}
	e := medsec.Event{ID: "demo:icu-breakglass", Time: when.UTC(), SiteID: icu.SiteID, AssetID: icu.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent}}
	e.Set("event.kind", "event").Set("event.module", "demo").Set("event.category", []string{"authentication"}).Set("event.outcome", "success").
		Set("event.action", "logon").Set("event.dataset", "icu-cis.auth").Set("user.name", "icu-breakglass").Set("source.ip", "10.1.30.21")
	if len(icu.IPs) > 0 {
		e.Set("host.ip", icu.IPs[0])
	}
	if err := s.Events.AppendEvents(ctx, e); err != nil {
		return fmt.Errorf("demo emergency login: %w", err)
	}
	return nil
}

// loadMaintenanceDemo enters the PACS vendor's approved plan of five days ago (14:00-17:00
// Taipei time), requests in every state (waiting, approved, refused), and appends two logins of its maintenance account lumen-maint: one inside
// the plan, one three days ago at 02:10, outside every plan, which detection raises.
//
// It runs once the demo users exist and acts as them (the security officer ciso enters
// and decides, the clinical engineering chief ce.lin and IT operations' itops.chen
// request), so the plans and the audit trail name real users; without them it does
// nothing.
func loadMaintenanceDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.MaintenancePlans == nil || s.Events == nil || s.Users == nil {
		return nil
	}
	all, err := s.Users.FindUsers(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*medsec.User{}
	for _, u := range all {
		byName[u.Username] = u
	}
	if byName["ce.lin"] == nil || byName["itops.chen"] == nil || byName["ciso"] == nil {
		return nil // the demo users were not made
	}
	ceLin := medsec.NewContextWithUser(ctx, byName["ce.lin"])
	itops := medsec.NewContextWithUser(ctx, byName["itops.chen"])
	ciso := medsec.NewContextWithUser(ctx, byName["ciso"])
	pacsID, err := demoAssetID(ctx, s, "PACS 影像主伺服器")
	if err != nil {
		return err
	}
	pacs, err := s.Assets.FindAssetByID(ctx, pacsID)
	if err != nil {
		return err
	}
	vendor := pacs.VendorID
	if vendor == 0 {
		vs, err := s.Org.FindVendors(ctx)
		if err != nil || len(vs) == 0 {
			return fmt.Errorf("demo maintenance plan: no vendor (%v)", err)
		}
		vendor = vs[0].ID
	}
	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		return err
	}
	day := func(ago, hour, minute int) time.Time {
		d := now.In(taipei).AddDate(0, 0, -ago)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, minute, 0, 0, taipei)
	}
	plan := &medsec.MaintenancePlan{VendorID: vendor, AssetIDs: []int64{pacs.ID}, Engineer: "吳建明 (Lumen 原廠工程師)", Purpose: "PACS 8.2 安全性修補與資料庫索引重建",
		Start: day(5, 14, 0), End: day(5, 17, 0)}
	if err := s.MaintenancePlans.CreateMaintenancePlan(ciso, plan); err != nil {
		return fmt.Errorf("demo maintenance plan: %w", err)
	}
	// Requests in every state [004 §10.1 事前申請・承認]: the clinical engineering chief
	// requests the PACS vendor's remote session next week (waiting for the security
	// officer); IT operations' request of last week was approved by the security officer,
	// and one for tonight without a change ticket refused.
	for _, r := range []struct {
		by       context.Context
		engineer string
		purpose  string
		start    time.Time
		hours    int
		decision *medsec.MaintenanceDecision
	}{
		{ceLin, "吳建明 (Lumen 原廠工程師)", "遠端連線:PACS 8.3 升級前相容性檢查(VPN 帳號 lumen-maint,全程側錄)", day(-7, 19, 0), 3, nil},
		{itops, "吳建明 (Lumen 原廠工程師)", "遠端連線:PACS 影像壓縮模組設定調整", day(8, 10, 0), 2, &medsec.MaintenanceDecision{Approve: true, Note: "限院內跳板機連線,完成後提交作業報告"}},
		{itops, "Lumen 值班工程師", "遠端連線:PACS 資料庫緊急除錯", day(-1, 22, 0), 4, &medsec.MaintenanceDecision{Note: "未附變更單與影響評估;請補件後重新申請"}},
	} {
		p := &medsec.MaintenancePlan{VendorID: vendor, AssetIDs: []int64{pacs.ID}, Engineer: r.engineer, Purpose: r.purpose, Start: r.start, End: r.start.Add(time.Duration(r.hours) * time.Hour)}
		if err := s.MaintenancePlans.RequestMaintenancePlan(r.by, p); err != nil {
			return fmt.Errorf("demo maintenance request: %w", err)
		}
		if r.decision != nil {
			if _, err := s.MaintenancePlans.DecideMaintenancePlan(ciso, p.ID, *r.decision); err != nil {
				return fmt.Errorf("demo maintenance decision: %w", err)
			}
		}
	}
	var events []medsec.Event
	for i, at := range []time.Time{day(5, 14, 20), day(3, 2, 10)} {
		e := medsec.Event{ID: fmt.Sprintf("demo:lumen-maint:%d", i), Time: at.UTC(), SiteID: pacs.SiteID, AssetID: pacs.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent}}
		e.Set("event.kind", "event").Set("event.module", "demo").Set("event.category", []string{"authentication"}).Set("event.outcome", "success").
			Set("event.action", "logon").Set("event.dataset", "pacs.auth").Set("user.name", "lumen-maint").Set("source.ip", "203.0.113.45")
		events = append(events, e)
	}
	if err := s.Events.AppendEvents(ctx, events...); err != nil {
		return fmt.Errorf("demo vendor logins: %w", err)
	}
	return nil
}
