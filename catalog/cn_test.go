package catalog

import (
	"strings"
	"testing"
)

// cnArticles lists, from reading 002, every article or paragraph that puts obligations
// on the institution and how many single obligations it holds (split at each distinct
// duty), with a phrase of the first one. Articles 1–3, the first paragraph of 4, 26, 32
// and 34 put no obligation on the institution.
var cnArticles = []struct {
	ref    string
	count  int
	phrase string
}{
	{"第四条", 2, "负主体责任"},
	{"第五条", 6, "网络安全和信息化工作领导小组"},
	{"第六条", 2, "主管部门、运营部门、信息化部门、使用部门"},
	{"第六条(一)", 2, "规划和申报阶段确定网络安全保护等级"},
	{"第六条(二)", 3, "等级保护备案工作"},
	{"第六条(三)", 3, "一个中心"},
	{"第六条(四)", 5, "检测评估"},
	{"第六条(五)", 1, "整改方案"},
	{"第七条", 2, "通报预警力量建设"},
	{"第八条", 2, "应急预案、组织应急演练"},
	{"第九条", 3, "每年开展文档核验、漏洞扫描、渗透测试"},
	{"第九条(一)", 1, "形成资产清单"},
	{"第九条(二)", 1, "形成整改报告"},
	{"第十条", 3, "安全背景审查"},
	{"第十一条", 3, "运维操作规范"},
	{"第十二条", 3, "业务连续性管理"},
	{"第十三条", 1, "上线前应评估新技术的安全风险"},
	{"第十四条", 2, "招标采购、安装调试"},
	{"第十五条", 1, "密码保护措施"},
	{"第十六条", 2, "设计、建设、运行、维护等服务实施安全管理"},
	{"第十七条", 1, "废止网络"},
	{"第十八条", 2, "履行数据安全保护义务"},
	{"第十九条", 2, "数据安全管理组织架构"},
	{"第二十条", 3, "每年对数据资产进行全面梳理"}, // the third: the six classification principles
	{"第二十一条", 6, "数据安全管理制度、操作规程及技术规范"},
	{"第二十二条", 3, "数据全生命周期活动应在境内开展"},
	{"第二十二条(一)", 2, "数据收集合法性管理"},
	{"第二十二条(二)", 2, "加密传输要求"},
	{"第二十二条(三)", 4, "在境内存储"},
	{"第二十二条(四)", 4, "严格规定不同人员的权限"},
	{"第二十二条(五)", 2, "发布、共享数据"},
	{"第二十二条(六)", 3, "非人脸识别的身份识别方式"},
	{"第二十二条(七)", 1, "无法还原的销毁方式"},
	{"第二十三条", 1, "日常检查"},
	{"第二十四条", 1, "及时整改"},
	{"第二十五条", 3, "立即启动应急预案"},
	{"第二十七条", 3, "公安机关报告"},
	{"第二十八条", 2, "重要议事日程"},
	{"第二十九条", 3, "继续教育制度"},
	{"第三十条", 2, "经费投入"},
	{"第三十一条", 2, "考核评价制度"},
	{"第三十三条", 1, "国家秘密"},
}

// TestChinaArticles fails on an article or paragraph missing from the catalog, an extra
// one, or a different number of obligations.
func TestChinaArticles(t *testing.T) {
	c := mustLoad(t, IDChinaMeasures)
	got := map[string][]*Control{}
	for _, ctl := range c.AllControls() {
		ref := strings.TrimPrefix(ctl.SourceRef(), "002 ")
		got[ref] = append(got[ref], ctl)
		if ctl.OriginalLang() != "zh-CN" || ctl.English() == "" {
			t.Errorf("%s: lang %q, English %q", ctl.ID, ctl.OriginalLang(), ctl.English())
		}
	}
	var total int
	for _, a := range cnArticles {
		total += a.count
		ctls := got[a.ref]
		delete(got, a.ref)
		if len(ctls) != a.count {
			t.Errorf("%s: %d obligations, want %d", a.ref, len(ctls), a.count)
			continue
		}
		if !strings.Contains(ctls[0].OriginalText(), a.phrase) {
			t.Errorf("%s: first obligation %q lacks %q", a.ref, ctls[0].OriginalText(), a.phrase)
		}
	}
	for ref := range got {
		t.Errorf("extra article %s", ref)
	}
	if n := len(c.AllControls()); n != total {
		t.Errorf("%d obligations, want %d", n, total)
	}
}

// TestChinaCadences checks the numbers the measures set: filing within 10 working days
// and the assessment cadence by 等保 level and record count [002 第六条].
func TestChinaCadences(t *testing.T) {
	c := mustLoad(t, IDChinaMeasures)
	tests := []struct {
		id, cadence, deadline string
	}{
		{"cn-5-2", "P1Y", ""},
		{"cn-6.2-2", "", "P10D"},
		{"cn-6.2-3", "", "P10D"},
		{"cn-6.4-2", "P1Y", ""},
		{"cn-6.4-3", "P3Y", ""},
		{"cn-6.4-4", "P5Y", ""},
		{"cn-9-1", "P1Y", ""},
		{"cn-20-1", "P1Y", ""},
		{"cn-21-2", "P1Y", ""},
		{"cn-21-4", "P1Y", ""},
	}
	for _, tt := range tests {
		ctl, err := c.Control(tt.id)
		if err != nil {
			t.Error(err)
			continue
		}
		if got := ctl.Cadence(); got != tt.cadence {
			t.Errorf("%s: cadence = %q, want %q", tt.id, got, tt.cadence)
		}
		if got := ctl.Deadline(); got != tt.deadline {
			t.Errorf("%s: deadline = %q, want %q", tt.id, got, tt.deadline)
		}
	}
}

// TestChinaText checks the texts the catalog review found wrong: 第六条(五) in full, the
// 第二十条 classification principles, 10万人以上 read as "100,000 or more" (以上 includes
// the number), and cn-6.2-1's English without timing the source does not give.
func TestChinaText(t *testing.T) {
	c := mustLoad(t, IDChinaMeasures)
	tests := []struct {
		id, original, english, notEnglish string
	}{
		{"cn-6.5-1", "及时消除风险隐患,补强管理和技术短板,提升安全防护能力。", "shore up weaknesses", ""},
		{"cn-20-3", "数据分类分级应遵循合法合规原则、可执行原则、时效性原则、自主性原则、差异性原则及客观性原则。", "objectivity", ""},
		{"cn-6.4-3", "涉及10万人以上个人信息的网络应至少三年开展一次", "100,000 people or more", "more than 100,000"},
		{"cn-6.2-1", "新建网络投入使用应依法依规开展等级保护备案工作。", "filing", "Before"},
	}
	for _, tt := range tests {
		ctl, err := c.Control(tt.id)
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(ctl.OriginalText(), tt.original) {
			t.Errorf("%s: original %q lacks %q", tt.id, ctl.OriginalText(), tt.original)
		}
		if !strings.Contains(ctl.English(), tt.english) || tt.notEnglish != "" && strings.Contains(ctl.English()+ctl.TitleEnglish(), tt.notEnglish) {
			t.Errorf("%s: English %q (title %q): want %q, not %q", tt.id, ctl.English(), ctl.TitleEnglish(), tt.english, tt.notEnglish)
		}
	}
}
