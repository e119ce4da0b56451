package hubspot

import (
	"fmt"
	"net/http"
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
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeAPIError(w, validationError("limit must be a positive integer, got %q", v))
			return
		}
		limit = min(n, 500)
	}
	after := 0
	if v := q.Get("after"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeAPIError(w, validationError("after must be a paging cursor from a previous answer, got %q", v))
			return
		}
		after = n
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
