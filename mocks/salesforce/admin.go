package salesforce

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

// classify names each API request for the admin counters and fault matching. Names read like the call:
// "query", "query/more", "PATCH sobjects/Opportunity/ext", "POST composite", "oauth2/token".
func classify(r *http.Request) (mockkit.Endpoint, bool) {
	p := r.URL.Path
	if p == "/services/oauth2/token" {
		return mockkit.Endpoint{Name: "oauth2/token"}, true
	}
	rest, ok := strings.CutPrefix(p, "/services/data")
	if !ok {
		return mockkit.Endpoint{}, false
	}
	write := r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodDelete || r.Method == http.MethodPut
	ep := func(name string, write bool) (mockkit.Endpoint, bool) {
		return mockkit.Endpoint{Name: name, Write: write}, true
	}
	rest = strings.Trim(rest, "/")
	if rest == "" {
		return ep("versions", false)
	}
	_, sub, _ := strings.Cut(rest, "/")
	segs := strings.Split(strings.Trim(sub, "/"), "/")
	if sub == "" {
		return ep("resources", false)
	}
	objName := func(s string) string {
		for _, o := range []string{"Account", "Opportunity", "Task", "Event", "User"} {
			if strings.EqualFold(o, s) {
				return o
			}
		}
		return "unknown"
	}
	switch segs[0] {
	case "query", "queryAll":
		if len(segs) > 1 {
			return ep("query/more", false)
		}
		return ep("query", false)
	case "limits":
		return ep("limits", false)
	case "sobjects":
		switch len(segs) {
		case 1:
			return ep(r.Method+" sobjects", write)
		case 2:
			return ep(r.Method+" sobjects/"+objName(segs[1]), write)
		case 3:
			if segs[2] == "describe" {
				return ep("GET sobjects/"+objName(segs[1])+"/describe", false)
			}
			return ep(r.Method+" sobjects/"+objName(segs[1])+"/id", write)
		default:
			return ep(r.Method+" sobjects/"+objName(segs[1])+"/ext", write)
		}
	case "composite":
		switch {
		case len(segs) == 1:
			return ep(r.Method+" composite", write)
		case len(segs) == 3 && segs[1] == "sobjects" && r.Method == http.MethodGet:
			return ep(r.Method+" composite/sobjects/"+objName(segs[2]), write)
		case len(segs) >= 3 && segs[1] == "sobjects":
			return ep(r.Method+" composite/sobjects/"+objName(segs[2])+"/ext", write)
		default:
			return ep(r.Method+" composite/sobjects", write)
		}
	}
	return ep(r.Method+" other", write)
}

// mountAdmin serves the shared admin surface plus what only a Salesforce org has:
//
//	POST /__admin/tokens/expire   invalidate every access token now
//	GET  /__admin/commit-delay    {"ms": n}: how long API writes stay invisible to SOQL
//	POST /__admin/commit-delay    set {"ms": n}; "flush": true makes pending writes visible now
//	GET  /__admin/limits          the daily API budget: {"used": n, "max": m, "peak": p, "refused": r}
//	                              (peak: the highest count API calls reached; refused: 403s answered)
//	POST /__admin/limits          set {"used": n, "max": m} (max optional); {"used": 0} empties the
//	                              rolling window, as a day passing would
//	GET  /__admin/records         every user, opportunity and task, in the seed shape
//	POST /__admin/schema          change a field as an admin would in Setup: {"object": "Opportunity",
//	                              "field": "NextStep", "change": {"updateable": false}} (FieldChange)
func (s *Server) mountAdmin(mux *http.ServeMux) {
	s.admin.Mount(mux, s.SeedJSON, s.resetData)
	s.mountSchemaAdmin(mux)
	mux.HandleFunc("POST /__admin/tokens/expire", func(w http.ResponseWriter, _ *http.Request) {
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	})
	mockkit.MountWebhooks(mux, s.hooks)
	mockkit.MountDelay(mux, "/__admin/commit-delay", mockkit.Delay{Get: s.CommitDelay, Set: s.SetCommitDelay, Flush: s.CommitAll})
	mux.HandleFunc("GET /__admin/limits", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.APIBudget())
	})
	mux.HandleFunc("POST /__admin/limits", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Used int `json:"used"`
			Max  int `json:"max"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Used < 0 || in.Max < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"used\": n, \"max\": m}"})
			return
		}
		s.SetAPIUsage(in.Used, in.Max)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /__admin/records", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, SeedData{Users: s.Users(), Opportunities: s.Opportunities(), Tasks: s.Tasks()})
	})
}
