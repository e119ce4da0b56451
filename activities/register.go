package activities

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// ErrTypeRefused is a registration refused before anything was written (malformed values, a killed
// pairing, a pairing that cannot hold the account): no retry can fix it. The message says why.
const ErrTypeRefused = "RegistrationRefused"

// refused is a non-retryable refusal carrying its reason as the message.
func refused(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeRefused, nil, Rejection{Message: msg})
}

// CreateRegistration registers a deal submitted through the CLI or the HTTP API. Everything that can
// refuse it is checked first (the values, the pairing, its pilot, where the pairing keeps the account),
// so a refusal leaves nothing in either CRM. Then it creates the deal, flagged for co-sell, in the
// registering partner's CRM under a co-sell id derived from the request id (an upsert: a retry finds
// the deal it made), and hands the record to its deal workflow, which creates the mirror, the plan and
// the account claim as for a deal flagged in the CRM.
func (a *Activities) CreateRegistration(ctx context.Context, in api.RegisterInput) (api.RegisterResult, error) {
	reg, err := registration.Check(in.Request, time.Now().UTC())
	if err != nil {
		return api.RegisterResult{}, refused("%v", err)
	}
	c, err := a.connection(reg.PairingID)
	if err != nil {
		return api.RegisterResult{}, refused("registration refused: pairing %q is not served by this worker", reg.PairingID)
	}
	p := c.Pairing
	if cur := p.Attribution.Currency; cur != "" && cur != reg.Amount.Currency {
		return api.RegisterResult{}, refused("registration refused: currency: pairing %s attributes deals in %s, not %s", p.ID, cur, reg.Amount.Currency)
	}
	values, err := registrationValues(p, reg)
	if err != nil {
		return api.RegisterResult{}, err
	}
	st, err := a.PilotStatus(ctx, PilotStatusInput{PairingID: p.ID})
	if err != nil {
		return api.RegisterResult{}, err
	}
	if st.Killed {
		return api.RegisterResult{}, refused("%s", KilledReason(st))
	}
	crm, ok := c.CRM[reg.Partner]
	if !ok {
		return api.RegisterResult{}, refused("registration refused: pairing %s has no CRM connection for partner %s", p.ID, reg.Partner)
	}
	raw, issues := p.FromCanonical(reg.Partner, values)
	if len(issues) > 0 {
		return api.RegisterResult{}, refused("registration refused: %s: %s", issues[0].Field, issues[0].Message)
	}
	df := p.DealFields(reg.Partner)
	raw[df.Enabled] = enabledValue(crm)
	if r := p.Partner(reg.Partner).Route; r != nil && len(r.Values) > 0 {
		raw[r.Field] = r.Values[0] // the connection's other pairings must not take it for theirs
	}
	if o, found, err := a.findOwner(ctx, p.ID, reg.Partner, crm, func(o connectors.Owner) bool {
		return strings.EqualFold(o.Email, p.FallbackOwner(reg.Partner)) && o.Active
	}); err != nil {
		return api.RegisterResult{}, classify("list owners", err)
	} else if found {
		raw[df.Owner] = o.ID
	}
	coSellID := api.NewCoSellID(p.ID, reg.Partner, "registration:"+in.RequestID)
	res, err := crm.UpsertDeal(ctx, coSellID, raw)
	if err != nil {
		return api.RegisterResult{}, classify(fmt.Sprintf("create the registered deal %s on %s", coSellID, reg.Partner), err)
	}
	if err := linkAccount(ctx, p, reg.Partner, crm, res.RecordID, values); err != nil {
		return api.RegisterResult{}, classify(fmt.Sprintf("link the registered deal %s to its account", coSellID), err)
	}
	d, err := crm.GetDeal(ctx, res.RecordID)
	if err != nil {
		return api.RegisterResult{}, classify(fmt.Sprintf("read the registered deal %s", res.RecordID), err)
	}
	reading, err := a.sideState(ctx, p, reg.Partner, crm, d)
	if err != nil {
		return api.RegisterResult{}, err
	}
	ev := api.ChangeEvent{Side: reg.Partner, RecordID: res.RecordID, Deal: &reading, Source: in.Source, Policy: a.policyVersionOf(p.ID)}
	if err := a.deals().Deliver(ctx, p.ID, coSellID, ev); err != nil {
		return api.RegisterResult{}, err
	}
	activity.GetLogger(ctx).Info("deal registered", "pairing", p.ID, "deal", coSellID, "record", res.RecordID, "source", in.Source, "account", reg.Account.String())
	return api.RegisterResult{CoSellID: coSellID, RecordID: res.RecordID, Account: reg.Account.String()}, nil
}

// KilledReason is the refusal of a registration in a killed pairing, with the approver's reason.
func KilledReason(st PilotStatus) string {
	msg := fmt.Sprintf("registration refused: the %s pilot was killed on %s", st.Name, st.KilledAt.UTC().Format(time.DateOnly))
	if st.Why != "" {
		msg += " (" + st.Why + ")"
	}
	return msg + "; future deals route to referral"
}

// registrationValues are the canonical values a registered deal is created with. The pairing must map
// where the registering CRM keeps the account (the domain, or the name when no domain is given):
// without it the account could not be told apart from others and the claim would be lost.
func registrationValues(p *pairing.Pairing, reg registration.Registration) (map[string]string, error) {
	values := map[string]string{
		"name": reg.DealName, "amount": reg.Amount.Decimal(), "close_date": reg.CloseDate,
	}
	if reg.Domain != "" {
		values[vocab.FieldAccountDomain] = reg.Domain
	}
	if reg.AccountName != "" {
		values[vocab.FieldAccountName] = reg.AccountName
	}
	need := vocab.FieldAccountDomain
	if reg.Domain == "" {
		need = vocab.FieldAccountName
	}
	if _, ok := p.Field(need); !ok {
		return nil, refused("registration refused: pairing %s maps no %s field, so the deal's account could not be kept in the CRM; add it to the pairing's fields", p.ID, need)
	}
	if f, ok := p.Field("stage"); ok && len(f.Values) > 0 {
		values["stage"] = f.Values[0].Canonical // a new registration starts at the first stage
	}
	if reg.Model != "" {
		values[vocab.FieldCoSellModel] = string(reg.Model)
	}
	values[vocab.FieldCoSellStatus] = "pending" // as the deal starts it, so the record and the deal agree from the start
	for name := range values {
		if _, ok := p.Field(name); !ok {
			delete(values, name) // a field the pairing does not map is not written
		}
	}
	return values, nil
}

// enabledValue is the co-sell flag as the CRM stores it: a checkbox in Salesforce, a string property in
// HubSpot.
func enabledValue(crm connectors.CRM) any {
	if crm.Kind() == "hubspot" {
		return strconv.FormatBool(true)
	}
	return true
}

// ClaimInput claims an account for a deal: the account's workflow is started with the first claim
// (update-with-start), so concurrent first claims are serialized by Temporal on one workflow id.
type ClaimInput struct {
	Account string             `json:"account"`
	Claim   registration.Claim `json:"claim"`
}

// ClaimAccount sends a deal's claim to its account's workflow and returns the account's answer.
func (a *Activities) ClaimAccount(ctx context.Context, in ClaimInput) (api.ClaimResult, error) {
	key, err := account.ParseKey(in.Account)
	if err != nil {
		return api.ClaimResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("claim for deal %s: %v", in.Claim.CoSellID, err), ErrTypeConfig, nil)
	}
	return Claim(ctx, a.Client, a.TaskQueue, key, in.Claim)
}

// Claim sends a claim to an account's workflow with update-with-start and waits for its answer.
func Claim(ctx context.Context, c client.Client, taskQueue string, key account.Key, claim registration.Claim) (api.ClaimResult, error) {
	id := api.AccountWorkflowID(key)
	start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: taskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, api.AccountWorkflowName, api.AccountInput{Account: key})
	h, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: api.ClaimUpdate, Args: []any{api.ClaimInput{Claim: claim}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	if err != nil {
		return api.ClaimResult{}, fmt.Errorf("claim account %s for deal %s: %w", key, claim.CoSellID, err)
	}
	var out api.ClaimResult
	if err := h.Get(ctx, &out); err != nil {
		return api.ClaimResult{}, fmt.Errorf("claim account %s for deal %s: %w", key, claim.CoSellID, err)
	}
	return out, nil
}
