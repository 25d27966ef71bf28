package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		expr     string
		kind     Kind
		interval time.Duration
	}{
		// The examples of the AWS documentation.
		{"cron(0 10 * * ? *)", KindCron, 0},
		{"cron(15 12 * * ? *)", KindCron, 0},
		{"cron(0 18 ? * MON-FRI *)", KindCron, 0},
		{"cron(0 8 1 * ? *)", KindCron, 0},
		{"cron(0/15 * * * ? *)", KindCron, 0},
		{"cron(0/10 * ? * MON-FRI *)", KindCron, 0},
		{"cron(0/5 8-17 ? * MON-FRI *)", KindCron, 0},
		{"cron(0 9 ? * 2#1 *)", KindCron, 0},
		{"cron(30 6 * * 2 *)", KindCron, 0},
		{"cron(0 0 L * ? *)", KindCron, 0},
		{"cron(0 0 LW * ? *)", KindCron, 0},
		{"cron(0 0 ? * 6L *)", KindCron, 0},
		{"rate(5 minutes)", KindRate, 5 * time.Minute},
		{"rate(1 hour)", KindRate, time.Hour},
		{"at(2021-06-01T00:00:00)", KindAt, 0},
		{"at(2020-12-08T9:36:00)", KindAt, 0},

		// Further cron forms.
		{"cron(0 0 * * * *)", KindCron, 0},       // both * : every day
		{"cron(0 12 ? * * *)", KindCron, 0},      // ? and *
		{"cron(0  12   * * ?  *)", KindCron, 0},  // several spaces between fields
		{"cron(0 0 15W * ? *)", KindCron, 0},     // nearest weekday
		{"cron(0 0 1w * ? *)", KindCron, 0},      // letters are case-insensitive
		{"cron(0 0 L-3 * ? *)", KindCron, 0},     // three days before the last
		{"cron(0 0 l-0 * ? *)", KindCron, 0},     // same as L
		{"cron(0 0 ? * L *)", KindCron, 0},       // Saturday
		{"cron(0 0 ? * THUL *)", KindCron, 0},    // last Thursday, by name
		{"cron(0 0 ? * tue#2 *)", KindCron, 0},   // second Tuesday, by name
		{"cron(0 0 ? * 7#5 *)", KindCron, 0},     // fifth Saturday
		{"cron(0 0 ? * SUN,sat *)", KindCron, 0}, // names in a list
		{"cron(0 0 ? * 1-7 *)", KindCron, 0},
		{"cron(0 0 1 jan,Jul ? *)", KindCron, 0},
		{"cron(0 0 1 JAN-MAR/2 ? 2025-2031/2)", KindCron, 0},
		{"cron(0 0 1 1 ? 1970)", KindCron, 0},
		{"cron(0/30 * * * ? 2199)", KindCron, 0},
		{"cron(*/10 0-23/6 1-31/10 */3 ? *)", KindCron, 0},
		{"cron(5/20 1-10/3 * * ? *)", KindCron, 0},
		{"cron(0/60 * * * ? *)", KindCron, 0}, // step as large as the field
		{"cron(0 0 1-1 * ? *)", KindCron, 0},  // one-value range
		{"cron(05 09 * * ? *)", KindCron, 0},  // leading zeros
		{"cron(0 0 30 2 ? *)", KindCron, 0},   // valid but never occurs
		{"cron(1,2,3 4,5 6,7 8,9 ? 2030,2031)", KindCron, 0},
		{"cron(*,5 * * * ? *)", KindCron, 0},
		// The seven-field form with seconds.
		{"cron(30 0 12 * * ? *)", KindCron, 0},
		{"cron(*/15 * * * * ? *)", KindCron, 0},
		{"cron(0-59/20 0 0 1 * ? *)", KindCron, 0},

		// Further rate forms.
		{"rate(1 minute)", KindRate, time.Minute},
		{"rate(1 minutes)", KindRate, time.Minute}, // lenient about singular/plural
		{"rate(2 hour)", KindRate, 2 * time.Hour},
		{"rate(1 day)", KindRate, 24 * time.Hour},
		{"rate(7 days)", KindRate, 7 * 24 * time.Hour},
		{"rate(1  day)", KindRate, 24 * time.Hour}, // several spaces
		{"rate(05 minutes)", KindRate, 5 * time.Minute},
		{"rate(153722867 minutes)", KindRate, 153722867 * time.Minute},
		{"rate(2562047 hours)", KindRate, 2562047 * time.Hour},
		{"rate(106751 days)", KindRate, 106751 * 24 * time.Hour},

		// Further at forms.
		{"at(2024-02-29T23:59:59)", KindAt, 0},
		{"at(2021-06-01T09:05:07)", KindAt, 0},
		{"at(1999-12-31T0:00:00)", KindAt, 0},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.expr, err)
			continue
		}
		if s.Kind() != tt.kind || s.Interval() != tt.interval || s.String() != tt.expr {
			t.Errorf("Parse(%q) = kind %v, interval %v, string %q; want %v, %v, %q",
				tt.expr, s.Kind(), s.Interval(), s.String(), tt.kind, tt.interval, tt.expr)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		expr string
		want string // part of the error message after the expression
	}{
		// Not an expression.
		{"", "the expression is empty"},
		{"0 12 * * ? *", "must be at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(fields)"},
		{"foo(1)", `unknown expression type "foo"`},
		{"CRON(0 12 * * ? *)", "must be at("},
		{"Rate(5 minutes)", "must be at("},
		{" cron(0 12 * * ? *)", "must be at("},
		{"cron(0 12 * * ? *) ", "must be at("},
		{"cron (0 12 * * ? *)", "must be at("},
		{"cron(0 12 * * ? *", "must be at("},
		{"(0 12 * * ? *)", "must be at("},
		{"cron()", "nothing between the parentheses"},
		{"cron( 0 12 * * ? *)", "no spaces are allowed just inside the parentheses"},
		{"cron(0 12 * * ? * )", "no spaces are allowed just inside the parentheses"},

		// Field count and separators.
		{"cron(0 12 * * ?)", "got 5 fields, want 6"},
		{"cron(0 0 0 12 * * ? *)", "got 8 fields"},
		{"cron(0\t12 * * ? *)", "separated by spaces"},

		// Out of range.
		{"cron(60 12 * * ? *)", `Minutes field "60": value 60 is out of range 0-59`},
		{"cron(0 24 * * ? *)", `Hours field "24": value 24 is out of range 0-23`},
		{"cron(0 0 32 * ? *)", `Day-of-month field "32": value 32 is out of range 1-31`},
		{"cron(0 0 0 * ? *)", `Day-of-month field "0": value 0 is out of range 1-31`},
		{"cron(0 0 1 13 ? *)", `Month field "13": value 13 is out of range 1-12`},
		{"cron(0 0 1 0 ? *)", `Month field "0"`},
		{"cron(0 0 ? * 8 *)", `Day-of-week field "8": value 8 is out of range 1-7`},
		{"cron(0 0 ? * 0 *)", `Day-of-week field "0": value 0 is out of range 1-7`},
		{"cron(0 0 1 * ? 2200)", `Year field "2200": value 2200 is out of range 1970-2199`},
		{"cron(0 0 1 * ? 1969)", `Year field "1969"`},
		{"cron(0-60 0 * * ? *)", `Minutes field "0-60": value 60 is out of range`},
		{"cron(99999999999 0 * * ? *)", `Minutes field "99999999999": invalid value`},
		{"cron(60 0 12 * * ? *)", `Seconds field "60": value 60 is out of range 0-59`},

		// Garbage and empty values.
		{"cron(0 0 1 FOO ? *)", `Month field "FOO": invalid value "FOO", want 1-12 or JAN-DEC`},
		{"cron(0 0 ? * MONDAY *)", `Day-of-week field "MONDAY": invalid value "MONDAY", want 1-7 or SUN-SAT`},
		{"cron(x 0 * * ? *)", `Minutes field "X": invalid value "X", want 0-59`},
		{"cron(1,,2 0 * * ? *)", `Minutes field "1,,2": empty value`},
		{"cron(0 0 * * ? *,)", `Year field "*,": empty value`},
		{"cron(-1 0 * * ? *)", `Minutes field "-1": missing value`},
		{"cron(+1 0 * * ? *)", `Minutes field "+1": invalid value`},
		{"cron(1.5 0 * * ? *)", `Minutes field "1.5": invalid value`},
		{"cron(1-2-3 0 * * ? *)", `Minutes field "1-2-3": invalid value "2-3"`},
		{"cron(0 0 1 JAN-13 ? *)", `Month field "JAN-13": value 13 is out of range`},

		// Ranges and steps.
		{"cron(0 0 ? * FRI-MON *)", `Day-of-week field "FRI-MON": range FRI-MON goes backwards; wrap-around ranges are not supported, use a list such as FRI-SAT,SUN-MON`},
		{"cron(0 22-2 * * ? *)", `Hours field "22-2": range 22-2 goes backwards`},
		{"cron(0/0 * * * ? *)", `Minutes field "0/0": step "0" must be a number from 1 to 60`},
		{"cron(0/61 * * * ? *)", `step "61" must be a number from 1 to 60`},
		{"cron(0/ * * * ? *)", `step "" must be a number`},
		{"cron(5/10/2 0 * * ? *)", `step "10/2"`},
		{"cron(0 0 ? * MON/2 *)", `Day-of-week field "MON/2": / is not allowed in this field`},
		{"cron(0 0 ? * */2 *)", `/ is not allowed in this field`},

		// ?, L, W and # in the wrong place.
		{"cron(0 0 ? ? * *)", `Month field "?": ? is allowed only in the Day-of-month and Day-of-week fields`},
		{"cron(? 0 * * * *)", `Minutes field "?"`},
		{"cron(0 0 * * ? ?)", `Year field "?"`},
		{"cron(L 0 * * ? *)", `Minutes field "L": L and W are allowed only in the Day-of-month and Day-of-week fields`},
		{"cron(0 0 1 L ? *)", `Month field "L": invalid value "L"`},
		{"cron(0 0 1 1#2 ? *)", `Month field "1#2": # is allowed only`},
		{"cron(0 0 ?,1 * * *)", `Day-of-month field "?,1": ? must be the whole field`},
		{"cron(0 0 * * ?,1 *)", `Day-of-week field "?,1": ? must be the whole field`},
		{"cron(0 0 1,L * ? *)", `Day-of-month field "1,L": expressions with L must be the whole field, not part of a list`},
		{"cron(0 0 1,15W * ? *)", `expressions with W must be the whole field`},
		{"cron(0 0 1-5W * ? *)", `W must follow a single day from 1 to 31`},
		{"cron(0 0 W * ? *)", `W must follow a single day`},
		{"cron(0 0 32W * ? *)", `W must follow a single day`},
		{"cron(0 0 L-31 * ? *)", `L-n needs n from 0 to 30`},
		{"cron(0 0 L-x * ? *)", `L-n needs n from 0 to 30`},
		{"cron(0 0 1-L * ? *)", `L and W may be used only as L, L-n, LW or nW`},
		{"cron(0 0 WL * ? *)", `Day-of-month field "WL"`},
		{"cron(0 0 ? * 3#1,6#3 *)", `Day-of-week field "3#1,6#3": only one # expression is allowed, and it must be the whole field`},
		{"cron(0 0 ? * 3#1,5 *)", `only one # expression is allowed`},
		{"cron(0 0 ? * 3#6 *)", `the number after # must be from 1 to 5`},
		{"cron(0 0 ? * 3#0 *)", `the number after # must be from 1 to 5`},
		{"cron(0 0 ? * 3# *)", `the number after # must be from 1 to 5`},
		{"cron(0 0 ? * #2 *)", `# must follow a single day of the week`},
		{"cron(0 0 ? * 8#2 *)", `# must follow a single day of the week`},
		{"cron(0 0 ? * 2,5L *)", `expressions with L must be the whole field`},
		{"cron(0 0 ? * 8L *)", `L must follow a single day of the week`},
		{"cron(0 0 ? * L5 *)", `L may be used only alone or after a day of the week`},

		// Day-of-month and Day-of-week together.
		{"cron(0 0 ? * ? *)", "Day-of-month and Day-of-week cannot both be ?"},
		{"cron(0 0 1 * MON *)", `Day-of-month "1" and Day-of-week "MON" cannot both be specified; use ? (or *) in one of them`},
		{"cron(0 0 L * 6L *)", "cannot both be specified"},

		// rate().
		{"rate(0 minutes)", `value "0" must be a whole number from 1 to 153722867 for minutes`},
		{"rate(-1 minutes)", `value "-1" must be a whole number`},
		{"rate(+5 minutes)", `value "+5" must be a whole number`},
		{"rate(five minutes)", `value "five" must be a whole number`},
		{"rate(1.5 hours)", `value "1.5" must be a whole number from 1 to 2562047 for hours`},
		{"rate(153722868 minutes)", `value "153722868" must be a whole number from 1 to 153722867 for minutes`},
		{"rate(2147483648 days)", `must be a whole number from 1 to 106751 for days`},
		{"rate(99999999999999999999999 days)", `must be a whole number`},
		{"rate(5 weeks)", `unit "weeks" must be minute, minutes, hour, hours, day or days`},
		{"rate(5 Minutes)", `unit "Minutes" must be`},
		{"rate(5 minutes later)", `unit "minutes later" must be`},
		{"rate(5)", "must be rate(value unit), for example rate(5 minutes)"},
		{"rate(5minutes)", "must be rate(value unit)"},
		{"rate(minutes)", "must be rate(value unit)"},
		{"rate( 5 minutes)", "no spaces are allowed just inside the parentheses"},

		// at().
		{"at(2021-13-01T00:00:00)", "month 13 is out of range 01-12"},
		{"at(2021-00-01T00:00:00)", "month 00 is out of range 01-12"},
		{"at(2021-02-30T00:00:00)", "day 30 does not exist in 2021-02"},
		{"at(2021-02-29T00:00:00)", "day 29 does not exist in 2021-02"},
		{"at(2021-04-31T00:00:00)", "day 31 does not exist in 2021-04"},
		{"at(2021-04-00T00:00:00)", "day 00 does not exist"},
		{"at(2021-06-01T24:00:00)", "hour 24 is out of range 0-23"},
		{"at(2021-06-01T00:60:00)", "minute 60 is out of range 00-59"},
		{"at(2021-06-01T00:00:60)", "second 60 is out of range 00-59"},
		{"at(2021-06-01 00:00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-6-01T00:00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-06-01T00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-06-01T00:00:00Z)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-06-01T123:00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-06-01t00:00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(21-06-01T00:00:00)", "the time must be yyyy-mm-ddThh:mm:ss"},
		{"at(2021-06-01)", "the time must be yyyy-mm-ddThh:mm:ss"},
	}
	for _, tt := range tests {
		s, err := Parse(tt.expr)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.expr, s, tt.want)
			continue
		}
		var perr *ParseError
		if !errors.As(err, &perr) || perr.Expr != tt.expr {
			t.Errorf("Parse(%q): error %#v is not a *ParseError for the expression", tt.expr, err)
		}
		prefix := "Invalid schedule expression: " + tt.expr + ": "
		if tt.expr == "" {
			prefix = "Invalid schedule expression: "
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.want) {
			t.Errorf("Parse(%q) error:\n  %s\nwant prefix %q and containing %q", tt.expr, msg, prefix, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindAt: "at", KindRate: "rate", KindCron: "cron", 0: "Kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
