package main

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/demo"
	mhttp "medsec/http"
)

// VLANs of the demo address plan that the zone demo names (see package demo).
const (
	demoVLANServers      = 10
	demoVLANWorkstations = 20
	demoVLANImaging      = 30
	demoVLANDevices      = 40
	demoVLANDMZ          = 200
)

// demoRatings are the C/I/A/L ratings of the demo's zones by VLAN. The device control zone
// (VLAN 40) is rated SL4, above the OT zone around it: one SL finding for the demo.
var demoRatings = map[int]medsec.ZoneRatings{
	demoVLANServers:      {C: 3, I: 3, A: 3, L: 3},
	demoVLANWorkstations: {C: 2, I: 2, A: 2, L: 2},
	demoVLANImaging:      {C: 2, I: 3, A: 3, L: 2},
	demoVLANDevices:      {C: 3, I: 4, A: 4, L: 3},
	50:                   {C: 2, I: 2, A: 3, L: 2},
	99:                   {C: 2, I: 3, A: 3, L: 1},
	demoVLANDMZ:          {C: 2, I: 2, A: 2, L: 2},
}

// demoClasses maps the class notes of the demo inventory to classes.
var demoClasses = []struct {
	note  string
	class medsec.DeviceClass
}{
	{"分群：群組型儀器之邊界主機", medsec.ClassBoundary},
	{"分群：終端單機", medsec.ClassStandalone},
	{"分群：群組型儀器", medsec.ClassGroup},
	{"分群：系統型儀器", medsec.ClassSystem},
	{"分群：醫儀控制系統", medsec.ClassControl},
	{"分群：醫儀應用系統", medsec.ClassApplication},
}

// loadZoneDemo gives each demo site its zone model through the zone service: zones from the
// address plan, conduits (DICOM to PACS, HL7 to HIS, monitor LANs to their central stations,
// vendor remote maintenance, PACS viewing), a flow log with a few flows no conduit allows,
// class proposals confirmed or overridden after the inventory's class notes, and this year's
// CRL reviews for most classified devices. past(true) moves the store's clock to the
// demo's past for each site's zones and classes, past(false) back for the reviews.
func loadZoneDemo(ctx context.Context, s mhttp.Services, d *demo.Data, siteIDs map[string]int64, now time.Time, past func(bool)) error {
	for _, site := range d.Sites {
		past(true)
		if err := loadSiteZones(ctx, s, d, site.Code, siteIDs[site.Code], now, past); err != nil {
			return fmt.Errorf("zones of %s: %w", site.Code, err)
		}
	}
	return nil
}

func loadSiteZones(ctx context.Context, s mhttp.Services, d *demo.Data, code string, siteID int64, now time.Time, past func(bool)) error {
	zs := s.Zones
	create := func(z *medsec.Zone) error {
		z.SiteID = siteID
		if err := zs.CreateZone(ctx, z); err != nil {
			return fmt.Errorf("zone %s: %w", z.Name, err)
		}
		return nil
	}
	internet := &medsec.Zone{Name: "網際網路", Kind: medsec.ZoneInternet, Description: "院外：所有未列入院內區域之位址"}
	intranet := &medsec.Zone{Name: "院內系統網路", Kind: medsec.ZoneIntranet, SL: intPtr(3), Description: "資訊室管理之伺服器、工作站與網管網段"}
	ot := &medsec.Zone{Name: "工控區", Kind: medsec.ZoneOT, SL: intPtr(3), Description: "OT 防火牆後之醫療儀器網段"}
	for _, z := range []*medsec.Zone{internet, intranet, ot} {
		if err := create(z); err != nil {
			return err
		}
	}
	byVLAN := map[int]*medsec.Zone{}
	var lans []*medsec.Zone
	rows := slices.DeleteFunc(slices.Clone(d.Networks), func(n demo.NetworkRow) bool { return n.Site != code })
	// Local LANs nest in the device control zone, so that zone goes first.
	slices.SortStableFunc(rows, func(a, b demo.NetworkRow) int { return zoneOrder(a.Zone) - zoneOrder(b.Zone) })
	for _, n := range rows {
		z := &medsec.Zone{Name: n.Name, Ranges: []string{n.Prefix.String()}, VLANs: []int{n.VLAN}}
		if n.SSID != "" {
			z.SSIDs = []string{n.SSID}
		}
		if r, ok := demoRatings[n.VLAN]; ok {
			z.Ratings = &r
		}
		switch n.Zone {
		case demo.ZoneIntranet:
			z.Kind, z.ParentID = medsec.ZoneIntranet, intranet.ID
		case demo.ZoneOT:
			z.Kind, z.ParentID = medsec.ZoneOT, ot.ID
		case demo.ZoneLocalLAN:
			z.Kind, z.Ratings = medsec.ZoneTrustedLocalLAN, nil
			if dev := byVLAN[demoVLANDevices]; dev != nil {
				z.ParentID = dev.ID
			}
		case demo.ZoneDMZ:
			z.Kind = medsec.ZoneIntranet
		default:
			return fmt.Errorf("network %s: unknown zone class %q", n.Name, n.Zone)
		}
		if err := create(z); err != nil {
			return err
		}
		byVLAN[n.VLAN] = z
		if z.Kind == medsec.ZoneTrustedLocalLAN {
			lans = append(lans, z)
		}
	}

	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: siteID, Limit: 100000})
	if err != nil {
		return err
	}
	// Addresses of the site's assets, by what they are and where they sit.
	addrs := func(keep func(a *medsec.Asset) bool, vlan int) []string {
		var out []string
		for _, a := range assets {
			if !keep(a) {
				continue
			}
			for _, ip := range a.IPs {
				if vlan == 0 || strings.HasSuffix(prefixOf(ip), fmt.Sprintf(".%d.0/24", vlan)) {
					out = append(out, ip)
				}
			}
		}
		return out
	}
	kind := func(ks ...medsec.AssetKind) func(a *medsec.Asset) bool {
		return func(a *medsec.Asset) bool { return slices.Contains(ks, a.Kind) }
	}
	modalities := addrs(kind(medsec.KindModality, medsec.KindUltrasound), demoVLANImaging)
	pacs := addrs(kind(medsec.KindPACS), demoVLANServers)
	his := addrs(kind(medsec.KindHIS, medsec.KindLIS, medsec.KindEMR), demoVLANServers)
	appServers := addrs(kind(medsec.KindApplicationServer, medsec.KindDeviceServer), demoVLANDevices)
	boundary := addrs(kind(medsec.KindCentralStation, medsec.KindEdgeGateway, medsec.KindDeviceServer), demoVLANDevices)
	workstations := addrs(kind(medsec.KindWorkstation), demoVLANWorkstations)
	jump := addrs(func(a *medsec.Asset) bool { return a.Kind == medsec.KindOther }, demoVLANDMZ)

	// Devices on an RS-232 link to a serial device server have no address: they sit in a
	// trusted RS-232 zone behind the device control zone, placed by hand.
	var serial []*medsec.Asset
	for _, a := range assets {
		if len(a.IPs) == 0 && slices.Contains(a.Connectivity, medsec.ConnRS232) {
			serial = append(serial, a)
		}
	}
	if len(serial) > 0 {
		rs232 := &medsec.Zone{Name: "RS-232 串列連線", Kind: medsec.ZoneTrustedRS232, ParentID: id0(byVLAN[demoVLANDevices]),
			Description: "經串列設備伺服器連線之儀器（無 IP 位址）"}
		if err := create(rs232); err != nil {
			return err
		}
		for _, a := range serial {
			if err := zs.PlaceAsset(ctx, a.ID, rs232.ID); err != nil {
				return fmt.Errorf("place %s: %w", a.Name, err)
			}
		}
	}

	conduit := func(c *medsec.Conduit) error {
		if c.FromZoneID == 0 || c.ToZoneID == 0 {
			return nil // the site lacks one of the zones
		}
		c.SiteID = siteID
		if err := zs.CreateConduit(ctx, c); err != nil {
			return fmt.Errorf("conduit %s: %w", c.Name, err)
		}
		return nil
	}
	id := id0
	conduits := []*medsec.Conduit{
		{Name: "DICOM：影像儀器 → PACS", FromZoneID: id(byVLAN[demoVLANImaging]), ToZoneID: id(byVLAN[demoVLANServers]), Protocol: "tcp", Ports: "104, 11112", App: "dicom",
			Sources: modalities, Destinations: pacs, Controls: []medsec.ConduitControl{medsec.ControlFiltering}},
		{Name: "HL7：醫儀應用系統 → HIS／LIS", FromZoneID: id(byVLAN[demoVLANDevices]), ToZoneID: id(byVLAN[demoVLANServers]), Protocol: "tcp", Ports: "2575", App: "hl7",
			Sources: appServers, Destinations: his, Controls: []medsec.ConduitControl{medsec.ControlFiltering}},
		{Name: "臨床工作站 → PACS 影像調閱", FromZoneID: id(byVLAN[demoVLANWorkstations]), ToZoneID: id(byVLAN[demoVLANServers]), Protocol: "tcp", Ports: "443",
			Sources: []string{prefixOf(firstOr(workstations, ""))}, Destinations: pacs, Controls: []medsec.ConduitControl{medsec.ControlFiltering}},
		{Name: "原廠遠端維護：網際網路 → DMZ 跳板機", FromZoneID: internet.ID, ToZoneID: id(byVLAN[demoVLANDMZ]), Protocol: "tcp", Ports: "443",
			Destinations: jump, Controls: []medsec.ConduitControl{medsec.ControlFiltering, medsec.ControlBlocking}},
		{Name: "原廠遠端維護：跳板機 → 醫療儀器控制區", FromZoneID: id(byVLAN[demoVLANDMZ]), ToZoneID: id(byVLAN[demoVLANDevices]), Protocol: "tcp", Ports: "22, 3389",
			Sources: jump, Destinations: boundary, Controls: []medsec.ConduitControl{medsec.ControlIsolation}},
	}
	for _, lan := range lans {
		// The monitor (or dialysis, lab) LAN reaches its boundary host's intranet side.
		var dst []string
		for _, a := range assets {
			if slices.ContainsFunc(a.IPs, func(ip string) bool { return prefixOf(ip) == lan.Ranges[0] }) && len(a.IPs) > 1 {
				dst = append(dst, addrs(func(x *medsec.Asset) bool { return x.ID == a.ID }, demoVLANDevices)...)
			}
		}
		conduits = append(conduits, &medsec.Conduit{Name: lan.Name + " → 邊界主機", FromZoneID: lan.ID, ToZoneID: id(byVLAN[demoVLANDevices]),
			Protocol: "tcp", Ports: "24105", Sources: lan.Ranges, Destinations: dst, Controls: []medsec.ConduitControl{medsec.ControlIsolation}})
	}
	for _, c := range conduits {
		if len(c.Sources) == 1 && c.Sources[0] == "" {
			c.Sources = nil
		}
		if err := conduit(c); err != nil {
			return err
		}
	}

	// A day of flows: traffic along the conduits, and four flows no conduit allows.
	var csv strings.Builder
	csv.WriteString("src,dst,proto,port,app,first_seen,last_seen,packets,bytes\n")
	day := now.UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	flow := func(src, dst, proto string, port int, app string, n int) {
		if src == "" || dst == "" {
			return
		}
		first, last := day.Add(time.Duration(n%7+1)*time.Hour), day.Add(time.Duration(n%7+9)*time.Hour)
		fmt.Fprintf(&csv, "%s,%s,%s,%d,%s,%s,%s,%d,%d\n", src, dst, proto, port, app, first.Format(time.RFC3339), last.Format(time.RFC3339), 40+n*13, 52000+n*7919)
	}
	for i, m := range modalities {
		if len(pacs) > 0 {
			flow(m, pacs[i%len(pacs)], "tcp", 104, "dicom", i)
		}
	}
	for i, a := range appServers {
		if len(his) > 0 {
			flow(a, his[i%len(his)], "tcp", 2575, "hl7", i)
		}
	}
	for i, w := range workstations {
		if len(pacs) > 0 {
			flow(w, pacs[0], "tcp", 443, "https", i)
		}
	}
	for i, j := range jump {
		flow("198.51.100.23", j, "tcp", 443, "tls", i)
		for k, b := range boundary {
			if k < 2 {
				flow(j, b, "tcp", 3389, "", k)
			}
		}
	}
	// Violations: a central station reaching a remote-desktop service on the Internet, a
	// workstation opening RDP on a device server, a dialysis gateway sending HL7 straight to
	// HIS, a modality using file sharing on a server.
	flow(firstOr(addrs(kind(medsec.KindCentralStation), demoVLANDevices), ""), "203.0.113.50", "tcp", 5938, "", 1)
	flow(firstOr(workstations, ""), firstOr(addrs(kind(medsec.KindDeviceServer), demoVLANDevices), ""), "tcp", 3389, "", 2)
	if len(his) > 0 {
		flow(firstOr(addrs(kind(medsec.KindEdgeGateway), demoVLANDevices), ""), his[0], "tcp", 2575, "hl7", 3)
	}
	flow(firstOr(modalities, ""), firstOr(his, firstOr(pacs, "")), "tcp", 445, "", 4)
	if _, err := zs.ImportFlowsCSV(ctx, siteID, strings.NewReader(csv.String()), "demo-flows-"+strings.ToLower(code)+".csv"); err != nil {
		return fmt.Errorf("flows: %w", err)
	}

	// Classes: medsec proposes, the clinical engineers' class list confirms or overrides.
	var classified []*medsec.Asset
	for _, a := range assets {
		want := medsec.ClassNone
		for _, c := range demoClasses {
			if strings.HasPrefix(a.Notes, c.note) {
				want = c.class
				break
			}
		}
		if want == medsec.ClassNone {
			continue
		}
		dec, err := zs.ProposeClass(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("propose class of %s: %w", a.Name, err)
		}
		why := ""
		if dec.Proposed != want {
			why = "依醫學工程室醫療儀器分群清冊（" + strings.SplitN(a.Notes, "；", 2)[0] + "）"
		}
		if _, err := zs.DecideClass(ctx, a.ID, want, why); err != nil {
			return fmt.Errorf("class of %s: %w", a.Name, err)
		}
		classified = append(classified, a)
	}

	// Yearly CRL reviews for most classified devices; every sixth is still missing.
	past(false)
	year := now.Year()
	for i, a := range classified {
		if i%6 == 5 {
			continue
		}
		level, reasons, actions := crlFor(a, now)
		date := now.AddDate(0, 0, -(i%40 + 1))
		if date.Year() != year {
			date = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		r := &medsec.CRLReview{AssetID: a.ID, Year: year, Level: level, Method: "ISO 14971 + IEC 80001-1（院內資安風險評估表）",
			Reasons: reasons, Actions: actions, Assessor: "林醫工", Date: medsec.DateOf(date)}
		if err := zs.CreateCRLReview(ctx, r); err != nil {
			return fmt.Errorf("CRL of %s: %w", a.Name, err)
		}
		if i%3 == 0 {
			prev := &medsec.CRLReview{AssetID: a.ID, Year: year - 1, Level: medsec.CRLMedium, Method: r.Method,
				Reasons: []string{"前一年度評估"}, Assessor: "林醫工", Date: medsec.DateOf(time.Date(year-1, 11, 15, 0, 0, 0, 0, time.UTC))}
			if err := zs.CreateCRLReview(ctx, prev); err != nil {
				return fmt.Errorf("CRL of %s: %w", a.Name, err)
			}
		}
	}
	return nil
}

// crlFor rates a demo device's risk from what the inventory says of it.
func crlFor(a *medsec.Asset, now time.Time) (level string, reasons, actions []string) {
	switch {
	case a.DefaultCreds == medsec.CredUnchanged || a.EndOfSupport.Before(now):
		if a.DefaultCreds == medsec.CredUnchanged {
			reasons = append(reasons, "原廠預設帳密未變更")
		}
		if a.EndOfSupport.Before(now) {
			reasons = append(reasons, "已逾原廠支援期限")
		}
		return medsec.CRLHigh, reasons, []string{"變更預設帳密或以 OT 防火牆白名單隔離", "編列汰換預算"}
	case a.PatchingPermitted != medsec.Yes:
		return medsec.CRLMedium, []string{"原廠未同意自行更新修補程式"}, []string{"每季向原廠索取修補評估"}
	}
	return medsec.CRLLow, []string{"控制措施到位"}, nil
}

// zoneOrder puts the demo's device control zone first, then the other segments, then the
// local LANs that nest in it.
func zoneOrder(class string) int {
	switch class {
	case demo.ZoneOT:
		return 0
	case demo.ZoneLocalLAN:
		return 2
	}
	return 1
}

// prefixOf returns the /24 holding an IPv4 address, "" for anything else.
func prefixOf(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is4() {
		return ""
	}
	p, _ := a.Prefix(24)
	return p.String()
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func intPtr(v int) *int { return &v }

// id0 returns a zone's ID, 0 for none.
func id0(z *medsec.Zone) int64 {
	if z == nil {
		return 0
	}
	return z.ID
}
