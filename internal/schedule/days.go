package schedule

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// dayKind is how a cron expression selects the days of a month.
type dayKind int

const (
	everyDay          dayKind = iota // Day-of-month and Day-of-week both * or ?
	domList                          // bits: days of the month
	domLast                          // L or L-n: n days before the last day of the month
	domLastWeekday                   // LW: the last Monday-Friday of the month
	domNearestWeekday                // nW: the Monday-Friday nearest to day n, in the same month
	dowList                          // bits: days of the week, bit 0 = Sunday
	dowLast                          // nL: the last weekday of the month
	dowNth                           // n#k: the k-th weekday of the month
)

// daySpec is the combined meaning of the Day-of-month and Day-of-week fields.
type daySpec struct {
	kind    dayKind
	bits    uint64       // domList, dowList
	n       int          // domLast: days before the last; domNearestWeekday: the day; dowNth: k
	weekday time.Weekday // dowLast, dowNth
}

// parseDays parses the Day-of-month and Day-of-week fields (in upper case). At most one of them
// may restrict the days; the other must be * or ?.
func parseDays(dom, dow string) (daySpec, error) {
	domAny, dowAny := dom == "*" || dom == "?", dow == "*" || dow == "?"
	switch {
	case dom == "?" && dow == "?":
		return daySpec{}, errors.New("Day-of-month and Day-of-week cannot both be ?; use * in one of them")
	case !domAny && !dowAny:
		return daySpec{}, fmt.Errorf("Day-of-month %q and Day-of-week %q cannot both be specified; "+
			"use ? (or *) in one of them", dom, dow)
	case !domAny:
		return parseDayOfMonth(dom)
	case !dowAny:
		return parseDayOfWeek(dow)
	}
	return daySpec{kind: everyDay}, nil
}

// parseDayOfMonth parses a restricting Day-of-month field.
func parseDayOfMonth(text string) (daySpec, error) {
	f := domField
	if err := checkAlone(f, text, "LW"); err != nil {
		return daySpec{}, err
	}
	switch {
	case text == "LW":
		return daySpec{kind: domLastWeekday}, nil
	case text == "L":
		return daySpec{kind: domLast}, nil
	case strings.HasPrefix(text, "L-"):
		n, ok := parseDecimal(text[2:], 30)
		if !ok {
			return daySpec{}, f.errorf(text, "L-n needs n from 0 to 30")
		}
		return daySpec{kind: domLast, n: int(n)}, nil
	case strings.HasSuffix(text, "W"):
		day, err := f.parseValue(text, text[:len(text)-1])
		if err != nil {
			return daySpec{}, f.errorf(text, "W must follow a single day from 1 to 31, as in 15W")
		}
		return daySpec{kind: domNearestWeekday, n: day}, nil
	case strings.ContainsAny(text, "LW"):
		return daySpec{}, f.errorf(text, "L and W may be used only as L, L-n, LW or nW")
	}
	var bits uint64
	if err := parseList(f, text, func(v int) { bits |= 1 << v }); err != nil {
		return daySpec{}, err
	}
	return daySpec{kind: domList, bits: bits}, nil
}

// parseDayOfWeek parses a restricting Day-of-week field.
func parseDayOfWeek(text string) (daySpec, error) {
	f := dowField
	if err := checkAlone(f, text, "L#"); err != nil {
		return daySpec{}, err
	}
	switch {
	case text == "L":
		return daySpec{kind: dowList, bits: 1 << time.Saturday}, nil
	case strings.HasSuffix(text, "L"):
		v, err := f.parseValue(text, text[:len(text)-1])
		if err != nil {
			return daySpec{}, f.errorf(text, "L must follow a single day of the week, as in 5L or THUL")
		}
		return daySpec{kind: dowLast, weekday: weekdayOfField(v)}, nil
	case strings.Contains(text, "#"):
		return parseNth(text)
	case strings.Contains(text, "L"):
		return daySpec{}, f.errorf(text, "L may be used only alone or after a day of the week, as in 5L")
	}
	var bits uint64
	if err := parseList(f, text, func(v int) { bits |= 1 << weekdayOfField(v) }); err != nil {
		return daySpec{}, err
	}
	return daySpec{kind: dowList, bits: bits}, nil
}

// parseNth parses the Day-of-week form n#k.
func parseNth(text string) (daySpec, error) {
	f := dowField
	dayText, kText, _ := strings.Cut(text, "#")
	v, err := f.parseValue(text, dayText)
	if err != nil {
		return daySpec{}, f.errorf(text, "# must follow a single day of the week, as in 3#2 or TUE#2")
	}
	k, ok := parseDecimal(kText, 5)
	if !ok || k == 0 {
		return daySpec{}, f.errorf(text, "the number after # must be from 1 to 5")
	}
	return daySpec{kind: dowNth, weekday: weekdayOfField(v), n: int(k)}, nil
}

// checkAlone rejects ? and the special forms (those containing one of letters, or #) inside a
// list: each of them must be the whole field, so only one of them can be used.
func checkAlone(f field, text, letters string) error {
	if strings.Contains(text, "?") && text != "?" {
		return f.errorf(text, "? must be the whole field")
	}
	if !strings.Contains(text, ",") {
		return nil
	}
	if strings.Contains(text, "#") {
		return f.errorf(text, "only one # expression is allowed, and it must be the whole field")
	}
	for _, letter := range letters {
		if strings.ContainsRune(text, letter) {
			return f.errorf(text, "expressions with %c must be the whole field, not part of a list", letter)
		}
	}
	return nil
}

// mask returns the days of month in year selected by d, as a bit set (bit 1 = the 1st).
func (d daySpec) mask(year, month int) uint64 {
	last := daysIn(year, month)
	first := weekdayOf(year, month, 1)
	weekday := func(day int) time.Weekday { return (first + time.Weekday(day-1)) % 7 }
	switch d.kind {
	case everyDay:
		return allDays(last)
	case domList:
		return d.bits & allDays(last)
	case domLast:
		return dayBit(last-d.n, last)
	case domLastWeekday:
		return dayBit(nearestWeekday(last, last, weekday(last)), last)
	case domNearestWeekday:
		if d.n > last {
			return 0
		}
		return dayBit(nearestWeekday(d.n, last, weekday(d.n)), last)
	case dowList:
		var m uint64
		for day := 1; day <= last; day++ {
			if d.bits&(1<<weekday(day)) != 0 {
				m |= 1 << day
			}
		}
		return m
	case dowLast:
		return dayBit(last-int(weekday(last)-d.weekday+7)%7, last)
	case dowNth:
		return dayBit(1+int(d.weekday-first+7)%7+7*(d.n-1), last)
	}
	return 0
}

// nearestWeekday returns the Monday-Friday nearest to day (whose day of the week is wd) in a month
// of last days, without leaving the month.
func nearestWeekday(day, last int, wd time.Weekday) int {
	switch {
	case wd == time.Saturday && day == 1:
		return 3
	case wd == time.Saturday:
		return day - 1
	case wd == time.Sunday && day == last:
		return day - 2
	case wd == time.Sunday:
		return day + 1
	}
	return day
}

// allDays returns the bit set of days 1 to last.
func allDays(last int) uint64 { return 1<<(last+1) - 2 }

// dayBit returns the bit set of the single day, or the empty set if day is not from 1 to last.
func dayBit(day, last int) uint64 {
	if day < 1 || day > last {
		return 0
	}
	return 1 << day
}
