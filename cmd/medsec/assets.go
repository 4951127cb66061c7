package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"medsec"
	"medsec/sqlstore"
)

const assetsUsage = `usage:
  medsec assets change --data DIR --action ACTION (--ids 1,2,3 | --all [--site ID] [--department ID] [--vendor ID] [--kind KIND] [--status active|retired] [--q TEXT])
         [--department-id ID] [--responsible-id ID] [--level low|moderate|high] [--zone-id ID] [--class CLASS --why TEXT]
  ACTION: department, responsible, level, zone, class, retire`

// runAssets implements "medsec assets change": one change to many assets in one
// transaction (medsec.AssetBulkChange), as the asset list's bulk form and POST
// /api/v1/assets/bulk do, audited per asset as the system user. The assets are named by
// --ids, or with --all every asset the filter flags select.
func runAssets(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "change" {
		return errors.New(assetsUsage)
	}
	fs := flag.NewFlagSet("assets change", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	action := fs.String("action", "", "department, responsible, level, zone, class or retire")
	ids := fs.String("ids", "", "the assets to change: comma-separated ids")
	all := fs.Bool("all", false, "change every asset the filter flags select")
	var f medsec.AssetFilter
	fs.Int64Var(&f.SiteID, "site", 0, "filter: site id (with --all)")
	fs.Int64Var(&f.DepartmentID, "department", 0, "filter: department id (with --all)")
	fs.Int64Var(&f.VendorID, "vendor", 0, "filter: vendor id (with --all)")
	kind := fs.String("kind", "", "filter: asset kind (with --all)")
	status := fs.String("status", "active", "filter: active or retired (with --all)")
	fs.StringVar(&f.Query, "q", "", "filter: words found in any text field (with --all)")
	var c medsec.AssetBulkChange
	fs.Int64Var(&c.DepartmentID, "department-id", 0, "department (action department; 0: none)")
	fs.Int64Var(&c.ResponsibleID, "responsible-id", 0, "person (action responsible; 0: nobody)")
	level := fs.String("level", "", "low, moderate or high (action level; empty clears)")
	fs.Int64Var(&c.ZoneID, "zone-id", 0, "zone (action zone; 0: placement by address)")
	class := fs.String("class", "", "device class (action class)")
	fs.StringVar(&c.Why, "why", "", "reason for the class decision (action class)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	c.Action, c.Level, c.Class = medsec.AssetBulkAction(*action), medsec.Level(*level), medsec.DeviceClass(*class)
	f.Kind, f.Status = medsec.AssetKind(*kind), medsec.AssetStatus(*status)
	switch {
	case *all && *ids != "":
		return errors.New("assets change: give --ids or --all, not both")
	case *all:
		c.Filter = &f
	default:
		for _, s := range strings.Split(*ids, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("assets change: --ids: %q is not an asset id", s)
			}
			c.AssetIDs = append(c.AssetIDs, id)
		}
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("assets change: %w", err)
	}
	defer store.Close()
	res, err := sqlstore.NewAssetService(store).ChangeAssets(asSystem(ctx), c)
	if err != nil {
		return fmt.Errorf("assets change: %w", err)
	}
	fmt.Fprintf(stdout, "%s: %d assets changed, %d already so\n", c.Action, res.Changed, res.Unchanged)
	return nil
}
