package salesforce

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The SOQL subset the fake understands:
//
//	SELECT field[, field...] | COUNT()
//	FROM Account | Opportunity | Task | Event | User
//	[WHERE condition]            AND, OR, NOT, parentheses; =, !=, <>, <, <=, >, >=, IN (...), NOT IN (...), LIKE
//	[ORDER BY field [ASC|DESC] [NULLS FIRST|LAST][, ...]]
//	[LIMIT n] [OFFSET n]
//
// Literals: 'strings' with backslash escapes, numbers, true, false, null, dates (2026-12-31) and date-times
// (2026-11-22T10:00:00Z, 2026-11-22T10:00:00.000+0000, 2026-11-22T10:00:00+01:00). Field paths may follow a
// lookup (Owner.Name, What.Type). Keywords and field names are case-insensitive, as in Salesforce.

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkDate
	tkDatetime
	tkOp    // = != <> < <= > >=
	tkPunct // ( ) , -
)

type token struct {
	kind tokKind
	text string // as written (for strings: the unescaped value)
	pos  int    // 0-based byte offset
}

// soqlError is a query the fake refuses; code is MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE, ...
type soqlError struct {
	code string
	pos  int
	msg  string
	// plain errors carry no caret excerpt (Salesforce omits it for some filter errors).
	plain bool
}

func (e *soqlError) Error() string { return e.code + ": " + e.msg }

var (
	reDatetime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})`)
	reDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
	reNumber   = regexp.MustCompile(`^\d+(\.\d+)?`)
)

func lex(q string) ([]token, *soqlError) {
	var toks []token
	i := 0
	for i < len(q) {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'':
			start := i
			var b strings.Builder
			i++
			closed := false
			for i < len(q) {
				ch := q[i]
				if ch == '\\' {
					if i+1 >= len(q) {
						break
					}
					esc := q[i+1]
					switch esc {
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					case 't':
						b.WriteByte('\t')
					case 'b':
						b.WriteByte('\b')
					case 'f':
						b.WriteByte('\f')
					case '\'', '"', '\\':
						b.WriteByte(esc)
					case '_', '%':
						b.WriteByte('\\') // kept escaped for LIKE
						b.WriteByte(esc)
					default:
						return nil, &soqlError{code: "MALFORMED_QUERY", pos: i, msg: fmt.Sprintf("Invalid string literal '%s'. Illegal character sequence '\\%c' in string literal.", q[start:], esc)}
					}
					i += 2
					continue
				}
				if ch == '\'' {
					closed = true
					i++
					break
				}
				b.WriteByte(ch)
				i++
			}
			if !closed {
				return nil, &soqlError{code: "MALFORMED_QUERY", pos: start, msg: "line 1:" + strconv.Itoa(start) + " mismatched character '<EOF>' expecting '''"}
			}
			toks = append(toks, token{kind: tkString, text: b.String(), pos: start})
		case c >= '0' && c <= '9':
			rest := q[i:]
			if m := reDatetime.FindString(rest); m != "" {
				toks = append(toks, token{kind: tkDatetime, text: m, pos: i})
				i += len(m)
			} else if m := reDate.FindString(rest); m != "" {
				toks = append(toks, token{kind: tkDate, text: m, pos: i})
				i += len(m)
			} else {
				m := reNumber.FindString(rest)
				toks = append(toks, token{kind: tkNumber, text: m, pos: i})
				i += len(m)
			}
		case isIdentStart(c):
			start := i
			for i < len(q) && (isIdentStart(q[i]) || q[i] >= '0' && q[i] <= '9' || q[i] == '.') {
				i++
			}
			toks = append(toks, token{kind: tkIdent, text: q[start:i], pos: start})
		case c == '!' || c == '<' || c == '>' || c == '=':
			start := i
			op := string(c)
			if i+1 < len(q) && (q[i+1] == '=' || c == '<' && q[i+1] == '>') {
				op += string(q[i+1])
			}
			if op == "!" {
				return nil, &soqlError{code: "MALFORMED_QUERY", pos: i, msg: "unexpected token: '!'"}
			}
			i += len(op)
			toks = append(toks, token{kind: tkOp, text: op, pos: start})
		case c == '(' || c == ')' || c == ',' || c == '-':
			toks = append(toks, token{kind: tkPunct, text: string(c), pos: i})
			i++
		default:
			return nil, &soqlError{code: "MALFORMED_QUERY", pos: i, msg: fmt.Sprintf("unexpected token: '%c'", c)}
		}
	}
	toks = append(toks, token{kind: tkEOF, pos: len(q)})
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// AST.

type fieldRef struct {
	path []string // as written, split on '.'
	pos  int
}

func (f fieldRef) String() string { return strings.Join(f.path, ".") }

type litKind int

const (
	litString litKind = iota
	litNumber
	litBool
	litNull
	litDate
	litDatetime
)

type literal struct {
	kind litKind
	s    string
	n    float64
	b    bool
	t    time.Time
	raw  string
	pos  int
}

type cond interface{ isCond() }

type andCond struct{ l, r cond }
type orCond struct{ l, r cond }
type notCond struct{ c cond }
type cmpCond struct {
	field fieldRef
	op    string // = != < <= > >= like in notin
	vals  []literal
}

func (andCond) isCond() {}
func (orCond) isCond()  {}
func (notCond) isCond() {}
func (cmpCond) isCond() {}

type orderItem struct {
	field      fieldRef
	desc       bool
	nullsFirst bool
}

type soqlQuery struct {
	fields []fieldRef
	count  bool
	object string
	objPos int
	where  cond
	order  []orderItem
	limit  int // -1: none
	offset int
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tkIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) unexpected() *soqlError {
	t := p.peek()
	text := t.text
	if t.kind == tkEOF {
		text = "<EOF>"
	} else if t.kind == tkString {
		text = "'" + t.text + "'"
	}
	return &soqlError{code: "MALFORMED_QUERY", pos: t.pos, msg: fmt.Sprintf("unexpected token: %s", quoteTok(text))}
}

func quoteTok(s string) string {
	if strings.HasPrefix(s, "'") || s == "<EOF>" {
		return s
	}
	return "'" + s + "'"
}

func (p *parser) expectKeyword(kw string) *soqlError {
	if !p.isKeyword(kw) {
		return p.unexpected()
	}
	p.next()
	return nil
}

func (p *parser) expectPunct(s string) *soqlError {
	t := p.peek()
	if t.kind != tkPunct || t.text != s {
		return p.unexpected()
	}
	p.next()
	return nil
}

var reserved = map[string]bool{
	"select": true, "from": true, "where": true, "and": true, "or": true, "not": true, "in": true, "like": true,
	"order": true, "by": true, "limit": true, "offset": true, "null": true, "true": true, "false": true,
	"asc": true, "desc": true, "nulls": true, "group": true, "having": true,
}

func (p *parser) fieldRef() (fieldRef, *soqlError) {
	t := p.peek()
	if t.kind != tkIdent || reserved[strings.ToLower(t.text)] || strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
		return fieldRef{}, p.unexpected()
	}
	p.next()
	return fieldRef{path: strings.Split(t.text, "."), pos: t.pos}, nil
}

// parseSOQL parses the subset described above.
func parseSOQL(q string) (*soqlQuery, *soqlError) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	out := &soqlQuery{limit: -1}
	if err := p.expectKeyword("SELECT"); err != nil {
		return nil, err
	}
	if p.isKeyword("COUNT") && p.toks[p.i+1].kind == tkPunct && p.toks[p.i+1].text == "(" {
		p.next()
		p.next()
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		out.count = true
	} else {
		for {
			f, err := p.fieldRef()
			if err != nil {
				return nil, err
			}
			out.fields = append(out.fields, f)
			if t := p.peek(); t.kind == tkPunct && t.text == "," {
				p.next()
				continue
			}
			break
		}
	}
	if err := p.expectKeyword("FROM"); err != nil {
		return nil, err
	}
	obj := p.peek()
	if obj.kind != tkIdent || reserved[strings.ToLower(obj.text)] || strings.Contains(obj.text, ".") {
		return nil, p.unexpected()
	}
	p.next()
	out.object, out.objPos = obj.text, obj.pos
	if p.isKeyword("WHERE") {
		p.next()
		c, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		out.where = c
	}
	if p.isKeyword("ORDER") {
		p.next()
		if err := p.expectKeyword("BY"); err != nil {
			return nil, err
		}
		for {
			f, err := p.fieldRef()
			if err != nil {
				return nil, err
			}
			item := orderItem{field: f}
			if p.isKeyword("ASC") {
				p.next()
			} else if p.isKeyword("DESC") {
				p.next()
				item.desc = true
			}
			item.nullsFirst = !item.desc
			if p.isKeyword("NULLS") {
				p.next()
				switch {
				case p.isKeyword("FIRST"):
					item.nullsFirst = true
				case p.isKeyword("LAST"):
					item.nullsFirst = false
				default:
					return nil, p.unexpected()
				}
				p.next()
			}
			out.order = append(out.order, item)
			if t := p.peek(); t.kind == tkPunct && t.text == "," {
				p.next()
				continue
			}
			break
		}
	}
	if p.isKeyword("LIMIT") {
		p.next()
		n, err := p.intLiteral()
		if err != nil {
			return nil, err
		}
		out.limit = n
	}
	if p.isKeyword("OFFSET") {
		p.next()
		n, err := p.intLiteral()
		if err != nil {
			return nil, err
		}
		if n > 2000 {
			return nil, &soqlError{code: "NUMBER_OUTSIDE_VALID_RANGE", msg: fmt.Sprintf("Maximum SOQL offset allowed is 2000"), plain: true}
		}
		out.offset = n
	}
	if p.peek().kind != tkEOF {
		return nil, p.unexpected()
	}
	return out, nil
}

func (p *parser) intLiteral() (int, *soqlError) {
	t := p.peek()
	if t.kind != tkNumber || strings.Contains(t.text, ".") {
		return 0, p.unexpected()
	}
	p.next()
	n, err := strconv.Atoi(t.text)
	if err != nil {
		return 0, &soqlError{code: "MALFORMED_QUERY", pos: t.pos, msg: "invalid number: " + t.text}
	}
	return n, nil
}

func (p *parser) orExpr() (cond, *soqlError) {
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		p.next()
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = orCond{l, r}
	}
	return l, nil
}

func (p *parser) andExpr() (cond, *soqlError) {
	l, err := p.notExpr()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		p.next()
		r, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		l = andCond{l, r}
	}
	return l, nil
}

func (p *parser) notExpr() (cond, *soqlError) {
	if p.isKeyword("NOT") {
		p.next()
		c, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	if t := p.peek(); t.kind == tkPunct && t.text == "(" {
		p.next()
		c, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return c, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (cond, *soqlError) {
	f, err := p.fieldRef()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.kind == tkOp:
		p.next()
		op := t.text
		if op == "<>" {
			op = "!="
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return cmpCond{field: f, op: op, vals: []literal{v}}, nil
	case p.isKeyword("LIKE"):
		p.next()
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return cmpCond{field: f, op: "like", vals: []literal{v}}, nil
	case p.isKeyword("IN"), p.isKeyword("NOT"):
		op := "in"
		if p.isKeyword("NOT") {
			p.next()
			if !p.isKeyword("IN") {
				return nil, p.unexpected()
			}
			op = "notin"
		}
		p.next()
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		var vals []literal
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			if t := p.peek(); t.kind == tkPunct && t.text == "," {
				p.next()
				continue
			}
			break
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		return cmpCond{field: f, op: op, vals: vals}, nil
	}
	return nil, p.unexpected()
}

func (p *parser) literal() (literal, *soqlError) {
	t := p.peek()
	neg := false
	if t.kind == tkPunct && t.text == "-" {
		p.next()
		neg = true
		t = p.peek()
		if t.kind != tkNumber {
			return literal{}, p.unexpected()
		}
	}
	switch t.kind {
	case tkString:
		p.next()
		return literal{kind: litString, s: t.text, raw: "'" + t.text + "'", pos: t.pos}, nil
	case tkNumber:
		p.next()
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return literal{}, &soqlError{code: "MALFORMED_QUERY", pos: t.pos, msg: "invalid number: " + t.text}
		}
		if neg {
			n = -n
		}
		return literal{kind: litNumber, n: n, raw: t.text, pos: t.pos}, nil
	case tkDate:
		p.next()
		if _, err := time.Parse("2006-01-02", t.text); err != nil {
			return literal{}, &soqlError{code: "MALFORMED_QUERY", pos: t.pos, msg: "invalid date: " + t.text}
		}
		return literal{kind: litDate, s: t.text, raw: t.text, pos: t.pos}, nil
	case tkDatetime:
		p.next()
		tm, ok := parseSOQLDatetime(t.text)
		if !ok {
			return literal{}, &soqlError{code: "MALFORMED_QUERY", pos: t.pos, msg: "invalid dateTime: " + t.text}
		}
		return literal{kind: litDatetime, t: tm, raw: t.text, pos: t.pos}, nil
	case tkIdent:
		switch strings.ToLower(t.text) {
		case "null":
			p.next()
			return literal{kind: litNull, raw: "null", pos: t.pos}, nil
		case "true", "false":
			p.next()
			return literal{kind: litBool, b: strings.EqualFold(t.text, "true"), raw: t.text, pos: t.pos}, nil
		}
	}
	return literal{}, p.unexpected()
}

// parseSOQLDatetime accepts Z, +hh:mm and +hhmm offsets, with or without fractional seconds.
func parseSOQLDatetime(s string) (time.Time, bool) {
	if n := len(s); n >= 5 && (s[n-5] == '+' || s[n-5] == '-') {
		s = s[:n-2] + ":" + s[n-2:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// message renders a query error the way Salesforce does: the query, a caret under the offending column
// and the row/column position, then the reason.
func (e *soqlError) message(q string) string {
	if e.plain {
		return e.msg
	}
	line := strings.ReplaceAll(strings.ReplaceAll(q, "\n", " "), "\r", " ")
	return fmt.Sprintf("\n%s\n%s^\nERROR at Row:1:Column:%d\n%s", line, strings.Repeat(" ", e.pos), e.pos+1, e.msg)
}
