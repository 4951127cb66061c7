package capture

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"

	"medsec"
)

// InventoryItems maps medsec's assets onto the items Match compares hosts with.
func InventoryItems(assets []*medsec.Asset) []InventoryItem {
	items := make([]InventoryItem, 0, len(assets))
	for _, a := range assets {
		item := InventoryItem{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, MACs: a.MACs, AETitles: a.AETitles}
		for _, ip := range a.IPs {
			if addr, err := netip.ParseAddr(ip); err == nil {
				item.IPs = append(item.IPs, addr)
			}
		}
		items = append(items, item)
	}
	return items
}

// StoredResult is what a stored discovery run's Result holds.
type StoredResult struct {
	Result    *Result   `json:"result"`
	Stocktake Stocktake `json:"stocktake"`
}

// NewRun matches a result against a site's assets and returns the run to store: the
// capture's file, hash and counts, the stocktake's counts, and the whole result as JSON.
// Several files make one run named after the first.
func NewRun(siteID int64, res *Result, assets []*medsec.Asset) (*medsec.DiscoveryRun, error) {
	st := Match(res, InventoryItems(assets))
	data, err := json.Marshal(StoredResult{Result: res, Stocktake: st})
	if err != nil {
		return nil, fmt.Errorf("discovery run: %w", err)
	}
	run := &medsec.DiscoveryRun{SiteID: siteID, Packets: res.Summary.Packets, Hosts: res.Summary.Hosts, Flows: res.Summary.Flows,
		Matched: len(st.Matched), ProposedNew: len(st.ProposedNew), NotSeen: len(st.NotSeen), Result: data}
	for _, f := range res.Flows {
		run.ObservedFlows = append(run.ObservedFlows, medsec.Flow{SiteID: siteID, Src: f.Client.Address, Dst: f.Server.Address,
			Proto: f.Transport, Port: int(f.Server.Port), App: f.App, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen,
			Packets: f.ClientPackets + f.ServerPackets, Bytes: f.ClientBytes + f.ServerBytes})
	}
	for i, f := range res.Files {
		if i == 0 {
			run.Source, run.SHA256, run.Format = filepath.Base(f.Name), f.SHA256, f.Format
		}
		run.Size += f.Size
		if f.Error != "" && run.Error == "" {
			run.Error = fmt.Sprintf("%s: stopped at byte %d: %s", f.Name, f.StoppedAt, f.Error)
		}
	}
	return run, nil
}
