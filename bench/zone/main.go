// Command zone measures medsec's flow checker: it generates a hospital network (about 50
// nested zones, 500 conduits with host whitelists) and 1,000,000 observed flows, checks
// them with the indexed zone.Checker and with the naive zone.LinearChecker, verifies that
// both find the same violations, and prints flows per second and their ratio.
//
//	go run ./bench/zone [-flows 1000000] [-conduits 500] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"medsec/zone"
	"medsec/zone/synth"
)

func main() {
	cfg := synth.Default
	flag.IntVar(&cfg.Flows, "flows", cfg.Flows, "number of flows")
	flag.IntVar(&cfg.Conduits, "conduits", cfg.Conduits, "number of conduits")
	flag.IntVar(&cfg.OTZones, "ot-zones", cfg.OTZones, "departmental OT zones (about 4 zones each)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	runs := flag.Int("runs", 3, "runs of the indexed checker (the best is reported)")
	flag.Parse()
	if err := run(cfg, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench zone:", err)
		os.Exit(1)
	}
}

func run(cfg synth.Config, runs int) error {
	h, err := synth.Generate(cfg)
	if err != nil {
		return err
	}
	fmt.Printf("go %s %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("model: %d zones, %d conduits, %d assets; %d flows\n", len(h.Model.Zones), len(h.Model.Conduits), len(h.Model.Assets), len(h.Flows))

	t0 := time.Now()
	fast, err := zone.NewChecker(h.Model)
	if err != nil {
		return err
	}
	build := time.Since(t0)
	slow, err := zone.NewLinearChecker(h.Model)
	if err != nil {
		return err
	}

	best := time.Duration(1<<63 - 1)
	var nFast int
	for i := 0; i < runs; i++ {
		t := time.Now()
		nFast = fast.CountViolations(h.Flows)
		best = min(best, time.Since(t))
	}
	t := time.Now()
	nSlow := slow.CountViolations(h.Flows)
	linear := time.Since(t)
	if nFast != nSlow {
		return fmt.Errorf("checkers disagree: indexed %d violations, linear %d", nFast, nSlow)
	}
	rate := func(d time.Duration) float64 { return float64(len(h.Flows)) / d.Seconds() }
	fmt.Printf("violations: %d (%.1f%%), same in both checkers\n", nFast, 100*float64(nFast)/float64(len(h.Flows)))
	fmt.Printf("indexed Checker: build %v, check %v, %.0f flows/s (best of %d)\n", build.Round(time.Microsecond), best.Round(time.Millisecond), rate(best), runs)
	fmt.Printf("linear scan:     check %v, %.0f flows/s\n", linear.Round(time.Millisecond), rate(linear))
	fmt.Printf("ratio: indexed is %.1fx the linear scan\n", linear.Seconds()/best.Seconds())

	t = time.Now()
	lp := zone.ProposeConduits(fast, h.Flows, zone.ProposeOptions{WidenIPv4: 28})
	prop := time.Since(t)
	broader := 0
	for _, r := range lp.Conduits {
		if r.Broader {
			broader++
		}
	}
	fmt.Printf("least-privilege proposal: %d rules, %d of %d conduits broader than needed, %v (%.0f flows/s)\n",
		len(lp.Rules), broader, len(lp.Conduits), prop.Round(time.Millisecond), rate(prop))
	return nil
}
