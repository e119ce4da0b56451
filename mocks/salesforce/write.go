package salesforce

import (
	"fmt"
	"math"
	"net/http"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
)

// writeCtx says who writes and when; seed writes may also set ids and system fields.
type writeCtx struct {
	userID string
	now    time.Time
	seed   bool
}

// Default probability of each standard stage; Salesforce sets it when the stage changes.
var stageProbability = map[string]float64{
	"Prospecting": 10, "Qualification": 10, "Needs Analysis": 20, "Value Proposition": 50,
	"Id. Decision Makers": 60, "Perception Analysis": 70, "Proposal/Price Quote": 75,
	"Negotiation/Review": 90, "Closed Won": 100, "Closed Lost": 0,
}

// seedSettable are the read-only fields a seed may set, to build histories with fixed ids and timestamps.
var seedSettable = map[string]bool{
	"Id": true, "CreatedDate": true, "LastModifiedDate": true, "SystemModstamp": true,
	"CreatedById": true, "LastModifiedById": true,
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func typeName(f *fieldDef) string {
	switch f.Type {
	case tCurrency, tDouble, tPercent:
		return "double"
	case tDate:
		return "date"
	case tDatetime:
		return "datetime"
	case tBoolean:
		return "boolean"
	case tID, tReference:
		return "id"
	default:
		return "string"
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "VALUE_STRING"
	case float64:
		return "VALUE_NUMBER_FLOAT"
	case bool:
		return "VALUE_TRUE"
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	default:
		return "VALUE_NULL"
	}
}

func parserErr(f *fieldDef, v any) *apiError {
	return newErr(http.StatusBadRequest, "JSON_PARSER_ERROR",
		fmt.Sprintf("Cannot deserialize instance of %s from %s value %v or request may be missing a required field", typeName(f), jsonKind(v), v))
}

// coerce converts a JSON value to the stored form of f, as Salesforce's deserializer does.
func coerce(o *objectDef, f *fieldDef, v any, seed bool) (any, *apiError) {
	if v == nil {
		if f.Type == tBoolean {
			return false, nil
		}
		return nil, nil
	}
	switch f.Type {
	case tString, tTextarea, tPicklist, tCombobox, tEmail, tURL:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return nil, parserErr(f, v)
		}
		if s == "" {
			return nil, nil
		}
		if f.Length > 0 && len([]rune(s)) > f.Length {
			return nil, recordErr("STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", f.Label, truncate(s, 80), f.Length), f.Name)
		}
		if f.Type == tPicklist && f.Restricted && !picklistHas(f, s) {
			return nil, recordErr("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "bad value for restricted picklist field: "+s, f.Name)
		}
		if f.Type == tEmail {
			if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s[strings.Index(s, "@"):], ".") {
				return nil, recordErr("INVALID_EMAIL_ADDRESS", fmt.Sprintf("%s: invalid email address: %s", f.Label, s), f.Name)
			}
		}
		return s, nil
	case tCurrency, tDouble, tPercent:
		var n float64
		switch x := v.(type) {
		case float64:
			n = x
		case string:
			p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil {
				return nil, parserErr(f, v)
			}
			n = p
		default:
			return nil, parserErr(f, v)
		}
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, parserErr(f, v)
		}
		scale := math.Pow(10, float64(f.Scale))
		n = math.Round(n*scale) / scale
		if f.Precision > 0 && math.Abs(n) >= math.Pow(10, float64(f.Precision-f.Scale)) {
			return nil, recordErr("NUMBER_OUTSIDE_VALID_RANGE", fmt.Sprintf("%s: value outside of valid range on numeric field: %v", f.Label, v), f.Name)
		}
		return n, nil
	case tDate:
		s, ok := v.(string)
		if !ok {
			return nil, parserErr(f, v)
		}
		if _, err := time.Parse("2006-01-02", s); err != nil {
			return nil, parserErr(f, v)
		}
		return s, nil
	case tDatetime:
		s, ok := v.(string)
		if !ok {
			return nil, parserErr(f, v)
		}
		t, ok := parseTime(s)
		if !ok {
			return nil, parserErr(f, v)
		}
		return t.Truncate(time.Second), nil // Salesforce stores date-times to the second
	case tBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return nil, parserErr(f, v)
	case tReference, tID:
		s, ok := v.(string)
		if !ok {
			return nil, parserErr(f, v)
		}
		if s == "" {
			return nil, nil
		}
		if seed && f.Name == "OwnerId" && strings.Contains(s, "@") {
			return s, nil // resolved to a user id by username in checkReferences
		}
		id, ok := normalizeID(s)
		if !ok {
			return nil, recordErr("MALFORMED_ID", fmt.Sprintf("%s: id value of incorrect type: %s", strings.TrimSuffix(f.Label, " ID")+" ID", s), f.Name)
		}
		return id, nil
	}
	return nil, parserErr(f, v)
}

func picklistHas(f *fieldDef, s string) bool {
	for _, p := range f.Picklist {
		if p.Active && p.Value == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// applyInput validates and converts a request body onto row. It returns the canonical names it set.
func (s *Server) applyInput(o *objectDef, row record, in map[string]any, insert bool, wc writeCtx) (map[string]bool, *apiError) {
	set := map[string]bool{}
	for _, k := range sortedKeys(in) {
		if k == "attributes" {
			continue
		}
		f, ok := o.field(k)
		if !ok {
			return nil, recordErr("INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", k, o.Name))
		}
		writable := f.Createable
		if !insert {
			writable = f.Updateable
		}
		if wc.seed && seedSettable[f.Name] {
			writable = true
		}
		if !writable {
			if f.Name == "Id" && insert {
				return nil, recordErr("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", "Id")
			}
			return nil, recordErr("INVALID_FIELD_FOR_INSERT_UPDATE",
				fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", f.Name), f.Name)
		}
		v, err := coerce(o, f, in[k], wc.seed)
		if err != nil {
			return nil, err
		}
		row[f.Name] = v
		set[f.Name] = true
	}
	return set, nil
}

func missingRequired(o *objectDef, row record) *apiError {
	var missing []string
	for _, f := range o.Fields {
		if f.Required && row[f.Name] == nil {
			missing = append(missing, f.Name)
		}
	}
	if missing != nil {
		return recordErr("REQUIRED_FIELD_MISSING", "Required fields are missing: ["+strings.Join(missing, ", ")+"]", missing...)
	}
	return nil
}

// checkReferences enforces lookups: owners must be existing active users, WhatId an existing opportunity.
func (s *Server) checkReferences(o *objectDef, row record, set map[string]bool) *apiError {
	for _, f := range o.Fields {
		if f.Type != tReference || !set[f.Name] || row[f.Name] == nil {
			continue
		}
		id := row.str(f.Name)
		if strings.Contains(id, "@") { // seed convenience: owner given by username
			uid, ok := s.data.byUnique("User", "Username", id)
			if !ok {
				return recordErr("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id: no user with username "+id, f.Name)
			}
			id = uid
			row[f.Name] = uid
		}
		target, ok := s.schema.objectForID(id)
		if !ok || !contains(f.ReferenceTo, target.Name) {
			return recordErr("FIELD_INTEGRITY_EXCEPTION", fmt.Sprintf("%s: id value of incorrect type: %s", f.Label, id), f.Name)
		}
		ref, ok := s.data.get(target.Name, id)
		if !ok {
			return recordErr("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", f.Name)
		}
		if target.Name == "User" && f.Name == "OwnerId" && ref["IsActive"] != true {
			return recordErr("INACTIVE_OWNER_OR_USER",
				fmt.Sprintf("operation performed with inactive user [%s] as owner of %s", id, strings.ToLower(o.Name)))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkUnique rejects a value another row already holds in a unique field.
func (s *Server) checkUnique(o *objectDef, id string, row record) *apiError {
	for field := range s.data.unique[o.Name] {
		v, ok := row[field].(string)
		if !ok || v == "" {
			continue
		}
		if other, ok := s.data.byUnique(o.Name, field, v); ok && other != id {
			return recordErr("DUPLICATE_VALUE", fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", field, other))
		}
	}
	return nil
}

// derive fills the fields Salesforce computes.
func derive(o *objectDef, row record, set map[string]bool) {
	switch o.Name {
	case "Opportunity":
		stage := row.str("StageName")
		row["IsClosed"] = stage == "Closed Won" || stage == "Closed Lost"
		row["IsWon"] = stage == "Closed Won"
		if set["StageName"] && !set["Probability"] {
			if p, ok := stageProbability[stage]; ok {
				row["Probability"] = p
			}
		}
	case "Task":
		row["IsClosed"] = row.str("Status") == "Completed"
		if row.str("TaskSubtype") == "" {
			row["TaskSubtype"] = "Task"
		}
	case "Event":
		// ActivityDateTime mirrors the start; StartDateTime defaults to now like the UI's new event.
		row["ActivityDateTime"] = row["StartDateTime"]
	case "User":
		row["Name"] = strings.TrimSpace(row.str("FirstName") + " " + row.str("LastName"))
	}
}

// stamp maintains the audit fields on every write.
func stamp(row record, insert bool, set map[string]bool, wc writeCtx) {
	if insert {
		if !set["CreatedDate"] {
			created := wc.now
			if t, ok := row["LastModifiedDate"].(time.Time); ok && set["LastModifiedDate"] {
				created = t
			} else if t, ok := row["SystemModstamp"].(time.Time); ok && set["SystemModstamp"] {
				created = t
			}
			row["CreatedDate"] = created
		}
		if !set["CreatedById"] {
			row["CreatedById"] = wc.userID
		}
		row["IsDeleted"] = false
	}
	switch {
	case set["LastModifiedDate"] && !set["SystemModstamp"]:
		row["SystemModstamp"] = row["LastModifiedDate"]
	case set["SystemModstamp"] && !set["LastModifiedDate"]:
		row["LastModifiedDate"] = row["SystemModstamp"]
	case !set["SystemModstamp"] && !set["LastModifiedDate"]:
		if wc.seed && insert {
			row["LastModifiedDate"] = row["CreatedDate"]
			row["SystemModstamp"] = row["CreatedDate"]
		} else {
			row["LastModifiedDate"] = wc.now
			row["SystemModstamp"] = wc.now
		}
	}
	if !set["LastModifiedById"] {
		if _, ok := row["LastModifiedById"]; ok || insert {
			row["LastModifiedById"] = wc.userID
		}
	}
}

// insert creates a row. The caller holds s.mu.
func (s *Server) insert(o *objectDef, in map[string]any, wc writeCtx) (string, *apiError) {
	row := record{}
	set, err := s.applyInput(o, row, in, true, wc)
	if err != nil {
		return "", err
	}
	for _, f := range o.Fields {
		if _, ok := row[f.Name]; !ok && f.Default != nil {
			row[f.Name] = f.Default
			set[f.Name] = true
		}
	}
	if f, ok := o.field("OwnerId"); ok && row[f.Name] == nil {
		row[f.Name] = wc.userID
	}
	if err := missingRequired(o, row); err != nil {
		return "", err
	}
	for _, f := range o.Fields {
		if f.Type == tReference && row[f.Name] != nil {
			set[f.Name] = true
		}
	}
	if err := s.checkReferences(o, row, set); err != nil {
		return "", err
	}
	id := row.str("Id")
	if id != "" {
		if !strings.HasPrefix(id, o.KeyPrefix) {
			return "", recordErr("MALFORMED_ID", fmt.Sprintf("%s ID: id value of incorrect type: %s", o.Label, id), "Id")
		}
		if _, exists := s.data.get(o.Name, id); exists {
			return "", recordErr("DUPLICATE_VALUE", "duplicate value found: Id duplicates value on record with id: "+id)
		}
	} else {
		for {
			id = s.data.nextID(o.KeyPrefix)
			if _, taken := s.data.get(o.Name, id); !taken && !s.data.deleted[id] {
				break
			}
		}
	}
	row["Id"] = id
	if err := s.checkUnique(o, id, row); err != nil {
		return "", err
	}
	derive(o, row, set)
	stamp(row, true, set, wc)
	for _, f := range o.Fields {
		if _, ok := row[f.Name]; !ok {
			row[f.Name] = nil
		}
	}
	s.data.put(o.Name, id, row)
	return id, nil
}

// update changes a row by id. The caller holds s.mu.
func (s *Server) update(o *objectDef, id string, in map[string]any, wc writeCtx) *apiError {
	cur, ok := s.data.get(o.Name, id)
	if !ok {
		return s.missing(id)
	}
	row := cur.clone()
	set, err := s.applyInput(o, row, in, false, wc)
	if err != nil {
		return err
	}
	if err := missingRequired(o, row); err != nil {
		return err
	}
	if err := s.checkReferences(o, row, set); err != nil {
		return err
	}
	if err := s.checkUnique(o, id, row); err != nil {
		return err
	}
	derive(o, row, set)
	stamp(row, false, set, wc)
	s.data.put(o.Name, id, row)
	return nil
}

// upsert creates or updates the row whose external-id field equals value.
func (s *Server) upsert(o *objectDef, f *fieldDef, value string, in map[string]any, wc writeCtx) (string, bool, *apiError) {
	body := make(map[string]any, len(in)+1)
	for k, v := range in {
		if !strings.EqualFold(k, f.Name) {
			body[k] = v
		}
	}
	if id, ok := s.data.byUnique(o.Name, f.Name, value); ok {
		return id, false, s.update(o, id, body, wc)
	}
	body[f.Name] = value
	id, err := s.insert(o, body, wc)
	return id, err == nil, err
}

// missing is the answer for an id with no live row: ENTITY_IS_DELETED (404) for a deleted record, as
// Salesforce answers until the recycle bin is emptied, NOT_FOUND otherwise.
func (s *Server) missing(id string) *apiError {
	if s.data.deleted[id] {
		return newErr(http.StatusNotFound, "ENTITY_IS_DELETED", "entity is deleted", []string{}...)
	}
	return errNotFound()
}

// Delete deletes a record as DELETE /sobjects/{type}/{id} does (an opportunity takes its tasks along),
// for tests that delete behind the sync's back.
func (s *Server) Delete(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := normalizeID(id)
	if !ok {
		return fmt.Errorf("delete %s: not a record id", id)
	}
	o, ok := s.schema.objectForID(n)
	if !ok {
		return fmt.Errorf("delete %s: no object has its key prefix", id)
	}
	if err := s.remove(o, n); err != nil {
		return fmt.Errorf("delete %s: %s", id, err.Message)
	}
	return nil
}

// remove deletes a row; deleting an opportunity deletes its tasks, as the master-detail-like cascade does,
// and deleting an account deletes its opportunities (and theirs), as Salesforce does.
func (s *Server) remove(o *objectDef, id string) *apiError {
	if _, ok := s.data.get(o.Name, id); !ok {
		return s.missing(id)
	}
	if o.Name == "Account" {
		opp, _ := s.schema.object("Opportunity")
		for _, r := range s.data.sorted("Opportunity") {
			if r.str("AccountId") == id {
				if err := s.remove(opp, r.str("Id")); err != nil {
					return err
				}
			}
		}
	}
	if o.Name == "Opportunity" {
		for _, obj := range []string{"Task", "Event"} {
			for _, t := range s.data.sorted(obj) {
				if t.str("WhatId") == id {
					s.data.remove(obj, t.str("Id"))
				}
			}
		}
	}
	s.data.remove(o.Name, id)
	return nil
}
