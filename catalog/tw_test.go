package catalog

import (
	"slices"
	"strings"
	"testing"
)

// twRow is one level row of 000 附表一 as read from the seed: domain, objective, level
// (the printed cell, or the inferred one where the cell is missing), the targets marked
// (• or a damaged mark; "" when the row has no mark) and a phrase of the measure text.
type twRow struct {
	domain, objective, level, marks, phrase string
}

// twRows lists every level row of 附表一 (lines 78–160 of 000), read by eye. marks: "B"
// boundary host column, "C" control-system column.
var twRows = []twRow{
	{"網路架構", "網段規劃", "高", "", "規劃院內 OT 防火牆"},
	{"網路架構", "網段規劃", "中", "", "規劃儀器獨立網段網路與院內系統網路區隔"},
	{"網路架構", "網段規劃", "普", "B", "應適當區域內網化規劃"},
	{"網路架構", "邊界防護", "中", "", "監視「控制系統」外部邊界與關鍵內部邊界之通訊"},
	{"網路架構", "邊界防護", "普", "", "應採取防護具體措施,並定期審查防護措施"},
	{"存取控制", "帳號管理", "高", "", "定期盤點帳號並審核"},
	{"存取控制", "帳號管理", "中", "C", "已不被授權(如:離職或調任)之帳號予以刪除或停用"},
	{"存取控制", "帳號管理", "普", "", "不得使用共用帳號"},
	{"存取控制", "遠端存取", "高中普", "", "應有時效性限制"},
	{"存取控制", "最小權限", "中", "B", "臨床使用者開機權限應採最小權限原則"},
	{"存取控制", "無線網路管理", "中", "B", "設置 Wi-Fi 無線網路熱點(SSID)"},
	{"存取控制", "無線網路管理", "普", "", "限制Wi-Fi 無線連網儀器和院內核心網路之間的資料交換"},
	{"事件日誌與可歸責性", "事件記錄", "高中", "BC", "保留日誌至少六個月"},
	{"事件日誌與可歸責性", "事件記錄", "普", "BC", "留有適當之日誌紀錄"},
	{"事件日誌與可歸責性", "日誌紀錄內容", "高中", "C", "至少應包含發生事件、發生時間、使用者等追蹤資訊"},
	{"事件日誌與可歸責性", "日誌紀錄內容", "普", "", "應有明確記錄欄位資訊"},
	{"事件日誌與可歸責性", "日誌儲存容量", "高中普", "B", "配置適當日誌紀錄的儲存容量"},
	{"事件日誌與可歸責性", "日誌處理失效之回應", "高中普", "BC", "日誌處理失效時應採取適當之行動"},
	{"事件日誌與可歸責性", "時戳", "高中", "BC", "系統內部時鐘應定期與基準時間源進行同步"},
	{"事件日誌與可歸責性", "時戳", "普", "", "時間定期(手/自動)校時或同步機制"},
	{"事件日誌與可歸責性", "日誌資訊之保護", "中", "", "日誌紀錄有備份保存管理機制"},
	{"事件日誌與可歸責性", "日誌資訊之保護", "普", "B", "對日誌之存取僅限於有權限之使用人員"},
	{"營運持續計畫", "營運持續計畫", "高中", "", "確認備份完整性且有備份復原機制"},
	{"營運持續計畫", "營運持續計畫", "普", "BC", "於可容忍時間內替代流程提供服務,並執行演練"},
	{"營運持續計畫", "安全模式", "高中", "C", "暫時替代 bypass 功能"},
	{"營運持續計畫", "安全模式", "普", "", "「終端儀器」可離線單機運作"},
	{"營運持續計畫", "控制系統備援", "中", "C", "具有進階備援機制"},
	{"營運持續計畫", "控制系統備援", "普", "", "之儀器伺服器主機具有持續營運機制"},
	// Printed 中; the 「音」 before 「高中」 on line 116 is this row's overflow, like the
	// objective's and the measure's tails on that line: a damaged 普.
	{"識別與鑑別", "內部使用者之識別與鑑別", "中普", "", "如排班表、影像紀錄等"},
	{"識別與鑑別", "裝置之識別與鑑別", "高中", "", "應識別與鑑別連接至系統之「終端儀器」"},
	{"識別與鑑別", "裝置之識別與鑑別", "普", "B", "網管 IP 配發作業規範"},
	{"識別與鑑別", "身分鑑別管理", "高中普", "BC", "納入醫院單一登錄系統"},
	{"識別與鑑別", "鑑別資訊回饋", "高中普", "", "應遮蔽在鑑別過程中之資訊"},
	{"系統與通訊防護", "傳輸之機密性與完整性", "高中", "BC", "合法傳輸點 IP 之白名單路由"},
	{"系統與通訊防護", "傳輸之機密性與完整性", "普", "", "應有邏輯隔離或實體隔離"},
	{"系統與通訊防護", "資料儲存之安全", "普", "BC", "組態備份靜置資訊之儲存媒體裝置,應予以防護"},
	{"系統與服務獲得", "外部系統服務", "高中", "", "第三方安全性檢測證明"},
	{"系統與服務獲得", "外部系統服務", "普", "BC", "應將資安要求納入醫院制式契約"},
	{"系統與服務獲得", "系統文件", "普", "", ""},
	{"實體與環境防護", "實體(儀器使用者)存取授權", "中", "", "動線出入口 CCTV"},
	{"實體與環境防護", "實體(儀器門禁)進出控制", "高", "", "伺服器主機應有獨立機房及環控設施"},
	{"實體與環境防護", "實體(儀器門禁)進出控制", "中", "", "授權人員門禁刷卡紀錄"},
	{"實體與環境防護", "實體(儀器門禁)進出控制", "普", "", "置放場域需有授權人員進出管制機制"},
	{"實體與環境防護", "緊急電源", "高中", "C", "中央不斷電 UPS 供電"},
	{"實體與環境防護", "緊急電源", "普", "B", "長時間緊急發電電力備援機制"},
	{"實體與環境防護", "實體公用服務備援", "普", "B", ""},
	{"實體與環境防護", "實體危害因素控制", "高中普", "BC", "「游離輻射防護法」輻防管制法令規範"},
	{"實體與環境防護", "第三方/陪同者的存取", "高中", "C", "須有院方人員陪同與記錄機制"},
	{"實體與環境防護", "第三方/陪同者的存取", "普", "C", "可攜式行動資訊設備存取管理"},
	{"系統與資訊完整性", "漏洞修補", "高", "BC", "每年排程弱點掃描"},
	{"系統與資訊完整性", "漏洞修補", "中", "B", "加強醫療儀器外部資安情資蒐集分析"},
	{"系統與資訊完整性", "漏洞修補", "普", "", "採取補償性控制措施,以降低資安風險"},
	{"系統與資訊完整性", "惡意程式防護", "高中", "", "加強 USB 惡意程式掃描"},
	{"系統與資訊完整性", "惡意程式防護", "普", "C", "在儀器原廠許可下安裝防毒軟體"},
	{"系統與資訊完整性", "系統監控", "中", "", "SOC、SIEM 等 IT 資安監控工具"},
	{"系統與資訊完整性", "可預測之故障預防", "高中", "", "平均故障時間、故障原因分析"},
	{"系統與資訊完整性", "可預測之故障預防", "普", "C", "建立系統維護紀錄管理機制"},
	{"系統與資訊完整性", "故障容許度", "高中", "C", "終端設備斷線儲存/連線重傳機制"},
	{"系統與資訊完整性", "故障容許度", "普", "C", "ADR不良品及不良反應通報系統"},
	{"組態管理", "組態變更控制", "高中", "C", "變更申請流程、維修工單作業紀錄文件化"},
	{"組態管理", "組態變更控制", "普", "C", "應有組態還原機制"},
	{"組態管理", "最基本功能", "中", "", "僅提供業務必要的最小功能"},
}

func mustLoad(t *testing.T, id string) *Catalog {
	t.Helper()
	cs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Find(cs, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func levelsZh(ls []Level) string {
	var b strings.Builder
	for i := len(ls) - 1; i >= 0; i-- {
		b.WriteString(ls[i].Chinese())
	}
	return b.String()
}

// twTextTargets are the rows whose own text names both targets (「「邊界主機」、「控制系統」…」)
// although the extracted row carries one mark (lines 140 and 144).
var twTextTargets = map[string]bool{"緊急電源/普": true, "第三方/陪同者的存取/普": true}

// TestTaiwanRows fails on any row of 附表一 missing from the catalog, any extra row, or a
// row whose level, targets or text differ from the seed.
func TestTaiwanRows(t *testing.T) {
	c := mustLoad(t, IDTaiwanBaseline)
	type key struct{ domain, objective, level string }
	have := map[key]*Control{}
	for _, ctl := range c.AllControls() {
		k := key{ctl.Domain(), ctl.Objective(), levelsZh(ctl.Levels())}
		if _, dup := have[k]; dup {
			t.Errorf("two controls for %v", k)
		}
		have[k] = ctl
	}
	for _, r := range twRows {
		k := key{r.domain, r.objective, r.level}
		ctl, ok := have[k]
		if !ok {
			t.Errorf("missing row %v", k)
			continue
		}
		delete(have, k)
		if !strings.Contains(ctl.OriginalText(), r.phrase) {
			t.Errorf("%s: original text %q does not contain %q", ctl.ID, ctl.OriginalText(), r.phrase)
		}
		if r.phrase == "" && len(ctl.SourceGaps()) == 0 {
			t.Errorf("%s: row without text in the source has no source-gap", ctl.ID)
		}
		var want []Target
		if r.marks == "" {
			want = []Target{TargetBoundaryHost, TargetControlSystem}
			if ctl.TargetBasis() != "default-all" {
				t.Errorf("%s: unmarked row has target-basis %q", ctl.ID, ctl.TargetBasis())
			}
		} else if twTextTargets[r.objective+"/"+r.level] {
			want = []Target{TargetBoundaryHost, TargetControlSystem}
			if ctl.TargetBasis() != "row-text" || !strings.Contains(ctl.OriginalText(), "「邊界主機」、「控制系統」") {
				t.Errorf("%s: text names both targets but target-basis is %q", ctl.ID, ctl.TargetBasis())
			}
		} else {
			if strings.Contains(r.marks, "B") {
				want = append(want, TargetBoundaryHost)
			}
			if strings.Contains(r.marks, "C") {
				want = append(want, TargetControlSystem)
			}
			if ctl.TargetBasis() == "row-text" {
				t.Errorf("%s: target-basis row-text, but the seed's text names no more than the mark", ctl.ID)
			}
		}
		if r.marks == "" && !slices.Contains(ctl.Undecided(), "target-mark-lost") {
			t.Errorf("%s: unmarked row does not say the seed cannot decide its target", ctl.ID)
		}
		if got := ctl.Targets(); !slices.Equal(got, want) {
			t.Errorf("%s: targets = %v, want %v", ctl.ID, got, want)
		}
		if ctl.English() == "" || ctl.OriginalLang() != "zh-TW" {
			t.Errorf("%s: English %q, lang %q", ctl.ID, ctl.English(), ctl.OriginalLang())
		}
	}
	for k, ctl := range have {
		t.Errorf("extra row %v (%s)", k, ctl.ID)
	}
	if got, want := c.GroupCount(), 10+36; got != want {
		t.Errorf("groups = %d, want %d (10 domains, 36 objectives)", got, want)
	}
}

func TestTaiwanItems(t *testing.T) {
	c := mustLoad(t, IDTaiwanBaseline)
	ctl, err := c.Control("tw-si-1.h")
	if err != nil {
		t.Fatal(err)
	}
	items := ctl.Items()
	if len(items) != 3 {
		t.Fatalf("tw-si-1.h has %d items, want 3", len(items))
	}
	if got := items[1]; got.Label != "二" || !strings.Contains(got.Original, "每年排程弱點掃描") || !strings.Contains(got.English, "every year") {
		t.Errorf("item 二 = %+v", got)
	}
	if !strings.Contains(items[2].Original, "等級「中」之所有控制措施") {
		t.Errorf("item 三 = %+v, want the cumulative reference to 中", items[2])
	}
	for _, ctl := range c.AllControls() {
		for _, it := range ctl.Items() {
			if !strings.Contains(ctl.OriginalText(), it.Original) || !strings.Contains(ctl.English(), it.English) {
				t.Errorf("%s item %s is not part of the statement", ctl.ID, it.Label)
			}
		}
	}
	if got := mustLoad(t, IDChinaMeasures).AllControls()[0].Items(); got != nil {
		t.Errorf("CN obligation has items %v, want none", got)
	}
}
