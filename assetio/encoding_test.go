package assetio

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"medsec"
)

// Inventories as hospitals in each region write them, headers and cells in the local
// script.
const (
	zhTWInventory = "名稱,類型,院區,部門,廠商,型號,位置,負責人,連線方式,資料類別,備註\r\n" +
		"電腦斷層掃描儀,影像設備,總院,放射科,西門子,SOMATOM,二樓檢查室,王大明,院內網路,敏感,每年保養一次\r\n" +
		"生理監視器,生理監視器,總院,加護病房,飛利浦,MX450,第三床,陳小華,無線網路,敏感,\"護理站旁，靠近窗戶\"\r\n"
	zhCNInventory = "名称,类型,院区,科室,厂商,型号,位置,负责人,连接方式,数据类别,备注\r\n" +
		"电子计算机断层扫描仪,影像设备,总院,放射科,西门子,SOMATOM,二楼检查室,王大明,内网,个人敏感,每年保养一次\r\n" +
		"监护仪,监护仪,总院,重症监护室,飞利浦,MX450,第三床,陈小华,无线网络,个人敏感,\"护士站旁边，靠近窗户\"\r\n"
	jaInventory = "名称,種別,施設,部署,メーカー,型番,設置場所,責任者,接続方式,データ区分,備考\r\n" +
		"ＣＴ装置,画像診断装置,本院,放射線科,シーメンス,SOMATOM,２階検査室,山田太郎,院内ネットワーク,要配慮個人情報,年に一度点検\r\n" +
		"生体情報モニタ,生体情報モニタ,本院,集中治療室,フィリップス,MX450,３番ベッド,佐藤花子,無線LAN,要配慮個人情報,ナースステーションの横\r\n"
	// English headers: the encoding must be told from the cells alone.
	zhTWCells = "name,site,department,location,notes\n" +
		"超音波掃描儀,總院,婦產科,門診大樓三樓,由醫學工程室負責每年保養與校正\n" +
		"輸液幫浦,總院,內科病房,護理站,韌體更新須經原廠同意\n"
	zhCNCells = "name,site,department,location,notes\n" +
		"超声诊断仪,总院,妇产科,门诊楼三楼,由医学工程部负责每年保养和校准\n" +
		"输液泵,总院,内科病房,护士站,固件升级需要厂家同意\n"
	jaCells = "name,site,department,location,notes\n" +
		"超音波診断装置,本院,産婦人科,外来棟三階,臨床工学技士が毎年点検と校正を行う\n" +
		"輸液ポンプ,本院,内科病棟,ナースステーション,ファームウェア更新はメーカーの許可が必要\n"
)

func TestReadCSVEncodings(t *testing.T) {
	tests := []struct {
		name string
		text string
		enc  encoding.Encoding
	}{
		{"Big5", zhTWInventory, traditionalchinese.Big5},
		{"GB18030", zhCNInventory, simplifiedchinese.GB18030},
		{"GBK", zhCNInventory, simplifiedchinese.GBK},
		{"Shift_JIS", jaInventory, japanese.ShiftJIS},
		{"Big5, English headers", zhTWCells, traditionalchinese.Big5},
		{"GB18030, English headers", zhCNCells, simplifiedchinese.GB18030},
		{"Shift_JIS, English headers", jaCells, japanese.ShiftJIS},
		{"UTF-16LE with BOM, tab-separated", strings.ReplaceAll(zhTWInventory, ",", "\t"), unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
		{"UTF-16BE with BOM", jaInventory, unicode.UTF16(unicode.BigEndian, unicode.UseBOM)},
		{"UTF-8 with BOM", "\uFEFF" + zhCNInventory, unicode.UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := ReadCSV(strings.NewReader(strings.TrimPrefix(strings.ReplaceAll(tt.text, "\t", ",")+"", "\uFEFF")), "utf8.csv")
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != 2 {
				t.Fatalf("the UTF-8 original has %d rows, want 2", len(want))
			}
			data, err := tt.enc.NewEncoder().Bytes([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if string(data) == tt.text && tt.enc != unicode.UTF8 {
				t.Fatal("the encoded text is the same as the UTF-8 text: the test would prove nothing")
			}
			got, err := ReadCSV(strings.NewReader(string(data)), "legacy.csv")
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, got, want)
		})
	}
}

func TestDecodeTextRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want medsec.FieldError
	}{
		{"BOM then Latin-1", "\xEF\xBB\xBFname,site\nCaf\xE9,Main\n",
			medsec.FieldError{Line: 2, Field: "file", Key: "err.bad_encoding", Message: "the file starts with a UTF-8 byte-order mark but is not UTF-8 text"}},
		{"odd UTF-16", "\xFF\xFEn\x00a\x00m", medsec.FieldError{Field: "file", Key: "err.bad_encoding", Message: "the file starts with a UTF-16 byte-order mark but is not UTF-16 text"}},
		{"stray bytes", "name,site\nA,Main\nB,\xFF\xFF\n",
			medsec.FieldError{Line: 3, Field: "file", Key: "err.bad_encoding", Message: "the file is not UTF-8, Big5, GB18030 or Shift_JIS text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got := decodeText([]byte(tt.in))
			if got == nil || !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
