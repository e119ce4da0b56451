package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/attribution"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// The touchpoint and dispute endpoints (issue #9, items 4 and 6). They sit behind the same token check
// and pairing check as registration (auth, pairing): the caller acts as its side of the pairing in the
// path, on that pairing's deals only. Every request becomes a deal workflow update
// (api.TouchpointUpdate, api.DisputeUpdate, api.ResolveDisputeUpdate), the path the CLI takes, so the
// deal validates it and answers: 404 for a deal that is not one of the pairing's (whether or not it
// exists elsewhere: another partner's deal ids are not told), 403 for touchpoints of the other side,
// 400 for a malformed body, 422 with the deal's own message when it refuses, 503 when Temporal cannot
// be reached.

// maxEvidenceBody bounds a request body: a batch of touchpoints, a dispute reason.
const maxEvidenceBody = 1 << 20

// TouchpointRequest is the body of POST .../deals/{id}/touchpoints: touchpoints of the caller's side.
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

// DisputeRequest is the body of POST .../deals/{id}/disputes: the caller's side disputes.
type DisputeRequest struct {
	Reason string `json:"reason"`
	// By is the e-mail of the person disputing: a token is a partner's, not a person's.
	By string `json:"by,omitempty"`
}

// ResolveRequest is the body of POST .../deals/{id}/disputes/resolve. The approver is named, as on the
// CLI: the deal accepts only one of the pilot's approvers, never the person who disputed.
type ResolveRequest struct {
	Verdict  attribution.Verdict `json:"verdict"`
	Parts    []attribution.Part  `json:"parts,omitempty"`
	Approver string              `json:"approver"`
	Note     string              `json:"note"`
}

func (s *Server) deals() Deals {
	if s.Deals != nil {
		return s.Deals
	}
	return TemporalDeals{Client: s.Client}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// dealHandler is a handler of one deal of a pairing the caller is a partner of.
type dealHandler func(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side, v api.DealView)

// deal checks that {id} is a deal of the pairing in the path before next runs, and hands next its view.
func (s *Server) deal(next dealHandler) pairingHandler {
	return func(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side) {
		id := r.PathValue("id")
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
		defer cancel()
		v, err := s.deals().View(ctx, id)
		if err == nil && v.PairingID != p.ID {
			err = fmt.Errorf("deal %s is of pairing %q: %w", id, v.PairingID, ErrNoDeal)
		}
		if err != nil {
			s.dealFailed(w, p, c, id, err)
			return
		}
		next(w, r, c, p, side, v)
	}
}

func (s *Server) logTouchpoints(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side, v api.DealView) {
	var req TouchpointRequest
	if !decodeEvidence(w, r, &req) {
		return
	}
	if len(req.Touchpoints) == 0 {
		problem(w, http.StatusBadRequest, "no touchpoints in the request: {\"touchpoints\": [{\"person\", \"kind\", \"at\", \"id\"}]}")
		return
	}
	in := api.TouchpointInput{Via: "api"}
	for i, t := range req.Touchpoints {
		if t.Side != "" && t.Side != side {
			problem(w, http.StatusForbidden, fmt.Sprintf("touchpoints[%d]: %s is side %s of pairing %s and logs touchpoints of side %s only", i, p.Partner(side).Name, side, p.ID, side))
			return
		}
		kind, err := touchpoint.ParseKind(t.Kind)
		if err != nil {
			problem(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d]: %v", i, err))
			return
		}
		at := s.now().UTC().Truncate(time.Second)
		if t.At != "" {
			if at, err = time.Parse(time.RFC3339, t.At); err != nil {
				problem(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d].at: %q is not an RFC 3339 time", i, t.At))
				return
			}
		}
		tp := touchpoint.Touchpoint{Side: side, Person: strings.TrimSpace(t.Person), Kind: kind, At: at.UTC(), Deal: v.CoSellID}
		if t.ID != "" {
			tp.Source = "api:" + t.ID
		} else {
			k := tp.Key()
			tp.Source = fmt.Sprintf("api:%s/%s/%s/%d", k.Side, k.Person, k.Kind, k.Minute)
		}
		if err := tp.Validate(); err != nil {
			problem(w, http.StatusBadRequest, fmt.Sprintf("touchpoints[%d]: %v", i, err))
			return
		}
		in.Touchpoints = append(in.Touchpoints, tp)
	}
	var out api.TouchpointResult
	s.update(w, r, c, p, v.CoSellID, api.TouchpointUpdate, in, &out)
}

func (s *Server) listTouchpoints(w http.ResponseWriter, _ *http.Request, _ caller, _ *pairing.Pairing, _ vocab.Side, v api.DealView) {
	ev := &api.EvidenceView{}
	if v.CoSell != nil && v.CoSell.Touchpoints != nil {
		ev = v.CoSell.Touchpoints
	}
	writeJSON(w, http.StatusOK, ev)
}

func (s *Server) dispute(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side, v api.DealView) {
	var req DisputeRequest
	if !decodeEvidence(w, r, &req) {
		return
	}
	var out api.DisputeResult
	s.update(w, r, c, p, v.CoSellID, api.DisputeUpdate, api.DisputeInput{Partner: side, By: strings.TrimSpace(req.By), Reason: req.Reason, Via: "api"}, &out)
}

func (s *Server) resolveDispute(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, _ vocab.Side, v api.DealView) {
	var req ResolveRequest
	if !decodeEvidence(w, r, &req) {
		return
	}
	approver := strings.TrimSpace(req.Approver)
	if approver == "" {
		problem(w, http.StatusBadRequest, "name the approver: {\"approver\": \"<one of the pilot's approvers>\"}")
		return
	}
	var out api.DisputeResult
	s.update(w, r, c, p, v.CoSellID, api.ResolveDisputeUpdate, api.ResolveDisputeInput{Verdict: req.Verdict, Parts: req.Parts, Approver: approver, Note: req.Note, Via: "api"}, &out)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, id, name string, in, out any) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	if err := s.deals().Update(ctx, id, name, in, out); err != nil {
		s.dealFailed(w, p, c, id, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// dealFailed answers a deal request that did not go through: 404, 422 with the deal's own message,
// or 503 (send it again).
func (s *Server) dealFailed(w http.ResponseWriter, p *pairing.Pairing, c caller, id string, err error) {
	switch {
	case errors.Is(err, ErrNoDeal):
		problem(w, http.StatusNotFound, fmt.Sprintf("no deal %s in pairing %s", id, p.ID))
	case errors.Is(err, ErrRefused):
		problem(w, http.StatusUnprocessableEntity, err.Error())
	default:
		if s.Log != nil {
			s.Log.Error("deal request failed", "pairing", p.ID, "partner", c.partner, "deal", id, "error", err)
		}
		problem(w, http.StatusServiceUnavailable, "deal "+id+" cannot be reached now; send the request again")
	}
}

func decodeEvidence(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEvidenceBody))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "the body is over 1 MiB")
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		problem(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
		return false
	}
	return true
}
