package synchealth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/registration"
	"github.com/cosellsync/cosell/vocab"
)

// Source is everything the page reads, and the one thing it does (a resync). The worker uses
// TemporalSource; the handler tests put a fake in its place, so they see exactly what the page shows
// and what a resync sends.
type Source interface {
	// Pairings returns the pairings the worker serves now, by id.
	Pairings() map[string]*pairing.Pairing
	// Deals returns the running deals of a pairing (every pairing for ""), as their queries answer.
	Deals(ctx context.Context, pairingID string) (Deals, error)
	// Deal returns one deal's query; a deal that is not running is an error matching ErrNoDeal.
	Deal(ctx context.Context, coSellID string) (api.DealView, error)
	// Connections returns what each side's change feed last saw of its CRM connection, budget included.
	Connections(ctx context.Context, p *pairing.Pairing) []Connection
	// RegistrationConflicts returns the accounts' open registration conflicts that concern a pairing
	// (the conflicting deal or its primary is one of its deals).
	RegistrationConflicts(ctx context.Context, pairingID string) ([]RegistrationConflict, error)
	// Resync hands each change event to the deal's workflow through the change signal.
	Resync(ctx context.Context, pairingID, coSellID string, events []api.ChangeEvent) error
}

// ErrNoDeal matches the error of Source.Deal for a deal that is not running.
var ErrNoDeal = errors.New("no running deal")

// Deals is a pairing's running deals as far as they were read.
type Deals struct {
	Deals []api.DealView
	// Running counts the running deal workflows on the task queue (every pairing's); Asked how many of
	// them were asked (at most MaxDeals); Unanswered how many of those did not answer their query.
	Running, Asked, Unanswered int
}

// Connection is one side's CRM connection as its change feed last saw it.
type Connection struct {
	Side       vocab.Side
	Partner    string
	Name       string
	CRM        string
	Polls      int
	LastPoll   time.Time
	LastError  string
	Budget     *budget.Snapshot
	QueryError string
}

// RegistrationConflict is an open conflict of an account's ledger: a later deal registered on an
// account another deal is primary on, waiting for an admin (`cosell conflict resolve`).
type RegistrationConflict struct {
	Account        string
	Entry          registration.Entry
	PrimaryPairing string
}

// MaxDeals bounds the deals one page asks for their state: each is a workflow query.
const MaxDeals = 500

// TemporalSource reads the deal, feed and account workflows through a Temporal client.
type TemporalSource struct {
	Client    client.Client
	TaskQueue string
	// Served returns the pairings served now (the worker's catalog, reloaded while it runs).
	Served func() map[string]*pairing.Pairing
}

// Pairings implements Source.
func (t TemporalSource) Pairings() map[string]*pairing.Pairing { return t.Served() }

// Deals implements Source: it lists the task queue's running deal workflows (visibility) and queries
// up to MaxDeals of them, eight at a time.
func (t TemporalSource) Deals(ctx context.Context, pairingID string) (Deals, error) {
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND TaskQueue = '%s'", api.DealWorkflowName, t.TaskQueue)
	var out Deals
	count, err := t.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: q})
	if err != nil {
		return out, fmt.Errorf("count running deals: %w", err)
	}
	out.Running = int(count.GetCount())
	var ids []string
	var token []byte
	for len(ids) < MaxDeals {
		page, err := t.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 100, NextPageToken: token})
		if err != nil {
			return out, fmt.Errorf("list running deals: %w", err)
		}
		for _, e := range page.GetExecutions() {
			if id, ok := api.DealCoSellID(e.GetExecution().GetWorkflowId()); ok && len(ids) < MaxDeals {
				ids = append(ids, id)
			}
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	out.Asked = len(ids)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := t.Deal(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				out.Unanswered++
			case pairingID == "" || v.PairingID == pairingID:
				out.Deals = append(out.Deals, v)
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(out.Deals, func(a, b api.DealView) int { return strings.Compare(a.CoSellID, b.CoSellID) })
	return out, nil
}

// Deal implements Source.
func (t TemporalSource) Deal(ctx context.Context, coSellID string) (api.DealView, error) {
	res, err := t.Client.QueryWorkflow(ctx, api.DealWorkflowID(coSellID), "", api.DealQuery)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return api.DealView{}, fmt.Errorf("deal %s: %w", coSellID, ErrNoDeal)
		}
		return api.DealView{}, fmt.Errorf("deal %s: %w", coSellID, err)
	}
	var v api.DealView
	if err := res.Get(&v); err != nil {
		return api.DealView{}, fmt.Errorf("deal %s: %w", coSellID, err)
	}
	return v, nil
}

// Connections implements Source with each side's connection feed query (its state carries the
// budget guard's snapshot as the last poll left it).
func (t TemporalSource) Connections(ctx context.Context, p *pairing.Pairing) []Connection {
	var out []Connection
	for _, s := range []vocab.Side{vocab.A, vocab.B} {
		part := p.Partner(s)
		c := Connection{Side: s, Partner: part.Name, Name: part.Connection, CRM: part.CRM}
		res, err := t.Client.QueryWorkflow(ctx, api.ConnectionFeedWorkflowID(t.TaskQueue, part.Connection), "", api.FeedQuery)
		var v api.FeedView
		if err == nil {
			err = res.Get(&v)
		}
		if err != nil {
			c.QueryError = err.Error()
		} else {
			st := v.State
			c.Polls, c.LastPoll, c.LastError, c.Budget = st.Polls, st.LastPoll, st.LastError, st.Budget
		}
		out = append(out, c)
	}
	return out
}

// RegistrationConflicts implements Source over the running account workflows' ledgers.
func (t TemporalSource) RegistrationConflicts(ctx context.Context, pairingID string) ([]RegistrationConflict, error) {
	q := "WorkflowType = '" + api.AccountWorkflowName + "' AND ExecutionStatus = 'Running'"
	var out []RegistrationConflict
	var token []byte
	for {
		page, err := t.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: q, PageSize: 100, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		for _, ex := range page.GetExecutions() {
			res, err := t.Client.QueryWorkflow(ctx, ex.GetExecution().GetWorkflowId(), "", api.AccountQuery)
			var v api.AccountView
			if err == nil {
				err = res.Get(&v)
			}
			if err != nil {
				return nil, fmt.Errorf("account %s: %w", ex.GetExecution().GetWorkflowId(), err)
			}
			out = append(out, conflictsOf(v.Ledger, pairingID)...)
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.SortFunc(out, func(a, b RegistrationConflict) int { return a.Entry.At.Compare(b.Entry.At) })
	return out, nil
}

// conflictsOf returns a ledger's open conflicts that concern the pairing.
func conflictsOf(l registration.Ledger, pairingID string) []RegistrationConflict {
	var out []RegistrationConflict
	p, _ := l.Primary()
	for _, e := range l.Conflicts() {
		if e.Open() && (e.PairingID == pairingID || p.PairingID == pairingID) {
			out = append(out, RegistrationConflict{Account: l.Account.String(), Entry: e, PrimaryPairing: p.PairingID})
		}
	}
	return out
}

// Resync implements Source with the change signal (api.ChangeSignal), the one path by which changes
// enter a deal. It signals the running workflow only: activities.Deliver would signal-with-start, and
// a resync of a deal that ended (left co-sell) must not start it again.
func (t TemporalSource) Resync(ctx context.Context, pairingID, coSellID string, events []api.ChangeEvent) error {
	for _, ev := range events {
		if err := t.Client.SignalWorkflow(ctx, api.DealWorkflowID(coSellID), "", api.ChangeSignal, ev); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				return fmt.Errorf("resync deal %s of pairing %s: %w", coSellID, pairingID, ErrNoDeal)
			}
			return fmt.Errorf("resync deal %s of pairing %s: %w", coSellID, pairingID, err)
		}
	}
	return nil
}
