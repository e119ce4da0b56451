package hubspot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// objectType describes one CRM object type the fake serves. HubSpot names object types by plural name,
// singular name or type id ("deals", "deal", "0-3") depending on the API, so lookups accept all three.
type objectType struct {
	name     string // plural, as in /crm/v3/objects/deals
	singular string // as in association error messages: "deal"
	typeID   string // "0-3"
	upper    string // as in batch-read error messages: "DEAL"
	created  string // the creation-date property: deals use createdate, engagements hs_createdate
	// defaults are the properties returned when a read names none.
	defaults []string
	// searchable are the properties the free-text "query" of a search looks in.
	searchable []string
	// engagement marks an activity (note, task): it needs hs_timestamp and is associated with deals.
	engagement bool
}

var (
	dealType = &objectType{
		name: "deals", singular: "deal", typeID: "0-3", upper: "DEAL", created: "createdate",
		defaults:   []string{"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
		searchable: []string{"dealname", "description"},
	}
	noteType = &objectType{
		name: "notes", singular: "note", typeID: "0-46", upper: "NOTE", created: "hs_createdate",
		defaults:   []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		searchable: []string{"hs_note_body"}, engagement: true,
	}
	taskType = &objectType{
		name: "tasks", singular: "task", typeID: "0-27", upper: "TASK", created: "hs_createdate",
		defaults:   []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		searchable: []string{"hs_task_subject", "hs_task_body"}, engagement: true,
	}
	// Meetings, calls and e-mails are the engagements the change feed reads as touchpoints.
	meetingType = &objectType{
		name: "meetings", singular: "meeting", typeID: "0-47", upper: "MEETING", created: "hs_createdate",
		defaults:   []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		searchable: []string{"hs_meeting_title", "hs_meeting_body"}, engagement: true,
	}
	callType = &objectType{
		name: "calls", singular: "call", typeID: "0-48", upper: "CALL", created: "hs_createdate",
		defaults:   []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		searchable: []string{"hs_call_title", "hs_call_body"}, engagement: true,
	}
	emailType = &objectType{
		name: "emails", singular: "email", typeID: "0-49", upper: "EMAIL", created: "hs_createdate",
		defaults:   []string{"hs_createdate", "hs_lastmodifieddate", "hs_object_id"},
		searchable: []string{"hs_email_subject", "hs_email_text"}, engagement: true,
	}
	// Companies are the organisations deals are with: a deal's primary company is its account.
	companyType = &objectType{
		name: "companies", singular: "company", typeID: "0-2", upper: "COMPANY", created: "createdate",
		defaults:   []string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
		searchable: []string{"name", "domain", "website", "phone"},
	}
	objectTypes = []*objectType{dealType, noteType, taskType, meetingType, callType, emailType, companyType}
)

// lookupType resolves an object type as any HubSpot API spells it.
func lookupType(s string) *objectType {
	s = strings.ToLower(s)
	for _, t := range objectTypes {
		if s == t.name || s == t.singular || s == t.typeID {
			return t
		}
	}
	return nil
}

// Association type ids HubSpot defines between engagements and deals (HUBSPOT_DEFINED category).
const (
	noteToDealTypeID = 214
	dealToNoteTypeID = 213
	taskToDealTypeID = 216
	dealToTaskTypeID = 215
)

// engagementDealTypes are the HubSpot-defined association type ids between the other engagements and
// deals: call 206 (deal to call 205), email 210 (209), meeting 212 (211).
var engagementDealTypes = []struct {
	t                *objectType
	toDeal, fromDeal int
}{{callType, 206, 205}, {emailType, 210, 209}, {meetingType, 212, 211}}

// Association type ids HubSpot defines between deals and companies: the unlabeled association (deal to
// company 341, company to deal 342) and the primary one (5 and 6), which a deal has with one company
// at most and which HubSpot reports along with the unlabeled type.
const (
	dealToCompanyTypeID        = 341
	companyToDealTypeID        = 342
	dealToPrimaryCompanyTypeID = 5
	primaryCompanyToDealTypeID = 6
)

// primaryTypeID returns the HubSpot-defined primary association type from one type to the other, for
// the pairs that have one (deal and company).
func primaryTypeID(from, to *objectType) (int, bool) {
	switch {
	case from == dealType && to == companyType:
		return dealToPrimaryCompanyTypeID, true
	case from == companyType && to == dealType:
		return primaryCompanyToDealTypeID, true
	}
	return 0, false
}

// associationTypeID returns the HubSpot-defined default association type from one type to the other.
func associationTypeID(from, to *objectType) (int, bool) {
	switch {
	case from == dealType && to == companyType:
		return dealToCompanyTypeID, true
	case from == companyType && to == dealType:
		return companyToDealTypeID, true
	case from == noteType && to == dealType:
		return noteToDealTypeID, true
	case from == dealType && to == noteType:
		return dealToNoteTypeID, true
	case from == taskType && to == dealType:
		return taskToDealTypeID, true
	case from == dealType && to == taskType:
		return dealToTaskTypeID, true
	}
	for _, e := range engagementDealTypes {
		switch {
		case from == e.t && to == dealType:
			return e.toDeal, true
		case from == dealType && to == e.t:
			return e.fromDeal, true
		}
	}
	return 0, false
}

// associationTarget returns the type a HUBSPOT_DEFINED association type id leads to from type from, and
// whether the type is the primary one.
func associationTarget(from *objectType, typeID int) (to *objectType, primary, ok bool) {
	for _, to := range objectTypes {
		if id, ok := associationTypeID(from, to); ok && id == typeID {
			return to, false, true
		}
		if id, ok := primaryTypeID(from, to); ok && id == typeID {
			return to, true, true
		}
	}
	return nil, false, false
}

// object is one stored CRM record. props holds only values that are set; the server-maintained
// properties (hs_object_id, the creation date, hs_lastmodifieddate, and on deals the calculated
// hs_is_closed and hs_is_closed_won) are derived from the other fields.
type object struct {
	id         string
	props      map[string]string
	createdAt  time.Time
	updatedAt  time.Time
	archived   bool
	archivedAt time.Time
}

// value returns a property's value as HubSpot would report it, and whether it is set.
func (o *object) value(t *objectType, name string) (string, bool) {
	switch name {
	case "hs_object_id":
		return o.id, true
	case t.created:
		return formatTime(o.createdAt), true
	case "hs_lastmodifieddate":
		return formatTime(o.updatedAt), true
	case "hs_is_closed", "hs_is_closed_won":
		if t == dealType {
			closed, won := dealOutcome(o.props["pipeline"], o.props["dealstage"])
			if name == "hs_is_closed" {
				return strconv.FormatBool(closed), true
			}
			return strconv.FormatBool(won), true
		}
	}
	v, ok := o.props[name]
	return v, ok
}

// link is one association of a record with a deal (a note or a task on a deal, a deal's company);
// HubSpot stores both directions (214 and 213 for a note, 216 and 215 for a task, 342 and 341 for a
// company) for one pair.
type link struct {
	kind   *objectType // noteType, taskType, companyType, ...
	id     string      // the note's or task's id
	dealID string
}

// linkBetween is the link between record id of type from and record toID of type to; one of the two
// types is the deal.
func linkBetween(from *objectType, id string, to *objectType, toID string) link {
	if from == dealType {
		return link{kind: to, id: toID, dealID: id}
	}
	return link{kind: from, id: id, dealID: toID}
}

// owner is a HubSpot user who can own records.
type owner struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
	UserID    int
	Archived  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ownerJSON is an owner in the /crm/v3/owners response shape.
type ownerJSON struct {
	ID                      string `json:"id"`
	Email                   string `json:"email"`
	Type                    string `json:"type"`
	FirstName               string `json:"firstName"`
	LastName                string `json:"lastName"`
	UserID                  int    `json:"userId"`
	UserIDIncludingInactive int    `json:"userIdIncludingInactive"`
	CreatedAt               string `json:"createdAt"`
	UpdatedAt               string `json:"updatedAt"`
	Archived                bool   `json:"archived"`
	Teams                   []any  `json:"teams"`
}

func (o *owner) json() ownerJSON {
	return ownerJSON{
		ID: o.ID, Email: o.Email, Type: "PERSON", FirstName: o.FirstName, LastName: o.LastName,
		UserID: o.UserID, UserIDIncludingInactive: o.UserID,
		CreatedAt: formatTime(o.CreatedAt), UpdatedAt: formatTime(o.UpdatedAt), Archived: o.Archived,
		Teams: []any{},
	}
}

// objectJSON is a record in the CRM v3 response shape. Property values are strings, or null when unset.
type objectJSON struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
	ArchivedAt string             `json:"archivedAt,omitempty"`
	// Associations is present when a read asks for associations=notes (or deals).
	Associations map[string]associationList `json:"associations,omitempty"`
	// ObjectWriteTraceID echoes a batch write input's trace id on its result, as HubSpot does.
	ObjectWriteTraceID string `json:"objectWriteTraceId,omitempty"`
}

// associationList is the v3 shape of a record's associations inside a read.
type associationList struct {
	Results []associationRef `json:"results"`
}

type associationRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// upsertJSON is a batch-upsert result: the record plus whether the upsert created it.
type upsertJSON struct {
	objectJSON
	New bool `json:"new"`
}

// render returns o in the response shape with the requested properties; with none requested, the type's
// defaults. HubSpot always adds the id, creation and modification dates, and silently leaves out requested
// properties that do not exist.
func (s *Server) render(t *objectType, o *object, requested []string) objectJSON {
	names := requested
	if len(names) == 0 {
		names = t.defaults
	}
	props := map[string]*string{}
	for _, n := range append([]string{"hs_object_id", t.created, "hs_lastmodifieddate"}, names...) {
		if _, known := s.props[t].get(n); !known {
			continue
		}
		if v, ok := o.value(t, n); ok {
			props[n] = &v
		} else {
			props[n] = nil
		}
	}
	out := objectJSON{
		ID: o.id, Properties: props, CreatedAt: formatTime(o.createdAt), UpdatedAt: formatTime(o.updatedAt),
		Archived: o.archived,
	}
	if o.archived {
		out.ArchivedAt = formatTime(o.archivedAt)
	}
	return out
}

// formatTime renders an instant as HubSpot does: UTC, ISO 8601, with milliseconds when there are any
// ("2026-11-22T10:00:00.123Z", "2026-12-31T00:00:00Z").
func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/int(time.Millisecond) == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// parseTimeValue reads a datetime the way HubSpot accepts one: epoch milliseconds, an ISO 8601 date-time,
// or a plain date (taken as midnight UTC).
func parseTimeValue(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// compareIDs orders numeric record ids by value (shorter first, then lexically), as HubSpot compares
// hs_object_id.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool { return compareIDs(ids[i], ids[j]) < 0 })
}

// ownerLabel is how HubSpot labels an owner option: "First Last (email)".
func ownerLabel(o *owner) string {
	name := strings.TrimSpace(o.FirstName + " " + o.LastName)
	if name == "" {
		return o.Email
	}
	return fmt.Sprintf("%s (%s)", name, o.Email)
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
