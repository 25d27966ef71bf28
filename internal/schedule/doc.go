// Package schedule parses the at(), rate() and cron() schedule expressions of Application Auto
// Scaling scheduled actions and computes their occurrences.
//
// # Expressions
//
// Three forms are accepted, with the keyword in lower case and nothing (not even spaces) before
// the keyword, between it and the parenthesis, just inside the parentheses or after them:
//
//	at(yyyy-mm-ddThh:mm:ss)  one wall-clock time, for example at(2021-06-01T00:00:00)
//	rate(value unit)         every value minutes, hours or days, for example rate(5 minutes)
//	cron(fields)             Minutes Hours Day-of-month Month Day-of-week Year,
//	                         for example cron(0 18 ? * MON-FRI *)
//
// at: the year has four digits and month, day, minute and second two; the hour may have one or
// two digits (AWS itself returns at(2020-12-08T9:36:00)). The date must exist.
//
// rate: value is a positive decimal integer (digits only, no sign; leading zeros are ignored) and
// unit is one of minute, minutes, hour, hours, day or days, in lower case. The singular and the
// plural are both accepted whatever the value (AWS documents singular for 1 and plural otherwise
// but its enforcement is unconfirmed, so this package is lenient). One or more spaces may separate
// value and unit. The interval must fit a time.Duration (about 292 years), which bounds the value
// per unit: 153722867 minutes, 2562047 hours or 106751 days. The occurrences are
// anchor + k*interval for k >= 0, where the caller supplies the anchor.
//
// cron: six fields, or seven with a leading Seconds field, separated by one or more spaces.
// Without a Seconds field the occurrences are at second 0. Names and the letters L and W are
// case-insensitive.
//
//	Field         Values                Wildcards
//	Seconds       0-59                  , - * /       (seven-field form only)
//	Minutes       0-59                  , - * /
//	Hours         0-23                  , - * /
//	Day-of-month  1-31                  , - * ? / L W
//	Month         1-12 or JAN-DEC       , - * /
//	Day-of-week   1-7 or SUN-SAT        , - * ? L #   (1 is Sunday, 7 is Saturday)
//	Year          1970-2199             , - * /
//
// A field is a comma-separated list of items; an item is *, a value or a range a-b, optionally
// followed by /step (a/step runs from a to the field's maximum). Ranges must not be backwards:
// wrap-around ranges such as FRI-MON or 22-2 are rejected; write them as lists (FRI-SAT,SUN-MON).
// A step must be between 1 and the number of values of the field. Numbers may have leading zeros.
//
// Day-of-month also accepts L (the last day of the month), L-n (n days before the last day,
// n from 0 to 30; months too short for it are skipped), LW (the last weekday, Monday to Friday, of the month) and nW (the weekday
// nearest to day n within the same month: a Saturday moves to the Friday before, or to Monday the
// 3rd when n is 1; a Sunday moves to the Monday after, or to the Friday before when n is the last
// day). In a month shorter than n, nW does not occur. Day-of-week also accepts nL (the last
// day-of-week n of the month, for example 5L or THUL, the last Thursday), n#k (the k-th
// day-of-week n of the month, k from 1 to 5, for example 3#2, the second Tuesday; months without a
// k-th such day are skipped) and L alone (Saturday, the last day of the week). Each of these
// special forms, and ?, must be the whole field: they cannot appear in a list, so "3#1,6#3" is
// rejected.
//
// Day-of-month and Day-of-week: a field written exactly * or ? places no restriction. At most one
// of the two may restrict (AWS's exact rule is unconfirmed; this is the documented choice), and ?
// may not be used in both. So cron(30 6 * * 2 *) means Mondays at 06:30, cron(0 12 * * ? *)
// every day at noon and cron(0 0 * * * *) every day at midnight, while cron(0 0 1 * MON *) and
// cron(0 0 ? * ? *) are rejected.
//
// An expression that is valid but can never occur, such as cron(0 0 30 2 ? *), is accepted;
// Next reports that it has no occurrence.
//
// # Time zones and daylight saving time
//
// The wall-clock fields of at() and cron() are read in the location given to Next. A wall-clock
// time that does not exist because the clocks spring forward over it occurs at the equivalent
// instant after the gap, shifted by the length of the gap: 02:30 on a spring-forward day in
// America/New_York occurs at 03:30 EDT. If that instant is also an occurrence in its own right it
// still occurs only once. A wall-clock time that occurs twice because the clocks fall back occurs
// only the first time: 01:30 on a fall-back day in America/New_York occurs at 01:30 EDT and not
// at 01:30 EST. rate() schedules are independent of the location.
package schedule
