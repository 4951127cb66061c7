// Command vuln measures medsec's vulnerability matching at the size of the whole NVD
// against a large fleet, with decoding the same feed as the peer in the same run.
//
// The real NVD feed (about 300,000 records, 1.5 GB of JSON) cannot be fetched here, so the
// feed is built from the shapes of real records: the four NVD CVE API 2.0 records of
// medical devices in ../shared/data/vuln/nvd-cve-2.0 (firmware-on-hardware AND
// configurations with versionEndExcluding, exact versions and "any version"), and the
// single-node software configuration of sqlstore/testdata/vuln/freertos-tcp.json (written
// in the shape of CVE-2018-16525's). Each generated record is one of those texts with its
// CVE ID, vendor and product names replaced, so sizes and shapes are the real ones. The
// records are written as NVD API pages of 2,000 (as the API serves them) into a temporary
// directory.
//
// The fleet: -assets devices of -models models (manufacturer, model, firmware, firmware
// and hardware CPE), each with -components SBOM components drawn from a catalogue of
// -catalogue distinct component identities (CPE and purl), some of whose products the feed
// names. medsec matches each distinct identity once (vuln.MatchCache), as a hospital's
// devices share their models' components.
//
// Measured: (1) peer: decoding the feed (vuln.ParseNVD, page by page); (2) medsec: the same
// decode, then indexing the advisories and matching the whole fleet; the ratio (2)/(1);
// (3) one new advisory matched against the whole fleet through vuln.FleetIndex (the index
// built once beforehand), counting every affected device.
//
//	go run ./bench/vuln [-records 300000] [-assets 50000] [-components 100]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"medsec/vuln"
)

// profile is the -cpuprofile file, "" for none.
var profile string

// template is a real record's text and the names in it that a generated record replaces.
type template struct {
	text     string
	id       string
	vendor   string   // CPE vendor
	products []string // CPE products, each replaced by a product of the universe
}

func main() {
	records := flag.Int("records", 300000, "NVD records in the feed")
	assets := flag.Int("assets", 50000, "devices in the fleet")
	components := flag.Int("components", 100, "SBOM components per device")
	catalogue := flag.Int("catalogue", 20000, "distinct component identities")
	models := flag.Int("models", 500, "device models")
	shared := flag.String("shared", "../shared/data/vuln", "the shared vulnerability data")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the index and match phase to this file")
	flag.Parse()
	profile = *cpuProfile
	if err := run(*records, *assets, *components, *catalogue, *models, *shared); err != nil {
		fmt.Fprintln(os.Stderr, "bench vuln:", err)
		os.Exit(1)
	}
}

// cpu returns the process's CPU time (user and system): the machine is shared, so wall
// time alone says more about the neighbours than about medsec.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func load(path, id, vendor string, products ...string) (template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return template{}, err
	}
	return template{text: string(data), id: id, vendor: vendor, products: products}, nil
}

func run(nRecords, nAssets, nComponents, nCatalogue, nModels int, shared string) error {
	var tpls []template
	for _, t := range []struct {
		file, id, vendor string
		products         []string
	}{
		{filepath.Join(shared, "nvd-cve-2.0/CVE-2017-9657.json"), "CVE-2017-9657", "philips", []string{"intellivue_mx40"}},
		{filepath.Join(shared, "nvd-cve-2.0/CVE-2018-10596.json"), "CVE-2018-10596", "medtronic", []string{"2090_carelink_programmer"}},
		{filepath.Join(shared, "nvd-cve-2.0/CVE-2020-12016.json"), "CVE-2020-12016", "baxter", []string{"em2400", "em1200"}},
		{filepath.Join(shared, "nvd-cve-2.0/CVE-2020-6961.json"), "CVE-2020-6961", "gehealthcare", nil},
		{"sqlstore/testdata/vuln/freertos-tcp.json", "CVE-2018-16525", "amazon", []string{"freertos"}},
	} {
		tp, err := load(t.file, t.id, t.vendor, t.products...)
		if err != nil {
			return err
		}
		tpls = append(tpls, tp)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// The product universe: vendor v<i>, products p<j>; the catalogue and the device
	// models draw from its first part, so a share of the feed names them.
	const universe = 100000
	dir, err := os.MkdirTemp("", "medsec-bench-vuln-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Printf("go %s %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	t0 := time.Now()
	var total int64
	const page = 2000
	var files []string
	for start := 0; start < nRecords; start += page {
		var b strings.Builder
		end := min(start+page, nRecords)
		fmt.Fprintf(&b, `{"resultsPerPage":%d,"startIndex":%d,"totalResults":%d,"format":"NVD_CVE","version":"2.0","timestamp":"2026-11-30T00:00:00.000","vulnerabilities":[`, end-start, start, nRecords)
		for i := start; i < end; i++ {
			tp := tpls[i%len(tpls)]
			u := i % universe
			pairs := []string{tp.id, fmt.Sprintf("CVE-%d-%06d", 2000+i/100000, i%100000)}
			for k, p := range tp.products {
				pairs = append(pairs, tp.vendor+":"+p, fmt.Sprintf("v%d:p%d_%d", u/10, u, k))
			}
			pairs = append(pairs, tp.vendor+":", fmt.Sprintf("v%d:", u/10))
			if i > start {
				b.WriteByte(',')
			}
			b.WriteString(`{"cve":`)
			b.WriteString(strings.NewReplacer(pairs...).Replace(tp.text))
			b.WriteString(`}`)
		}
		b.WriteString(`]}`)
		f := filepath.Join(dir, fmt.Sprintf("page-%06d.json", start/page))
		if err := os.WriteFile(f, []byte(b.String()), 0o600); err != nil {
			return err
		}
		total += int64(b.Len())
		files = append(files, f)
	}
	fmt.Printf("feed: %d records in %d API pages, %.0f MB (built from 5 real record shapes in %s)\n", nRecords, len(files), float64(total)/1e6, time.Since(t0).Round(time.Millisecond))

	// The fleet.
	cat := make([]vuln.Target, nCatalogue)
	for i := range cat {
		u := rng.IntN(universe / 2)
		// Software components name products of the FreeRTOS-shaped records (single node);
		// a version at or under its versionEndIncluding 10.0.1 is vulnerable.
		u = u - u%5 + 4
		v := fmt.Sprintf("10.0.%d", rng.IntN(3))
		cat[i] = vuln.Target{ComponentID: int64(i + 1), Model: fmt.Sprintf("component %d", i), Software: v,
			CPEs:  []string{fmt.Sprintf("cpe:2.3:o:v%d:p%d_0:%s:*:*:*:*:*:*:*", u/10, u, v)},
			PURLs: []string{fmt.Sprintf("pkg:generic/v%d/p%d@%s", u/10, u, v)}}
	}
	mods := make([]vuln.Target, nModels)
	for i := range mods {
		u := rng.IntN(universe/2) / 5 * 5 // MX40-shaped records: firmware on hardware
		fw := []string{"b.06.17", "b.06.18"}[rng.IntN(2)]
		mods[i] = vuln.Target{Vendor: fmt.Sprintf("v%d", u/10), Model: fmt.Sprintf("p%d_0", u), Firmware: fw,
			CPEs: []string{fmt.Sprintf("cpe:2.3:o:v%d:p%d_0_firmware:%s:*:*:*:*:*:*:*", u/10, u, fw), fmt.Sprintf("cpe:2.3:h:v%d:p%d_0:-:*:*:*:*:*:*:*", u/10, u)}}
	}
	deviceModel := make([]int32, nAssets)
	deviceComponents := make([]int32, nAssets*nComponents)
	usedBy := make([][]int32, nCatalogue) // catalogue entry -> devices
	modelDevices := make([][]int32, nModels)
	for a := 0; a < nAssets; a++ {
		m := rng.IntN(nModels)
		deviceModel[a] = int32(m)
		modelDevices[m] = append(modelDevices[m], int32(a))
		// A model's devices share most components: the model picks from a window of the
		// catalogue.
		base := m * nCatalogue / nModels
		for c := 0; c < nComponents; c++ {
			e := (base + rng.IntN(nCatalogue/4)) % nCatalogue
			deviceComponents[a*nComponents+c] = int32(e)
			usedBy[e] = append(usedBy[e], int32(a))
		}
	}
	fmt.Printf("fleet: %d devices of %d models, %d components each (%d component instances, %d distinct identities)\n",
		nAssets, nModels, nComponents, nAssets*nComponents, nCatalogue)

	decode := func() ([]*vuln.Advisory, error) {
		var out []*vuln.Advisory
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			as, err := vuln.ParseNVD(f, data)
			if err != nil {
				return nil, err
			}
			out = append(out, as...)
		}
		return out, nil
	}

	// (1) the peer: decoding alone.
	runtime.GC()
	t0, c0 := time.Now(), cpu()
	advs, err := decode()
	if err != nil {
		return err
	}
	tDecode, cDecode := time.Since(t0), cpu()-c0
	advs = nil
	runtime.GC()

	// (2) medsec: decode, index, match every device and component instance.
	t0, c0 = time.Now(), cpu()
	advs, err = decode()
	if err != nil {
		return err
	}
	tDecode2, cDecode2 := time.Since(t0), cpu()-c0
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	t1 := time.Now()
	m := vuln.NewMatcher(nil, advs)
	tIndex := time.Since(t1)
	cache := vuln.NewMatchCache(m)
	findings, affectedDevices := 0, 0
	for a := 0; a < nAssets; a++ {
		n := len(cache.Match(mods[deviceModel[a]]))
		for c := 0; c < nComponents; c++ {
			n += len(cache.Match(cat[deviceComponents[a*nComponents+c]]))
		}
		findings += n
		if n > 0 {
			affectedDevices++
		}
	}
	tTotal, cTotal := time.Since(t0), cpu()-c0
	if profile != "" {
		pprof.StopCPUProfile()
	}
	tMatch, cMatch := tTotal-tDecode2, cTotal-cDecode2
	fmt.Printf("peer: decode the feed alone                 %8s\n", tDecode.Round(time.Millisecond))
	fmt.Printf("medsec: decode + index + match the fleet    %8s (decode %s, index %s, match %s)\n",
		tTotal.Round(time.Millisecond), tDecode2.Round(time.Millisecond), tIndex.Round(time.Millisecond), (tMatch - tIndex).Round(time.Millisecond))
	fmt.Printf("findings: %d on %d devices\n", findings, affectedDevices)
	fmt.Printf("CPU time: decode alone %s; medsec %s (decode %s, index and match %s)\n", cDecode.Round(time.Millisecond),
		cTotal.Round(time.Millisecond), cDecode2.Round(time.Millisecond), cMatch.Round(time.Millisecond))
	fmt.Printf("ratio medsec / decode: wall %.2f (matching adds %.0f %%), CPU %.2f (adds %.0f %%); goal: adds ≤ 25 %%\n",
		float64(tTotal)/float64(tDecode), 100*float64(tMatch)/float64(tDecode), float64(cTotal)/float64(cDecode), 100*float64(cMatch)/float64(cDecode))

	// (3) one new advisory against the whole fleet.
	t1 = time.Now()
	fleet := append(append([]vuln.Target{}, mods...), cat...)
	x := vuln.NewFleetIndex(nil, fleet)
	tFleet := time.Since(t1)
	// A new record of the FreeRTOS shape naming a product the catalogue uses.
	var pu int
	fmt.Sscanf(cat[0].CPEs[0][strings.Index(cat[0].CPEs[0], ":p")+2:], "%d", &pu)
	text := strings.NewReplacer(tpls[4].id, "CVE-2026-999999", "amazon:freertos", fmt.Sprintf("v%d:p%d_0", pu/10, pu)).Replace(tpls[4].text)
	na, err := vuln.ParseNVD("new.json", []byte(text))
	if err != nil {
		return err
	}
	best := time.Duration(1<<63 - 1)
	var hitDevices int
	for r := 0; r < 5; r++ {
		t1 = time.Now()
		hits := x.MatchAdvisory(na[0])
		seen := map[int32]bool{}
		for _, h := range hits {
			if h.Target.ComponentID != 0 {
				for _, d := range usedBy[h.Target.ComponentID-1] {
					seen[d] = true
				}
			} else {
				for i := range mods {
					if mods[i].Model == h.Target.Model && mods[i].Vendor == h.Target.Vendor {
						for _, d := range modelDevices[i] {
							seen[d] = true
						}
					}
				}
			}
		}
		hitDevices = len(seen)
		best = min(best, time.Since(t1))
	}
	fmt.Printf("one new advisory against the whole fleet: %s (best of 5; %d devices affected; fleet index built once in %s; goal < 100 ms)\n",
		best.Round(time.Microsecond), hitDevices, tFleet.Round(time.Millisecond))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("heap in use at the end: %d MB\n", ms.HeapInuse>>20)
	return nil
}
