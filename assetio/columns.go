package assetio

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// col identifies one canonical column of the asset inventory.
type col int

// The canonical columns, in the order WriteCSV and WriteXLSX write them.
const (
	colName col = iota
	colKind
	colSite
	colDepartment
	colVendor
	colModel
	colSerial
	colSoftware
	colFirmware
	colIPs
	colMACs
	colVLAN
	colSSID
	colLocation
	colResponsible
	colVendorContact
	colConnectivity
	colDataClass
	colPatientRecords
	colEndOfSupport
	colRemoteMaintenance
	colPatching
	colDefaultCreds
	colLevel
	colNotes
	colStatus
	colAETitles
	colClass
	colFirmwareCPE
	colHardwareCPE
	colPURL
	numCols
)

// Languages a header row may be written in. Template takes these tags.
const (
	langEN = iota
	langZhTW
	langZhCN
	langJA
	numLangs
)

// langTags are the BCP 47 tags of the header languages, indexed like column.headers.
var langTags = [numLangs]string{"en", "zh-TW", "zh-CN", "ja"}

// column describes one canonical column: its English name (which is also the name of the
// domain field the validators report), its header in each language, and further header
// names found in hospitals' spreadsheets.
type column struct {
	key     string
	headers [numLangs]string
	aliases []string
}

// columns is indexed by col. The first header of each language is what Template writes;
// every header and alias is accepted when reading, compared after fold.
var columns = [numCols]column{
	colName:       {"name", [numLangs]string{"name", "名稱", "名称", "名称"}, []string{"asset name", "device name", "設備名稱", "資產名稱", "设备名称", "资产名称", "機器名", "機器名称", "資産名"}},
	colKind:       {"kind", [numLangs]string{"kind", "類型", "类型", "種別"}, []string{"type", "device type", "設備類型", "设备类型", "種類", "機器種別"}},
	colSite:       {"site", [numLangs]string{"site", "院區", "院区", "施設"}, []string{"campus", "hospital", "醫院", "医院", "病院", "拠点"}},
	colDepartment: {"department", [numLangs]string{"department", "部門", "科室", "部署"}, []string{"dept", "科別", "使用單位", "部门", "使用科室", "診療科", "部門名"}},
	colVendor:     {"vendor", [numLangs]string{"vendor", "廠商", "厂商", "メーカー"}, []string{"manufacturer", "製造商", "原廠", "制造商", "生产厂家", "製造元", "ベンダー"}},
	colModel:      {"model", [numLangs]string{"model", "型號", "型号", "型番"}, []string{"機型", "机型", "機種", "モデル"}},
	colSerial:     {"serial", [numLangs]string{"serial", "序號", "序列号", "シリアル番号"}, []string{"serial number", "sn", "s/n", "序號", "出廠序號", "序列號", "机身号", "製造番号", "シリアル"}},
	colSoftware: {"software_version", [numLangs]string{"software_version", "軟體版本", "软件版本", "ソフトウェアバージョン"},
		[]string{"software", "sw version", "軟體", "软件", "ソフトウェア", "ソフトウェア版数"}},
	colFirmware: {"firmware_version", [numLangs]string{"firmware_version", "韌體版本", "固件版本", "ファームウェアバージョン"},
		[]string{"firmware", "fw version", "韌體", "固件", "ファームウェア", "ファームウェア版数"}},
	colIPs:  {"ips", [numLangs]string{"ips", "IP位址", "IP地址", "IPアドレス"}, []string{"ip", "ip address", "ip addresses", "IP 位置"}},
	colMACs: {"macs", [numLangs]string{"macs", "MAC位址", "MAC地址", "MACアドレス"}, []string{"mac", "mac address", "mac addresses", "MAC 位置"}},
	colVLAN: {"vlan", [numLangs]string{"vlan", "VLAN", "VLAN", "VLAN"}, []string{"vlan id"}},
	colSSID: {"ssid", [numLangs]string{"ssid", "SSID", "SSID", "SSID"}, []string{"wifi ssid", "wi-fi ssid"}},
	colLocation: {"location", [numLangs]string{"location", "位置", "位置", "設置場所"},
		[]string{"放置地點", "放置位置", "安裝位置", "安装位置", "存放地点", "所在位置", "場所", "設置場所"}},
	colResponsible: {"responsible", [numLangs]string{"responsible", "負責人", "负责人", "責任者"},
		[]string{"owner", "responsible person", "保管人", "管理人", "責任人", "担当者", "管理責任者"}},
	colVendorContact: {"vendor_contact", [numLangs]string{"vendor_contact", "廠商聯絡人", "厂商联系人", "メーカー連絡先"},
		[]string{"vendor contact person", "廠商聯絡方式", "廠商聯絡資訊", "厂商联系方式", "ベンダー連絡先", "保守連絡先"}},
	colConnectivity: {"connectivity", [numLangs]string{"connectivity", "連線方式", "连接方式", "接続方式"},
		[]string{"connection", "connections", "連接方式", "網路連線", "联网方式", "接続形態", "ネットワーク接続"}},
	colDataClass: {"data_class", [numLangs]string{"data_class", "資料類別", "数据类别", "データ区分"},
		[]string{"data class", "data classification", "資料分類", "資料類型", "数据分类", "数据类型", "データ分類", "データ種別"}},
	colPatientRecords: {"patient_records", [numLangs]string{"patient_records", "病歷筆數", "患者记录数", "患者記録数"},
		[]string{"patient record count", "病患資料筆數", "病人資料筆數", "个人信息数量", "患者数据量", "患者データ件数", "患者情報件数"}},
	colEndOfSupport: {"end_of_support", [numLangs]string{"end_of_support", "停止支援日期", "停止支持日期", "サポート終了日"},
		[]string{"eos", "end of support date", "支援終止日", "停止支援日", "终止支持日期", "停止维护日期", "サポート期限", "保守終了日"}},
	colRemoteMaintenance: {"remote_maintenance", [numLangs]string{"remote_maintenance", "遠端維護", "远程维护", "リモートメンテナンス"},
		[]string{"remote access", "遠端維護方式", "远程维护方式", "リモート保守", "リモート保守経路"}},
	colPatching: {"patching_permitted", [numLangs]string{"patching_permitted", "原廠允許修補", "厂商允许补丁", "パッチ適用可否"},
		[]string{"patching allowed", "patch permitted", "允許修補", "可否修補", "允许打补丁", "允许补丁", "パッチ適用許可", "パッチ適用"}},
	colDefaultCreds: {"default_credentials", [numLangs]string{"default_credentials", "預設帳密", "默认口令", "初期パスワード"},
		[]string{"default password", "default credential status", "預設密碼", "預設帳號密碼", "默认密码", "默认账号口令", "初期認証情報", "初期パスワード変更"}},
	colLevel:  {"level", [numLangs]string{"level", "等級", "等级", "レベル"}, []string{"security level", "防護等級", "防护等级", "保護レベル"}},
	colNotes:  {"notes", [numLangs]string{"notes", "備註", "备注", "備考"}, []string{"note", "remarks", "comment", "comments", "說明", "说明", "メモ"}},
	colStatus: {"status", [numLangs]string{"status", "狀態", "状态", "状態"}, []string{"使用狀態", "使用状态", "稼働状況", "ステータス"}},
	colAETitles: {"ae_titles", [numLangs]string{"ae_titles", "AE Title", "AE Title", "AEタイトル"},
		[]string{"ae title", "ae titles", "dicom ae title", "dicom ae", "AE名稱", "AE名称"}},
	colClass: {"class", [numLangs]string{"class", "醫療儀器分類", "医疗设备分类", "機器分類"},
		[]string{"device class", "grouping class", "分群", "分類", "分类"}},
	colFirmwareCPE: {"firmware_cpe", [numLangs]string{"firmware_cpe", "韌體CPE", "固件CPE", "ファームウェアCPE"},
		[]string{"firmware cpe", "software cpe", "os cpe", "cpe", "軟體CPE", "软件CPE", "ソフトウェアCPE"}},
	colHardwareCPE: {"hardware_cpe", [numLangs]string{"hardware_cpe", "硬體CPE", "硬件CPE", "ハードウェアCPE"},
		[]string{"hardware cpe", "device cpe"}},
	colPURL: {"purl", [numLangs]string{"purl", "套件URL (purl)", "软件包URL (purl)", "パッケージURL (purl)"},
		[]string{"package url", "package-url"}},
}

// headerIndex maps every folded header name to its column.
var headerIndex = buildHeaderIndex()

func buildHeaderIndex() map[string]col {
	m := make(map[string]col)
	add := func(name string, c col) {
		k := fold(name)
		if prev, ok := m[k]; ok && prev != c {
			panic("assetio: header " + name + " names two columns") // a defect in the table above
		}
		m[k] = c
	}
	for c := range numCols {
		add(columns[c].key, c)
		for _, h := range columns[c].headers {
			add(h, c)
		}
		for _, h := range columns[c].aliases {
			add(h, c)
		}
	}
	return m
}

// lookupHeader returns the column a header cell names. It tries the whole cell, then the
// cell without a trailing parenthesised remark ("IP位址 (多筆以分號分隔)"), then its first
// line, so that bilingual and annotated headers are recognised.
func lookupHeader(h string) (col, bool) {
	if c, ok := headerIndex[fold(h)]; ok {
		return c, true
	}
	for _, open := range []string{"(", "（"} {
		if i := strings.Index(h, open); i > 0 {
			if c, ok := headerIndex[fold(h[:i])]; ok {
				return c, true
			}
		}
	}
	if i := strings.IndexAny(h, "\r\n"); i > 0 {
		return lookupHeader(h[:i])
	}
	return 0, false
}

// isHeader reports whether a cell names a column.
func isHeader(h string) bool {
	_, ok := lookupHeader(h)
	return ok
}

// fold puts a header name or an enumerated value in the form they are compared in:
// full-width letters and digits narrowed, lower case, without spaces, '_' or '-'.
// So "Software Version", "software_version" and "ＳＯＦＴＷＡＲＥ－ＶＥＲＳＩＯＮ" compare equal,
// as do "Wi-Fi" and "wifi".
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = width.Fold.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || unicode.IsSpace(r):
			continue
		case r < utf8.RuneSelf && 'A' <= r && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		case r >= utf8.RuneSelf:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(byte(r))
		}
	}
	return b.String()
}
