package main

import (
	"context"
	"fmt"

	"medsec"
	mhttp "medsec/http"
)

// loadSystemsDemo gives the demo medical centre two clinical systems, each a system of
// several of its assets [issue 15 M6, M10]: the HIS (two application servers, its database
// server and the HL7 engine) and the PACS (its main server, the web viewer, the VNA archive
// and the DICOM gateway), each with the system administrator as owner, its tolerable
// outage and data loss, and its manual fallback. Their member assets carry the demo's
// accounts and backup plans, which the system's page gathers.
func loadSystemsDemo(ctx context.Context, s mhttp.Services) error {
	if s.Systems == nil {
		return nil
	}
	people, err := s.Org.FindPeople(ctx)
	if err != nil {
		return err
	}
	var owner int64
	for _, p := range people {
		if p.Name == "陳建宏" {
			owner = p.ID
		}
	}
	systems := []struct {
		sys    medsec.ClinicalSystem
		assets []string
	}{
		{medsec.ClinicalSystem{Name: "HIS 醫院資訊系統", Description: "門診、住院、醫令、批價主系統(TaiHIS Enterprise)", RTOHours: 4, RPOHours: 12,
			Fallback: "門診改用紙本處方箋與批價單，住院醫令以紙本醫囑單傳送藥局；系統恢復後由各單位補登"},
			[]string{"HIS 應用伺服器 1", "HIS 應用伺服器 2", "HIS 資料庫伺服器", "HL7 介接引擎"}},
		{medsec.ClinicalSystem{Name: "PACS 醫學影像儲傳系統", Description: "放射影像儲存、調閱與長期歸檔(LumenPACS、LumenVNA)", RTOHours: 8, RPOHours: 24,
			Fallback: "急診與手術室改用 DR 主機本機影像與紙本報告；儀器影像暫存於 DICOM Gateway，恢復後補傳"},
			[]string{"PACS 影像主伺服器", "PACS Web 影像調閱伺服器", "VNA 長期影像歸檔", "DICOM 影像 Gateway"}},
	}
	for _, x := range systems {
		c := x.sys
		c.OwnerID = owner
		for _, name := range x.assets {
			id, err := demoAssetID(ctx, s, name)
			if err != nil {
				return err
			}
			if c.SiteID == 0 {
				a, err := s.Assets.FindAssetByID(ctx, id)
				if err != nil {
					return err
				}
				c.SiteID = a.SiteID
			}
			c.Members = append(c.Members, medsec.SystemMember{AssetID: id})
		}
		if err := s.Systems.CreateClinicalSystem(ctx, &c); err != nil {
			return fmt.Errorf("clinical system %s: %w", c.Name, err)
		}
	}
	return nil
}
