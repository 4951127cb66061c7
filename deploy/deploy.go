// Package deploy holds medsec's service files: the systemd units of "medsec serve" and
// "medsec sensor" (systemd/), hardened, and the container image definitions of both roles
// (container/, built by container/build.sh), checked by this package's tests
// (docs/GROUPS.md, "Service files" and "Container images").
package deploy

import "embed"

// Units are the systemd unit files, systemd/medsec.service and
// systemd/medsec-sensor.service, as shipped.
//
//go:embed systemd/*.service
var Units embed.FS
