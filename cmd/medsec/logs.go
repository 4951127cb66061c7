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
	}
	fmt.Fprint(stderr, logsUsage)
	return fmt.Errorf("logs: unknown subcommand %q", args[0])
}
