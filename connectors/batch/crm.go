package batch

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
)

// DefaultWindow is how long a batch waits for one more call. It is short next to a CRM call (100–300
// ms), so an isolated change waits little, and longer than the gap between the activities of a burst,
// whose deals the feed signals one after another (tens of milliseconds apart on a loaded worker).
const DefaultWindow = 100 * time.Millisecond

// DefaultMaxWait bounds how long a batch that keeps receiving calls stays open: a burst fills batches of
// many deals while each call waits at most this long.
const DefaultMaxWait = time.Second

// Options tune a coalesced connection.
type Options struct {
	// Window is how long a batch waits for one more call (see Coalescer); DefaultWindow when zero.
	Window time.Duration
	// MaxWait bounds how long a batch stays open after its first call; DefaultMaxWait when zero.
	MaxWait time.Duration
}

// Wrap returns crm with its single-deal reads and writes coalesced into batch calls (see Coalescer),
// when the connector can batch (connectors.Batcher); otherwise crm itself. Everything else (change feeds,
// notes, owners, schema) goes straight through. The result implements connectors.ConditionalUpdater
// exactly when crm does, and answers Budget() with crm's guard, so the activities see the same
// connection.
func Wrap(crm connectors.CRM, opt Options) connectors.CRM {
	b, ok := crm.(connectors.Batcher)
	if !ok {
		return crm
	}
	if opt.Window <= 0 {
		opt.Window = DefaultWindow
	}
	if opt.MaxWait <= 0 {
		opt.MaxWait = DefaultMaxWait
	}
	lim := b.BatchLimits()
	kind := crm.Kind()
	c := &CRM{CRM: crm}
	c.get = &Coalescer[string, string, connectors.DealOutcome]{
		Name: kind + " read deals", Window: opt.Window, MaxWait: opt.MaxWait, Max: lim.Read, Key: self,
		Send: func(ctx context.Context, ids []string) []Result[connectors.DealOutcome] {
			return wrapDeals(b.GetDealBatch(ctx, ids), len(ids))
		},
	}
	c.find = &Coalescer[string, string, connectors.DealOutcome]{
		Name: kind + " find deals by co-sell id", Window: opt.Window, MaxWait: opt.MaxWait, Max: lim.Read, Key: self,
		Send: func(ctx context.Context, ids []string) []Result[connectors.DealOutcome] {
			return wrapDeals(b.FindDealBatch(ctx, ids), len(ids))
		},
	}
	c.upsert = &Coalescer[string, connectors.DealUpsert, connectors.UpsertResult]{
		Name: kind + " upsert deals", Window: opt.Window, MaxWait: opt.MaxWait, Max: lim.Write,
		Key: func(in connectors.DealUpsert) string { return in.CoSellID },
		Send: func(ctx context.Context, ins []connectors.DealUpsert) []Result[connectors.UpsertResult] {
			outs := b.UpsertDealBatch(ctx, ins)
			if len(outs) != len(ins) {
				return Failed[connectors.UpsertResult](len(ins), fmt.Errorf("%s: %d results for %d upserts", kind, len(outs), len(ins)))
			}
			res := make([]Result[connectors.UpsertResult], len(outs))
			for i, o := range outs {
				res[i] = Result[connectors.UpsertResult]{Value: o.Result, Err: o.Err}
			}
			return res
		},
	}
	update := func(max int) *Coalescer[string, connectors.DealUpdate, struct{}] {
		return &Coalescer[string, connectors.DealUpdate, struct{}]{
			Name: kind + " update deals", Window: opt.Window, MaxWait: opt.MaxWait, Max: max,
			Key: func(in connectors.DealUpdate) string { return in.RecordID },
			Send: func(ctx context.Context, ins []connectors.DealUpdate) []Result[struct{}] {
				errs := b.UpdateDealBatch(ctx, ins)
				if len(errs) != len(ins) {
					return Failed[struct{}](len(ins), fmt.Errorf("%s: %d results for %d updates", kind, len(errs), len(ins)))
				}
				res := make([]Result[struct{}], len(errs))
				for i, err := range errs {
					res[i].Err = err
				}
				return res
			},
		}
	}
	c.update = update(lim.Write)
	c.conditional = update(lim.ConditionalWrite)
	if _, ok := crm.(connectors.ConditionalUpdater); ok {
		return &conditionalCRM{c}
	}
	return c
}

func self(s string) string { return s }

func wrapDeals(outs []connectors.DealOutcome, n int) []Result[connectors.DealOutcome] {
	if len(outs) != n {
		return Failed[connectors.DealOutcome](n, fmt.Errorf("%d results for %d deal reads", len(outs), n))
	}
	res := make([]Result[connectors.DealOutcome], n)
	for i, o := range outs {
		res[i] = Result[connectors.DealOutcome]{Value: o, Err: o.Err}
	}
	return res
}

// CRM is a connection whose deal reads and writes are coalesced; the rest of connectors.CRM is the
// wrapped connector's.
type CRM struct {
	connectors.CRM
	get, find   *Coalescer[string, string, connectors.DealOutcome]
	upsert      *Coalescer[string, connectors.DealUpsert, connectors.UpsertResult]
	update      *Coalescer[string, connectors.DealUpdate, struct{}]
	conditional *Coalescer[string, connectors.DealUpdate, struct{}]

	// written holds when each record was last written through c, so its read-back goes urgently.
	written sync.Map // record id → time.Time
}

// readBackWithin is how soon after a write a read of the same record counts as its read-back.
const readBackWithin = 10 * time.Second

func (c *CRM) wrote(recordID string) {
	if recordID != "" {
		c.written.Store(recordID, time.Now())
	}
}

// Unwrap returns the connector the calls are coalesced for.
func (c *CRM) Unwrap() connectors.CRM { return c.CRM }

// Budget is the wrapped connector's budget guard, which counts each batch call as one call.
func (c *CRM) Budget() *budget.Guard {
	if g, ok := c.CRM.(interface{ Budget() *budget.Guard }); ok {
		return g.Budget()
	}
	return nil
}

// GetDeal reads one deal as part of a batch read.
//
// A read of a record written through c moments ago is its writer's read-back (the activities read what
// they wrote to learn the stored values and the write's stamp): it goes out within UrgentWindow, so that
// a user's edit just after the write is not taken for the write itself, no likelier than with one call.
func (c *CRM) GetDeal(ctx context.Context, recordID string) (connectors.Deal, error) {
	do := c.get.Do
	if at, ok := c.written.LoadAndDelete(recordID); ok && time.Since(at.(time.Time)) < readBackWithin {
		do = c.get.DoUrgent
	}
	o, err := do(ctx, recordID)
	if err != nil {
		return connectors.Deal{}, err
	}
	if !o.Found {
		return connectors.Deal{}, &connectors.Error{CRM: c.Kind(), Op: "get deal " + recordID, Status: 404,
			Code: "NOT_FOUND", Message: "no deal with this record id", NotFound: true}
	}
	return o.Deal, nil
}

// FindDealByCoSellID finds one deal by co-sell id as part of a batch read.
func (c *CRM) FindDealByCoSellID(ctx context.Context, coSellID string) (connectors.Deal, bool, error) {
	o, err := c.find.Do(ctx, coSellID)
	if err != nil {
		return connectors.Deal{}, false, err
	}
	return o.Deal, o.Found, nil
}

// UpsertDeal upserts one deal as part of a batch upsert.
func (c *CRM) UpsertDeal(ctx context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	res, err := c.upsert.Do(ctx, connectors.DealUpsert{CoSellID: coSellID, Fields: fields})
	if err == nil {
		c.wrote(res.RecordID)
	}
	return res, err
}

// UpdateDeal updates one deal as part of a batch update.
func (c *CRM) UpdateDeal(ctx context.Context, recordID string, fields map[string]any) error {
	_, err := c.update.Do(ctx, connectors.DealUpdate{RecordID: recordID, Fields: fields})
	if err == nil {
		c.wrote(recordID)
	}
	return err
}

// conditionalCRM is a coalesced connection whose CRM offers conditional updates.
type conditionalCRM struct{ *CRM }

// UpdateDealIfUnmodifiedSince updates one deal conditionally as part of a batch of conditional updates.
func (c *conditionalCRM) UpdateDealIfUnmodifiedSince(ctx context.Context, recordID string, fields map[string]any, since time.Time) error {
	if since.IsZero() {
		return c.UpdateDeal(ctx, recordID, fields)
	}
	_, err := c.conditional.Do(ctx, connectors.DealUpdate{RecordID: recordID, Fields: fields, Since: since})
	if err == nil {
		c.wrote(recordID)
	}
	return err
}
