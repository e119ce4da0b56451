package connectors

import (
	"context"
	"time"
)

// Batcher is a CRM connection that can read and write many deals in one call (HubSpot's batch
// endpoints, Salesforce's SOQL IN, sObject Collections and Composite). The coalescer in
// connectors/batch gathers the concurrent single-deal calls of many deal workflows into these, so a burst
// of changes costs a few calls instead of a few per change.
//
// Each method takes at most the connection's BatchLimits for its kind and returns one outcome per input,
// in input order: a record the CRM refused or does not have carries its own error (matching ErrNotFound,
// ErrModified, or a classified *Error with the CRM's message) and never fails the others. An error of the
// whole call (network, rate limit, budget) is every input's error.
type Batcher interface {
	// BatchLimits says how many inputs each kind of batch call takes.
	BatchLimits() BatchLimits
	// GetDealBatch reads deals by record id.
	GetDealBatch(ctx context.Context, recordIDs []string) []DealOutcome
	// FindDealBatch reads the deals carrying co-sell ids; a co-sell id no deal carries has an
	// outcome with Found false and no error.
	FindDealBatch(ctx context.Context, coSellIDs []string) []DealOutcome
	// UpsertDealBatch is UpsertDeal for many deals, distinct co-sell ids.
	UpsertDealBatch(ctx context.Context, in []DealUpsert) []UpsertOutcome
	// UpdateDealBatch is UpdateDeal for many deals, distinct record ids. A non-zero Since makes a record's
	// update conditional (see ConditionalUpdater) where the connection implements it; elsewhere it is
	// ignored.
	UpdateDealBatch(ctx context.Context, in []DealUpdate) []error
}

// BatchLimits are the most inputs one batch call of each kind takes.
type BatchLimits struct {
	Read  int // GetDealBatch, FindDealBatch
	Write int // UpsertDealBatch, UpdateDealBatch without a condition
	// ConditionalWrite bounds UpdateDealBatch when any input carries a Since: Salesforce's conditional
	// updates go through Composite, 25 subrequests a call.
	ConditionalWrite int
}

// DealOutcome is one deal read of a batch.
type DealOutcome struct {
	Deal  Deal
	Found bool
	Err   error
}

// DealUpsert is one input of UpsertDealBatch.
type DealUpsert struct {
	CoSellID string
	Fields   map[string]any
}

// UpsertOutcome is one upsert of a batch.
type UpsertOutcome struct {
	Result UpsertResult
	Err    error
}

// DealUpdate is one input of UpdateDealBatch.
type DealUpdate struct {
	RecordID string
	Fields   map[string]any
	// Since, when set, is the condition of UpdateDealIfUnmodifiedSince.
	Since time.Time
}
