package hubspot

import (
	"fmt"
	"net/http"
)

// dealOutcome is what HubSpot's calculated deal properties hs_is_closed and hs_is_closed_won say about a
// deal in stage stageID of pipeline pipelineID (the default pipeline when empty): closed when the stage is
// marked closed (isClosed), won when it is a closed stage with probability 1.0, which is how HubSpot tells
// a closed-won stage from a closed-lost one. An unknown or unset stage is neither.
func dealOutcome(pipelineID, stageID string) (closed, won bool) {
	if pipelineID == "" {
		pipelineID = defaultPipeline.ID
	}
	if pipelineID != defaultPipeline.ID {
		return false, false
	}
	for _, st := range defaultPipeline.Stages {
		if st.ID == stageID {
			return st.Closed, st.Closed && st.Probability == "1.0"
		}
	}
	return false, false
}

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
	s.mu.Lock()
	defer s.mu.Unlock()
	p, _ := s.pipelineByID(defaultPipeline.ID)
	writeJSON(w, http.StatusOK, map[string]any{"results": []pipelineJSON{s.pipelineJSON(p)}})
}

func (s *Server) handleGetPipeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pipelineByID(r.PathValue("pipelineId"))
	if !ok {
		writeAPIError(w, notFound())
		return
	}
	writeJSON(w, http.StatusOK, s.pipelineJSON(p))
}

func (s *Server) handleListStages(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pipelineByID(r.PathValue("pipelineId"))
	if !ok {
		writeAPIError(w, notFound())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": s.pipelineJSON(p).Stages})
}

// handleArchiveStage is DELETE /crm/v3/pipelines/deals/{pipelineId}/stages/{stageId}: HubSpot archives the
// stage, which pipelines stop listing and deals can no longer enter (204).
func (s *Server) handleArchiveStage(w http.ResponseWriter, r *http.Request) {
	if e := s.ArchiveStage(r.PathValue("pipelineId"), r.PathValue("stageId")); e != nil {
		writeAPIError(w, notFound())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ArchiveStage archives a stage of a deal pipeline, as an admin deleting it in the pipeline settings
// does, so a test can run a mapping that names a stage the portal no longer has.
func (s *Server) ArchiveStage(pipelineID, stageID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pipelineByID(pipelineID)
	if !ok || !p.hasStage(stageID) {
		return fmt.Errorf("archive stage: pipeline %q has no stage %q", pipelineID, stageID)
	}
	s.archivedStages[pipelineID+"/"+stageID] = true
	return nil
}
