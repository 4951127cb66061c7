// Command discoverbench runs medsec's passive discovery (capture.AnalyzeFiles,
// the code behind "medsec discover") on capture files and prints counts and
// the elapsed time. The benchmark script uses it when the medsec binary does
// not have the discover command wired in.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"medsec/capture"
)

func main() {
	if p := os.Getenv("CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	start := time.Now()
	r, err := capture.AnalyzeFiles(os.Args[1:], capture.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "discoverbench:", err)
		return
	}
	el := time.Since(start)
	var size int64
	for _, f := range r.Files {
		size += f.Size
		if f.Error != "" {
			fmt.Fprintf(os.Stderr, "discoverbench: %s: %s\n", f.Name, f.Error)
		}
	}
	fmt.Printf("packets=%d hosts=%d flows=%d protocols=%v elapsed=%.3fs throughput=%.1fMB/s\n",
		r.Summary.Packets, r.Summary.Hosts, r.Summary.Flows, r.Summary.Protocols, el.Seconds(), float64(size)/el.Seconds()/1e6)
}
