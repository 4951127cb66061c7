// Command medsec is the cybersecurity management system for a hospital's networked medical
// devices and medical information systems: web UI, REST API and command line in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"medsec/i18n"
)

const usage = `medsec: cybersecurity management for hospital medical devices and systems

Usage:
  medsec serve [--data DIR] [--listen ADDR] [--demo] [--db postgres://...] [--tls-cert F --tls-key F]
               [--syslog-udp ADDR] [--syslog-tcp ADDR] [--syslog-tls ADDR] [--logs-zone ZONE]
               [--nats nats://... --group NAME [--nkey F | --creds F] [--nats-ca F]]   (central of a group)
  medsec sensor --site CODE --nats nats://... [--group NAME] [--nkey F | --creds F] [--spool DIR]
               [--spool-max BYTES] [--syslog-udp ADDR] [--syslog-tcp ADDR] [--health-listen ADDR]
  medsec token create --data DIR --user NAME [--name LABEL] [--expires 90d]
  medsec token list --data DIR --user NAME | revoke --data DIR --id ID
  medsec site list --data DIR | set --data DIR --id ID [--jurisdiction TW|CN|JP] [--time-zone NAME]
  medsec assets change --data DIR --action department|responsible|level|zone|class|retire (--ids 1,2 | --all [filters]) [value flags]
  medsec directory show --data DIR | set --data DIR --file F [--bind-password-file F] | lookup --data DIR --user NAME
  medsec backup --data DIR --out FILE
  medsec restore --data DIR --from FILE
  medsec catalog list|show ID|validate [FILE...]|export ID
  medsec discover [--json] FILE...
  medsec notify test --data DIR (--to ADDRESS | --webhook ID)
  medsec notify withdraw --data DIR --delivery ID --reason TEXT
  medsec incident list --data DIR [--json] | ledger --data DIR --format csv|xlsx [--out FILE]
  medsec incident evidence add --data DIR --incident N --user NAME [--note TEXT] FILE
  medsec incident task assign --data DIR --incident N --task T --user NAME --assignee NAME
  medsec report NAME --period 2026 [--site CODE] [--lang ja] --format pdf|xlsx|html --out FILE
  medsec cvss VECTOR...
  medsec vuln import|fetch|list|rescore|scans|deadlines [--data DIR | --db URL] ...
  medsec vex export --advisory ID --format csaf|cyclonedx [--data DIR]
  medsec accounts import|list|findings --asset ID [FILE | --from-directory] (accounts of a system, M6)
  medsec roster import|list [FILE]                (staff status from the HR roster)
  medsec emergency list|justify|reset ...         (emergency-account uses and their password resets)
  medsec maintenance list|add ...                 (maintenance vendors' approved plans)
  medsec backup-plan list|add|import-runs|restore-test|findings|record (backups of clinical systems, M10)
  medsec system list|add|members|delete|import     (clinical systems: an HIS or PACS as a system of assets)
  medsec governance list|done|ensure               (the governance calendar of duties, M11)
  medsec training import|hours|key-role            (training attendance and hours owed, M11)
  medsec risk-review list|show|start|decide|sign   (the yearly risk review's decisions and signatures, M12)
  medsec sbom import [--data DIR] (--asset ID | --model VENDOR/MODEL) FILE...
  medsec logs parse [--format auto|rfc5424|rfc3164|cef|json] FILE... --json
  medsec sigma test --rules PATH... --events FILE... [--json]
  medsec rules import [--data DIR] PATH... | rules list [--data DIR] | rules suppress|suppressions|unsuppress ...
  medsec alerts list [--data DIR] [--status open|all|STATE]
  medsec logs ingest|search|export|verify|key ...   (medsec logs -h)

Run "medsec COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		text := err.Error()
		if b, lerr := i18n.Load(); lerr == nil {
			text = errorText(b, envLanguage(b), err)
		}
		fmt.Fprintln(os.Stderr, "medsec:", text)
		os.Exit(1)
	}
}

// run dispatches a command line to its subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return (&Main{Stdout: stdout, Stderr: stderr}).Serve(ctx, rest)
	case "sensor":
		return (&Sensor{Stdout: stdout, Stderr: stderr}).Run(ctx, rest)
	case "token":
		return runToken(ctx, rest, stdout, stderr)
	case "site":
		return runSite(ctx, rest, stdout, stderr)
	case "assets":
		return runAssets(ctx, rest, stdout, stderr)
	case "directory":
		return runDirectory(ctx, rest, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, stdout, stderr)
	case "catalog":
		return runCatalog(rest, stdout, stderr)
	case "discover":
		return runDiscover(rest, stdout, stderr)
	case "notify":
		return runNotify(ctx, rest, stdout, stderr)
	case "incident":
		return runIncident(ctx, rest, stdout, stderr)
	case "report":
		return runReport(ctx, rest, stdout, stderr)
	case "cvss":
		return runCVSS(rest, stdout, stderr)
	case "sbom":
		return runSBOM(ctx, rest, stdout, stderr)
	case "logs":
		return runLogs(ctx, rest, stdout, stderr)
	case "sigma":
		return runSigma(rest, stdout, stderr)
	case "rules":
		return runRules(ctx, rest, stdout, stderr)
	case "alerts":
		return runAlerts(ctx, rest, stdout, stderr)
	case "vuln":
		return runVuln(ctx, rest, stdout, stderr)
	case "vex":
		return runVEX(ctx, rest, stdout, stderr)
	case "accounts":
		return runAccounts(ctx, rest, stdout, stderr)
	case "roster":
		return runRoster(ctx, rest, stdout, stderr)
	case "emergency":
		return runEmergency(ctx, rest, stdout, stderr)
	case "maintenance":
		return runMaintenance(ctx, rest, stdout, stderr)
	case "backup-plan":
		return runBackupPlan(ctx, rest, stdout, stderr)
	case "system", "systems":
		return runSystem(ctx, rest, stdout, stderr)
	case "governance":
		return runGovernance(ctx, rest, stdout, stderr)
	case "training":
		return runTraining(ctx, rest, stdout, stderr)
	case "risk-review":
		return runRiskReview(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
