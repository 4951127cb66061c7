package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/assetio"
	"medsec/i18n"
)

// TestImportTemplateRoundTrip downloads the import template in each language and format,
// fills one row the way a person reading that language would (values by their names in it)
// and imports it: the asset is created with the values meant.
func TestImportTemplateRoundTrip(t *testing.T) {
	f := newFixture(t)
	labels, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		cols := assetio.Columns(lang)
		pos := func(key string) int {
			return slices.IndexFunc(cols, func(c assetio.ColumnHelp) bool { return c.Key == key })
		}
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(lang+"/"+format, func(t *testing.T) {
				name := fmt.Sprintf("範本-%s-%s", lang, format)
				values := map[string]string{"name": name, "kind": labels.T(lang, "kind.infusion-pump"), "site": "本院",
					"level": labels.T(lang, "level.moderate"), "class": labels.T(lang, "class.standalone"),
					"connectivity": labels.T(lang, "connectivity.wifi") + "; " + labels.T(lang, "connectivity.intranet"), "end_of_support": "2030-06-30"}
				status, _, tmpl := f.request("GET", "/api/v1/assets/import/template?format="+format+"&lang="+lang, f.tokens[medsec.RoleAuditor], "", nil)
				if status != 200 {
					t.Fatalf("template: %d", status)
				}
				var file []byte
				switch format {
				case "csv":
					row := make([]string, len(cols))
					for k, v := range values {
						row[pos(k)] = v
					}
					file = append(tmpl, []byte(strings.Join(row, ",")+"\r\n")...)
					if head := strings.SplitN(strings.TrimPrefix(string(tmpl), "\ufeff"), "\r\n", 2)[0]; !strings.HasPrefix(head, cols[0].Header+",") {
						t.Errorf("header %q, want it in %s", head, lang)
					}
				case "xlsx":
					x, err := excelize.OpenReader(bytes.NewReader(tmpl))
					if err != nil {
						t.Fatal(err)
					}
					sheet := x.GetSheetList()[0]
					for k, v := range values {
						cell, _ := excelize.CoordinatesToCellName(pos(k)+1, 2)
						x.SetCellValue(sheet, cell, v)
					}
					var buf bytes.Buffer
					x.Write(&buf)
					x.Close()
					file = buf.Bytes()
				}
				status, _, body := f.request("POST", "/api/v1/assets/import?name="+url.QueryEscape(name+"."+format), f.tokens[medsec.RoleAdmin], "application/octet-stream", bytes.NewReader(file))
				if status != 200 || !strings.Contains(string(body), `"created": 1`) {
					t.Fatalf("import: %d %s", status, body)
				}
				_, list := f.do("GET", "/api/v1/assets?q="+url.QueryEscape(name), f.tokens[medsec.RoleAdmin], "")
				var page struct {
					Assets []medsec.Asset `json:"items"`
				}
				json.Unmarshal([]byte(list), &page)
				if len(page.Assets) != 1 {
					t.Fatalf("found %d assets named %s: %s", len(page.Assets), name, list)
				}
				a := page.Assets[0]
				if a.Kind != medsec.KindInfusionPump || a.Level != medsec.LevelModerate || a.Class != medsec.ClassStandalone ||
					len(a.Connectivity) != 2 || a.EndOfSupport.String() != "2030-06-30" {
					t.Errorf("imported %+v", a)
				}
			})
		}
	}
}

// TestImportPageListsColumns checks that the import page lists every column with its header
// and values in the reader's language, and links the templates of the four languages.
func TestImportPageListsColumns(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-admin")
	req, _ := http.NewRequest("GET", f.srv.URL+"/assets/import", nil)
	req.Header.Set("Accept-Language", "ja")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != 200 || strings.Count(page, `<tr data-column=`) != len(assetio.Columns("ja")) {
		t.Fatalf("%d: %d columns listed", resp.StatusCode, strings.Count(page, `<tr data-column=`))
	}
	for _, want := range []string{"受け付ける列と値", "<td>施設</td>", "輸液ポンプ (<code>infusion-pump</code>)", "複数の値は ; で区切る",
		`href="/assets/import/template?format=xlsx&amp;lang=zh-TW"`, `href="/assets/import/template?format=csv&amp;lang=ja"`} {
		if !strings.Contains(page, want) {
			t.Errorf("import page lacks %q", want)
		}
	}
}
