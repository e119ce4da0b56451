package activities

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/account"
	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/backfill"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// backfillChunk bounds the pairs one link step reads and stamps together: within every connector's
// batch limits (HubSpot's 100): a step costs two batch reads and one batch update a side, and a link
// activity of 200 pairs records four heartbeats, so a worker lost midway costs at most 50 pairs' work.
const backfillChunk = 50

// BackfillScan reads a page run of one side's deals, flagged or not, modified after in.After, as the
// matcher's compact records (`cosell backfill`). It heartbeats its position and what it read after
// every page, and a retried attempt (a worker died) resumes from the last heartbeat, so no page is
// read twice. A record carrying a co-sell id is marked Linked when that deal runs.
func (a *Activities) BackfillScan(ctx context.Context, in api.BackfillScanInput) (api.BackfillScanResult, error) {
	p, crm, err := a.crm(in.PairingID, in.Side)
	if err != nil {
		return api.BackfillScanResult{}, err
	}
	lister, ok := connectors.As[connectors.DealLister](crm)
	if !ok {
		return api.BackfillScanResult{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("the %s connection of side %s cannot list deals", crm.Kind(), in.Side), ErrTypeConfig, nil)
	}
	res := api.BackfillScanResult{Next: in.After}
	if activity.HasHeartbeatDetails(ctx) {
		var hb api.BackfillScanResult
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil {
			res = hb
			activity.GetLogger(ctx).Info("backfill scan resumes from its last heartbeat", "pairing", p.ID, "side", string(in.Side), "records", len(hb.Records))
		}
	}
	size := in.PageSize
	if size <= 0 {
		size = 200
	}
	beat := startKeepAlive(ctx)
	defer beat.end()
	running := map[string]bool{}
	for pages := 0; pages < max(in.Pages, 1) && !res.Done; pages++ {
		deals, err := lister.ListDeals(ctx, res.Next, size)
		if err != nil {
			return api.BackfillScanResult{}, classify(fmt.Sprintf("list deals of side %s", in.Side), err)
		}
		for _, d := range deals {
			r, err := a.backfillRecord(ctx, p, in.Side, d, running)
			if err != nil {
				return api.BackfillScanResult{}, err
			}
			res.Records = append(res.Records, r)
			res.Next = connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
		}
		res.Done = len(deals) < size
		activity.RecordHeartbeat(ctx, res)
		beat.set(api.BackfillScanResult{Records: append([]backfill.Record(nil), res.Records...), Next: res.Next, Done: res.Done})
	}
	return res, nil
}

// backfillRecord is a deal as the matcher sees it: its account, close date and amount in canonical
// form (the pairing's mapping), and whether it belongs to the sync already: the co-sell id it carries is
// a running deal's, or it is flagged and waiting for its registration.
func (a *Activities) backfillRecord(ctx context.Context, p *pairing.Pairing, side vocab.Side, d connectors.Deal, running map[string]bool) (backfill.Record, error) {
	values, _ := p.ToCanonical(side, d.Fields)
	r := backfill.Record{ID: d.RecordID, CoSellID: d.CoSellID, CloseDate: values[vocab.FieldCloseDate], Title: truncate(values["name"], 80)}
	if dom, err := account.Domain(values[vocab.FieldAccountDomain]); err == nil && values[vocab.FieldAccountDomain] != "" {
		r.Domain = dom
	}
	if n, err := account.Name(values[vocab.FieldAccountName]); err == nil && values[vocab.FieldAccountName] != "" {
		r.Company = n
	}
	if v, err := strconv.ParseFloat(values[vocab.FieldAmount], 64); err == nil {
		r.Amount = &v
	}
	if d.CoSellID == "" && d.Enabled {
		// Flagged with no id yet: a registration the change feed is handling (it stamps the id first
		// thing). Linking it here could race the deal's own mirror; it is left to the sync.
		r.Linked = true
		return r, nil
	}
	if d.CoSellID != "" {
		linked, ok := running[d.CoSellID]
		if !ok {
			pid, run, err := a.deals().PairingOf(ctx, d.CoSellID)
			if err != nil {
				return backfill.Record{}, err
			}
			linked = run && (pid == "" || pid == p.ID)
			running[d.CoSellID] = linked
		}
		r.Linked = linked
	}
	return r, nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// BackfillLink links pairs of pre-existing deals, as a mirror created by the sync is linked: both
// records carry the deal's co-sell id and the co-sell flag, and a deal workflow runs for it, started
// through the one entry point (Deliver, signal-with-start) with both records' readings, which it
// adopts as they are (api.ChangeEvent.Backfill). It works in chunks: it reads both sides' records
// fresh (a pair changed since the scan, linked meanwhile, or gone, is skipped with the reason), stamps
// side b's records, then side a's, reads them back and hands each pair to its deal. Side b goes first
// because a side a record carrying the id derived from it is a registration the change feed would
// start a deal for: by then its partner on side b must carry the id, or the deal would find no record
// there and create a second one (the engine looks up the other side by co-sell id before creating).
//
// Every step is idempotent (the same id and flag stamped again change nothing; a deal is started once
// by its workflow id), and a heartbeat after each chunk records what is done, so a retried attempt
// starts after it and a second backfill links nothing twice.
func (a *Activities) BackfillLink(ctx context.Context, in api.BackfillLinkInput) (api.BackfillLinkResult, error) {
	c, err := a.connection(in.PairingID)
	if err != nil {
		return api.BackfillLinkResult{}, err
	}
	p := c.Pairing
	var res api.BackfillLinkResult
	if activity.HasHeartbeatDetails(ctx) {
		var hb api.BackfillLinkResult
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil {
			res = hb
		}
	}
	beat := startKeepAlive(ctx)
	defer beat.end()
	// A retried attempt starts with the chunk its predecessor was in when it died, which may have
	// stamped and delivered some of it: a pair found linked to the deal this backfill would give it is
	// then its own work, finished, not a pair someone else linked.
	resumed := activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1
	for res.Done < len(in.Pairs) {
		end := min(res.Done+backfillChunk, len(in.Pairs))
		linked, skipped, err := a.linkChunk(ctx, p, c, in.Pairs[res.Done:end], resumed)
		resumed = false
		if err != nil {
			return api.BackfillLinkResult{}, err
		}
		res.Linked = append(res.Linked, linked...)
		res.Skipped = append(res.Skipped, skipped...)
		res.Done = end
		activity.RecordHeartbeat(ctx, res)
		beat.set(api.BackfillLinkResult{Done: res.Done, Linked: append([]api.BackfillLinked(nil), res.Linked...), Skipped: append([]api.BackfillSkip(nil), res.Skipped...)})
	}
	return res, nil
}

// linkPlan is one pair in a chunk: its deal's co-sell id, origin, and the records as read now.
type linkPlan struct {
	pair     backfill.Pair
	coSellID string
	origin   vocab.Side
	deal     map[vocab.Side]connectors.Deal
}

func (a *Activities) linkChunk(ctx context.Context, p *pairing.Pairing, c *Connection, pairs []backfill.Pair, resumed bool) ([]api.BackfillLinked, []api.BackfillSkip, error) {
	sides := []vocab.Side{vocab.A, vocab.B}
	ids := func(s vocab.Side, ps []linkPlan) []string {
		out := make([]string, len(ps))
		for i, pl := range ps {
			out[i] = pl.pair.A.ID
			if s == vocab.B {
				out[i] = pl.pair.B.ID
			}
		}
		return out
	}
	plans := make([]linkPlan, len(pairs))
	for i, pr := range pairs {
		plans[i] = linkPlan{pair: pr, deal: map[vocab.Side]connectors.Deal{}}
	}
	var skipped []api.BackfillSkip
	skip := func(pl linkPlan, format string, args ...any) {
		skipped = append(skipped, api.BackfillSkip{A: pl.pair.A.ID, B: pl.pair.B.ID, Reason: fmt.Sprintf(format, args...)})
	}
	for _, s := range sides {
		deals, err := readDeals(ctx, c.CRM[s], ids(s, plans))
		if err != nil {
			return nil, nil, classify(fmt.Sprintf("read side %s records to link", s), err)
		}
		for i := range plans {
			plans[i].deal[s] = deals[i]
		}
	}
	running := map[string]bool{}
	var ok []linkPlan
	for _, pl := range plans {
		da, db := pl.deal[vocab.A], pl.deal[vocab.B]
		if da.RecordID == "" || db.RecordID == "" {
			skip(pl, "a record is gone")
			continue
		}
		id := pl.pair.CoSellID
		if id == "" {
			id = api.NewCoSellID(p.ID, vocab.A, da.RecordID)
		}
		conflict := ""
		for _, d := range []connectors.Deal{da, db} {
			if d.CoSellID != "" && d.CoSellID != id {
				conflict = d.RecordID + " carries co-sell id " + d.CoSellID
			}
		}
		if conflict != "" {
			skip(pl, "changed since the scan: %s", conflict)
			continue
		}
		if da.CoSellID == id && db.CoSellID == id {
			run, seen := running[id]
			if !seen {
				_, r, err := a.deals().PairingOf(ctx, id)
				if err != nil {
					return nil, nil, err
				}
				run, running[id] = r, r
			}
			if run && !resumed {
				skip(pl, "already linked to deal %s", id)
				continue
			}
		}
		pl.coSellID, pl.origin = id, vocab.A
		if id == api.NewCoSellID(p.ID, vocab.B, db.RecordID) {
			pl.origin = vocab.B // the id was derived from side b's record: that record is the deal's origin
		}
		ok = append(ok, pl)
	}
	// Stamp the side that is not the origin first (see BackfillLink), then the origin.
	for _, first := range []bool{true, false} {
		var next []linkPlan
		var upd []connectors.DealUpdate
		var at []vocab.Side
		for _, pl := range ok {
			s := pl.origin
			if first {
				s = other(pl.origin)
			}
			df := p.DealFields(s)
			d := pl.deal[s]
			upd = append(upd, connectors.DealUpdate{RecordID: d.RecordID, Fields: map[string]any{df.CoSellID: pl.coSellID, df.Enabled: enabledValue(c.CRM[s])}})
			at = append(at, s)
		}
		errs := make([]error, len(upd))
		for _, s := range sides {
			var sub []connectors.DealUpdate
			var pos []int
			for i, u := range upd {
				if at[i] == s {
					sub, pos = append(sub, u), append(pos, i)
				}
			}
			for i, err := range updateDeals(ctx, c.CRM[s], sub) {
				errs[pos[i]] = err
			}
		}
		for i, pl := range ok {
			if err := errs[i]; err != nil {
				if connectors.IsRetryable(err) {
					return nil, nil, classify(fmt.Sprintf("stamp co-sell id %s on side %s", pl.coSellID, at[i]), err)
				}
				skip(pl, "side %s refused the co-sell id: %v", at[i], err)
				continue
			}
			next = append(next, pl)
		}
		ok = next
	}
	// Read both records back as stamped, and hand them to the deal: the origin's reading starts it.
	for _, s := range sides {
		deals, err := readDeals(ctx, c.CRM[s], ids(s, ok))
		if err != nil {
			return nil, nil, classify(fmt.Sprintf("read back side %s records linked", s), err)
		}
		for i := range ok {
			ok[i].deal[s] = deals[i]
		}
	}
	var linked []api.BackfillLinked
	for _, pl := range ok {
		evs := map[vocab.Side]api.ChangeEvent{}
		for _, s := range sides {
			d := pl.deal[s]
			if d.RecordID == "" {
				// Gone right after the stamp: a bare trigger, and the deal's own read finds out.
				evs[s] = api.ChangeEvent{Side: s, RecordID: pl.dealID(s), Source: "backfill", Backfill: true}
				continue
			}
			st, err := a.sideState(ctx, p, s, c.CRM[s], d)
			if err != nil {
				return nil, nil, err
			}
			evs[s] = api.ChangeEvent{Side: s, RecordID: d.RecordID, Deal: &st, Source: "backfill", Policy: a.policyVersionOf(p.ID), Backfill: true}
		}
		if err := a.deals().Deliver(ctx, p.ID, pl.coSellID, evs[pl.origin]); err != nil {
			return nil, nil, err
		}
		if _, err := a.deals().Signal(ctx, p.ID, pl.coSellID, evs[other(pl.origin)]); err != nil {
			return nil, nil, err
		}
		linked = append(linked, api.BackfillLinked{CoSellID: pl.coSellID, A: pl.pair.A.ID, B: pl.pair.B.ID, By: pl.pair.By})
		activity.GetLogger(ctx).Info("backfill linked a pair", "pairing", p.ID, "deal", pl.coSellID, "a", pl.pair.A.ID, "b", pl.pair.B.ID, "by", pl.pair.By)
	}
	return linked, skipped, nil
}

func (pl linkPlan) dealID(s vocab.Side) string {
	if s == vocab.B {
		return pl.pair.B.ID
	}
	return pl.pair.A.ID
}

func other(s vocab.Side) vocab.Side {
	if s == vocab.A {
		return vocab.B
	}
	return vocab.A
}

// readDeals reads records by id, in order; a record that does not exist comes back empty. It uses the
// connection's batch reads when it has them (one call per batch), else one read a record.
func readDeals(ctx context.Context, crm connectors.CRM, ids []string) ([]connectors.Deal, error) {
	out := make([]connectors.Deal, len(ids))
	if b, ok := connectors.As[connectors.Batcher](crm); ok {
		n := max(b.BatchLimits().Read, 1)
		for i := 0; i < len(ids); i += n {
			end := min(i+n, len(ids))
			for j, o := range b.GetDealBatch(ctx, ids[i:end]) {
				switch {
				case o.Err != nil && errors.Is(o.Err, connectors.ErrNotFound):
				case o.Err != nil:
					return nil, o.Err
				case o.Found || o.Deal.RecordID != "":
					out[i+j] = o.Deal
				}
			}
		}
		return out, nil
	}
	for i, id := range ids {
		d, err := crm.GetDeal(ctx, id)
		switch {
		case err != nil && errors.Is(err, connectors.ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[i] = d
		}
	}
	return out, nil
}

// updateDeals writes updates, one error per update, through batch updates when the connection has them.
func updateDeals(ctx context.Context, crm connectors.CRM, in []connectors.DealUpdate) []error {
	errs := make([]error, len(in))
	if len(in) == 0 {
		return errs
	}
	if b, ok := connectors.As[connectors.Batcher](crm); ok {
		n := max(b.BatchLimits().Write, 1)
		for i := 0; i < len(in); i += n {
			end := min(i+n, len(in))
			copy(errs[i:end], b.UpdateDealBatch(ctx, in[i:end]))
		}
		return errs
	}
	for i, u := range in {
		errs[i] = crm.UpdateDeal(ctx, u.RecordID, u.Fields)
	}
	return errs
}
