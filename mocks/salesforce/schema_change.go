package salesforce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// FieldChange is what an admin changes about one field in Setup, so a test can run against an org whose
// schema does not match the pairing: a field deleted, its field-level security taken from the
// integration user, its type or length changed, a picklist value deactivated or a picklist restricted.
// Describe reports the change and writes are checked against it, as in a real org. Nil pointers and
// empty lists leave the property as it is.
type FieldChange struct {
	// Remove deletes the field: describe no longer lists it, and SOQL and writes naming it fail.
	Remove bool `json:"remove,omitempty"`
	// Add creates the field when the object lacks it (a custom field an admin deployed); Type is then
	// required, and the field is createable and updateable unless the change says otherwise.
	Add bool `json:"add,omitempty"`
	// Type is describe's type name: string, textarea, picklist, double, currency, date, boolean, …
	Type       string `json:"type,omitempty"`
	Length     *int   `json:"length,omitempty"`
	Createable *bool  `json:"createable,omitempty"`
	Updateable *bool  `json:"updateable,omitempty"`
	Restricted *bool  `json:"restrictedPicklist,omitempty"`
	ExternalID *bool  `json:"externalId,omitempty"`
	Unique     *bool  `json:"unique,omitempty"`
	// AddValues appends active picklist values; DeactivateValues marks existing ones inactive (describe
	// lists them with active false and a restricted picklist refuses them).
	AddValues        []string `json:"addValues,omitempty"`
	DeactivateValues []string `json:"deactivateValues,omitempty"`
}

// ChangeField applies an admin's change to a field of an object (Opportunity, Task, Event, User).
func (s *Server) ChangeField(object, field string, c FieldChange) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.schema.object(object)
	if !ok {
		return fmt.Errorf("change field: no object %q", object)
	}
	f, exists := o.field(field)
	switch {
	case c.Remove:
		if !exists {
			return fmt.Errorf("change field: %s has no field %q", o.Name, field)
		}
		delete(o.byLower, strings.ToLower(f.Name))
		delete(s.data.unique[o.Name], f.Name)
		for i, x := range o.Fields {
			if x == f {
				o.Fields = append(o.Fields[:i:i], o.Fields[i+1:]...)
				break
			}
		}
		return nil
	case !exists && c.Add:
		if c.Type == "" {
			return fmt.Errorf("change field: adding %s.%s needs a type", o.Name, field)
		}
		f = &fieldDef{Name: field, Label: field, Type: c.Type, Createable: true, Updateable: true, Nillable: true, Custom: strings.HasSuffix(field, "__c")}
		o.Fields = append(o.Fields, f)
		o.byLower[strings.ToLower(field)] = f
	case !exists:
		return fmt.Errorf("change field: %s has no field %q", o.Name, field)
	}
	if c.Type != "" {
		f.Type = c.Type
	}
	set := func(p *bool, v *bool) {
		if v != nil {
			*p = *v
		}
	}
	if c.Length != nil {
		f.Length = *c.Length
	}
	set(&f.Createable, c.Createable)
	set(&f.Updateable, c.Updateable)
	set(&f.Restricted, c.Restricted)
	set(&f.ExternalID, c.ExternalID)
	if c.Unique != nil && *c.Unique != f.Unique {
		if err := s.reindexUnique(o, f, *c.Unique); err != nil {
			return err
		}
		f.Unique = *c.Unique
	}
	for _, v := range c.AddValues {
		f.Picklist = append(f.Picklist, picklistValue{Value: v, Label: v, Active: true})
	}
	for _, v := range c.DeactivateValues {
		found := false
		for i := range f.Picklist {
			if f.Picklist[i].Value == v {
				f.Picklist[i].Active, found = false, true
			}
		}
		if !found {
			return fmt.Errorf("change field: %s.%s has no picklist value %q", o.Name, f.Name, v)
		}
	}
	return nil
}

// reindexUnique builds or drops a field's unique index; Salesforce refuses to make a field unique while
// two records share a value, and so does this.
func (s *Server) reindexUnique(o *objectDef, f *fieldDef, unique bool) error {
	if !unique {
		delete(s.data.unique[o.Name], f.Name)
		return nil
	}
	idx := map[string]string{}
	for id, r := range s.data.rows[o.Name] {
		v, ok := r[f.Name].(string)
		if !ok || v == "" {
			continue
		}
		if other, dup := idx[strings.ToLower(v)]; dup {
			return fmt.Errorf("change field: %s.%s cannot be unique: %s and %s share the value %q", o.Name, f.Name, other, id, v)
		}
		idx[strings.ToLower(v)] = id
	}
	s.data.unique[o.Name][f.Name] = idx
	return nil
}

// mountSchemaAdmin serves POST /__admin/schema {"object": "Opportunity", "field": "NextStep",
// "change": {FieldChange}}, ChangeField over HTTP for a fake started as a process.
func (s *Server) mountSchemaAdmin(mux *http.ServeMux) {
	mux.HandleFunc("POST /__admin/schema", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Object string      `json:"object"`
			Field  string      `json:"field"`
			Change FieldChange `json:"change"`
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"object\": …, \"field\": …, \"change\": {…}}: " + err.Error()})
			return
		}
		if err := s.ChangeField(in.Object, in.Field, in.Change); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
