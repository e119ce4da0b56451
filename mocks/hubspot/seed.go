package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"time"
)

// SeedData is the JSON a portal is seeded from (POST /__admin/seed, Seed, LoadSeedFile). Seeding adds to
// what is there; records go through the same validation as API writes, so a seed file cannot hold data a
// real portal would refuse.
//
//	{
//	  "properties": {"deals": [{"name": "cosell_id", "label": "Co-sell ID", "type": "string",
//	                            "fieldType": "text", "groupName": "cosell", "hasUniqueValue": true}],
//	                 "notes": [...]},
//	  "owners": [{"id": "101", "email": "ann@a.example", "firstName": "Ann", "lastName": "Lee", "userId": 9001}],
//	  "companies": [{"id": "20000000001", "properties": {"name": "Hooli", "domain": "hooli.com"}}],
//	  "deals":  [{"id": "10000000001", "properties": {"dealname": "Acme", "dealstage": "qualifiedtobuy"},
//	              "updatedAt": "2026-11-22T10:00:00.123Z", "companies": ["20000000001"]}],
//	  "notes":  [{"properties": {"hs_note_body": "Call went well", "hs_timestamp": "2026-11-22T10:00:00Z"},
//	              "deals": ["10000000001"]}],
//	  "tasks":  [{"properties": {"hs_task_subject": "Send the quote", "hs_timestamp": "2026-11-24T17:00:00Z",
//	              "hs_task_status": "NOT_STARTED"}, "deals": ["10000000001"]}]
//	}
type SeedData struct {
	// Properties are custom property definitions by object type ("deals", "notes", "tasks"); existing
	// names are left as they are, so seeding the same schema twice is harmless.
	Properties map[string][]Property `json:"properties,omitempty"`
	Owners     []SeedOwner           `json:"owners,omitempty"`
	Companies  []SeedRecord          `json:"companies,omitempty"`
	Deals      []SeedRecord          `json:"deals,omitempty"`
	Notes      []SeedRecord          `json:"notes,omitempty"`
	Tasks      []SeedRecord          `json:"tasks,omitempty"`
}

// SeedOwner is an owner (a HubSpot user who can own records).
type SeedOwner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	UserID    int    `json:"userId"`
	Archived  bool   `json:"archived"`
}

// SeedRecord is a deal, note or task to create. ID, CreatedAt and UpdatedAt are optional: given, they pin
// the record's id and its createdate/hs_lastmodifieddate, which tests use to build many records sharing
// one modification time. Deals lists the deals a note or task is associated with; Companies the
// companies a deal is associated with, the first as its primary company.
type SeedRecord struct {
	ID         string         `json:"id,omitempty"`
	Properties map[string]any `json:"properties"`
	CreatedAt  string         `json:"createdAt,omitempty"`
	UpdatedAt  string         `json:"updatedAt,omitempty"`
	Deals      []string       `json:"deals,omitempty"`
	Companies  []string       `json:"companies,omitempty"`
}

// SeedJSON seeds the portal from SeedData JSON.
func (s *Server) SeedJSON(body []byte) error {
	var d SeedData
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return s.Seed(d)
}

// LoadSeedFile seeds the portal from a SeedData JSON file, for a process started with a seed.
func (s *Server) LoadSeedFile(path string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("seed file: %w", err)
	}
	if err := s.SeedJSON(body); err != nil {
		return fmt.Errorf("seed file %s: %w", path, err)
	}
	return nil
}

// Seed adds properties, owners, companies, deals, notes and tasks, in that order, stopping at the first
// invalid entry.
func (s *Server) Seed(d SeedData) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	hooks := len(s.pendingHooks)
	defer func() { s.pendingHooks = s.pendingHooks[:hooks] }() // seeded records predate the app: no webhooks
	types := make([]string, 0, len(d.Properties))
	for name := range d.Properties {
		types = append(types, name)
	}
	sort.Strings(types)
	for _, name := range types {
		t := lookupType(name)
		if t == nil {
			return fmt.Errorf("seed properties: unknown object type %q", name)
		}
		for _, p := range d.Properties[name] {
			if _, exists := s.props[t].get(p.Name); exists {
				continue
			}
			if _, e := s.createProperty(t, p); e != nil {
				return fmt.Errorf("seed property %s.%s: %s", t.name, p.Name, e.Message)
			}
		}
	}
	now := s.now()
	for _, o := range d.Owners {
		if o.ID == "" || o.Email == "" {
			return fmt.Errorf("seed owner %+v: id and email are required", o)
		}
		if s.ownerByID(o.ID) != nil {
			return fmt.Errorf("seed owner %s: duplicate id", o.ID)
		}
		s.owners = append(s.owners, &owner{
			ID: o.ID, Email: o.Email, FirstName: o.FirstName, LastName: o.LastName, UserID: o.UserID,
			Archived: o.Archived, CreatedAt: now, UpdatedAt: now,
		})
	}
	for i, r := range d.Companies {
		if err := s.seedRecord(companyType, r); err != nil {
			return fmt.Errorf("seed company %d: %w", i, err)
		}
	}
	for i, r := range d.Deals {
		if err := s.seedRecord(dealType, r); err != nil {
			return fmt.Errorf("seed deal %d: %w", i, err)
		}
	}
	for i, r := range d.Notes {
		if err := s.seedRecord(noteType, r); err != nil {
			return fmt.Errorf("seed note %d: %w", i, err)
		}
	}
	for i, r := range d.Tasks {
		if err := s.seedRecord(taskType, r); err != nil {
			return fmt.Errorf("seed task %d: %w", i, err)
		}
	}
	return nil
}

func (s *Server) seedRecord(t *objectType, r SeedRecord) error {
	if r.ID != "" {
		if _, taken := s.objects[t][r.ID]; taken {
			return fmt.Errorf("id %s is taken", r.ID)
		}
		if _, err := fmt.Sscan(r.ID, new(uint64)); err != nil {
			return fmt.Errorf("id %q: HubSpot record ids are numeric", r.ID)
		}
	}
	var assocs []associationInput
	if typeID, ok := associationTypeID(t, dealType); ok {
		for _, dealID := range r.Deals {
			var a associationInput
			a.To.ID = flexID(dealID)
			a.Types = append(a.Types, struct {
				AssociationCategory string `json:"associationCategory"`
				AssociationTypeID   int    `json:"associationTypeId"`
			}{"HUBSPOT_DEFINED", typeID})
			assocs = append(assocs, a)
		}
	} else if len(r.Deals) > 0 {
		return fmt.Errorf("only notes and tasks list associated deals")
	}
	if len(r.Companies) > 0 && t != dealType {
		return fmt.Errorf("only deals list associated companies")
	}
	for i, companyID := range r.Companies {
		var a associationInput
		a.To.ID = flexID(companyID)
		typeID := dealToCompanyTypeID
		if i == 0 {
			typeID = dealToPrimaryCompanyTypeID
		}
		a.Types = append(a.Types, struct {
			AssociationCategory string `json:"associationCategory"`
			AssociationTypeID   int    `json:"associationTypeId"`
		}{"HUBSPOT_DEFINED", typeID})
		assocs = append(assocs, a)
	}
	o, e := s.create(t, createInput{Properties: r.Properties, Associations: assocs})
	if e != nil {
		return fmt.Errorf("%s", e.Message)
	}
	if r.ID != "" {
		delete(s.objects[t], o.id)
		s.index.set(t, o.id, nil)
		for l, at := range s.links {
			switch {
			case l.kind == t && l.id == o.id:
				delete(s.links, l)
				s.links[link{kind: t, id: r.ID, dealID: l.dealID}] = at
			case t == dealType && l.dealID == o.id:
				delete(s.links, l)
				s.links[link{kind: l.kind, id: l.id, dealID: r.ID}] = at
			}
		}
		if company, ok := s.primary[o.id]; ok && t == dealType {
			delete(s.primary, o.id)
			s.primary[r.ID] = company
		}
		o.id = r.ID
		s.objects[t][o.id] = o
		var n int64
		if _, err := fmt.Sscan(r.ID, &n); err == nil && n > s.nextID {
			s.nextID = n
		}
	}
	for field, v := range map[*time.Time]string{&o.createdAt: r.CreatedAt, &o.updatedAt: r.UpdatedAt} {
		if v == "" {
			continue
		}
		tm, ok := parseTimeValue(v)
		if !ok {
			return fmt.Errorf("time %q is not ISO 8601 or epoch milliseconds", v)
		}
		*field = tm.Truncate(time.Millisecond)
	}
	if r.UpdatedAt == "" && r.CreatedAt != "" {
		o.updatedAt = o.createdAt
	}
	s.index.set(t, o.id, o) // seeded records predate the test: searchable at once
	return nil
}

// Record is a stored deal, note or task as tests and the status page see it: every set property
// (server-kept ones included) and the ids of the associated records.
type Record struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	Archived   bool              `json:"archived"`
	// Associated lists associated notes for a deal, associated deals for a note, a task or a company.
	Associated []string `json:"associated"`
	// Tasks lists a deal's associated tasks.
	Tasks []string `json:"tasks,omitempty"`
	// Companies lists a deal's associated companies, and PrimaryCompany the one labeled primary.
	Companies      []string `json:"companies,omitempty"`
	PrimaryCompany string   `json:"primaryCompany,omitempty"`
}

func (s *Server) record(t *objectType, o *object) Record {
	props := map[string]string{}
	for k, v := range o.props {
		props[k] = v
	}
	for _, k := range []string{"hs_object_id", t.created, "hs_lastmodifieddate"} {
		props[k], _ = o.value(t, k)
	}
	rec := Record{ID: o.id, Properties: props, CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, Archived: o.archived}
	if t == dealType {
		rec.Associated = s.associated(t, noteType, o.id)
		rec.Tasks = s.associated(t, taskType, o.id)
		rec.Companies = s.associated(t, companyType, o.id)
		for _, c := range rec.Companies {
			if s.primary[o.id] == c {
				rec.PrimaryCompany = c
			}
		}
	} else {
		rec.Associated = s.associated(t, dealType, o.id)
	}
	return rec
}

func (s *Server) records(t *objectType) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.objects[t]))
	for id := range s.objects[t] {
		ids = append(ids, id)
	}
	sortIDs(ids)
	out := make([]Record, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.record(t, s.objects[t][id]))
	}
	return out
}

// Deals returns every deal, archived ones included, in id order.
func (s *Server) Deals() []Record { return s.records(dealType) }

// Notes returns every note, archived ones included, in id order.
func (s *Server) Notes() []Record { return s.records(noteType) }

// Companies returns every company, archived ones included, in id order.
func (s *Server) Companies() []Record { return s.records(companyType) }

// Tasks returns every task, archived ones included, in id order.
func (s *Server) Tasks() []Record { return s.records(taskType) }

// Deal returns one deal by id.
func (s *Server) Deal(id string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[dealType][id]
	if !ok {
		return Record{}, false
	}
	return s.record(dealType, o), true
}

// Owners returns the seeded owners, archived ones included.
func (s *Server) Owners() []SeedOwner {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SeedOwner, len(s.owners))
	for i, o := range s.owners {
		out[i] = SeedOwner{ID: o.ID, Email: o.Email, FirstName: o.FirstName, LastName: o.LastName, UserID: o.UserID, Archived: o.Archived}
	}
	return out
}

// SetModified pins a record's hs_lastmodifieddate, for tests that need records sharing one timestamp.
func (s *Server) SetModified(objectType, id string, at time.Time) error {
	t := lookupType(objectType)
	if t == nil {
		return fmt.Errorf("unknown object type %q", objectType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[t][id]
	if !ok {
		return fmt.Errorf("%s %s does not exist", t.singular, id)
	}
	o.updatedAt = at.UTC().Truncate(time.Millisecond)
	s.index.set(t, id, o) // rewriting history, not a write: searchable as such at once
	return nil
}

func (s *Server) handleAdminRecords(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"results": s.records(t)})
	}
}
