package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zones work without the system's zoneinfo files
)

// LoadLocation validates an IANA time zone name, such as "America/New_York", "Etc/GMT+9",
// "Pacific/Tahiti" or "UTC", and loads the zone. Each '/'-separated part of the name must start
// with an upper-case ASCII letter and contain only ASCII letters, digits, '_', '-' and '+'; this
// rejects file names of the zoneinfo directory that are not zones ("posixrules", "zone.tab",
// "posix/..."), spaces and paths. "Local" and "Factory" are rejected too. Backward-compatible
// links such as "US/Eastern" are accepted. The error's text is meant for users.
func LoadLocation(name string) (*time.Location, error) {
	if err := checkZoneName(name); err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, zoneError(name, "not a known IANA time zone name")
	}
	return loc, nil
}

// checkZoneName checks the spelling of a time zone name.
func checkZoneName(name string) error {
	switch name {
	case "":
		return errors.New("Invalid time zone: the name is empty; use an IANA name such as America/New_York or UTC")
	case "Local", "Factory":
		return zoneError(name, "not a time zone name")
	}
	for _, r := range name {
		if !isZoneNameChar(r) {
			return zoneError(name, fmt.Sprintf("invalid character %q", r))
		}
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part[0] < 'A' || part[0] > 'Z' {
			return zoneError(name, "not a valid IANA time zone name")
		}
	}
	return nil
}

// isZoneNameChar reports whether r may appear in an IANA time zone name.
func isZoneNameChar(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("/_-+", r)
}

// zoneError returns the user-facing error for an invalid time zone name.
func zoneError(name, reason string) error {
	return fmt.Errorf("Invalid time zone %q: %s; use an IANA name such as America/New_York or UTC", name, reason)
}
