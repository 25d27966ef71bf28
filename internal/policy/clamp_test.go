package policy

import "testing"

func TestClamp(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name              string
		min, max, current int32
		want              int32
		wantChanged       bool
	}{
		{"inside", 1, 10, 5, 5, false},
		{"at min", 1, 10, 1, 1, false},
		{"at max", 1, 10, 10, 10, false},
		{"below min scales out to min", 3, 10, 1, 3, true},
		{"above max scales in to max", 1, 10, 15, 10, true},
		{"zero range", 0, 0, 4, 0, true},
		{"min above max: min wins", 5, 3, 4, 5, true},
	}
	for _, c := range cases {
		got, changed := Clamp(c.min, c.max, c.current)
		if got != c.want || changed != c.wantChanged {
			t.Errorf("%s: Clamp(%d, %d, %d) = %d, %v; want %d, %v", c.name, c.min, c.max, c.current, got, changed, c.want, c.wantChanged)
		}
	}
}
