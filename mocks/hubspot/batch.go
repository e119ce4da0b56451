package hubspot

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"
)

// maxBatchInputs is HubSpot's limit on the inputs of one object batch request.
const maxBatchInputs = 100

// batchError is one entry of a batch response's errors, in HubSpot's shape.
type batchError struct {
	Status      string              `json:"status"`
	Category    string              `json:"category"`
	SubCategory string              `json:"subCategory,omitempty"`
	Message     string              `json:"message"`
	Context     map[string][]string `json:"context,omitempty"`
	Errors      []errorDetail       `json:"errors,omitempty"`
}

// batchResponse is the body of a batch answer; errors make it a 207 Multi-Status.
type batchResponse struct {
	Status      string       `json:"status"`
	Results     []any        `json:"results"`
	NumErrors   int          `json:"numErrors,omitempty"`
	Errors      []batchError `json:"errors,omitempty"`
	StartedAt   string       `json:"startedAt"`
	CompletedAt string       `json:"completedAt"`
}

func (s *Server) finishBatch(w http.ResponseWriter, okStatus int, started time.Time, results []any, errs []batchError) {
	if results == nil {
		results = []any{}
	}
	resp := batchResponse{
		Status: "COMPLETE", Results: results, Errors: errs, NumErrors: len(errs),
		StartedAt: formatTime(started), CompletedAt: formatTime(s.now()),
	}
	status := okStatus
	if len(errs) > 0 {
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, resp)
}

func checkBatchSize(n int) *apiError {
	if n > maxBatchInputs {
		e := validationError("Too many inputs: %d were provided and a batch accepts at most %d.", n, maxBatchInputs)
		e.Context = map[string][]string{"inputs": {fmt.Sprint(n)}}
		return e
	}
	return nil
}

// snapshot remembers records a batch may change, so a batch that fails part-way leaves nothing written,
// as HubSpot's batch writes are all or nothing unless the caller asks for multi-status by sending
// objectWriteTraceId values.
type snapshot struct {
	t       *objectType
	created []string
	before  map[string]object
	// hooks is how many webhook events were queued before the batch: a rollback takes back the rest.
	hooks int
}

func (s *Server) newSnapshot(t *objectType) *snapshot {
	return &snapshot{t: t, before: map[string]object{}, hooks: len(s.pendingHooks)}
}

func (sn *snapshot) touch(o *object) {
	if _, ok := sn.before[o.id]; !ok {
		cp := *o
		cp.props = maps.Clone(o.props)
		sn.before[o.id] = cp
	}
}

func (s *Server) rollback(sn *snapshot) {
	s.pendingHooks = s.pendingHooks[:sn.hooks]
	for _, id := range sn.created {
		delete(s.objects[sn.t], id)
		s.reindex(sn.t, id, nil)
		for l := range s.links {
			if (l.kind == sn.t && l.id == id) || (sn.t == dealType && l.dealID == id) {
				delete(s.links, l)
			}
		}
		if sn.t == dealType {
			delete(s.primary, id)
		}
	}
	for id, o := range sn.before {
		cp := o
		s.objects[sn.t][id] = &cp
		s.reindex(sn.t, id, &cp)
	}
}

// withTrace puts an input's objectWriteTraceId on its result.
func withTrace(result any, traceID string) any {
	switch r := result.(type) {
	case objectJSON:
		r.ObjectWriteTraceID = traceID
		return r
	case upsertJSON:
		r.ObjectWriteTraceID = traceID
		return r
	}
	return result
}

// inputError turns a per-input failure into a batch error entry tagged with its objectWriteTraceId.
func inputError(e *apiError, traceID string) batchError {
	return batchError{
		Status: "error", Category: e.Category, Message: e.Message, Errors: e.Errors,
		Context: map[string][]string{"objectWriteTraceId": {traceID}},
	}
}

type batchReadInput struct {
	Properties []string `json:"properties"`
	IDProperty string   `json:"idProperty"`
	Inputs     []struct {
		ID flexID `json:"id"`
	} `json:"inputs"`
}

func (s *Server) handleBatchRead(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		started := s.now()
		var in batchReadInput
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		if e := checkBatchSize(len(in.Inputs)); e != nil {
			writeAPIError(w, e)
			return
		}
		archived := r.URL.Query().Get("archived") == "true"
		s.mu.Lock()
		defer s.mu.Unlock()
		var results []any
		var missing []string
		for _, item := range in.Inputs {
			o, e := s.lookup(t, item.ID.String(), in.IDProperty, archived)
			if e != nil {
				if e.HTTPStatus != http.StatusNotFound {
					writeAPIError(w, e)
					return
				}
				missing = append(missing, item.ID.String())
				continue
			}
			results = append(results, s.render(t, o, in.Properties))
		}
		var errs []batchError
		if len(missing) > 0 {
			errs = append(errs, batchError{
				Status: "error", Category: "OBJECT_NOT_FOUND",
				Message: fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", t.upper),
				Context: map[string][]string{"ids": missing},
			})
		}
		s.finishBatch(w, http.StatusOK, started, results, errs)
	}
}

type batchWriteInput struct {
	Inputs []batchWriteItem `json:"inputs"`
}

// batchWriteItem is one input of a batch create, update or upsert.
type batchWriteItem struct {
	ID                 flexID             `json:"id"`
	IDProperty         string             `json:"idProperty"`
	Properties         map[string]any     `json:"properties"`
	Associations       []associationInput `json:"associations"`
	ObjectWriteTraceID string             `json:"objectWriteTraceId"`
}

func (in batchWriteInput) multiStatus() bool {
	for _, i := range in.Inputs {
		if i.ObjectWriteTraceID != "" {
			return true
		}
	}
	return false
}

// writeBatch answers a batch create, update or upsert the way HubSpot does: decode, check the size,
// refuse a malformed batch as a whole (check), then apply each input under the lock. Without
// objectWriteTraceIds the batch is all or nothing: the first failing input rolls everything back and its
// error is the answer. With them, failing inputs become errors of a 207 answer and the rest stand. apply
// writes one input and returns its result, or skip for an input it reports through extra.
func (s *Server) writeBatch(w http.ResponseWriter, r *http.Request, t *objectType, okStatus int,
	check func(batchWriteInput) *apiError,
	apply func(sn *snapshot, item batchWriteItem) (result any, skip bool, e *apiError),
	extra func() []batchError) {
	started := s.now()
	var in batchWriteInput
	if e := decode(r, &in); e != nil {
		writeAPIError(w, e)
		return
	}
	if e := checkBatchSize(len(in.Inputs)); e != nil {
		writeAPIError(w, e)
		return
	}
	if check != nil {
		if e := check(in); e != nil {
			writeAPIError(w, e)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	multi := in.multiStatus()
	sn := s.newSnapshot(t)
	var results []any
	var errs []batchError
	for _, item := range in.Inputs {
		result, skip, e := apply(sn, item)
		if e != nil {
			if !multi {
				s.rollback(sn)
				writeAPIError(w, e)
				return
			}
			errs = append(errs, inputError(e, item.ObjectWriteTraceID))
			continue
		}
		if !skip {
			results = append(results, withTrace(result, item.ObjectWriteTraceID))
		}
	}
	if extra != nil {
		errs = append(errs, extra()...)
	}
	s.finishBatch(w, okStatus, started, results, errs)
}

func (s *Server) handleBatchCreate(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.writeBatch(w, r, t, http.StatusCreated, nil, func(sn *snapshot, item batchWriteItem) (any, bool, *apiError) {
			o, e := s.create(t, createInput{Properties: item.Properties, Associations: item.Associations})
			if e != nil {
				return nil, false, e
			}
			sn.created = append(sn.created, o.id)
			return s.render(t, o, allSet(t, o)), false, nil
		}, nil)
	}
}

func (s *Server) handleBatchUpdate(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var missing []string
		s.writeBatch(w, r, t, http.StatusOK, nil, func(sn *snapshot, item batchWriteItem) (any, bool, *apiError) {
			o, e := s.lookup(t, item.ID.String(), item.IDProperty, false)
			if e != nil && e.HTTPStatus == http.StatusNotFound {
				missing = append(missing, item.ID.String())
				return nil, true, nil // reported together below, as HubSpot does
			}
			if e == nil {
				sn.touch(o)
				e = s.update(t, o, item.Properties)
			}
			if e != nil {
				return nil, false, e
			}
			return s.render(t, o, allSet(t, o)), false, nil
		}, func() []batchError {
			if len(missing) == 0 {
				return nil
			}
			return []batchError{{
				Status: "error", Category: "OBJECT_NOT_FOUND",
				Message: fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", t.upper),
				Context: map[string][]string{"ids": missing},
			}}
		})
	}
}

// handleBatchUpsert creates or updates records keyed by a unique property: each input names the
// idProperty and its value as id. A result's "new" says whether the record was created.
func (s *Server) handleBatchUpsert(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.writeBatch(w, r, t, http.StatusOK, uniqueUpsertIDs, func(sn *snapshot, item batchWriteItem) (any, bool, *apiError) {
			id := item.ID.String()
			if item.IDProperty == "" || id == "" {
				return nil, false, validationError("Each upsert input needs an idProperty and an id")
			}
			if p, ok := s.props[t].get(item.IDProperty); !ok || !p.HasUniqueValue {
				return nil, false, validationError("Property %s cannot be used as idProperty: upsert needs a property with unique values", item.IDProperty)
			}
			props, e := upsertProperties(item.IDProperty, id, item.Properties)
			if e != nil {
				return nil, false, e
			}
			created := false
			o := s.findByProperty(t, item.IDProperty, id)
			if o != nil {
				sn.touch(o)
				e = s.update(t, o, props)
			} else if o, e = s.create(t, createInput{Properties: props}); e == nil {
				created = true
				sn.created = append(sn.created, o.id)
			}
			if e != nil {
				return nil, false, e
			}
			return upsertJSON{objectJSON: s.render(t, o, allSet(t, o)), New: created}, false, nil
		}, nil)
	}
}

// uniqueUpsertIDs refuses a batch that names one record twice, before anything is written.
func uniqueUpsertIDs(in batchWriteInput) *apiError {
	seen := map[string]bool{}
	var dups []string
	for _, item := range in.Inputs {
		key := item.IDProperty + "\x00" + item.ID.String()
		if seen[key] {
			dups = append(dups, item.ID.String())
		}
		seen[key] = true
	}
	if len(dups) > 0 {
		return validationError("Duplicate IDs found in batch input: [%s]. IDs must be unique", strings.Join(dups, ", "))
	}
	return nil
}

// upsertProperties adds the key to an upsert's properties, refusing a body that sets the key to another
// value.
func upsertProperties(idProperty, id string, in map[string]any) (map[string]any, *apiError) {
	out := maps.Clone(in)
	if out == nil {
		out = map[string]any{}
	}
	if v, ok := out[idProperty]; ok {
		if sv, ok := stringValue(v); !ok || sv == nil || *sv != id {
			return nil, validationError("Property %s is the idProperty of this upsert and must equal its id %q", idProperty, id)
		}
	}
	out[idProperty] = id
	return out, nil
}

func (s *Server) handleBatchArchive(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in batchReadInput
		if e := decode(r, &in); e != nil {
			writeAPIError(w, e)
			return
		}
		if e := checkBatchSize(len(in.Inputs)); e != nil {
			writeAPIError(w, e)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, item := range in.Inputs {
			s.archive(t, item.ID.String())
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
