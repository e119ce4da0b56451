package salesforce

import (
	"fmt"
	"time"
)

// Update changes a record as its owner does in Lightning: validated and stamped like
// PATCH /sobjects/{type}/{id} (in one transaction, under the commit delay, LastModifiedById the owner),
// change notifications sent, but no API call counted and none of the org's daily budget spent, since a
// rep editing an opportunity uses no API request. Benchmarks drive edits with it, so the fake's counters
// and budget hold the worker's calls alone. Outbound Messages carry the instance URL set with
// SetInstanceURL (or Options.InstanceURL).
func (s *Server) Update(id string, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := normalizeID(id)
	if !ok {
		return fmt.Errorf("update %s: not a record id", id)
	}
	o, ok := s.schema.objectForID(n)
	if !ok {
		return fmt.Errorf("update %s: no object has its key prefix", id)
	}
	cur, ok := s.data.get(o.Name, n)
	if !ok {
		return fmt.Errorf("update %s: %s", id, s.missing(n).Message)
	}
	user := cur.str("OwnerId")
	if user == "" {
		user = s.integrationUser
	}
	now := s.now()
	s.txStart = now
	if s.commitDelay > 0 {
		s.data.visibleAt, s.data.ownFrom = now.Add(s.commitDelay), s.data.seq
	}
	defer func() { s.txStart, s.data.visibleAt = time.Time{}, time.Time{} }()
	s.data.watch()
	// update validates everything before its one write, so a refused edit changes nothing.
	if e := s.update(o, n, fields, writeCtx{userID: user, now: now.Truncate(time.Second)}); e != nil {
		s.data.watched, s.data.watchOrder = nil, nil
		return fmt.Errorf("update %s %s: %s", o.Name, id, e.Message)
	}
	s.hooks.Notify(s.saved(s.instanceURL)...)
	return nil
}
