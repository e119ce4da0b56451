package hubspot

import (
	"sort"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// Object types as the CRM v3 paths name them.
const (
	ObjectDeals = "deals"
	ObjectNotes = "notes"
	ObjectTasks = "tasks"
)

// Object is a CRM record as HubSpot returns it: every property value a string, nil when unset.
type Object struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
	Archived   bool               `json:"archived"`
	// Associations are the associated records a single read asked for (associations=companies), by
	// object type, in v3's shape: one entry per association type, named as v3 names it.
	Associations map[string]struct {
		Results []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
	} `json:"associations,omitempty"`
}

// Get returns a property's value, "" when unset.
func (o Object) Get(name string) string {
	if v := o.Properties[name]; v != nil {
		return *v
	}
	return ""
}

// ModifiedAt is the record's hs_lastmodifieddate, the timestamp change streams page by.
func (o Object) ModifiedAt() time.Time {
	if t, err := time.Parse(time.RFC3339Nano, o.Get("hs_lastmodifieddate")); err == nil {
		return t.UTC()
	}
	return o.UpdatedAt.UTC()
}

// compareIDs orders HubSpot's numeric string ids by value, as hs_object_id filters compare them: a
// shorter id is smaller, equal lengths compare as text.
func compareIDs(a, b string) int { return connectors.CompareIDs(a, b) }

// position orders records by (modification time, id), the keyset of the change streams.
func position(t1 time.Time, id1 string, t2 time.Time, id2 string) int {
	switch {
	case t1.Before(t2):
		return -1
	case t1.After(t2):
		return 1
	}
	return compareIDs(id1, id2)
}

func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool { return compareIDs(ids[i], ids[j]) < 0 })
}
