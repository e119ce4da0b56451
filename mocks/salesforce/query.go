package salesforce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// column is a resolved field path: a field of the queried object, or a field reached through a lookup.
type column struct {
	name  []string  // canonical path, e.g. ["Owner", "Name"]
	field *fieldDef // the field holding the value (for What.Type, a synthetic picklist)
	ref   *fieldDef // the lookup followed, if any
}

// The polymorphic "Name" object behind What: the fields every related record exposes.
var nameFields = map[string]*fieldDef{
	"id":   {Name: "Id", Type: tID},
	"name": {Name: "Name", Type: tString},
	"type": {Name: "Type", Type: tPicklist},
}

const customFieldHint = ". If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."

func (s *Server) resolve(o *objectDef, f fieldRef) (*column, *soqlError) {
	switch len(f.path) {
	case 1:
		fd, ok := o.field(f.path[0])
		if !ok {
			return nil, &soqlError{code: "INVALID_FIELD", pos: f.pos, msg: fmt.Sprintf("No such column '%s' on entity '%s'%s", f.path[0], o.Name, customFieldHint)}
		}
		return &column{name: []string{fd.Name}, field: fd}, nil
	case 2:
		var ref *fieldDef
		for _, fd := range o.Fields {
			if fd.RelationshipName != "" && strings.EqualFold(fd.RelationshipName, f.path[0]) {
				ref = fd
			}
		}
		if ref == nil {
			return nil, &soqlError{code: "INVALID_FIELD", pos: f.pos, msg: fmt.Sprintf("Didn't understand relationship '%s' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.", f.path[0])}
		}
		var target *fieldDef
		if ref.RelationshipName == "What" {
			target = nameFields[strings.ToLower(f.path[1])]
		} else if to, ok := s.schema.object(ref.ReferenceTo[0]); ok {
			target, _ = to.field(f.path[1])
		}
		if target == nil {
			entity := ref.ReferenceTo[0]
			if ref.RelationshipName == "What" {
				entity = "Name"
			}
			return nil, &soqlError{code: "INVALID_FIELD", pos: f.pos, msg: fmt.Sprintf("No such column '%s' on entity '%s'%s", f.path[1], entity, customFieldHint)}
		}
		return &column{name: []string{ref.RelationshipName, target.Name}, field: target, ref: ref}, nil
	}
	return nil, &soqlError{code: "INVALID_FIELD", pos: f.pos, msg: fmt.Sprintf("Didn't understand relationship '%s' in field path.", strings.Join(f.path[:len(f.path)-1], "."))}
}

// related returns the row a lookup points at and its object.
func (s *Server) related(row record, ref *fieldDef) (record, *objectDef) {
	id := row.str(ref.Name)
	if id == "" {
		return nil, nil
	}
	o, ok := s.schema.objectForID(id)
	if !ok {
		return nil, nil
	}
	r, ok := s.data.get(o.Name, id)
	if !ok {
		return nil, nil
	}
	return r, o
}

func (s *Server) value(row record, c *column) any {
	if c.ref == nil {
		return row[c.field.Name]
	}
	r, o := s.related(row, c.ref)
	if r == nil {
		return nil
	}
	if c.ref.RelationshipName == "What" && c.field.Name == "Type" {
		return o.Name
	}
	return r[c.field.Name]
}

// compiled is a WHERE clause checked against the schema.
type compiled func(row record) bool

func typeMismatch(c *column, lit literal) *soqlError {
	quoted := "should not be enclosed in quotes"
	want := typeName(c.field)
	switch want {
	case "string", "id":
		quoted = "should be enclosed in quotes"
		want = "string"
	case "datetime":
		want = "dateTime"
	}
	return &soqlError{code: "MALFORMED_QUERY", pos: lit.pos, msg: fmt.Sprintf("value of filter criterion for field '%s' must be of type %s and %s", strings.Join(c.name, "."), want, quoted)}
}

// checkLiteral verifies a literal fits the column's type and returns it in comparable form.
func checkLiteral(c *column, lit literal) (any, *soqlError) {
	if lit.kind == litNull {
		return nil, nil
	}
	switch c.field.Type {
	case tString, tTextarea, tPicklist, tCombobox, tEmail, tURL:
		if lit.kind != litString {
			return nil, typeMismatch(c, lit)
		}
		return lit.s, nil
	case tID, tReference:
		if lit.kind != litString {
			return nil, typeMismatch(c, lit)
		}
		id, ok := normalizeID(lit.s)
		if !ok {
			return nil, &soqlError{code: "INVALID_QUERY_FILTER_OPERATOR", msg: "invalid ID field: " + lit.s, plain: true}
		}
		return id, nil
	case tCurrency, tDouble, tPercent:
		if lit.kind != litNumber {
			return nil, typeMismatch(c, lit)
		}
		return lit.n, nil
	case tDate:
		if lit.kind != litDate {
			return nil, typeMismatch(c, lit)
		}
		return lit.s, nil
	case tDatetime:
		if lit.kind != litDatetime {
			return nil, typeMismatch(c, lit)
		}
		// Salesforce keeps date-times to the second, and compares them so.
		return lit.t.Truncate(time.Second), nil
	case tBoolean:
		if lit.kind != litBool {
			return nil, typeMismatch(c, lit)
		}
		return lit.b, nil
	}
	return nil, typeMismatch(c, lit)
}

func isText(t string) bool {
	return t == tString || t == tTextarea || t == tPicklist || t == tCombobox || t == tEmail || t == tURL
}

// compare orders two non-nil values of one column: text case-insensitively, ids exactly.
func compare(t string, a, b any) int {
	switch {
	case isText(t):
		return strings.Compare(strings.ToLower(a.(string)), strings.ToLower(b.(string)))
	case t == tCurrency || t == tDouble || t == tPercent:
		x, y := a.(float64), b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case t == tDatetime:
		return a.(time.Time).Compare(b.(time.Time))
	case t == tBoolean:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	default:
		return strings.Compare(a.(string), b.(string))
	}
}

func likeMatch(pattern, s string) bool {
	// Translate SOQL LIKE (% and _, backslash escapes) into a case-insensitive match.
	p := []rune(strings.ToLower(pattern))
	str := []rune(strings.ToLower(s))
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch {
			case p[i] == '\\' && i+1 < len(p):
				if j >= len(str) || str[j] != p[i+1] {
					return false
				}
				i += 2
				j++
			case p[i] == '%':
				for k := j; k <= len(str); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case p[i] == '_':
				if j >= len(str) {
					return false
				}
				i++
				j++
			default:
				if j >= len(str) || str[j] != p[i] {
					return false
				}
				i++
				j++
			}
		}
		return j == len(str)
	}
	return match(0, 0)
}

func (s *Server) compile(o *objectDef, c cond) (compiled, *soqlError) {
	switch x := c.(type) {
	case andCond:
		l, err := s.compile(o, x.l)
		if err != nil {
			return nil, err
		}
		r, err := s.compile(o, x.r)
		if err != nil {
			return nil, err
		}
		return func(row record) bool { return l(row) && r(row) }, nil
	case orCond:
		l, err := s.compile(o, x.l)
		if err != nil {
			return nil, err
		}
		r, err := s.compile(o, x.r)
		if err != nil {
			return nil, err
		}
		return func(row record) bool { return l(row) || r(row) }, nil
	case notCond:
		inner, err := s.compile(o, x.c)
		if err != nil {
			return nil, err
		}
		return func(row record) bool { return !inner(row) }, nil
	case cmpCond:
		col, err := s.resolve(o, x.field)
		if err != nil {
			return nil, err
		}
		if col.field.Type == tTextarea && col.field.Length > 255 {
			return nil, &soqlError{code: "INVALID_FIELD", pos: x.field.pos, msg: fmt.Sprintf("field '%s' can not be filtered in query call", col.field.Name)}
		}
		vals := make([]any, len(x.vals))
		for i, lit := range x.vals {
			v, err := checkLiteral(col, lit)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		t := col.field.Type
		switch x.op {
		case "like":
			if !isText(t) || vals[0] == nil {
				return nil, &soqlError{code: "INVALID_QUERY_FILTER_OPERATOR", msg: fmt.Sprintf("invalid operator on %s field: %s", typeName(col.field), col.field.Name), plain: true}
			}
			pat := vals[0].(string)
			return func(row record) bool {
				v, ok := s.value(row, col).(string)
				return ok && likeMatch(pat, v)
			}, nil
		case "in", "notin":
			neg := x.op == "notin"
			return func(row record) bool {
				v := s.value(row, col)
				hit := false
				for _, want := range vals {
					if want == nil && v == nil || want != nil && v != nil && compare(t, v, want) == 0 {
						hit = true
						break
					}
				}
				return hit != neg
			}, nil
		}
		if t == tBoolean && x.op != "=" && x.op != "!=" {
			return nil, &soqlError{code: "INVALID_QUERY_FILTER_OPERATOR", msg: fmt.Sprintf("invalid operator on boolean field: %s", col.field.Name), plain: true}
		}
		want, op := vals[0], x.op
		return func(row record) bool {
			v := s.value(row, col)
			if want == nil || v == nil {
				switch op {
				case "=":
					return v == nil && want == nil
				case "!=":
					return (v == nil) != (want == nil)
				}
				return false
			}
			c := compare(t, v, want)
			switch op {
			case "=":
				return c == 0
			case "!=":
				return c != 0
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			case ">=":
				return c >= 0
			}
			return false
		}, nil
	}
	return nil, &soqlError{code: "MALFORMED_QUERY", msg: "unsupported condition"}
}

// kv and orderedObject render JSON objects with their keys in a fixed order, as Salesforce returns fields
// in SELECT order.
type kv struct {
	k string
	v any
}

type orderedObject []kv

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func (s *Server) attributes(version string, o *objectDef, id string) orderedObject {
	return orderedObject{{"type", o.Name}, {"url", "/services/data/" + version + "/sobjects/" + o.Name + "/" + id}}
}

// render builds the JSON of one row for the selected columns, nesting lookups as Salesforce does.
func (s *Server) render(version string, o *objectDef, row record, cols []*column) orderedObject {
	out := orderedObject{{"attributes", s.attributes(version, o, row.str("Id"))}}
	nested := map[string]int{}
	for _, c := range cols {
		if c.ref == nil {
			out = append(out, kv{c.field.Name, wire(row[c.field.Name])})
			continue
		}
		rel := c.ref.RelationshipName
		idx, seen := nested[rel]
		if !seen {
			r, ro := s.related(row, c.ref)
			var v any
			if r != nil {
				typ := ro.Name
				if rel == "What" {
					typ = "Name"
				}
				v = orderedObject{{"attributes", orderedObject{{"type", typ}, {"url", "/services/data/" + version + "/sobjects/" + ro.Name + "/" + r.str("Id")}}}}
			}
			out = append(out, kv{rel, v})
			idx = len(out) - 1
			nested[rel] = idx
		}
		if obj, ok := out[idx].v.(orderedObject); ok {
			out[idx].v = append(obj, kv{c.field.Name, wire(s.value(row, c))})
		}
	}
	return out
}

// locator is a server-side query cursor behind nextRecordsUrl.
type locator struct {
	id       string
	version  string
	rows     []orderedObject
	pageSize int
	lastUsed time.Time
}

const (
	locatorIdle = 15 * time.Minute // Salesforce drops an idle cursor after 15 minutes
	maxLocators = 50
)

func (s *Server) queryError(q string, e *soqlError) apiResp {
	return apiErrResp(newErr(http.StatusBadRequest, e.code, e.message(q)))
}

// runQuery executes a SOQL query and returns its first page. The caller holds s.mu.
func (s *Server) runQuery(req apiReq, q string) apiResp {
	if strings.TrimSpace(q) == "" {
		return apiErrResp(newErr(http.StatusBadRequest, "MALFORMED_QUERY", "A query string must be provided."))
	}
	ast, perr := parseSOQL(q)
	if perr != nil {
		return s.queryError(q, perr)
	}
	o, ok := s.schema.object(ast.object)
	if !ok {
		return s.queryError(q, &soqlError{code: "INVALID_TYPE", pos: ast.objPos, msg: fmt.Sprintf("sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", ast.object)})
	}
	var cols []*column
	seen := map[string]bool{}
	for _, f := range ast.fields {
		c, err := s.resolve(o, f)
		if err != nil {
			return s.queryError(q, err)
		}
		key := strings.ToLower(strings.Join(c.name, "."))
		if seen[key] {
			return s.queryError(q, &soqlError{code: "MALFORMED_QUERY", pos: f.pos, msg: "duplicate field selected: " + strings.Join(c.name, ".")})
		}
		seen[key] = true
		cols = append(cols, c)
	}
	match := func(record) bool { return true }
	if ast.where != nil {
		m, err := s.compile(o, ast.where)
		if err != nil {
			return s.queryError(q, err)
		}
		match = m
	}
	type orderCol struct {
		col *column
		orderItem
	}
	var order []orderCol
	for _, it := range ast.order {
		c, err := s.resolve(o, it.field)
		if err != nil {
			return s.queryError(q, err)
		}
		if c.field.Type == tTextarea && c.field.Length > 255 {
			return s.queryError(q, &soqlError{code: "INVALID_FIELD", pos: it.field.pos, msg: fmt.Sprintf("field '%s' can not be sorted in a query call", c.field.Name)})
		}
		order = append(order, orderCol{c, it})
	}
	var rows []record
	// SOQL sees committed rows only: a write still inside its commit delay shows as it was before.
	for _, r := range s.data.committedRows(o.Name, s.now()) {
		if match(r) {
			rows = append(rows, r)
		}
	}
	if len(order) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			for _, oc := range order {
				a, b := s.value(rows[i], oc.col), s.value(rows[j], oc.col)
				var c int
				switch {
				case a == nil && b == nil:
					c = 0
				case a == nil:
					c = -1
					if !oc.nullsFirst {
						c = 1
					}
				case b == nil:
					c = 1
					if !oc.nullsFirst {
						c = -1
					}
				default:
					c = compare(oc.col.field.Type, a, b)
					if oc.desc {
						c = -c
					}
				}
				if c != 0 {
					return c < 0
				}
			}
			return false
		})
	}
	if ast.offset > 0 {
		if ast.offset >= len(rows) {
			rows = nil
		} else {
			rows = rows[ast.offset:]
		}
	}
	if ast.limit >= 0 && ast.limit < len(rows) {
		rows = rows[:ast.limit]
	}
	if ast.count {
		return apiResp{status: http.StatusOK, body: orderedObject{{"totalSize", len(rows)}, {"done", true}, {"records", []any{}}}}
	}
	rendered := make([]orderedObject, len(rows))
	for i, r := range rows {
		rendered[i] = s.render(req.version, o, r, cols)
	}
	pageSize := s.opts.PageSize
	if bs := batchSize(req.header.Get("Sforce-Query-Options")); bs > 0 && bs < pageSize {
		pageSize = bs
	}
	loc := &locator{version: req.version, rows: rendered, pageSize: pageSize}
	return s.page(loc, 0)
}

// batchSize reads "batchSize=N" from Sforce-Query-Options; Salesforce honours 200..2000.
func batchSize(h string) int {
	for _, part := range strings.Split(h, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(k, "batchSize") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil && n >= 200 && n <= 2000 {
				return n
			}
		}
	}
	return 0
}

// page serves rows [offset, offset+pageSize) of a cursor, keeping the cursor while rows remain.
func (s *Server) page(loc *locator, offset int) apiResp {
	end := min(offset+loc.pageSize, len(loc.rows))
	done := end >= len(loc.rows)
	records := loc.rows[offset:end]
	if records == nil {
		records = []orderedObject{}
	}
	body := orderedObject{{"totalSize", len(loc.rows)}, {"done", done}}
	if !done {
		loc.lastUsed = s.now()
		if loc.id == "" {
			loc.id = s.data.nextID(prefixLocator)
			s.locators[loc.id] = loc
			s.evictLocators()
		}
		body = append(body, kv{"nextRecordsUrl", fmt.Sprintf("/services/data/%s/query/%s-%d", loc.version, loc.id, end)})
	}
	body = append(body, kv{"records", records})
	return apiResp{status: http.StatusOK, body: body}
}

func (s *Server) evictLocators() {
	now := s.now()
	for id, l := range s.locators {
		if now.Sub(l.lastUsed) > locatorIdle {
			delete(s.locators, id)
		}
	}
	for len(s.locators) > maxLocators {
		var oldest *locator
		for _, l := range s.locators {
			if oldest == nil || l.lastUsed.Before(oldest.lastUsed) || l.lastUsed.Equal(oldest.lastUsed) && l.id < oldest.id {
				oldest = l
			}
		}
		delete(s.locators, oldest.id)
	}
}

// queryMore serves GET /query/{locator}-{offset}.
func (s *Server) queryMore(ref string) apiResp {
	i := strings.LastIndexByte(ref, '-')
	invalid := apiErrResp(newErr(http.StatusBadRequest, "INVALID_QUERY_LOCATOR", "invalid query locator"))
	if i < 0 {
		return invalid
	}
	offset, err := strconv.Atoi(ref[i+1:])
	loc, ok := s.locators[ref[:i]]
	if err != nil || !ok || offset < 0 || offset > len(loc.rows) || s.now().Sub(loc.lastUsed) > locatorIdle {
		return invalid
	}
	return s.page(loc, offset)
}
