package api

import "github.com/cosellsync/cosell/cosell"

// LeadUpdate sets who leads one stage of one deal, over the playbook's table for its model
// (LeadInput → LeadResult): an update, so `cosell deal lead` hears the deal's answer or its refusal.
const LeadUpdate = "lead"

// LeadInput overrides one stage's lead: a, b or joint; the playbook's lead removes the override.
type LeadInput struct {
	Stage cosell.Stage `json:"stage"`
	Lead  cosell.Lead  `json:"lead"`
	// By is who agreed it (an e-mail), for the log.
	By string `json:"by,omitempty"`
}

// LeadResult is the deal's plan in force: the lead of every stage, overrides marked.
type LeadResult struct {
	Leads []cosell.StageLead `json:"leads"`
	// Current is the stage the deal is in and its lead now.
	Current cosell.StageLead `json:"current"`
}
