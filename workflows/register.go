// Package workflows holds the deterministic orchestration of the sync: one DealWorkflow per co-sold deal
// and one ChangeFeedWorkflow per CRM connection, for every pairing that uses it. Decisions that need no
// Temporal (the three-way merge, value mapping) live in pure packages; side effects live in activities.
//
// See ARCHITECTURE.md beside this file for how a change travels from one CRM to the other.
package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// Registrar is the part of a Temporal worker (or test environment) that registration needs.
type Registrar interface {
	RegisterWorkflowWithOptions(w interface{}, options workflow.RegisterOptions)
	RegisterActivity(a interface{})
}

// Register registers every workflow under its stable name, and the activities once.
func Register(w Registrar, acts *activities.Activities) {
	w.RegisterWorkflowWithOptions(DealWorkflow, workflow.RegisterOptions{Name: api.DealWorkflowName})
	w.RegisterWorkflowWithOptions(ChangeFeedWorkflow, workflow.RegisterOptions{Name: api.ChangeFeedWorkflowName})
	w.RegisterWorkflowWithOptions(PilotWorkflow, workflow.RegisterOptions{Name: api.PilotWorkflowName})
	w.RegisterWorkflowWithOptions(AccountWorkflow, workflow.RegisterOptions{Name: api.AccountWorkflowName})
	w.RegisterWorkflowWithOptions(RegistrationWorkflow, workflow.RegisterOptions{Name: api.RegistrationWorkflowName})
	w.RegisterWorkflowWithOptions(AnswerWorkflow, workflow.RegisterOptions{Name: api.AnswerWorkflowName})
	w.RegisterWorkflowWithOptions(ReconcileWorkflow, workflow.RegisterOptions{Name: api.ReconcileWorkflowName})
	w.RegisterActivity(acts)
}
