package sqlstore_test

import (
	"errors"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// FuzzImportFlowsCSV checks the store's flow import on any input: it stores every flow of a
// file or none, and a rejected file is a validation error locating each problem by line,
// never an internal error.
func FuzzImportFlowsCSV(f *testing.F) {
	for _, seed := range []string{
		"src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,104,dicom\n",
		"src,dst,proto,port\n10.1.40.7,10.1.10.11,tcp,99999\n10.1.40.300,10.1.10.11,udp,53\n",
		"source,destination,protocol,dport,first_seen,last_seen,packets,bytes\n2001:db8::1,2001:db8::2,6,443,2026-11-20T08:00:00Z,1763625600,5,300\n",
		"src,dst,proto\n10.0.0.1,10.0.0.2,icmp\n\"unterminated,10.0.0.2,icmp\n",
		"",
	} {
		f.Add(seed)
	}
	db := MustOpenDB(f, "sqlite")
	site := &medsec.Site{Code: "HQ", Name: "示範醫學中心"}
	if err := sqlstore.NewOrgService(db).CreateSite(system, site); err != nil {
		f.Fatal(err)
	}
	zones := sqlstore.NewZoneService(db)
	f.Fuzz(func(t *testing.T, in string) {
		_, before, err := zones.FindFlows(system, site.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		n, err := zones.ImportFlowsCSV(system, site.ID, strings.NewReader(in), "fuzz.csv")
		_, after, ferr := zones.FindFlows(system, site.ID, 1)
		if ferr != nil {
			t.Fatal(ferr)
		}
		if err != nil {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) == 0 {
				t.Fatalf("import error %v is not a validation error", err)
			}
			for _, fe := range ve.Errors {
				if fe.Line < 1 || fe.Field == "" || fe.Message == "" {
					t.Errorf("unlocated problem %+v", fe)
				}
			}
			if after != before {
				t.Fatalf("a rejected import stored %d flows", after-before)
			}
			return
		}
		if after-before != n {
			t.Fatalf("import reported %d flows, stored %d", n, after-before)
		}
	})
}
