package demo

import (
	"fmt"
	"hash/fnv"
	"slices"

	"medsec"
)

// OUIs of commodity hardware, registered to their real manufacturers.
const (
	ouiVMware     = "00:50:56" // virtual machines
	ouiDell       = "00:14:22" // servers and PCs
	ouiSupermicro = "00:25:90"
	ouiCisco      = "00:00:0c"
	ouiFortinet   = "00:09:0f"
	ouiAruba      = "00:0b:86"
	ouiMoxa       = "00:90:e8"
	ouiLantronix  = "00:20:4a"
	ouiIntel      = "00:1b:21"
	ouiAdvantech  = "00:d0:c9" // industrial PCs used as central stations and edge gateways
)

// Locally administered prefixes (second bit of the first octet set) for the fictional
// device vendors, which have no IEEE registration.
const (
	laAurora     = "02:a1:0c"
	laKestrel    = "02:4b:49"
	laNovaTrace  = "02:4e:54"
	laKangheng   = "02:4b:48"
	laNephrolux  = "02:4e:58"
	laDongsheng  = "02:44:53"
	laHelixa     = "02:48:58"
	laCardiowave = "02:43:57"
	laOrison     = "02:4f:52"
)

// Remote-maintenance paths.
const (
	remoteVPN     = "原廠 VPN（IPsec，經 DMZ 跳板機，院方逐次開通）"
	remoteDesktop = "遠端桌面工具（TeamViewer 類，按需開啟）"
	remoteCloud   = "原廠雲端遠端服務（設備主動外連 HTTPS 443）"
	remoteNone    = "無（僅現場維護）"
)

// Grouping classes of [000 §4], recorded in notes until the zone model stores them.
const (
	classStandalone = "分群：終端單機"
	classGroup      = "分群：群組型儀器"
	classSystem     = "分群：系統型儀器（邊界主機為操作台 console）"
	classBoundary   = "分群：群組型儀器之邊界主機"
	classControl    = "分群：醫儀控制系統"
	classApp        = "分群：醫儀應用系統"
)

// device is one asset as the tables below write it: site by code, references by name, and
// the network cards' manufacturer prefix instead of MAC addresses.
type device struct {
	site, dept, vendor, resp string
	name                     string
	kind                     medsec.AssetKind
	model, serial            string
	sw, fw                   string
	ips                      []string
	nic                      string // OUI or local prefix of the network cards, one per IP
	vlan                     int
	ssid                     string
	loc                      string
	conn                     []medsec.Connectivity
	data                     medsec.DataClass
	records                  int64
	eos                      string // YYYY-MM-DD, "" when unknown
	remote                   string
	patch                    medsec.Tristate
	creds                    medsec.CredentialStatus
	notes                    string
	// fwCPE and hwCPE are the firmware and hardware CPE names, where the inventory has them.
	fwCPE, hwCPE string
}

// mac returns a MAC address under the prefix whose last three octets are a hash of the
// asset's identity, so that addresses look like a manufacturer's and never change.
func mac(prefix, key string, nic int) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s#%d", key, nic)
	s := h.Sum32()
	return fmt.Sprintf("%s:%02x:%02x:%02x", prefix, byte(s>>16), byte(s>>8), byte(s))
}

func on(cs ...medsec.Connectivity) []medsec.Connectivity { return cs }

func ips(addrs ...string) []string { return addrs }

// assetRows turns the device tables into import rows, resolving site codes to site names
// and filling each asset's vendor contact from its vendor.
func assetRows(sites []medsec.Site, vendors []medsec.Vendor, devs []device) []medsec.AssetRow {
	siteName := map[string]string{}
	for _, s := range sites {
		siteName[s.Code] = s.Name
	}
	contact := map[string]string{}
	for _, v := range vendors {
		contact[v.Name] = v.Contact + " " + v.Phone
	}
	rows := make([]medsec.AssetRow, 0, len(devs))
	for i, d := range devs {
		eos, err := medsec.ParseDate(d.eos)
		if err != nil {
			panic(fmt.Sprintf("demo asset %q: end of support: %v", d.name, err))
		}
		var macs []string
		if d.nic != "" {
			for n := range d.ips {
				macs = append(macs, mac(d.nic, d.vendor+"/"+d.serial, n))
			}
		}
		conn := slices.Clone(d.conn)
		slices.Sort(conn)
		rows = append(rows, medsec.AssetRow{
			Line:        i + 1,
			Site:        siteName[d.site],
			Department:  d.dept,
			Vendor:      d.vendor,
			Responsible: d.resp,
			Asset: medsec.Asset{
				Name: d.name, Kind: d.kind, Model: d.model, Serial: d.serial,
				Software: d.sw, Firmware: d.fw, FirmwareCPE: d.fwCPE, HardwareCPE: d.hwCPE,
				IPs: slices.Clone(d.ips), MACs: macs, VLAN: d.vlan, SSID: d.ssid,
				Location: d.loc, VendorContact: contact[d.vendor],
				Connectivity: conn, DataClass: d.data, PatientRecords: d.records,
				EndOfSupport: eos, RemoteMaintenance: d.remote,
				PatchingPermitted: d.patch, DefaultCreds: d.creds,
				Notes: d.notes, Status: medsec.StatusActive,
			},
		})
	}
	return rows
}

func devices() []device {
	var all []device
	for _, part := range [][]device{
		mainServers(), mainWorkstations(), mainImaging(), mainICU(), mainDialysis(),
		mainPumps(), mainLab(), mainOther(), mainNetwork(),
		branchDevices(), mainAdvisoryDevices(),
	} {
		all = append(all, part...)
	}
	return all
}

const (
	win7e      = "Windows Embedded Standard 7 SP1"
	winXPe     = "Windows XP Embedded SP3"
	win10      = "Windows 10 Enterprise 22H2"
	win10LTSC  = "Windows 10 IoT Enterprise LTSC 2019"
	win10LTSC2 = "Windows 10 IoT Enterprise LTSC 2021"
	win11      = "Windows 11 Enterprise 23H2"
	ws2012     = "Windows Server 2012 R2"
	ws2016     = "Windows Server 2016"
	ws2019     = "Windows Server 2019"
	ws2022     = "Windows Server 2022"
	rhel8      = "Red Hat Enterprise Linux 8.8"
	rhel9      = "Red Hat Enterprise Linux 9.2"
)

// mainServers are the clinical information systems in the medical centre's data centre.
func mainServers() []device {
	srv := func(host int) []string { return ips(ip(siteMain, vlanServers, host)) }
	const loc = "B1 資訊機房 機櫃"
	return []device{
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "HIS 應用伺服器 1", kind: medsec.KindHIS,
			model: "TaiHIS Enterprise", serial: "RC-HIS-AP-2019-001", sw: "TaiHIS 8.4.2 / " + ws2019, ips: srv(11), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 2134567,
			eos: "2029-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "門診、住院、醫令主系統"},
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "HIS 應用伺服器 2", kind: medsec.KindHIS,
			model: "TaiHIS Enterprise", serial: "RC-HIS-AP-2019-002", sw: "TaiHIS 8.4.2 / " + ws2019, ips: srv(12), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 2134567,
			eos: "2029-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "HIS 資料庫伺服器", kind: medsec.KindHIS,
			model: "TaiHIS DB Cluster", serial: "RC-HIS-DB-2019-001", sw: "PostgreSQL 14.9 / " + rhel8, ips: srv(13), nic: ouiDell, vlan: vlanServers,
			loc: loc + " A04", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 2134567,
			eos: "2029-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "HL7 介接引擎", kind: medsec.KindHIS,
			model: "TaiHIS HL7 Broker", serial: "RC-HL7-2020-007", sw: "HL7 Broker 3.1.5 / " + ws2016, ips: srv(14), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 480000,
			eos: "2027-01-12", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "ADT、醫令、報告 HL7 v2.5 訊息交換"},
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "EMR 電子病歷應用伺服器", kind: medsec.KindEMR,
			model: "eChart EMR", serial: "RC-EMR-AP-2021-001", sw: "eChart 6.2.0 / " + ws2022, ips: srv(21), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 1620480,
			eos: "2031-10-14", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptIT, vendor: vRuichen, resp: pSysAdmin, name: "EMR 資料庫伺服器", kind: medsec.KindEMR,
			model: "eChart DB", serial: "RC-EMR-DB-2021-001", sw: "PostgreSQL 15.4 / " + rhel9, ips: srv(22), nic: ouiDell, vlan: vlanServers,
			loc: loc + " A04", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 1620480,
			eos: "2031-10-14", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "PACS 影像主伺服器", kind: medsec.KindPACS,
			model: "LumenPACS Enterprise", serial: "LV-PACS-2018-0112", sw: "LumenPACS 7.3.1 / " + ws2016, ips: srv(31), nic: ouiDell, vlan: vlanServers,
			loc: loc + " B01", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 986300,
			eos: "2027-06-30", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "儲存容量 480 TB，線上保存 7 年"},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "PACS Web 影像調閱伺服器", kind: medsec.KindPACS,
			model: "LumenPACS WebView", serial: "LV-WEB-2018-0113", sw: "WebView 7.3.1 / " + ws2016, ips: srv(32), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 986300,
			eos: "2027-06-30", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "VNA 長期影像歸檔", kind: medsec.KindPACS,
			model: "LumenVNA", serial: "LV-VNA-2022-0031", sw: "LumenVNA 2.1.4 / " + rhel9, ips: srv(33), nic: ouiSupermicro, vlan: vlanServers,
			loc: loc + " B02", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 1310000,
			eos: "2032-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "DICOM 影像 Gateway", kind: medsec.KindApplicationServer,
			model: "LumenGate DICOM Router", serial: "LV-GW-2020-0204", sw: "LumenGate 4.0.3 / " + ws2019, ips: srv(34), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 25000,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "終端單機影像傳送 PACS 之中繼 Gateway（DICOM C-STORE 104）"},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "DICOM 工作清單 Gateway", kind: medsec.KindApplicationServer,
			model: "LumenGate Worklist Broker", serial: "LV-GW-2020-0205", sw: "LumenGate MWL 4.0.3 / " + ws2019, ips: srv(35), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 46200,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "Modality Worklist（C-FIND）與 MPPS"},
		{site: siteMain, dept: deptRadiology, vendor: vLumen, resp: pSysAdmin, name: "RIS 放射資訊系統", kind: medsec.KindRIS,
			model: "LumenRIS", serial: "LV-RIS-2018-0098", sw: "LumenRIS 5.6.2 / " + ws2016, ips: srv(36), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 642870,
			eos: "2027-06-30", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: siteMain, dept: deptLab, vendor: vRuichen, resp: pSysAdmin, name: "LIS 檢驗資訊系統", kind: medsec.KindLIS,
			model: "LabCore LIS", serial: "RC-LIS-2017-0021", sw: "LabCore 4.8.1 / " + ws2012, ips: srv(41), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 1204315,
			eos: "2025-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "作業系統已停止支援，升級專案排定 2026 Q3"},
		{site: siteMain, dept: deptCardiology, vendor: vCardiowave, resp: pSysAdmin, name: "心電圖管理系統", kind: medsec.KindApplicationServer,
			model: "CardioVault", serial: "CW-CV-2019-0456", sw: "CardioVault 3.2.7 / " + ws2019, ips: srv(51), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 318954,
			eos: "2028-12-31", remote: remoteDesktop, patch: medsec.Yes, creds: medsec.CredChanged, notes: classApp},
		{site: siteMain, dept: deptOR, vendor: vRuichen, resp: pSysAdmin, name: "麻醉資訊系統", kind: medsec.KindApplicationServer,
			model: "AnesView", serial: "RC-AIMS-2022-0003", sw: "AnesView 2.5.0 / " + ws2022, ips: srv(52), nic: ouiVMware, vlan: vlanServers,
			loc: loc + " A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 98412,
			eos: "2031-10-14", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: classApp},
	}
}

// mainWorkstations are the medical centre's clinical and technical workstations.
func mainWorkstations() []device {
	type ws struct {
		name, dept, loc, model, sw, eos string
		host                            int
		vendor                          string
		data                            medsec.DataClass
	}
	list := []ws{
		{"放射科判讀工作站 1", deptRadiology, "2F 放射科 判讀室 1", "JH-W586 繪圖工作站", "LumenView Diagnostic 7.3.1 / " + win10, "2025-10-14", 11, vLumen, medsec.DataSensitivePersonal},
		{"放射科判讀工作站 2", deptRadiology, "2F 放射科 判讀室 1", "JH-W586 繪圖工作站", "LumenView Diagnostic 7.3.1 / " + win10, "2025-10-14", 12, vLumen, medsec.DataSensitivePersonal},
		{"放射科判讀工作站 3", deptRadiology, "2F 放射科 判讀室 2", "JH-W792 繪圖工作站", "LumenView Diagnostic 7.3.1 / " + win11, "2026-11-10", 13, vLumen, medsec.DataSensitivePersonal},
		{"放射科判讀工作站 4", deptRadiology, "2F 放射科 判讀室 2", "JH-W792 繪圖工作站", "LumenView Diagnostic 7.3.1 / " + win11, "2026-11-10", 14, vLumen, medsec.DataSensitivePersonal},
		{"3D 影像後處理工作站", deptRadiology, "2F 放射科 3D 室", "AuroraVision 3D", "AuroraVision 2.8.0 / " + win10LTSC, "2029-01-09", 15, vAurora, medsec.DataSensitivePersonal},
		{"MICU 護理站工作站", deptICU, "3F 加護病房 MICU 護理站", "JH-D710 桌上型電腦", "TaiHIS Client 8.4 / " + win11, "2026-11-10", 21, vJiahe, medsec.DataSensitivePersonal},
		{"SICU 護理站工作站", deptICU, "3F 加護病房 SICU 護理站", "JH-D710 桌上型電腦", "TaiHIS Client 8.4 / " + win11, "2026-11-10", 22, vJiahe, medsec.DataSensitivePersonal},
		{"檢驗科報告工作站 1", deptLab, "1F 檢驗科 生化組", "JH-D710 桌上型電腦", "LabCore Client 4.8 / " + win10, "2025-10-14", 31, vJiahe, medsec.DataSensitivePersonal},
		{"檢驗科報告工作站 2", deptLab, "1F 檢驗科 血液組", "JH-D710 桌上型電腦", "LabCore Client 4.8 / " + win10, "2025-10-14", 32, vJiahe, medsec.DataSensitivePersonal},
		{"急診檢傷工作站", deptER, "1F 急診 檢傷區", "JH-D710 桌上型電腦", "TaiHIS Client 8.4 / " + win11, "2026-11-10", 41, vJiahe, medsec.DataSensitivePersonal},
		{"急診醫師工作站", deptER, "1F 急診 診間 3", "JH-D710 桌上型電腦", "TaiHIS Client 8.4 / " + win11, "2026-11-10", 42, vJiahe, medsec.DataSensitivePersonal},
		{"醫工室設備管理工作站", deptCE, "B1 醫工室", "JH-D710 桌上型電腦", "原廠維護工具組 / " + win10, "2025-10-14", 51, vJiahe, medsec.DataDeviceOnly},
		{"資訊室系統管理工作站", deptIT, "B1 資訊室", "JH-D710 桌上型電腦", "管理工具 / " + win11, "2026-11-10", 61, vJiahe, medsec.DataNonSensitive},
		{"心臟超音波判讀工作站", deptCardiology, "4F 心臟內科 超音波室", "JH-W586 繪圖工作站", "CardioVault Viewer 3.2 / " + win11, "2026-11-10", 71, vCardiowave, medsec.DataSensitivePersonal},
	}
	out := make([]device, 0, len(list))
	for i, w := range list {
		resp := pSysAdmin
		if w.dept == deptCE {
			resp = pCE
		}
		out = append(out, device{site: siteMain, dept: w.dept, vendor: w.vendor, resp: resp, name: w.name, kind: medsec.KindWorkstation,
			model: w.model, serial: fmt.Sprintf("WS-MC-%04d", 2301+i), sw: w.sw, ips: ips(ip(siteMain, vlanWorkstations, w.host)), nic: ouiIntel, vlan: vlanWorkstations,
			loc: w.loc, conn: on(medsec.ConnIntranet), data: w.data, eos: w.eos, remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged})
	}
	return out
}

// mainImaging are the medical centre's imaging modalities and ultrasound systems.
func mainImaging() []device {
	mod := func(host int) []string { return ips(ip(siteMain, vlanImaging, host)) }
	return []device{
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "CT-1 電腦斷層掃描儀", kind: medsec.KindModality,
			model: "Aurora CT 64 Evolve", serial: "AMS-CT64-180427", sw: "ACT Console 5.2.1 / " + win10LTSC, fw: "Gantry 3.7", ips: mod(11), nic: laAurora, vlan: vlanImaging,
			loc: "1F 放射科 CT 室 1", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 38214,
			eos: "2028-04-30", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "CT-2 電腦斷層掃描儀", kind: medsec.KindModality,
			model: "Aurora CT 256 Apex", serial: "AMS-CT256-220913", sw: "ACT Console 6.0.4 / " + win10LTSC2, fw: "Gantry 4.1", ips: mod(12), nic: laAurora, vlan: vlanImaging,
			loc: "1F 放射科 CT 室 2", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 21877,
			eos: "2032-09-30", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "MRI-1 磁振造影儀 1.5T", kind: medsec.KindModality,
			model: "Aurora MR 1.5T Solace", serial: "AMS-MR15-140611", sw: "AMR Console 3.4.0 / " + win7e, fw: "Spectrometer 2.2", ips: mod(21), nic: laAurora, vlan: vlanImaging,
			loc: "B1 放射科 MRI 室 1", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 27560,
			eos: "2023-12-31", remote: remoteVPN, patch: medsec.No, creds: medsec.CredUnknown, notes: classSystem + "；操作台作業系統已停止支援，以 OT 防火牆白名單補償"},
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "MRI-2 磁振造影儀 3T", kind: medsec.KindModality,
			model: "Aurora MR 3.0T Vertex", serial: "AMS-MR30-210305", sw: "AMR Console 5.1.2 / " + win10LTSC, fw: "Spectrometer 4.0", ips: mod(22), nic: laAurora, vlan: vlanImaging,
			loc: "B1 放射科 MRI 室 2", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 14392,
			eos: "2031-03-31", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "DR-1 數位 X 光攝影系統", kind: medsec.KindModality,
			model: "Kestrel DR-5600", serial: "KI-DR56-19-00318", sw: "DR Console 4.3.2 / " + win10LTSC, fw: "Detector 1.9.4", ips: mod(31), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 放射科 一般攝影室 1", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 61870,
			eos: "2029-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "DR-2 數位 X 光攝影系統", kind: medsec.KindModality,
			model: "Kestrel DR-5600", serial: "KI-DR56-19-00319", sw: "DR Console 4.3.2 / " + win10LTSC, fw: "Detector 1.9.4", ips: mod(32), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 放射科 一般攝影室 2", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 58420,
			eos: "2029-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptER, vendor: vKestrel, resp: pCE, name: "DR-3 急診 X 光攝影系統", kind: medsec.KindModality,
			model: "Kestrel DR-5600", serial: "KI-DR56-21-00544", sw: "DR Console 4.5.0 / " + win10LTSC, fw: "Detector 2.0.1", ips: mod(33), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 急診 X 光室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 44105,
			eos: "2031-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "CR 影像讀取器", kind: medsec.KindModality,
			model: "Kestrel CR-350", serial: "KI-CR35-11-00072", sw: "CR Console 2.4.7 / " + winXPe, fw: "Reader 1.2", ips: mod(34), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 放射科 一般攝影室 3", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 9350,
			eos: "2019-12-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredUnchanged, notes: classStandalone + "；已停產，預計 2026 年汰換"},
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "血管攝影系統（神經）", kind: medsec.KindModality,
			model: "Aurora AngioStar Biplane", serial: "AMS-AGB-170822", sw: "AngioStar 8.1.3 / " + win10LTSC, fw: "Generator 5.5", ips: mod(41), nic: laAurora, vlan: vlanImaging,
			loc: "2F 放射科 血管攝影室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 8821,
			eos: "2027-08-31", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptCardiology, vendor: vAurora, resp: pCE, name: "心導管血管攝影系統", kind: medsec.KindModality,
			model: "Aurora AngioStar Mono", serial: "AMS-AGM-200118", sw: "AngioStar 8.3.0 / " + win10LTSC, fw: "Generator 5.7", ips: mod(42), nic: laAurora, vlan: vlanImaging,
			loc: "4F 心導管室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 12540,
			eos: "2030-01-31", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptNuclear, vendor: vNovaTrace, resp: pNuclear, name: "PET-CT 正子斷層造影", kind: medsec.KindModality,
			model: "NovaTrace PET/CT 128", serial: "NT-PC128-0061", sw: "NovaStation 3.0.5 / " + win10LTSC, fw: "Detector 2.6", ips: mod(51), nic: laNovaTrace, vlan: vlanImaging,
			loc: "B1 核子醫學科 PET 室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 7315,
			eos: "2030-12-31", remote: remoteCloud, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classSystem},
		{site: siteMain, dept: deptRadiology, vendor: vAurora, resp: pCE, name: "乳房攝影系統", kind: medsec.KindModality,
			model: "Aurora Mammo 3D Tomo", serial: "AMS-MMT-190604", sw: "Mammo Console 2.7.1 / " + win10LTSC, fw: "Detector 3.3", ips: mod(52), nic: laAurora, vlan: vlanImaging,
			loc: "2F 放射科 乳房攝影室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 33078,
			eos: "2029-06-30", remote: remoteVPN, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptOR, vendor: vKestrel, resp: pCE, name: "手術室 C 臂 X 光機", kind: medsec.KindModality,
			model: "Kestrel C-Arm 9", serial: "KI-CA9-16-00027", sw: "C-Arm Workstation 1.8.2 / " + win7e, fw: "Generator 1.4", ips: mod(53), nic: laKestrel, vlan: vlanImaging,
			loc: "3F 手術室 OR 5", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 4122,
			eos: "2024-12-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredUnchanged, notes: classStandalone},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "超音波 US-1", kind: medsec.KindUltrasound,
			model: "Kestrel Lumina 8", serial: "KI-LU8-20-01107", sw: "Lumina 8.2.1", fw: "8.2.1", ips: mod(61), nic: laKestrel, vlan: vlanImaging,
			loc: "2F 放射科 超音波室 1", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 18230,
			eos: "2030-06-30", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "超音波 US-2", kind: medsec.KindUltrasound,
			model: "Kestrel Lumina 8", serial: "KI-LU8-20-01108", sw: "Lumina 8.2.1", fw: "8.2.1", ips: mod(62), nic: laKestrel, vlan: vlanImaging,
			loc: "2F 放射科 超音波室 2", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 17655,
			eos: "2030-06-30", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptRadiology, vendor: vKestrel, resp: pCE, name: "超音波 US-3", kind: medsec.KindUltrasound,
			model: "Kestrel Lumina 6", serial: "KI-LU6-16-00412", sw: "Lumina 6.4.0", fw: "6.4.0", ips: mod(63), nic: laKestrel, vlan: vlanImaging,
			loc: "2F 放射科 超音波室 3", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 40210,
			eos: "2025-03-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredUnknown, notes: classStandalone},
		{site: siteMain, dept: deptCardiology, vendor: vKestrel, resp: pCE, name: "心臟超音波 Echo-1", kind: medsec.KindUltrasound,
			model: "Kestrel CardioEcho 5", serial: "KI-CE5-21-00233", sw: "CardioEcho 5.1.3", fw: "5.1.3", ips: mod(64), nic: laKestrel, vlan: vlanImaging,
			loc: "4F 心臟內科 超音波室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 15487,
			eos: "2031-06-30", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptCardiology, vendor: vKestrel, resp: pCE, name: "心臟超音波 Echo-2", kind: medsec.KindUltrasound,
			model: "Kestrel CardioEcho 5", serial: "KI-CE5-21-00234", sw: "CardioEcho 5.1.3", fw: "5.1.3", ips: mod(65), nic: laKestrel, vlan: vlanImaging,
			loc: "4F 心臟內科 超音波室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 14902,
			eos: "2031-06-30", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
		{site: siteMain, dept: deptER, vendor: vKestrel, resp: pCE, name: "急診攜帶式超音波", kind: medsec.KindUltrasound,
			model: "Kestrel PocketScan 2", serial: "KI-PS2-23-01960", sw: "PocketScan 2.3.0", fw: "2.3.0", ips: ips(ip(siteMain, vlanWiFi, 71)), nic: laKestrel, vlan: vlanWiFi, ssid: ssidDevices,
			loc: "1F 急診 急救區", conn: on(medsec.ConnWiFi, medsec.ConnBluetooth), data: medsec.DataSensitivePersonal, records: 2315,
			eos: "2033-12-31", remote: remoteCloud, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
	}
}

// monitorGroup is a group of identical bedside monitors on their own local LAN behind a
// central station (群組型儀器).
type monitorGroup struct {
	site, unit, loc, model, fw, eos, serialPrefix string
	vlan, beds, serialBase                        int
	central                                       string // the central station's name
}

func (g monitorGroup) monitors() []device {
	out := make([]device, 0, g.beds)
	for bed := 1; bed <= g.beds; bed++ {
		out = append(out, device{site: g.site, dept: deptICU, vendor: vKangheng, resp: respCE(g.site),
			name: fmt.Sprintf("%s 生理監視器 床 %02d", g.unit, bed), kind: medsec.KindPatientMonitor,
			model: g.model, serial: fmt.Sprintf("%s%06d", g.serialPrefix, g.serialBase+bed), fw: g.fw,
			ips: ips(ip(g.site, g.vlan, 10+bed)), nic: laKangheng, vlan: g.vlan,
			loc: fmt.Sprintf("%s 床 %02d", g.loc, bed), conn: on(medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: g.eos, remote: remoteNone, patch: medsec.No, creds: medsec.CredNone,
			notes: classGroup + "；邊界主機：" + g.central})
	}
	return out
}

func respCE(site string) string {
	if site == siteBranch {
		return pBrCE
	}
	return pCEChief
}

// mainICU is the medical centre's three monitor groups, their central stations, the
// monitor gateway and the ICU information system.
func mainICU() []device {
	groups := []monitorGroup{
		{site: siteMain, unit: "MICU", loc: "3F 加護病房 MICU", model: "Vista M12", fw: "3.4.2", eos: "2031-12-31", serialPrefix: "KH-M12-", vlan: vlanICUA, beds: 12, serialBase: 230100, central: "MICU 中央監視站"},
		{site: siteMain, unit: "SICU", loc: "3F 加護病房 SICU", model: "Vista M10", fw: "2.9.8", eos: "2026-06-30", serialPrefix: "KH-M10-", vlan: vlanICUB, beds: 10, serialBase: 170400, central: "SICU 中央監視站"},
		{site: siteMain, unit: "CCU", loc: "4F 心臟加護病房 CCU", model: "Vista M12", fw: "3.4.2", eos: "2031-12-31", serialPrefix: "KH-M12-", vlan: vlanICUC, beds: 8, serialBase: 230200, central: "CCU 中央監視站"},
	}
	dev := func(host int) string { return ip(siteMain, vlanDevices, host) }
	out := []device{
		{site: siteMain, dept: deptICU, vendor: vKangheng, resp: pCEChief, name: "MICU 中央監視站", kind: medsec.KindCentralStation,
			model: "Vista Central CS-800", serial: "KH-CS800-230017", sw: "Vista Central 4.2.0 / " + win10LTSC, ips: ips(dev(11), ip(siteMain, vlanICUA, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "3F 加護病房 MICU 護理站", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 3650,
			eos: "2031-12-31", remote: remoteVPN, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classBoundary + "（雙網卡：院內 VLAN 40／內網 VLAN 101）"},
		{site: siteMain, dept: deptICU, vendor: vKangheng, resp: pCEChief, name: "SICU 中央監視站", kind: medsec.KindCentralStation,
			model: "Vista Central CS-600", serial: "KH-CS600-170052", sw: "Vista Central 3.1.4 / " + win7e, ips: ips(dev(12), ip(siteMain, vlanICUB, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "3F 加護病房 SICU 護理站", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 2980,
			eos: "2023-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredUnchanged, notes: classBoundary + "（雙網卡：院內 VLAN 40／內網 VLAN 102）；原廠預設帳號 service 未變更"},
		{site: siteMain, dept: deptICU, vendor: vKangheng, resp: pCEChief, name: "CCU 中央監視站", kind: medsec.KindCentralStation,
			model: "Vista Central CS-800", serial: "KH-CS800-230018", sw: "Vista Central 4.2.0 / " + win10LTSC, ips: ips(dev(13), ip(siteMain, vlanICUC, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "4F 心臟加護病房 CCU 護理站", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 2410,
			eos: "2031-12-31", remote: remoteVPN, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classBoundary + "（雙網卡：院內 VLAN 40／內網 VLAN 103）"},
		{site: siteMain, dept: deptICU, vendor: vKangheng, resp: pCEChief, name: "生理監視器中央閘道伺服器", kind: medsec.KindDeviceServer,
			model: "Vista HL7 Gateway GW-200", serial: "KH-GW200-220009", sw: "Vista Gateway 2.0.6 / " + ws2019, ips: ips(dev(14)), nic: ouiDell, vlan: vlanDevices,
			loc: "B1 資訊機房 機櫃 C02", conn: on(medsec.ConnIntranet), data: medsec.DataNonSensitive,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: classControl + "：彙整三個中央監視站之生理參數，以 HL7 送 ICU 資訊系統"},
		{site: siteMain, dept: deptICU, vendor: vKangheng, resp: pSysAdmin, name: "重症照護資訊系統", kind: medsec.KindApplicationServer,
			model: "Vista ICU CIS", serial: "KH-CIS-210004", sw: "Vista CIS 4.1.2 / " + ws2019, ips: ips(dev(15)), nic: ouiVMware, vlan: vlanDevices,
			loc: "B1 資訊機房 機櫃 A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 52318,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: classApp + "：護理紀錄、生命徵象，與 HIS 交換病人資料"},
	}
	for _, g := range groups {
		out = append(out, g.monitors()...)
	}
	return out
}

// dialysisGroup is a room of dialysis machines on their own local LAN behind an edge
// gateway.
func dialysisGroup(site, loc, model, fw, eos string, first, count, serialBase int) []device {
	out := make([]device, 0, count)
	for n := first; n < first+count; n++ {
		out = append(out, device{site: site, dept: deptDialysis, vendor: vNephrolux, resp: respDialysis(site),
			name: fmt.Sprintf("血液透析機 HD-%02d", n), kind: medsec.KindDialysis,
			model: model, serial: fmt.Sprintf("NX-HD-%06d", serialBase+n), fw: fw,
			ips: ips(ip(site, vlanDialysis, 10+n)), nic: laNephrolux, vlan: vlanDialysis,
			loc: fmt.Sprintf("%s 床 %02d", loc, n), conn: on(medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: eos, remote: remoteNone, patch: medsec.No, creds: medsec.CredNone,
			notes: classGroup + "；邊界主機：透析 Edge Loader Gateway"})
	}
	return out
}

func respDialysis(site string) string {
	if site == siteBranch {
		return pBrCE
	}
	return pCE
}

func mainDialysis() []device {
	out := []device{
		{site: siteMain, dept: deptDialysis, vendor: vNephrolux, resp: pCE, name: "透析 Edge Loader Gateway", kind: medsec.KindEdgeGateway,
			model: "NX Edge Loader EG-20", serial: "NX-EG20-180033", sw: "Edge Loader 1.6.2 / " + win10LTSC, ips: ips(ip(siteMain, vlanDevices, 21), ip(siteMain, vlanDialysis, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "5F 血液透析室 設備間", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: "2025-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredUnchanged, notes: classBoundary + "（雙網卡 Edge Gateway：院內 VLAN 40／透析內網 VLAN 110）；原廠預設管理密碼未變更"},
		{site: siteMain, dept: deptDialysis, vendor: vNephrolux, resp: pSysAdmin, name: "血液透析管理系統", kind: medsec.KindApplicationServer,
			model: "NX Dialysis Manager", serial: "NX-DM-200012", sw: "Dialysis Manager 3.7.1 / " + ws2019, ips: ips(ip(siteMain, vlanDevices, 22)), nic: ouiVMware, vlan: vlanDevices,
			loc: "B1 資訊機房 機櫃 A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 4862,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: classApp + "：透析排程、治療紀錄，與 HIS 交換病人資料"},
	}
	return append(out, dialysisGroup(siteMain, "5F 血液透析室", "NX-4000 HD", "2.18.3", "2030-12-31", 1, 20, 190000)...)
}

// pumpPlacement is where a batch of infusion pumps works.
type pumpPlacement struct {
	dept, loc string
	count     int
}

// pumpFleet is a site's Wi-Fi infusion pumps, numbered from 1, on the device SSID.
func pumpFleet(site, model, fw, eos string, creds medsec.CredentialStatus, serialBase int, places []pumpPlacement) []device {
	var out []device
	n := 0
	for _, p := range places {
		for range p.count {
			n++
			out = append(out, device{site: site, dept: p.dept, vendor: vDongsheng, resp: respCE(site),
				name: fmt.Sprintf("輸液幫浦 IP-%03d", n), kind: medsec.KindInfusionPump,
				model: model, serial: fmt.Sprintf("DS%s%05d", site, serialBase+n), fw: fw,
				ips: ips(ip(site, vlanWiFi, 100+n)), nic: laDongsheng, vlan: vlanWiFi, ssid: ssidDevices,
				loc: p.loc, conn: on(medsec.ConnWiFi), data: medsec.DataDeviceOnly,
				eos: eos, remote: remoteNone, patch: medsec.Yes, creds: creds,
				notes: classStandalone + "；藥物資料庫由輸液幫浦管理伺服器派送"})
		}
	}
	return out
}

func mainPumps() []device {
	out := []device{
		{site: siteMain, dept: deptCE, vendor: vDongsheng, resp: pCEChief, name: "輸液幫浦管理伺服器", kind: medsec.KindDeviceServer,
			model: "InfuLink Server", serial: "DS-IL-210006", sw: "InfuLink 2.9.3 / " + ws2019, ips: ips(ip(siteMain, vlanDevices, 31)), nic: ouiVMware, vlan: vlanDevices,
			loc: "B1 資訊機房 機櫃 A03（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataNonSensitive,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: classControl + "：管理兩院區輸液幫浦 ID、藥物資料庫、韌體與事件紀錄"},
	}
	return append(out, pumpFleet(siteMain, "InfuSmart LVP-7", "5.1.4", "2030-12-31", medsec.CredChanged, 21000, []pumpPlacement{
		{deptICU, "3F 加護病房", 12},
		{deptWard, "7F 內科病房", 8},
		{deptOR, "3F 手術室", 4},
	})...)
}

// mainLab is the laboratory's analyzers, the serial device server and the middleware.
func mainLab() []device {
	lab := func(host int) []string { return ips(ip(siteMain, vlanLab, host)) }
	type analyzer struct {
		name, model, serial, fw, loc string
		host                         int // 0: on a serial port of the device server
		eos                          string
	}
	list := []analyzer{
		{"生化分析儀 CH-1", "Helixa ChemX 900", "HX-CX9-170311", "4.2.1", "1F 檢驗科 生化組", 11, "2027-12-31"},
		{"生化分析儀 CH-2", "Helixa ChemX 900", "HX-CX9-210528", "4.5.0", "1F 檢驗科 生化組", 12, "2031-12-31"},
		{"免疫分析儀 IM-1", "Helixa ImmunoQ 500", "HX-IQ5-190742", "3.1.8", "1F 檢驗科 免疫組", 13, "2029-12-31"},
		{"血球計數儀 HE-1", "Helixa HemaCount 60", "HX-HC6-200115", "2.7.3", "1F 檢驗科 血液組", 14, "2030-06-30"},
		{"血球計數儀 HE-2", "Helixa HemaCount 60", "HX-HC6-200116", "2.7.3", "1F 檢驗科 血液組", 15, "2030-06-30"},
		{"血液氣體分析儀 BG-ICU", "Helixa GasPoint 7", "HX-GP7-220403", "7.0.2", "3F 加護病房 MICU 工作區", 16, "2032-06-30"},
		{"血液氣體分析儀 BG-ER", "Helixa GasPoint 7", "HX-GP7-220404", "7.0.2", "1F 急診 急救區", 17, "2032-06-30"},
		{"凝血分析儀 CO-1", "Helixa CoaguLine 3", "HX-CL3-130918", "1.9.0", "1F 檢驗科 血液組", 0, "2022-12-31"},
		{"尿液分析儀 UA-1", "Helixa UriScan 20", "HX-US2-150602", "2.0.4", "1F 檢驗科 鏡檢組", 0, "2024-06-30"},
	}
	out := []device{
		{site: siteMain, dept: deptLab, vendor: vHongwang, resp: pLab, name: "檢驗儀器串列設備伺服器", kind: medsec.KindDeviceServer,
			model: "DS-4016 RS-232 Device Server", serial: "HW-DS4016-160077", fw: "1.11.2", ips: ips(ip(siteMain, vlanDevices, 41), ip(siteMain, vlanLab, 1)), nic: ouiMoxa, vlan: vlanDevices,
			loc: "1F 檢驗科 機櫃", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN, medsec.ConnRS232), data: medsec.DataNonSensitive,
			eos: "2024-12-31", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredUnchanged, notes: classBoundary + "：RS-232 儀器轉 TCP；Web 管理介面仍為出廠密碼"},
		{site: siteMain, dept: deptLab, vendor: vHelixa, resp: pLab, name: "檢驗中介軟體伺服器", kind: medsec.KindApplicationServer,
			model: "Helixa LabBridge Middleware", serial: "HX-LB-200021", sw: "LabBridge 5.1.0 / " + ws2019, ips: ips(ip(siteMain, vlanDevices, 42), ip(siteMain, vlanLab, 2)), nic: ouiDell, vlan: vlanDevices,
			loc: "1F 檢驗科 機櫃", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 263540,
			eos: "2029-01-09", remote: remoteDesktop, patch: medsec.Yes, creds: medsec.CredChanged, notes: classApp + "：儀器結果自動審核後回傳 LIS"},
	}
	for _, a := range list {
		d := device{site: siteMain, dept: deptLab, vendor: vHelixa, resp: pLab, name: a.name, kind: medsec.KindLabAnalyzer,
			model: a.model, serial: a.serial, fw: a.fw, loc: a.loc, data: medsec.DataNonSensitive,
			eos: a.eos, remote: remoteCloud, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classStandalone + "；經檢驗中介軟體連線 LIS"}
		if a.host == 0 {
			d.conn, d.remote, d.creds = on(medsec.ConnRS232), remoteNone, medsec.CredNone
			d.notes = classStandalone + "；RS-232 經串列設備伺服器連線"
		} else {
			d.ips, d.nic, d.vlan, d.conn = lab(a.host), laHelixa, vlanLab, on(medsec.ConnLocalLAN)
		}
		out = append(out, d)
	}
	return out
}

// mainOther is the ECG carts, the operating-room video system and the remote-maintenance
// jump host.
func mainOther() []device {
	var out []device
	for n := 1; n <= 3; n++ {
		out = append(out, device{site: siteMain, dept: deptCardiology, vendor: vCardiowave, resp: pCE,
			name: fmt.Sprintf("12 導程心電圖機 ECG-%d", n), kind: medsec.KindOther,
			model: "Cardiowave EC-12 Pro", serial: fmt.Sprintf("CW-EC12-%06d", 200640+n), fw: "3.0.9",
			ips: ips(ip(siteMain, vlanWiFi, 60+n)), nic: laCardiowave, vlan: vlanWiFi, ssid: ssidDevices,
			loc: "4F 心臟內科 檢查室", conn: on(medsec.ConnWiFi), data: medsec.DataSensitivePersonal, records: 500,
			eos: "2029-12-31", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredUnknown,
			notes: classStandalone + "；以工作清單取得病人資料，心電圖送心電圖管理系統"})
	}
	return append(out,
		device{site: siteMain, dept: deptOR, vendor: vOrison, resp: pCE, name: "手術室影像整合系統", kind: medsec.KindOther,
			model: "Orison OR Suite Hub", serial: "OS-HUB-190077", sw: "OR Suite 4.4.1 / " + win10LTSC, ips: ips(ip(siteMain, vlanDevices, 51)), nic: ouiIntel, vlan: vlanDevices,
			loc: "3F 手術室 OR 1 控制室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 11240,
			eos: "2029-01-09", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classSystem},
		device{site: siteMain, dept: deptOR, vendor: vOrison, resp: pCE, name: "內視鏡影像擷取站", kind: medsec.KindOther,
			model: "Orison EndoCapture 2", serial: "OS-EC2-200158", sw: "EndoCapture 2.2.0 / " + win10LTSC, ips: ips(ip(siteMain, vlanDevices, 52)), nic: laOrison, vlan: vlanDevices,
			loc: "3F 手術室 OR 3", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataUnknown,
			eos: "2029-01-09", remote: remoteNone, patch: medsec.No, creds: medsec.CredUnknown, notes: classSystem + "；資料類型待確認"},
		device{site: siteMain, dept: deptIT, vendor: vHongwang, resp: pNetwork, name: "遠端維護跳板機", kind: medsec.KindOther,
			model: "Jump Host VM", serial: "HW-JH-220001", sw: "Privileged access gateway 3.2 / " + rhel9, ips: ips(ip(siteMain, vlanDMZ, 10)), nic: ouiVMware, vlan: vlanDMZ,
			loc: "B1 資訊機房 機櫃 A03（VM）", conn: on(medsec.ConnInternet, medsec.ConnIntranet), data: medsec.DataDeviceOnly,
			eos: "2032-05-31", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: "原廠遠端維護唯一入口，連線全程錄影"},
	)
}

func mainNetwork() []device {
	mgmt := func(host int) []string { return ips(ip(siteMain, vlanManagement, host)) }
	n := func(name, model, serial, sw, nic, loc, eos string, host int, conn []medsec.Connectivity, notes string) device {
		return device{site: siteMain, dept: deptIT, vendor: vHongwang, resp: pNetwork, name: name, kind: medsec.KindNetwork,
			model: model, serial: serial, fw: sw, ips: mgmt(host), nic: nic, vlan: vlanManagement, loc: loc, conn: conn,
			data: medsec.DataDeviceOnly, eos: eos, remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: notes}
	}
	out := []device{
		n("核心交換器 A", "CX-9600 Core Switch", "HW-CX96-210101", "17.9.4", ouiCisco, "B1 資訊機房 機櫃 N01", "2031-12-31", 1, on(medsec.ConnIntranet), "核心路由，VLAN 10–200 閘道"),
		n("核心交換器 B", "CX-9600 Core Switch", "HW-CX96-210102", "17.9.4", ouiCisco, "B1 資訊機房 機櫃 N02", "2031-12-31", 2, on(medsec.ConnIntranet), "與核心交換器 A 互為備援"),
		n("OT 防火牆", "OTF-600 Industrial Firewall", "HW-OTF6-220015", "7.2.8", ouiFortinet, "B1 資訊機房 機櫃 N03", "2030-06-30", 5, on(medsec.ConnIntranet), "院內系統網路與醫療儀器區（VLAN 30/40/50）之跨區防火牆"),
		n("外部防火牆", "NGF-1800 Firewall", "HW-NGF18-200044", "7.0.15", ouiFortinet, "B1 資訊機房 機櫃 N03", "2028-12-31", 6, on(medsec.ConnInternet, medsec.ConnIntranet), "網際網路出口、原廠 VPN 終端"),
		n("無線網路控制器", "WLC-7200 Wireless Controller", "HW-WLC72-190008", "8.10.1", ouiAruba, "B1 資訊機房 機櫃 N04", "2026-03-31", 10, on(medsec.ConnIntranet, medsec.ConnWiFi), "兩院區 AP 集中管理，SSID MED-IOT（WPA2-Enterprise）"),
		n("醫療儀器區配線交換器", "AX-2960 Access Switch", "HW-AX29-150233", "15.2.7", ouiCisco, "5F 血液透析室 設備間", "2022-10-31", 11, on(medsec.ConnIntranet, medsec.ConnLocalLAN), "承載 VLAN 40/110/120；型號已停止支援"),
		n("加護病房配線交換器", "AX-3850 Access Switch", "HW-AX38-200417", "16.12.9", ouiCisco, "3F 加護病房 弱電室", "2028-10-31", 12, on(medsec.ConnIntranet, medsec.ConnLocalLAN), "承載 VLAN 20/40/101/102/103"),
	}
	out[5].creds = medsec.CredUnknown // the old access switch predates the hospital's password policy
	return out
}

// branchDevices is everything at the branch hospital: a smaller copy of the medical
// centre, whose clinical systems (HIS, EMR, RIS, LIS) it uses over the WAN.
func branchDevices() []device {
	const s = siteBranch
	out := []device{
		{site: s, dept: deptRadiology, vendor: vLumen, resp: pBrIT, name: "PACS 分院影像快取伺服器", kind: medsec.KindPACS,
			model: "LumenPACS Edge Cache", serial: "LV-EC-2021-0019", sw: "LumenPACS Edge 7.3.1 / " + ws2019, ips: ips(ip(s, vlanServers, 11)), nic: ouiDell, vlan: vlanServers,
			loc: "1F 資訊機房", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 85310,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "保存近 90 天影像，其餘回主院 PACS"},
		{site: s, dept: deptRadiology, vendor: vLumen, resp: pBrIT, name: "DICOM 影像／工作清單 Gateway", kind: medsec.KindApplicationServer,
			model: "LumenGate DICOM Router", serial: "LV-GW-2021-0311", sw: "LumenGate 4.0.3 / " + ws2019, ips: ips(ip(s, vlanServers, 12)), nic: ouiVMware, vlan: vlanServers,
			loc: "1F 資訊機房（VM）", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 9800,
			eos: "2029-01-09", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
		{site: s, dept: deptRadiology, vendor: vAurora, resp: pBrCE, name: "CT 電腦斷層掃描儀", kind: medsec.KindModality,
			model: "Aurora CT 32 Essence", serial: "AMS-CT32-120716", sw: "ACT Console 3.8.2 / " + win7e, fw: "Gantry 2.3", ips: ips(ip(s, vlanImaging, 11)), nic: laAurora, vlan: vlanImaging,
			loc: "1F 放射科 CT 室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 19874,
			eos: "2022-12-31", remote: remoteVPN, patch: medsec.No, creds: medsec.CredUnknown, notes: classSystem + "；已過原廠支援期，採購汰換中"},
		{site: s, dept: deptRadiology, vendor: vKestrel, resp: pBrCE, name: "DR-1 數位 X 光攝影系統", kind: medsec.KindModality,
			model: "Kestrel DR-5600", serial: "KI-DR56-20-00402", sw: "DR Console 4.3.2 / " + win10LTSC, fw: "Detector 1.9.4", ips: ips(ip(s, vlanImaging, 31)), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 放射科 攝影室 1", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 30127,
			eos: "2030-06-30", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: s, dept: deptERBranch, vendor: vKestrel, resp: pBrCE, name: "DR-2 急診 X 光攝影系統", kind: medsec.KindModality,
			model: "Kestrel DR-4200", serial: "KI-DR42-15-00188", sw: "DR Console 3.1.0 / " + win7e, fw: "Detector 1.2.0", ips: ips(ip(s, vlanImaging, 32)), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 急診室 X 光室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 22650,
			eos: "2021-12-31", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredUnchanged, notes: classStandalone + "；操作台仍使用出廠帳號"},
		{site: s, dept: deptRadiology, vendor: vKestrel, resp: pBrCE, name: "超音波 US-1", kind: medsec.KindUltrasound,
			model: "Kestrel Lumina 8", serial: "KI-LU8-22-01533", sw: "Lumina 8.2.1", fw: "8.2.1", ips: ips(ip(s, vlanImaging, 61)), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 放射科 超音波室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 8450,
			eos: "2032-06-30", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged, notes: classStandalone},
		{site: s, dept: deptERBranch, vendor: vKestrel, resp: pBrCE, name: "急診超音波", kind: medsec.KindUltrasound,
			model: "Kestrel Lumina 6", serial: "KI-LU6-18-00977", sw: "Lumina 6.4.0", fw: "6.4.0", ips: ips(ip(s, vlanImaging, 62)), nic: laKestrel, vlan: vlanImaging,
			loc: "1F 急診室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 5120,
			eos: "2027-03-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
		{site: s, dept: deptICU, vendor: vKangheng, resp: pBrCE, name: "ICU 中央監視站", kind: medsec.KindCentralStation,
			model: "Vista Central CS-800", serial: "KH-CS800-220031", sw: "Vista Central 4.1.7 / " + win10LTSC, ips: ips(ip(s, vlanDevices, 11), ip(s, vlanICUA, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "2F 加護病房 護理站", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 1280,
			eos: "2031-12-31", remote: remoteVPN, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classBoundary + "（雙網卡：院內 VLAN 40／內網 VLAN 101）"},
		{site: s, dept: deptDialysis, vendor: vNephrolux, resp: pBrCE, name: "透析 Edge Loader Gateway", kind: medsec.KindEdgeGateway,
			model: "NX Edge Loader EG-20", serial: "NX-EG20-210058", sw: "Edge Loader 1.8.0 / " + win10LTSC, ips: ips(ip(s, vlanDevices, 21), ip(s, vlanDialysis, 1)), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "3F 血液透析室 設備間", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: "2029-01-09", remote: remoteDesktop, patch: medsec.No, creds: medsec.CredChanged, notes: classBoundary + "；治療紀錄回傳主院血液透析管理系統"},
		{site: s, dept: deptLab, vendor: vHongwang, resp: pBrLab, name: "檢驗儀器設備伺服器", kind: medsec.KindDeviceServer,
			model: "DS-2008 Device Server", serial: "HW-DS2008-190024", fw: "2.4.1", ips: ips(ip(s, vlanDevices, 41), ip(s, vlanLab, 1)), nic: ouiLantronix, vlan: vlanDevices,
			loc: "1F 檢驗科", conn: on(medsec.ConnIntranet, medsec.ConnLocalLAN, medsec.ConnRS232), data: medsec.DataNonSensitive,
			eos: "2028-12-31", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredUnknown, notes: classBoundary + "：儀器結果轉送主院檢驗中介軟體"},
		{site: s, dept: deptLab, vendor: vHelixa, resp: pBrLab, name: "生化分析儀 CH-1", kind: medsec.KindLabAnalyzer,
			model: "Helixa ChemX 700", serial: "HX-CX7-160820", fw: "3.6.2", ips: ips(ip(s, vlanLab, 11)), nic: laHelixa, vlan: vlanLab,
			loc: "1F 檢驗科", conn: on(medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: "2026-03-31", remote: remoteCloud, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classStandalone},
		{site: s, dept: deptLab, vendor: vHelixa, resp: pBrLab, name: "血球計數儀 HE-1", kind: medsec.KindLabAnalyzer,
			model: "Helixa HemaCount 60", serial: "HX-HC6-210877", fw: "2.7.3", ips: ips(ip(s, vlanLab, 12)), nic: laHelixa, vlan: vlanLab,
			loc: "1F 檢驗科", conn: on(medsec.ConnLocalLAN), data: medsec.DataNonSensitive,
			eos: "2031-06-30", remote: remoteCloud, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classStandalone},
		{site: s, dept: deptLab, vendor: vHelixa, resp: pBrLab, name: "血液氣體分析儀 BG-1", kind: medsec.KindLabAnalyzer,
			model: "Helixa GasPoint 5", serial: "HX-GP5-140233", fw: "5.3.0", loc: "2F 加護病房", conn: on(medsec.ConnRS232), data: medsec.DataNonSensitive,
			eos: "2023-12-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredNone, notes: classStandalone + "；RS-232 經設備伺服器連線"},
	}
	type ws struct {
		name, dept, loc string
		host            int
	}
	for i, w := range []ws{
		{"放射科判讀工作站", deptRadiology, "1F 放射科 判讀室", 11},
		{"ICU 護理站工作站", deptICU, "2F 加護病房 護理站", 21},
		{"檢驗科報告工作站", deptLab, "1F 檢驗科", 31},
		{"急診工作站", deptERBranch, "1F 急診室 護理站", 41},
	} {
		out = append(out, device{site: s, dept: w.dept, vendor: vJiahe, resp: pBrIT, name: w.name, kind: medsec.KindWorkstation,
			model: "JH-D710 桌上型電腦", serial: fmt.Sprintf("WS-BR-%04d", 5101+i), sw: "TaiHIS Client 8.4 / " + win10,
			ips: ips(ip(s, vlanWorkstations, w.host)), nic: ouiIntel, vlan: vlanWorkstations, loc: w.loc, conn: on(medsec.ConnIntranet),
			data: medsec.DataSensitivePersonal, eos: "2025-10-14", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredChanged})
	}
	out = append(out,
		device{site: s, dept: deptIT, vendor: vHongwang, resp: pBrIT, name: "分院核心交換器", kind: medsec.KindNetwork,
			model: "CX-9300 Core Switch", serial: "HW-CX93-210377", fw: "17.6.5", ips: ips(ip(s, vlanManagement, 1)), nic: ouiCisco, vlan: vlanManagement,
			loc: "1F 資訊機房", conn: on(medsec.ConnIntranet), data: medsec.DataDeviceOnly,
			eos: "2030-12-31", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged, notes: "WAN 專線至主院"},
		device{site: s, dept: deptIT, vendor: vHongwang, resp: pBrIT, name: "分院 OT 防火牆", kind: medsec.KindNetwork,
			model: "OTF-200 Industrial Firewall", serial: "HW-OTF2-220061", fw: "7.2.8", ips: ips(ip(s, vlanManagement, 5)), nic: ouiFortinet, vlan: vlanManagement,
			loc: "1F 資訊機房", conn: on(medsec.ConnIntranet), data: medsec.DataDeviceOnly,
			eos: "2030-06-30", remote: remoteVPN, patch: medsec.Yes, creds: medsec.CredChanged},
	)
	// A GE bedside monitor of the model and firmware CISA's ICSMA-20-023-01 names, so the
	// branch has findings of its own (under its own deadline policy).
	out = append(out, device{site: s, dept: deptICU, vendor: vGE, resp: pBrCE, name: "GE 床邊監視器 B450-BR1", kind: medsec.KindPatientMonitor,
		model: "B450", serial: "GE-B450-SH1300077", fw: "2.1", ips: ips(ip(s, vlanICUA, 40)), nic: ouiAdvantech, vlan: vlanICUA,
		loc: "2F 加護病房 床 9（借用）", conn: on(medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 30,
		eos: "2028-12-31", remote: remoteNone, patch: medsec.Unknown, creds: medsec.CredNone, notes: classGroup + "：主院調撥"})
	out = append(out, monitorGroup{site: s, unit: "ICU", loc: "2F 加護病房", model: "Vista M10", fw: "2.9.8", eos: "2026-06-30",
		serialPrefix: "KH-M10-", vlan: vlanICUA, beds: 8, serialBase: 180900, central: "ICU 中央監視站"}.monitors()...)
	out = append(out, dialysisGroup(s, "3F 血液透析室", "NX-4000 HD", "2.18.3", "2030-12-31", 1, 6, 210000)...)
	out = append(out, dialysisGroup(s, "3F 血液透析室", "NX-3000 HD", "1.9.7", "2024-06-30", 7, 2, 140000)...)
	out = append(out, pumpFleet(s, "InfuSmart LVP-5", "4.3.0", "2027-12-31", medsec.CredUnknown, 31000, []pumpPlacement{
		{deptICU, "2F 加護病房", 6},
		{deptERBranch, "1F 急診室", 2},
	})...)
	return out
}

// mainAdvisoryDevices are devices of real manufacturers, with the models and firmware
// versions that CISA's real advisories in demo/vuln name (and one on the fixed firmware),
// so the vulnerability pages show real matches: NVD configurations with firmware on
// hardware, CSAF product trees, and a device the fix took out.
func mainAdvisoryDevices() []device {
	ccu := func(host int) []string { return ips(ip(siteMain, vlanICUC, host)) }
	dev := func(host int) []string { return ips(ip(siteMain, vlanDevices, host)) }
	return []device{
		{site: siteMain, dept: deptICU, vendor: vPhilips, resp: pCEChief, name: "CCU 遙測監視器 MX40-01", kind: medsec.KindPatientMonitor,
			model: "IntelliVue MX40", serial: "PH-MX40-US71234501", fw: "B.06.17", ips: ccu(201), nic: ouiAdvantech, vlan: vlanICUC,
			loc: "4F 心臟加護病房 CCU", conn: on(medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 20,
			eos: "2027-12-31", remote: remoteNone, patch: medsec.Unknown, creds: medsec.CredNone, notes: classGroup + "：遙測，接 CCU 中央監視站"},
		{site: siteMain, dept: deptICU, vendor: vPhilips, resp: pCEChief, name: "CCU 遙測監視器 MX40-02", kind: medsec.KindPatientMonitor,
			model: "IntelliVue MX40", serial: "PH-MX40-US71234502", fw: "B.06.17", ips: ccu(202), nic: ouiAdvantech, vlan: vlanICUC,
			loc: "4F 心臟加護病房 CCU", conn: on(medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 20,
			eos: "2027-12-31", remote: remoteNone, patch: medsec.Unknown, creds: medsec.CredNone, notes: classGroup + "：遙測，接 CCU 中央監視站"},
		{site: siteMain, dept: deptICU, vendor: vPhilips, resp: pCEChief, name: "CCU 遙測監視器 MX40-03", kind: medsec.KindPatientMonitor,
			model: "IntelliVue MX40", serial: "PH-MX40-US71234503", fw: "B.06.18", ips: ccu(203), nic: ouiAdvantech, vlan: vlanICUC,
			loc: "4F 心臟加護病房 CCU", conn: on(medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 20,
			eos: "2027-12-31", remote: remoteNone, patch: medsec.Yes, creds: medsec.CredNone, notes: classGroup + "：已更新至 B.06.18"},
		{site: siteMain, dept: deptRadiology, vendor: vGE, resp: pRadiology, name: "一般攝影 DR（GE Optima 520）", kind: medsec.KindModality,
			model: "Optima 520", serial: "GE-XR520-0042", sw: "Optima XR 3.0", fw: "3.0", ips: ips(ip(siteMain, vlanImaging, 201)), nic: ouiDell, vlan: vlanImaging,
			loc: "1F 放射科 一般攝影室 3", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 48000,
			eos: "2028-06-30", remote: remoteVPN, patch: medsec.Unknown, creds: medsec.CredUnchanged, notes: classStandalone},
		{site: siteMain, dept: deptICU, vendor: vGE, resp: pCEChief, name: "GE 中央監視站 MAI700", kind: medsec.KindDeviceServer,
			model: "CARESCAPE Central Station MAI700", serial: "GE-CSCS-MAI700-0007", sw: "CARESCAPE Central Station 1.0", fw: "1.0", ips: dev(201), nic: ouiAdvantech, vlan: vlanDevices,
			loc: "4F 心臟加護病房 CCU 護理站", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 1200,
			eos: "2029-12-31", remote: remoteVPN, patch: medsec.Unknown, creds: medsec.CredChanged, notes: classControl + "：GE 監視器之中央站（伺服器）",
			fwCPE: "cpe:2.3:o:gehealthcare:carescape_central_station_mai700_firmware:1.0:*:*:*:*:*:*:*", hwCPE: "cpe:2.3:h:gehealthcare:carescape_central_station_mai700:-:*:*:*:*:*:*:*"},
		{site: siteMain, dept: deptICU, vendor: vGE, resp: pCEChief, name: "GE 床邊監視器 B450-01", kind: medsec.KindPatientMonitor,
			model: "B450", serial: "GE-B450-SH1300041", fw: "2.1", ips: ccu(204), nic: ouiAdvantech, vlan: vlanICUC,
			loc: "4F 心臟加護病房 CCU 床 9", conn: on(medsec.ConnLocalLAN), data: medsec.DataSensitivePersonal, records: 50,
			eos: "2028-12-31", remote: remoteNone, patch: medsec.Unknown, creds: medsec.CredNone, notes: classGroup},
		{site: siteMain, dept: deptCE, vendor: vBaxter, resp: pCEChief, name: "藥劑部 調配機 ExactaMix EM2400", kind: medsec.KindOther,
			model: "ExactaMix EM2400", serial: "BX-EM2400-2019-11", sw: "ExactaMix 1.10", fw: "1.10", ips: dev(202), nic: ouiDell, vlan: vlanDevices,
			loc: "B1 藥劑部 調配室", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 5000,
			eos: "2026-12-31", remote: remoteDesktop, patch: medsec.Unknown, creds: medsec.CredUnchanged, notes: classStandalone,
			fwCPE: "cpe:2.3:o:baxter:em2400_firmware:1.10:*:*:*:*:*:*:*", hwCPE: "cpe:2.3:h:baxter:em2400:-:*:*:*:*:*:*:*"},
		{site: siteMain, dept: deptCardiology, vendor: vMedtronic, resp: pCardiology, name: "心律調節器程控儀 CareLink 2090", kind: medsec.KindOther,
			model: "2090 CareLink Programmer", serial: "MDT-2090-PZK100231", fw: "3.0", ips: ips(ip(siteMain, vlanWorkstations, 201)), nic: ouiIntel, vlan: vlanWorkstations,
			loc: "2F 心臟內科 心律門診", conn: on(medsec.ConnIntranet), data: medsec.DataSensitivePersonal, records: 900,
			eos: "2025-12-31", remote: remoteNone, patch: medsec.No, creds: medsec.CredChanged, notes: classStandalone},
	}
}
