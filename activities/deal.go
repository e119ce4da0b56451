package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/engine"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// PolicyInput names the pairing whose sync policy a deal workflow needs.
type PolicyInput struct {
	PairingID string `json:"pairingId"`
}

// Policy is the part of a pairing a deal decides with (see engine.Policy). A deal reads it when a run
// starts, and again when a change event carries another version (api.ChangeEvent.Policy): an edited
// pairing file reaches a running deal with its next change.
type Policy = engine.Policy

// LoadPolicy returns the sync policy of a pairing, with its version.
func (a *Activities) LoadPolicy(_ context.Context, in PolicyInput) (Policy, error) {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return Policy{}, err
	}
	pol := a.policy(c)
	pol.Version = c.policy.of(func() Policy { return pol })
	return pol, nil
}

// policyVersionOf is the version of a pairing's policy as this worker serves it, empty for a pairing
// it does not serve.
func (a *Activities) policyVersionOf(pairingID string) string {
	c, err := a.connection(pairingID)
	if err != nil {
		return ""
	}
	return c.policy.of(func() Policy { return a.policy(c) })
}

// policy builds a pairing's policy (without its version).
func (a *Activities) policy(c *Connection) Policy {
	p := c.Pairing
	out := Policy{
		PairingID: p.ID,
		Parties:   []engine.PartyInfo{{Side: pairing.A, Name: p.A.Name}, {Side: pairing.B, Name: p.B.Name}},
		SLA:       p.SLA.WithDefaults().Scaled(a.SLAScale),
		Slack:     c.Slack != nil, CRMTasks: p.Notifications.CRMTasks,
		OnDelete: p.OnDelete, Pilot: true, Mapping: p.MappingVersion(),
	}
	pilotCfg := p.Pilot.WithDefaults()
	currency := p.Attribution.Currency
	if currency == "" {
		currency = pilotCfg.Currency
	}
	out.CoSell = &engine.CoSellPolicy{Defaults: p.CoSell, Rules: p.Attribution, Currency: currency,
		WonStages: pilotCfg.WonStages, LostStages: pilotCfg.LostStages, Approvers: pilotCfg.Approvers}
	for _, f := range p.Fields {
		rule := engine.Rule{Field: f.Name, Direction: f.Direction, Conflict: f.Conflict,
			Derived: slices.Contains(vocab.EngineFields, f.Name)}
		for _, v := range f.Values {
			rule.Values = append(rule.Values, v.Canonical)
		}
		for _, s := range []pairing.Side{pairing.A, pairing.B} {
			if f.Related(s) {
				rule.ReadOnly = append(rule.ReadOnly, s)
			}
		}
		out.Rules = append(out.Rules, rule)
		if f.Name == pairing.StageField {
			out.StageField = f.Name
		}
	}
	return out
}

// ReadDealInput names a deal on one side, by record id when known, else by co-sell id.
type ReadDealInput struct {
	PairingID string       `json:"pairingId"`
	Side      pairing.Side `json:"side"`
	RecordID  string       `json:"recordId,omitempty"`
	CoSellID  string       `json:"coSellId"`
}

// ReadDeal reads one side's deal and translates it to canonical values. A deal that does not exist is
// not an error: Found is false.
func (a *Activities) ReadDeal(ctx context.Context, in ReadDealInput) (api.SideState, error) {
	p, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return api.SideState{}, err
	}
	var d connectors.Deal
	found := true
	if in.RecordID != "" {
		d, err = crm.GetDeal(ctx, in.RecordID)
		if errors.Is(err, connectors.ErrNotFound) {
			found, err = false, nil
		}
	}
	if !found || in.RecordID == "" {
		// No record id yet, or the record is gone (deleted, or merged into another): look the deal up by
		// its co-sell id before concluding it is missing.
		d, found, err = crm.FindDealByCoSellID(ctx, in.CoSellID)
	}
	if err != nil {
		return api.SideState{}, classify(fmt.Sprintf("read deal on %s", in.Side), err)
	}
	if !found {
		return api.SideState{Side: in.Side}, nil
	}
	return a.sideState(ctx, p, in.Side, crm, d)
}

// sideState translates a CRM deal into the canonical form the workflows compare.
func (a *Activities) sideState(ctx context.Context, p *pairing.Pairing, side pairing.Side, crm connectors.CRM, d connectors.Deal) (api.SideState, error) {
	values, issues := p.ToCanonical(side, d.Fields)
	df := p.DealFields(side)
	st := api.SideState{
		Side:       side,
		Found:      true,
		RecordID:   d.RecordID,
		CoSellID:   d.CoSellID,
		Enabled:    d.Enabled,
		Values:     values,
		Issues:     issues,
		ModifiedAt: d.ModifiedAt,
		Partner: api.Owner{
			Name:  text(d.Fields[df.PartnerOwnerName]),
			Email: text(d.Fields[df.PartnerOwnerEmail]),
		},
	}
	if d.OwnerID != "" {
		o, ok, err := a.findOwner(ctx, p.ID, side, crm, func(o connectors.Owner) bool { return o.ID == d.OwnerID })
		if err != nil {
			return api.SideState{}, classify(fmt.Sprintf("list owners on %s", side), err)
		}
		if ok {
			st.Owner = api.Owner{Email: o.Email, Name: o.Name}
		}
	}
	return st, nil
}

// ownerRefreshAfter is how stale the owner directory may be before a failed lookup refreshes it: long
// enough that a deal whose owner was deleted does not list every owner on every poll, short enough that
// a user created a minute ago is found.
const ownerRefreshAfter = 30 * time.Second

// findOwner looks an owner up in the cached directory, refreshing it on a miss when it is older than
// ownerRefreshAfter.
func (a *Activities) findOwner(ctx context.Context, pairingID string, side pairing.Side, crm connectors.CRM, match func(connectors.Owner) bool) (connectors.Owner, bool, error) {
	for _, maxAge := range []time.Duration{0, ownerRefreshAfter} {
		owners, err := a.owners(ctx, pairingID, side, crm, maxAge)
		if err != nil {
			return connectors.Owner{}, false, err
		}
		for _, o := range owners {
			if match(o) {
				return o, true, nil
			}
		}
	}
	return connectors.Owner{}, false, nil
}

// StampInput writes a deal's co-sell id onto the record a partner flagged.
type StampInput struct {
	PairingID string       `json:"pairingId"`
	Side      pairing.Side `json:"side"`
	RecordID  string       `json:"recordId"`
	CoSellID  string       `json:"coSellId"`
}

// StampResult is the record as the stamp left it, when it could be read back.
type StampResult struct {
	Deal *api.SideState `json:"deal,omitempty"`
}

// StampCoSellID registers a flagged deal by writing its co-sell id to it. Writing the same id again is
// harmless, so retries are safe. It reads the record back, so the deal learns the modification stamp of
// its own stamp: the next write there, conditioned on the deal's last look, is not refused by it.
func (a *Activities) StampCoSellID(ctx context.Context, in StampInput) (StampResult, error) {
	p, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return StampResult{}, err
	}
	df := p.DealFields(in.Side)
	err = crm.UpdateDeal(ctx, in.RecordID, map[string]any{df.CoSellID: in.CoSellID})
	if err != nil {
		return StampResult{}, classify(fmt.Sprintf("stamp co-sell id %s on %s %s", in.CoSellID, in.Side, in.RecordID), err)
	}
	d, err := crm.GetDeal(ctx, in.RecordID)
	if err == nil {
		var st api.SideState
		if st, err = a.sideState(ctx, p, in.Side, crm, d); err == nil {
			return StampResult{Deal: &st}, nil
		}
	}
	// The stamp went through; the deal reads the record again when it needs to.
	activity.GetLogger(ctx).Warn("cannot read the stamped deal back", "deal", in.CoSellID, "error", err)
	return StampResult{}, nil
}

// WriteDealInput is one write of canonical values to one side: to its record id once the deal is
// linked there, or, for the first write of a mirror, by co-sell id (an idempotent upsert).
type WriteDealInput struct {
	PairingID string            `json:"pairingId"`
	Side      pairing.Side      `json:"side"`
	CoSellID  string            `json:"coSellId"`
	RecordID  string            `json:"recordId,omitempty"`
	Values    map[string]string `json:"values,omitempty"`
	// Enabled, when set, writes the co-sell flag (false takes the mirror out of co-sell).
	Enabled *bool `json:"enabled,omitempty"`
	// PartnerOwner, when set, is written to the partner-owner fields.
	PartnerOwner *api.Owner `json:"partnerOwner,omitempty"`
	// Create marks the first write of a mirror: the co-sell flag and an owner are set too.
	Create bool `json:"create,omitempty"`
	// SourceOwnerEmail is the e-mail of the deal's owner on the other side, mapped to pick the new
	// mirror's owner.
	SourceOwnerEmail string `json:"sourceOwnerEmail,omitempty"`
	// UnmodifiedSince, on a write by record id, is the record's modification stamp as the deal last
	// observed it. Where the CRM offers a conditional write (Salesforce) the write is refused, with a
	// CodeModified rejection and nothing written, if the record changed after it; HubSpot writes anyway.
	UnmodifiedSince time.Time `json:"unmodifiedSince,omitzero"`
}

// WriteDealResult reports the record written, each written field as the CRM stored it, and any value
// that could not be written.
type WriteDealResult struct {
	RecordID string            `json:"recordId"`
	Created  bool              `json:"created"`
	Owner    api.Owner         `json:"owner"`
	Issues   []pairing.Issue   `json:"issues,omitempty"`
	Stored   map[string]string `json:"stored,omitempty"`
	// ModifiedAt is the record's modification stamp after the write.
	ModifiedAt time.Time `json:"modifiedAt,omitzero"`
}

// WriteDeal is the single write path for mirrored deals. After writing it reads the record back, so the
// deal learns each value as the CRM stored it (trimmed, rounded) and the stamp of its own write.
func (a *Activities) WriteDeal(ctx context.Context, in WriteDealInput) (WriteDealResult, error) {
	p, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return WriteDealResult{}, err
	}
	raw, issues := p.FromCanonical(in.Side, in.Values)
	df := p.DealFields(in.Side)
	if in.PartnerOwner != nil {
		raw[df.PartnerOwnerName] = in.PartnerOwner.Name
		raw[df.PartnerOwnerEmail] = in.PartnerOwner.Email
	}
	if in.Enabled != nil {
		raw[df.Enabled] = *in.Enabled
	}
	var res WriteDealResult
	if in.Create {
		raw[df.Enabled] = true
		owner, ownerIssue, err := a.mirrorOwner(ctx, p, in.Side, crm, in.SourceOwnerEmail)
		if err != nil {
			return WriteDealResult{}, err
		}
		if ownerIssue != nil {
			issues = append(issues, *ownerIssue)
		}
		raw[df.Owner] = owner.ID
		res.Owner = api.Owner{Email: owner.Email, Name: owner.Name}
	}
	op := fmt.Sprintf("write deal %s on %s", in.CoSellID, in.Side)
	if in.Create || in.RecordID == "" {
		out, err := crm.UpsertDeal(ctx, in.CoSellID, raw)
		if err != nil {
			return WriteDealResult{}, withCanonical(p, in.Side, classify(op, err))
		}
		res.RecordID, res.Created = out.RecordID, out.Created
		if in.Create {
			if err := linkAccount(ctx, p, in.Side, crm, res.RecordID, in.Values); err != nil {
				return WriteDealResult{}, withCanonical(p, in.Side, classify(fmt.Sprintf("link deal %s on %s to its account", in.CoSellID, in.Side), err))
			}
		}
	} else if len(raw) > 0 {
		if err := updateDeal(ctx, crm, in.RecordID, raw, in.UnmodifiedSince); err != nil {
			return WriteDealResult{}, withCanonical(p, in.Side, classify(op, err))
		}
		res.RecordID = in.RecordID
	}
	res.Issues = issues
	if d, err := crm.GetDeal(ctx, res.RecordID); err == nil {
		stored, _ := p.ToCanonical(in.Side, d.Fields)
		res.Stored = map[string]string{}
		for f := range in.Values {
			if v, ok := stored[f]; ok {
				res.Stored[f] = v
			}
		}
		res.ModifiedAt = d.ModifiedAt
	} else if !errors.Is(err, connectors.ErrNotFound) {
		// The write went through; the stored forms are read again at the next sync.
		activity.GetLogger(ctx).Warn("cannot read the written deal back", "deal", in.CoSellID, "error", err)
	}
	activity.GetLogger(ctx).Info("deal written", "deal", in.CoSellID, "pairing", in.PairingID, "crm", crm.Kind(),
		"side", string(in.Side), "record", res.RecordID, "created", res.Created, "fields", len(raw))
	return res, nil
}

// updateDeal writes fields to a record by id, conditionally on since where the CRM can (see
// connectors.ConditionalUpdater): a CRM without conditional writes races a user editing at the same
// moment, which the deal engine's read before each write narrows but cannot close.
func updateDeal(ctx context.Context, crm connectors.CRM, recordID string, fields map[string]any, since time.Time) error {
	if cu, ok := crm.(connectors.ConditionalUpdater); ok && !since.IsZero() {
		return cu.UpdateDealIfUnmodifiedSince(ctx, recordID, fields, since)
	}
	return crm.UpdateDeal(ctx, recordID, fields)
}

// mirrorOwner picks the owner of a new mirror: the owner map's match for the source owner when that user
// exists and is active, else the side's fallback owner, which must exist and be active.
func (a *Activities) mirrorOwner(ctx context.Context, p *pairing.Pairing, side pairing.Side, crm connectors.CRM, sourceEmail string) (connectors.Owner, *pairing.Issue, error) {
	byEmail := func(email string) (connectors.Owner, bool, error) {
		return a.findOwner(ctx, p.ID, side, crm, func(o connectors.Owner) bool { return strings.EqualFold(o.Email, email) })
	}
	var issue *pairing.Issue
	if mapped, ok := p.MapOwner(side.Other(), sourceEmail); ok {
		o, found, err := byEmail(mapped)
		if err != nil {
			return connectors.Owner{}, nil, classify("list owners", err)
		}
		if found && o.Active {
			return o, nil, nil
		}
		state := "does not exist"
		if found {
			state = "is inactive"
		}
		issue = &pairing.Issue{Field: "owner", Side: side, Message: fmt.Sprintf(
			"owner map names %s for %s, but that user %s in %s; the fallback owner was used", mapped, sourceEmail, state, crm.Kind())}
	}
	fallback := p.FallbackOwner(side)
	o, found, err := byEmail(fallback)
	if err != nil {
		return connectors.Owner{}, nil, classify("list owners", err)
	}
	if !found || !o.Active {
		msg := fmt.Sprintf("fallback owner %s of %s does not exist or is inactive in %s; fix owners › fallback in %s",
			fallback, p.Partner(side).Name, crm.Kind(), p.Path)
		return connectors.Owner{}, nil, temporal.NewNonRetryableApplicationError(msg, ErrTypeRejected, nil,
			Rejection{CRM: crm.Kind(), Code: "OWNER_NOT_FOUND", Message: msg, Fields: []string{p.DealFields(side).Owner}})
	}
	return o, issue, nil
}

// MirrorNoteInput is a note to copy onto the other side's deal. Body is empty for a note whose text
// the deal no longer holds (it is never carried across continue-as-new): it is read from SourceSide.
type MirrorNoteInput struct {
	PairingID    string       `json:"pairingId"`
	Side         pairing.Side `json:"side"`
	DealRecordID string       `json:"dealRecordId"`
	Key          string       `json:"key"`
	Subject      string       `json:"subject"`
	// Prefix attributes the note ("[Acme · Jane Doe]"); the mirror's body is Prefix, a space, and Body.
	Prefix       string       `json:"prefix"`
	Body         string       `json:"body,omitempty"`
	SourceSide   pairing.Side `json:"sourceSide"`
	SourceNoteID string       `json:"sourceNoteId"`
	Timestamp    time.Time    `json:"timestamp"`
}

// MirrorNoteResult names the note written (or found already written).
type MirrorNoteResult struct {
	NoteID string `json:"noteId"`
}

// MirrorNote writes a note's mirror once per key: a retry finds the note it wrote before.
func (a *Activities) MirrorNote(ctx context.Context, in MirrorNoteInput) (MirrorNoteResult, error) {
	_, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return MirrorNoteResult{}, err
	}
	body := in.Body
	if body == "" {
		if body, err = a.noteBody(ctx, in.PairingID, in.SourceSide, in.SourceNoteID); err != nil {
			return MirrorNoteResult{}, err
		}
	}
	id, err := crm.CreateNote(ctx, connectors.NoteInput{
		DealRecordID: in.DealRecordID, Key: in.Key, Subject: in.Subject, Body: in.Prefix + " " + body, Timestamp: in.Timestamp,
	})
	if err != nil {
		return MirrorNoteResult{}, classify(fmt.Sprintf("mirror note %s on %s", in.Key, in.Side), err)
	}
	return MirrorNoteResult{NoteID: id}, nil
}

// noteBody reads a note's text from the side it was written on.
func (a *Activities) noteBody(ctx context.Context, pairingID string, side pairing.Side, noteID string) (string, error) {
	_, crm, err := a.crm(pairingID, side)
	if err != nil {
		return "", err
	}
	n, err := crm.GetNote(ctx, noteID)
	if errors.Is(err, connectors.ErrNotFound) {
		// The source note is gone (deleted, or its deal with it): the mirror can never be written. That is
		// a rejection of this note, not a missing record on the side being written, which NOT_FOUND means
		// to the engine (it would read that side again and retry the note forever).
		msg := fmt.Sprintf("note %s on %s no longer exists", noteID, side)
		return "", temporal.NewNonRetryableApplicationError(msg, ErrTypeRejected, nil,
			Rejection{CRM: crm.Kind(), Code: CodeSourceNoteGone, Message: msg})
	}
	if err != nil {
		return "", classify(fmt.Sprintf("read note %s on %s", noteID, side), err)
	}
	return n.Body, nil
}

// withCanonical adds the canonical names of the fields a rejection blames, so the workflow can drop
// exactly those and write the rest.
func withCanonical(p *pairing.Pairing, side pairing.Side, err error) error {
	rej, ok := RejectionOf(err)
	if !ok || len(rej.Fields) == 0 {
		return err
	}
	for _, crmField := range rej.Fields {
		for _, f := range p.Fields {
			if strings.EqualFold(f.On(side), crmField) {
				rej.Canonical = append(rej.Canonical, f.Name)
			}
		}
	}
	var app *temporal.ApplicationError
	errors.As(err, &app)
	return temporal.NewNonRetryableApplicationError(app.Message(), ErrTypeRejected, nil, rej)
}

// text renders a CRM value as text for display fields.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
