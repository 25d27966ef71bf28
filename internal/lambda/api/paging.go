package lambdaapi

import "strconv"

// page is the window a list request asks for: MaxItems from the position its Marker names.
type page struct{ start, limit int }

// page reads MaxItems (default def) and the positional Marker of a list request.
func (c *call) page(def int) (page, *Error) {
	limit, err := c.maxItems(def)
	if err != nil {
		return page{}, err
	}
	start, err := parseMarker(c.query1("Marker"))
	if err != nil {
		return page{}, err
	}
	return page{start: start, limit: limit}, nil
}

// window returns the positions [lo, hi) of n items to answer, and the NextMarker ("" on the
// last page).
func (p page) window(n int) (lo, hi int, next string) {
	lo = min(p.start, n)
	hi = min(n, lo+p.limit)
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next
}

// parseMarker reads a positional Marker ("" = 0).
func parseMarker(m string) (int, *Error) {
	if m == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(m)
	if err != nil || n < 0 {
		return 0, errInvalid("Invalid Marker: %s", m)
	}
	return n, nil
}
