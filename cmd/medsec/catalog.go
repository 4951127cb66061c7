package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"medsec/catalog"
)

// catalogUsage is printed for "medsec catalog" without a valid subcommand.
const catalogUsage = `usage:
  medsec catalog list              list the embedded catalogs
  medsec catalog show ID           show a catalog (by catalog id) or a control (by control id,
                                   or CATALOG/CONTROL)
  medsec catalog validate [FILE...] validate the embedded catalogs and crosswalk, or OSCAL
                                   catalog files
  medsec catalog export ID         write a catalog as OSCAL JSON to stdout
`

// runCatalog implements "medsec catalog": list, show, validate and export the control
// catalogs [M4]. It returns an error for a bad command line, an unknown id or an invalid
// file; the error names what failed.
func runCatalog(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, catalogUsage)
		return errors.New("catalog: a subcommand is required")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "validate" {
		return catalogValidate(rest, stdout)
	}
	cs, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("catalog %s: %w", cmd, err)
	}
	switch cmd {
	case "list":
		if len(rest) != 0 {
			return errors.New("catalog list: takes no arguments")
		}
		return catalogList(cs, stdout)
	case "show":
		if len(rest) != 1 {
			return errors.New("catalog show: want one ID")
		}
		return catalogShow(cs, rest[0], stdout)
	case "export":
		if len(rest) != 1 {
			return errors.New("catalog export: want one catalog ID")
		}
		c, err := catalog.Find(cs, rest[0])
		if err != nil {
			return fmt.Errorf("catalog export: %w", err)
		}
		data, err := catalog.Export(c)
		if err != nil {
			return fmt.Errorf("catalog export: %w", err)
		}
		_, err = stdout.Write(data)
		return err
	case "help", "-h", "--help":
		fmt.Fprint(stdout, catalogUsage)
		return nil
	}
	fmt.Fprint(stderr, catalogUsage)
	return fmt.Errorf("catalog: unknown subcommand %q", cmd)
}

func catalogList(cs []*catalog.Catalog, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tGROUPS\tCONTROLS\tTITLE")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", c.ID(), c.GroupCount(), len(c.AllControls()), c.Title())
	}
	return tw.Flush()
}

func catalogShow(cs []*catalog.Catalog, id string, w io.Writer) error {
	if c, err := catalog.Find(cs, id); err == nil {
		fmt.Fprintf(w, "%s\n%s\n%d groups, %d controls\n\n", c.ID(), c.Title(), c.GroupCount(), len(c.AllControls()))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, ctl := range c.AllControls() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", ctl.ID, ctl.Title, ctl.TitleEnglish())
		}
		return tw.Flush()
	}
	catID, ctlID, scoped := strings.Cut(id, "/")
	if !scoped {
		ctlID, catID = id, ""
	}
	for _, c := range cs {
		if catID != "" && c.ID() != catID {
			continue
		}
		ctl, err := c.Control(ctlID)
		if err != nil {
			continue
		}
		showControl(c, ctl, w)
		return nil
	}
	return fmt.Errorf("catalog show %s: %w", id, catalog.ErrNotFound)
}

func showControl(c *catalog.Catalog, ctl *catalog.Control, w io.Writer) {
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-14s %s\n", name+":", value)
		}
	}
	field("control", ctl.ID)
	field("catalog", c.ID())
	field("title", ctl.Title)
	field("title (en)", ctl.TitleEnglish())
	field("domain", strings.TrimSpace(ctl.Domain()+"  "+ctl.DomainEnglish()))
	field("objective", strings.TrimSpace(ctl.Objective()+"  "+ctl.ObjectiveEnglish()))
	var levels []string
	for _, l := range ctl.Levels() {
		levels = append(levels, l.Chinese()+" "+l.String())
	}
	if ctl.LevelInferred() {
		levels = append(levels, "(inferred)")
	}
	field("level", strings.Join(levels, ", "))
	var targets []string
	for _, t := range ctl.Targets() {
		targets = append(targets, string(t))
	}
	if b := ctl.TargetBasis(); b != "" {
		targets = append(targets, "("+b+")")
	}
	field("targets", strings.Join(targets, ", "))
	var patterns []string
	for _, p := range ctl.Patterns() {
		patterns = append(patterns, string(p))
	}
	field("patterns", strings.Join(patterns, ", "))
	field("cadence", ctl.Cadence())
	field("deadline", strings.TrimSpace(ctl.Deadline()+"  "+ctl.DeadlineBasis()))
	field("source", ctl.SourceRef())
	for _, g := range ctl.SourceGaps() {
		field("source gap", g)
	}
	for _, p := range ctl.Params {
		field("param", fmt.Sprintf("%s = %s (%s)", p.ID, strings.Join(p.Values, ", "), p.Label))
	}
	fmt.Fprintf(w, "\n[%s]\n%s\n\n[en]\n%s\n", ctl.OriginalLang(), ctl.OriginalText(), ctl.English())
}

func catalogValidate(files []string, w io.Writer) error {
	if len(files) == 0 {
		cs, err := catalog.Load()
		if err != nil {
			return fmt.Errorf("catalog validate: %w", err)
		}
		if errs := catalog.ValidateEmbeddedSchema(); len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintf(w, "FAIL %v\n", e)
			}
			return fmt.Errorf("catalog validate: %d problems against the OSCAL 1.1.2 schema", len(errs))
		}
		for _, c := range cs {
			fmt.Fprintf(w, "ok  %s: %d controls (OSCAL 1.1.2 schema and medsec rules)\n", c.ID(), len(c.AllControls()))
		}
		x, err := catalog.LoadCrosswalk()
		if err != nil {
			return fmt.Errorf("catalog validate: %w", err)
		}
		if errs := x.Check(cs); len(errs) > 0 {
			for _, e := range errs {
				fmt.Fprintf(w, "FAIL crosswalk: %v\n", e)
			}
			return fmt.Errorf("catalog validate: crosswalk: %d problems", len(errs))
		}
		fmt.Fprintf(w, "ok  crosswalk: %d subjects\n", len(x.Subjects))
		return nil
	}
	var bad int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("catalog validate: %w", err)
		}
		errs := catalog.ValidateDocument(f, data)
		for _, e := range errs {
			fmt.Fprintf(w, "FAIL %s: %v\n", f, e)
		}
		if len(errs) > 0 {
			bad++
			continue
		}
		c, err := catalog.Parse(f, data)
		if err != nil {
			return fmt.Errorf("catalog validate: %w", err)
		}
		fmt.Fprintf(w, "ok  %s: %s, %d controls\n", f, c.ID(), len(c.AllControls()))
	}
	if bad > 0 {
		return fmt.Errorf("catalog validate: %d of %d files invalid", bad, len(files))
	}
	return nil
}
