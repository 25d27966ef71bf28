package metrics

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits of the expression parser, against abusive input.
const (
	maxExpressionLen   = 2048 // CloudWatch's limit on Expression
	maxExpressionDepth = 64
)

// node is a parsed metric math expression.
type node interface{ pos() int }

type (
	numNode struct {
		at int
		v  float64
	}
	// idNode refers to another query by its Id.
	idNode struct {
		at   int
		name string
	}
	strNode struct {
		at int
		s  string
	}
	// kwNode is a bare upper-case word: REPEAT or LINEAR as arguments of FILL.
	kwNode struct {
		at   int
		name string
	}
	unaryNode struct {
		at int
		op string // "-", "+", "!"
		x  node
	}
	binNode struct {
		at   int
		op   string // + - * / ^ == != < <= > >= && ||
		l, r node
	}
	callNode struct {
		at   int
		name string // upper case
		args []node
	}
	listNode struct {
		at    int
		items []node
	}
)

func (n *numNode) pos() int   { return n.at }
func (n *idNode) pos() int    { return n.at }
func (n *strNode) pos() int   { return n.at }
func (n *kwNode) pos() int    { return n.at }
func (n *unaryNode) pos() int { return n.at }
func (n *binNode) pos() int   { return n.at }
func (n *callNode) pos() int  { return n.at }
func (n *listNode) pos() int  { return n.at }

type tokKind int

const (
	tokEOF tokKind = iota
	tokNum
	tokIdent
	tokStr
	tokOp
)

type token struct {
	kind tokKind
	text string
	num  float64
	at   int
}

// lex splits an expression into tokens.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			j := i
			for j < len(src) && (isDigit(src[j]) || src[j] == '.') {
				j++
			}
			if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
				k := j + 1
				if k < len(src) && (src[k] == '+' || src[k] == '-') {
					k++
				}
				if k < len(src) && isDigit(src[k]) {
					for k < len(src) && isDigit(src[k]) {
						k++
					}
					j = k
				}
			}
			v, err := strconv.ParseFloat(src[i:j], 64)
			if err != nil || !finite(v) {
				return nil, fmt.Errorf("invalid number %q at position %d", src[i:j], i+1)
			}
			toks = append(toks, token{kind: tokNum, text: src[i:j], num: v, at: i})
			i = j
		case isLetter(c) || c == '_':
			j := i
			for j < len(src) && (isLetter(src[j]) || isDigit(src[j]) || src[j] == '_') {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j], at: i})
			i = j
		case c == '"' || c == '\'':
			j := strings.IndexByte(src[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unterminated string at position %d", i+1)
			}
			toks = append(toks, token{kind: tokStr, text: src[i+1 : i+1+j], at: i})
			i += j + 2
		default:
			op := ""
			if i+1 < len(src) {
				switch two := src[i : i+2]; two {
				case "==", "!=", "<=", ">=", "&&", "||":
					op = two
				}
			}
			if op == "" {
				switch c {
				case '+', '-', '*', '/', '^', '<', '>', '(', ')', '[', ']', ',', '!':
					op = string(c)
				default:
					return nil, fmt.Errorf("unexpected character %q at position %d", rune(src[i]), i+1)
				}
			}
			toks = append(toks, token{kind: tokOp, text: op, at: i})
			i += len(op)
		}
	}
	return append(toks, token{kind: tokEOF, at: len(src)}), nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parser is a recursive-descent parser over tokens. Precedence, lowest first: OR (||), AND
// (&&), comparisons, + -, * /, unary - + NOT (!), ^ (right associative), primaries.
type parser struct {
	toks  []token
	i     int
	depth int
}

// parseExpression parses a metric math expression.
func parseExpression(src string) (node, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("the expression is empty")
	}
	if len(src) > maxExpressionLen {
		return nil, fmt.Errorf("the expression is longer than %d characters", maxExpressionLen)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("unexpected %s at position %d", describe(t), t.at+1)
	}
	return n, nil
}

func describe(t token) string {
	if t.kind == tokEOF {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// isOp reports whether the next token is one of ops (AND, OR and NOT count as &&, || and !).
func (p *parser) isOp(ops ...string) (string, bool) {
	t := p.peek()
	text := t.text
	switch {
	case t.kind == tokIdent:
		switch text {
		case "AND":
			text = "&&"
		case "OR":
			text = "||"
		case "NOT":
			text = "!"
		default:
			return "", false
		}
	case t.kind != tokOp:
		return "", false
	}
	for _, op := range ops {
		if text == op {
			return op, true
		}
	}
	return "", false
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxExpressionDepth {
		return fmt.Errorf("the expression is nested more than %d levels deep", maxExpressionDepth)
	}
	return nil
}

func (p *parser) expr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binary(0)
}

// binaryLevels is the number of precedence levels of binary operators below unary ones.
const binaryLevels = 5

// levelOps are the binary operators of a precedence level, lowest first.
func levelOps(level int) []string {
	switch level {
	case 0:
		return []string{"||"}
	case 1:
		return []string{"&&"}
	case 2:
		return []string{"==", "!=", "<=", ">=", "<", ">"}
	case 3:
		return []string{"+", "-"}
	}
	return []string{"*", "/"}
}

func (p *parser) binary(level int) (node, error) {
	if level == binaryLevels {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp(levelOps(level)...)
		if !ok {
			return l, nil
		}
		at := p.next().at
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = &binNode{at: at, op: op, l: l, r: r}
	}
}

func (p *parser) unary() (node, error) {
	if op, ok := p.isOp("-", "+", "!"); ok {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		at := p.next().at
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &unaryNode{at: at, op: op, x: x}, nil
	}
	return p.power()
}

func (p *parser) power() (node, error) {
	base, err := p.primary()
	if err != nil {
		return nil, err
	}
	if _, ok := p.isOp("^"); !ok {
		return base, nil
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	at := p.next().at
	exp, err := p.unary()
	if err != nil {
		return nil, err
	}
	return &binNode{at: at, op: "^", l: base, r: exp}, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tokNum:
		return &numNode{at: t.at, v: t.num}, nil
	case tokStr:
		return &strNode{at: t.at, s: t.text}, nil
	case tokIdent:
		if nt := p.peek(); nt.kind == tokOp && nt.text == "(" {
			p.next()
			args, err := p.list(")")
			if err != nil {
				return nil, err
			}
			return &callNode{at: t.at, name: strings.ToUpper(t.text), args: args}, nil
		}
		if t.text[0] >= 'a' && t.text[0] <= 'z' {
			return &idNode{at: t.at, name: t.text}, nil
		}
		switch t.text {
		case "REPEAT", "LINEAR":
			return &kwNode{at: t.at, name: t.text}, nil
		}
		return nil, fmt.Errorf("unexpected %q at position %d: an id must start with a lower-case letter", t.text, t.at+1)
	case tokOp:
		switch t.text {
		case "(":
			n, err := p.expr()
			if err != nil {
				return nil, err
			}
			if c := p.next(); c.kind != tokOp || c.text != ")" {
				return nil, fmt.Errorf("expected \")\" at position %d, found %s", c.at+1, describe(c))
			}
			return n, nil
		case "[":
			items, err := p.list("]")
			if err != nil {
				return nil, err
			}
			return &listNode{at: t.at, items: items}, nil
		}
	}
	return nil, fmt.Errorf("unexpected %s at position %d", describe(t), t.at+1)
}

// list parses comma-separated expressions up to the closing token, which it consumes.
func (p *parser) list(closing string) ([]node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var items []node
	if t := p.peek(); t.kind == tokOp && t.text == closing {
		p.next()
		return items, nil
	}
	for {
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, n)
		t := p.next()
		if t.kind == tokOp && t.text == closing {
			return items, nil
		}
		if t.kind != tokOp || t.text != "," {
			return nil, fmt.Errorf("expected \",\" or %q at position %d, found %s", closing, t.at+1, describe(t))
		}
	}
}
