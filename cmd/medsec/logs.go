package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// logsUsage is printed for "medsec logs" without a known subcommand.
const logsUsage = `usage:
  medsec logs parse [--format auto|rfc5424|rfc3164|cef|json] [--zone ZONE] FILE... --json
  medsec logs ingest [--data DIR] [--format F] [--zone ZONE] FILE...
  medsec logs search [--data DIR] --from T --to T [--limit N] QUERY [--json]
  medsec logs export [--data DIR] --from T --to T --out BUNDLE
  medsec logs verify (--data DIR | BUNDLE [--key PUBLIC-KEY]) [--json]
  medsec logs key [--data DIR]
  medsec logs alerts [--data DIR] [--all] [--json]
  medsec logs review list [--data DIR] [--site ID] [--status open|signed|overdue] [--json]
  medsec logs review export [--data DIR] [--out FILE] REVIEW-ID
`

// runLogs dispatches "medsec logs SUBCOMMAND" [issue 12].
func runLogs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, logsUsage)
		return errors.New("logs: give a subcommand")
	}
	switch args[0] {
	case "parse":
		return runLogsParse(args[1:], stdout, stderr)
	case "ingest":
		return runLogsIngest(ctx, args[1:], stdout, stderr)
	case "search":
		return runLogsSearch(ctx, args[1:], stdout, stderr)
	case "export":
		return runLogsExport(ctx, args[1:], stdout, stderr)
	case "verify":
		return runLogsVerify(ctx, args[1:], stdout, stderr)
	case "key":
		return runLogsKey(args[1:], stdout, stderr)
	case "review":
		return runLogsReview(ctx, args[1:], stdout, stderr)
	case "alerts":
		return runLogsAlerts(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, logsUsage)
	return fmt.Errorf("logs: unknown subcommand %q", args[0])
}
