package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/capture"
	"medsec/sqlstore"
)

// discoverUsage is printed for "medsec discover -h" and bad command lines.
const discoverUsage = `usage:
  medsec discover [--json] [--interface IF --duration D] [--data DIR|--db URL --site CODE] [FILE...]

FILE "-" reads a capture from standard input (e.g. tcpdump -w -).
Discovers devices, their identities and their flows passively from pcap or
pcapng captures (several files are analysed as one capture, in order) and/or
a live Linux interface (AF_PACKET, needs CAP_NET_RAW). Prints a summary, or
the whole result as JSON with --json. With --data (or --db) and --site the run
is stored, matched against the site's inventory, and shown in the web UI.
Patient data is never read out.
`

// runDiscover implements "medsec discover" [M1 stocktake, M2, M3]. It returns
// an error for a bad command line or a capture that cannot be opened or has
// no valid header; a capture that breaks off part-way is analysed up to the
// bad record and the summary says where it stopped.
func runDiscover(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("discover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, discoverUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print the whole result as JSON")
	iface := fs.String("interface", "", "capture live on this Linux interface")
	duration := fs.Duration("duration", 30*time.Second, "how long to capture live (with --interface)")
	data := fs.String("data", "", "store the run in this data directory's database (with --site)")
	db := fs.String("db", "", "store the run in this PostgreSQL database (with --site)")
	site := fs.String("site", "", "code or name of the site the capture comes from")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		files = append(files, args[0])
		args = args[1:]
	}
	if len(files) == 0 && *iface == "" {
		fs.Usage()
		return errors.New("discover: give capture files or --interface")
	}
	if *duration <= 0 {
		return errors.New("discover: --duration must be positive")
	}
	a := capture.NewAnalyzer(capture.Options{})
	for _, f := range files {
		var err error
		if f == "-" {
			_, err = a.AnalyzeReader("stdin", os.Stdin)
		} else {
			_, err = a.AnalyzeFile(f)
		}
		if err != nil {
			return fmt.Errorf("discover: %w", err)
		}
	}
	if *iface != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		fmt.Fprintf(stderr, "capturing on %s for %s...\n", *iface, *duration)
		if _, err := a.CaptureLive(ctx, *iface, *duration, time.Now); err != nil {
			return fmt.Errorf("discover: %w", err)
		}
	}
	r := a.Result()
	if *data != "" || *db != "" {
		if err := storeDiscovery(dsnFor(*data, *db), *site, r, stderr); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("discover: write JSON: %w", err)
		}
		return nil
	}
	return printDiscovery(stdout, r)
}

// printDiscovery writes the human summary of a discovery result.
func printDiscovery(w io.Writer, r *capture.Result) error {
	s := r.Summary
	fmt.Fprintf(w, "%d packets, %d bytes, %d hosts, %d flows", s.Packets, s.Bytes, s.Hosts, s.Flows)
	if s.Packets > 0 {
		fmt.Fprintf(w, ", %s to %s", s.Start.Format(time.RFC3339), s.End.Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	for _, f := range r.Files {
		fmt.Fprintf(w, "  %s: %s, %d packets", f.Name, f.Format, f.Packets)
		if f.SHA256 != "" {
			fmt.Fprintf(w, ", sha256 %s", f.SHA256)
		}
		fmt.Fprintln(w)
		if f.Error != "" {
			fmt.Fprintf(w, "    INCOMPLETE: stopped at byte %d: %s\n", f.StoppedAt, f.Error)
		}
	}
	for _, m := range r.Mirrors {
		if m.Source.IsValid() {
			fmt.Fprintf(w, "  mirrored traffic: %s session %d from %s to %s, %d packets (the tunnel ends are the mirror, not devices)\n",
				m.Encapsulation, m.ID, m.Source, m.Destination, m.Packets)
		} else {
			fmt.Fprintf(w, "  mirrored traffic: %s label %d, %d packets\n", m.Encapsulation, m.ID, m.Packets)
		}
	}
	if s.UntrackedPackets > 0 {
		fmt.Fprintf(w, "  %d packets of conversations beyond the flow limit were counted only\n", s.UntrackedPackets)
	}
	if len(s.GatewayMACs) > 0 {
		fmt.Fprintf(w, "  gateway MACs (left out of host MACs): %s\n", strings.Join(s.GatewayMACs, ", "))
	}

	fmt.Fprintln(w, "\nHosts with roles or identity:")
	quiet := 0
	for _, h := range r.Hosts {
		if len(h.Roles) == 0 && len(h.Identity) == 0 {
			quiet++
			continue
		}
		fmt.Fprintf(w, "  %s", h.Address)
		if len(h.MACs) > 0 {
			fmt.Fprintf(w, "  mac %s", strings.Join(h.MACs, ","))
		}
		if len(h.Roles) > 0 {
			fmt.Fprintf(w, "  roles %s", strings.Join(h.Roles, ","))
		}
		fmt.Fprintln(w)
		for _, f := range h.Identity {
			ev := f.Evidence[0]
			fmt.Fprintf(w, "      %-28s %s  (packet %d, %s", f.Kind, f.Value, ev.Packet, ev.Time.Format(time.RFC3339))
			if f.Count > 1 {
				fmt.Fprintf(w, ", seen %d times", f.Count)
			}
			fmt.Fprintln(w, ")")
		}
	}
	if quiet > 0 {
		fmt.Fprintf(w, "  (%d more hosts with traffic only)\n", quiet)
	}

	fmt.Fprintln(w, "\nFlows by application:")
	var apps []string
	for app := range s.Protocols {
		apps = append(apps, app)
	}
	sort.Strings(apps)
	for _, app := range apps {
		name := app
		if name == "" {
			name = "(unidentified)"
		}
		fmt.Fprintf(w, "  %-16s %d\n", name, s.Protocols[app])
	}

	fmt.Fprintln(w, "\nIdentified flows:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  APP\tCLIENT\tSERVER\tC->S PKTS/BYTES\tS->C PKTS/BYTES\tFIRST SEEN")
	shown, more := 0, 0
	for _, f := range r.Flows {
		if f.App == "" {
			continue
		}
		if shown >= 100 {
			more++
			continue
		}
		shown++
		fmt.Fprintf(tw, "  %s/%s\t%s\t%s\t%d/%d\t%d/%d\t%s\n", f.App, f.Transport,
			endpoint(f.Client), endpoint(f.Server), f.ClientPackets, f.ClientBytes, f.ServerPackets, f.ServerBytes,
			f.FirstSeen.Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("discover: write summary: %w", err)
	}
	if more > 0 {
		fmt.Fprintf(w, "  (%d more; use --json for all flows and their details)\n", more)
	}
	for _, f := range r.Flows {
		if len(f.Details) == 0 || (f.App != "dicom" && f.App != "hl7") {
			continue
		}
		fmt.Fprintf(w, "\n  %s %s -> %s:\n", f.App, endpoint(f.Client), endpoint(f.Server))
		for _, d := range f.Details {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
	return nil
}

func endpoint(e capture.Endpoint) string {
	if e.Address.Is6() {
		return fmt.Sprintf("[%s]:%d", e.Address, e.Port)
	}
	return fmt.Sprintf("%s:%d", e.Address, e.Port)
}

// storeDiscovery stores a result as a discovery run of the site, matched against the
// site's inventory, acting as medsec itself (the operator runs this on the server).
func storeDiscovery(dsn, site string, r *capture.Result, stderr io.Writer) error {
	if site == "" {
		return errors.New("discover: --site is required to store the run")
	}
	ctx := asSystem(context.Background())
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	defer store.Close()
	sites, err := sqlstore.NewOrgService(store).FindSites(ctx)
	if err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	var siteID int64
	for _, s := range sites {
		if s.Code == site || s.Name == site {
			siteID = s.ID
		}
	}
	if siteID == 0 {
		return fmt.Errorf("discover: no site %q", site)
	}
	assets, _, err := sqlstore.NewAssetService(store).FindAssets(ctx, medsec.AssetFilter{SiteID: siteID, Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	run, err := capture.NewRun(siteID, r, assets)
	if err != nil {
		return err
	}
	if err := sqlstore.NewDiscoveryService(store).CreateDiscoveryRun(ctx, run); err != nil {
		return fmt.Errorf("discover: %w", err)
	}
	fmt.Fprintf(stderr, "stored as discovery run %d: %d inventory assets seen, %d new hosts, %d not seen\n", run.ID, run.Matched, run.ProposedNew, run.NotSeen)
	return nil
}
