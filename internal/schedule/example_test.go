package schedule_test

import (
	"fmt"
	"time"

	"github.com/autoscaled/autoscaled/internal/schedule"
)

func ExampleParse() {
	_, err := schedule.Parse("cron(0 0 1 * MON *)")
	fmt.Println(err)
	// Output:
	// Invalid schedule expression: cron(0 0 1 * MON *): Day-of-month "1" and Day-of-week "MON" cannot both be specified; use ? (or *) in one of them
}

func ExampleSchedule_Next() {
	s, err := schedule.Parse("cron(0 18 ? * MON-FRI *)")
	if err != nil {
		panic(err)
	}
	loc, err := schedule.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	after := time.Date(2025, 1, 3, 12, 0, 0, 0, loc) // a Friday
	for range 3 {
		after, _ = s.Next(time.Time{}, after, loc)
		fmt.Println(after.Format("Mon 2006-01-02 15:04 MST"))
	}
	// Output:
	// Fri 2025-01-03 18:00 EST
	// Mon 2025-01-06 18:00 EST
	// Tue 2025-01-07 18:00 EST
}

func ExampleSchedule_Next_rate() {
	s, err := schedule.Parse("rate(90 minutes)")
	if err != nil {
		panic(err)
	}
	created := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	next, _ := s.Next(created, time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), nil)
	fmt.Println(next.Format(time.RFC3339))
	// Output:
	// 2025-01-01T13:30:00Z
}
