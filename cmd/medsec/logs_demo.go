package main

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/demo"
	mhttp "medsec/http"
)

// demoLogSource is one device of the demo hospital that sends logs, with the health its
// last minute shows on the log sources page.
type demoLogSource struct {
	asset, hostname, transport, format string
	perMinute                          int64
	skew                               time.Duration
	// missingUser is how many of the minute's records name no user.
	missingUser int64
	// silentFor is how long ago the last record came (0: just now).
	silentFor time.Duration
}

// demoLogSources are the demo hospital's log senders: firewalls over CEF and TLS, the
// clinical servers over RFC 5424, a PACS whose clock is 95 s behind and whose records name
// no user, and a wireless controller silent for three hours.
var demoLogSources = []demoLogSource{
	{asset: "外部防火牆", hostname: "ngf-edge", transport: "tls", format: "cef", perMinute: 240, skew: 300 * time.Millisecond},
	{asset: "OT 防火牆", hostname: "otf-600", transport: "tls", format: "cef", perMinute: 90, skew: 200 * time.Millisecond},
	{asset: "HIS 應用伺服器 1", hostname: "his-ap1", transport: "tcp", format: "rfc5424", perMinute: 420, skew: 150 * time.Millisecond, missingUser: 35},
	{asset: "EMR 電子病歷應用伺服器", hostname: "emr-ap1", transport: "tls", format: "rfc5424", perMinute: 310, skew: 80 * time.Millisecond},
	{asset: "PACS 影像主伺服器", hostname: "pacs01", transport: "udp", format: "rfc3164", perMinute: 55, skew: -95 * time.Second, missingUser: 55},
	{asset: "無線網路控制器", hostname: "wlc7200", transport: "udp", format: "rfc3164", perMinute: 12, skew: 2 * time.Second, missingUser: 12, silentFor: 3 * time.Hour},
}

// loadDemoLogSources registers the demo hospital's log senders as the listeners would on
// their first records (auto-registered, linked to their assets by address) with a
// minute of activity each, and one system that sends JSON over HTTPS (registered by hand,
// no token issued).
func loadDemoLogSources(ctx context.Context, s mhttp.Services, d *demo.Data, siteIDs map[string]int64, now time.Time) error {
	if s.LogSources == nil {
		return nil
	}
	rows := map[string]medsec.AssetRow{}
	for _, r := range d.Assets {
		rows[r.Asset.Name] = r
	}
	var acts []medsec.LogSourceActivity
	for _, ls := range demoLogSources {
		row, ok := rows[ls.asset]
		if !ok || len(row.Asset.IPs) == 0 {
			return fmt.Errorf("demo log source: no asset %s with an address", ls.asset)
		}
		last := now.Add(-ls.silentFor)
		acts = append(acts, medsec.LogSourceActivity{Address: row.Asset.IPs[0], Hostname: ls.hostname, Transport: ls.transport,
			Format: ls.format, First: last.Add(-time.Minute), Last: last, Window: time.Minute, Records: ls.perMinute,
			Skew: ls.skew, SkewSamples: ls.perMinute, Missing: map[string]int64{"user": ls.missingUser}})
	}
	if err := s.LogSources.RecordLogSourceActivity(ctx, siteIDs[d.Sites[0].Code], acts); err != nil {
		return err
	}
	_, err := s.LogSources.CreateLogSource(ctx, &medsec.LogSource{SiteID: siteIDs[d.Sites[0].Code], Name: "EMR 病歷調閱稽核紀錄（JSON）",
		Transport: "https", ExpectedInterval: 3600}, false)
	return err
}
