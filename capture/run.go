package capture

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// InventoryItems maps medsec's assets onto the items Match compares hosts with.
func InventoryItems(assets []*medsec.Asset) []InventoryItem {
	items := make([]InventoryItem, 0, len(assets))
	for _, a := range assets {
		item := InventoryItem{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, MACs: a.MACs, AETitles: a.AETitles,
			Manufacturer: a.VendorName, Model: a.Model, Serial: a.Serial, Software: a.Software}
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

// ApplyIdentity writes observed identity values into an inventory asset: the
// model, serial number and software version replace the recorded ones, an AE
// title is added to the recorded ones, and a manufacturer becomes the asset's
// vendor when one of vendors names it (SameName). A manufacturer no vendor
// names is an EINVALID error, and so is a field it does not know; the asset
// is then left as it was.
func ApplyIdentity(a *medsec.Asset, ds []Disagreement, vendors []*medsec.Vendor) error {
	next := *a
	next.AETitles = slices.Clone(a.AETitles)
	for _, d := range ds {
		switch d.Field {
		case FieldModel:
			next.Model = d.Observed
		case FieldSerial:
			next.Serial = d.Observed
		case FieldSoftware:
			next.Software = d.Observed
		case FieldAETitles:
			if !slices.ContainsFunc(next.AETitles, func(ae string) bool { return strings.EqualFold(ae, d.Observed) }) {
				next.AETitles = append(next.AETitles, d.Observed)
			}
		case FieldVendor:
			i := slices.IndexFunc(vendors, func(v *medsec.Vendor) bool { return SameName(v.Name, d.Observed) })
			if i < 0 {
				return &medsec.Error{Code: medsec.EINVALID, Key: "discovery.no_vendor", Args: []any{d.Observed},
					Message: fmt.Sprintf("No vendor is named %s: add it under Organisation, then accept.", d.Observed)}
			}
			next.VendorID, next.VendorName = vendors[i].ID, vendors[i].Name
		default:
			return medsec.Errorf(medsec.EINVALID, "Unknown identity field %q.", d.Field)
		}
	}
	*a = next
	return nil
}

// AssetFromHost proposes the inventory asset for a host discovery saw at a
// site: its address and MACs, its DICOM AE titles, model, serial number and
// software version, the vendor among vendors that names its manufacturer,
// and a name from its station name, DHCP or DNS name, HL7 application or AE
// title (else its address). Kind and department are left for a person to
// choose.
func AssetFromHost(siteID int64, h Host, vendors []*medsec.Vendor) medsec.Asset {
	a := medsec.Asset{SiteID: siteID, IPs: []string{h.Address.String()}, MACs: slices.Clone(h.MACs), Status: medsec.StatusActive}
	names := map[string]string{}
	for _, f := range h.Identity {
		if names[f.Kind] == "" {
			names[f.Kind] = f.Value
		}
		switch f.Kind {
		case FactAETitle:
			a.AETitles = append(a.AETitles, f.Value)
		case FactModel:
			a.Model = f.Value
		case FactSerialNumber:
			a.Serial = f.Value
		case FactSoftwareVersion:
			a.Software = f.Value
		case FactManufacturer:
			if i := slices.IndexFunc(vendors, func(v *medsec.Vendor) bool { return SameName(v.Name, f.Value) }); i >= 0 {
				a.VendorID, a.VendorName = vendors[i].ID, vendors[i].Name
			}
		}
	}
	a.Name = h.Address.String()
	for _, k := range []string{FactStationName, FactDHCPHostname, FactDNSName, FactHL7Application, FactAETitle} {
		if names[k] != "" {
			a.Name = names[k]
			break
		}
	}
	return a
}
