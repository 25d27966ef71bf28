package iampolicy

import "strings"

type patternKind uint8

const (
	matchAny    patternKind = iota // "*"
	matchExact                     // no wildcard
	matchPrefix                    // one trailing "*"
	matchGlob                      // anything else
)

// pattern is a compiled IAM wildcard pattern. Patterns that fold case are stored in lower
// case.
type pattern struct {
	kind patternKind
	fold bool
	s    string // the pattern (for matchPrefix without the trailing "*")
}

func compile(p string, fold bool) pattern {
	if fold {
		p = strings.ToLower(p)
	}
	switch i := strings.IndexAny(p, "*?"); {
	case p == "*":
		return pattern{kind: matchAny}
	case i < 0:
		return pattern{kind: matchExact, fold: fold, s: p}
	case i == len(p)-1 && p[i] == '*':
		return pattern{kind: matchPrefix, fold: fold, s: p[:i]}
	}
	return pattern{kind: matchGlob, fold: fold, s: p}
}

func (p pattern) match(s string) bool {
	switch p.kind {
	case matchAny:
		return true
	case matchExact:
		if p.fold {
			return strings.EqualFold(s, p.s) && asciiOnly(s)
		}
		return s == p.s
	case matchPrefix:
		if len(s) < len(p.s) {
			return false
		}
		if p.fold {
			return strings.EqualFold(s[:len(p.s)], p.s) && asciiOnly(s[:len(p.s)])
		}
		return s[:len(p.s)] == p.s
	}
	return glob(p.s, s, p.fold)
}

// asciiOnly guards EqualFold, which also folds Unicode (K, the Kelvin sign, matches k):
// IAM names are ASCII, so non-ASCII input matches only byte for byte.
func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// glob matches s against pat, where * matches any run of bytes and ? one byte. When fold
// is set, pat is lower case and s is compared ASCII-case-insensitively. It runs in
// O(len(pat)*len(s)) at worst, without allocating.
func glob(pat, s string, fold bool) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pat) {
			c := s[i]
			if fold {
				c = lower(c)
			}
			switch pat[p] {
			case '*':
				star, mark = p, i
				p++
				continue
			case '?', c:
				p++
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		p = star + 1
		mark++
		i = mark
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}
