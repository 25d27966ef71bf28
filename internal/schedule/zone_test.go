package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestLoadLocationValid(t *testing.T) {
	for _, name := range []string{
		"UTC", "America/New_York", "Etc/GMT+9", "Etc/GMT-14", "Pacific/Tahiti", "Europe/London",
		"America/Argentina/Buenos_Aires", "America/Port-au-Prince", "Asia/Kolkata", "US/Eastern",
		"EST5EDT", "GMT",
	} {
		loc, err := LoadLocation(name)
		if err != nil {
			t.Errorf("LoadLocation(%q): %v", name, err)
			continue
		}
		if loc.String() != name {
			t.Errorf("LoadLocation(%q) = %v", name, loc)
		}
	}
}

func TestLoadLocationOffsets(t *testing.T) {
	// Etc/GMT+9 is nine hours behind UTC (POSIX sign convention).
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, want := range map[string]int{"Etc/GMT+9": -9 * 3600, "Pacific/Tahiti": -10 * 3600, "UTC": 0} {
		if _, got := at.In(mustLoad(t, name)).Zone(); got != want {
			t.Errorf("%s: offset %d, want %d", name, got, want)
		}
	}
}

func TestLoadLocationInvalid(t *testing.T) {
	tests := []struct{ name, want string }{
		{"", "Invalid time zone: the name is empty"},
		{"Mars/Olympus", `Invalid time zone "Mars/Olympus": not a known IANA time zone name`},
		{"Local", `Invalid time zone "Local": not a time zone name`},
		{"Factory", `Invalid time zone "Factory": not a time zone name`},
		{"America/New York", `Invalid time zone "America/New York": invalid character ' '`},
		{" UTC", `invalid character`},
		{"UTC ", `invalid character ' '`},
		{"america/new_york", "not a valid IANA time zone name"},
		{"utc", "not a valid IANA time zone name"},
		{"posixrules", "not a valid IANA time zone name"},
		{"posix/America/New_York", "not a valid IANA time zone name"},
		{"/etc/localtime", "not a valid IANA time zone name"},
		{"America/", "not a valid IANA time zone name"},
		{"America//New_York", "not a valid IANA time zone name"},
		{"../America/New_York", "invalid character '.'"},
		{"America/../Europe/London", "invalid character '.'"},
		{"Zone.tab", "invalid character '.'"},
		{"America/New_York\x00", `invalid character '\x00'`},
		{"Europe/Londön", "invalid character 'ö'"},
		{"EST+5", "not a known IANA time zone name"},
	}
	for _, tt := range tests {
		loc, err := LoadLocation(tt.name)
		if err == nil {
			t.Errorf("LoadLocation(%q) = %v, want an error", tt.name, loc)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadLocation(%q) error %q, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
