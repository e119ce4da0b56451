// Package partnerapi is the worker's HTTP API for partners' own tools (issue #9): here, logging
// touchpoints on a deal and disputing or resolving its attribution. The handlers are mounted on a
// router the worker owns, behind its per-partner authentication, which this package takes as a
// function (Authenticate): a caller is one partner of one or more pairings and acts on the deals of
// those pairings only.
//
// Every request becomes a deal workflow update (api.TouchpointUpdate, api.DisputeUpdate,
// api.ResolveDisputeUpdate), the path the CLI takes, so the deal validates it and answers: 401 without
// a valid caller, 403 for a deal of another pairing (or a partner logging for the other side), 404 for
// an unknown deal, 400 for a malformed body, 422 with the deal's own message when it refuses, 503 when
// Temporal cannot be reached.
package partnerapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Caller is an authenticated partner: its side and the pairings it belongs to, and who is calling.
type Caller struct {
	Side     vocab.Side
	Pairings []string
	// Email is the person using the token, when the token says; a dispute's By defaults to it.
	Email string
}

// Authenticate identifies the caller of a request; an error is answered 401 with its message.
type Authenticate func(r *http.Request) (Caller, error)

// Deals reaches deal workflows.
type Deals interface {
	// View is the deal's query; a deal that does not exist is an error matching ErrNoDeal.
	View(ctx context.Context, coSellID string) (api.DealView, error)
	// Update runs a deal update and decodes its answer into out; a refusal is an error matching
	// ErrRefused with the deal's message.
	Update(ctx context.Context, coSellID, name string, in, out any) error
}

// Errors a Deals implementation classifies its failures with.
var (
	ErrNoDeal  = errors.New("no such deal")
	ErrRefused = errors.New("refused by the deal")
)

// maxBody bounds a request body: a batch of touchpoints, a dispute reason.
const maxBody = 1 << 20

// Evidence serves touchpoints and disputes.
type Evidence struct {
	Deals Deals
	Auth  Authenticate
	// Now dates touchpoints logged without a time; time.Now when nil.
	Now func() time.Time
}

// Mount registers the handlers on mux.
func (h *Evidence) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/deals/{id}/touchpoints", h.logTouchpoints)
	mux.HandleFunc("GET /v1/deals/{id}/touchpoints", h.listTouchpoints)
	mux.HandleFunc("POST /v1/deals/{id}/disputes", h.dispute)
	mux.HandleFunc("POST /v1/deals/{id}/disputes/resolve", h.resolve)
}

// TouchpointRequest is the body of POST /v1/deals/{id}/touchpoints: touchpoints of the caller's side.
type TouchpointRequest struct {
	Touchpoints []struct {
		Person string `json:"person"`
		Kind   string `json:"kind"`
		// At is RFC 3339; empty means now.
		At string `json:"at,omitempty"`
		// ID names the touchpoint so a retried request counts once; empty derives one from person,
		// kind and minute.
		ID string `json:"id,omitempty"`
		// Side, when given, must be the caller's: a partner logs its own work.
		Side vocab.Side `json:"side,omitempty"`
	} `json:"touchpoints"`
}

// DisputeRequest is the body of POST /v1/deals/{id}/disputes: the caller's side disputes.
type DisputeRequest struct {
	Reason string `json:"reason"`
	By     string `json:"by,omitempty"`
}

// ResolveRequest is the body of POST /v1/deals/{id}/disputes/resolve.
type ResolveRequest struct {
	Verdict  attribution.Verdict `json:"verdict"`
	Parts    []attribution.Part  `json:"parts,omitempty"`
	Approver string              `json:"approver,omitempty"`
	Note     string              `json:"note"`
}

func (h *Evidence) logTouchpoints(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.authorize(w, r)
	if !ok {
		return
	}
	var req TouchpointRequest
	if !decode(w, r, &req) {
		return
	}
	if len(req.Touchpoints) == 0 {
		reply(w, http.StatusBadRequest, "no touchpoints in the request")
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	in := api.TouchpointInput{Via: "api"}
	for i, t := range req.Touchpoints {
		if t.Side != "" && t.Side != c.Side {
			reply(w, http.StatusForbidden, fmt.Sprintf("touchpoints[%d]: side %s may log touchpoints of side %s only", i, c.Side, c.Side))
			return
		}
		kind, err := touchpoint.ParseKind(t.Kind)
		if err != nil {
			reply(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d]: %v", i, err))
			return
		}
		at := now().UTC().Truncate(time.Second)
		if t.At != "" {
			if at, err = time.Parse(time.RFC3339, t.At); err != nil {
				reply(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d].at: %q is not an RFC 3339 time", i, t.At))
				return
			}
		}
		tp := touchpoint.Touchpoint{Side: c.Side, Person: strings.TrimSpace(t.Person), Kind: kind, At: at.UTC(), Deal: id}
		if t.ID != "" {
			tp.Source = "api:" + t.ID
		} else {
			k := tp.Key()
			tp.Source = fmt.Sprintf("api:%s/%s/%s/%d", k.Side, k.Person, k.Kind, k.Minute)
		}
		if err := tp.Validate(); err != nil {
			reply(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d]: %v", i, err))
			return
		}
		in.Touchpoints = append(in.Touchpoints, tp)
	}
	var out api.TouchpointResult
	h.update(w, r, id, api.TouchpointUpdate, in, &out)
}

func (h *Evidence) listTouchpoints(w http.ResponseWriter, r *http.Request) {
	if _, id, ok := h.authorize(w, r); ok {
		v, err := h.Deals.View(r.Context(), id)
		if err != nil {
			h.fail(w, id, err)
			return
		}
		ev := &api.EvidenceView{}
		if v.CoSell != nil && v.CoSell.Touchpoints != nil {
			ev = v.CoSell.Touchpoints
		}
		writeJSON(w, http.StatusOK, ev)
	}
}

func (h *Evidence) dispute(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.authorize(w, r)
	if !ok {
		return
	}
	var req DisputeRequest
	if !decode(w, r, &req) {
		return
	}
	by := strings.TrimSpace(req.By)
	if by == "" {
		by = c.Email
	}
	var out api.DisputeResult
	h.update(w, r, id, api.DisputeUpdate, api.DisputeInput{Partner: c.Side, By: by, Reason: req.Reason, Via: "api"}, &out)
}

func (h *Evidence) resolve(w http.ResponseWriter, r *http.Request) {
	c, id, ok := h.authorize(w, r)
	if !ok {
		return
	}
	var req ResolveRequest
	if !decode(w, r, &req) {
		return
	}
	approver := strings.TrimSpace(req.Approver)
	switch {
	case approver == "":
		approver = c.Email
	case c.Email != "" && !strings.EqualFold(approver, c.Email):
		reply(w, http.StatusForbidden, fmt.Sprintf("the token is %s's; it cannot resolve as %s", c.Email, approver))
		return
	}
	var out api.DisputeResult
	h.update(w, r, id, api.ResolveDisputeUpdate, api.ResolveDisputeInput{Verdict: req.Verdict, Parts: req.Parts, Approver: approver, Note: req.Note, Via: "api"}, &out)
}

// authorize authenticates the caller and checks the deal is of one of its pairings.
func (h *Evidence) authorize(w http.ResponseWriter, r *http.Request) (Caller, string, bool) {
	c, err := h.Auth(r)
	if err != nil {
		reply(w, http.StatusUnauthorized, err.Error())
		return Caller{}, "", false
	}
	id := r.PathValue("id")
	v, err := h.Deals.View(r.Context(), id)
	if err != nil {
		h.fail(w, id, err)
		return Caller{}, "", false
	}
	if !slices.Contains(c.Pairings, v.PairingID) {
		reply(w, http.StatusForbidden, fmt.Sprintf("deal %s is not of a pairing of this partner", id))
		return Caller{}, "", false
	}
	return c, id, true
}

func (h *Evidence) update(w http.ResponseWriter, r *http.Request, id, name string, in, out any) {
	if err := h.Deals.Update(r.Context(), id, name, in, out); err != nil {
		h.fail(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *Evidence) fail(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, ErrNoDeal):
		reply(w, http.StatusNotFound, "no deal "+id)
	case errors.Is(err, ErrRefused):
		reply(w, http.StatusUnprocessableEntity, err.Error())
	default:
		reply(w, http.StatusServiceUnavailable, "deal "+id+" cannot be reached now: "+err.Error())
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		reply(w, http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		reply(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
		return false
	}
	return true
}

func reply(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
