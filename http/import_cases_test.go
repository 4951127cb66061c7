package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"medsec/internal/shareddata"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// postFile posts a file's bytes as the raw body of path and returns the status and the
// decoded JSON answer.
func (f *fixture) postFile(path, token, contentType, body string) (int, map[string]any) {
	f.t.Helper()
	req, err := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		f.t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

// caseSite creates the site and departments the spreadsheet cases name.
func caseSite(t *testing.T, f *fixture) {
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	org := sqlstore.NewOrgService(f.db)
	site := &medsec.Site{Code: "BH", Name: "示範醫學中心"}
	if err := org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"放射科", "血液透析室", "檢驗科", "資訊室"} {
		if err := org.CreateDepartment(ctx, &medsec.Department{SiteID: site.ID, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
}

// departmentsOf returns each asset's department by asset name, for the assets a search finds.
func departmentsOf(t *testing.T, f *fixture, q string) map[string]string {
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	assets, _, err := sqlstore.NewAssetService(f.db).FindAssets(ctx, medsec.AssetFilter{Query: q, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range assets {
		got[a.Name] = a.DepartmentName
	}
	return got
}

// TestImportCaseWorkbooks imports the workbook cases through the API: merged department
// cells give every row its department, the hidden first sheet is not read, and the answer
// names the sheet read.
func TestImportCaseWorkbooks(t *testing.T) {
	f := newFixture(t)
	caseSite(t, f)
	admin := f.tokens[medsec.RoleAdmin]
	const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

	merged := string(shareddata.Case(t, "xlsx-merged-department-cells.xlsx"))
	status, res := f.postFile("/api/v1/assets/import?name=merged.xlsx", admin, xlsx, merged)
	if status != 200 || res["created"] != 5.0 || res["sheet"] != "醫療儀器清冊" {
		t.Fatalf("merged: %d %v, want 200 with 5 created from sheet 醫療儀器清冊", status, res)
	}
	want := map[string]string{"超音波 BH-US-1": "放射科", "超音波 BH-US-2": "放射科", "超音波 BH-US-3": "放射科",
		"血液透析機 BH-HD-1": "血液透析室", "血液透析機 BH-HD-2": "血液透析室"}
	got := departmentsOf(t, f, "BH-")
	for name, dept := range want {
		if got[name] != dept {
			t.Errorf("%s in %q, want %q", name, got[name], dept)
		}
	}

	hidden := string(shareddata.Case(t, "xlsx-hidden-first-sheet-droplists.xlsx"))
	status, res = f.postFile("/api/v1/assets/import?name=hidden.xlsx&sheet="+url.QueryEscape("下拉選單"), admin, xlsx, hidden)
	if status != 422 || res["sheet"] != "下拉選單" {
		t.Errorf("hidden sheet named: %d %v, want 422 naming sheet 下拉選單", status, res)
	}
	status, res = f.postFile("/api/v1/assets/import?name=hidden.xlsx", admin, xlsx, hidden)
	if status != 200 || res["created"] != 2.0 || res["sheet"] != "醫療儀器清冊" {
		t.Fatalf("hidden: %d %v, want 200 with 2 created from sheet 醫療儀器清冊", status, res)
	}
	if got := departmentsOf(t, f, "BH-DR"); len(got) != 2 || got["數位X光機 BH-DR-1"] != "放射科" {
		t.Errorf("hidden: assets %v, want BH-DR-1 and BH-DR-2 in 放射科", got)
	}

	sep := string(shareddata.Case(t, "csv-excel-sep-hint-semicolon-bom-crlf.csv"))
	status, res = f.postFile("/api/v1/assets/import?name=sep.csv", admin, "text/csv", sep)
	if status != 200 || res["created"] != 2.0 || res["sheet"] != nil {
		t.Fatalf("csv: %d %v, want 200 with 2 created", status, res)
	}
}

// postImport posts a file to the import page as a logged-in user whose browser asks for
// lang, with extra form fields, and returns the status and the page.
func postImport(t *testing.T, f *fixture, c *http.Client, lang, name, content string, fields map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/assets/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

// TestImportPageOnePassInUsersLanguage is the newcomer review's D6: a zh-CN user imports a
// file with value errors and unknown references. One answer lists all of them, each
// column named by the header the file wrote, each problem in Chinese with its value, no
// English; asked to, the import then creates the missing department and vendor.
func TestImportPageOnePassInUsersLanguage(t *testing.T) {
	f := newFixture(t)
	c := f.session("u-" + string(medsec.RoleClinicalEngineer))
	bad := "名称,类型,院区,科室,厂商,IP地址\n" +
		"监护仪 1,不存在类型,本院,,,10.10.1.1\n" +
		"监护仪 2,监护仪,不存在院区,,,10.10.1.2\n" +
		"监护仪 3,监护仪,本院,透析室,新厂商,10.10.1.300\n"
	status, page := postImport(t, f, c, "zh-CN", "zhcn-bad.csv", bad, nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", status)
	}
	for _, want := range []string{
		"zhcn-bad.csv 未导入：共 5 个问题，未做任何变更。",
		"<td>2</td><td>类型</td><td>不是允许的值：「不存在类型」（可填：modality（影像检查设备）、ultrasound（超声）、pacs（PACS 影像系统）、",
		"<td>3</td><td>院区</td><td>院区不存在：「不存在院区」</td>",
		"<td>4</td><td>IP地址</td><td>不是有效的 IP 地址：「10.10.1.300」</td>",
		"<td>4</td><td>科室</td><td>该院区无此科室：「透析室」</td>",
		"<td>4</td><td>厂商</td><td>厂商不存在：「新厂商」</td>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, english := range []string{"unknown", "is not", "department", "vendor"} {
		if i := strings.Index(page, `<table class="errors">`); i >= 0 && strings.Contains(page[i:], english) {
			t.Errorf("the problem list has the English %q", english)
		}
	}

	good := strings.NewReplacer("不存在类型", "监护仪", "不存在院区", "本院", "10.10.1.300", "10.10.1.3").Replace(bad)
	status, page = postImport(t, f, c, "zh-CN", "zhcn-good.csv", good, map[string]string{"create_missing": "1"})
	if status != http.StatusOK {
		t.Fatalf("create_missing: status %d", status)
	}
	for _, want := range []string{"zhcn-good.csv 导入完成：新建 3 条，更新 0 条，0 条未变更。", "新建科室：本院 / 透析室。", "新建厂商：新厂商。"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestImportAPICreateMissingOnCase imports the merged-cells case into a hospital that has
// the site but none of its departments: without create_missing every row's department is
// reported, by the header the sheet wrote (部門) and its value, merged rows included; with
// it, both departments are created and every row lands in its own.
func TestImportAPICreateMissingOnCase(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	if err := sqlstore.NewOrgService(f.db).CreateSite(ctx, &medsec.Site{Code: "BH", Name: "示範醫學中心"}); err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	const xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	merged := string(shareddata.Case(t, "xlsx-merged-department-cells.xlsx"))
	status, res := f.postFile("/api/v1/assets/import?name=merged.xlsx", admin, xlsx, merged)
	if status != 422 || res["sheet"] != "醫療儀器清冊" {
		t.Fatalf("without create_missing: %d %v, want 422 naming the sheet", status, res)
	}
	var got []string
	for _, e := range res["errors"].([]any) {
		fe := e.(map[string]any)
		got = append(got, fmt.Sprintf("%v %v %v %v", fe["line"], fe["field"], fe["key"], fe["value"]))
	}
	want := []string{
		"3 部門 err.unknown_department 放射科", "4 部門 err.unknown_department 放射科", "5 部門 err.unknown_department 放射科",
		"6 部門 err.unknown_department 血液透析室", "7 部門 err.unknown_department 血液透析室",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\ngot  %q\nwant %q", got, want)
	}
	status, res = f.postFile("/api/v1/assets/import?name=merged.xlsx&create_missing=true", admin, xlsx, merged)
	if status != 200 || res["created"] != 5.0 || fmt.Sprint(res["new_departments"]) != "[示範醫學中心 / 放射科 示範醫學中心 / 血液透析室]" {
		t.Fatalf("with create_missing: %d %v", status, res)
	}
	if got := departmentsOf(t, f, "BH-"); got["超音波 BH-US-3"] != "放射科" || got["血液透析機 BH-HD-2"] != "血液透析室" {
		t.Errorf("departments after import: %v", got)
	}
}
