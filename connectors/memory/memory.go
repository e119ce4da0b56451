// Package memory is an in-memory connectors.CRM. The deal workflow tests and the benchmarks run the
// real activities over it, so the sync logic is exercised in milliseconds without HTTP; the fidelity to
// real CRM APIs is the job of mocks/ and the connector contract tests, not of this package.
package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// CRM keeps deals, notes and owners in maps. It is safe for concurrent use.
type CRM struct {
	mu     sync.Mutex
	kind   string
	fields connectors.DealFields
	now    func() time.Time
	seq    int
	deals  map[string]*connectors.Deal
	// created is when each deal was created here, the CreatedAt of ClosedSoloDeals when the deal has no
	// creation-date field.
	created map[string]time.Time
	notes   map[string]*connectors.Note
	tasks   map[string]connectors.TaskInput
	owners  []connectors.Owner
	// allowed restricts a field to a set of values, like a restricted picklist.
	allowed map[string][]string
	writes  int
}

// New returns an empty CRM of the given kind ("salesforce" or "hubspot") using those deal fields. now
// stamps modifications; it must advance (tests pass a ticking clock).
func New(kind string, fields connectors.DealFields, now func() time.Time) *CRM {
	return &CRM{kind: kind, fields: fields, now: now, deals: map[string]*connectors.Deal{}, created: map[string]time.Time{},
		notes: map[string]*connectors.Note{}, tasks: map[string]connectors.TaskInput{}, allowed: map[string][]string{}}
}

// Restrict makes field reject values outside values, as a restricted picklist does.
func (c *CRM) Restrict(field string, values ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.allowed[field] = values
}

// AddOwner adds a user who can own deals.
func (c *CRM) AddOwner(o connectors.Owner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owners = append(c.owners, o)
}

// Put creates or edits a deal as a user would in the CRM's UI, and returns its record id.
func (c *CRM) Put(recordID string, fields map[string]any) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if recordID == "" {
		recordID = c.nextID("deal")
		c.deals[recordID] = &connectors.Deal{RecordID: recordID, Fields: map[string]any{}}
	}
	d := c.deals[recordID]
	c.apply(d, fields)
	if _, ok := c.created[recordID]; !ok {
		c.created[recordID] = d.ModifiedAt // the clock is read once per write, as before
	}
	return recordID
}

// Delete removes a deal as a user would, with its notes and tasks: afterwards it is not found by id nor
// by co-sell id, and an upsert by its co-sell id creates a new record.
func (c *CRM) Delete(recordID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.deals, recordID)
	delete(c.created, recordID)
	for id, n := range c.notes {
		if n.DealRecordID == recordID {
			delete(c.notes, id)
		}
	}
	for id, t := range c.tasks {
		if t.DealRecordID == recordID {
			delete(c.tasks, id)
		}
	}
}

// AddNote writes a note on a deal as a user would.
func (c *CRM) AddNote(dealRecordID, body, authorID string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextID("note")
	t := c.now()
	c.notes[id] = &connectors.Note{ID: id, DealRecordID: dealRecordID, Body: body, AuthorID: authorID, CreatedAt: t, ModifiedAt: t}
	return id
}

// Deal returns a copy of a deal.
func (c *CRM) Deal(recordID string) (connectors.Deal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.deals[recordID]
	if !ok {
		return connectors.Deal{}, false
	}
	return copyDeal(d), true
}

// Deals returns copies of every deal.
func (c *CRM) Deals() []connectors.Deal {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]connectors.Deal, 0, len(c.deals))
	for _, d := range c.deals {
		out = append(out, copyDeal(d))
	}
	slices.SortFunc(out, func(x, y connectors.Deal) int { return strings.Compare(x.RecordID, y.RecordID) })
	return out
}

// Notes returns copies of the notes on a deal.
func (c *CRM) Notes(dealRecordID string) []connectors.Note {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []connectors.Note
	for _, n := range c.notes {
		if n.DealRecordID == dealRecordID {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(x, y connectors.Note) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Writes counts the API writes made through the connectors.CRM interface.
func (c *CRM) Writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// Kind implements connectors.CRM.
func (c *CRM) Kind() string { return c.kind }

// ChangedDeals implements connectors.CRM.
func (c *CRM) ChangedDeals(_ context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	return c.listDeals(after, limit, true), nil
}

// ListDeals implements connectors.DealLister: every deal, flagged or not.
func (c *CRM) ListDeals(_ context.Context, after connectors.Cursor, limit int) ([]connectors.Deal, error) {
	return c.listDeals(after, limit, false), nil
}

func (c *CRM) listDeals(after connectors.Cursor, limit int, cosellOnly bool) []connectors.Deal {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []connectors.Deal
	for _, d := range c.deals {
		if (!cosellOnly || d.Enabled || d.CoSellID != "") && after.Less(d.ModifiedAt, d.RecordID) {
			out = append(out, copyDeal(d))
		}
	}
	slices.SortFunc(out, func(x, y connectors.Deal) int {
		if c := x.ModifiedAt.Compare(y.ModifiedAt); c != 0 {
			return c
		}
		return connectors.CompareIDs(x.RecordID, y.RecordID)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// GetDeal implements connectors.CRM.
func (c *CRM) GetDeal(_ context.Context, recordID string) (connectors.Deal, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.deals[recordID]
	if !ok {
		return connectors.Deal{}, &connectors.Error{CRM: c.kind, Op: "get deal " + recordID, Status: 404, Code: "NOT_FOUND", Message: "no such deal", NotFound: true}
	}
	return copyDeal(d), nil
}

// FindDealByCoSellID implements connectors.CRM.
func (c *CRM) FindDealByCoSellID(_ context.Context, coSellID string) (connectors.Deal, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.byCoSellID(coSellID); d != nil {
		return copyDeal(d), true, nil
	}
	return connectors.Deal{}, false, nil
}

// UpsertDeal implements connectors.CRM.
func (c *CRM) UpsertDeal(_ context.Context, coSellID string, fields map[string]any) (connectors.UpsertResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.check(fields); err != nil {
		return connectors.UpsertResult{}, err
	}
	c.writes++
	d := c.byCoSellID(coSellID)
	created := d == nil
	if created {
		id := c.nextID("deal")
		d = &connectors.Deal{RecordID: id, Fields: map[string]any{}}
		c.deals[id] = d
	}
	fields = clone(fields)
	fields[c.fields.CoSellID] = coSellID
	c.apply(d, fields)
	if created {
		c.created[d.RecordID] = d.ModifiedAt
	}
	return connectors.UpsertResult{RecordID: d.RecordID, Created: created}, nil
}

// UpdateDeal implements connectors.CRM.
func (c *CRM) UpdateDeal(_ context.Context, recordID string, fields map[string]any) error {
	return c.update(recordID, fields, time.Time{})
}

// update writes fields to a deal, unless since is set and the deal was modified after it.
func (c *CRM) update(recordID string, fields map[string]any, since time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	op := "update deal " + recordID
	d, ok := c.deals[recordID]
	if !ok {
		return &connectors.Error{CRM: c.kind, Op: op, Status: 404, Code: "NOT_FOUND", Message: "no such deal", NotFound: true}
	}
	if !since.IsZero() && d.ModifiedAt.After(since) {
		return &connectors.Error{CRM: c.kind, Op: op, Status: 412, Code: "ENTITY_FAILED_IFLASTMODIFIED_ON_UPDATE_CHECK",
			Message: "the deal was modified after " + since.Format(time.RFC3339Nano), Modified: true}
	}
	if err := c.check(fields); err != nil {
		return err
	}
	c.writes++
	c.apply(d, fields)
	return nil
}

// ConditionalCRM is a CRM with Salesforce's conditional update (connectors.ConditionalUpdater), for
// tests of the write path of a CRM that offers one. Stamps compare exactly: this package's are finer
// than Salesforce's whole seconds.
type ConditionalCRM struct{ *CRM }

// Conditional wraps c with conditional updates; c stays usable for edits and inspection.
func Conditional(c *CRM) ConditionalCRM { return ConditionalCRM{c} }

// UpdateDealIfUnmodifiedSince implements connectors.ConditionalUpdater.
func (c ConditionalCRM) UpdateDealIfUnmodifiedSince(_ context.Context, recordID string, fields map[string]any, since time.Time) error {
	return c.update(recordID, fields, since)
}

// ChangedNotes implements connectors.CRM.
func (c *CRM) ChangedNotes(_ context.Context, after connectors.Cursor, limit int) (connectors.NotePage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []connectors.Note
	for _, n := range c.notes {
		if after.Less(n.ModifiedAt, n.ID) {
			out = append(out, *n)
		}
	}
	slices.SortFunc(out, func(x, y connectors.Note) int {
		if c := x.ModifiedAt.Compare(y.ModifiedAt); c != 0 {
			return c
		}
		return connectors.CompareIDs(x.ID, y.ID)
	})
	page := connectors.NotePage{Next: after}
	if len(out) > limit {
		out, page.More = out[:limit], true
	}
	if len(out) > 0 {
		last := out[len(out)-1]
		page.Next = connectors.Cursor{ModifiedAt: last.ModifiedAt, ID: last.ID}
	}
	page.Notes = out
	return page, nil
}

// GetNote implements connectors.CRM.
func (c *CRM) GetNote(_ context.Context, noteID string) (connectors.Note, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.notes[noteID]
	if !ok {
		return connectors.Note{}, &connectors.Error{CRM: c.kind, Op: "get note " + noteID, Status: 404, Code: "NOT_FOUND", Message: "no such note", NotFound: true}
	}
	return *n, nil
}

// CreateNote implements connectors.CRM.
func (c *CRM) CreateNote(_ context.Context, in connectors.NoteInput) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.notes {
		if n.Key == in.Key {
			return n.ID, nil
		}
	}
	if _, ok := c.deals[in.DealRecordID]; !ok {
		return "", &connectors.Error{CRM: c.kind, Op: "create note", Status: 404, Code: "NOT_FOUND", Message: "no such deal", NotFound: true}
	}
	c.writes++
	id := c.nextID("note")
	t := c.now()
	c.notes[id] = &connectors.Note{ID: id, DealRecordID: in.DealRecordID, Body: in.Body, Key: in.Key, CreatedAt: t, ModifiedAt: t}
	return id, nil
}

// CreateTask implements connectors.CRM. Tasks are kept apart from notes, as Salesforce's ChangedNotes
// filter and HubSpot's object types keep them out of the note stream.
func (c *CRM) CreateTask(_ context.Context, in connectors.TaskInput) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, t := range c.tasks {
		if t.Key == in.Key {
			return id, nil
		}
	}
	if _, ok := c.deals[in.DealRecordID]; !ok {
		return "", &connectors.Error{CRM: c.kind, Op: "create task", Status: 404, Code: "NOT_FOUND", Message: "no such deal", NotFound: true}
	}
	c.writes++
	id := c.nextID("task")
	c.tasks[id] = in
	return id, nil
}

// Tasks returns the tasks on a deal, in creation order.
func (c *CRM) Tasks(dealRecordID string) []connectors.TaskInput {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.tasks))
	for id, t := range c.tasks {
		if t.DealRecordID == dealRecordID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]connectors.TaskInput, len(ids))
	for i, id := range ids {
		out[i] = c.tasks[id]
	}
	return out
}

// DealURL implements connectors.CRM.
func (c *CRM) DealURL(recordID string) string { return "memory://" + c.kind + "/deals/" + recordID }

// ListOwners implements connectors.CRM.
func (c *CRM) ListOwners(context.Context) ([]connectors.Owner, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.owners), nil
}

// DescribeDeals implements connectors.CRM.
func (c *CRM) DescribeDeals(context.Context) (connectors.Schema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s connectors.Schema
	for _, name := range c.fields.All() {
		f := connectors.FieldSchema{Name: name, Type: "string"}
		if v, ok := c.allowed[name]; ok {
			f.Type, f.PicklistValues, f.Restricted = "picklist", slices.Clone(v), true
		}
		s.Fields = append(s.Fields, f)
	}
	return s, nil
}

func (c *CRM) check(fields map[string]any) error {
	for name, v := range fields {
		allowed, ok := c.allowed[name]
		if !ok || v == nil {
			continue
		}
		if s := fmt.Sprint(v); !slices.Contains(allowed, s) {
			return &connectors.Error{CRM: c.kind, Op: "write deal", Status: 400, Code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
				Message: "bad value for restricted picklist field: " + s, Fields: []string{name}}
		}
	}
	return nil
}

func (c *CRM) byCoSellID(id string) *connectors.Deal {
	for _, d := range c.deals {
		if d.CoSellID == id {
			return d
		}
	}
	return nil
}

func (c *CRM) apply(d *connectors.Deal, fields map[string]any) {
	for k, v := range fields {
		d.Fields[k] = v
	}
	d.CoSellID, _ = d.Fields[c.fields.CoSellID].(string)
	switch v := d.Fields[c.fields.Enabled].(type) {
	case bool:
		d.Enabled = v
	case string:
		d.Enabled = v == "true"
	default: // unset: a deal nobody flagged is not co-sold
		d.Enabled = false
	}
	d.OwnerID, _ = d.Fields[c.fields.Owner].(string)
	d.ModifiedAt = c.now()
}

func (c *CRM) nextID(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s-%s-%04d", c.kind, prefix, c.seq)
}

func copyDeal(d *connectors.Deal) connectors.Deal {
	cp := *d
	cp.Fields = clone(d.Fields)
	return cp
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// LinkAccount implements connectors.AccountLinker: the deal reads its account's domain and name under
// their related names (Account.Website, company.domain), as a real CRM's read of the deal shows them.
// The accounts are not kept apart: a test of linking itself runs on the fakes in mocks/.
func (c *CRM) LinkAccount(_ context.Context, in connectors.AccountLink) (connectors.AccountLinkResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.deals[in.DealRecordID]
	if !ok {
		return connectors.AccountLinkResult{}, &connectors.Error{CRM: c.kind, Op: "link account", Status: 404, Code: "NOT_FOUND", Message: "no such deal", NotFound: true}
	}
	record := connectors.HubSpotCompany
	if c.kind == "salesforce" {
		record = connectors.SalesforceAccount
	}
	if in.DomainField != "" && in.Domain != "" {
		d.Fields[record+"."+in.DomainField] = in.Domain
	}
	if in.NameField != "" && in.Name != "" {
		d.Fields[record+"."+in.NameField] = in.Name
	}
	c.writes++
	return connectors.AccountLinkResult{AccountID: in.Key}, nil
}
