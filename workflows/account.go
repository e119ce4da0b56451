package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/notify"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// AccountWorkflow is the entity of one account key (issue #9, item 2). Every deal registered on the
// account claims it here, with update-with-start, so claims arriving at once from any pairing, side or
// way in are serialized by Temporal on one workflow id: the first is primary, every later one a
// conflict pointing at it (registration.Ledger decides). Both partners of each conflicting deal are told
// once, through the notice path the deals use (a CRM task on each side, keyed, and the log), and
// `cosell conflict resolve` settles it. The ledger is the whole state; it continues as new when
// Temporal suggests it, after its handlers finish.
func AccountWorkflow(ctx workflow.Context, in api.AccountInput) error {
	e := &accountEntity{led: registration.Ledger{Account: in.Account}}
	if in.State != nil {
		e.led = *in.State
		for _, c := range e.led.Conflicts() {
			if !c.Told {
				e.tell = append(e.tell, notice{entry: c, event: vocab.RegistrationConflict})
			}
		}
	}
	if err := e.setup(ctx); err != nil {
		return err
	}
	return e.run(ctx, in.Account)
}

type accountEntity struct {
	led  registration.Ledger
	tell []notice
}

// notice is one thing both partners of a deal are to be told.
type notice struct {
	entry registration.Entry
	event vocab.Event
}

func (e *accountEntity) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, api.AccountQuery, func() (api.AccountView, error) {
		return api.AccountView{Ledger: e.led}, nil
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, api.ClaimUpdate, func(ctx workflow.Context, in api.ClaimInput) (api.ClaimResult, error) {
		c := in.Claim
		if c.At.IsZero() {
			c.At = workflow.Now(ctx)
		}
		out := e.led.Add(c)
		if out.Tell {
			e.tell = append(e.tell, notice{entry: out.Entry, event: vocab.RegistrationConflict})
		}
		return api.ClaimResult{Entry: out.Entry, New: out.New}, nil
	}, workflow.UpdateHandlerOptions{Validator: func(in api.ClaimInput) error {
		if in.Claim.CoSellID == "" || in.Claim.PairingID == "" {
			return fmt.Errorf("a claim names its deal and pairing")
		}
		return nil
	}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, api.ResolveUpdate, func(ctx workflow.Context, in api.ResolveInput) (registration.Entry, error) {
		en, err := e.led.Resolve(in.CoSellID, in.Resolution, in.By, in.Note, workflow.Now(ctx))
		if err != nil {
			return registration.Entry{}, temporal.NewApplicationError(err.Error(), "ResolveRefused")
		}
		e.tell = append(e.tell, notice{entry: en, event: vocab.ConflictResolved})
		return en, nil
	}, workflow.UpdateHandlerOptions{Validator: func(in api.ResolveInput) error {
		if _, err := registration.ParseResolution(string(in.Resolution)); err != nil {
			return err
		}
		if in.By == "" {
			return fmt.Errorf("say who resolves the conflict (--by)")
		}
		return nil
	}})
}

func (e *accountEntity) run(ctx workflow.Context, key account.Key) error {
	for {
		if err := workflow.Await(ctx, func() bool {
			return len(e.tell) > 0 || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
		}); err != nil {
			return err
		}
		for len(e.tell) > 0 {
			n := e.tell[0]
			e.tell = e.tell[1:]
			e.notify(ctx, key, n)
		}
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if len(e.tell) > 0 {
				continue // a handler that finished meanwhile left something to tell
			}
			led := e.led
			return workflow.NewContinueAsNewError(ctx, api.AccountWorkflowName, api.AccountInput{Account: key, State: &led})
		}
	}
}

// notify tells both partners of the deal: a task on its record in each CRM (keyed on the notice and
// the side, so a retry finds the task it made) and the log. A channel that fails after its retries is
// logged: the ledger still holds the conflict, shown by `cosell conflict list`.
func (e *accountEntity) notify(ctx workflow.Context, key account.Key, n notice) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 10,
			NonRetryableErrorTypes: []string{activities.ErrTypeRejected, activities.ErrTypeConfig},
		},
	})
	en := n.entry
	if n.event == vocab.ConflictResolved && (en.Resolution == registration.Merge || en.Resolution == registration.Reject) &&
		workflow.GetVersion(ctx, conflictSettleVersion, workflow.DefaultVersion, 1) == 1 {
		e.settle(ctx, actx, key, en)
	}
	msg := conflictMessage(key, n, e.led)
	nt := notify.Notice{
		Key: string(n.event) + "/" + en.CoSellID, PairingID: en.PairingID, CoSellID: en.CoSellID, DealName: en.DealName,
		Event: n.event, Subject: key.Value(), At: workflow.Now(ctx), Message: msg,
	}
	channels := []string{"log"}
	for i, s := range []vocab.Side{vocab.A, vocab.B} {
		if i < len(en.RecordIDs) && en.RecordIDs[i] != "" {
			channels = append(channels, "task:"+string(s))
		}
	}
	for _, ch := range channels {
		err := workflow.ExecuteActivity(actx, a.Notify, activities.NotifyInput{
			PairingID: en.PairingID, Channel: ch, Notice: nt, Due: workflow.Now(ctx).Add(24 * time.Hour), RecordIDs: en.RecordIDs,
		}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Error("cannot tell a partner of a registration conflict", "deal", en.CoSellID, "channel", ch, "error", err)
		}
	}
	if n.event == vocab.RegistrationConflict {
		e.led.Told(en.CoSellID)
	}
}

// accountUnreadableVersion gates the engine's account rule (engine.AccountToClaim): an unreadable
// domain or name is a sync issue and the deal claims once it is corrected. A history recorded before it
// claimed at most once, and an unreadable value only logged.
const accountUnreadableVersion = "account-unreadable"

// conflictSettleVersion gates carrying a merge or a reject to the conflicting deal (SettleConflict): a
// history recorded before it only recorded and told the settlement.
const conflictSettleVersion = "conflict-settle"

// settle closes a merged or rejected deal on both sides through its workflow, and moves a merged deal's
// touchpoints to the primary. A failure after the retries is logged: the ledger keeps the settlement,
// and the admin sees the deal still open in `cosell deal show`.
func (e *accountEntity) settle(ctx, actx workflow.Context, key account.Key, en registration.Entry) {
	in := api.SettleInput{Account: key.Value(), Entry: en}
	if p, ok := e.led.Primary(); ok {
		in.PrimaryPairing = p.PairingID
	}
	var res activities.SettleConflictResult
	if err := workflow.ExecuteActivity(actx, a.SettleConflict, in).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Error("cannot carry a conflict settlement to its deal", "deal", en.CoSellID, "resolution", string(en.Resolution), "error", err)
		return
	}
	workflow.GetLogger(ctx).Info("conflict settled on the deal", "deal", en.CoSellID, "resolution", string(en.Resolution),
		"status", res.Status, "touchpointsMoved", res.Moved, "note", res.Note)
}

func conflictMessage(key account.Key, n notice, led registration.Ledger) string {
	en := n.entry
	if n.event == vocab.ConflictResolved {
		return fmt.Sprintf("The registration conflict of deal %s on account %s was resolved: %s, by %s%s.",
			en.CoSellID, key.Value(), en.Resolution, en.ResolvedBy, noteSuffix(en.Note))
	}
	primary, _ := led.Primary()
	return fmt.Sprintf("Registration conflict: account %s was registered first by deal %s (pairing %s, %s); deal %s (registered through %s) points at it until an admin settles it with `cosell conflict resolve %s keep|merge|reject`.",
		key.Value(), primary.CoSellID, primary.PairingID, primary.DealName, en.CoSellID, en.Source, en.CoSellID)
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}

// withRequest is how a partner's request (a registration, an answer) calls its one activity: a few
// retries of what may pass, none of a refusal, so the CLI or API caller hears the reason at once.
func withRequest(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 5,
			NonRetryableErrorTypes: []string{activities.ErrTypeRefused, activities.ErrTypeRejected, activities.ErrTypeConfig},
		},
	})
}

// RegistrationWorkflow registers one deal submitted through the CLI or the HTTP API: CreateRegistration
// checks it and creates it in the registering partner's CRM, then hands it to its deal workflow, which
// goes on as for a deal flagged in the CRM. A refusal is final and leaves nothing written.
func RegistrationWorkflow(ctx workflow.Context, in api.RegisterInput) (api.RegisterResult, error) {
	actx := withRequest(ctx)
	var out api.RegisterResult
	err := workflow.ExecuteActivity(actx, a.CreateRegistration, in).Get(ctx, &out)
	return out, err
}

// accountClaimVersion gates the deal's account claim, so histories of deals registered before
// conflict detection replay without it.
const accountClaimVersion = "account-claim"

// claimAccount claims the deal's account once it is registered (its mirror exists): the account key
// from its account_domain (or, with none, account_name) field. A deal whose pairing maps neither claims
// nothing. After continue-as-new it claims again, which the ledger answers with its first answer.
func (d *deal) claimAccount(ctx workflow.Context) {
	if d.claimed || !d.st.Registered || d.st.Refused {
		return
	}
	var domain, name string
	if w := d.st.Fields[vocab.FieldAccountDomain]; w != nil {
		domain = w.Value
	}
	if w := d.st.Fields[vocab.FieldAccountName]; w != nil {
		name = w.Value
	}
	if domain == "" && name == "" {
		return
	}
	var key account.Key
	if workflow.GetVersion(ctx, accountUnreadableVersion, workflow.DefaultVersion, 1) == 1 {
		// The engine decides: an unreadable value is a sync issue, and the deal claims once it is corrected.
		k, ok := d.eng.AccountToClaim(workflow.Now(ctx))
		if !ok {
			return
		}
		d.claimed, key = true, k
		if workflow.GetVersion(ctx, accountClaimVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return
		}
	} else {
		d.claimed = true
		if workflow.GetVersion(ctx, accountClaimVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return
		}
		k, err := account.Of(domain, name)
		if err != nil {
			workflow.GetLogger(ctx).Warn("the deal's account cannot be told; no claim", "deal", d.in.CoSellID, "error", err)
			return
		}
		key = k
	}
	claim := registration.Claim{CoSellID: d.in.CoSellID, PairingID: d.in.PairingID, Partner: d.st.Origin, Source: sourceOf(d.source), At: workflow.Now(ctx)}
	if w := d.st.Fields["name"]; w != nil {
		claim.DealName = w.Value
	}
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		id := ""
		if p := d.st.Parties[s]; p != nil {
			id = p.RecordID
		}
		claim.RecordIDs = append(claim.RecordIDs, id)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: 20,
			NonRetryableErrorTypes: []string{activities.ErrTypeConfig},
		},
	})
	var res api.ClaimResult
	if err := workflow.ExecuteActivity(actx, a.ClaimAccount, activities.ClaimInput{Account: key.String(), Claim: claim}).Get(ctx, &res); err != nil {
		workflow.GetLogger(ctx).Error("cannot claim the deal's account", "deal", d.in.CoSellID, "account", key.String(), "error", err)
		return
	}
	d.claim = &res.Entry
	workflow.GetLogger(ctx).Info("account claimed", "deal", d.in.CoSellID, "account", key.String(), "role", string(res.Entry.Role), "primary", res.Entry.Primary)
}

// sourceOf names how a deal came in, from the source of its first change.
func sourceOf(s string) string {
	switch s {
	case "cli", "api":
		return s
	}
	return "crm"
}

// AnswerWorkflow writes one partner's answer to a registration (AnswerRegistration) from the CLI or the
// API; the deal takes it from there as an edit in that partner's CRM.
func AnswerWorkflow(ctx workflow.Context, in api.AnswerInput) (api.AnswerResult, error) {
	actx := withRequest(ctx)
	var out api.AnswerResult
	err := workflow.ExecuteActivity(actx, a.AnswerRegistration, in).Get(ctx, &out)
	return out, err
}
