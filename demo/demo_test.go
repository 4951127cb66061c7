package demo

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestAssetsValidate checks that every asset passes the domain's own validation once the
// store has resolved its site, and that the data is already in canonical form, so that
// Normalize changes nothing.
func TestAssetsValidate(t *testing.T) {
	d := Hospital()
	for _, row := range d.Assets {
		got := row.Asset
		got.IPs, got.MACs = slices.Clone(got.IPs), slices.Clone(got.MACs)
		got.Connectivity = slices.Clone(got.Connectivity)
		got.SiteID = 1 // the store resolves row.Site
		got.Normalize()
		if err := got.Validate(); err != nil {
			t.Errorf("asset %q (line %d): %v", row.Asset.Name, row.Line, err)
		}
		want := row.Asset
		want.SiteID = 1
		if !reflect.DeepEqual(got, want) {
			t.Errorf("asset %q: Normalize changed it:\n got %+v\nwant %+v", row.Asset.Name, got, want)
		}
	}
}

// TestAssetValidationCatchesBadRow makes sure the validation test above can fail.
func TestAssetValidationCatchesBadRow(t *testing.T) {
	a := Hospital().Assets[0].Asset
	a.SiteID = 1
	a.IPs = []string{"10.10.300.1"}
	a.Normalize()
	var ve *medsec.ValidationError
	if err := a.Validate(); !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v, want a *ValidationError", err)
	}
}

func TestLines(t *testing.T) {
	for i, row := range Hospital().Assets {
		if got, want := row.Line, i+1; got != want {
			t.Errorf("asset %q: Line = %d, want %d", row.Asset.Name, got, want)
		}
	}
}

func TestKindCounts(t *testing.T) {
	d := Hospital()
	if got := len(d.Assets); got < 150 {
		t.Errorf("len(Assets) = %d, want at least 150", got)
	}
	count := map[medsec.AssetKind]int{}
	for _, row := range d.Assets {
		count[row.Asset.Kind]++
	}
	min := map[medsec.AssetKind]int{
		medsec.KindModality: 10, medsec.KindUltrasound: 4,
		medsec.KindPACS: 1, medsec.KindRIS: 1, medsec.KindHIS: 1, medsec.KindLIS: 1, medsec.KindEMR: 1,
		medsec.KindPatientMonitor: 24, medsec.KindCentralStation: 3,
		medsec.KindDialysis: 20, medsec.KindEdgeGateway: 1,
		medsec.KindInfusionPump: 20, medsec.KindLabAnalyzer: 5,
		medsec.KindDeviceServer: 2, medsec.KindApplicationServer: 4,
		medsec.KindWorkstation: 5, medsec.KindNetwork: 3,
	}
	for kind, want := range min {
		if got := count[kind]; got < want {
			t.Errorf("%s: %d assets, want at least %d", kind, got, want)
		}
	}
	t.Logf("%d assets: %v", len(d.Assets), count)
}

// TestImagingModalities checks that every kind of modality the issue names is present,
// recognised by the words a radiographer would look for in the name or model.
func TestImagingModalities(t *testing.T) {
	d := Hospital()
	for _, word := range []string{"CT", "MRI", "DR", "CR", "血管攝影", "PET-CT", "乳房攝影", "超音波", "DICOM 影像", "工作清單"} {
		found := false
		for _, row := range d.Assets {
			if strings.Contains(row.Asset.Name, word) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no asset named with %q", word)
		}
	}
}

// TestClinicalSystemsHoldPatientData checks that the clinical information systems are
// sensitive with large patient-record counts, as the reports and risk ratings expect.
func TestClinicalSystemsHoldPatientData(t *testing.T) {
	for _, row := range Hospital().Assets {
		a := row.Asset
		switch a.Kind {
		case medsec.KindHIS, medsec.KindEMR, medsec.KindPACS, medsec.KindRIS, medsec.KindLIS:
			if a.DataClass != medsec.DataSensitivePersonal || a.PatientRecords < 50000 {
				t.Errorf("%s %q: data %s with %d records, want sensitive-personal with at least 50000", a.Kind, a.Name, a.DataClass, a.PatientRecords)
			}
		}
		if a.DataClass != medsec.DataSensitivePersonal && a.PatientRecords != 0 {
			t.Errorf("%q: %d patient records but data class %s", a.Name, a.PatientRecords, a.DataClass)
		}
	}
}

// TestDeviceGroups checks the grouping model: monitors in groups of 8–12 on a local LAN
// whose only other member on the intranet side is its central station; dialysis machines
// behind an edge gateway; pumps on the device SSID; analyzers behind a device server.
func TestDeviceGroups(t *testing.T) {
	d := Hospital()
	type lan struct {
		site   string
		prefix netip.Prefix
	}
	members := map[lan]map[medsec.AssetKind]int{}
	for _, row := range d.Assets {
		for _, s := range row.Asset.IPs {
			p := netip.MustParsePrefix(s + "/24").Masked()
			l := lan{row.Site, p}
			if members[l] == nil {
				members[l] = map[medsec.AssetKind]int{}
			}
			members[l][row.Asset.Kind]++
		}
	}
	zone := map[lan]string{}
	siteName := map[string]string{}
	for _, s := range d.Sites {
		siteName[s.Code] = s.Name
	}
	for _, n := range d.Networks {
		zone[lan{siteName[n.Site], n.Prefix}] = n.Zone
	}
	var monitorGroups, dialysisGroups int
	for l, kinds := range members {
		if kinds[medsec.KindPatientMonitor] > 0 {
			monitorGroups++
			if n := kinds[medsec.KindPatientMonitor]; n < 8 || n > 12 {
				t.Errorf("%s %s: %d monitors, want 8–12", l.site, l.prefix, n)
			}
			if kinds[medsec.KindCentralStation] != 1 || zone[l] != ZoneLocalLAN {
				t.Errorf("%s %s: %d central stations in zone %q, want 1 in a local LAN", l.site, l.prefix, kinds[medsec.KindCentralStation], zone[l])
			}
		}
		if kinds[medsec.KindDialysis] > 0 {
			dialysisGroups++
			if kinds[medsec.KindEdgeGateway] != 1 || zone[l] != ZoneLocalLAN {
				t.Errorf("%s %s: dialysis machines with %d edge gateways in zone %q, want 1 in a local LAN", l.site, l.prefix, kinds[medsec.KindEdgeGateway], zone[l])
			}
		}
		if kinds[medsec.KindLabAnalyzer] > 0 && kinds[medsec.KindDeviceServer] == 0 {
			t.Errorf("%s %s: lab analyzers without a device server", l.site, l.prefix)
		}
	}
	if monitorGroups < 3 {
		t.Errorf("%d monitor groups, want at least 3", monitorGroups)
	}
	if dialysisGroups < 1 {
		t.Errorf("no dialysis group")
	}
	var mainDialysis int
	for _, row := range d.Assets {
		a := row.Asset
		if a.Kind == medsec.KindDialysis && row.Site == d.Sites[0].Name {
			mainDialysis++
		}
		if a.Kind == medsec.KindInfusionPump && (a.SSID == "" || !slices.Contains(a.Connectivity, medsec.ConnWiFi)) {
			t.Errorf("pump %q: SSID %q, connectivity %v, want Wi-Fi with an SSID", a.Name, a.SSID, a.Connectivity)
		}
		if a.Kind == medsec.KindCentralStation || a.Kind == medsec.KindEdgeGateway {
			if len(a.IPs) != 2 {
				t.Errorf("boundary host %q: %d addresses, want 2 (intranet side and local LAN)", a.Name, len(a.IPs))
			}
		}
	}
	if mainDialysis < 20 {
		t.Errorf("medical centre has %d dialysis machines, want at least 20", mainDialysis)
	}
}

// TestFindingsPresent checks that the data shows the situations findings are made of:
// passed end-of-support dates, unchanged default credentials, patching not permitted, every
// data class, connectivity and remote-maintenance path.
func TestFindingsPresent(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var eosPassed, eosFuture, noEOS int
	creds := map[medsec.CredentialStatus]int{}
	patch := map[medsec.Tristate]int{}
	data := map[medsec.DataClass]int{}
	conn := map[medsec.Connectivity]int{}
	remote := map[string]int{}
	for _, row := range Hospital().Assets {
		a := row.Asset
		switch {
		case a.EndOfSupport.IsZero():
			noEOS++
		case a.EndOfSupport.Before(now):
			eosPassed++
		default:
			eosFuture++
		}
		creds[a.DefaultCreds]++
		patch[a.PatchingPermitted]++
		data[a.DataClass]++
		for _, c := range a.Connectivity {
			conn[c]++
		}
		remote[a.RemoteMaintenance]++
	}
	if eosPassed < 5 || eosFuture < 100 {
		t.Errorf("end of support: %d passed, %d future; want at least 5 and 100", eosPassed, eosFuture)
	}
	if creds[medsec.CredUnchanged] < 3 || creds[medsec.CredUnchanged] > 15 {
		t.Errorf("%d assets with unchanged default credentials, want a few (3–15)", creds[medsec.CredUnchanged])
	}
	for _, c := range medsec.CredentialStatuses {
		if creds[c] == 0 {
			t.Errorf("no asset with default credentials %q", c)
		}
	}
	for _, v := range medsec.Tristates {
		if patch[v] == 0 {
			t.Errorf("no asset with patching permitted %q", v)
		}
	}
	for _, c := range medsec.DataClasses {
		if data[c] == 0 {
			t.Errorf("no asset with data class %q", c)
		}
	}
	for _, c := range []medsec.Connectivity{medsec.ConnInternet, medsec.ConnIntranet, medsec.ConnLocalLAN, medsec.ConnWiFi, medsec.ConnRS232, medsec.ConnBluetooth} {
		if conn[c] == 0 {
			t.Errorf("no asset with connectivity %q", c)
		}
	}
	for _, r := range []string{remoteVPN, remoteDesktop, remoteCloud, remoteNone} {
		if remote[r] == 0 {
			t.Errorf("no asset with remote maintenance %q", r)
		}
	}
}

// TestReferences checks that every reference by name or code resolves within the data,
// and that the keys the store makes unique are unique.
func TestReferences(t *testing.T) {
	d := Hospital()
	siteByCode, siteByName := map[string]bool{}, map[string]string{}
	for _, s := range d.Sites {
		if err := s.Validate(); err != nil {
			t.Errorf("site %q: %v", s.Code, err)
		}
		if siteByCode[s.Code] || siteByName[s.Name] != "" {
			t.Errorf("site %q %q: duplicate", s.Code, s.Name)
		}
		siteByCode[s.Code], siteByName[s.Name] = true, s.Code
	}
	type deptKey struct{ site, name string }
	depts := map[deptKey]bool{}
	for _, r := range d.Departments {
		k := deptKey{r.Site, r.Department.Name}
		if !siteByCode[r.Site] {
			t.Errorf("department %q: unknown site %q", r.Department.Name, r.Site)
		}
		if depts[k] {
			t.Errorf("department %v: duplicate", k)
		}
		depts[k] = true
		r.Department.SiteID = 1
		if err := r.Department.Validate(); err != nil {
			t.Errorf("department %v: %v", k, err)
		}
	}
	people := map[string]bool{}
	for _, r := range d.People {
		if !depts[deptKey{r.Site, r.Department}] {
			t.Errorf("person %q: unknown department %q at %q", r.Person.Name, r.Department, r.Site)
		}
		if people[r.Person.Name] {
			t.Errorf("person %q: duplicate", r.Person.Name)
		}
		people[r.Person.Name] = true
		if err := r.Person.Validate(); err != nil {
			t.Errorf("person %q: %v", r.Person.Name, err)
		}
	}
	vendors := map[string]bool{}
	for _, v := range d.Vendors {
		if vendors[v.Name] {
			t.Errorf("vendor %q: duplicate", v.Name)
		}
		vendors[v.Name] = true
		if err := v.Validate(); err != nil {
			t.Errorf("vendor %q: %v", v.Name, err)
		}
	}
	usedVendors := map[string]bool{}
	assetNames := map[deptKey]bool{}
	for _, row := range d.Assets {
		code, ok := siteByName[row.Site]
		name := row.Asset.Name
		if !ok {
			t.Errorf("asset %q: unknown site %q", name, row.Site)
		}
		if !depts[deptKey{code, row.Department}] {
			t.Errorf("asset %q: unknown department %q at %q", name, row.Department, code)
		}
		if !vendors[row.Vendor] {
			t.Errorf("asset %q: unknown vendor %q", name, row.Vendor)
		}
		if !people[row.Responsible] {
			t.Errorf("asset %q: unknown responsible person %q", name, row.Responsible)
		}
		if assetNames[deptKey{code, name}] {
			t.Errorf("asset %q at %q: duplicate name", name, code)
		}
		assetNames[deptKey{code, name}] = true
		if row.Asset.VendorContact == "" {
			t.Errorf("asset %q: no vendor contact", name)
		}
		usedVendors[row.Vendor] = true
	}
	for v := range vendors {
		if !usedVendors[v] {
			t.Errorf("vendor %q: no asset", v)
		}
	}
	for _, n := range d.Networks {
		if !siteByCode[n.Site] {
			t.Errorf("network %q: unknown site %q", n.Name, n.Site)
		}
	}
	for _, u := range d.Users {
		for _, s := range u.Sites {
			if !siteByCode[s] {
				t.Errorf("user %q: unknown site %q", u.User.Username, s)
			}
		}
		if u.Vendor != "" && !vendors[u.Vendor] {
			t.Errorf("user %q: unknown vendor %q", u.User.Username, u.Vendor)
		}
	}
}

func TestUsers(t *testing.T) {
	d := Hospital()
	roles := map[medsec.Role]int{}
	usernames := map[string]bool{}
	var branchOnly bool
	for _, u := range d.Users {
		usr := u.User
		if u.Vendor != "" {
			usr.VendorID = 1 // the store resolves u.Vendor
		}
		if err := usr.Validate(); err != nil {
			t.Errorf("user %q: %v", usr.Username, err)
		}
		if usernames[usr.Username] {
			t.Errorf("user %q: duplicate", usr.Username)
		}
		usernames[usr.Username] = true
		roles[usr.Role]++
		if (usr.Role == medsec.RoleVendor) != (u.Vendor != "") {
			t.Errorf("user %q: role %s with vendor %q", usr.Username, usr.Role, u.Vendor)
		}
		if slices.Equal(u.Sites, []string{siteBranch}) {
			branchOnly = true
		}
	}
	for _, r := range medsec.Roles {
		got := roles[r]
		if r == medsec.RoleAdmin && got != 0 {
			t.Errorf("role %s: %d users, want none (the server creates the admin)", r, got)
		} else if r != medsec.RoleAdmin && got == 0 {
			t.Errorf("role %s: no user, want at least one", r)
		}
	}
	if !branchOnly {
		t.Errorf("no user limited to the branch site")
	}
}

// TestAddressing checks the address plan: unique IPs and MACs, every address inside a
// network of its asset's site, the asset's VLAN and SSID those of its first address's
// network, and networks that do not overlap.
func TestAddressing(t *testing.T) {
	d := Hospital()
	siteCode := map[string]string{}
	for _, s := range d.Sites {
		siteCode[s.Name] = s.Code
	}
	for i, a := range d.Networks {
		for _, b := range d.Networks[i+1:] {
			if a.Prefix.Overlaps(b.Prefix) {
				t.Errorf("networks %q and %q overlap: %s, %s", a.Name, b.Name, a.Prefix, b.Prefix)
			}
		}
		if a.Prefix.Bits() < 8 || a.VLAN < 1 || a.VLAN > 4094 {
			t.Errorf("network %q: prefix %s, VLAN %d", a.Name, a.Prefix, a.VLAN)
		}
	}
	network := func(site string, addr netip.Addr) *NetworkRow {
		for i, n := range d.Networks {
			if n.Site == site && n.Prefix.Contains(addr) {
				return &d.Networks[i]
			}
		}
		return nil
	}
	seenIP, seenMAC := map[string]string{}, map[string]string{}
	for _, row := range d.Assets {
		a := row.Asset
		if len(a.MACs) != len(a.IPs) {
			t.Errorf("%q: %d MACs for %d IPs", a.Name, len(a.MACs), len(a.IPs))
		}
		for _, m := range a.MACs {
			if other, dup := seenMAC[m]; dup {
				t.Errorf("MAC %s: %q and %q", m, other, a.Name)
			}
			seenMAC[m] = a.Name
		}
		for i, s := range a.IPs {
			if other, dup := seenIP[s]; dup {
				t.Errorf("IP %s: %q and %q", s, other, a.Name)
			}
			seenIP[s] = a.Name
			addr, err := netip.ParseAddr(s)
			if err != nil || !addr.IsPrivate() {
				t.Errorf("%q: %s is not a private address", a.Name, s)
				continue
			}
			n := network(siteCode[row.Site], addr)
			if n == nil {
				t.Errorf("%q: %s is in no network of %s", a.Name, s, row.Site)
				continue
			}
			if i == 0 && (n.VLAN != a.VLAN || n.SSID != a.SSID) {
				t.Errorf("%q: VLAN %d SSID %q, but %s is in %q (VLAN %d SSID %q)", a.Name, a.VLAN, a.SSID, s, n.Name, n.VLAN, n.SSID)
			}
			if n.SSID != "" && !slices.Contains(a.Connectivity, medsec.ConnWiFi) {
				t.Errorf("%q: on Wi-Fi network %q without Wi-Fi connectivity", a.Name, n.Name)
			}
			if n.Zone == ZoneLocalLAN && !slices.Contains(a.Connectivity, medsec.ConnLocalLAN) {
				t.Errorf("%q: on local LAN %q without local-LAN connectivity", a.Name, n.Name)
			}
		}
		if len(a.IPs) == 0 && !slices.Contains(a.Connectivity, medsec.ConnRS232) {
			t.Errorf("%q: no address and no serial connection", a.Name)
		}
	}
}

// TestMACPrefixes checks that devices of fictional vendors carry locally administered
// addresses and everything else a registered (universally administered) OUI.
func TestMACPrefixes(t *testing.T) {
	var local, universal int
	for _, row := range Hospital().Assets {
		for _, m := range row.Asset.MACs {
			v, err := strconv.ParseUint(m[:2], 16, 8)
			if err != nil {
				t.Fatalf("%q: MAC %s: %v", row.Asset.Name, m, err)
			}
			b := byte(v)
			if b&1 != 0 {
				t.Errorf("%q: MAC %s is a multicast address", row.Asset.Name, m)
			}
			if b&2 != 0 {
				local++
			} else {
				universal++
			}
		}
	}
	if local == 0 || universal == 0 {
		t.Errorf("%d locally administered and %d universal MACs, want both", local, universal)
	}
}

func TestSerialsUniquePerVendor(t *testing.T) {
	type key struct{ vendor, serial string }
	seen := map[key]string{}
	for _, row := range Hospital().Assets {
		a := row.Asset
		if a.Serial == "" {
			t.Errorf("%q: no serial", a.Name)
			continue
		}
		k := key{row.Vendor, a.Serial}
		if other, dup := seen[k]; dup {
			t.Errorf("vendor %q serial %q: %q and %q", row.Vendor, a.Serial, other, a.Name)
		}
		seen[k] = a.Name
	}
}

// TestDeterministic checks that every call returns the same data, and that a caller
// changing what it got does not change the next call's result.
func TestDeterministic(t *testing.T) {
	first, second := Hospital(), Hospital()
	if !reflect.DeepEqual(first, second) {
		t.Fatal("two calls of Hospital() differ")
	}
	first.Assets[0].Asset.IPs[0] = "192.0.2.1"
	first.Assets[0].Asset.Connectivity[0] = medsec.ConnIR
	first.Users[6].Sites[0] = "XX"
	first.Sites[0].Name = "changed"
	if third := Hospital(); !reflect.DeepEqual(second, third) {
		t.Fatal("changing one result changed the next")
	}
}
