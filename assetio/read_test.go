package assetio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"medsec"
)

// mustDate parses a YYYY-MM-DD test date.
func mustDate(t testing.TB, s string) medsec.Date {
	t.Helper()
	d, err := medsec.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// normalized returns a copy of a normalized as the importer returns it.
func normalized(a medsec.Asset) medsec.Asset {
	a.Normalize()
	return a
}

// diffRows reports the first difference between two row lists.
func diffRows(t *testing.T, got, want []medsec.AssetRow) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d:\ngot  %+v\nwant %+v", len(got), len(want), got, want)
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// validationErrors returns the FieldErrors of a *medsec.ValidationError, failing the test
// for any other error.
func validationErrors(t *testing.T, err error, source string) []medsec.FieldError {
	t.Helper()
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got error %v (%T), want a *medsec.ValidationError", err, err)
	}
	if ve.Source != source {
		t.Errorf("Source = %q, want %q", ve.Source, source)
	}
	return ve.Errors
}

const enHeader = "name,kind,site,department,vendor,model,serial,software_version,firmware_version,ips,macs,vlan,ssid,location,responsible,vendor_contact,connectivity,data_class,patient_records,end_of_support,remote_maintenance,patching_permitted,default_credentials,level,notes,status"

func TestReadCSVGood(t *testing.T) {
	ct := medsec.AssetRow{
		Line: 2, Site: "Main", Department: "Radiology", Vendor: "Siemens", Responsible: "Dr. Lin",
		Asset: normalized(medsec.Asset{
			Name: "CT-01", Kind: medsec.KindModality, Model: "SOMATOM go.Up", Serial: "S123",
			Software: "VA40", Firmware: "1.2", IPs: []string{"10.1.2.3", "10.1.2.4"},
			MACs: []string{"00:1b:2c:3d:4e:5f"}, VLAN: 120, Location: "CT room 2",
			VendorContact: "0912-345678",
			Connectivity:  []medsec.Connectivity{medsec.ConnIntranet, medsec.ConnLocalLAN},
			DataClass:     medsec.DataSensitivePersonal, PatientRecords: 12000,
			EndOfSupport: mustDate(t, "2028-03-31"), RemoteMaintenance: "VPN via vendor gateway",
			PatchingPermitted: medsec.No, DefaultCreds: medsec.CredChanged, Level: medsec.LevelHigh,
			Notes: "two lines\nof notes, \"quoted\"", Status: medsec.StatusActive,
		}),
	}
	pump := medsec.AssetRow{
		Line: 6, Site: "North",
		Asset: normalized(medsec.Asset{Name: "Pump 7", Kind: medsec.KindInfusionPump,
			IPs: []string{"fe80::1", "10.0.0.9"}, MACs: []string{"00:1b:2c:3d:4e:60", "00:1b:2c:3d:4e:61", "00:1b:2c:3d:4e:62"},
			Connectivity: []medsec.Connectivity{medsec.ConnBluetooth, medsec.ConnWiFi}, SSID: "MED-IOT",
			Status: medsec.StatusRetired, Notes: "=SUM(A1)"}),
	}
	tests := []struct {
		name string
		in   string
		want []medsec.AssetRow
	}{
		{
			name: "every column, canonical names",
			in: enHeader + "\n" +
				`CT-01,modality,Main,Radiology,Siemens,SOMATOM go.Up,S123,VA40,1.2,10.1.2.3;10.1.2.4,00-1B-2C-3D-4E-5F,120,,CT room 2,Dr. Lin,0912-345678,intranet;local LAN,sensitive-personal,"12,000",2028/03/31,VPN via vendor gateway,no,changed,high,"two lines` + "\n" +
				`of notes, ""quoted""",active` + "\n\n" + ",,,\n" +
				`Pump 7,Infusion Pump,North,,,,,,,"fe80::1, 10.0.0.9","001b.2c3d.4e60 001B2C3D4E61` + "\n" + `00:1b:2c:3d:4e:62",,MED-IOT,,,,Wi-Fi、Bluetooth,,,,,,,,'=SUM(A1),retired` + "\n",
			want: []medsec.AssetRow{ct, pump},
		},
		{
			name: "CRLF, BOM, columns in another order, padded and upper-case headers",
			in:   "\uFEFF Site , NAME ,Software Version,IP Address\r\nMain,PACS-1,  5.2 ,10.9.9.9\r\n",
			want: []medsec.AssetRow{{Line: 2, Site: "Main",
				Asset: normalized(medsec.Asset{Name: "PACS-1", Software: "5.2", IPs: []string{"10.9.9.9"}})}},
		},
		{
			name: "title rows above the header",
			in:   "臺北總院 醫療儀器資產清冊,,\n製表日期 2026-11-23\n\nname,site,model\nA,Main,X\n",
			want: []medsec.AssetRow{{Line: 5, Site: "Main", Asset: normalized(medsec.Asset{Name: "A", Model: "X"})}},
		},
		{
			name: "header only",
			in:   "name,site\n",
			want: []medsec.AssetRow{},
		},
		{
			name: "semicolon-separated",
			in:   "name;site;ips\nUS-1;Main;10.0.0.1, 10.0.0.2\n",
			want: []medsec.AssetRow{{Line: 2, Site: "Main",
				Asset: normalized(medsec.Asset{Name: "US-1", IPs: []string{"10.0.0.1", "10.0.0.2"}})}},
		},
		{
			name: "tab-separated, dates and counts in other spellings",
			in:   "name\tsite\tend_of_support\tpatient_records\tvlan\n\nA\tMain\t2027年3月1日\t1200\tVLAN 30\nB\tMain\t2027.12.31\t0\t0\n",
			want: []medsec.AssetRow{
				{Line: 3, Site: "Main", Asset: normalized(medsec.Asset{Name: "A", EndOfSupport: mustDate(t, "2027-03-01"), PatientRecords: 1200, VLAN: 30})},
				{Line: 4, Site: "Main", Asset: normalized(medsec.Asset{Name: "B", EndOfSupport: mustDate(t, "2027-12-31")})},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tt.in), "assets.csv")
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, got, tt.want)
		})
	}
}

// TestReadCSVLanguages reads the same inventory with its header and values in each
// language.
func TestReadCSVLanguages(t *testing.T) {
	want := []medsec.AssetRow{{
		Line: 2, Site: "S", Department: "D", Vendor: "V", Responsible: "R",
		Asset: normalized(medsec.Asset{
			Name: "N", Kind: medsec.KindPatientMonitor, Model: "M", Serial: "SN", Software: "1", Firmware: "2",
			IPs: []string{"10.0.0.1"}, MACs: []string{"00:00:5e:00:53:01"}, VLAN: 7, SSID: "W", Location: "L",
			VendorContact: "VC", Connectivity: []medsec.Connectivity{medsec.ConnIntranet, medsec.ConnRS232},
			DataClass: medsec.DataSensitivePersonal, PatientRecords: 5, EndOfSupport: mustDate(t, "2030-01-02"),
			RemoteMaintenance: "RM", PatchingPermitted: medsec.Yes, DefaultCreds: medsec.CredUnchanged,
			Level: medsec.LevelModerate, Notes: "X", Status: medsec.StatusActive,
		}),
	}}
	tests := []struct {
		lang   string
		header string
		values string
	}{
		{"en", enHeader,
			"N,patient-monitor,S,D,V,M,SN,1,2,10.0.0.1,00:00:5e:00:53:01,7,W,L,R,VC,intranet;rs232,sensitive-personal,5,2030-01-02,RM,yes,unchanged,moderate,X,active"},
		{"zh-TW", "名稱,類型,院區,部門,廠商,型號,序號,軟體版本,韌體版本,IP位址,MAC位址,VLAN,SSID,位置,負責人,廠商聯絡人,連線方式,資料類別,病歷筆數,停止支援日期,遠端維護,原廠允許修補,預設帳密,等級,備註,狀態",
			"N,生理監視器,S,D,V,M,SN,1,2,10.0.0.1,00:00:5e:00:53:01,7,W,L,R,VC,院內網路、序列埠,敏感,5,2030/01/02,RM,是,未變更,中,X,使用中"},
		{"zh-CN", "名称,类型,院区,科室,厂商,型号,序列号,软件版本,固件版本,IP地址,MAC地址,VLAN,SSID,位置,负责人,厂商联系人,连接方式,数据类别,患者记录数,停止支持日期,远程维护,厂商允许补丁,默认口令,等级,备注,状态",
			"N,监护仪,S,D,V,M,SN,1,2,10.0.0.1,00:00:5e:00:53:01,7,W,L,R,VC,内网；串口,个人敏感,5,2030/01/02,RM,是,未修改,中,X,在用"},
		{"ja", "名称,種別,施設,部署,メーカー,型番,シリアル番号,ソフトウェアバージョン,ファームウェアバージョン,IPアドレス,MACアドレス,VLAN,SSID,設置場所,責任者,メーカー連絡先,接続方式,データ区分,患者記録数,サポート終了日,リモートメンテナンス,パッチ適用可否,初期パスワード,レベル,備考,状態",
			"N,生体情報モニタ,S,D,V,M,SN,1,2,10.0.0.1,00:00:5e:00:53:01,7,W,L,R,VC,院内ネットワーク、シリアル,要配慮個人情報,5,2030/01/02,RM,はい,初期値のまま,中,X,稼働中"},
		{"full-width and bilingual headers", "名稱 (Name),ＫＩＮＤ,院區\nSite,部門,廠商,型號,序號,軟體版本,韌體版本,ＩＰ位址（多筆以分號分隔）,MAC位址,VLAN,SSID,位置,負責人,廠商聯絡人,連線方式,資料類別,病歷筆數,停止支援日期,遠端維護,原廠允許修補,預設帳密,等級,備註,狀態",
			"N,Patient Monitor,S,D,V,M,SN,1,2,10.0.0.1,00-00-5E-00-53-01,7,W,L,R,VC,Intranet;RS-232,Sensitive,5,2030-1-2,RM,Y,Default,Medium,X,Active"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			in := tt.header + "\n" + tt.values + "\n"
			if strings.Contains(tt.header, "\n") {
				in = `"名稱 (Name)",ＫＩＮＤ,"院區` + "\n" + `Site"` + strings.TrimPrefix(tt.header, "名稱 (Name),ＫＩＮＤ,院區\nSite") + "\n" + tt.values + "\n"
				want := want[0]
				want.Line = 3 // the header's quoted line break makes it two lines
				got, err := ReadCSV(strings.NewReader(in), "assets.csv")
				if err != nil {
					t.Fatal(err)
				}
				diffRows(t, got, []medsec.AssetRow{want})
				return
			}
			got, err := ReadCSV(strings.NewReader(in), "assets.csv")
			if err != nil {
				t.Fatal(err)
			}
			diffRows(t, got, want)
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	fe := func(line int, field, key, msg string) medsec.FieldError {
		return medsec.FieldError{Line: line, Field: field, Key: key, Message: msg}
	}
	fev := func(line int, field, key, value, msg string) medsec.FieldError {
		return medsec.FieldError{Line: line, Field: field, Key: key, Value: value, Message: msg}
	}
	// fen is a value outside an enumeration, which the problem lists (from the domain's
	// own lists, not the reader's).
	fen := func(line int, field, enum, value, msg string) medsec.FieldError {
		allowed := map[string][]string{"kind": stringsOf(medsec.AssetKinds), "connectivity": stringsOf(medsec.Connectivities),
			"data_class": stringsOf(medsec.DataClasses), "tristate": stringsOf(medsec.Tristates), "cred": stringsOf(medsec.CredentialStatuses),
			"level": stringsOf(medsec.Levels), "status": {"active", "retired"}, "class": stringsOf(medsec.DeviceClasses)}[enum]
		return medsec.FieldError{Line: line, Field: field, Key: "err.unknown_value", Value: value, Message: msg, Enum: enum, Allowed: allowed}
	}
	tests := []struct {
		name string
		in   string
		want []medsec.FieldError
	}{
		{"bad IP", "name,site,ip\nCT,Main,10.0.0.1\nMR,Main,10.0.0.300\n",
			[]medsec.FieldError{fev(3, "ip", "err.bad_ip", "10.0.0.300", `"10.0.0.300" is not an IP address`)}},
		{"bad IP among good ones", "name,site,IP位址\nCT,Main,10.0.0.1; 10.0.0.x; 10.0.0.2\n",
			[]medsec.FieldError{fev(2, "IP位址", "err.bad_ip", "10.0.0.x", `"10.0.0.x" is not an IP address`)}},
		{"bad MAC", "name,site,macs\nCT,Main,00:1b:2c:3d:4e\n",
			[]medsec.FieldError{fev(2, "macs", "err.bad_mac", "00:1b:2c:3d:4e", `"00:1b:2c:3d:4e" is not a MAC address`)}},
		{"EUI-64 is not a MAC", "name,site,macs\nCT,Main,00:1b:2c:3d:4e:5f:60:71\n",
			[]medsec.FieldError{fev(2, "macs", "err.bad_mac", "00:1b:2c:3d:4e:5f:60:71", `"00:1b:2c:3d:4e:5f:60:71" is not a MAC address`)}},
		{"VLAN out of range", "name,site,vlan\nCT,Main,4095\n",
			[]medsec.FieldError{fev(2, "vlan", "err.bad_vlan", "4095", `"4095" is not a VLAN ID (0 to 4094)`)}},
		{"VLAN not a number", "name,site,VLAN\nCT,Main,ten\n",
			[]medsec.FieldError{fev(2, "VLAN", "err.bad_vlan", "ten", `"ten" is not a VLAN ID (0 to 4094)`)}},
		{"unknown kind", "name,site,類型\nCT,Main,電腦斷層\n",
			[]medsec.FieldError{fen(2, "類型", "kind", "電腦斷層", `unknown kind "電腦斷層" (want one of modality, ultrasound, pacs, ris, his, lis, emr, patient-monitor, central-station, dialysis, edge-gateway, infusion-pump, lab-analyzer, device-server, application-server, workstation, network, other)`)}},
		{"unknown connectivity", "name,site,connectivity\nCT,Main,intranet;5G\n",
			[]medsec.FieldError{fen(2, "connectivity", "connectivity", "5G", `unknown connectivity "5G" (want one of internet, intranet, local-lan, wifi, rs232, bluetooth, rf, ir)`)}},
		{"unknown data class", "name,site,data_class\nCT,Main,secret\n",
			[]medsec.FieldError{fen(2, "data_class", "data_class", "secret", `unknown data class "secret" (want one of sensitive-personal, non-sensitive, device-only, unknown)`)}},
		{"patient records negative", "name,site,patient_records\nCT,Main,-5\n",
			[]medsec.FieldError{fev(2, "patient_records", "err.bad_number", "-5", `"-5" is negative`)}},
		{"patient records not whole", "name,site,患者记录数\nCT,Main,12.5\n",
			[]medsec.FieldError{fev(2, "患者记录数", "err.bad_number", "12.5", `"12.5" is not a whole number`)}},
		{"impossible date", "name,site,end_of_support\nCT,Main,2027-02-30\n",
			[]medsec.FieldError{fev(2, "end_of_support", "err.bad_date", "2027-02-30", `"2027-02-30" is not a date (YYYY-MM-DD)`)}},
		{"day-first date", "name,site,end_of_support\nCT,Main,31/03/2027\n",
			[]medsec.FieldError{fev(2, "end_of_support", "err.bad_date", "31/03/2027", `"31/03/2027" is not a date (YYYY-MM-DD)`)}},
		{"a serial is not a date in a CSV", "name,site,end_of_support\nCT,Main,46112\n",
			[]medsec.FieldError{fev(2, "end_of_support", "err.bad_date", "46112", `"46112" is not a date (YYYY-MM-DD)`)}},
		{"bad tristate", "name,site,patching_permitted\nCT,Main,maybe\n",
			[]medsec.FieldError{fen(2, "patching_permitted", "tristate", "maybe", `unknown value "maybe" (want one of unknown, yes, no)`)}},
		{"bad credential status", "name,site,default_credentials\nCT,Main,strong\n",
			[]medsec.FieldError{fen(2, "default_credentials", "cred", "strong", `unknown value "strong" (want one of unknown, changed, unchanged, none)`)}},
		{"bad level", "name,site,等級\nCT,Main,特\n",
			[]medsec.FieldError{fen(2, "等級", "level", "特", `unknown level "特" (want one of low, moderate, high)`)}},
		{"bad status", "name,site,status\nCT,Main,broken\n",
			[]medsec.FieldError{fen(2, "status", "status", "broken", `unknown status "broken" (want one of active, retired)`)}},
		{"name and site empty", "名稱,院區,ips\n,,10.0.0.1\n",
			[]medsec.FieldError{fe(2, "院區", "err.required", "is required"), fe(2, "名稱", "err.required", "is required")}},
		{"name too long", "name,site\n" + strings.Repeat("x", 201) + ",Main\n",
			[]medsec.FieldError{fe(2, "name", "err.too_long", "is longer than 200 characters")}},
		{"unknown column", "name,site,colour\nCT,Main,red\n",
			[]medsec.FieldError{fe(1, "colour", "err.unknown_column", "unknown column")}},
		{"missing required columns", "model\nX\n",
			[]medsec.FieldError{fe(1, "name", "err.missing_column", "column is missing"), fe(1, "site", "err.missing_column", "column is missing")}},
		{"repeated column", "name,site,名稱\nCT,Main,CT\n",
			[]medsec.FieldError{fe(1, "名稱", "err.duplicate_column", `repeats column "name"`)}},
		{"value beyond the header", "name,site\nCT,Main,extra\n",
			[]medsec.FieldError{fe(2, "column 3", "err.no_header", "value in a column without a header")}},
		{"value under an empty header", "name,,site\nCT,x,Main\n",
			[]medsec.FieldError{fe(2, "column 2", "err.no_header", "value in a column without a header")}},
		{"bare quote", "name,site,model\nCT,Main,ok\n監視器,Main,14\" screen\n",
			[]medsec.FieldError{fe(3, "character 12", "err.csv_syntax", csv.ErrBareQuote.Error())}},
		{"control character", "name,site,notes\nCT,Main,bell\x07\n",
			[]medsec.FieldError{fe(2, "notes", "err.bad_char", "contains the character U+0007, which a cell may not hold")}},
		{"a lone header cell is a header, not a title", "名稱\nCT\n",
			[]medsec.FieldError{fe(1, "site", "err.missing_column", "column is missing")}},
		{"empty file", "\n\n", []medsec.FieldError{fe(0, "file", "err.no_header", "has no header row")}},
		{"not text", "name,site\nCT,Main\n\xff\xfe\xfd\x80,Main\n",
			[]medsec.FieldError{fe(3, "file", "err.bad_encoding", "the file is not UTF-8, Big5, GB18030 or Shift_JIS text")}},
		{"every problem of every row, in order", "name,site,ips,kind,colour\n" +
			"A,Main,1.2.3.4,pacs,\n" +
			"B,,1.2.3,pacs,\n" +
			"\n" +
			"C,Main,1.2.3.4,tomograph,blue\n",
			[]medsec.FieldError{
				fe(1, "colour", "err.unknown_column", "unknown column"),
				fev(3, "ips", "err.bad_ip", "1.2.3", `"1.2.3" is not an IP address`),
				fe(3, "site", "err.required", "is required"),
				fen(5, "kind", "kind", "tomograph", `unknown kind "tomograph" (want one of modality, ultrasound, pacs, ris, his, lis, emr, patient-monitor, central-station, dialysis, edge-gateway, infusion-pump, lab-analyzer, device-server, application-server, workstation, network, other)`),
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadCSV(strings.NewReader(tt.in), "assets.csv")
			if rows != nil {
				t.Errorf("got %d rows with an error, want none", len(rows))
			}
			got := validationErrors(t, err, "assets.csv")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestErrorText checks the whole message a user sees names file, line and column.
func TestErrorText(t *testing.T) {
	in := "name,site\n" + strings.Repeat("A,Main\n", 12) + "B,Main\n"
	in = strings.Replace(in, "name,site", "name,site,ip", 1)
	in = strings.Replace(in, "B,Main\n", "B,Main,10.0.0.300\n", 1)
	_, err := ReadCSV(strings.NewReader(in), "assets.csv")
	want := `assets.csv: line 14: ip: "10.0.0.300" is not an IP address`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadErrorsFromReader(t *testing.T) {
	for name, read := range map[string]func() ([]medsec.AssetRow, error){
		"csv":  func() ([]medsec.AssetRow, error) { return ReadCSV(failingReader{}, "a.csv") },
		"xlsx": func() ([]medsec.AssetRow, error) { return ReadXLSX(failingReader{}, "a.xlsx") },
	} {
		_, err := read()
		var ve *medsec.ValidationError
		if err == nil || errors.As(err, &ve) || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("%s: error = %v, want the reader's error wrapped", name, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in       string
		serial   bool
		date1904 bool
		want     string // "" for an error
	}{
		{"2027-03-31", false, false, "2027-03-31"},
		{"2027/3/1", false, false, "2027-03-01"},
		{"2027.03.31", false, false, "2027-03-31"},
		{"2027年3月31日", false, false, "2027-03-31"},
		{"2027年3月31", false, false, "2027-03-31"},
		{"2027-03-31T00:00:00Z", false, false, "2027-03-31"},
		{"2027/3/31 0:00", false, false, "2027-03-31"},
		{"2024-02-29", false, false, "2024-02-29"},
		{"2023-02-29", false, false, ""},
		{"27-03-31", false, false, ""},
		{"2027-003-31", false, false, ""},
		{"2027-03-31x", false, false, ""},
		{"2027-03", false, false, ""},
		{"2027/03-31", false, false, "2027-03-31"},
		{"46477", false, false, ""},
		{"46477", true, false, "2027-03-31"},
		{"46477.75", true, false, "2027-03-31"},
		{"1", true, false, "1900-01-01"},
		{"59", true, false, "1900-02-28"},
		{"61", true, false, "1900-03-01"},
		{"0", true, false, ""},
		{"0", true, true, "1904-01-01"},
		{"45015", true, true, "2027-03-31"},
		{"2958465", true, false, "9999-12-31"},
		{"2958466", true, false, ""},
		{"-1", true, false, ""},
		{"2027-03-31", true, false, "2027-03-31"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v/%v", tt.in, tt.serial, tt.date1904), func(t *testing.T) {
			d, err := parseDate(tt.in, tt.serial, tt.date1904)
			if tt.want == "" {
				if err == nil {
					t.Errorf("got %s, want an error", d)
				}
				return
			}
			if err != nil || d.String() != tt.want {
				t.Errorf("got %s, %v; want %s", d, err, tt.want)
			}
		})
	}
}

// TestTables checks that every canonical enum value the domain knows is accepted, so that
// a value added to the domain cannot be silently unreadable.
func TestTables(t *testing.T) {
	for _, e := range []struct {
		enum   *enum
		domain []string
	}{
		{kinds, stringsOf(medsec.AssetKinds)},
		{connectivities, stringsOf(medsec.Connectivities)},
		{dataClasses, stringsOf(medsec.DataClasses)},
		{tristates, stringsOf(medsec.Tristates)},
		{credStatuses, stringsOf(medsec.CredentialStatuses)},
		{levels, stringsOf(medsec.Levels)},
	} {
		for _, v := range e.domain {
			if got, err := e.enum.parse(v); err != nil || got != v {
				t.Errorf("%s %q: got %q, %v", e.enum.what, v, got, err)
			}
		}
	}
	for c := range numCols {
		for l, h := range columns[c].headers {
			if got, ok := lookupHeader(h); !ok || got != c {
				t.Errorf("header %q (%s) = %v, %v; want column %s", h, langTags[l], got, ok, columns[c].key)
			}
		}
	}
}
