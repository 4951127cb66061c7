package demo

import (
	"fmt"
	"net/netip"

	"medsec"
)

// Site codes of the demo hospital group.
const (
	siteMain   = "MC" // the medical centre
	siteBranch = "BR" // the branch hospital
)

// MainSite and BranchSite are the codes of the demo's medical centre and its branch
// hospital, for the parts of the demo that set something per site.
const (
	MainSite   = siteMain
	BranchSite = siteBranch
)

func sites() []medsec.Site {
	return []medsec.Site{
		{Code: siteMain, Name: "示範醫學中心", Address: "臺北市中正區示範路 100 號", Jurisdiction: medsec.JurisdictionTW},
		{Code: siteBranch, Name: "示範醫學中心 竹北分院", Address: "新竹縣竹北市示範二路 25 號", Jurisdiction: medsec.JurisdictionTW},
	}
}

// Department names. The two sites share most names; the store keys departments by site.
const (
	deptRadiology  = "放射科"
	deptNuclear    = "核子醫學科"
	deptICU        = "加護病房"
	deptDialysis   = "血液透析室"
	deptLab        = "檢驗科"
	deptER         = "急診醫學部"
	deptERBranch   = "急診室"
	deptOR         = "手術室"
	deptCardiology = "心臟內科"
	deptWard       = "內科病房"
	deptIT         = "資訊室"
	deptCE         = "醫工室"
	deptQuality    = "品質管理中心"
)

func departments() []DepartmentRow {
	var rows []DepartmentRow
	add := func(site string, names ...string) {
		for _, n := range names {
			rows = append(rows, DepartmentRow{Site: site, Department: medsec.Department{Name: n}})
		}
	}
	add(siteMain, deptRadiology, deptNuclear, deptICU, deptDialysis, deptLab, deptER, deptOR,
		deptCardiology, deptWard, deptIT, deptCE, deptQuality)
	add(siteBranch, deptRadiology, deptICU, deptDialysis, deptLab, deptERBranch, deptIT, deptCE)
	return rows
}

// People the assets and users refer to by name.
const (
	pCISO        = "蔡宗翰"
	pSysAdmin    = "陳建宏"
	pNetwork     = "劉家豪"
	pSOC         = "王怡君"
	pCEChief     = "林志明"
	pCE          = "郭子豪"
	pRadiology   = "黃俊傑"
	pNuclear     = "蘇冠宇"
	pICUNurse    = "張淑芬"
	pDialysis    = "李美玲"
	pLab         = "吳佩珊"
	pER          = "鄭雅婷"
	pOR          = "楊淑惠"
	pCardiology  = "謝明哲"
	pWard        = "何雅琪"
	pAuditor     = "周怡如"
	pBrCE        = "許文彬"
	pBrIT        = "周國華"
	pBrICU       = "葉秀蘭"
	pBrRadiology = "高明德"
	pBrDialysis  = "羅靜怡"
	pBrLab       = "曾志偉"
	pBrER        = "潘美華"
	// pDirector is the superintendent (院長), who signs the risk review for the leadership.
	pDirector = "江文雄"
)

// Director is the demo hospital's superintendent (院長, the director user), who heads the
// leading group and declares the end of the demo incidents' responses (003 §4.4.4).
const Director = pDirector

func people() []PersonRow {
	type person struct {
		site, dept, name, title, mail string
		ext                           int
	}
	list := []person{
		{siteMain, deptIT, pCISO, "副院長兼資安長", "tsai.th", 1001},
		{siteMain, deptIT, pSysAdmin, "資訊室 系統管理師", "chen.jh", 3101},
		{siteMain, deptIT, pNetwork, "資訊室 網路工程師", "liu.jh", 3102},
		{siteMain, deptIT, pSOC, "資安工程師（SOC）", "wang.yj", 3103},
		{siteMain, deptCE, pCEChief, "醫工室 主任工程師", "lin.zm", 3201},
		{siteMain, deptCE, pCE, "醫工室 醫工工程師", "kuo.th", 3202},
		{siteMain, deptRadiology, pRadiology, "放射科 醫事放射師組長", "huang.cj", 2301},
		{siteMain, deptNuclear, pNuclear, "核子醫學科 醫事放射師", "su.ky", 2351},
		{siteMain, deptICU, pICUNurse, "加護病房 護理長", "chang.sf", 2501},
		{siteMain, deptDialysis, pDialysis, "血液透析室 護理長", "lee.ml", 2601},
		{siteMain, deptLab, pLab, "檢驗科 醫事檢驗師組長", "wu.ps", 2701},
		{siteMain, deptER, pER, "急診醫學部 護理長", "cheng.yt", 2101},
		{siteMain, deptOR, pOR, "手術室 護理長", "yang.sh", 2801},
		{siteMain, deptCardiology, pCardiology, "心臟內科 主治醫師（心導管室負責人）", "hsieh.mc", 2901},
		{siteMain, deptWard, pWard, "內科病房 護理長", "ho.yc", 2401},
		{siteMain, deptQuality, pAuditor, "品質管理中心 稽核專員", "chou.yr", 1201},
		{siteBranch, deptCE, pBrCE, "醫工室 醫工工程師", "hsu.wb", 5201},
		{siteBranch, deptIT, pBrIT, "資訊室 資訊工程師", "chou.kh", 5101},
		{siteBranch, deptICU, pBrICU, "加護病房 護理長", "yeh.sl", 5501},
		{siteBranch, deptRadiology, pBrRadiology, "放射科 醫事放射師", "kao.md", 5301},
		{siteBranch, deptDialysis, pBrDialysis, "血液透析室 護理長", "lo.jy", 5601},
		{siteBranch, deptLab, pBrLab, "檢驗科 醫事檢驗師", "tseng.cw", 5701},
		{siteBranch, deptERBranch, pBrER, "急診室 護理長", "pan.mh", 5102},
	}
	rows := make([]PersonRow, 0, len(list))
	for _, p := range list {
		phone := fmt.Sprintf("02-0000-1000 分機 %d", p.ext)
		if p.site == siteBranch {
			phone = fmt.Sprintf("03-0000-2000 分機 %d", p.ext)
		}
		rows = append(rows, PersonRow{Site: p.site, Department: p.dept, Person: medsec.Person{
			Name: p.name, Title: p.title, Email: p.mail + "@demo-hospital.example", Phone: phone,
		}})
	}
	return rows
}

// Vendor names: fictional companies.
const (
	vAurora     = "Aurora Medical Systems" // CT, MRI, angiography, mammography
	vKestrel    = "Kestrel Imaging"        // DR, CR, C-arm, ultrasound
	vNovaTrace  = "NovaTrace Molecular"    // PET-CT
	vLumen      = "Lumenview Health IT"    // PACS, RIS, DICOM gateways, reading software
	vRuichen    = "瑞晨資訊"                   // HIS, EMR, LIS, anaesthesia information system
	vKangheng   = "康衡醫電"                   // patient monitors, central stations, ICU information system
	vNephrolux  = "Nephrolux Renal Systems"
	vDongsheng  = "東昇醫療器材" // infusion pumps
	vHelixa     = "Helixa Diagnostics"
	vCardiowave = "Cardiowave Medical" // ECG carts and ECG management
	vOrison     = "Orison Surgical"    // operating-room video integration
	vHongwang   = "宏網系統整合"             // network gear, device servers, server hardware maintenance
	vJiahe      = "嘉禾電腦"               // workstations
)

// Real manufacturers, so that CISA's real ICS medical advisories (demo/vuln) match the
// demo's devices of theirs. The spellings are the advisories' own variants ("Phillips",
// "General Electric (GE)"): the vulnerability matcher's alias table makes them one.
const (
	vPhilips   = "Philips"
	vGE        = "GE Healthcare"
	vBaxter    = "Baxter"
	vMedtronic = "Medtronic"
)

func vendors() []medsec.Vendor {
	return []medsec.Vendor{
		{Name: vAurora, Contact: "何凱文 Kevin Ho（台灣服務處）", Email: "service.tw@aurora-medical.example", Phone: "02-0000-0101"},
		{Name: vKestrel, Contact: "Grace Liao 廖怡萱", Email: "support@kestrel-imaging.example", Phone: "02-0000-0102"},
		{Name: vNovaTrace, Contact: "Daniel Wu 吳承翰", Email: "service@novatrace.example", Phone: "02-0000-0103"},
		{Name: vLumen, Contact: "邱柏翔（PACS 專案經理）", Email: "helpdesk@lumenview.example", Phone: "02-0000-0104"},
		{Name: vRuichen, Contact: "江佳蓉（HIS 客服中心）", Email: "cs@ruichen-info.example", Phone: "02-0000-0105"},
		{Name: vKangheng, Contact: "彭子軒（技術服務部）", Email: "service@kangheng-med.example", Phone: "02-0000-0106"},
		{Name: vNephrolux, Contact: "Leo Chang 張立誠", Email: "tw.service@nephrolux.example", Phone: "02-0000-0107"},
		{Name: vDongsheng, Contact: "范志強（維修課）", Email: "repair@dongsheng-med.example", Phone: "04-0000-0108"},
		{Name: vHelixa, Contact: "Ivy Lin 林欣怡", Email: "support.tw@helixa-dx.example", Phone: "02-0000-0109"},
		{Name: vCardiowave, Contact: "莊承恩（應用工程師）", Email: "service@cardiowave.example", Phone: "02-0000-0110"},
		{Name: vOrison, Contact: "Ethan Hsu 徐宇辰", Email: "support@orison-surgical.example", Phone: "02-0000-0111"},
		{Name: vHongwang, Contact: "賴俊宏（網路維運部）", Email: "noc@hongwang-si.example", Phone: "02-0000-0112"},
		{Name: vJiahe, Contact: "杜明翰（駐點工程師）", Email: "onsite@jiahe-pc.example", Phone: "02-0000-0113"},
		{Name: vPhilips, Contact: "台灣飛利浦 醫療服務部", Email: "service.tw@philips.example", Phone: "02-0000-0114"},
		{Name: vGE, Contact: "GE 醫療 技術服務", Email: "service.tw@gehealthcare.example", Phone: "02-0000-0115"},
		{Name: vBaxter, Contact: "百特 藥劑設備服務", Email: "service.tw@baxter.example", Phone: "02-0000-0116"},
		{Name: vMedtronic, Contact: "美敦力 心律裝置服務", Email: "service.tw@medtronic.example", Phone: "02-0000-0117"},
	}
}

// The address plan: 10.<site>.<vlan>.0/24, so the third octet of an address is its VLAN.
// The medical centre uses 10.10/16 and the branch 10.20/16.
func siteOctet(site string) int {
	if site == siteBranch {
		return 20
	}
	return 10
}

// VLANs of the address plan, the same at both sites.
const (
	vlanServers      = 10
	vlanWorkstations = 20
	vlanImaging      = 30
	vlanDevices      = 40 // OT zone: boundary hosts and device control/application systems
	vlanWiFi         = 50
	vlanManagement   = 99
	vlanICUA         = 101
	vlanICUB         = 102
	vlanICUC         = 103
	vlanDialysis     = 110
	vlanLab          = 120
	vlanDMZ          = 200
)

// ssidDevices is the medical-device Wi-Fi of both sites.
const ssidDevices = "MED-IOT"

// ip returns the address of host on the VLAN's /24 at the site.
func ip(site string, vlan, host int) string {
	return fmt.Sprintf("10.%d.%d.%d", siteOctet(site), vlan, host)
}

func networks() []NetworkRow {
	type segment struct {
		vlan       int
		name, zone string
		ssid       string
	}
	plan := map[string][]segment{
		siteMain: {
			{vlanServers, "伺服器區（資料中心）", ZoneIntranet, ""},
			{vlanWorkstations, "臨床與行政工作站", ZoneIntranet, ""},
			{vlanImaging, "醫療影像儀器區", ZoneOT, ""},
			{vlanDevices, "醫療儀器控制區（OT）", ZoneOT, ""},
			{vlanWiFi, "醫療儀器無線網路", ZoneOT, ssidDevices},
			{vlanManagement, "網路設備管理", ZoneIntranet, ""},
			{vlanICUA, "MICU 生理監視器內網", ZoneLocalLAN, ""},
			{vlanICUB, "SICU 生理監視器內網", ZoneLocalLAN, ""},
			{vlanICUC, "CCU 生理監視器內網", ZoneLocalLAN, ""},
			{vlanDialysis, "血液透析機內網", ZoneLocalLAN, ""},
			{vlanLab, "檢驗儀器內網", ZoneLocalLAN, ""},
			{vlanDMZ, "遠端維護 DMZ", ZoneDMZ, ""},
		},
		siteBranch: {
			{vlanServers, "伺服器區", ZoneIntranet, ""},
			{vlanWorkstations, "臨床與行政工作站", ZoneIntranet, ""},
			{vlanImaging, "醫療影像儀器區", ZoneOT, ""},
			{vlanDevices, "醫療儀器控制區（OT）", ZoneOT, ""},
			{vlanWiFi, "醫療儀器無線網路", ZoneOT, ssidDevices},
			{vlanManagement, "網路設備管理", ZoneIntranet, ""},
			{vlanICUA, "ICU 生理監視器內網", ZoneLocalLAN, ""},
			{vlanDialysis, "血液透析機內網", ZoneLocalLAN, ""},
			{vlanLab, "檢驗儀器內網", ZoneLocalLAN, ""},
		},
	}
	var rows []NetworkRow
	for _, site := range []string{siteMain, siteBranch} {
		for _, s := range plan[site] {
			prefix := netip.MustParsePrefix(ip(site, s.vlan, 0) + "/24")
			rows = append(rows, NetworkRow{Site: site, Name: s.name, Zone: s.zone, Prefix: prefix, VLAN: s.vlan, SSID: s.ssid})
		}
	}
	return rows
}

func users() []UserRow {
	return []UserRow{
		{User: medsec.User{Username: "ciso", DisplayName: pCISO, Role: medsec.RoleSecurityOfficer, Language: "zh-TW"}},
		{User: medsec.User{Username: "ce.lin", DisplayName: pCEChief, Role: medsec.RoleClinicalEngineer, Language: "zh-TW"}},
		{User: medsec.User{Username: "itops.chen", DisplayName: pSysAdmin, Role: medsec.RoleITOperations, Language: "zh-TW"}},
		{User: medsec.User{Username: "soc.wang", DisplayName: pSOC, Role: medsec.RoleSOCAnalyst, Language: "zh-TW"}},
		{User: medsec.User{Username: "auditor", DisplayName: pAuditor, Role: medsec.RoleAuditor, Language: "zh-TW"}},
		{Vendor: vAurora, User: medsec.User{Username: "vendor.aurora", DisplayName: "Kevin Ho (Aurora Medical Systems)", Role: medsec.RoleVendor, Language: "en"}},
		{Sites: []string{siteBranch}, User: medsec.User{Username: "ce.hsu", DisplayName: pBrCE, Role: medsec.RoleClinicalEngineer, Language: "zh-TW"}},
		// The superintendent signs the yearly risk review for the hospital's leadership;
		// role leadership holds risk:sign-leadership, which no other role holds.
		{User: medsec.User{Username: "director", DisplayName: pDirector, Role: medsec.RoleLeadership, Language: "zh-TW"}},
	}
}
