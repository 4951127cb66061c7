package capture

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestIdentityCharacterSets checks that identity text is decoded from the character
// set the protocol declares: DICOM captures made with dcmtk whose data sets declare
// Specific Character Set (0008,0005) (make-charset-captures.sh writes the bytes with
// Python's codecs), and the shared HL7 cases whose MSH-18 declares UNICODE UTF-8.
func TestIdentityCharacterSets(t *testing.T) {
	tests := []struct {
		file  string
		facts []string
	}{
		{"testdata/dicom-charset-utf8.pcap", []string{"127.0.0.1 manufacturer=臺北示範醫療器材",
			"127.0.0.1 station-name=放射科CT一室", "127.0.0.1 model=掃描者 3000"}},
		{"testdata/dicom-charset-gb18030.pcap", []string{"127.0.0.1 manufacturer=示范医疗设备",
			"127.0.0.1 station-name=放射科CT二室", "127.0.0.1 model=扫描者 3000"}},
		{"testdata/dicom-charset-iso2022-ir87.pcap", []string{"127.0.0.1 manufacturer=東京医療機器",
			"127.0.0.1 station-name=放射線科CT3", "127.0.0.1 model=走査者 3000"}},
		{"testdata/dicom-charset-iso2022-ir13-ir87.pcap", []string{"127.0.0.1 manufacturer=ﾄｳｷｮｳ医療",
			"127.0.0.1 station-name=ｼｰﾃｨｰ4", "127.0.0.1 model=ｽｷｬﾅ 3000"}},
		{"testdata/dicom-charset-iso2022-ir149.pcap", []string{"127.0.0.1 manufacturer=서울의료기기",
			"127.0.0.1 station-name=방사선과CT5", "127.0.0.1 model=스캐너 3000"}},
		{"testdata/dicom-charset-latin1.pcap", []string{"127.0.0.1 manufacturer=Médica Ibérica",
			"127.0.0.1 station-name=Radiología 6", "127.0.0.1 model=Escáner 3000"}},
		{"case:hl7-msh18-utf8-cjk-facility.pcap", []string{"10.30.2.24 hl7-facility=臺北示範醫院",
			"10.30.2.5 hl7-facility=臺北示範醫院", "10.30.2.24 hl7-application=LABSYS"}},
		// Two facilities whose names have the same byte length must stay two values.
		{"case:hl7-two-cjk-facilities-same-length.pcap", []string{"10.30.2.60 hl7-facility=臺北示範醫院",
			"10.30.2.61 hl7-facility=高雄示範醫院"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := AnalyzeFiles([]string{resolve(t, tc.file)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			fs := facts(r)
			for _, want := range tc.facts {
				if !fs[want] {
					t.Errorf("missing %q; have %v", want, keys(fs))
				}
			}
			// No patient name, and no character lost to '?' or U+FFFD.
			out, _ := json.Marshal(r)
			for _, marker := range []string{"FICTIONAL", "CHARSET", "??", "\ufffd"} {
				if strings.Contains(string(out), marker) {
					t.Errorf("output holds %q", marker)
				}
			}
		})
	}
}
