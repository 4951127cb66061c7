package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// zoneFixture is a main site with an intranet, an OT zone at SL3 holding a monitor local
// LAN, and a CT, a HIS server, a central station bridging the local LAN and three monitors.
type zoneFixture struct {
	db                           *sqlstore.DB
	zones                        *sqlstore.ZoneService
	assets                       *sqlstore.AssetService
	main, branch                 *medsec.Site
	intranet, ot, lan            *medsec.Zone
	ct, his, central, monitor    *medsec.Asset
	monitors                     []*medsec.Asset
	engineer, auditor, branchOps *medsec.User
}

func intp(v int) *int { return &v }

func newZoneFixture(t *testing.T, db *sqlstore.DB) *zoneFixture {
	t.Helper()
	f := &zoneFixture{db: db, zones: sqlstore.NewZoneService(db), assets: sqlstore.NewAssetService(db)}
	f.main, f.branch = seedOrg(t, db)
	f.intranet = &medsec.Zone{SiteID: f.main.ID, Name: "院內系統網路", Kind: medsec.ZoneIntranet, Ranges: []string{"10.1.10.0/24"}, VLANs: []int{10}}
	f.ot = &medsec.Zone{SiteID: f.main.ID, Name: "工控區", Kind: medsec.ZoneOT, Ranges: []string{"10.1.40.0/24"}, VLANs: []int{40}, SL: intp(3)}
	for _, z := range []*medsec.Zone{f.intranet, f.ot} {
		if err := f.zones.CreateZone(system, z); err != nil {
			t.Fatal(err)
		}
	}
	f.lan = &medsec.Zone{SiteID: f.main.ID, Name: "MICU 監視器內網", Kind: medsec.ZoneTrustedLocalLAN, ParentID: f.ot.ID, Ranges: []string{"10.1.101.0/24"}}
	if err := f.zones.CreateZone(system, f.lan); err != nil {
		t.Fatal(err)
	}
	f.ct = &medsec.Asset{SiteID: f.main.ID, Name: "CT-01", Kind: medsec.KindModality, IPs: []string{"10.1.40.7"}, Level: medsec.LevelLow}
	f.his = &medsec.Asset{SiteID: f.main.ID, Name: "HIS-AP1", Kind: medsec.KindHIS, IPs: []string{"10.1.10.11"}, Level: medsec.LevelLow}
	f.central = &medsec.Asset{SiteID: f.main.ID, Name: "MICU 中央站", Kind: medsec.KindCentralStation, Model: "CS-1",
		IPs: []string{"10.1.40.21", "10.1.101.1"}, Connectivity: []medsec.Connectivity{medsec.ConnIntranet, medsec.ConnLocalLAN}}
	for _, a := range []*medsec.Asset{f.ct, f.his, f.central} {
		if err := f.assets.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, ip := range []string{"10.1.101.11", "10.1.101.12", "10.1.101.13"} {
		m := &medsec.Asset{SiteID: f.main.ID, Name: "MICU monitor " + ip, Kind: medsec.KindPatientMonitor, Model: "M10", IPs: []string{ip}}
		if err := f.assets.CreateAsset(system, m); err != nil {
			t.Fatal(err)
		}
		f.monitors = append(f.monitors, m)
	}
	f.monitor = f.monitors[0]
	users := sqlstore.NewUserService(db)
	f.engineer = &medsec.User{Username: "ce", DisplayName: "林醫工", Role: medsec.RoleClinicalEngineer}
	f.auditor = &medsec.User{Username: "aud", Role: medsec.RoleAuditor}
	f.branchOps = &medsec.User{Username: "br-ops", Role: medsec.RoleITOperations, SiteIDs: []int64{f.branch.ID}}
	for _, u := range []*medsec.User{f.engineer, f.auditor, f.branchOps} {
		if err := users.CreateUser(system, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestZonePlacementAndLevels(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		check := func(step string, a *medsec.Asset, wantZone int64, wantManual bool, wantLevel medsec.Level, wantSource medsec.LevelSource) {
			t.Helper()
			p, err := f.zones.FindPlacement(ce, a.ID)
			if err != nil {
				t.Fatalf("%s: placement of %s: %v", step, a.Name, err)
			}
			if p.ZoneID != wantZone || p.Manual != wantManual {
				t.Errorf("%s: %s placed in zone %d (manual %v), want %d (%v)", step, a.Name, p.ZoneID, p.Manual, wantZone, wantManual)
			}
			lv, err := f.zones.EffectiveLevel(ce, a.ID)
			if err != nil {
				t.Fatalf("%s: level of %s: %v", step, a.Name, err)
			}
			if lv.Level != wantLevel || lv.Source != wantSource {
				t.Errorf("%s: %s level %q from %q, want %q from %q", step, a.Name, lv.Level, lv.Source, wantLevel, wantSource)
			}
		}
		check("start", f.ct, f.ot.ID, false, medsec.LevelModerate, medsec.LevelFromZone)
		check("start", f.his, f.intranet.ID, false, medsec.LevelLow, medsec.LevelFromAsset)
		// A monitor on the trusted local LAN (SL0) takes the level of the OT zone around it.
		check("start", f.monitor, f.lan.ID, false, medsec.LevelModerate, medsec.LevelFromZone)

		// Rating the intranet C2 I4 A3 L1 gives it SL4: the HIS server's level follows.
		f.intranet.Ratings = &medsec.ZoneRatings{C: 2, I: 4, A: 3, L: 1}
		if err := f.zones.UpdateZone(ce, f.intranet); err != nil {
			t.Fatal(err)
		}
		check("rated", f.his, f.intranet.ID, false, medsec.LevelHigh, medsec.LevelFromZone)

		// Placing the CT by hand in the intranet moves it to SL4, and back.
		if err := f.zones.PlaceAsset(ce, f.ct.ID, f.intranet.ID); err != nil {
			t.Fatal(err)
		}
		check("placed", f.ct, f.intranet.ID, true, medsec.LevelHigh, medsec.LevelFromZone)
		if err := f.zones.PlaceAsset(ce, f.ct.ID, 0); err != nil {
			t.Fatal(err)
		}
		check("unplaced", f.ct, f.ot.ID, false, medsec.LevelModerate, medsec.LevelFromZone)

		// Moving the asset's address moves it between zones.
		ct, _ := f.assets.FindAssetByID(ce, f.ct.ID)
		ct.IPs = []string{"10.9.9.9"}
		if err := f.assets.UpdateAsset(ce, ct); err != nil {
			t.Fatal(err)
		}
		check("moved", f.ct, 0, false, medsec.LevelLow, medsec.LevelFromAsset)

		an, err := f.zones.Analyze(ce, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, fd := range an.Findings {
			codes = append(codes, fd.Code)
		}
		if got := strings.Join(codes, " "); !strings.Contains(got, "asset.unplaced") {
			t.Errorf("findings = %s, want the unplaced CT", got)
		}
		if len(an.Zones) != 3 || an.Zones[1].Zone.ID != f.ot.ID || an.Zones[2].Zone.ID != f.lan.ID || an.Zones[2].Depth != 1 {
			t.Errorf("zone tree order wrong: %+v", an.Zones)
		}
		if an.Zones[0].SL != 4 || an.Zones[2].SL != 0 {
			t.Errorf("SLs = %d, %d; want 4 (rated intranet) and 0 (trusted LAN)", an.Zones[0].SL, an.Zones[2].SL)
		}

		// Every change was audited.
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "asset.place"})
		if err != nil || len(entries) != 2 || entries[0].Username != "ce" {
			t.Errorf("asset.place audit: %d entries, %v", len(entries), err)
		}
		entries, _, _ = sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "zone.update"})
		if len(entries) != 1 || !strings.Contains(string(entries[0].After), `"i":4`) {
			t.Errorf("zone.update audit: %+v", entries)
		}
	})
}

func TestZoneValidationAndAccess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		fields := func(err error) string {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) {
				return "not a validation error: " + medsec.ErrorCode(err)
			}
			var out []string
			for _, fe := range ve.Errors {
				out = append(out, fe.Field)
			}
			return strings.Join(out, ",")
		}
		tests := []struct {
			name string
			z    medsec.Zone
			want string
		}{
			{"bad range", medsec.Zone{SiteID: f.main.ID, Name: "x", Kind: medsec.ZoneOT, Ranges: []string{"10.1.2.3/16"}}, "ranges"},
			{"parent of other site", medsec.Zone{SiteID: f.branch.ID, Name: "x", Kind: medsec.ZoneOT, ParentID: f.ot.ID}, "parent"},
			{"duplicate name", medsec.Zone{SiteID: f.main.ID, Name: "工控區", Kind: medsec.ZoneOT}, "name"},
			{"bad kind and SL", medsec.Zone{SiteID: f.main.ID, Name: "y", Kind: "dmz", SL: intp(5)}, "kind,sl"},
			{"bad vlan", medsec.Zone{SiteID: f.main.ID, Name: "y", Kind: medsec.ZoneOT, VLANs: []int{5000}}, "vlans"},
		}
		for _, tt := range tests {
			z := tt.z
			if got := fields(f.zones.CreateZone(ce, &z)); got != tt.want {
				t.Errorf("%s: invalid fields %q, want %q", tt.name, got, tt.want)
			}
		}
		// A cycle: the OT zone under its own local LAN.
		ot := *f.ot
		ot.ParentID = f.lan.ID
		if got := fields(f.zones.UpdateZone(ce, &ot)); got != "parent" {
			t.Errorf("cycle: invalid fields %q, want parent", got)
		}
		// Roles and sites.
		if err := f.zones.CreateZone(as(f.auditor), &medsec.Zone{SiteID: f.main.ID, Name: "z", Kind: medsec.ZoneOT}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor creates a zone: %v, want forbidden", err)
		}
		if _, err := f.zones.FindZones(as(f.auditor), f.main.ID); err != nil {
			t.Errorf("auditor reads zones: %v", err)
		}
		if _, err := f.zones.FindZoneByID(as(f.branchOps), f.ot.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads a main-site zone: %v, want not found", err)
		}
		if err := f.zones.PlaceAsset(as(f.branchOps), f.ct.ID, f.ot.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user places a main-site asset: %v, want not found", err)
		}
		if err := f.zones.PlaceAsset(ce, f.ct.ID, 9999); fields(err) != "zone" {
			t.Errorf("place in unknown zone: %v", err)
		}
		// Conduits: whitelist, ports and zones are checked.
		bad := &medsec.Conduit{SiteID: f.main.ID, Name: "bad", FromZoneID: f.ot.ID, ToZoneID: f.ot.ID, Protocol: "tcp", Ports: "70000", Sources: []string{"nonsense"}}
		if got := fields(f.zones.CreateConduit(ce, bad)); got != "to_zone" {
			t.Errorf("same-zone conduit: %q", got)
		}
		bad.ToZoneID = f.intranet.ID
		if got := fields(f.zones.CreateConduit(ce, bad)); got != "ports,sources" {
			t.Errorf("bad conduit: %q, want ports,sources", got)
		}
		icmp := &medsec.Conduit{SiteID: f.main.ID, Name: "ping", FromZoneID: f.ot.ID, ToZoneID: f.intranet.ID, Protocol: "icmp", Ports: "7"}
		if got := fields(f.zones.CreateConduit(ce, icmp)); got != "rule" {
			t.Errorf("icmp with ports: %q, want rule", got)
		}
		if err := f.zones.DeleteZone(ce, f.ot.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("delete a zone with a sub-zone: %v, want conflict", err)
		}
		if err := f.zones.DeleteZone(ce, f.lan.ID); err != nil {
			t.Errorf("delete the local LAN: %v", err)
		}
	})
}

func TestFlowImportAndViolations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		bad := "src,dst,proto,port,app\n" +
			"10.1.40.7,10.1.10.11,tcp,104,dicom\n" +
			"10.1.40.7,10.1.10.11,tcp,99999,dicom\n" +
			"10.1.40.300,10.1.10.11,tcp,2575,hl7\n"
		_, err := f.zones.ImportFlowsCSV(ce, f.main.ID, strings.NewReader(bad), "flows.csv")
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("bad import: %v, want a validation error", err)
		}
		var got []string
		for _, fe := range ve.Errors {
			got = append(got, fe.Error())
		}
		want := []string{`line 3: port (4): port "99999": not a number from 1 to 65535`, `line 4: src (1): "10.1.40.300" is not an IP address`}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if _, total, err := f.zones.FindFlows(ce, f.main.ID, 10); err != nil || total != 0 {
			t.Errorf("rejected import stored %d flows (%v)", total, err)
		}
		good := "src,dst,proto,port,app\n" +
			"10.1.40.7,10.1.10.11,tcp,104,dicom\n" + // CT to HIS: DICOM, allowed below
			"10.1.40.7,10.1.10.11,tcp,3389,\n" + // RDP: no conduit
			"10.1.101.11,10.1.40.21,tcp,6000,\n" + // monitor to central station: local LAN to OT, no conduit
			"10.1.40.7,10.1.40.21,tcp,80,\n" // inside the OT zone: fine
		if n, err := f.zones.ImportFlowsCSV(ce, f.main.ID, strings.NewReader(good), "flows.csv"); err != nil || n != 4 {
			t.Fatalf("good import: %d, %v", n, err)
		}
		if _, err := f.zones.ImportFlowsCSV(as(f.auditor), f.main.ID, strings.NewReader(good), "flows.csv"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor imports flows: %v", err)
		}
		if err := f.zones.CreateConduit(ce, &medsec.Conduit{SiteID: f.main.ID, Name: "DICOM to HIS", FromZoneID: f.ot.ID, ToZoneID: f.intranet.ID,
			Protocol: "tcp", Ports: "104", App: "dicom", Sources: []string{"10.1.40.7"}, Controls: []medsec.ConduitControl{medsec.ControlFiltering}}); err != nil {
			t.Fatal(err)
		}
		an, err := f.zones.Analyze(ce, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, v := range an.Violations {
			vs = append(vs, v.Code+" "+v.SrcAssetName+"→"+v.DstAssetName+" "+v.Flow.Proto)
		}
		wantV := []string{"flow.no-conduit CT-01→HIS-AP1 tcp", "flow.no-conduit MICU monitor 10.1.101.11→MICU 中央站 tcp"}
		if strings.Join(vs, "\n") != strings.Join(wantV, "\n") {
			t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(vs, "\n"), strings.Join(wantV, "\n"))
		}
		if n, err := f.zones.ViolationCount(ce, f.main.ID); err != nil || n != len(an.Violations) {
			t.Errorf("violation count: %d, %v; want %d", n, err, len(an.Violations))
		}
		var nft, csv strings.Builder
		if err := f.zones.WriteFirewall(ce, f.main.ID, medsec.FirewallNFT, &nft); err != nil || !strings.Contains(nft.String(), "tcp dport { 104 }") {
			t.Errorf("nft export: %v\n%s", err, nft.String())
		}
		if err := f.zones.WriteFirewall(ce, f.main.ID, medsec.FirewallCSV, &csv); err != nil || !strings.Contains(csv.String(), "DICOM to HIS") {
			t.Errorf("csv export: %v\n%s", err, csv.String())
		}
		var svg strings.Builder
		if err := f.zones.WriteDiagram(ce, f.main.ID, medsec.DiagramView{}, &svg, medsec.DiagramLabels{Title: "網路架構", Violations: "{n} 筆未經管道"}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(svg.String(), "<svg") || !strings.Contains(svg.String(), "筆未經管道") {
			t.Errorf("diagram lacks its violation label:\n%.400s", svg.String())
		}
	})
}

func TestClassDecisionAndCRL(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		d, err := f.zones.ProposeClass(ce, f.central.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Proposed != medsec.ClassBoundary || d.BoundaryOf != medsec.ClassGroup || d.Status != medsec.DecisionProposed || len(d.Reasons) == 0 {
			t.Fatalf("central station proposal = %+v, want a group-type boundary host", d)
		}
		if _, err := f.zones.DecideClass(as(f.auditor), f.central.ID, "", ""); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor confirms: %v", err)
		}
		if d, err = f.zones.DecideClass(ce, f.central.ID, "", ""); err != nil {
			t.Fatal(err)
		}
		a, _ := f.assets.FindAssetByID(ce, f.central.ID)
		if d.Status != medsec.DecisionConfirmed || d.By != "林醫工" || a.Class != medsec.ClassBoundary {
			t.Errorf("after confirm: decision %+v, asset class %q", d, a.Class)
		}
		// The monitors behind it are group-type devices; overriding needs a reason.
		if _, err := f.zones.ProposeClass(ce, f.monitor.ID); err != nil {
			t.Fatal(err)
		}
		var ve *medsec.ValidationError
		if _, err := f.zones.DecideClass(ce, f.monitor.ID, medsec.ClassStandalone, " "); !errors.As(err, &ve) || ve.Errors[0].Field != "why" {
			t.Errorf("override without reason: %v", err)
		}
		if d, err = f.zones.DecideClass(ce, f.monitor.ID, medsec.ClassStandalone, "床邊獨立使用"); err != nil {
			t.Fatal(err)
		}
		if d.Proposed != medsec.ClassGroup || d.Status != medsec.DecisionOverridden || d.Class != medsec.ClassStandalone || d.Why != "床邊獨立使用" {
			t.Errorf("override = %+v", d)
		}
		// A new proposal with the same class keeps the person's decision.
		if d, _ = f.zones.ProposeClass(ce, f.monitor.ID); d.Status != medsec.DecisionOverridden {
			t.Errorf("re-proposal dropped the override: %+v", d)
		}
		audit := sqlstore.NewAuditService(db)
		for _, action := range []string{"class.confirm", "class.override"} {
			entries, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) != 1 || entries[0].Username != "ce" || !strings.Contains(string(entries[0].After), `"status":"`) {
				t.Errorf("%s audit: %+v %v", action, entries, err)
			}
		}
		entries, _, _ := audit.FindAuditEntries(system, medsec.AuditFilter{Action: "asset.update", ObjectID: f.monitor.ID})
		if len(entries) != 1 || !strings.Contains(string(entries[0].After), `"class":"standalone"`) {
			t.Errorf("asset class change not audited with the asset: %+v", entries)
		}

		// CRL: the central station gets this year's review; the monitor (classified) lacks one.
		bad := &medsec.CRLReview{AssetID: f.central.ID, Level: medsec.CRLHigh, Method: "ISO 14971"}
		if err := f.zones.CreateCRLReview(ce, bad); !errors.As(err, &ve) {
			t.Errorf("high risk without actions: %v", err)
		}
		r := &medsec.CRLReview{AssetID: f.central.ID, Level: medsec.CRLMedium, Method: "ISO 14971 + IEC 80001-1", Reasons: []string{"預設帳號已變更"}}
		if err := f.zones.CreateCRLReview(ce, r); err != nil {
			t.Fatal(err)
		}
		if r.Year != testNow.Year() || r.Assessor != "林醫工" {
			t.Errorf("review defaults: year %d, assessor %q", r.Year, r.Assessor)
		}
		missing, err := f.zones.MissingCRLReviews(ce, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range missing {
			names = append(names, a.Name)
		}
		if strings.Join(names, ",") != f.monitor.Name {
			t.Errorf("missing reviews: %v, want only %s", names, f.monitor.Name)
		}
		if n, err := f.zones.MissingCRLReviewCount(ce, f.main.ID); err != nil || n != len(missing) {
			t.Errorf("missing review count: %d, %v; want %d", n, err, len(missing))
		}
		history, err := f.zones.FindCRLReviews(ce, f.central.ID)
		if err != nil || len(history) != 1 || history[0].Method != r.Method {
			t.Errorf("history: %+v %v", history, err)
		}
	})
}

// TestManualPlacementMovesFlows checks that an asset placed by hand is checked from its
// zone: its flows leave the zone its addresses fall in.
func TestManualPlacementMovesFlows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		csv := "src,dst,proto,port\n10.1.40.7,10.1.10.11,tcp,445\n"
		if _, err := f.zones.ImportFlowsCSV(ce, f.main.ID, strings.NewReader(csv), "smb.csv"); err != nil {
			t.Fatal(err)
		}
		srcZone := func() int64 {
			t.Helper()
			an, err := f.zones.Analyze(ce, f.main.ID)
			if err != nil || len(an.Violations) != 1 {
				t.Fatalf("violations %+v, %v", an, err)
			}
			return an.Violations[0].SrcZoneID
		}
		if got := srcZone(); got != f.ot.ID {
			t.Errorf("before: flow from zone %d, want the OT zone %d", got, f.ot.ID)
		}
		// The CT (10.1.40.7) placed by hand in the local LAN: its flow starts there.
		if err := f.zones.PlaceAsset(ce, f.ct.ID, f.lan.ID); err != nil {
			t.Fatal(err)
		}
		if got := srcZone(); got != f.lan.ID {
			t.Errorf("after: flow from zone %d, want the local LAN %d", got, f.lan.ID)
		}
		// Other assets of the OT zone stay where their addresses put them.
		if p, err := f.zones.FindPlacement(ce, f.central.ID); err != nil || p.ZoneID != f.ot.ID {
			t.Errorf("central station placed in %+v (%v), want the OT zone", p, err)
		}
	})
}

func TestProposeConduits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newZoneFixture(t, db)
		ce := as(f.engineer)
		csv := "src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,104,dicom\n10.1.40.8,10.1.10.11,tcp,104,dicom\n10.1.40.7,10.1.10.11,tcp,2575,hl7\n"
		if _, err := f.zones.ImportFlowsCSV(ce, f.main.ID, strings.NewReader(csv), "f.csv"); err != nil {
			t.Fatal(err)
		}
		// An existing conduit allowing any port from the whole OT zone.
		if err := f.zones.CreateConduit(ce, &medsec.Conduit{SiteID: f.main.ID, Name: "OT to intranet", FromZoneID: f.ot.ID, ToZoneID: f.intranet.ID,
			Protocol: "tcp", Controls: []medsec.ConduitControl{medsec.ControlFiltering}}); err != nil {
			t.Fatal(err)
		}
		lp, err := f.zones.ProposeConduits(ce, f.main.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range lp.Rules {
			got = append(got, fmt.Sprintf("%s→%s %s/%d %s %v→%v", r.FromZoneName, r.ToZoneName, r.Protocol, r.Port, r.App, r.Sources, r.Destinations))
		}
		want := []string{"工控區→院內系統網路 tcp/104 dicom [10.1.40.7-10.1.40.8]→[10.1.10.11]", "工控區→院內系統網路 tcp/2575 hl7 [10.1.40.7]→[10.1.10.11]"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rules:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(lp.Conduits) != 1 || !lp.Conduits[0].Broader || len(lp.Conduits[0].Reasons) == 0 {
			t.Errorf("review of the any-port conduit: %+v", lp.Conduits)
		}
	})
}
