// Package demo holds the demo hospital that `medsec serve --demo` loads into an empty
// data directory, so that a new user sees a working system at once: a fictional hospital
// group in Taiwan with a medical centre and a branch hospital, their departments, staff,
// device vendors, network segments, about two hundred networked medical devices and
// medical information systems, and one demo user per role.
//
// Every name, serial number, address and telephone number is invented. Vendors are
// fictional companies; devices of fictional vendors carry locally administered MAC
// addresses, while commodity hardware (servers, virtual machines, switches, firewalls,
// device servers, industrial PCs) carries its real manufacturer's OUI, as it would on a
// hospital network. Telephone numbers use the unassigned 0000 exchange and e-mail
// addresses the reserved .example domain.
//
// Records refer to each other by name or code, as the spreadsheets hospitals keep do, so
// that the store resolves them the same way it resolves an import.
package demo

import (
	"net/netip"

	"medsec"
)

// Data is the demo hospital, in the order a loader stores it: sites, departments, people,
// vendors, networks, assets, users.
type Data struct {
	// Sites have Code and Name set and ID zero.
	Sites       []medsec.Site
	Departments []DepartmentRow
	People      []PersonRow
	Vendors     []medsec.Vendor
	// Networks are the address plan of each site: one row per VLAN or SSID segment.
	Networks []NetworkRow
	// Assets name their site by Site.Name, and their department, vendor and responsible
	// person by name; Line is the row's position, counted from 1.
	Assets []medsec.AssetRow
	Users  []UserRow
	// SBOMs, MDS2 forms and scanner reports are real documents (and one demo MDS2 form)
	// on device models and assets, loaded through the same readers as an upload.
	SBOMs []SBOMRow
	MDS2  []MDS2Row
	Scans []ScanRow
}

// DepartmentRow is a department with its site named by code.
type DepartmentRow struct {
	Site       string // Site.Code
	Department medsec.Department
}

// PersonRow is a person with their department named by site code and department name.
type PersonRow struct {
	Site       string // Site.Code
	Department string // Department.Name at that site
	Person     medsec.Person
}

// UserRow is a demo login with its site limits and company named by code and name.
// It carries no password: the loader decides how demo users log in.
type UserRow struct {
	// Sites limits the user to these sites (Site.Code); empty means every site.
	Sites []string
	// Vendor is the Vendor.Name a vendor-maintenance user works for.
	Vendor string
	User   medsec.User
}

// Zone classes of a network segment, after the network template of [000 附圖二].
const (
	ZoneDMZ      = "dmz"       // remote-maintenance jump hosts, reachable from the Internet through the perimeter firewall
	ZoneIntranet = "intranet"  // 院內系統網路: servers, workstations, network management
	ZoneOT       = "ot"        // 工控區 behind the OT firewall: boundary hosts, device control and application systems, modalities, device Wi-Fi
	ZoneLocalLAN = "local-lan" // 儀器獨立網域內網 behind a boundary host (a trusted connection)
)

// NetworkRow is one network segment of a site: a VLAN with its IPv4 prefix, and the
// SSID when the segment is a wireless one.
type NetworkRow struct {
	Site   string // Site.Code
	Name   string
	Zone   string // one of the Zone constants
	Prefix netip.Prefix
	VLAN   int
	SSID   string
}

// Hospital returns the demo hospital. Every call builds a fresh, identical copy: the data
// depends on nothing but this package's code, and callers may modify what they get.
func Hospital() *Data {
	d := &Data{
		Sites:       sites(),
		Departments: departments(),
		People:      people(),
		Vendors:     vendors(),
		Networks:    networks(),
		Users:       users(),
		SBOMs:       sboms(),
		MDS2:        mds2Forms(),
		Scans:       scans(),
	}
	d.Assets = assetRows(d.Sites, d.Vendors, devices())
	return d
}
