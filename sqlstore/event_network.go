package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"

	"medsec"
	"medsec/zone"
)

// storedStocktake is the part of a discovery run's stored result that raises events.
type storedStocktake struct {
	Stocktake struct {
		Matched []struct {
			Item struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"item"`
			Hosts         []netip.Addr `json:"hosts"`
			Conflicts     []string     `json:"conflicts"`
			Disagreements []struct {
				Field    string `json:"field"`
				Observed string `json:"observed"`
			} `json:"disagreements"`
		} `json:"matched"`
		ProposedNew []struct {
			Address   netip.Addr `json:"address"`
			MACs      []string   `json:"macs"`
			VLANs     []int      `json:"vlans"`
			Protocols []string   `json:"protocols"`
			Roles     []string   `json:"roles"`
		} `json:"proposed_new"`
	} `json:"stocktake"`
}

// emitNetwork raises the events of a site's new network data: the discovery run's new
// hosts (not in the inventory) and changed ones (identity differing from the inventory),
// each with the zone its address lies in [003 §3.2.1; a new device on a device network],
// and the flows among flows that cross zones without a conduit [000 §6(六)]. refKey
// prefixes the event IDs ("discovery_run:12"), so that storing the same run again raises
// nothing new.
func (tx *Tx) emitNetwork(ctx context.Context, siteID int64, ref medsec.EventRef, result json.RawMessage, flows []medsec.Flow) error {
	sm, err := loadSite(ctx, tx, tx.db.dialect, siteID, false)
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	checker, err := zone.NewChecker(&sm.model)
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	zoneFields := func(e *medsec.Event, prefix string, p zone.Placement) {
		if z := sm.zoneByID(p.Zone); z != nil && p.Status == zone.PlaceFound {
			e.Set(prefix+".id", strconv.FormatInt(z.ID, 10)).Set(prefix+".name", z.Name).Set(prefix+".kind", string(z.Kind))
		}
	}
	if len(result) > 0 {
		var st storedStocktake
		if err := json.Unmarshal(result, &st); err != nil {
			return fmt.Errorf("events: discovery result: %w", err)
		}
		for _, h := range st.Stocktake.ProposedNew {
			e := medsec.Event{ID: ref.Key() + ":host:" + h.Address.String(), SiteID: siteID, Ref: ref}
			e.Set("event.kind", "event").Set("event.category", []string{"host", "network"}).Set("event.type", []string{"info"}).
				Set("event.action", medsec.EventHostNew).Set("event.dataset", medsec.DatasetDiscovery).Set("event.provider", "medsec").
				Set("source.ip", h.Address.String()).Set("host.ip", h.Address.String())
			if len(h.MACs) > 0 {
				e.Set("source.mac", h.MACs[0]).Set("host.mac", h.MACs)
			}
			if len(h.VLANs) > 0 {
				e.Set("network.vlan.id", strconv.Itoa(h.VLANs[0]))
			}
			if len(h.Protocols) > 0 {
				e.Set("network.protocol", h.Protocols)
			}
			vlan := 0
			if len(h.VLANs) > 0 {
				vlan = h.VLANs[0]
			}
			zoneFields(&e, "medsec.zone", checker.Locator().PlaceAsset([]netip.Addr{h.Address}, vlan, ""))
			if err := tx.emit(ctx, e); err != nil {
				return err
			}
		}
		for _, m := range st.Stocktake.Matched {
			if len(m.Disagreements) == 0 && len(m.Conflicts) == 0 {
				continue
			}
			assetID, _ := strconv.ParseInt(m.Item.ID, 10, 64)
			e := medsec.Event{ID: ref.Key() + ":asset:" + m.Item.ID, SiteID: siteID, AssetID: assetID, Ref: ref}
			e.Set("event.kind", "event").Set("event.category", []string{"host"}).Set("event.type", []string{"change"}).
				Set("event.action", medsec.EventHostChanged).Set("event.dataset", medsec.DatasetDiscovery).Set("event.provider", "medsec").
				Set("host.name", m.Item.Name)
			var changed []string
			for _, d := range m.Disagreements {
				changed = append(changed, d.Field+"="+d.Observed)
			}
			changed = append(changed, m.Conflicts...)
			e.Set("event.reason", changed)
			if len(m.Hosts) > 0 {
				e.Set("host.ip", m.Hosts[0].String())
				zoneFields(&e, "medsec.zone", checker.Locator().PlaceAddr(m.Hosts[0]))
			}
			if err := tx.emit(ctx, e); err != nil {
				return err
			}
		}
	}
	zf := make([]zone.Flow, len(flows))
	for i, f := range flows {
		zf[i] = zone.Flow{Src: f.Src, Dst: f.Dst, Proto: zone.Protocol(f.Proto), Port: uint16(f.Port), App: f.App, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen}
	}
	for _, v := range checker.CheckFlows(zf) {
		if v.Code != zone.FindFlowNoConduit {
			continue
		}
		f := v.Flow
		key := fmt.Sprintf("%s:flow:%s-%s-%s-%d", ref.Key(), f.Src, f.Dst, f.Proto, f.Port)
		e := medsec.Event{ID: key, SiteID: siteID, AssetID: v.SrcAsset, Ref: ref, Time: f.FirstSeen}
		e.Set("event.kind", "alert").Set("event.category", []string{"network"}).Set("event.type", []string{"connection", "denied"}).
			Set("event.action", medsec.EventFlowNotAllowed).Set("event.dataset", medsec.DatasetZone).Set("event.provider", "medsec").
			Set("event.reason", v.Code).Set("source.ip", f.Src.String()).Set("destination.ip", f.Dst.String()).
			Set("network.transport", string(f.Proto)).Set("medsec.zone.source.name", v.SrcZoneName).Set("medsec.zone.destination.name", v.DstZoneName).
			Set("medsec.zone.source.id", strconv.FormatInt(v.SrcZone, 10)).Set("medsec.zone.destination.id", strconv.FormatInt(v.DstZone, 10))
		if f.Port != 0 {
			e.Set("destination.port", int64(f.Port))
		}
		if f.App != "" {
			e.Set("network.protocol", f.App)
		}
		if v.SrcAssetName != "" {
			e.Set("source.domain", v.SrcAssetName)
		}
		if v.DstAssetName != "" {
			e.Set("destination.domain", v.DstAssetName)
		}
		if err := tx.emit(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
