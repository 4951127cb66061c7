package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"medsec/logs"
)

// logsParseUsage is printed for "medsec logs parse -h".
const logsParseUsage = `usage:
  medsec logs parse [--format auto|rfc5424|rfc3164|cef|json] [--zone ZONE] FILE... --json

Parses log files (plain or .gz, one record a line; "-" is standard input)
and prints one JSON object of ECS fields per record, without storing
anything. "event.original" holds the record as read. RFC 3164 times, which
carry no year or zone, get the year from the file's modification time and
the zone from --zone (default UTC). Lines that cannot be parsed are named
on standard error as FILE:LINE and make the command fail after the rest.
`

// runLogsParse implements "medsec logs parse".
func runLogsParse(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, logsParseUsage); fs.PrintDefaults() }
	format := fs.String("format", logs.FormatAuto, "record format: auto, rfc5424, rfc3164, cef or json")
	zone := fs.String("zone", "UTC", "IANA time zone of RFC 3164 and CEF times without one")
	fs.Bool("json", true, "print JSON (the only output)")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) == 0 {
			break
		}
		files, args = append(files, args[0]), args[1:]
	}
	if len(files) == 0 {
		fs.Usage()
		return errors.New("logs parse: give a FILE")
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return fmt.Errorf("logs parse: --zone: %w", err)
	}
	switch *format {
	case logs.FormatAuto, logs.FormatRFC5424, logs.FormatRFC3164, logs.FormatCEF, logs.FormatJSON:
	default:
		return fmt.Errorf("logs parse: --format %q: want auto, rfc5424, rfc3164, cef or json", *format)
	}
	p := &logs.Parser{Format: *format, Location: loc}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	bad := 0
	for _, name := range files {
		var r io.Reader
		written := time.Now()
		if name == "-" {
			r = os.Stdin
		} else {
			fh, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("logs parse: %w", err)
			}
			defer fh.Close()
			if fi, err := fh.Stat(); err == nil {
				written = fi.ModTime()
			}
			r = fh
		}
		err := logs.ReadLines(r, name, written, p, func(rec logs.Record, perr error) error {
			if perr != nil {
				bad++
				fmt.Fprintln(stderr, "medsec: logs parse:", perr)
				return nil
			}
			rec.Fields["event.original"] = string(rec.Raw)
			return enc.Encode(rec.Fields)
		})
		if err != nil {
			return fmt.Errorf("logs parse: %w", err)
		}
	}
	if bad > 0 {
		return fmt.Errorf("logs parse: %d records could not be parsed", bad)
	}
	return nil
}
