package capture

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"medsec"
)

func TestApplyIdentity(t *testing.T) {
	vendors := []*medsec.Vendor{{ID: 1, Name: "Aurora"}, {ID: 2, Name: "ACME Medical Systems Inc."}}
	base := medsec.Asset{ID: 30, Name: "CT-1", VendorID: 1, Model: "Aurora CT 64 Evolve", Serial: "AMS-CT64-180427", AETitles: []string{"CT1"}}
	tests := []struct {
		name    string
		ds      []Disagreement
		want    medsec.Asset
		wantErr string
	}{
		{"all", []Disagreement{{Field: FieldVendor, Observed: "ACME Medical Systems"}, {Field: FieldModel, Observed: "Scanomatic 3000"},
			{Field: FieldSerial, Observed: "SN-000123"}, {Field: FieldSoftware, Observed: "SV 4.2.1"}, {Field: FieldAETitles, Observed: "CTSCAN7"}},
			medsec.Asset{ID: 30, Name: "CT-1", VendorID: 2, VendorName: "ACME Medical Systems Inc.", Model: "Scanomatic 3000", Serial: "SN-000123",
				Software: "SV 4.2.1", AETitles: []string{"CT1", "CTSCAN7"}}, ""},
		{"AE title already there", []Disagreement{{Field: FieldAETitles, Observed: "ct1"}}, base, ""},
		{"unknown manufacturer", []Disagreement{{Field: FieldModel, Observed: "X"}, {Field: FieldVendor, Observed: "Kestrel"}}, base, "discovery.no_vendor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := base
			a.AETitles = slices.Clone(base.AETitles)
			err := ApplyIdentity(&a, tc.ds, vendors)
			var me *medsec.Error
			if tc.wantErr != "" {
				if !errors.As(err, &me) || me.Key != tc.wantErr || me.Code != medsec.EINVALID {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if a.VendorID != tc.want.VendorID || a.Model != tc.want.Model || a.Serial != tc.want.Serial ||
				a.Software != tc.want.Software || !slices.Equal(a.AETitles, tc.want.AETitles) {
				t.Errorf("got %+v\nwant %+v", a, tc.want)
			}
		})
	}
}

func TestAssetFromHost(t *testing.T) {
	r, err := AnalyzeFiles([]string{"testdata/dicom-store-implicit.pcap"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := AssetFromHost(7, r.Hosts[0], []*medsec.Vendor{{ID: 4, Name: "ACME Medical Systems"}})
	if a.SiteID != 7 || a.Name != "CT-ROOM-7" || !slices.Equal(a.IPs, []string{"127.0.0.1"}) || a.VendorID != 4 ||
		a.Model != "Scanomatic 3000" || a.Serial != "SN-000123" || a.Software != "SV 4.2.1" ||
		!slices.Contains(a.AETitles, "CTSCAN7") {
		t.Errorf("got %+v", a)
	}
	bare := AssetFromHost(7, Host{Address: netip.MustParseAddr("10.10.40.99")}, nil)
	if bare.Name != "10.10.40.99" || bare.VendorID != 0 {
		t.Errorf("a host without identity: %+v", bare)
	}
}
