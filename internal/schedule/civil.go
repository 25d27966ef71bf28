package schedule

import "time"

// civil is a wall-clock date and time of day, without a location.
type civil struct {
	year, month, day int
	hour, min, sec   int
}

// civilFromUnix returns the wall-clock time that is w seconds after 1970-01-01T00:00:00.
func civilFromUnix(w int64) civil {
	t := time.Unix(w, 0).UTC()
	return civil{
		year: t.Year(), month: int(t.Month()), day: t.Day(),
		hour: t.Hour(), min: t.Minute(), sec: t.Second(),
	}
}

// unix returns the number of seconds from 1970-01-01T00:00:00 to c, both read as UTC.
func (c civil) unix() int64 {
	return time.Date(c.year, time.Month(c.month), c.day, c.hour, c.min, c.sec, 0, time.UTC).Unix()
}

// daysIn returns the number of days in month of year.
func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// weekdayOf returns the day of the week of the given date.
func weekdayOf(year, month, day int) time.Weekday {
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Weekday()
}
