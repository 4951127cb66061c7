package main

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// demoLogRecords is how many records the demo's day of logs holds: about one every seven
// seconds, enough for the search, the histogram, the seal and a log review, and quick to
// store (about three seconds on a loaded two-core machine) at demo start.
const demoLogRecords = 8640

// loadDemoLogs stores and seals a day of logs from the demo hospital's devices and
// systems, received over the 24 hours before now: EMR and HIS access to patient records,
// logins to servers (some failed, from outside), firewall traffic in CEF, PACS
// associations, monitor alarms; and last month's access to patient records for the
// demo's monthly log review. It is deterministic (one seed) but for the times, which
// follow now. It does nothing when the store already holds records.
func loadDemoLogs(ctx context.Context, st *logstore.Store, db *sqlstore.DB, now time.Time) (int, error) {
	for _, s := range st.Status() {
		if s.Size > 0 {
			return 0, nil
		}
	}
	// The senders are the demo's log sources (logs_demo.go), at their inventory addresses,
	// plus the patient monitors.
	type host struct {
		name, ip string
		skew     time.Duration
		silent   time.Duration
	}
	hostOf := map[string]demoLogSource{}
	for _, src := range demoLogSources {
		hostOf[src.asset] = src
	}
	byName := map[string]host{}
	var monitors []host
	err := sqlstore.NewAssetService(db).EachAsset(asSystem(ctx), medsec.AssetFilter{}, func(a *medsec.Asset) error {
		if len(a.IPs) == 0 {
			return nil
		}
		if src, ok := hostOf[a.Name]; ok {
			byName[src.hostname] = host{name: src.hostname, ip: a.IPs[0], skew: src.skew, silent: src.silentFor}
		} else if a.Kind == medsec.KindPatientMonitor || a.Kind == medsec.KindCentralStation {
			monitors = append(monitors, host{name: fmt.Sprintf("mon-%d", len(monitors)+1), ip: a.IPs[0]})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	pick := func(names ...string) []host {
		var out []host
		for _, n := range names {
			if h, ok := byName[n]; ok {
				out = append(out, h)
			}
		}
		return out
	}
	records, pacs, firewalls := pick("his-ap1", "emr-ap1"), pick("pacs01"), pick("ngf-edge", "otf-600")
	servers := pick("his-ap1", "emr-ap1", "pacs01")
	if len(records) == 0 || len(pacs) == 0 || len(firewalls) == 0 {
		return 0, nil // not the demo inventory
	}
	if len(monitors) == 0 {
		monitors = pick("wlc7200")
	}
	all := append(append(append([]host{}, servers...), firewalls...), monitors...)
	staff := []string{"dr.chen", "dr.lin", "nurse.wu", "nurse.huang", "pharm.lee", "clerk.tsai", "dr.kao", "itops.chen"}
	rng := rand.New(rand.NewSource(20261130))
	p := &logs.Parser{}
	start := now.Add(-24 * time.Hour)
	step := 24 * time.Hour / demoLogRecords
	var batch []logs.Record
	stored := 0
	// Last month's access to patient records, one about every half hour, for the demo's
	// signed monthly log review (receive times only grow, so they go first).
	monthEnd := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	mrng := rand.New(rand.NewSource(202610))
	for t := monthEnd.AddDate(0, -1, 0).Add(17 * time.Minute); t.Before(monthEnd) && t.Before(start); t = t.Add(29 * time.Minute) {
		h := records[mrng.Intn(len(records))]
		action := []string{"view", "view", "view", "print", "export", "update"}[mrng.Intn(6)]
		raw := fmt.Sprintf(`<110>1 %s %s emr %d ACCESS [audit@32473 user="%s" patient="P%07d" action="%s"] patient record %s`,
			t.Add(h.skew).UTC().Format("2006-01-02T15:04:05.000000Z07:00"), h.name, 4000+mrng.Intn(900), staff[mrng.Intn(len(staff))], mrng.Intn(40000), action, action)
		rec, err := p.Parse([]byte(raw), t, net.JoinHostPort(h.ip, "514"))
		if err != nil {
			return stored, fmt.Errorf("demo log %q: %w", raw, err)
		}
		batch = append(batch, rec)
	}
	if err := st.Append(ctx, batch); err != nil {
		return stored, err
	}
	stored, batch = len(batch), batch[:0]
	for i := 0; i < demoLogRecords; i++ {
		t := start.Add(time.Duration(i)*step + time.Duration(rng.Int63n(int64(step))))
		var h host
		var raw string
		// Each sender writes its own clock into its records (the PACS runs 95 s behind).
		clock := func() time.Time { return t.Add(h.skew) }
		switch r := rng.Intn(100); {
		case r < 40: // access to patient records [004 §17]
			h = records[rng.Intn(len(records))]
			action := []string{"view", "view", "view", "print", "export", "update"}[rng.Intn(6)]
			raw = fmt.Sprintf(`<110>1 %s %s emr %d ACCESS [audit@32473 user="%s" patient="P%07d" action="%s"] patient record %s`,
				clock().UTC().Format("2006-01-02T15:04:05.000000Z07:00"), h.name, 4000+rng.Intn(900), staff[rng.Intn(len(staff))], rng.Intn(40000), action, action)
		case r < 55:
			h = servers[rng.Intn(len(servers))]
			if rng.Intn(6) == 0 {
				raw = fmt.Sprintf("<38>%s %s sshd[%d]: Failed password for invalid user admin from 203.0.113.%d port %d ssh2",
					clock().Format(time.Stamp), h.name, 1000+rng.Intn(30000), rng.Intn(250), 1024+rng.Intn(60000))
			} else {
				raw = fmt.Sprintf("<38>%s %s sshd[%d]: Accepted publickey for %s from 10.10.1.%d port %d ssh2",
					clock().Format(time.Stamp), h.name, 1000+rng.Intn(30000), staff[7], 10+rng.Intn(20), 1024+rng.Intn(60000))
			}
		case r < 80:
			h = firewalls[rng.Intn(len(firewalls))]
			src, dst := all[rng.Intn(len(all))], all[rng.Intn(len(all))]
			act := "accept"
			if rng.Intn(10) == 0 {
				act = "deny"
			}
			raw = fmt.Sprintf("<134>%s %s CEF:0|Fortinet|FortiGate|7.2.8|0000000013|traffic|3|src=%s dst=%s spt=%d dpt=%d proto=6 act=%s",
				clock().Format(time.Stamp), h.name, src.ip, dst.ip, 1024+rng.Intn(60000), []int{104, 443, 2575, 22, 3389}[rng.Intn(5)], act)
		case r < 92:
			h = pacs[rng.Intn(len(pacs))]
			peer := all[rng.Intn(len(all))]
			raw = fmt.Sprintf("<134>%s %s dcmqrscp[%d]: Association accepted from %s (%s), AE title MOD%02d",
				clock().Format(time.Stamp), h.name, 2000+rng.Intn(900), peer.name, peer.ip, rng.Intn(30))
		default:
			h = monitors[rng.Intn(len(monitors))]
			raw = fmt.Sprintf("<12>%s %s central[%d]: alarm %s bed %d", clock().Format(time.Stamp), h.name, 300+rng.Intn(50),
				[]string{"SpO2 low", "HR high", "lead off", "NIBP due"}[rng.Intn(4)], 1+rng.Intn(24))
		}
		if h.silent > 0 && t.After(now.Add(-h.silent)) {
			continue // the silent wireless controller
		}
		rec, err := p.Parse([]byte(raw), t, net.JoinHostPort(h.ip, "514"))
		if err != nil {
			return stored, fmt.Errorf("demo log %q: %w", raw, err)
		}
		batch = append(batch, rec)
		if len(batch) == 2000 || i == demoLogRecords-1 {
			if err := st.Append(ctx, batch); err != nil {
				return stored, err
			}
			stored += len(batch)
			batch = batch[:0]
		}
	}
	st.Checkpoint()
	return stored, nil
}
