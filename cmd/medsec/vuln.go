package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/sbom"
	"medsec/scanreport"
	"medsec/sqlstore"
	"medsec/vuln"
)

const vulnUsage = `usage:
  medsec vuln import [--data DIR | --db URL] PATH...
  medsec vuln fetch  [--data DIR | --db URL] --mirror URL
  medsec vuln list   [--data DIR | --db URL] [--json] [--open] [--advisory ID]
  medsec vuln rescore [--data DIR | --db URL] --finding ID --reason TEXT [--reach A]
                     [--integrity-harm A] [--availability-harm A] [--clinical-use A]
                     [--patient-data A] [--metrics MAC:H/MPR:L]
  medsec vuln scans  [--data DIR | --db URL] [--site CODE] [--state S] [--json]
  medsec vuln deadlines show|set ...   (the sites' fix-deadline policies; see "medsec vuln deadlines help")
  medsec vuln aliases list|add|remove ...   (the vendor alias table; see "medsec vuln aliases help")

import reads each PATH (a file, or a directory read recursively) and tells its
format from its content: CSAF 2.0 advisories (CISA ICSMA), NVD CVE API 2.0 JSON
(records, API pages, yearly files, gzip or not), CISA's KEV catalog, FIRST's EPSS
CSV (gzip or not), and vulnerability scanners' reports (Greenbone/OpenVAS XML,
Nessus .nessus, Trivy and Grype JSON: each host is attached to the asset with its
address, host name or SBOM, and its CVEs become findings). Every file is read before
anything is stored; a bad file is
named with the JSON path or line at fault and nothing is imported. The advisories
are then matched against the inventory and its SBOM components in the same
transaction; existing findings keep their analysis.

fetch reads a CSAF provider-metadata.json or ROLIE feed on a mirror, fetches every
advisory it lists (checking their SHA-512/SHA-256 files and, with a provider's
metadata, their OpenPGP signatures against the keys it lists) and imports them.

scans prints when each asset subject to a scan cadence (yearly: boundary hosts and
control systems at 高, 000 漏洞修補; monthly: core systems, 003 §3.2.2) was last
scanned and when it is due, and exits non-zero when one is late ("medsec vuln scans -h").

list prints every finding: asset, CVE, advisories, status, why it matched, scores
and deadline (--json: a JSON array).

rescore re-scores a finding's CVSS vector for its device with the answers of MITRE's
Rubric for Applying CVSS to Medical Devices: --reach internet|hospital|segment|local|
physical, --integrity-harm and --availability-harm serious|minor|none, --clinical-use
life-sustaining|therapy|diagnosis|non-clinical, --patient-data many|one|none; --metrics
gives environmental metrics that override the answers. The finding's deadline follows
the environmental score; the re-scoring is audited. It prints the re-scoring as JSON.
`

// runVuln implements "medsec vuln" (issue 11).
func runVuln(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, vulnUsage)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	switch args[0] {
	case "deadlines":
		return runVulnDeadlines(ctx, args[1:], stdout, stderr)
	case "scans":
		return runVulnScans(ctx, args[1:], stdout, stderr)
	case "aliases":
		return runVulnAliases(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("vuln "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	mirror := fs.String("mirror", "", "fetch: URL of a CSAF provider-metadata.json or ROLIE feed")
	asJSON := fs.Bool("json", false, "list: print JSON")
	open := fs.Bool("open", false, "list: open findings only")
	advisory := fs.String("advisory", "", "list: findings of one advisory")
	finding := fs.Int64("finding", 0, "rescore: the finding's ID")
	reason := fs.String("reason", "", "rescore: why the device is re-scored so")
	var answers medsec.RubricAnswers
	fs.StringVar(&answers.Reach, "reach", "", "rescore: "+strings.Join(vuln.ReachAnswers, "|"))
	fs.StringVar(&answers.IntegrityHarm, "integrity-harm", "", "rescore: "+strings.Join(vuln.HarmAnswers, "|"))
	fs.StringVar(&answers.AvailabilityHarm, "availability-harm", "", "rescore: "+strings.Join(vuln.HarmAnswers, "|"))
	fs.StringVar(&answers.ClinicalUse, "clinical-use", "", "rescore: "+strings.Join(vuln.ClinicalUseAnswers, "|"))
	fs.StringVar(&answers.PatientData, "patient-data", "", "rescore: "+strings.Join(vuln.PatientDataAnswers, "|"))
	metrics := fs.String("metrics", "", "rescore: environmental metrics overriding the answers, MAC:H/MPR:L")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	open1 := func() (*sqlstore.DB, error) { return sqlstore.Open(ctx, dsnFor(*data, *db)) }
	switch args[0] {
	case "import":
		if fs.NArg() == 0 {
			return usageError("cli.err.vuln_import_usage", "vuln import: give at least one file or directory")
		}
		in, skipped, err := readVulnPaths(fs.Args())
		if err != nil {
			return withContext("vuln import", err)
		}
		for _, s := range skipped {
			fmt.Fprintf(stderr, "skipped %s\n", s)
		}
		return storeVulnImport(ctx, open1, in, stdout)
	case "fetch":
		if *mirror == "" {
			return errors.New("vuln fetch: give --mirror URL")
		}
		in, err := fetchMirror(ctx, *mirror)
		if err != nil {
			return fmt.Errorf("vuln fetch: %w", err)
		}
		return storeVulnImport(ctx, open1, in, stdout)
	case "list":
		store, err := openStore(ctx, *data, *db, true)
		if err != nil {
			return fmt.Errorf("vuln list: %w", err)
		}
		defer store.Close()
		return listFindings(asSystem(ctx), sqlstore.NewVulnService(store), medsec.FindingFilter{Open: *open, Advisory: *advisory}, *asJSON, stdout)
	case "rescore":
		if *finding == 0 {
			return errors.New("vuln rescore: give --finding ID")
		}
		m, err := vuln.ParseMetricList(*metrics)
		if err != nil {
			return fmt.Errorf("vuln rescore: --metrics: %w", err)
		}
		store, err := open1()
		if err != nil {
			return fmt.Errorf("vuln rescore: %w", err)
		}
		defer store.Close()
		r, err := sqlstore.NewVulnService(store).RescoreFinding(asSystem(ctx), *finding, medsec.FindingRescore{Answers: answers, Metrics: m, Reason: *reason})
		if err != nil {
			return fmt.Errorf("vuln rescore: finding %d: %s", *finding, describe(err))
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprint(stderr, vulnUsage)
	return fmt.Errorf("vuln: unknown subcommand %q", args[0])
}

func storeVulnImport(ctx context.Context, open func() (*sqlstore.DB, error), in sqlstore.VulnImport, stdout io.Writer) error {
	store, err := open()
	if err != nil {
		return fmt.Errorf("vuln import: %w", err)
	}
	defer store.Close()
	sum, err := sqlstore.NewVulnService(store).Import(asSystem(ctx), in)
	if err != nil {
		return withContext("vuln import", err)
	}
	fmt.Fprintf(stdout, "imported %d file(s): %d advisories, %d vulnerabilities, %d KEV entries, %d EPSS scores; findings: %d new, %d updated, %d no longer matched\n",
		len(sum.Files), sum.Advisories, sum.Vulnerabilities, sum.KEV, sum.EPSS, sum.NewFindings, sum.Updated, sum.Gone)
	if sum.ScanReports > 0 {
		fmt.Fprintf(stdout, "scanner reports: %d (their hosts attached to assets by address, host name or SBOM)\n", sum.ScanReports)
	}
	return nil
}

// readVulnPaths reads every file: explicit files must be feeds; in a directory, files of
// other formats are skipped (and reported).
func readVulnPaths(paths []string) (sqlstore.VulnImport, []string, error) {
	var in sqlstore.VulnImport
	var skipped []string
	add := func(path string, explicit bool) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return fileError(path, err)
		}
		if scanreport.Detect(data) != "" {
			rep, err := scanreport.Parse(path, data)
			if err != nil {
				return withContext("", err)
			}
			sum := sha256.Sum256(data)
			in.Files = append(in.Files, path)
			in.Scans = append(in.Scans, rep.Import(0, filepath.Base(path), hex.EncodeToString(sum[:])))
			return nil
		}
		feed, err := vuln.ReadFeed(path, data)
		if err != nil {
			var ie *vuln.InputError
			if !explicit && errors.As(err, &ie) && (feed.Format == vuln.FormatUnknown || feed.Format == vuln.FormatCSAFProvider || feed.Format == vuln.FormatROLIE) {
				skipped = append(skipped, path+": "+ie.Reason)
				return nil
			}
			if feed.Format == vuln.FormatUnknown && sbom.Detect(data) != "" {
				return fmt.Errorf("%s: an SBOM: import it onto an asset or model with medsec sbom import", path)
			}
			return err
		}
		in.Files = append(in.Files, path)
		in.Advisories = append(in.Advisories, feed.Advisories...)
		if feed.KEV != nil {
			in.KEV = feed.KEV
		}
		if feed.EPSS != nil {
			in.EPSS = feed.EPSS
		}
		return nil
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return in, nil, fileError(p, err)
		}
		if !st.IsDir() {
			if err := add(p, true); err != nil {
				return in, nil, err
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			name := strings.ToLower(d.Name())
			if !strings.HasSuffix(name, ".json") && !strings.HasSuffix(name, ".json.gz") && !strings.HasSuffix(name, ".csv") && !strings.HasSuffix(name, ".csv.gz") &&
				!strings.HasSuffix(name, ".nessus") && !strings.HasSuffix(name, ".nessus.gz") && !strings.HasSuffix(name, ".xml") {
				return nil
			}
			return add(path, false)
		})
		if err != nil {
			return in, nil, err
		}
	}
	return in, skipped, nil
}

func fetchMirror(ctx context.Context, url string) (sqlstore.VulnImport, error) {
	var in sqlstore.VulnImport
	docs, err := (&vuln.Mirror{}).Fetch(ctx, url)
	if err != nil {
		return in, err
	}
	for _, d := range docs {
		feed, err := vuln.ReadFeed(d.URL, d.Data)
		if err != nil {
			return in, err
		}
		in.Files = append(in.Files, d.URL)
		in.Advisories = append(in.Advisories, feed.Advisories...)
	}
	return in, nil
}

// findingJSON is one finding as "medsec vuln list --json" prints it.
type findingJSON struct {
	ID         int64    `json:"id"`
	Asset      string   `json:"asset"`
	AssetID    int64    `json:"asset_id"`
	Component  int64    `json:"component_id,omitempty"`
	CVE        string   `json:"cve"`
	Advisories []string `json:"advisories"`
	// Source is where the finding was first found: "advisory" or "scanner".
	Source string `json:"source"`
	Status string `json:"status"`
	// VEXStatus is the CSAF product status the status maps to.
	VEXStatus     string `json:"vex_status"`
	Justification string `json:"justification,omitempty"`
	Reason        struct {
		Identifier  string `json:"identifier"`
		Rule        string `json:"rule"`
		VersionTest string `json:"version_test"`
		Confidence  string `json:"confidence"`
		// Why is the reason as data: kinds and parameters (medsec.MatchWhy).
		Why *medsec.MatchWhy `json:"why,omitempty"`
	} `json:"reason"`
	Scores struct {
		CVSSVector string `json:"cvss_vector,omitempty"`
		// CVSSVersion names the vector's version ("2.0" for a CVE NVD scored only in v2).
		CVSSVersion string  `json:"cvss_version,omitempty"`
		Base        float64 `json:"base"`
		Threat      float64 `json:"threat_or_temporal"`
		// Environmental is the device's re-scored vector and score (vuln rescore), which
		// Score then is.
		EnvVector     string  `json:"env_vector,omitempty"`
		Environmental float64 `json:"environmental,omitempty"`
		Score         float64 `json:"score"`
		// Source says where the score came from (medsec.Finding.ScoreSource: advisory,
		// scanner, none); Check names the scanner's check of a scanner score; Origin says
		// who published an advisory score (medsec.Finding.ScoreOrigin: nvd, csaf, or
		// scanner for a scanner's score stored as the CVE's before migration 0090) and Ref
		// which advisory.
		Source         string  `json:"source"`
		Check          string  `json:"check,omitempty"`
		Origin         string  `json:"origin,omitempty"`
		Ref            string  `json:"ref,omitempty"`
		Severity       string  `json:"severity"`
		EPSS           float64 `json:"epss"`
		EPSSPercentile float64 `json:"epss_percentile"`
		KEV            bool    `json:"kev"`
	} `json:"scores"`
	Deadline struct {
		Due     time.Time `json:"due"`
		Rule    string    `json:"rule"`
		Overdue bool      `json:"overdue"`
		// Basis is the window applied and whether the site's policy or the plan set it.
		Basis medsec.DeadlineBasis `json:"basis"`
	} `json:"deadline"`
	Gone bool `json:"no_longer_matched,omitempty"`
}

func listFindings(ctx context.Context, svc *sqlstore.VulnService, f medsec.FindingFilter, asJSON bool, w io.Writer) error {
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	lang := envLanguage(bundle)
	t := func(key string, args ...any) string { return bundle.T(lang, key, args...) }
	sep := "；"
	if lang == "en" {
		sep = "; "
	}
	var out []findingJSON
	// said are the identifiers and version tests of out's findings in MEDSEC_LANG's
	// language (medsec.MatchWhy), as the pages say them; a finding matched before reasons
	// were stored as data keeps its English.
	var said [][2]string
	err = svc.EachFinding(ctx, f, func(fd *medsec.Finding) error {
		ids, tests := fd.Identifier, fd.VersionTest
		if fd.Why != nil {
			ids, _, tests = fd.Why.Text(t, sep)
		}
		said = append(said, [2]string{ids, tests})
		var j findingJSON
		j.ID, j.Asset, j.AssetID, j.Component, j.CVE, j.Advisories = fd.ID, fd.AssetName, fd.AssetID, fd.ComponentID, fd.CVE, fd.Advisories
		j.Status, j.VEXStatus, j.Justification = string(fd.State), fd.State.VEXStatus(), fd.Justification
		j.Reason.Identifier, j.Reason.Rule, j.Reason.VersionTest, j.Reason.Confidence, j.Reason.Why = fd.Identifier, fd.Rule, fd.VersionTest, fd.Confidence, fd.Why
		j.Scores.CVSSVector, j.Scores.Base, j.Scores.Threat, j.Scores.Score, j.Scores.Severity = fd.CVSSVector, fd.BaseScore, fd.ThreatScore, fd.Score, fd.Severity
		j.Scores.CVSSVersion, j.Scores.Source, j.Scores.Check = fd.CVSSVersion, fd.ScoreSource, fd.ScoreCheck
		j.Scores.Origin, j.Scores.Ref = fd.ScoreOrigin, fd.ScoreRef
		j.Scores.EPSS, j.Scores.EPSSPercentile, j.Scores.KEV = fd.EPSS, fd.EPSSPercentile, fd.KEV
		j.Scores.EnvVector, j.Scores.Environmental = fd.EnvVector, fd.EnvScore
		j.Deadline.Due, j.Deadline.Rule, j.Deadline.Overdue, j.Deadline.Basis = fd.Due, fd.DeadlineRule, fd.Overdue, fd.DeadlineBasis
		j.Gone = !fd.GoneAt.IsZero()
		j.Source = fd.Source
		out = append(out, j)
		return nil
	})
	if err != nil {
		return fmt.Errorf("vuln list: %s", describe(err))
	}
	if asJSON {
		if out == nil {
			out = []findingJSON{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for i, j := range out {
		over := ""
		if j.Deadline.Overdue {
			over = " OVERDUE"
		}
		fmt.Fprintf(w, "%-24s %-16s %-12s %4.1f %-8s due %s (%s)%s  [%s]  %s; %s\n", j.Asset, j.CVE, j.Status, j.Scores.Score, j.Scores.Severity,
			j.Deadline.Due.Format(time.RFC3339), j.Deadline.Rule, over, strings.Join(j.Advisories, ","), said[i][0], said[i][1])
	}
	return nil
}

const vexUsage = `usage:
  medsec vex export [--data DIR | --db URL] --advisory ID --format csaf|cyclonedx [--out FILE] [--publisher NAME] [--namespace URL]

Writes, for one advisory, every device's status (known_affected, known_not_affected
with its justification, fixed, under_investigation) as a CSAF 2.0 VEX document
(checked against the CSAF 2.0 JSON schema) or a CycloneDX 1.6 VEX document.
`

// runVEX implements "medsec vex export".
func runVEX(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprint(stderr, vexUsage)
		return flag.ErrHelp
	}
	fs := flag.NewFlagSet("vex export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	advisory := fs.String("advisory", "", "advisory ID (ICSMA-18-037-02, CVE-2017-9657)")
	format := fs.String("format", "csaf", "csaf or cyclonedx")
	out := fs.String("out", "", "file to write (default: standard output)")
	publisher := fs.String("publisher", "", "publisher name written in the document")
	namespace := fs.String("namespace", "", "publisher namespace URL")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *advisory == "" || (*format != "csaf" && *format != "cyclonedx") {
		fmt.Fprint(stderr, vexUsage)
		return usageError("cli.err.vex_usage", "vex export: give --advisory and --format csaf|cyclonedx")
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("vex export: %w", err)
	}
	defer store.Close()
	doc, err := sqlstore.NewVulnService(store).VEX(asSystem(ctx), *advisory, *format, vuln.VEXInput{Publisher: *publisher, Namespace: *namespace, Now: time.Now().UTC()})
	if err != nil {
		return withContext("vex export", err)
	}
	if *out == "" {
		_, err = stdout.Write(doc)
		return err
	}
	return os.WriteFile(*out, doc, 0o644)
}
