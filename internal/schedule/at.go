package schedule

import (
	"errors"
	"fmt"
)

// parseAt parses the body of at(yyyy-mm-ddThh:mm:ss). The hour may have one digit.
func parseAt(body string) (civil, error) {
	const layout = "the time must be yyyy-mm-ddThh:mm:ss, for example at(2021-06-01T00:00:00)"
	p := numberScanner{s: body}
	year := p.digits(4, 4)
	p.literal('-')
	month := p.digits(2, 2)
	p.literal('-')
	day := p.digits(2, 2)
	p.literal('T')
	hour := p.digits(1, 2)
	p.literal(':')
	minute := p.digits(2, 2)
	p.literal(':')
	second := p.digits(2, 2)
	if p.bad || p.s != "" {
		return civil{}, errors.New(layout)
	}
	c := civil{year: year, month: month, day: day, hour: hour, min: minute, sec: second}
	if err := c.validate(); err != nil {
		return civil{}, err
	}
	return c, nil
}

// validate checks that c is a real date and time of day.
func (c civil) validate() error {
	switch {
	case c.month < 1 || c.month > 12:
		return fmt.Errorf("month %02d is out of range 01-12", c.month)
	case c.day < 1 || c.day > daysIn(c.year, c.month):
		return fmt.Errorf("day %02d does not exist in %04d-%02d", c.day, c.year, c.month)
	case c.hour > 23:
		return fmt.Errorf("hour %d is out of range 0-23", c.hour)
	case c.min > 59:
		return fmt.Errorf("minute %02d is out of range 00-59", c.min)
	case c.sec > 59:
		return fmt.Errorf("second %02d is out of range 00-59", c.sec)
	}
	return nil
}

// numberScanner consumes fixed-layout numbers and separators from s. After the first mismatch it
// sets bad and the results are meaningless.
type numberScanner struct {
	s   string
	bad bool
}

// digits consumes between least and most decimal digits and returns their value.
func (p *numberScanner) digits(least, most int) int {
	n, v := 0, 0
	for n < most && n < len(p.s) && '0' <= p.s[n] && p.s[n] <= '9' {
		v = v*10 + int(p.s[n]-'0')
		n++
	}
	if n < least {
		p.bad = true
	}
	p.s = p.s[n:]
	return v
}

// literal consumes the byte b.
func (p *numberScanner) literal(b byte) {
	if p.s == "" || p.s[0] != b {
		p.bad = true
		return
	}
	p.s = p.s[1:]
}
