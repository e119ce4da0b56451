package hubspot

import "fmt"

// Update changes a live record's properties as a user does in HubSpot's UI: validated like
// PATCH /crm/v3/objects/{objectType}/{id}, webhooks sent, but no API call counted and no rate limit
// spent, since a person editing a deal uses none of the portal's API budget. Benchmarks drive edits
// with it, so the fake's counters and limits hold the worker's calls alone.
func (s *Server) Update(objectType, id string, props map[string]any) error {
	t := lookupType(objectType)
	if t == nil {
		return fmt.Errorf("unknown object type %q", objectType)
	}
	defer s.sendHooks()
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[t][id]
	if !ok || o.archived {
		return fmt.Errorf("%s %s is not a live record", t.singular, id)
	}
	if e := s.update(t, o, props); e != nil {
		return fmt.Errorf("update %s %s: %s", t.singular, id, e.Message)
	}
	return nil
}
