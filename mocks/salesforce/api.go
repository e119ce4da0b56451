package salesforce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiReq is one REST call below /services/data/vXX.X/, from HTTP or from a composite subrequest.
type apiReq struct {
	method  string
	version string
	path    string // escaped, without the version prefix
	query   url.Values
	body    []byte
	userID  string
	header  http.Header
	// allOrNone is set when an enclosing composite request is all-or-none, which overrides collections.
	allOrNone bool
}

// apiResp is the answer; a nil body means no content.
type apiResp struct {
	status int
	body   any
	header map[string]string
}

func apiErrResp(e *apiError) apiResp {
	return apiResp{status: e.status, body: []apiError{*e}}
}

func segments(escaped string) []string {
	var out []string
	for _, p := range strings.Split(escaped, "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			u = p
		}
		out = append(out, u)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// wctx stamps a write with its transaction's start in whole seconds, as Salesforce stores date-times.
func (s *Server) wctx(req apiReq) writeCtx {
	start := s.txStart
	if start.IsZero() {
		start = s.now()
	}
	return writeCtx{userID: req.userID, now: start.Truncate(time.Second)}
}

// dispatch routes one call. The caller holds s.mu.
func (s *Server) dispatch(req apiReq) apiResp {
	if req.header == nil {
		req.header = http.Header{}
	}
	segs := segments(req.path)
	if len(segs) == 0 {
		if req.method != http.MethodGet {
			return apiErrResp(errMethod(req.method, "HEAD", "GET"))
		}
		base := "/services/data/" + req.version + "/"
		return apiResp{status: http.StatusOK, body: orderedObject{
			{"limits", base + "limits"}, {"sobjects", base + "sobjects"}, {"query", base + "query"},
			{"composite", base + "composite"}, {"queryAll", base + "queryAll"},
		}}
	}
	switch segs[0] {
	case "limits":
		if len(segs) != 1 {
			break
		}
		if req.method != http.MethodGet {
			return apiErrResp(errMethod(req.method, "HEAD", "GET"))
		}
		used, max := s.budget.used(s.now()), s.opts.DailyLimit
		return apiResp{status: http.StatusOK, body: orderedObject{
			{"DailyApiRequests", orderedObject{{"Max", max}, {"Remaining", max - used}}},
			{"DailyBulkApiBatches", orderedObject{{"Max", 15000}, {"Remaining", 15000}}},
			{"DataStorageMB", orderedObject{{"Max", 5}, {"Remaining", 5}}},
		}}
	case "query", "queryAll":
		if req.method != http.MethodGet {
			return apiErrResp(errMethod(req.method, "HEAD", "GET"))
		}
		switch len(segs) {
		case 1:
			return s.runQuery(req, req.query.Get("q"))
		case 2:
			return s.queryMore(segs[1])
		}
	case "sobjects":
		return s.sobjects(req, segs[1:])
	case "composite":
		return s.composite(req, segs[1:])
	}
	return apiErrResp(errNotFound())
}

func decodeObject(body []byte, typ string) (map[string]any, *apiError) {
	var in any
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, newErr(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character in JSON input: "+err.Error())
	}
	m, ok := in.(map[string]any)
	if !ok {
		return nil, newErr(http.StatusBadRequest, "JSON_PARSER_ERROR",
			fmt.Sprintf("Cannot deserialize instance of %s from %s value", typ, jsonKind(in)))
	}
	return m, nil
}

func saveOK(id string, created *bool) orderedObject {
	out := orderedObject{{"id", id}, {"success", true}, {"errors", []saveError{}}}
	if created != nil {
		out = append(out, kv{"created", *created})
	}
	return out
}

// allColumns selects every field of an object, as a GET without ?fields= does.
func allColumns(o *objectDef) []*column {
	cols := make([]*column, len(o.Fields))
	for i, f := range o.Fields {
		cols[i] = &column{name: []string{f.Name}, field: f}
	}
	return cols
}

func (s *Server) fieldsParam(o *objectDef, req apiReq) ([]*column, *apiError) {
	p := req.query.Get("fields")
	if p == "" {
		return allColumns(o), nil
	}
	var cols []*column
	for _, name := range strings.Split(p, ",") {
		name = strings.TrimSpace(name)
		if strings.Contains(name, ".") {
			// A read by id takes the object's own fields only; a parent's (Account.Website) takes SOQL.
			return nil, newErr(http.StatusBadRequest, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", name, o.Name))
		}
		c, err := s.resolve(o, fieldRef{path: []string{name}})
		if err != nil {
			return nil, newErr(http.StatusBadRequest, "INVALID_FIELD", err.msg)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

func (s *Server) sobjects(req apiReq, segs []string) apiResp {
	if len(segs) == 0 {
		if req.method != http.MethodGet {
			return apiErrResp(errMethod(req.method, "HEAD", "GET"))
		}
		var list []orderedObject
		for _, o := range s.schema.order {
			list = append(list, s.objectSummary(req.version, o))
		}
		return apiResp{status: http.StatusOK, body: orderedObject{{"encoding", "UTF-8"}, {"maxBatchSize", 200}, {"sobjects", list}}}
	}
	o, ok := s.schema.object(segs[0])
	if !ok {
		return apiErrResp(errNotFound())
	}
	switch len(segs) {
	case 1:
		switch req.method {
		case http.MethodGet:
			return apiResp{status: http.StatusOK, body: orderedObject{{"objectDescribe", s.objectSummary(req.version, o)}, {"recentItems", []any{}}}}
		case http.MethodPost:
			in, err := decodeObject(req.body, o.Name)
			if err != nil {
				return apiErrResp(err)
			}
			id, err := s.insert(o, in, s.wctx(req))
			if err != nil {
				return apiErrResp(err)
			}
			return apiResp{status: http.StatusCreated, body: saveOK(id, nil)}
		}
		return apiErrResp(errMethod(req.method, "HEAD", "GET", "POST"))
	case 2:
		if segs[1] == "describe" {
			if req.method != http.MethodGet {
				return apiErrResp(errMethod(req.method, "HEAD", "GET"))
			}
			return apiResp{status: http.StatusOK, body: s.describe(req.version, o)}
		}
		id, ok := normalizeID(segs[1])
		if !ok {
			return apiErrResp(newErr(http.StatusNotFound, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "+segs[1]))
		}
		if !strings.HasPrefix(id, o.KeyPrefix) {
			return apiErrResp(errNotFound())
		}
		return s.byID(req, o, id)
	case 3:
		if strings.EqualFold(segs[1], "Id") {
			id, ok := normalizeID(segs[2])
			if !ok || !strings.HasPrefix(id, o.KeyPrefix) {
				return apiErrResp(errNotFound())
			}
			return s.byID(req, o, id)
		}
		f, ok := o.field(segs[1])
		if !ok || !f.ExternalID {
			return apiErrResp(newErr(http.StatusNotFound, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "+segs[1]))
		}
		return s.byExternalID(req, o, f, segs[2])
	}
	return apiErrResp(errNotFound())
}

func (s *Server) byID(req apiReq, o *objectDef, id string) apiResp {
	switch req.method {
	case http.MethodGet:
		row, ok := s.data.get(o.Name, id)
		if !ok {
			return apiErrResp(s.missing(id))
		}
		if notModifiedSince(row, req.header) {
			return apiResp{status: http.StatusNotModified}
		}
		cols, err := s.fieldsParam(o, req)
		if err != nil {
			return apiErrResp(err)
		}
		return apiResp{status: http.StatusOK, body: s.render(req.version, o, row, cols)}
	case http.MethodPatch:
		in, err := decodeObject(req.body, o.Name)
		if err != nil {
			return apiErrResp(err)
		}
		if err := s.unmodifiedSince(o, id, req.header); err != nil {
			return apiErrResp(err)
		}
		if err := s.update(o, id, in, s.wctx(req)); err != nil {
			return apiErrResp(err)
		}
		return apiResp{status: http.StatusNoContent}
	case http.MethodDelete:
		if err := s.remove(o, id); err != nil {
			return apiErrResp(err)
		}
		return apiResp{status: http.StatusNoContent}
	}
	return apiErrResp(errMethod(req.method, "HEAD", "GET", "PATCH", "DELETE"))
}

// byExternalID serves /sobjects/{type}/{externalIdField}/{value}: read, upsert and delete.
func (s *Server) byExternalID(req apiReq, o *objectDef, f *fieldDef, value string) apiResp {
	id, exists := s.data.byUnique(o.Name, f.Name, value)
	switch req.method {
	case http.MethodGet:
		if !exists {
			return apiErrResp(errNotFound())
		}
		row, _ := s.data.get(o.Name, id)
		cols, err := s.fieldsParam(o, req)
		if err != nil {
			return apiErrResp(err)
		}
		return apiResp{status: http.StatusOK, body: s.render(req.version, o, row, cols)}
	case http.MethodPatch:
		in, err := decodeObject(req.body, o.Name)
		if err != nil {
			return apiErrResp(err)
		}
		if !exists && strings.EqualFold(req.query.Get("updateOnly"), "true") {
			return apiErrResp(errNotFound())
		}
		id, created, err := s.upsert(o, f, value, in, s.wctx(req))
		if err != nil {
			return apiErrResp(err)
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		return apiResp{status: status, body: saveOK(id, &created)}
	case http.MethodDelete:
		if !exists {
			return apiErrResp(errNotFound())
		}
		if err := s.remove(o, id); err != nil {
			return apiErrResp(err)
		}
		return apiResp{status: http.StatusNoContent}
	}
	return apiErrResp(errMethod(req.method, "HEAD", "GET", "PATCH", "DELETE"))
}

func (s *Server) objectSummary(version string, o *objectDef) orderedObject {
	base := "/services/data/" + version + "/sobjects/" + o.Name
	return orderedObject{
		{"name", o.Name}, {"label", o.Label}, {"labelPlural", o.LabelPlural}, {"keyPrefix", o.KeyPrefix},
		{"custom", false}, {"createable", true}, {"updateable", true}, {"deletable", true}, {"queryable", true},
		{"urls", orderedObject{{"sobject", base}, {"describe", base + "/describe"}, {"rowTemplate", base + "/{ID}"}}},
	}
}

func (s *Server) describe(version string, o *objectDef) orderedObject {
	fields := make([]map[string]any, len(o.Fields))
	for i, f := range o.Fields {
		fields[i] = describeField(f)
	}
	return append(s.objectSummary(version, o), kv{"fields", fields})
}
