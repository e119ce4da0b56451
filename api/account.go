package api

import (
	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/touchpoint"
	"github.com/cosellsync/cosell/vocab"
)

// Workflow type names of registration and conflict detection (issue #9, items 1 and 2).
const (
	// AccountWorkflowName is the entity workflow of one account key: it serializes every claim on the
	// account, so the first registration is primary however many arrive at once.
	AccountWorkflowName = "AccountWorkflow"
	// RegistrationWorkflowName registers one deal submitted through the CLI or the HTTP API: it checks
	// it, creates it in the registering partner's CRM and hands it to its deal workflow.
	RegistrationWorkflowName = "RegistrationWorkflow"
)

// Message names of the account workflow.
const (
	// ClaimUpdate carries a ClaimInput; it answers a ClaimResult. Sent with update-with-start, so the
	// first claim starts the account's workflow.
	ClaimUpdate = "claim"
	// ResolveUpdate carries a ResolveInput; it answers the settled registration.Entry.
	ResolveUpdate = "resolve"
	// AccountQuery returns an AccountView.
	AccountQuery = "account"
)

// AccountWorkflowID is the workflow id of the account with a key: one workflow per account.
func AccountWorkflowID(key account.Key) string { return AccountWorkflowPrefix + key.String() }

// AccountWorkflowPrefix starts every account workflow id, so `cosell conflict list` can find them.
const AccountWorkflowPrefix = "cosell-account/"

// RegistrationWorkflowID is the workflow id of one submitted registration, keyed by the submitter's
// request id so a retried submission is the same registration.
func RegistrationWorkflowID(pairingID, requestID string) string {
	return "cosell-registration/" + pairingID + "/" + requestID
}

// AccountInput starts (or continues) an account workflow.
type AccountInput struct {
	Account account.Key          `json:"account"`
	State   *registration.Ledger `json:"state,omitempty"`
}

// ClaimInput is one deal's claim on an account.
type ClaimInput struct {
	Claim registration.Claim `json:"claim"`
}

// ClaimResult is the account's answer: the deal's entry (primary, or a conflict pointing at the
// primary) and whether it is new.
type ClaimResult struct {
	Entry registration.Entry `json:"entry"`
	New   bool               `json:"new"`
}

// ResolveInput settles one conflict.
type ResolveInput struct {
	CoSellID   string                  `json:"coSellId"`
	Resolution registration.Resolution `json:"resolution"`
	By         string                  `json:"by"`
	Note       string                  `json:"note,omitempty"`
}

// SettleConflictUpdate carries an engine.Settlement to the conflicting deal, which closes its
// registration on a merge or a reject (SettleConflictResult).
const SettleConflictUpdate = "settle-conflict"

// ErrTypeDealStarting is the error type of an update a deal cannot take yet (it has not loaded its
// policy): worth retrying, unlike the deal's refusals.
const ErrTypeDealStarting = "DealStarting"

// SettleConflictResult is what the settled deal holds: its registration status and, for a merge, the
// touchpoints the primary takes over.
type SettleConflictResult struct {
	Status      string                  `json:"status"`
	Touchpoints []touchpoint.Touchpoint `json:"touchpoints,omitempty"`
}

// SettleInput asks the SettleConflict activity to carry an admin's settlement of entry to its deal
// and, on a merge, the deal's touchpoints to the primary.
type SettleInput struct {
	Account        string             `json:"account"`
	Entry          registration.Entry `json:"entry"`
	PrimaryPairing string             `json:"primaryPairing,omitempty"`
}

// AccountView is what the account query returns and `cosell conflict list` prints.
type AccountView struct {
	Ledger registration.Ledger `json:"ledger"`
}

// RegistrationView is a deal's registration as `cosell deal show` prints it.
type RegistrationView struct {
	engine.RegistrationState
	// Origin is the registering partner; the other one answers.
	Origin vocab.Side `json:"origin"`
	// Account is the deal's claim on its account (primary, or a conflict pointing at the primary), when
	// this run of the deal made it.
	Account *registration.Entry `json:"account,omitempty"`
}

// AnswerInput is the other partner's answer to a registration, from the CLI or the API.
type AnswerInput struct {
	// PairingID, when set, must be the deal's pairing (the API checks the caller's pairing so).
	PairingID string     `json:"pairingId,omitempty"`
	CoSellID  string     `json:"coSellId"`
	Partner   vocab.Side `json:"partner"` // who answers: the partner that did not register
	Accept    bool       `json:"accept"`
	Reason    string     `json:"reason,omitempty"` // required to decline
	// Source is "cli" or "api".
	Source string `json:"source"`
}

// AnswerResult says what the answering partner's CRM now holds.
type AnswerResult struct {
	CoSellID string `json:"coSellId"`
	RecordID string `json:"recordId"`
	Status   string `json:"status"`
}

// AnswerWorkflowName writes one answer to the answering partner's CRM and hands it to the deal.
const AnswerWorkflowName = "AnswerWorkflow"

// AnswerWorkflowID keys an answer by deal, so two answers to one deal never run at once.
func AnswerWorkflowID(coSellID string) string { return "cosell-answer/" + coSellID }

// RegisterInput is a submitted registration: the request as the partner typed it, where it came from
// ("cli", "api") and the request id it is deduplicated by.
type RegisterInput struct {
	Request   registration.Request `json:"request"`
	Source    string               `json:"source"`
	RequestID string               `json:"requestId"`
}

// RegisterResult is a registration done: the deal's co-sell id and its record in the registering CRM.
type RegisterResult struct {
	CoSellID string `json:"coSellId"`
	RecordID string `json:"recordId"`
	Account  string `json:"account"`
}
