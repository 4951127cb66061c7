package detection_test

import (
	"archive/zip"
	"bytes"
	"testing"

	"medsec"
	"medsec/detection"
)

// FuzzReadImport feeds any upload to the rule import: it must not panic, and it either
// returns rules, each with an id and its own YAML, or a validation error naming problems.
func FuzzReadImport(f *testing.F) {
	f.Add([]byte("title: t\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: linux}\ndetection:\n  sel: {a|contains: x}\n  condition: sel\n---\ntitle: c\nid: 22222222-2222-4222-8222-222222222222\ncorrelation:\n  type: event_count\n  rules: [11111111-1111-4111-8111-111111111111]\n  timespan: 5m\n  condition: {gte: 3}\n"))
	f.Add([]byte("---\n---\n"))
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("sigma-master/rules/linux/x.yml")
	w.Write([]byte("title: z\nid: 33333333-3333-4333-8333-333333333333\nlogsource: {product: linux}\ndetection:\n  k: [evil]\n  condition: k\n"))
	w, _ = zw.Create("sigma-master/tests/skip.yml")
	w.Write([]byte("not: [a rule"))
	zw.Close()
	f.Add(zb.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := detection.ReadImport("upload", data)
		if err != nil {
			if _, ok := err.(*medsec.ValidationError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, r := range rules {
			if r.UID == "" || r.YAML == "" {
				t.Fatalf("rule without id or YAML: %+v", r)
			}
		}
	})
}
