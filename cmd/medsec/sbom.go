package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"medsec"
	"medsec/mds2"
	"medsec/sbom"
	"medsec/sqlstore"
)

// sbomUsage is printed for "medsec sbom -h" and a wrong command line.
const sbomUsage = `usage:
  medsec sbom import [--data DIR | --db URL] (--asset ID | --model VENDOR/MODEL) FILE...

Imports software bills of materials — CycloneDX 1.2–1.6 (JSON or XML) and SPDX 2.x
(JSON or tag-value), format detected from the content — onto one asset or onto a
device model: the vendor's name, a slash, the model name as the assets carry it (the
model is created if new). Every asset of the model shares its components. A file
whose document was imported before onto the same asset or model replaces it.
A filled MDS2 form (HN 1-2019, XLSX) given with --model becomes the model's
security-capability profile, replacing the one before.
Every file is read whole before anything is stored; a bad file is named with its
line or path and nothing of it is stored.
`

// runSBOM implements "medsec sbom import".
func runSBOM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(stderr, sbomUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("sbom import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, sbomUsage) }
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	asset := fs.Int64("asset", 0, "ID of the asset the SBOM describes")
	model := fs.String("model", "", "device model the SBOM describes, as VENDOR/MODEL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	target, err := sbomTarget(*asset, *model)
	if err != nil || fs.NArg() == 0 {
		fmt.Fprint(stderr, sbomUsage)
		return usageError("cli.err.sbom_usage", "sbom import: give --asset ID or --model VENDOR/MODEL, and at least one FILE")
	}
	// Read and check every file before opening the store: a bad file stops the run
	// before anything is written.
	var imports []medsec.SBOMImport
	profiles := map[int]*medsec.MDS2Profile{}
	for i, path := range fs.Args() {
		content, err := os.ReadFile(path)
		if err != nil {
			return withContext("sbom import", fileError(path, err))
		}
		if isXLSX(content) {
			form, err := mds2.Parse(path, content)
			if err != nil {
				return withContext("sbom import", err)
			}
			if target.AssetID != 0 {
				return fmt.Errorf("sbom import: %s: an MDS2 form describes a device model: give --model", path)
			}
			sum := sha256.Sum256(content)
			profiles[i] = form.Profile(0, filepath.Base(path), hex.EncodeToString(sum[:]))
			imports = append(imports, medsec.SBOMImport{})
			continue
		}
		doc, err := sbom.Parse(path, content)
		if err != nil {
			return withContext("sbom import", err)
		}
		imports = append(imports, doc.Import(target, filepath.Base(path), content))
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("sbom import: %w", err)
	}
	defer store.Close()
	svc := sqlstore.NewComponentService(store)
	ctx = asSystem(ctx)
	for i, imp := range imports {
		if p := profiles[i]; p != nil {
			p, err := svc.ImportMDS2(ctx, target, p)
			if err != nil {
				return withContext("sbom import: "+fs.Arg(i), err)
			}
			fmt.Fprintf(stdout, "%s: MDS2 form, %d answers, profile of device model %d\n", fs.Arg(i), len(p.Answers), p.ModelID)
			continue
		}
		sb, err := svc.ImportSBOM(ctx, imp)
		if err != nil {
			return withContext("sbom import: "+fs.Arg(i), err)
		}
		on := fmt.Sprintf("asset %d", sb.AssetID)
		if sb.ModelID != 0 {
			on = fmt.Sprintf("device model %d", sb.ModelID)
		}
		fmt.Fprintf(stdout, "%s: %s %s, %d components on %s (SBOM %d)\n", fs.Arg(i), sb.Format, sb.SpecVersion, sb.Components, on, sb.ID)
	}
	return nil
}

// isXLSX reports whether content is a ZIP archive, as an XLSX workbook is.
func isXLSX(content []byte) bool { return bytes.HasPrefix(content, []byte("PK\x03\x04")) }

// sbomTarget reads --asset and --model: exactly one must be given.
func sbomTarget(asset int64, model string) (medsec.ComponentTarget, error) {
	var t medsec.ComponentTarget
	if model != "" {
		vendor, name, ok := strings.Cut(model, "/")
		if !ok {
			return t, errors.New("--model must be VENDOR/MODEL")
		}
		t.VendorName, t.ModelName = vendor, name
	}
	t.AssetID = asset
	if !t.Valid() {
		return t, errors.New("give exactly one of --asset and --model")
	}
	return t, nil
}
