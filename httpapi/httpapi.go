// Package httpapi is the partners' HTTP API on the worker (issue #9): registration today, more
// endpoints as they come (see Mount). Each partner authenticates with its own bearer token and sees
// and acts on the pairings it is a partner of only: no token (or an unknown one) is a 401, another
// partner's pairing a 403. A registration goes the one path the CLI goes too: the RegistrationWorkflow,
// which refuses it whole or creates it in the partner's CRM.
package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// maxBody bounds a request body: a registration is a few hundred bytes.
const maxBody = 64 << 10

// Token is one partner's API token.
type Token struct {
	Partner string
	Secret  string
}

// ParseTokens reads COSELL_API_TOKENS: "Partner Name=token" pairs separated by commas. A malformed pair
// is an error that names it by position, never by its secret.
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for i, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		name, secret, ok := strings.Cut(pair, "=")
		name, secret = strings.TrimSpace(name), strings.TrimSpace(secret)
		if !ok || name == "" || secret == "" {
			return nil, fmt.Errorf("COSELL_API_TOKENS: entry %d is not \"Partner Name=token\"", i+1)
		}
		if len(secret) < 16 {
			return nil, fmt.Errorf("COSELL_API_TOKENS: the token of %s is shorter than 16 characters", name)
		}
		out = append(out, Token{Partner: name, Secret: secret})
	}
	return out, nil
}

// Server serves the API.
type Server struct {
	Client    client.Client
	TaskQueue string
	Tokens    []Token
	// Pairings returns the pairings served now (the worker's catalog, reloaded while it runs).
	Pairings func() map[string]*pairing.Pairing
	// Timeout bounds a registration (the CRM write and the hand-off to the deal); zero is 30 s.
	Timeout time.Duration
	Log     *slog.Logger
}

// Mount adds the API's routes to mux. Endpoints of other features are added here, each behind auth.
//
//	GET  /api/v1/pairings                             the caller's pairings
//	POST /api/v1/pairings/{pairing}/registrations     register a deal (registration.Request as JSON)
//	POST /api/v1/pairings/{pairing}/deals/{id}/accept  accept the other partner's registration
//	POST /api/v1/pairings/{pairing}/deals/{id}/decline decline it: {"reason": "..."}
func (s *Server) Mount(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/pairings", s.auth(s.listPairings))
	mux.Handle("POST /api/v1/pairings/{pairing}/registrations", s.auth(s.pairing(s.register)))
	mux.Handle("POST /api/v1/pairings/{pairing}/deals/{id}/accept", s.auth(s.pairing(s.answer(true))))
	mux.Handle("POST /api/v1/pairings/{pairing}/deals/{id}/decline", s.auth(s.pairing(s.answer(false))))
}

// answer accepts or declines a registration as the caller's side of the pairing.
func (s *Server) answer(accept bool) pairingHandler {
	return func(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side) {
		var body struct {
			Reason string `json:"reason"`
		}
		if r.ContentLength != 0 {
			dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
				problem(w, http.StatusBadRequest, "the body is not an answer: "+err.Error())
				return
			}
		}
		if !accept && strings.TrimSpace(body.Reason) == "" {
			problem(w, http.StatusBadRequest, "a decline needs a reason: {\"reason\": \"...\"}")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
		defer cancel()
		res, err := Answer(ctx, s.Client, s.TaskQueue, api.AnswerInput{PairingID: p.ID, CoSellID: r.PathValue("id"), Partner: side,
			Accept: accept, Reason: body.Reason, Source: "api"})
		if err != nil {
			s.failed(w, p, c, err)
			return
		}
		writeJSON(w, http.StatusOK, res)
	}
}

// Answer runs an answer through the AnswerWorkflow and waits for it: the one path of the CLI and the API.
func Answer(ctx context.Context, c client.Client, taskQueue string, in api.AnswerInput) (api.AnswerResult, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: api.AnswerWorkflowID(in.CoSellID), TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, api.AnswerWorkflowName, in)
	if err != nil {
		return api.AnswerResult{}, fmt.Errorf("start answer: %w", err)
	}
	var out api.AnswerResult
	if err := run.Get(ctx, &out); err != nil {
		return api.AnswerResult{}, fmt.Errorf("answer: %w", err)
	}
	return out, nil
}

func (s *Server) timeout() time.Duration {
	if s.Timeout == 0 {
		return 30 * time.Second
	}
	return s.Timeout
}

// failed answers a registration or an answer that did not go through: 422 with the reason for a
// refusal, 503 (send again) for anything else.
func (s *Server) failed(w http.ResponseWriter, p *pairing.Pairing, c caller, err error) {
	if msg, ok := Refusal(err); ok {
		problem(w, http.StatusUnprocessableEntity, msg)
		return
	}
	if s.Log != nil {
		s.Log.Error("request failed", "pairing", p.ID, "partner", c.partner, "error", err)
	}
	problem(w, http.StatusServiceUnavailable, "the request could not be completed now; send it again (with the same Idempotency-Key for a registration)")
}

// caller is an authenticated partner.
type caller struct{ partner string }

type handler func(w http.ResponseWriter, r *http.Request, c caller)

type pairingHandler func(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side)

// auth checks the bearer token in constant time against every partner's.
func (s *Server) auth(next handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || got == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosell"`)
			problem(w, http.StatusUnauthorized, "missing bearer token: send Authorization: Bearer <your partner's API token>")
			return
		}
		partner := ""
		for _, t := range s.Tokens {
			if subtle.ConstantTimeCompare([]byte(got), []byte(t.Secret)) == 1 {
				partner = t.Partner
			}
		}
		if partner == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cosell", error="invalid_token"`)
			problem(w, http.StatusUnauthorized, "unknown API token")
			return
		}
		next(w, r, caller{partner: partner})
	})
}

// pairing resolves {pairing} and the caller's side in it: 404 for a pairing not served, 403 for one the
// caller is no partner of.
func (s *Server) pairing(next pairingHandler) handler {
	return func(w http.ResponseWriter, r *http.Request, c caller) {
		id := r.PathValue("pairing")
		p, ok := s.Pairings()[id]
		if !ok {
			problem(w, http.StatusNotFound, fmt.Sprintf("no pairing %q is served here", id))
			return
		}
		side, ok := sideOf(p, c.partner)
		if !ok {
			problem(w, http.StatusForbidden, fmt.Sprintf("%s is not a partner of pairing %s", c.partner, id))
			return
		}
		next(w, r, c, p, side)
	}
}

func sideOf(p *pairing.Pairing, partner string) (vocab.Side, bool) {
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		if strings.EqualFold(p.Partner(s).Name, partner) {
			return s, true
		}
	}
	return "", false
}

// PairingView is one of the caller's pairings.
type PairingView struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Side    vocab.Side `json:"side"`
	Partner string     `json:"partner"` // the other partner
}

func (s *Server) listPairings(w http.ResponseWriter, _ *http.Request, c caller) {
	out := []PairingView{}
	ps := s.Pairings()
	for _, id := range slices.Sorted(maps.Keys(ps)) {
		p := ps[id]
		if side, ok := sideOf(p, c.partner); ok {
			out = append(out, PairingView{ID: id, Name: p.Name, Side: side, Partner: p.Partner(side.Other()).Name})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// register registers a deal for the caller's side of the pairing. The body's pairing and partner, if
// given, must agree with the path and the token: a partner registers as itself only.
func (s *Server) register(w http.ResponseWriter, r *http.Request, c caller, p *pairing.Pairing, side vocab.Side) {
	var req registration.Request
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		problem(w, http.StatusBadRequest, "the body is not a registration: "+err.Error())
		return
	}
	if req.Partner != "" && req.Partner != side {
		problem(w, http.StatusForbidden, fmt.Sprintf("%s is side %s of pairing %s and registers as itself only", c.partner, side, p.ID))
		return
	}
	req.PairingID, req.Partner = p.ID, side
	if _, err := registration.Check(req, time.Now().UTC()); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	requestID := r.Header.Get("Idempotency-Key")
	if requestID == "" {
		requestID = NewRequestID()
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout())
	defer cancel()
	res, err := Register(ctx, s.Client, s.TaskQueue, api.RegisterInput{Request: req, Source: "api", RequestID: requestID})
	if err != nil {
		s.failed(w, p, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// Register runs a registration through the RegistrationWorkflow and waits for its answer: the one
// path of the CLI and the API. The workflow id is keyed by the request id, so a retried request is the
// same registration.
func Register(ctx context.Context, c client.Client, taskQueue string, in api.RegisterInput) (api.RegisterResult, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: api.RegistrationWorkflowID(in.Request.PairingID, in.RequestID), TaskQueue: taskQueue,
	}, api.RegistrationWorkflowName, in)
	if err != nil {
		return api.RegisterResult{}, fmt.Errorf("start registration: %w", err)
	}
	var out api.RegisterResult
	if err := run.Get(ctx, &out); err != nil {
		return api.RegisterResult{}, fmt.Errorf("registration: %w", err)
	}
	return out, nil
}

// Refusal returns the reason of a registration refused (its values, a killed pairing, a CRM's
// rejection), as opposed to one that failed and may be sent again.
func Refusal(err error) (string, bool) {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		switch ae.Type() {
		case activities.ErrTypeRefused, activities.ErrTypeRejected, activities.ErrTypeConfig:
			return ae.Message(), true
		}
	}
	return "", false
}

// NewRequestID makes a request id for a registration sent without one.
func NewRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return "r" + hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem answers an error as application/problem+json (RFC 9457), its detail the clear message.
func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "title": http.StatusText(status), "detail": detail})
}
