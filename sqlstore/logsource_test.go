package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/sqlstore"
)

// nopSink stores nothing and always succeeds; the tracker counts after it.
type nopSink struct{}

func (nopSink) Append(context.Context, []logs.Record) error { return nil }

// TestLogSourceTracking sends parsed records through logs.Tracker into the log source
// service: an unknown sender is registered at its asset's site and linked to the asset
// by address, another by host name, with rate, format, clock skew and missing minimum
// fields; registration and linking are audited.
func TestLogSourceTracking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		pacs := &medsec.Asset{SiteID: branch.ID, Name: "PACS-01", Kind: medsec.KindOther, IPs: []string{"10.20.0.7"}}
		his := &medsec.Asset{SiteID: main.ID, Name: "his01", Kind: medsec.KindOther}
		for _, a := range []*medsec.Asset{pacs, his} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewLogSourceService(db)
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		tr := &logs.Tracker{Next: nopSink{}, Sources: svc, Now: func() time.Time { return now }}
		p := &logs.Parser{}
		var recs []logs.Record
		for i := range 30 {
			// PACS clock 90 s behind; its lines carry no user.
			line := "<38>" + now.Add(-90*time.Second).Format(time.Stamp) + " pacs01 dicomd[7]: association accepted"
			r, _ := p.Parse([]byte(line), now.Add(time.Duration(i)*time.Second), "10.20.0.7:514")
			recs = append(recs, r)
		}
		r, _ := p.Parse([]byte(`<86>1 2026-11-30T12:00:01Z his01.hospital.example emr - - - login user=dr.lin`), now, "10.9.9.9:40000")
		recs = append(recs, r)
		if err := tr.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if err := tr.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		reader := as(&medsec.User{ID: 20, Username: "soc", Role: medsec.RoleSOCAnalyst})
		list, err := svc.FindLogSources(reader, medsec.LogSourceFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("sources %v, %v", list, err)
		}
		byAddr := map[string]*medsec.LogSource{}
		for _, s := range list {
			byAddr[s.Address] = s
		}
		ps := byAddr["10.20.0.7"]
		if ps == nil || ps.SiteID != branch.ID || ps.AssetID != pacs.ID || !ps.AutoRegistered || ps.Records != 30 ||
			ps.Format != logs.FormatRFC3164 || ps.Transport != "" && ps.Transport != "udp" || ps.Hostname != "pacs01" {
			t.Errorf("PACS source %+v", ps)
		}
		if ps != nil && (ps.Skew > -100 || ps.Skew < -120 || ps.SkewSamples != 30 || ps.Missing["user"] != 30 || ps.Rate != 30) {
			t.Errorf("PACS skew %v (%d samples), missing %v, rate %v", ps.Skew, ps.SkewSamples, ps.Missing, ps.Rate)
		}
		hs := byAddr["10.9.9.9"]
		if hs == nil || hs.SiteID != main.ID || hs.AssetID != his.ID || hs.Name != "his01.hospital.example" || hs.Skew != 1 {
			t.Errorf("HIS source %+v", hs)
		}
		if hs != nil && hs.Missing["user"] != 1 {
			t.Errorf("HIS missing %v: the RFC 5424 message names the user only in text", hs.Missing)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "log_source"})
		if err != nil || len(entries) != 2 || entries[0].Action != "log_source.auto_register" {
			t.Errorf("audit %v, %v", entries, err)
		}
		// A second window adds to the count and keeps the link.
		if err := tr.Append(context.Background(), recs[:5]); err != nil {
			t.Fatal(err)
		}
		if err := tr.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindLogSource(reader, ps.ID)
		if err != nil || got.Records != 35 || got.WindowRecords != 5 {
			t.Errorf("after second window: %+v, %v", got, err)
		}
	})
}

// TestLogSourceAccess checks permissions, scope, validation, tokens and audit rows.
func TestLogSourceAccess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewLogSourceService(db)
		officer := as(&medsec.User{ID: 5, Username: "so", Role: medsec.RoleSecurityOfficer})
		branchSOC := as(&medsec.User{ID: 6, Username: "soc", Role: medsec.RoleSOCAnalyst, SiteIDs: []int64{branch.ID}})
		vendor := as(&medsec.User{ID: 7, Username: "v", Role: medsec.RoleVendor, VendorID: 1})
		engineer := as(&medsec.User{ID: 8, Username: "ce", Role: medsec.RoleClinicalEngineer})

		src := &medsec.LogSource{SiteID: main.ID, Name: "EMR access log", Transport: "https"}
		token, err := svc.CreateLogSource(officer, src, true)
		if err != nil || len(token) < 40 || !src.HasToken {
			t.Fatalf("create: %q %v", token, err)
		}
		got, err := svc.LogSourceByToken(context.Background(), token)
		if err != nil || got.ID != src.ID {
			t.Errorf("by token: %v %v", got, err)
		}
		if _, err := svc.LogSourceByToken(context.Background(), token+"x"); medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("wrong token: %v", err)
		}
		if _, err := svc.FindLogSource(branchSOC, src.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reading main source: %v, want not found", err)
		}
		if _, err := svc.FindLogSources(vendor, medsec.LogSourceFilter{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor listing: %v, want forbidden", err)
		}
		if _, err := svc.CreateLogSource(engineer, &medsec.LogSource{SiteID: main.ID, Name: "x", Transport: "udp"}, false); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("engineer creating: %v, want forbidden", err)
		}
		if _, err := svc.CreateLogSource(officer, &medsec.LogSource{SiteID: main.ID, Name: "", Address: "10.0.0.300", Transport: "pigeon"}, false); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("invalid: %v", err)
		}
		fw := &medsec.LogSource{SiteID: main.ID, Name: "Firewall", Address: "10.0.0.1", Transport: "tls"}
		if _, err := svc.CreateLogSource(officer, fw, false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateLogSource(officer, &medsec.LogSource{SiteID: main.ID, Name: "dup", Address: "10.0.0.1", Transport: "udp"}, false); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("duplicate address: %v", err)
		}
		fw.Name, fw.ExpectedInterval = "Core firewall", 300
		if err := svc.UpdateLogSource(officer, fw); err != nil {
			t.Fatal(err)
		}
		other := &medsec.Asset{SiteID: branch.ID, Name: "x", Kind: medsec.KindOther}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, other); err != nil {
			t.Fatal(err)
		}
		fw.AssetID = other.ID
		if err := svc.UpdateLogSource(officer, fw); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("linking another site's asset: %v", err)
		}
		if err := svc.DeleteLogSource(branchSOC, fw.ID); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("SOC deleting: %v", err)
		}
		if err := svc.DeleteLogSource(officer, fw.ID); err != nil {
			t.Fatal(err)
		}
		entries, _, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "log_source"})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if len(actions) != 4 || actions[0] != "log_source.delete" || actions[1] != "log_source.update" {
			t.Errorf("audit actions %v", actions)
		}
		if (&medsec.LogSource{LastSeen: testNow.Add(-20 * time.Minute)}).Silent(testNow) != true {
			t.Error("20 minutes silent is not silent")
		}
	})
}

// TestLogSourceRateAndBoundedSkew drives logs.Tracker with a set clock: the rate is over
// the interval since the previous flush (one record in a minute is 1/min, however late in
// the minute it came), and a record stamped 2099 is flagged as lacking a usable time and
// left out of the skew median, which stays the source's real -95 s.
func TestLogSourceRateAndBoundedSkew(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewLogSourceService(db)
		now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
		tr := &logs.Tracker{Next: nopSink{}, Sources: svc, SiteID: main.ID, Now: func() time.Time { return now }}
		ctx := context.Background()
		if err := tr.Flush(ctx); err != nil { // the window starts here
			t.Fatal(err)
		}
		p := &logs.Parser{}
		recv := now.Add(50 * time.Second)
		var recs []logs.Record
		for i := range 3 {
			line := "<38>1 " + recv.Add(-95*time.Second).Format(time.RFC3339) + " pacs01 dicomd 7 - - association " + string(rune('a'+i))
			if i == 2 {
				line = "<38>1 2099-01-01T00:00:00Z pacs01 dicomd 7 - - association from the future"
			}
			r, err := p.Parse([]byte(line), recv, "10.20.0.7:514")
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		if err := tr.Append(ctx, recs); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Minute)
		if err := tr.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := svc.FindLogSources(system, medsec.LogSourceFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("sources: %v %v", list, err)
		}
		s := list[0]
		if s.Rate != 3 {
			t.Errorf("rate %.2f/min, want 3 (3 records in the minute since the last flush)", s.Rate)
		}
		if s.Skew != -95 || s.SkewSamples != 2 || s.Missing["time"] != 1 {
			t.Errorf("skew %.1f s over %d samples, missing time %d; want -95 over 2, the 2099 record flagged", s.Skew, s.SkewSamples, s.Missing["time"])
		}
	})
}
