package salesforce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

const (
	maxCollection  = 200 // records per sObject Collections call
	maxSubrequests = 25  // subrequests per composite call
)

func (s *Server) composite(req apiReq, segs []string) apiResp {
	if len(segs) == 0 {
		switch req.method {
		case http.MethodPost:
			return s.compositeRequest(req)
		case http.MethodGet:
			base := "/services/data/" + req.version + "/composite/"
			return apiResp{status: http.StatusOK, body: orderedObject{{"sobjects", base + "sobjects"}}}
		}
		return apiErrResp(errMethod(req.method, "HEAD", "GET", "POST"))
	}
	if segs[0] != "sobjects" {
		return apiErrResp(errNotFound())
	}
	switch len(segs) {
	case 2:
		o, ok := s.schema.object(segs[1])
		if !ok {
			return apiErrResp(errNotFound())
		}
		if req.method != http.MethodGet {
			return apiErrResp(errMethod(req.method, "HEAD", "GET"))
		}
		return s.retrieveCollection(req, o)
	case 1:
		switch req.method {
		case http.MethodPost:
			return s.collection(req, "create", nil, nil)
		case http.MethodPatch:
			return s.collection(req, "update", nil, nil)
		case http.MethodDelete:
			return s.deleteCollection(req)
		}
		return apiErrResp(errMethod(req.method, "POST", "PATCH", "DELETE"))
	case 3:
		o, ok := s.schema.object(segs[1])
		if !ok {
			return apiErrResp(errNotFound())
		}
		f, ok := o.field(segs[2])
		if !ok || !f.ExternalID {
			return apiErrResp(newErr(http.StatusNotFound, "NOT_FOUND", "Provided external ID field does not exist or is not accessible: "+segs[2]))
		}
		if req.method != http.MethodPatch {
			return apiErrResp(errMethod(req.method, "PATCH"))
		}
		return s.collection(req, "upsert", o, f)
	}
	return apiErrResp(errNotFound())
}

type collectionBody struct {
	AllOrNone bool             `json:"allOrNone"`
	Records   []map[string]any `json:"records"`
}

var rolledBack = saveError{StatusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
	Message: "Record rolled back because not all records were valid and the request was using AllOrNone header", Fields: []string{}}

func saveFail(errs ...saveError) orderedObject {
	return orderedObject{{"success", false}, {"errors", errs}}
}

// collection serves sObject Collections create, update and upsert: up to 200 records, results in order.
func (s *Server) collection(req apiReq, op string, upsertObj *objectDef, extField *fieldDef) apiResp {
	var body collectionBody
	if err := json.Unmarshal(req.body, &body); err != nil {
		return apiErrResp(newErr(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character in JSON input: "+err.Error()))
	}
	if len(body.Records) > maxCollection {
		return apiErrResp(newErr(http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"))
	}
	objs := make([]*objectDef, len(body.Records))
	for i, rec := range body.Records {
		attrs, _ := rec["attributes"].(map[string]any)
		typ, _ := attrs["type"].(string)
		o, ok := s.schema.object(typ)
		if !ok || upsertObj != nil && o != upsertObj {
			return apiErrResp(newErr(http.StatusBadRequest, "INVALID_TYPE", "Must send a concrete entity type."))
		}
		objs[i] = o
	}
	allOrNone := body.AllOrNone || req.allOrNone
	mark := s.data.begin()
	results := make([]orderedObject, len(body.Records))
	failed := false
	wc := s.wctx(req)
	for i, rec := range body.Records {
		o := objs[i]
		var err *apiError
		switch op {
		case "create":
			if _, raw := fieldValue(rec, "Id"); raw != nil {
				err = recordErr("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", "Id")
				break
			}
			var id string
			if id, err = s.insert(o, rec, wc); err == nil {
				results[i] = saveOK(id, nil)
			}
		case "update":
			// Field names are case-insensitive; the documented examples send "id".
			key, rawID := fieldValue(rec, "Id")
			raw, _ := rawID.(string)
			id, ok := normalizeID(raw)
			if !ok {
				if raw == "" {
					err = recordErr("MISSING_ARGUMENT", "Id not specified in an update call")
				} else {
					err = recordErr("MALFORMED_ID", "invalid record id: "+raw)
				}
				break
			}
			body := make(map[string]any, len(rec))
			for k, v := range rec {
				if k != key {
					body[k] = v
				}
			}
			if err = s.update(o, id, body, wc); err == nil {
				results[i] = saveOK(id, nil)
			}
		case "upsert":
			var value string
			for k, v := range rec {
				if strings.EqualFold(k, extField.Name) {
					value, _ = v.(string)
				}
			}
			if value == "" {
				err = recordErr("MISSING_ARGUMENT", extField.Name+" not specified")
				break
			}
			id, created, uerr := s.upsert(o, extField, value, rec, wc)
			if err = uerr; err == nil {
				results[i] = saveOK(id, &created)
			}
		}
		if err != nil {
			failed = true
			results[i] = saveFail(err.save())
		}
	}
	if failed && allOrNone {
		s.data.rollback(mark)
		for i, r := range results {
			if r[1].v == true {
				results[i] = saveFail(rolledBack)
			}
		}
	} else {
		s.data.commit()
	}
	return apiResp{status: http.StatusOK, body: results}
}

// fieldValue finds a field in a record body whatever the case of its name, as Salesforce does, and
// returns the key as sent.
func fieldValue(rec map[string]any, field string) (string, any) {
	for k, v := range rec {
		if strings.EqualFold(k, field) {
			return k, v
		}
	}
	return "", nil
}

// deleteCollection serves DELETE /composite/sobjects?ids=...&allOrNone=...
func (s *Server) deleteCollection(req apiReq) apiResp {
	ids := strings.Split(req.query.Get("ids"), ",")
	if len(ids) > maxCollection {
		return apiErrResp(newErr(http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"))
	}
	allOrNone := strings.EqualFold(req.query.Get("allOrNone"), "true") || req.allOrNone
	mark := s.data.begin()
	results := make([]orderedObject, len(ids))
	failed := false
	for i, raw := range ids {
		id, ok := normalizeID(raw)
		var err *apiError
		if !ok {
			err = recordErr("MALFORMED_ID", "malformed id "+raw)
		} else if o, ok := s.schema.objectForID(id); !ok {
			err = recordErr("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
		} else if err = s.remove(o, id); err == nil {
			results[i] = saveOK(id, nil)
		}
		if err != nil {
			failed = true
			if err.ErrorCode == "NOT_FOUND" {
				err = recordErr("ENTITY_IS_DELETED", "entity is deleted")
			}
			results[i] = saveFail(err.save())
		}
	}
	if failed && allOrNone {
		s.data.rollback(mark)
		for i, r := range results {
			if r[1].v == true {
				results[i] = saveFail(rolledBack)
			}
		}
	} else {
		s.data.commit()
	}
	return apiResp{status: http.StatusOK, body: results}
}

type subrequest struct {
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	ReferenceID string            `json:"referenceId"`
	Body        json.RawMessage   `json:"body"`
	HTTPHeaders map[string]string `json:"httpHeaders"`
}

type compositeBody struct {
	AllOrNone          bool         `json:"allOrNone"`
	CollateSubrequests bool         `json:"collateSubrequests"`
	CompositeRequest   []subrequest `json:"compositeRequest"`
}

var (
	reReference   = regexp.MustCompile(`@\{([A-Za-z0-9_]+)\.([^}]+)\}`)
	reReferenceID = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
)

func halted(msg string) []apiError {
	return []apiError{{ErrorCode: "PROCESSING_HALTED", Message: msg}}
}

const haltedRollback = "The transaction was rolled back since another operation in the same transaction failed."

// compositeRequest serves POST /composite: up to 25 subrequests run in order in one call, later ones able
// to use earlier results through @{referenceId.path}.
func (s *Server) compositeRequest(req apiReq) apiResp {
	var body compositeBody
	if err := json.Unmarshal(req.body, &body); err != nil {
		return apiErrResp(newErr(http.StatusBadRequest, "JSON_PARSER_ERROR", "Unexpected character in JSON input: "+err.Error()))
	}
	if len(body.CompositeRequest) == 0 {
		return apiErrResp(newErr(http.StatusBadRequest, "INVALID_INPUT", "compositeRequest must contain at least one subrequest"))
	}
	if len(body.CompositeRequest) > maxSubrequests {
		return apiErrResp(newErr(http.StatusBadRequest, "LIMIT_EXCEEDED", fmt.Sprintf("Exceeded max limit of subrequests allowed (%d)", maxSubrequests)))
	}
	seen := map[string]bool{}
	for _, sr := range body.CompositeRequest {
		if !reReferenceID.MatchString(sr.ReferenceID) {
			return apiErrResp(newErr(http.StatusBadRequest, "INVALID_INPUT", "Invalid referenceId ('"+sr.ReferenceID+"'): it may contain only letters, numbers and underscores"))
		}
		if seen[sr.ReferenceID] {
			return apiErrResp(newErr(http.StatusBadRequest, "INVALID_INPUT", "Duplicate ReferenceId provided in the request: "+sr.ReferenceID))
		}
		seen[sr.ReferenceID] = true
	}
	mark := -1
	if body.AllOrNone {
		mark = s.data.begin()
	}
	type result struct {
		Body           any               `json:"body"`
		HTTPHeaders    map[string]string `json:"httpHeaders"`
		HTTPStatusCode int               `json:"httpStatusCode"`
		ReferenceID    string            `json:"referenceId"`
	}
	req.allOrNone = body.AllOrNone
	results := make([]result, len(body.CompositeRequest))
	outputs := map[string]any{}
	failedAt := -1
	for i, sr := range body.CompositeRequest {
		results[i] = result{HTTPHeaders: map[string]string{}, ReferenceID: sr.ReferenceID}
		if failedAt >= 0 && body.AllOrNone {
			results[i].HTTPStatusCode, results[i].Body = http.StatusBadRequest, halted(haltedRollback)
			continue
		}
		resp := s.subrequest(req, sr, outputs)
		results[i].HTTPStatusCode, results[i].Body = resp.status, resp.body
		for k, v := range resp.header {
			results[i].HTTPHeaders[k] = v
		}
		if resp.status >= 400 {
			if failedAt < 0 {
				failedAt = i
			}
			continue
		}
		if resp.body != nil {
			raw, _ := json.Marshal(resp.body)
			var generic any
			_ = json.Unmarshal(raw, &generic)
			outputs[sr.ReferenceID] = generic
		}
	}
	if body.AllOrNone {
		if failedAt >= 0 {
			s.data.rollback(mark)
			for i := range results[:failedAt] {
				results[i].HTTPStatusCode, results[i].Body, results[i].HTTPHeaders = http.StatusBadRequest, halted(haltedRollback), map[string]string{}
			}
		} else {
			s.data.commit()
		}
	}
	return apiResp{status: http.StatusOK, body: orderedObject{{"compositeResponse", results}}}
}

func (s *Server) subrequest(parent apiReq, sr subrequest, outputs map[string]any) apiResp {
	var missing string
	resolve := func(text string, inJSON bool) string {
		return reReference.ReplaceAllStringFunc(text, func(m string) string {
			sub := reReference.FindStringSubmatch(m)
			v, ok := lookupPath(outputs[sub[1]], sub[2])
			if !ok {
				missing = sub[1] + "." + sub[2]
				return m
			}
			str := fmt.Sprint(v)
			if inJSON {
				b, _ := json.Marshal(str)
				return string(b[1 : len(b)-1])
			}
			return url.PathEscape(str)
		})
	}
	u := resolve(sr.URL, false)
	body := []byte(resolve(string(sr.Body), true))
	if missing != "" {
		return apiResp{status: http.StatusBadRequest, body: halted("Invalid reference specified. No value for " + missing + " found in " + strings.SplitN(missing, ".", 2)[0] + ". Provided referenceId ('" + strings.SplitN(missing, ".", 2)[0] + "') must be defined before its use in the request.")}
	}
	parsed, err := url.Parse(u)
	if err != nil {
		return apiErrResp(errNotFound())
	}
	rest, ok := strings.CutPrefix(parsed.EscapedPath(), "/services/data/")
	if !ok {
		return apiErrResp(errNotFound())
	}
	version, path, _ := strings.Cut(rest, "/")
	if !s.served(version) {
		return apiErrResp(errNotFound())
	}
	if string(body) == "null" {
		body = nil
	}
	h := http.Header{}
	for k, v := range sr.HTTPHeaders {
		h.Set(k, v)
	}
	return s.dispatch(apiReq{method: strings.ToUpper(sr.Method), version: version, path: path, query: parsed.Query(), body: body,
		userID: parent.userID, header: h, allOrNone: parent.allOrNone})
}

// lookupPath follows "id", "records[0].Id" and the like through a decoded JSON value.
func lookupPath(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		name, idx, hasIdx := strings.Cut(part, "[")
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[name]; !ok {
				return nil, false
			}
		}
		for hasIdx {
			var rest string
			var n string
			n, rest, _ = strings.Cut(idx, "]")
			i, err := strconv.Atoi(n)
			list, ok := v.([]any)
			if err != nil || !ok || i < 0 || i >= len(list) {
				return nil, false
			}
			v = list[i]
			idx, hasIdx = strings.CutPrefix(rest, "[")
		}
	}
	return v, v != nil
}

// retrieveCollection serves sObject Collections retrieve, GET /composite/sobjects/{type}?ids=…&fields=…:
// up to 200 records by id, in the order asked, null where an id has no record. Like a read by id (and
// unlike SOQL) it sees a write at once. fields is required.
func (s *Server) retrieveCollection(req apiReq, o *objectDef) apiResp {
	raw := strings.TrimSpace(req.query.Get("ids"))
	if raw == "" {
		return apiErrResp(newErr(http.StatusBadRequest, "MISSING_ARGUMENT", "ids parameter is required"))
	}
	if req.query.Get("fields") == "" {
		return apiErrResp(newErr(http.StatusBadRequest, "MISSING_ARGUMENT", "fields parameter is required"))
	}
	ids := strings.Split(raw, ",")
	if len(ids) > maxCollection {
		return apiErrResp(newErr(http.StatusBadRequest, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"))
	}
	cols, err := s.fieldsParam(o, req)
	if err != nil {
		return apiErrResp(err)
	}
	out := make([]any, len(ids))
	for i, rawID := range ids {
		id, ok := normalizeID(strings.TrimSpace(rawID))
		if !ok {
			return apiErrResp(newErr(http.StatusBadRequest, "MALFORMED_ID", "malformed id "+rawID))
		}
		if row, ok := s.data.get(o.Name, id); ok {
			out[i] = s.render(req.version, o, row, cols)
		}
	}
	return apiResp{status: http.StatusOK, body: out}
}
