package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

type side int

const (
	sideSalesforce side = iota
	sideHubSpot
)

func (s side) String() string {
	if s == sideSalesforce {
		return "salesforce"
	}
	return "hubspot"
}

// seededDeal is one co-sold deal: where it was created and its record in each CRM once mirrored.
type seededDeal struct {
	name       string
	origin     side
	sfID, hsID string
	cosellID   string
	mirrored   bool
}

// scanEvery is how often the bench reads the fakes to see a mirror arrive. It reads them in-process, so
// its reads are neither counted nor rate limited; it bounds the latency figures' resolution.
const scanEvery = 10 * time.Millisecond

// waitFlagBurst waits until every seeded deal is readable in the other CRM with the co-sell id stamped in
// both, and returns each deal's time from the worker being ready to its mirror.
func (w *world) waitFlagBurst(ctx context.Context, deals []seededDeal, start time.Time, timeout time.Duration) ([]time.Duration, error) {
	var lat []time.Duration
	left := len(deals)
	deadline := start.Add(timeout)
	for left > 0 && time.Now().Before(deadline) {
		if err := w.workerAlive(); err != nil {
			return lat, err
		}
		sfByCoSell, hsByCoSell := map[string]map[string]any{}, map[string]string{}
		hsNext := map[string]string{}
		sfCoSell := map[string]string{}
		for _, r := range w.sf.Opportunities() {
			id, _ := r["CoSell_Id__c"].(string)
			sfCoSell[r["Id"].(string)] = id
			if id != "" {
				sfByCoSell[id] = r
			}
		}
		hsCoSell := map[string]string{}
		for _, d := range w.hsSrv.Deals() {
			if d.Archived {
				continue
			}
			id := d.Properties["cosell_id"]
			hsCoSell[d.ID] = id
			if id != "" {
				hsByCoSell[id] = d.ID
				hsNext[d.ID] = d.Properties["hs_next_step"]
			}
		}
		now := time.Now()
		for i := range deals {
			d := &deals[i]
			if d.mirrored {
				continue
			}
			switch d.origin {
			case sideSalesforce:
				id := sfCoSell[d.sfID]
				if hsID, ok := hsByCoSell[id]; ok && id != "" && hsNext[hsID] == "seed" {
					d.cosellID, d.hsID, d.mirrored = id, hsID, true
				}
			case sideHubSpot:
				id := hsCoSell[d.hsID]
				if r, ok := sfByCoSell[id]; ok && id != "" && r["NextStep"] == "seed" {
					d.cosellID, d.sfID, d.mirrored = id, r["Id"].(string), true
				}
			}
			if d.mirrored {
				lat = append(lat, now.Sub(start))
				left--
			}
		}
		select {
		case <-ctx.Done():
			return lat, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return lat, nil
}

// change is one edit of the workload: a deal, the CRM it is made in, and the value it writes.
type change struct {
	deal  int
	in    side
	value string
}

// plan spreads m edits per mirrored deal over both CRMs: round k edits every deal once, deal i in
// Salesforce when i+k is even and in HubSpot otherwise, so each CRM takes half of every round and each
// deal alternates between them.
func plan(deals []seededDeal, m int) []change {
	var out []change
	for k := range m {
		for i, d := range deals {
			if !d.mirrored {
				continue
			}
			in := sideSalesforce
			if (i+k)%2 == 1 {
				in = sideHubSpot
			}
			out = append(out, change{deal: i, in: in, value: fmt.Sprintf("edit %d of deal %d", k+1, i)})
		}
	}
	return out
}

// pending is an edit made and not yet seen in the other CRM.
type pending struct {
	change
	at   time.Time
	done chan struct{}
	// mirrored is when the observer saw the mirror, set before done is closed.
	mirrored time.Time
}

// runEdits makes the changes, at rate per second (0: as fast as the previous edit of each deal has
// mirrored), and returns each mirrored change's latency: from the edit being saved in one CRM to its
// value being readable in the other. An edit of a deal waits for the deal's previous edit to mirror, so
// that every edit has a value of its own to look for, and then gap more (see Options.EditGap).
func (w *world) runEdits(ctx context.Context, deals []seededDeal, changes []change, rate float64, gap, timeout time.Duration, progress io.Writer) (lat []time.Duration, last time.Time, err error) {
	start := time.Now()
	deadline := start.Add(timeout)
	var mu sync.Mutex
	open := map[int]*pending{}
	stop := make(chan struct{})
	observed := make(chan struct{})
	go func() {
		defer close(observed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(scanEvery):
			}
			mu.Lock()
			list := make([]*pending, 0, len(open))
			for _, p := range open {
				list = append(list, p)
			}
			mu.Unlock()
			for _, p := range list {
				if !w.mirrorShows(deals[p.deal], p.change) {
					continue
				}
				now := time.Now()
				mu.Lock()
				delete(open, p.deal)
				lat = append(lat, now.Sub(p.at))
				last = now
				mu.Unlock()
				p.mirrored = now
				close(p.done)
			}
		}
	}()
	defer func() {
		close(stop)
		<-observed
	}()
	for j, c := range changes {
		if rate > 0 {
			at := start.Add(time.Duration(float64(j) / rate * float64(time.Second)))
			if wait := time.Until(at); wait > 0 {
				time.Sleep(wait)
			}
		}
		mu.Lock()
		prev := open[c.deal]
		mu.Unlock()
		if prev != nil {
			select {
			case <-prev.done:
			case <-time.After(time.Until(deadline)):
				fmt.Fprintf(progress, "bench: %d of %d edits made when the time ran out\n", j, len(changes))
				return w.waitOpen(&mu, open, &lat, &last, deadline)
			case <-ctx.Done():
				return lat, last, ctx.Err()
			}
			if wait := time.Until(prev.mirrored.Add(gap)); wait > 0 {
				time.Sleep(wait)
			}
		}
		if err := w.workerAlive(); err != nil {
			return lat, last, err
		}
		if err := w.edit(deals[c.deal], c); err != nil {
			return lat, last, err
		}
		mu.Lock()
		open[c.deal] = &pending{change: c, at: time.Now(), done: make(chan struct{})}
		mu.Unlock()
	}
	return w.waitOpen(&mu, open, &lat, &last, deadline)
}

// waitOpen waits for the edits still open to mirror, until deadline.
func (w *world) waitOpen(mu *sync.Mutex, open map[int]*pending, lat *[]time.Duration, last *time.Time, deadline time.Time) ([]time.Duration, time.Time, error) {
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(open)
		mu.Unlock()
		if n == 0 {
			break
		}
		if err := w.workerAlive(); err != nil {
			return nil, time.Time{}, err
		}
		time.Sleep(scanEvery)
	}
	mu.Lock()
	defer mu.Unlock()
	shown := 0
	for _, p := range open {
		if shown++; shown > 5 {
			break
		}
		fmt.Fprintf(w.progress, "bench: not mirrored: %s\n", w.describe(p.change))
	}
	return append([]time.Duration(nil), *lat...), *last, nil
}

// describe says where a change that did not mirror stands in both CRMs.
func (w *world) describe(c change) string {
	d := w.deals[c.deal]
	sfNext, hsNext := "(none)", "(none)"
	if r, ok := w.sf.Get(d.sfID); ok {
		sfNext = fmt.Sprint(r["NextStep"])
	}
	if r, ok := w.hsSrv.Deal(d.hsID); ok {
		hsNext = r.Properties["hs_next_step"]
	}
	return fmt.Sprintf("%s (%s) edited in %s to %q: Salesforce %s reads %q, HubSpot %s reads %q", d.name, d.cosellID, c.in, c.value, d.sfID, sfNext, d.hsID, hsNext)
}

// edit saves a change as a rep does in the CRM's UI: no API call counted, the CRM's webhooks sent.
func (w *world) edit(d seededDeal, c change) error {
	if c.in == sideSalesforce {
		if err := w.sf.Update(d.sfID, map[string]any{"NextStep": c.value}); err != nil {
			return fmt.Errorf("edit %s in salesforce: %w", d.name, err)
		}
		return nil
	}
	if err := w.hsSrv.Update("deals", d.hsID, map[string]any{"hs_next_step": c.value}); err != nil {
		return fmt.Errorf("edit %s in hubspot: %w", d.name, err)
	}
	return nil
}

// mirrorShows reports whether the CRM opposite the edit reads the edit's value.
func (w *world) mirrorShows(d seededDeal, c change) bool {
	if c.in == sideSalesforce {
		r, ok := w.hsSrv.Deal(d.hsID)
		return ok && r.Properties["hs_next_step"] == c.value
	}
	r, ok := w.sf.Get(d.sfID)
	return ok && r["NextStep"] == c.value
}
