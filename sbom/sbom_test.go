package sbom

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"medsec"
	"medsec/internal/shareddata"
)

// TestMedicalCaseStudy reads the two SBOMs of a real FDA-submitted medical device: 55 and
// 65 components, each with a CPE and a purl.
func TestMedicalCaseStudy(t *testing.T) {
	for _, tc := range []struct {
		file string
		want int
	}{{"narrow.sbom.json", 55}, {"extended.sbom.json", 65}} {
		t.Run(tc.file, func(t *testing.T) {
			doc, err := Parse(tc.file, shareddata.Data(t, "sbom/medical-case-study/"+tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if doc.Format != medsec.SBOMCycloneDXJSON || doc.Spec != "1.4" {
				t.Errorf("format %s %s, want cyclonedx-json 1.4", doc.Format, doc.Spec)
			}
			if got := len(doc.Components); got != tc.want {
				t.Errorf("got %d components, want %d", got, tc.want)
			}
			withCPE, withPURL := 0, 0
			for _, c := range doc.Components {
				if c.CPE != "" {
					withCPE++
				}
				if c.PURL != "" {
					withPURL++
				}
			}
			if withCPE != tc.want || withPURL != tc.want {
				t.Errorf("%d with CPE, %d with purl, want %d each", withCPE, withPURL, tc.want)
			}
			var wolf *medsec.Component
			for i := range doc.Components {
				if doc.Components[i].Name == "WolfSSL" {
					wolf = &doc.Components[i]
				}
			}
			if wolf == nil || wolf.Version != "4.8.1" || wolf.CPE != "cpe:2.3:a:wolfssl:wolfssl:4.8.1:*:*:*:*:*:*:*" {
				t.Errorf("wolfSSL component = %+v", wolf)
			}
		})
	}
}

// TestCycloneDXVersions re-encodes the real device SBOM as CycloneDX 1.4, 1.5 and 1.6 in
// JSON and XML with the CycloneDX library and reads every one back the same.
func TestCycloneDXVersions(t *testing.T) {
	data := shareddata.Data(t, "sbom/medical-case-study/extended.sbom.json")
	want, err := Parse("extended.sbom.json", data)
	if err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	for _, v := range []cdx.SpecVersion{cdx.SpecVersion1_4, cdx.SpecVersion1_5, cdx.SpecVersion1_6} {
		for _, f := range []cdx.BOMFileFormat{cdx.BOMFileFormatJSON, cdx.BOMFileFormatXML} {
			var buf bytes.Buffer
			b := bom
			if err := cdx.NewBOMEncoder(&buf, f).EncodeVersion(&b, v); err != nil {
				t.Fatal(err)
			}
			doc, err := Parse("x", buf.Bytes())
			if err != nil {
				t.Fatalf("%s %d: %v", v, f, err)
			}
			wantFormat := medsec.SBOMCycloneDXJSON
			if f == cdx.BOMFileFormatXML {
				wantFormat = medsec.SBOMCycloneDXXML
			}
			if doc.Format != wantFormat || doc.Spec != v.String() {
				t.Errorf("got %s %s, want %s %s", doc.Format, doc.Spec, wantFormat, v)
			}
			if len(doc.Components) != len(want.Components) {
				t.Fatalf("%s %s: %d components, want %d", v, wantFormat, len(doc.Components), len(want.Components))
			}
			for i := range doc.Components {
				g, w := doc.Components[i], want.Components[i]
				if g.Name != w.Name || g.Version != w.Version || g.CPE != w.CPE || g.PURL != w.PURL || g.Supplier != w.Supplier {
					t.Errorf("%s %s component %d = %+v, want %+v", v, wantFormat, i, g, w)
				}
			}
		}
	}
}

// TestExamples reads CycloneDX's own example BOMs.
func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format medsec.SBOMFormat
		want   int
	}{
		{"SBOM/laravel-7.12.0/bom.1.4.json", medsec.SBOMCycloneDXJSON, 62},
		{"SBOM/laravel-7.12.0/bom.1.4.xml", medsec.SBOMCycloneDXXML, 62},
		{"HBOM/PCIe-SATA-adapter-board/bom.json", medsec.SBOMCycloneDXJSON, -1},
		{"SBOM/dropwizard-1.3.15/bom.json", medsec.SBOMCycloneDXJSON, -1},
	} {
		doc, err := Parse(tc.file, shareddata.Data(t, "sbom/cyclonedx-bom-examples/"+tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if doc.Format != tc.format {
			t.Errorf("%s: format %s, want %s", tc.file, doc.Format, tc.format)
		}
		if tc.want >= 0 && len(doc.Components) != tc.want {
			t.Errorf("%s: %d components, want %d", tc.file, len(doc.Components), tc.want)
		}
		if len(doc.Components) == 0 {
			t.Errorf("%s: no components", tc.file)
		}
	}
}

// TestSPDX reads the SPDX 2.3 specification's example in JSON and tag-value: four
// packages, one with a CPE 2.3 and one with a purl.
func TestSPDX(t *testing.T) {
	for _, tc := range []struct {
		file   string
		format medsec.SBOMFormat
	}{{"SPDXJSONExample-v2.3.spdx.json", medsec.SBOMSPDXJSON}, {"SPDXTagExample-v2.3.spdx", medsec.SBOMSPDXTagValue}} {
		doc, err := Parse(tc.file, shareddata.Data(t, "sbom/spdx/"+tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if doc.Format != tc.format || doc.Spec != "SPDX-2.3" {
			t.Errorf("%s: %s %s", tc.file, doc.Format, doc.Spec)
		}
		if len(doc.Components) != 4 {
			t.Errorf("%s: %d components, want 4", tc.file, len(doc.Components))
		}
		if doc.Key != "http://spdx.org/spdxdocs/spdx-example-444504E0-4F89-41D3-9A0C-0305E82C3301" {
			t.Errorf("%s: key %q", tc.file, doc.Key)
		}
		var cpe, purl string
		for _, c := range doc.Components {
			if c.CPE != "" {
				cpe = c.Name + " " + c.CPE
			}
			if c.PURL != "" {
				purl = c.Name + " " + c.PURL
			}
		}
		if cpe != "glibc cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*" {
			t.Errorf("%s: CPE component %q", tc.file, cpe)
		}
		if purl != "Apache Commons Lang pkg:maven/org.apache.commons/commons-lang3@3.12.0" && !strings.Contains(purl, "pkg:") {
			t.Errorf("%s: purl component %q", tc.file, purl)
		}
	}
}

// TestRefused checks that bad files are refused naming the line or path of the problem.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		data       string
		line       int
		field, key string
	}{
		{"empty", "", 0, "file", "sbom.err.format"},
		{"not sbom", `{"hello": 1}`, 0, "file", "sbom.err.format"},
		{"json syntax", "{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.5\",\n\"components\": [\n{,}]}", 4, "json", "sbom.err.syntax"},
		{"wrong type", "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\",\n\"components\": [{\"type\": \"library\", \"name\": \"x\", \"version\": 3}]}", 2, "components.version", "sbom.err.type"},
		{"bad spec", `{"bomFormat": "CycloneDX", "specVersion": "9.9"}`, 0, "specVersion", "sbom.err.spec"},
		{"old spec", `{"bomFormat": "CycloneDX", "specVersion": "1.1"}`, 0, "specVersion", "sbom.err.spec"},
		{"no name", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a"}, {"type": "library", "name": " "}]}`, 0, "components[1].name", "sbom.err.name"},
		{"bad purl", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "components": [{"type": "library", "name": "b", "purl": "maven/x"}]}]}`, 0, "components[0].components[0].purl", "sbom.err.purl"},
		{"bad cpe", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "cpe": "cpe:2.3:a:only"}]}`, 0, "components[0].cpe", "sbom.err.cpe"},
		{"bad hash", `{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library", "name": "a", "hashes": [{"alg": "SHA-256", "content": "zz"}]}]}`, 0, "components[0].hashes[0]", "sbom.err.hash"},
		{"xml syntax", "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n<component type=\"library\"><name>a</nam></component>", 4, "xml", "sbom.err.syntax"},
		{"xml purl", "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"><components><component type=\"library\"><name>a</name></component><component type=\"library\"><name>b</name><purl>nope</purl></component></components></bom>", 0, "bom/components/component[2]/purl", "sbom.err.purl"},
		{"tag line", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nthis line has no tag\n", 3, "tag", "sbom.err.syntax"},
		{"tag open text", "SPDXVersion: SPDX-2.3\nDocumentComment: <text>never closed\n", 2, "text", "sbom.err.syntax"},
		{"tag purl", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: d\nDocumentNamespace: http://x/d\nCreator: Tool: t\nCreated: 2020-01-01T00:00:00Z\n\nPackageName: p\nSPDXID: SPDXRef-p\nPackageDownloadLocation: NOASSERTION\nExternalRef: PACKAGE-MANAGER purl not-a-purl\n", 9, "package 1 (externalRefs)", "sbom.err.purl"},
		{"spdx json type", "{\"spdxVersion\": \"SPDX-2.3\",\n\"packages\": [{\"name\": 5}]}", 0, "packages.name", "sbom.err.type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.file", []byte(tc.data))
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error", err)
			}
			if ve.Source != "bad.file" || len(ve.Errors) == 0 {
				t.Fatalf("got %+v", ve)
			}
			fe := ve.Errors[0]
			if fe.Line != tc.line || fe.Field != tc.field || fe.Key != tc.key {
				t.Errorf("got line %d field %q key %q (%s), want line %d field %q key %q", fe.Line, fe.Field, fe.Key, fe.Message, tc.line, tc.field, tc.key)
			}
		})
	}
}

// TestTruncatedCycloneDX: the real medical device SBOM cut off (half way, before its
// bomFormat, and just before its end) is refused saying it is truncated and where, not
// "not an SBOM" and not imported.
func TestTruncatedCycloneDX(t *testing.T) {
	data := shareddata.Data(t, "sbom/medical-case-study/narrow.sbom.json")
	for _, n := range []int{len(data) / 2, len(data) - 3} {
		doc, err := Parse("narrow.sbom.json", data[:n])
		var ve *medsec.ValidationError
		if doc != nil || !errors.As(err, &ve) {
			t.Fatalf("cut at %d: %v, %v", n, doc, err)
		}
		fe := ve.Errors[0]
		if fe.Key != "sbom.err.truncated" || fe.Line < 2 || !strings.Contains(err.Error(), "narrow.sbom.json") || !strings.Contains(fe.Message, "column") {
			t.Errorf("cut at %d: %+v (%v)", n, fe, err)
		}
	}
}
