package assetio

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
)

const benchRows = 50_000

// benchAssets returns n varied assets, as a large hospital group's inventory.
func benchAssets(n int) []*medsec.Asset {
	assets := make([]*medsec.Asset, n)
	sites := []string{"總院", "North Campus", "分院"}
	depts := []string{"放射科", "加護病房", "Laboratory", "檢驗科", "急診"}
	for i := range assets {
		a := &medsec.Asset{
			Name:              fmt.Sprintf("設備-%06d", i),
			Kind:              medsec.AssetKinds[i%len(medsec.AssetKinds)],
			Model:             fmt.Sprintf("MX-%d", i%97),
			Serial:            fmt.Sprintf("SN%09d", i*7919),
			Software:          fmt.Sprintf("%d.%d.%d", i%5, i%11, i%13),
			IPs:               []string{fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)},
			MACs:              []string{fmt.Sprintf("00:1b:%02x:%02x:%02x:%02x", i>>24&255, i>>16&255, i>>8&255, i&255)},
			VLAN:              100 + i%50,
			Location:          fmt.Sprintf("%d樓 %d室", i%12+1, i%40+1),
			Connectivity:      []medsec.Connectivity{medsec.Connectivities[i%len(medsec.Connectivities)]},
			DataClass:         medsec.DataClasses[i%len(medsec.DataClasses)],
			PatientRecords:    int64(i * 13),
			PatchingPermitted: medsec.Tristates[i%3],
			DefaultCreds:      medsec.CredentialStatuses[i%4],
			Level:             medsec.Levels[i%3],
			Notes:             "年度保養合約至 2027 年",
			Status:            medsec.StatusActive,
			SiteName:          sites[i%len(sites)],
			DepartmentName:    depts[i%len(depts)],
			VendorName:        "Vendor " + string(rune('A'+i%26)),
			ResponsibleName:   "王大明",
		}
		if i%4 == 0 {
			a.EndOfSupport = medsec.DateOf(time.Date(2026+i%8, time.Month(i%12+1), i%28+1, 0, 0, 0, 0, time.UTC))
		}
		assets[i] = a
	}
	return assets
}

var benchFiles = sync.OnceValues(func() (csvData, xlsxData []byte) {
	assets := benchAssets(benchRows)
	var c, x bytes.Buffer
	if err := WriteCSV(&c, assets); err != nil {
		panic(err)
	}
	if err := WriteXLSX(&x, assets); err != nil {
		panic(err)
	}
	return c.Bytes(), x.Bytes()
})

// peerTime returns the fastest of three runs of the peer a benchmark compares with.
func peerTime(b *testing.B, peer func() error) time.Duration {
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		if err := peer(); err != nil {
			b.Fatal(err)
		}
		best = min(best, time.Since(start))
	}
	return best
}

// report adds rows per second and the ratio of time per read to the peer's.
func report(b *testing.B, peerName string, peer time.Duration) {
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(benchRows/perOp.Seconds(), "rows/s")
	b.ReportMetric(float64(perOp)/float64(peer), "x_"+peerName)
}

// BenchmarkReadCSV reads a 50,000-row inventory; the peer is encoding/csv reading the same
// bytes into records, the parsing floor below which ReadCSV cannot go.
func BenchmarkReadCSV(b *testing.B) {
	data, _ := benchFiles()
	b.SetBytes(int64(len(data)))
	peer := peerTime(b, func() error {
		_, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		return err
	})
	b.ResetTimer()
	for b.Loop() {
		rows, err := ReadCSV(bytes.NewReader(data), "bench.csv")
		if err != nil || len(rows) != benchRows {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
	report(b, "encoding/csv", peer)
}

// BenchmarkReadXLSX reads the same inventory as a workbook; the peer is excelize
// iterating the sheet's rows, the floor for any excelize-based reader.
func BenchmarkReadXLSX(b *testing.B) {
	_, data := benchFiles()
	b.SetBytes(int64(len(data)))
	peer := peerTime(b, func() error {
		f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
		if err != nil {
			return err
		}
		defer f.Close()
		rows, err := f.Rows("Assets")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if _, err := rows.Columns(); err != nil {
				return err
			}
		}
		return rows.Error()
	})
	b.ResetTimer()
	for b.Loop() {
		rows, err := ReadXLSX(bytes.NewReader(data), "bench.xlsx")
		if err != nil || len(rows) != benchRows {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
	report(b, "excelize-rows", peer)
}

// BenchmarkWriteXLSX writes the inventory as a workbook.
func BenchmarkWriteXLSX(b *testing.B) {
	assets := benchAssets(benchRows)
	for b.Loop() {
		var x bytes.Buffer
		if err := WriteXLSX(&x, assets); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(benchRows/(b.Elapsed()/time.Duration(b.N)).Seconds(), "rows/s")
}
