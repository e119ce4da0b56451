package hubspot

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// write is a validated property change: a nil value clears the property.
type write map[string]*string

// checkWrite validates the property values of a create (existing nil) or an update against the object
// type's definitions and returns them in the form HubSpot stores: numbers without exponent, datetimes in
// ISO 8601 UTC, booleans lower-case. Every invalid value is reported, in HubSpot's VALIDATION_ERROR body.
// The caller holds s.mu.
func (s *Server) checkWrite(t *objectType, in map[string]any, existing *object) (write, *apiError) {
	names := make([]string, 0, len(in))
	for n := range in {
		names = append(names, n)
	}
	sort.Strings(names)
	out := write{}
	var problems []propertyProblem
	bad := func(name, code, format string, args ...any) {
		problems = append(problems, propertyProblem{Message: fmt.Sprintf(format, args...), Error: code, Name: name})
	}
	for _, name := range names {
		p, ok := s.props[t].get(name)
		if !ok {
			bad(name, "PROPERTY_DOESNT_EXIST", "Property %q does not exist", name)
			continue
		}
		if p.ModificationMetadata.ReadOnlyValue || p.Calculated {
			bad(name, "READ_ONLY_VALUE", "%s is a read only property; its value cannot be set.", name)
			continue
		}
		raw, ok := stringValue(in[name])
		if !ok {
			bad(name, "INVALID_STRING", "%v was not a valid string.", in[name])
			continue
		}
		if raw == nil || *raw == "" {
			out[name] = nil
			continue
		}
		v := *raw
		if p.Type != "string" && strings.TrimSpace(v) != v {
			bad(name, "LEADING_TRAILING_WHITESPACE", "%q includes leading or trailing whitespace.", v)
			continue
		}
		switch p.Type {
		case "number":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				bad(name, "INVALID_DECIMAL", "%s was not a valid number.", v)
				continue
			}
			v = strconv.FormatFloat(f, 'f', -1, 64)
		case "datetime":
			tm, ok := parseTimeValue(v)
			if !ok {
				bad(name, "INVALID_DATETIME", "%s was not a valid date-time: use epoch milliseconds or ISO 8601.", v)
				continue
			}
			v = formatTime(tm)
		case "date":
			tm, ok := parseTimeValue(v)
			if !ok || !tm.Equal(tm.Truncate(24*time.Hour)) {
				bad(name, "INVALID_DATE", "%s is not a valid date: a date must be a day at midnight UTC.", v)
				continue
			}
			v = tm.Format("2006-01-02")
		case "bool":
			lv := strings.ToLower(v)
			if lv != "true" && lv != "false" {
				bad(name, "INVALID_BOOLEAN", "%s was not a valid boolean: use true or false.", v)
				continue
			}
			v = lv
		case "enumeration":
			switch name {
			case "hubspot_owner_id":
				if o := s.ownerByID(v); o == nil || o.Archived {
					bad(name, "INVALID_OWNER_ID", "%s is not a valid owner id: no active owner has that id.", v)
					continue
				}
			case "dealstage":
				// Checked below against the deal's pipeline.
			default:
				values := []string{v}
				if p.FieldType == "checkbox" {
					values = strings.Split(v, ";")
				}
				if miss := missingOptions(p, values); miss != "" {
					bad(name, "INVALID_OPTION", "%s was not one of the allowed options: [%s]", miss, strings.Join(optionValues(p), ", "))
					continue
				}
			}
		}
		out[name] = &v
	}
	if t == dealType {
		problems = append(problems, s.checkStage(out, existing)...)
	}
	if len(problems) > 0 {
		return nil, invalidProperties(s.opts.PortalID, problems)
	}
	return out, nil
}

// checkStage enforces that a deal's stage belongs to its pipeline, defaulting the pipeline of a new deal
// to "default" as HubSpot does.
func (s *Server) checkStage(w write, existing *object) []propertyProblem {
	pipelineID := ""
	if existing != nil {
		pipelineID = existing.props["pipeline"]
	}
	if v, ok := w["pipeline"]; ok && v != nil {
		pipelineID = *v
	}
	if pipelineID == "" {
		pipelineID = defaultPipeline.ID
		if existing == nil {
			id := pipelineID
			w["pipeline"] = &id
		}
	}
	stage, ok := w["dealstage"]
	if !ok || stage == nil {
		return nil
	}
	p, ok := s.pipelineByID(pipelineID)
	if !ok {
		return nil // the pipeline itself was reported invalid
	}
	if !p.hasStage(*stage) {
		return []propertyProblem{{
			Message: fmt.Sprintf("%s was not one of the allowed options: [%s]", *stage, strings.Join(p.stageIDs(), ", ")),
			Error:   "INVALID_OPTION",
			Name:    "dealstage",
		}}
	}
	return nil
}

// pipelineByID returns a pipeline without the stages an admin archived; the caller holds s.mu.
func (s *Server) pipelineByID(id string) (pipeline, bool) {
	if id != defaultPipeline.ID {
		return pipeline{}, false
	}
	p := pipeline{ID: defaultPipeline.ID, Label: defaultPipeline.Label}
	for _, st := range defaultPipeline.Stages {
		if !s.archivedStages[p.ID+"/"+st.ID] {
			p.Stages = append(p.Stages, st)
		}
	}
	return p, true
}

func missingOptions(p *Property, values []string) string {
	for _, v := range values {
		found := false
		for _, o := range p.Options {
			if o.Value == v {
				found = true
				break
			}
		}
		if !found {
			return v
		}
	}
	return ""
}

func optionValues(p *Property) []string {
	out := make([]string, len(p.Options))
	for i, o := range p.Options {
		out[i] = o.Value
	}
	return out
}

// stringValue reads a JSON property value: HubSpot takes strings, and also numbers and booleans, which it
// stores as their text. A null clears the property (nil result).
func stringValue(v any) (*string, bool) {
	var s string
	switch x := v.(type) {
	case nil:
		return nil, true
	case string:
		s = x
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return nil, false
	}
	return &s, true
}

// checkUnique rejects a write that would give a unique-value property a value another live record of the
// type already has.
func (s *Server) checkUnique(t *objectType, w write, selfID string) *apiError {
	for name, v := range w {
		if v == nil {
			continue
		}
		p, _ := s.props[t].get(name)
		if p == nil || !p.HasUniqueValue {
			continue
		}
		if other := s.findByProperty(t, name, *v); other != nil && other.id != selfID {
			e := newError(http.StatusConflict, "CONFLICT",
				"A %s with %s %q already exists. Existing ID: %s", t.singular, name, *v, other.id)
			e.Errors = []errorDetail{{
				Message: fmt.Sprintf("%s must be unique; %q is already used by %s %s", name, *v, t.singular, other.id),
				Code:    "DUPLICATE_UNIQUE_VALUE",
				Context: map[string][]string{"propertyName": {name}, "existingId": {other.id}},
			}}
			return e
		}
	}
	return nil
}

// findByProperty returns the live record whose property equals value, for unique-value look-ups.
func (s *Server) findByProperty(t *objectType, name, value string) *object {
	for _, o := range s.objects[t] {
		if o.archived {
			continue
		}
		if v, ok := o.value(t, name); ok && v == value {
			return o
		}
	}
	return nil
}

// apply stores a validated write on o and stamps its modification time.
func (s *Server) apply(t *objectType, o *object, w write, now time.Time) {
	created, before := o.updatedAt.IsZero(), maps.Clone(o.props)
	for name, v := range w {
		if name == t.created {
			if v != nil {
				if tm, ok := parseTimeValue(*v); ok {
					o.createdAt = tm
				}
			}
			continue
		}
		if v == nil {
			delete(o.props, name)
		} else {
			o.props[name] = *v
		}
	}
	o.updatedAt = now
	s.reindex(t, o.id, o)
	s.changed(t, o, before, created, now)
}
