package worker

import (
	"net/http"

	"github.com/cosellsync/cosell/httpapi"
	"github.com/cosellsync/cosell/pairing"
)

// mountAPI serves the partners' HTTP API when COSELL_API_TOKENS gives at least one partner a token;
// tokens that do not parse were refused at start (Prepare), so here they parse.
func (w *Worker) mountAPI(mux *http.ServeMux) {
	tokens, err := httpapi.ParseTokens(w.cfg.APITokens)
	if err != nil || len(tokens) == 0 {
		return
	}
	srv := &httpapi.Server{Client: w.client, TaskQueue: w.cfg.TaskQueue, Tokens: tokens, Log: w.log,
		Pairings: func() map[string]*pairing.Pairing {
			out := map[string]*pairing.Pairing{}
			for id, c := range w.pairings.Catalog().Pairings {
				out[id] = c.Pairing
			}
			return out
		}}
	srv.Mount(mux)
}
