package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/vocab"
)

// AnswerRegistration writes the other partner's answer (accepted, or declined with its reason) to its
// own CRM's status field and hands the record to the deal, which takes it as an edit of that partner
// like one typed in the CRM: the one path of the three ways to answer. Everything that can refuse the
// answer is checked before the write.
func (a *Activities) AnswerRegistration(ctx context.Context, in api.AnswerInput) (api.AnswerResult, error) {
	res, err := a.Client.QueryWorkflow(ctx, api.DealWorkflowID(in.CoSellID), "", api.DealQuery)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return api.AnswerResult{}, refused("no co-sell deal %s is running", in.CoSellID)
		}
		return api.AnswerResult{}, fmt.Errorf("query deal %s: %w", in.CoSellID, err)
	}
	var v api.DealView
	if err := res.Get(&v); err != nil {
		return api.AnswerResult{}, fmt.Errorf("query deal %s: %w", in.CoSellID, err)
	}
	status := engine.StatusAccepted
	if !in.Accept {
		status = engine.StatusDeclined
	}
	reason := strings.TrimSpace(in.Reason)
	switch r := v.Registration; {
	case in.PairingID != "" && in.PairingID != v.PairingID:
		return api.AnswerResult{}, refused("deal %s is not a deal of pairing %s", in.CoSellID, in.PairingID)
	case r == nil || r.Status == "":
		return api.AnswerResult{}, refused("deal %s was registered without a registration status (its pairing maps no %s field): any edit of the partner accepted it", in.CoSellID, vocab.FieldCoSellStatus)
	case in.Partner != vocab.A && in.Partner != vocab.B:
		return api.AnswerResult{}, refused("partner %q: use a or b", in.Partner)
	case in.Partner == r.Origin:
		return api.AnswerResult{}, refused("partner %s registered deal %s: the other partner accepts or declines it", in.Partner, in.CoSellID)
	case r.Status != engine.StatusPending:
		return api.AnswerResult{}, refused("deal %s was already %s", in.CoSellID, r.Status)
	case !in.Accept && reason == "":
		return api.AnswerResult{}, refused("a decline needs a reason (--reason)")
	}
	record := v.Sides[in.Partner].RecordID
	if record == "" {
		return api.AnswerResult{}, refused("deal %s has no record in partner %s's CRM yet", in.CoSellID, in.Partner)
	}
	c, err := a.connection(v.PairingID)
	if err != nil {
		return api.AnswerResult{}, err
	}
	p, crm := c.Pairing, c.CRM[in.Partner]
	values := map[string]string{vocab.FieldCoSellStatus: status}
	if !in.Accept {
		if _, ok := p.Field(vocab.FieldDeclineReason); !ok {
			return api.AnswerResult{}, refused("pairing %s maps no %s field: the reason could not be kept", p.ID, vocab.FieldDeclineReason)
		}
		values[vocab.FieldDeclineReason] = reason
	}
	raw, issues := p.FromCanonical(in.Partner, values)
	if len(issues) > 0 {
		return api.AnswerResult{}, refused("%s: %s", issues[0].Field, issues[0].Message)
	}
	if err := crm.UpdateDeal(ctx, record, raw); err != nil {
		return api.AnswerResult{}, classify(fmt.Sprintf("write the answer to deal %s on %s", in.CoSellID, in.Partner), err)
	}
	d, err := crm.GetDeal(ctx, record)
	if err != nil {
		return api.AnswerResult{}, classify(fmt.Sprintf("read deal %s on %s", in.CoSellID, in.Partner), err)
	}
	reading, err := a.sideState(ctx, p, in.Partner, crm, d)
	if err != nil {
		return api.AnswerResult{}, err
	}
	ev := api.ChangeEvent{Side: in.Partner, RecordID: record, Deal: &reading, Source: in.Source, Policy: a.policyVersionOf(p.ID)}
	if _, err := a.deals().Signal(ctx, p.ID, in.CoSellID, ev); err != nil {
		return api.AnswerResult{}, err
	}
	activity.GetLogger(ctx).Info("registration answered", "deal", in.CoSellID, "partner", string(in.Partner), "status", status)
	return api.AnswerResult{CoSellID: in.CoSellID, RecordID: record, Status: status}, nil
}
