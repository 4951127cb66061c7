package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/detection"
	"medsec/sqlstore"
)

// TestEmergencyCommand lists an emergency account's use that detection found, refuses to
// close it before a justification or for a user who may not, then justifies and closes it
// as a named medsec user, who the record and the audit trail name.
func TestEmergencyCommand(t *testing.T) {
	ctx := asSystem(context.Background())
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(store).CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	his := &medsec.Asset{SiteID: site.ID, Name: "HIS-AP1", Kind: medsec.KindHIS}
	if err := sqlstore.NewAssetService(store).CreateAsset(ctx, his); err != nil {
		t.Fatal(err)
	}
	imp := account.ReadAccounts([]byte("username,type\nhis-emergency,緊急\n"), "his.csv")
	imp.AssetID = his.ID
	if _, err := sqlstore.NewAccountService(store).ImportAccounts(ctx, imp); err != nil {
		t.Fatal(err)
	}
	users := sqlstore.NewUserService(store)
	for _, u := range []*medsec.User{{Username: "ce.lin", Role: medsec.RoleClinicalEngineer}, {Username: "auditor", Role: medsec.RoleAuditor}} {
		if err := users.CreateUser(ctx, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	det := sqlstore.NewDetectionService(store)
	uses := sqlstore.NewEmergencyUseService(store)
	svc := detection.New(detection.Stores{Rules: det, Alerts: det, Events: sqlstore.NewEventService(store), Accounts: uses, Followers: []medsec.AlertFollower{uses}}, nil)
	if err := svc.InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	ev := medsec.Event{ID: "t:1", Time: time.Now().UTC().Add(-time.Hour), SiteID: site.ID, AssetID: his.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
		Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "his-emergency"}}
	if err := svc.Handle(ctx, []medsec.Event{ev}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	var out bytes.Buffer
	if err := run(context.Background(), []string{"emergency", "list", "--data", data, "--open"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "his-emergency") || !strings.Contains(out.String(), "HIS-AP1") || !strings.Contains(out.String(), "open") {
		t.Fatalf("list: %q", out.String())
	}
	err = run(context.Background(), []string{"emergency", "reset", "--data", data, "--use", "1", "--user", "ce.lin"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "justification") {
		t.Errorf("reset before the justification: %v", err)
	}
	err = run(context.Background(), []string{"emergency", "justify", "--data", data, "--use", "1", "--user", "auditor", "--text", "x"}, io.Discard, io.Discard)
	if err == nil {
		t.Error("the auditor justified a use")
	}
	for _, args := range [][]string{{"justify", "--text", "HIS login service down; ER triage"}, {"reset", "--note", "changed by IT, ticket 88"}} {
		if err := run(context.Background(), append([]string{"emergency", args[0], "--data", data, "--use", "1", "--user", "ce.lin"}, args[1:]...), io.Discard, io.Discard); err != nil {
			t.Fatalf("%s: %v", args[0], err)
		}
	}
	store, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	u, err := sqlstore.NewEmergencyUseService(store).FindEmergencyUse(ctx, 1)
	if err != nil || !u.Closed() || u.ResetBy != "ce.lin" || u.JustifiedBy != "ce.lin" || !strings.Contains(u.Justification, "ER triage") {
		t.Fatalf("use = %+v, %v", u, err)
	}
	entries, _, err := sqlstore.NewAuditService(store).FindAuditEntries(ctx, medsec.AuditFilter{Action: medsec.ActionEmergencyUseReset})
	if err != nil || len(entries) != 1 || entries[0].Username != "ce.lin" {
		t.Errorf("audit: %+v, %v", entries, err)
	}
}

// TestMaintenanceCommand enters a vendor's plan as a named approver (maintenance:approve:
// the security officer) and lists it; a window
// that ends before it starts is refused naming the field.
func TestMaintenanceCommand(t *testing.T) {
	ctx := asSystem(context.Background())
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(store).CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	vendor := &medsec.Vendor{Name: "Lumen Imaging"}
	if err := sqlstore.NewOrgService(store).CreateVendor(ctx, vendor); err != nil {
		t.Fatal(err)
	}
	pacs := &medsec.Asset{SiteID: site.ID, Name: "PACS-01", Kind: medsec.KindPACS}
	if err := sqlstore.NewAssetService(store).CreateAsset(ctx, pacs); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewUserService(store).CreateUser(ctx, &medsec.User{Username: "ciso", Role: medsec.RoleSecurityOfficer}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	store.Close()
	add := func(from, to string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"maintenance", "add", "--data", data, "--user", "ciso", "--vendor", "1", "--asset", "1",
			"--engineer", "Wu", "--purpose", "PACS patch", "--from", from, "--to", to}, &out, io.Discard)
		return out.String(), err
	}
	if _, err := add("2026-12-03T17:00+08:00", "2026-12-03T14:00+08:00"); err == nil || !strings.Contains(err.Error(), "end") {
		t.Errorf("a window ending before it starts: %v", err)
	}
	if out, err := add("2026-12-03T14:00+08:00", "2026-12-03T17:00+08:00"); err != nil || !strings.Contains(out, "PACS-01") || !strings.Contains(out, "2026-12-03T06:00:00Z") {
		t.Fatalf("add: %q, %v", out, err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"maintenance", "list", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Lumen Imaging") || !strings.Contains(out.String(), "ciso") {
		t.Errorf("list: %q, %v", out.String(), err)
	}
}
