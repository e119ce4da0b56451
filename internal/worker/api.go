package worker

import (
	"net/http"

	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/synchealth"
)

// mountAPI serves the partners' HTTP API when COSELL_API_TOKENS gives at least one partner a token;
// tokens that do not parse were refused at start (Prepare), so here they parse.
func (w *Worker) mountAPI(mux *http.ServeMux) {
	tokens, err := httpapi.ParseTokens(w.cfg.APITokens)
	if err != nil || len(tokens) == 0 {
		return
	}
	srv := &httpapi.Server{Client: w.client, TaskQueue: w.cfg.TaskQueue, Tokens: tokens, Log: w.log, Pairings: w.served}
	srv.Mount(mux)
}

// served returns the pairings the worker serves now, by id (the catalog is swapped on reload).
func (w *Worker) served() map[string]*pairing.Pairing {
	out := map[string]*pairing.Pairing{}
	for id, c := range w.pairings.Catalog().Pairings {
		out[id] = c.Pairing
	}
	return out
}

// mountHealthPage serves the sync-health page at /health unless COSELL_HEALTH_PAGE=false, behind
// COSELL_HEALTH_TOKEN when one is set; config.Load refused an address beyond loopback without one.
func (w *Worker) mountHealthPage(mux *http.ServeMux) {
	if !w.cfg.HealthPage {
		return
	}
	srv := &synchealth.Server{Token: w.cfg.HealthToken, Log: w.log,
		Source: synchealth.TemporalSource{Client: w.client, TaskQueue: w.cfg.TaskQueue, Served: w.served}}
	srv.Mount(mux)
}
