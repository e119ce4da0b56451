package hubspot

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ownerByID returns the owner with the id, archived or not. The caller holds s.mu.
func (s *Server) ownerByID(id string) *owner {
	for _, o := range s.owners {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// handleListOwners is GET /crm/v3/owners (with or without the trailing slash): active owners, or only
// archived ones with archived=true, filtered by email, paged by after/limit (default 100, at most 500).
func (s *Server) handleListOwners(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, after, e := offsetPage(q, 100, 500)
	if e != nil {
		writeAPIError(w, e)
		return
	}
	archived := q.Get("archived") == "true"
	email := strings.ToLower(q.Get("email"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var match []*owner
	for _, o := range s.owners {
		if o.Archived == archived && (email == "" || strings.ToLower(o.Email) == email) {
			match = append(match, o)
		}
	}
	results := []ownerJSON{}
	end := min(after+limit, len(match))
	for i := min(after, len(match)); i < end; i++ {
		results = append(results, match[i].json())
	}
	body := map[string]any{"results": results}
	if end < len(match) {
		body["paging"] = map[string]any{"next": map[string]string{
			"after": strconv.Itoa(end),
			"link":  fmt.Sprintf("%s?after=%d", r.URL.Path, end),
		}}
	}
	writeJSON(w, http.StatusOK, body)
}

// handleGetOwner is GET /crm/v3/owners/{ownerId}.
func (s *Server) handleGetOwner(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ownerByID(r.PathValue("ownerId"))
	if o == nil || o.Archived != (r.URL.Query().Get("archived") == "true") {
		writeAPIError(w, notFound())
		return
	}
	writeJSON(w, http.StatusOK, o.json())
}

// pageLimit reads a list endpoint's limit: def when absent, capped at max, refused when not positive.
func pageLimit(q url.Values, def, max int) (int, *apiError) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, validationError("limit must be a positive integer, got %q", v)
	}
	return min(n, max), nil
}

// offsetPage reads limit and an offset-style after cursor, as the owners and v4 association lists page.
func offsetPage(q url.Values, def, max int) (limit, after int, e *apiError) {
	if limit, e = pageLimit(q, def, max); e != nil {
		return 0, 0, e
	}
	if v := q.Get("after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, validationError("after must be a paging cursor from a previous answer, got %q", v)
		}
		after = n
	}
	return limit, after, nil
}
