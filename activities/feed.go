package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/budget"
	"github.com/cosellsync/cosell/pairing"
)

// PollInput is one poll of a CRM connection's change stream (Connection set), for every pairing that
// uses it; or, from a feed started per pairing side before connections had feeds, of that side alone.
type PollInput struct {
	Connection string        `json:"connection,omitempty"`
	PairingID  string        `json:"pairingId,omitempty"`
	Side       pairing.Side  `json:"side,omitempty"`
	State      api.FeedState `json:"state"`
}

// PollResult is the feed's new position and what the poll delivered.
type PollResult struct {
	State api.FeedState `json:"state"`
	// Interval is the worker's configured poll interval, zero when unset; NoPolling says the worker
	// turned polling off for this side (it receives webhooks).
	Interval  time.Duration `json:"interval"`
	NoPolling bool          `json:"noPolling,omitempty"`
	Deals     int           `json:"deals"`
	Notes     int           `json:"notes"`
	// Activities counts the CRM activities delivered as possible touchpoints.
	Activities int `json:"activities,omitempty"`
	// More says the poll is not over (State.Scan is where it stands): the activity read its page budget,
	// or kept what it had delivered when a page failed. The feed calls it again at once.
	More bool `json:"more,omitempty"`
}

// defaultPagesPerPoll is how many pages one PollChanges activity reads when PagesPerPoll is unset:
// 2,000 deals at the default page size, a few minutes of deliveries at most.
const defaultPagesPerPoll = 10

// PollChanges reads the deals and notes changed since the feed's cursor, page by page, and signals each
// one to its deal workflow, in whichever pairing that is: a connection that several pairings use is read
// once for all of them (see route). A poll starts Overlap behind the cursor, so a change committed late is still
// read; the Seen sets drop what an earlier poll already delivered. Pages are keyset-ordered by
// (modified, id), so a burst of changes sharing one timestamp can never pin the cursor.
//
// A poll of a burst spans as many activities as it needs: each reads at most PagesPerPoll pages and
// returns its position (State.Scan, More), which the workflow hands to the next one. After each page
// the whole state is recorded in a heartbeat, and a retried attempt resumes from it, so a poll that
// times out or dies mid-burst loses at most the page it was on. A page that fails after the activity
// delivered something returns that progress instead of the error; the next activity meets the error
// again, with nothing to lose.
//
// Delivery happens before a position is recorded: a crash in between re-delivers, which the deal
// workflows absorb (a change event is a trigger and an idempotent reading, never a delta).
func (a *Activities) PollChanges(ctx context.Context, in PollInput) (PollResult, error) {
	f, err := a.feed(in)
	if err != nil {
		return PollResult{}, err
	}
	pl := &poll{feed: f, pageSize: a.PageSize, deals: map[string]connectors.Deal{}, st: a.resume(ctx, in.State)}
	if pl.pageSize <= 0 {
		pl.pageSize = 200
	}
	budget := a.PagesPerPoll
	if budget <= 0 {
		budget = defaultPagesPerPoll
	}
	beat := startKeepAlive(ctx) // keepalive.go
	defer beat.end()
	finished := false
	for pages := 0; !finished; pages++ {
		if pages == budget {
			pl.res.More = true
			break
		}
		var err error
		switch {
		case !pl.st.Scan.DealsDone:
			err = a.dealPage(ctx, pl)
		case !pl.st.Scan.NotesDone:
			var done bool
			if done, err = a.notePage(ctx, pl); done {
				pl.st.Scan.NotesDone = true
				_, reads := f.CRM.(connectors.ActivityReader)
				finished = !reads
			}
		default:
			finished, err = a.activityPage(ctx, pl) // activity_feed.go
		}
		if err != nil {
			if ctx.Err() != nil || (pages == 0 && pl.res.Deals+pl.res.Notes+pl.res.Activities == 0) {
				return PollResult{}, err
			}
			activity.GetLogger(ctx).Warn("poll stopped early; what it delivered is kept", "connection", f.Connection, "error", err)
			pl.res.More = true
			break
		}
		beat.set(snapshotFeedState(pl.st)) // recorded now, and beaten with until the next page
	}
	if finished {
		pl.st.Scan = nil
		pl.st.Polls++
		pl.st.LastPoll = time.Now().UTC()
	}
	pl.st.Budget = budgetOf(f.CRM)
	pl.res.State = pl.st
	set := a.feedSettings(f.Connection)
	pl.res.Interval, pl.res.NoPolling = set.PollInterval, set.NoPolling
	return pl.res, nil
}

// snapshotFeedState is a deep copy of st for the keep-alive's beats, which run while the next page
// changes st.
func snapshotFeedState(st api.FeedState) api.FeedState {
	b, err := json.Marshal(st)
	if err != nil {
		return api.FeedState{} // unreachable: the state is plain data; a beat then carries no progress
	}
	var out api.FeedState
	if err := json.Unmarshal(b, &out); err != nil {
		return api.FeedState{}
	}
	return out
}

// budgetOf is what the connector's budget guard knows now, nil for a connector without one.
func budgetOf(crm connectors.CRM) *budget.Snapshot {
	g, ok := crm.(interface{ Budget() *budget.Guard })
	if !ok || g.Budget() == nil {
		return nil
	}
	s := g.Budget().Snapshot()
	return &s
}

// poll is one PollChanges activity at work on one connection's change streams.
type poll struct {
	feed     *Feed
	pageSize int
	// deals caches the deals of notes, read once per activity.
	deals map[string]connectors.Deal
	st    api.FeedState
	res   PollResult
}

// resume returns the state an attempt starts from: the last heartbeat of an earlier attempt of this
// activity when there is one (it is ahead of the input), else the input. A state between polls gets a
// new scan, an overlap window behind the cursors. The maps are copied: the input is the workflow's.
func (a *Activities) resume(ctx context.Context, in api.FeedState) api.FeedState {
	st := in
	if activity.HasHeartbeatDetails(ctx) {
		var hb api.FeedState
		// Every heartbeat is taken mid-poll, so one without a scan is not a FeedState.
		if err := activity.GetHeartbeatDetails(ctx, &hb); err == nil && hb.Scan != nil {
			st = hb
		}
	}
	st.Seen = copyTimes(st.Seen)
	st.SeenNotes = copyTimes(st.SeenNotes)
	st.SeenActivities = copyTimes(st.SeenActivities)
	acts := make(map[string]connectors.Cursor, len(st.Activities))
	for k, v := range st.Activities {
		acts[k] = v
	}
	st.Activities = acts
	sums := make(map[string]uint64, len(st.SeenSums))
	for k, v := range st.SeenSums {
		sums[k] = v
	}
	st.SeenSums = sums
	if st.Scan == nil {
		st.Scan = &api.FeedScan{Deals: a.behind(st.Deals), Notes: a.behind(st.Notes)}
	} else {
		sc := *st.Scan
		sc.ActivitiesDone = slices.Clone(sc.ActivitiesDone)
		pos := make(map[string]connectors.Cursor, len(sc.Activities))
		for k, v := range sc.Activities {
			pos[k] = v
		}
		sc.Activities = pos
		st.Scan = &sc
	}
	return st
}

// behind is where a new poll starts reading a stream whose cursor is c: Overlap earlier, from the start
// of that instant.
func (a *Activities) behind(c connectors.Cursor) connectors.Cursor {
	if c.ModifiedAt.IsZero() {
		return connectors.Cursor{}
	}
	return connectors.Cursor{ModifiedAt: c.ModifiedAt.Add(-a.Overlap)}
}

// dealPage reads and delivers one page of changed deals. The scan moves past each deal once it is
// delivered or known as seen, the cursor past each delivered one, so a failure midway keeps both exact.
func (a *Activities) dealPage(ctx context.Context, pl *poll) error {
	st, sc := &pl.st, pl.st.Scan
	page, err := pl.feed.CRM.ChangedDeals(ctx, sc.Deals, pl.pageSize)
	if err != nil {
		return classify("changed deals on connection "+pl.feed.Connection, err)
	}
	// Which deals are news is decided on the stream's own fields; the related-record fields
	// (company.domain) of those, and only those, are read next, in one batch.
	sums := make([]uint64, len(page))
	fresh := make([]bool, len(page))
	var news []*connectors.Deal
	for i := range page {
		d := &page[i]
		sums[i] = fingerprint(*d)
		seen, ok := st.Seen[d.RecordID]
		fresh[i] = !ok || seen.Before(d.ModifiedAt) || (seen.Equal(d.ModifiedAt) && st.SeenSums[d.RecordID] != sums[i])
		if fresh[i] {
			news = append(news, d)
		}
	}
	if rr, ok := connectors.As[connectors.RelatedReader](pl.feed.CRM); ok && len(news) > 0 {
		if err := rr.ReadRelated(ctx, news); err != nil {
			return classify("the accounts of changed deals on connection "+pl.feed.Connection, err)
		}
	}
	for i, d := range page {
		at := connectors.Cursor{ModifiedAt: d.ModifiedAt, ID: d.RecordID}
		if fresh[i] {
			if err := a.deliverDeal(ctx, pl.feed, d, "poll"); err != nil {
				return err
			}
			st.Seen[d.RecordID] = d.ModifiedAt
			if st.SeenSums == nil {
				st.SeenSums = map[string]uint64{}
			}
			st.SeenSums[d.RecordID] = sums[i]
			if st.Deals.Less(at.ModifiedAt, at.ID) {
				st.Deals = at
			}
			pl.res.Deals++
		}
		sc.Deals = at
	}
	if len(page) < pl.pageSize {
		sc.DealsDone = true
	}
	// The scan is past the cursor's overlap window's start, so nothing older can be read again.
	prune(st.Seen, st.Deals.ModifiedAt.Add(-a.Overlap))
	for id := range st.SeenSums {
		if _, ok := st.Seen[id]; !ok {
			delete(st.SeenSums, id)
		}
	}
	return nil
}

// notePage reads and delivers one page of changed notes; done says the note stream is read to its end.
func (a *Activities) notePage(ctx context.Context, pl *poll) (done bool, err error) {
	st, sc := &pl.st, pl.st.Scan
	page, err := pl.feed.CRM.ChangedNotes(ctx, sc.Notes, pl.pageSize)
	if err != nil {
		return false, classify("changed notes on connection "+pl.feed.Connection, err)
	}
	for _, n := range page.Notes {
		// A note on several deals comes once per deal; it is mirrored to each.
		seenKey := n.ID + "/" + n.DealRecordID
		if _, ok := st.SeenNotes[seenKey]; ok {
			continue // a note is mirrored once, when first seen; later edits stay on their side
		}
		delivered, err := a.deliverNote(ctx, pl.feed, n, pl.deals)
		if err != nil {
			return false, err
		}
		st.SeenNotes[seenKey] = n.ModifiedAt
		if delivered {
			pl.res.Notes++
		}
	}
	// The page's end is past notes the connector skipped too, so a run of notes on other objects
	// moves the cursor instead of pinning it.
	sc.Notes = page.Next
	if st.Notes.Less(page.Next.ModifiedAt, page.Next.ID) {
		st.Notes = page.Next
	}
	prune(st.SeenNotes, st.Notes.ModifiedAt.Add(-a.Overlap))
	return !page.More, nil
}

// deliverDeal sends a co-sell deal's fresh reading, translated by the mapping of the pairing it belongs
// to, to the deal its record belongs to (see route). Polls and webhooks both deliver through it; source
// says which.
func (a *Activities) deliverDeal(ctx context.Context, f *Feed, d connectors.Deal, source string) error {
	return a.route(ctx, f, d, func(u Use) (api.ChangeEvent, bool, error) {
		state, err := a.sideState(ctx, u.Pairing, u.Side, f.CRM, d)
		if err != nil {
			return api.ChangeEvent{}, false, err
		}
		return api.ChangeEvent{Side: u.Side, RecordID: d.RecordID, Deal: &state, Source: source, Policy: a.policyVersionOf(u.Pairing.ID)}, true, nil
	})
}

// deliverNote sends a shareable note on a co-sell deal to the deal its record belongs to (see route);
// delivered says it was shareable there. Notes this product wrote (they carry a key), notes the deal's
// pairing does not share and notes on deals outside co-sell are dropped.
func (a *Activities) deliverNote(ctx context.Context, f *Feed, n connectors.Note, deals map[string]connectors.Deal) (delivered bool, err error) {
	if n.Key != "" || !slices.ContainsFunc(f.Uses, func(u Use) bool { return u.Pairing.SharesNote(n.Body) }) {
		return false, nil
	}
	d, ok := deals[n.DealRecordID]
	if !ok {
		var err error
		d, err = f.CRM.GetDeal(ctx, n.DealRecordID)
		if err != nil {
			if connectors.IsRetryable(err) {
				return false, classify("read the deal of note "+n.ID, err)
			}
			return false, nil // the deal is gone or unreadable: nothing to mirror to
		}
		deals[n.DealRecordID] = d
	}
	if !d.Enabled {
		return false, nil
	}
	err = a.route(ctx, f, d, func(u Use) (api.ChangeEvent, bool, error) {
		if !u.Pairing.SharesNote(n.Body) {
			return api.ChangeEvent{}, false, nil
		}
		delivered = true
		author := ""
		if n.AuthorID != "" {
			if o, ok, err := a.findOwner(ctx, u.Pairing.ID, u.Side, f.CRM, func(o connectors.Owner) bool { return o.ID == n.AuthorID }); err == nil && ok {
				author = o.Name
			}
		}
		return api.ChangeEvent{Side: u.Side, RecordID: d.RecordID, Source: "poll", Policy: a.policyVersionOf(u.Pairing.ID), Notes: []api.NoteEvent{{
			Side: u.Side, NoteID: n.ID, Body: n.Body, AuthorName: author, CreatedAt: n.CreatedAt,
		}}}, true, nil
	})
	return delivered, err
}

// Deliver hands a change event to the deal workflow of coSellID, starting it if needed. It is the one
// way a deal is started. A change of a CRM record (the poller's, or a webhook's) is routed first (see
// route): only a record no deal owns may start one.
func Deliver(ctx context.Context, c client.Client, taskQueue, pairingID, coSellID string, ev api.ChangeEvent) error {
	_, err := c.SignalWithStartWorkflow(ctx, api.DealWorkflowID(coSellID), api.ChangeSignal, ev,
		client.StartWorkflowOptions{ID: api.DealWorkflowID(coSellID), TaskQueue: taskQueue},
		api.DealWorkflowName, api.DealInput{PairingID: pairingID, CoSellID: coSellID})
	if err != nil {
		return fmt.Errorf("deliver change to deal %s: %w", coSellID, err)
	}
	return nil
}

func copyTimes(m map[string]time.Time) map[string]time.Time {
	out := make(map[string]time.Time, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// prune forgets entries older than the overlap window: they can no longer be read again.
func prune(m map[string]time.Time, before time.Time) {
	for k, v := range m {
		if v.Before(before) {
			delete(m, k)
		}
	}
}

// fingerprint hashes a deal's fields and flags, so a second version of a record that carries the same
// whole-second stamp is still delivered.
func fingerprint(d connectors.Deal) uint64 {
	h := fnv.New64a()
	keys := make([]string, 0, len(d.Fields))
	for k := range d.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(h, "%s\x00%t\x00%s", d.CoSellID, d.Enabled, d.OwnerID)
	for _, k := range keys {
		fmt.Fprintf(h, "\x00%s=%v", k, d.Fields[k])
	}
	return h.Sum64()
}
