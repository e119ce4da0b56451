package salesforce

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Record is one row in Salesforce field names with JSON values (dates and date-times as strings), the
// shape seeds are written in and listings are returned in.
type Record map[string]any

// SeedData is the JSON accepted by Seed, SeedJSON and POST /__admin/seed:
//
//	{
//	  "users":         [{"Id": "005...", "Username": "ana@acme.example", "FirstName": "Ana", "LastName": "Ruiz", "Email": "ana@acme.example", "IsActive": true}],
//	  "opportunities": [{"Name": "Acme expansion", "StageName": "Prospecting", "CloseDate": "2026-12-31", "Amount": 125000,
//	                     "OwnerId": "ana@acme.example", "CoSell_Enabled__c": true, "SystemModstamp": "2026-11-22T10:00:00.000+0000"}],
//	  "tasks":         [{"WhatId": "006...", "Subject": "Call", "Description": "Intro call went well"}]
//	}
//
// Rows are validated like API writes (required fields, restricted picklists, lookups, unique values), but a
// seed may also fix Id (15 or 18 characters, right key prefix), CreatedDate, LastModifiedDate,
// SystemModstamp, CreatedById and LastModifiedById, and may name an owner by Username instead of id. Users
// may give Name instead of FirstName/LastName, and Username defaults to Email.
type SeedData struct {
	Users         []Record `json:"users,omitempty"`
	Accounts      []Record `json:"accounts,omitempty"`
	Opportunities []Record `json:"opportunities,omitempty"`
	Tasks         []Record `json:"tasks,omitempty"`
	Events        []Record `json:"events,omitempty"`
}

// ReadSeedFile loads a seed file for a standalone fake (cosell mock salesforce --seed file.json).
func ReadSeedFile(path string) (SeedData, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return SeedData{}, fmt.Errorf("read salesforce seed: %w", err)
	}
	var d SeedData
	if err := json.Unmarshal(b, &d); err != nil {
		return SeedData{}, fmt.Errorf("parse salesforce seed %s: %w", path, err)
	}
	return d, nil
}

// SeedJSON seeds from the JSON shape of SeedData.
func (s *Server) SeedJSON(b []byte) error {
	var d SeedData
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("parse salesforce seed: %w", err)
	}
	return s.Seed(d)
}

// Seed adds rows, all or none: users first, then accounts, opportunities and tasks, so later rows can
// refer to earlier ones (an opportunity's AccountId to a seeded account's fixed Id).
func (s *Server) Seed(d SeedData) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	mark := s.data.begin()
	wc := writeCtx{userID: s.integrationUser, now: s.now(), seed: true}
	groups := []struct {
		name string
		obj  string
		rows []Record
	}{{"users", "user", d.Users}, {"accounts", "account", d.Accounts}, {"opportunities", "opportunity", d.Opportunities}, {"tasks", "task", d.Tasks}, {"events", "event", d.Events}}
	for _, g := range groups {
		o := s.schema.objects[g.obj]
		for i, r := range g.rows {
			// A JSON round trip gives Go-built seeds (ints, time.Time) the types a request body has.
			var in map[string]any
			raw, err := json.Marshal(r)
			if err == nil {
				err = json.Unmarshal(raw, &in)
			}
			if err != nil {
				s.data.rollback(mark)
				return fmt.Errorf("seed %s[%d]: %w", g.name, i, err)
			}
			if g.obj == "user" {
				seedUserDefaults(in)
			}
			if raw, ok := in["Id"].(string); ok && raw != "" {
				id, err := parseSeedID(raw, o.KeyPrefix)
				if err != nil {
					s.data.rollback(mark)
					return fmt.Errorf("seed %s[%d]: %w", g.name, i, err)
				}
				in["Id"] = id
			}
			if _, err := s.insert(o, in, wc); err != nil {
				s.data.rollback(mark)
				return fmt.Errorf("seed %s[%d]: %s: %s", g.name, i, err.ErrorCode, err.Message)
			}
		}
	}
	s.data.commit()
	return nil
}

func seedUserDefaults(in map[string]any) {
	if name, ok := in["Name"].(string); ok {
		delete(in, "Name")
		if in["LastName"] == nil {
			first, last := "", name
			for i := len(name) - 1; i > 0; i-- {
				if name[i] == ' ' {
					first, last = name[:i], name[i+1:]
					break
				}
			}
			in["LastName"] = last
			if in["FirstName"] == nil && first != "" {
				in["FirstName"] = first
			}
		}
	}
	if in["Username"] == nil && in["Email"] != nil {
		in["Username"] = in["Email"]
	}
}

func (s *Server) list(object string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	rows := s.data.sorted(object)
	out := make([]Record, len(rows))
	for i, r := range rows {
		rec := make(Record, len(r))
		for k, v := range r {
			rec[k] = wire(v)
		}
		out[i] = rec
	}
	return out
}

// Opportunities lists every opportunity in creation order, for tests to assert on what a sync wrote.
func (s *Server) Opportunities() []Record { return s.list("Opportunity") }

// Accounts lists every account in creation order.
func (s *Server) Accounts() []Record { return s.list("Account") }

// Tasks lists every task in creation order.
func (s *Server) Tasks() []Record { return s.list("Task") }

// Events lists every event in creation order.
func (s *Server) Events() []Record { return s.list("Event") }

// Users lists every user in creation order, the integration user first.
func (s *Server) Users() []Record { return s.list("User") }

// Get returns one row by id, of any object.
func (s *Server) Get(id string) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nid, ok := normalizeID(id)
	if !ok {
		return nil, false
	}
	o, ok := s.schema.objectForID(nid)
	if !ok {
		return nil, false
	}
	r, ok := s.data.get(o.Name, nid)
	if !ok {
		return nil, false
	}
	rec := make(Record, len(r))
	for k, v := range r {
		rec[k] = wire(v)
	}
	return rec, true
}

// sortRecords orders records by a string field, for stable listings in the page.
func sortRecords(rs []Record, field string, desc bool) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, _ := rs[i][field].(string)
		b, _ := rs[j][field].(string)
		if desc {
			return a > b
		}
		return a < b
	})
}
