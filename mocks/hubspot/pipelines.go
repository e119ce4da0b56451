package hubspot

import "net/http"

type stageJSON struct {
	ID           string            `json:"id"`
	Label        string            `json:"label"`
	DisplayOrder int               `json:"displayOrder"`
	Metadata     map[string]string `json:"metadata"`
	CreatedAt    string            `json:"createdAt"`
	UpdatedAt    string            `json:"updatedAt"`
	Archived     bool              `json:"archived"`
}

type pipelineJSON struct {
	ID           string      `json:"id"`
	Label        string      `json:"label"`
	DisplayOrder int         `json:"displayOrder"`
	Stages       []stageJSON `json:"stages"`
	CreatedAt    string      `json:"createdAt"`
	UpdatedAt    string      `json:"updatedAt"`
	Archived     bool        `json:"archived"`
}

func (s *Server) pipelineJSON(p pipeline) pipelineJSON {
	at := formatTime(s.bootTime)
	out := pipelineJSON{ID: p.ID, Label: p.Label, CreatedAt: at, UpdatedAt: at, Stages: []stageJSON{}}
	for i, st := range p.Stages {
		closed := "false"
		if st.Closed {
			closed = "true"
		}
		out.Stages = append(out.Stages, stageJSON{
			ID: st.ID, Label: st.Label, DisplayOrder: i, CreatedAt: at, UpdatedAt: at,
			Metadata: map[string]string{"isClosed": closed, "probability": st.Probability},
		})
	}
	return out
}

// handleListPipelines is GET /crm/v3/pipelines/deals: the deal pipelines with their stages, which is
// where HubSpot exposes the valid values of dealstage per pipeline.
func (s *Server) handleListPipelines(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"results": []pipelineJSON{s.pipelineJSON(defaultPipeline)}})
}

func (s *Server) handleGetPipeline(w http.ResponseWriter, r *http.Request) {
	p, ok := s.pipelineByID(r.PathValue("pipelineId"))
	if !ok {
		writeAPIError(w, notFound())
		return
	}
	writeJSON(w, http.StatusOK, s.pipelineJSON(p))
}

func (s *Server) handleListStages(w http.ResponseWriter, r *http.Request) {
	p, ok := s.pipelineByID(r.PathValue("pipelineId"))
	if !ok {
		writeAPIError(w, notFound())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": s.pipelineJSON(p).Stages})
}
