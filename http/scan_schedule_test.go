package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestScanSchedulePages: the scan schedule's API and page at the store's clock — a HIS
// last scanned 40 days ago is overdue for its monthly scan, a PACS never scanned; the page
// reads in four languages; a bad state is 422 naming it; a user of another site sees none.
func TestScanSchedulePages(t *testing.T) {
	db := openEngine(t, "sqlite")
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Assets: sqlstore.NewAssetService(db), Scans: sqlstore.NewScanService(db), Components: sqlstore.NewComponentService(db)}
	site, other := &medsec.Site{Code: "HQ", Name: "本院"}, &medsec.Site{Code: "BR", Name: "分院"}
	for _, s := range []*medsec.Site{site, other} {
		if err := services.Org.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	his := &medsec.Asset{SiteID: site.ID, Name: "HIS-01", Kind: medsec.KindHIS, IPs: []string{"10.0.0.10"}}
	pacs := &medsec.Asset{SiteID: site.ID, Name: "PACS-01", Kind: medsec.KindPACS}
	for _, a := range []*medsec.Asset{his, pacs} {
		if err := services.Assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := services.Scans.ImportScan(ctx, medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: "oct.nessus", SHA256: "oct",
		ScannedAt: now.AddDate(0, 0, -40), Hosts: []medsec.ScanHost{{Address: "10.0.0.10"}}}); err != nil {
		t.Fatal(err)
	}
	users := services.Users.(*sqlstore.UserService)
	mk := func(name string, sites ...int64) (string, string) {
		u := &medsec.User{Username: name, Role: medsec.RoleClinicalEngineer, SiteIDs: sites}
		if err := users.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		tok, _ := users.CreateAPIToken(ctx, u.ID, "test")
		sess, _ := users.CreateSession(ctx, u.ID)
		return tok, sess
	}
	tok, sess := mk("ce")
	brTok, _ := mk("br", other.ID)
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path, token, cookie, lang string) (int, []byte) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "medsec_session", Value: cookie})
		}
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get("/api/v1/scans/schedule", tok, "", "en")
	var sched medsec.ScanSchedule
	if err := json.Unmarshal(body, &sched); status != 200 || err != nil {
		t.Fatalf("schedule: %d %v %s", status, err, body)
	}
	if len(sched.Assets) != 2 || sched.Assets[0].AssetID != pacs.ID || sched.Assets[0].State != medsec.ScanNever ||
		sched.Assets[1].State != medsec.ScanOverdue || !sched.Assets[1].DueAt.Equal(now.AddDate(0, 0, -40).AddDate(0, 1, 0)) || sched.Assets[1].LastScanner != "Nessus" {
		t.Errorf("assets %+v", sched.Assets)
	}
	if len(sched.Sites) != 1 || sched.Sites[0].Overdue != 1 || sched.Sites[0].Never != 1 || sched.Sites[0].Late() != 2 {
		t.Errorf("sites %+v", sched.Sites)
	}
	if status, body := get("/api/v1/scans/schedule?state=late", tok, "", "en"); status != 422 || !bytes.Contains(body, []byte(`"state"`)) {
		t.Errorf("bad state: %d %s", status, body)
	}
	if status, body := get("/api/v1/scans/schedule?state=overdue", tok, "", "en"); status != 200 || bytes.Contains(body, []byte("PACS-01")) || !bytes.Contains(body, []byte("HIS-01")) {
		t.Errorf("overdue only: %d %s", status, body)
	}
	if status, body := get("/api/v1/scans/schedule", brTok, "", "en"); status != 200 || bytes.Contains(body, []byte("HIS-01")) {
		t.Errorf("another site's user: %d %s", status, body)
	}
	for lang, want := range map[string][]string{
		"en":    {"Scan schedule", "monthly vulnerability scan of core systems", "never scanned", "overdue"},
		"zh-TW": {"弱點掃描排程", "核心業務系統每月弱點掃描", "從未掃描", "逾期"},
		"zh-CN": {"漏洞扫描计划", "核心业务系统每月漏洞扫描", "从未扫描", "逾期"},
		"ja":    {"スキャン計画", "基幹業務システムの月次脆弱性スキャン", "未スキャン", "期限超過"},
	} {
		status, body := get("/scans/schedule", "", sess, lang)
		for _, w := range append(want, "HIS-01", "PACS-01", "003 §3.2.2", "ir-3.2.2-3", fmt.Sprintf("/scans/schedule?site=%d", site.ID)) {
			if status != 200 || !strings.Contains(string(body), w) {
				t.Errorf("%s page: %d, %q missing", lang, status, w)
			}
		}
		if status, body := get("/scans", "", sess, lang); status != 200 || !strings.Contains(string(body), want[0]) {
			t.Errorf("%s scans page without the schedule's link: %d", lang, status)
		}
	}
}
