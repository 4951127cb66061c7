package assetio

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/i18n"
)

// enum is the set of accepted spellings of one enumerated column: each canonical value
// with its zh-TW, zh-CN and ja translations and common synonyms, compared after fold.
type enum struct {
	what   string            // "kind", "data class": for messages
	group  string            // the value set's name in medsec.FieldError.Enum and the UI's translations
	values []string          // canonical values, in display order
	index  map[string]string // fold(spelling) -> canonical value
	exact  map[string]string // canonical value -> itself, the common case, tried before folding
}

// newEnum builds an enum from canonical values and, for each, its other spellings.
func newEnum(what, group string, spellings map[string][]string, values ...string) *enum {
	e := &enum{what: what, group: group, values: values, index: make(map[string]string), exact: make(map[string]string)}
	add := func(s, v string) {
		k := fold(s)
		if prev, ok := e.index[k]; ok && prev != v {
			panic(fmt.Sprintf("assetio: %s spelling %q means both %q and %q", what, s, prev, v))
		}
		e.index[k] = v
	}
	for _, v := range values {
		e.exact[v] = v
		add(v, v)
		for _, s := range spellings[v] {
			add(s, v)
		}
	}
	// The value's label in each language of the user interface ("PACS 影像系統",
	// "Low (普)"), and that label without its parenthesised remark, read as the value too,
	// so that what the pages and the problem lists show may be written in a file. A label
	// that would spell two values is left out (TestEnumTranslationsAreAccepted reports it).
	for _, v := range values {
		key := group + "." + v
		if !uiLabels.Has(key) {
			continue
		}
		for _, lang := range i18n.Languages {
			label := uiLabels.T(lang, key)
			forms := []string{label}
			if i := strings.IndexAny(label, "(（"); i > 0 {
				forms = append(forms, strings.TrimSpace(label[:i]))
			}
			for _, f := range forms {
				if prev, ok := e.index[fold(f)]; !ok || prev == v {
					e.index[fold(f)] = v
				}
			}
		}
	}
	return e
}

// uiLabels are the user interface's messages, for the labels of enumerated values.
var uiLabels = func() *i18n.Bundle {
	b, err := i18n.Load()
	if err != nil {
		panic("assetio: " + err.Error()) // the messages are embedded: a defect of the build
	}
	return b
}()

// parse returns the canonical value a cell spells, or an error listing the accepted values.
func (e *enum) parse(cell string) (string, error) {
	if v, ok := e.exact[cell]; ok {
		return v, nil
	}
	if v, ok := e.index[fold(cell)]; ok {
		return v, nil
	}
	return "", fmt.Errorf("unknown %s %q (want one of %s)", e.what, cell, strings.Join(e.values, ", "))
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var kinds = newEnum("kind", "kind", map[string][]string{
	"modality":           {"imaging", "影像設備", "醫學影像設備", "影像设备", "医学影像设备", "モダリティ", "画像診断装置"},
	"pacs":               {"影像儲傳系統", "医学影像存档与通信系统", "影像归档和通信系统"},
	"his":                {"醫院資訊系統", "医院信息系统", "病院情報システム"},
	"lis":                {"檢驗資訊系統", "实验室信息系统", "检验信息系统", "臨床検査システム", "検体検査システム"},
	"emr":                {"ehr", "電子病歷", "電子病歷系統", "电子病历", "电子病历系统", "電子カルテ"},
	"ris":                {"放射資訊系統", "放射科信息系统", "放射線情報システム"},
	"patient-monitor":    {"monitor", "生理監視器", "病人監視器", "监护仪", "病人监护仪", "生体情報モニタ", "患者モニタ"},
	"central-station":    {"central monitor", "中央監視站", "中央監視系統", "中央监护站", "中央监护系统", "セントラルモニタ"},
	"dialysis":           {"dialysis machine", "洗腎機", "血液透析機", "透析机", "血液透析机", "透析装置"},
	"edge-gateway":       {"gateway", "邊緣閘道", "閘道器", "边缘网关", "网关", "エッジゲートウェイ", "ゲートウェイ"},
	"infusion-pump":      {"輸液幫浦", "輸液泵", "输液泵", "輸液ポンプ"},
	"lab-analyzer":       {"analyzer", "檢驗儀器", "檢驗分析儀", "检验仪器", "检验分析仪", "検体検査装置", "分析装置"},
	"ultrasound":         {"超音波", "超音波儀", "超声", "超声诊断仪", "超音波診断装置"},
	"device-server":      {"設備伺服器", "儀器伺服器", "设备服务器", "机器サーバ", "機器サーバ", "装置サーバ"},
	"application-server": {"應用伺服器", "应用服务器", "アプリケーションサーバ", "アプリケーションサーバー"},
	"workstation":        {"工作站", "ワークステーション", "端末"},
	"network":            {"network device", "網路設備", "网络设备", "ネットワーク機器"},
	"other":              {"其他", "其它", "その他"},
}, stringsOf(medsec.AssetKinds)...)

var connectivities = newEnum("connectivity", "connectivity", map[string][]string{
	"internet":  {"網際網路", "外網", "互联网", "外网", "インターネット"},
	"intranet":  {"院內網路", "院內系統網路", "內網", "院内网", "内网", "院内网络", "院内ネットワーク", "イントラネット", "院内LAN"},
	"local-lan": {"lan", "local", "區域網路", "局域網", "本地區網", "局域网", "本地局域网", "ローカルLAN", "ローカルネットワーク"},
	"wifi":      {"wlan", "wireless", "無線", "無線網路", "無線區網", "无线", "无线网", "无线网络", "无线局域网", "無線LAN"},
	"rs232":     {"serial", "rs 232", "序列埠", "串口", "串行口", "シリアル", "シリアルポート"},
	"bluetooth": {"bt", "藍牙", "蓝牙", "ブルートゥース"},
	"rf":        {"radio", "射頻", "射频", "無線周波数", "RF通信"},
	"ir":        {"infrared", "紅外線", "红外", "红外线", "赤外線"},
}, stringsOf(medsec.Connectivities)...)

var dataClasses = newEnum("data class", "data_class", map[string][]string{
	"sensitive-personal": {"sensitive", "敏感", "敏感醫療資料", "個人敏感", "個人敏感醫療資料", "敏感医疗数据", "个人敏感", "个人敏感医疗数据", "含个人信息的敏感医疗数据", "要配慮個人情報", "機微", "個人情報"},
	"non-sensitive":      {"nonsensitive", "非敏感", "非敏感醫療資料", "非敏感医疗数据", "非機微", "非個人情報"},
	"device-only":        {"device", "device data", "設備資料", "僅設備資料", "設備數據", "设备数据", "仅设备数据", "機器データ", "装置データ", "機器データのみ"},
}, stringsOf(medsec.DataClasses)...)

var tristates = newEnum("value", "tristate", map[string][]string{
	"yes":     {"y", "true", "1", "是", "允許", "允许", "可", "有", "はい", "○", "〇"},
	"no":      {"n", "false", "0", "否", "不允許", "不允许", "不可", "無", "无", "いいえ", "×", "✕"},
	"unknown": {"?", "未知", "不明", "不詳", "不详", "未確認", "未确认"},
}, stringsOf(medsec.Tristates)...)

var credStatuses = newEnum("value", "cred", map[string][]string{
	"unknown":   {"?", "未知", "不明", "未確認", "未确认"},
	"changed":   {"已變更", "已修改", "已更改", "已修改默认口令", "変更済", "変更済み"},
	"unchanged": {"default", "未變更", "未修改", "仍為預設", "未更改", "默认", "未変更", "初期値のまま"},
	"none":      {"no login", "無帳號", "無登入", "无账号", "无登录", "ログインなし", "認証なし"},
}, stringsOf(medsec.CredentialStatuses)...)

var levels = newEnum("level", "level", map[string][]string{
	"low":      {"普", "普級", "低", "低級", "低级"},
	"moderate": {"medium", "中", "中級", "中级"},
	"high":     {"高", "高級", "高级"},
}, stringsOf(medsec.Levels)...)

var statuses = newEnum("status", "status", map[string][]string{
	"active":  {"in use", "使用中", "啟用", "在用", "启用", "稼働中", "運用中"},
	"retired": {"已停用", "停用", "報廢", "已報廢", "已停用", "报废", "已报废", "退役", "廃棄", "運用停止", "撤去"},
}, string(medsec.StatusActive), string(medsec.StatusRetired))

var classes = newEnum("class", "class", map[string][]string{
	"standalone":         {"終端單機", "终端单机", "単体端末機器"},
	"group":              {"群組型儀器", "群组型设备", "グループ型機器"},
	"system":             {"系統型儀器", "系统型设备", "システム型機器"},
	"boundary-host":      {"邊界主機", "边界主机", "境界ホスト"},
	"control-system":     {"醫儀控制系統", "医疗设备控制系统", "医療機器制御システム"},
	"application-system": {"醫儀應用系統", "医疗设备应用系统", "医療機器アプリケーションシステム"},
}, stringsOf(medsec.DeviceClasses)...)

// splitList splits a multi-valued cell at ';', ',' and line breaks (and their full-width
// forms and the ideographic comma '、'); when spaces also separate, at white space too.
func splitList(cell string, spaces bool) []string {
	parts := strings.FieldsFunc(cell, func(r rune) bool {
		switch r {
		case ';', ',', '\n', '\r', '；', '，', '、':
			return true
		case ' ', '\t', '\u3000':
			return spaces
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseIP returns the canonical text of an IPv4 or IPv6 address.
func parseIP(s string) (string, error) {
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address", s)
	}
	return addr.String(), nil
}

// parseMAC returns an EUI-48 address as lower-case colon-separated hex. It accepts the
// colon, hyphen and Cisco dotted forms and twelve bare hex digits.
func parseMAC(s string) (string, error) {
	t := s
	if len(t) == 12 && isHex(t) {
		t = t[0:2] + ":" + t[2:4] + ":" + t[4:6] + ":" + t[6:8] + ":" + t[8:10] + ":" + t[10:12]
	}
	hw, err := net.ParseMAC(t)
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("%q is not a MAC address", s)
	}
	return hw.String(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// parseCount parses a non-negative whole number, allowing thousands separators ("12,000")
// and the "12000.0" and "1.2E+4" forms spreadsheets may store.
func parseCount(s string) (int64, error) {
	t := strings.ReplaceAll(s, ",", "")
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f != math.Trunc(f) || f >= 1<<62 || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if f < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return int64(f), nil
}

// parseVLAN parses a VLAN ID, 0 to 4094, optionally written "VLAN 100".
func parseVLAN(s string) (int, error) {
	t := strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s), "vlan"))
	n, err := parseCount(t)
	if err != nil || n > 4094 || strings.Contains(t, ",") {
		return 0, fmt.Errorf("%q is not a VLAN ID (0 to 4094)", s)
	}
	return int(n), nil
}

// parseDate parses a calendar date written YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or
// YYYY年MM月DD日 (months and days may have one digit), optionally followed by a time of day
// ("2027-03-31T00:00:00Z", "2027/3/31 0:00"), which is dropped. When serial is true, a
// number is read as an Excel date serial in the 1900 or, with date1904, the 1904 system.
func parseDate(s string, serial, date1904 bool) (medsec.Date, error) {
	if serial {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return excelDate(s, f, date1904)
		}
	}
	bad := fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	t := s
	if i := strings.IndexAny(t, "T "); i > 0 {
		t = t[:i]
	}
	var ymd [3]int
	for n := range 3 {
		j := 0
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if (n == 0 && j != 4) || (n > 0 && (j < 1 || j > 2)) {
			return medsec.Date{}, bad
		}
		ymd[n], _ = strconv.Atoi(t[:j])
		t = t[j:]
		if n == 2 {
			t = strings.TrimPrefix(t, "日")
			break
		}
		sep := false
		for _, p := range []string{"-", "/", ".", [2]string{"年", "月"}[n]} {
			if strings.HasPrefix(t, p) {
				t, sep = t[len(p):], true
				break
			}
		}
		if !sep {
			return medsec.Date{}, bad
		}
	}
	d := time.Date(ymd[0], time.Month(ymd[1]), ymd[2], 0, 0, 0, 0, time.UTC)
	if t != "" || d.Year() != ymd[0] || int(d.Month()) != ymd[1] || d.Day() != ymd[2] {
		return medsec.Date{}, bad // trailing text, or 2027-02-30 and the like
	}
	return medsec.DateOf(d), nil
}

// excelDate converts an Excel date serial: in the 1900 system 1 is 1900-01-01 and 60 is
// the fictitious 1900-02-29 (taken as 1900-03-01); in the 1904 system 0 is 1904-01-01.
// A fraction (the time of day) is dropped.
func excelDate(s string, f float64, date1904 bool) (medsec.Date, error) {
	const last = 2958465 // 9999-12-31 in the 1900 system
	if f < 0 || (!date1904 && f < 1) || f > last || math.IsNaN(f) {
		return medsec.Date{}, fmt.Errorf("%q is not a date (Excel date serial out of range)", s)
	}
	days := int(math.Floor(f))
	if date1904 {
		return medsec.DateOf(time.Date(1904, 1, 1+days, 0, 0, 0, 0, time.UTC)), nil
	}
	if days < 61 {
		days++ // before Excel's 1900-02-29, which did not exist
	}
	return medsec.DateOf(time.Date(1899, 12, 30+days, 0, 0, 0, 0, time.UTC)), nil
}

// SplitList splits a cell holding several values (a clinical system's member assets)
// at ';', ',', '、', their full-width forms and line breaks, as the ips and connectivity
// columns are split; not at spaces, which names hold.
func SplitList(cell string) []string { return splitList(cell, false) }
