package demo

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/xuri/excelize/v2"
)

// files are the real documents the demo hospital's device models and assets carry; each
// keeps its licence beside it in data/.
//
//go:embed data/*.json data/*.xml
var files embed.FS

// SBOMRow is a software bill of materials on a device model, named by vendor and model.
type SBOMRow struct {
	Vendor, Model string
	// Name is the file's name; Data its content.
	Name string
	Data []byte
}

// MDS2Row is a filled MDS2 form (XLSX) for a device model.
type MDS2Row struct {
	Vendor, Model string
	Name          string
	Data          []byte
}

// ScanRow is a scanner report attached to one asset, named by its name.
type ScanRow struct {
	Asset string
	Name  string
	Data  []byte
}

func mustFile(name string) []byte {
	b, err := files.ReadFile("data/" + name)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a build defect
	}
	return b
}

// sboms puts the two real SBOMs of an FDA-submitted medical device (Kostick, Rushanan and
// Jois, "Compliance v. Completeness", MIT licence: a Wi-Fi SoC, an NXP MCU SDK, wolfSSL,
// FatFS and a .NET companion application) on the two infusion pump models, whose firmware
// and management software they resemble, and CycloneDX's own example SBOM of a Laravel
// (PHP) application, in XML, on the PACS web viewer.
func sboms() []SBOMRow {
	return []SBOMRow{
		{Vendor: vDongsheng, Model: "InfuSmart LVP-7", Name: "extended.sbom.json", Data: mustFile("extended.sbom.json")},
		{Vendor: vDongsheng, Model: "InfuSmart LVP-5", Name: "narrow.sbom.json", Data: mustFile("narrow.sbom.json")},
		{Vendor: vLumen, Model: "LumenPACS WebView", Name: "laravel-7.12.0.cdx.xml", Data: mustFile("laravel-7.12.0.cdx.xml")},
	}
}

// scans attaches a real Greenbone (GVM 22.6) report of a Windows Server 2019 host missing
// the July 2025 cumulative update (DefectDojo's test report, BSD-3-Clause) to a HIS
// application server, which runs Windows Server 2019.
func scans() []ScanRow {
	return []ScanRow{{Asset: "HIS 應用伺服器 1", Name: "gvm-report-his-ap1.xml", Data: mustFile("defectdojo-openvas-report_detail_v2.xml")}}
}

// mds2Answers is the demo MDS2 form of the InfuSmart LVP-7, answered as a Wi-Fi infusion
// pump's manufacturer might: question IDs and texts from ANSI/NEMA HN 1-2019, answers
// invented. The pump authenticates clinicians with a PIN, logs events, sends data over
// TLS and gets firmware updates from its manufacturer, but its service password cannot be
// changed, it does not encrypt data at rest and it cannot run anti-malware.
var mds2Answers = [][4]string{
	{"DOC-1", "Manufacturer Name", vDongsheng, ""},
	{"DOC-2", "Device Description", "Large-volume infusion pump with Wi-Fi", ""},
	{"DOC-3", "Device Model", "InfuSmart LVP-7", ""},
	{"DOC-4", "Document ID", "DS-MDS2-LVP7-2024-02", ""},
	{"DOC-5", "Manufacturer Contact Information", "psirt@dongsheng-med.example", ""},
	{"DOC-6", "Intended use of device in network-connected environment:", "Receives the drug library and sends infusion events to the InfuLink server over the device Wi-Fi", ""},
	{"DOC-7", "Document Release Date", "2024-03-15", ""},
	{"DOC-8", "Coordinated Vulnerability Disclosure: Does the manufacturer have a vulnerability disclosure program for this device?", "Yes", ""},
	{"DOC-9", "ISAO: Is the manufacturer part of an Information Sharing and Analysis Organization?", "No", ""},
	{"MPII-1", "Can this device display, transmit, store, or modify personally identifiable information (e.g. electronic Protected Health Information (ePHI))?", "Yes", "See Note 1"},
	{"MPII-3.6", "Does the device transmit/receive personally identifiable information via a wireless network connection (e.g., WiFi, Bluetooth, NFC, infrared, cellular, etc.)?", "Yes", ""},
	{"ALOF-1", "Can the device be configured to force reauthorization of logged-in user(s) after a predetermined length of inactivity (e.g., auto-logoff, session lock, password protected screen saver)?", "Yes", ""},
	{"AUDT-1", "Can the medical device create additional audit logs or reports beyond standard operating system logs?", "Yes", ""},
	{"AUDT-2", "Are events recorded in an audit log? If yes, indicate which of the following events are recorded in the audit log:", "Yes", ""},
	{"AUTH-1", "Does the device prevent access to unauthorized users through user login requirements or other mechanism?", "Yes", "See Note 2"},
	{"AUTH-2", "Can users be assigned different privilege levels based on 'role' (e.g., user, administrator, and/or service, etc.)?", "Yes", ""},
	{"CSUP-1", "Does the device contain any software or firmware which may require security updates during its operational life, either from the device manufacturer or from a third-party manufacturer of the software/firmware?", "Yes", ""},
	{"CSUP-3", "Does the device contain Drivers and Firmware? If yes, complete 3.1-3.4.", "Yes", ""},
	{"CSUP-3.1", "Does the device documentation provide instructions for owner/operator installation of patches or software updates?", "No", ""},
	{"CSUP-3.2", "Does the device require vendor or vendor-authorized service to install patches or software updates?", "Yes", ""},
	{"CSUP-11", "Does the manufacturer have a process in place to assess device vulnerabilities and updates?", "Yes", ""},
	{"MLDP-1", "Is the device capable of hosting executable software?", "No", ""},
	{"MLDP-2", "Does the device support the use of anti-malware software (or other anti-malware mechanism)? Provide details or reference in notes.", "No", ""},
	{"MLDP-3", "If the answer to MLDP-2 is NO, and anti-malware cannot be installed on the device, are other compensating controls in place or available?", "Yes", "See Note 3"},
	{"NAUT-1", "Does the device provide/support any means of node authentication that assures both the sender and the recipient of data are known to each other and are authorized to receive transferred information (e.g. Web APIs, SMTP, SNMP)?", "Yes", ""},
	{"CONN-1.1.1", "Does the device support Wi-Fi?", "Yes", ""},
	{"CONN-7", "Does the device support Transport Layer Security (TLS)?", "Yes", ""},
	{"PAUT-1", "Does the device support and enforce unique IDs and passwords for all users and roles (including service accounts)?", "No", ""},
	{"PAUT-4", "Are all default accounts (e.g., technician service accounts, administrator accounts) listed in the documentation?", "Yes", ""},
	{"PAUT-5", "Can all passwords be changed?", "No", "See Note 4"},
	{"RMOT-1", "Does the device permit remote service connections for device analysis or repair?", "No", ""},
	{"SBOM-1", "Is the SBoM for this product available?", "Yes", ""},
	{"SAHD-3.2", "Does the device employ any mechanism (e.g., release-specific hash key, checksums, digital signature, etc.) to ensure the software updates are the manufacturer-authorized updates?", "Yes", ""},
	{"STCF-1", "Can the device encrypt data at rest?", "No", ""},
	{"TXCF-2", "Is personally identifiable information encrypted prior to transmission via a network or removable media?", "Yes", ""},
}

var mds2Notes = []string{
	"Patient ID and infusion history are kept until the next infusion program.",
	"Clinicians unlock programming with a 4-digit PIN shared by the ward.",
	"Firmware is signed; the pump accepts connections only from the configured InfuLink server.",
	"The service account's password is fixed in firmware.",
}

// mds2Form returns the demo MDS2 workbook as a vendor lays it out: a cover sheet first,
// then the form with the IDs in the second column and the answer in the fourth.
func mds2Form() []byte {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Cover")
	f.SetCellValue("Cover", "A1", "Manufacturer Disclosure Statement for Medical Device Security -- MDS2 (ANSI/NEMA HN 1-2019)")
	f.SetCellValue("Cover", "A3", vDongsheng+" InfuSmart LVP-7")
	f.NewSheet("MDS2")
	set := func(col, row int, v string) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		f.SetCellValue("MDS2", cell, v)
	}
	set(2, 1, "Question ID")
	set(3, 1, "Question")
	set(4, 1, "Yes, No, N/A, or See Note")
	set(5, 1, "Note #")
	for i, a := range mds2Answers {
		for c, v := range a {
			set(c+2, i+2, v)
		}
	}
	for i, n := range mds2Notes {
		set(2, len(mds2Answers)+3+i, fmt.Sprintf("Note %d", i+1))
		set(3, len(mds2Answers)+3+i, n)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		panic(err) // writing to memory does not fail
	}
	return buf.Bytes()
}

// mds2Forms is the demo's one MDS2 profile.
func mds2Forms() []MDS2Row {
	return []MDS2Row{{Vendor: vDongsheng, Model: "InfuSmart LVP-7", Name: "InfuSmart-LVP-7-MDS2.xlsx", Data: mds2Form()}}
}
