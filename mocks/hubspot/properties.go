package hubspot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// Property is a property definition in HubSpot's /crm/v3/properties shape. Seed files and
// POST /crm/v3/properties/{objectType} use the same fields.
type Property struct {
	Name                 string           `json:"name"`
	Label                string           `json:"label"`
	Type                 string           `json:"type"`
	FieldType            string           `json:"fieldType"`
	Description          string           `json:"description"`
	GroupName            string           `json:"groupName"`
	Options              []PropertyOption `json:"options"`
	DisplayOrder         int              `json:"displayOrder"`
	Calculated           bool             `json:"calculated"`
	ExternalOptions      bool             `json:"externalOptions"`
	HasUniqueValue       bool             `json:"hasUniqueValue"`
	Hidden               bool             `json:"hidden"`
	HubspotDefined       bool             `json:"hubspotDefined,omitempty"`
	ModificationMetadata ModMetadata      `json:"modificationMetadata"`
	FormField            bool             `json:"formField"`
	CreatedAt            string           `json:"createdAt,omitempty"`
	UpdatedAt            string           `json:"updatedAt,omitempty"`
	Archived             bool             `json:"archived"`
}

// PropertyOption is one allowed value of an enumeration property.
type PropertyOption struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Description  string `json:"description,omitempty"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// ModMetadata says what may be changed about a property and its values.
type ModMetadata struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
}

// propertySet keeps one object type's properties in definition order.
type propertySet struct {
	order  []string
	byName map[string]*Property
}

func newPropertySet(defs []Property) *propertySet {
	ps := &propertySet{byName: map[string]*Property{}}
	for i := range defs {
		ps.add(defs[i])
	}
	return ps
}

func (ps *propertySet) add(p Property) {
	if _, ok := ps.byName[p.Name]; !ok {
		ps.order = append(ps.order, p.Name)
	}
	cp := p
	ps.byName[p.Name] = &cp
}

func (ps *propertySet) remove(name string) {
	delete(ps.byName, name)
	for i, n := range ps.order {
		if n == name {
			ps.order = append(ps.order[:i:i], ps.order[i+1:]...)
			break
		}
	}
}

func (ps *propertySet) get(name string) (*Property, bool) {
	p, ok := ps.byName[name]
	return p, ok
}

func (ps *propertySet) all() []*Property {
	out := make([]*Property, 0, len(ps.order))
	for _, n := range ps.order {
		out = append(out, ps.byName[n])
	}
	return out
}

func hubspotProperty(name, label, typ, fieldType, group string, opts ...func(*Property)) Property {
	p := Property{
		Name: name, Label: label, Type: typ, FieldType: fieldType, GroupName: group, HubspotDefined: true,
		Options: []PropertyOption{}, FormField: true,
		ModificationMetadata: ModMetadata{Archivable: false, ReadOnlyDefinition: true},
	}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func readOnly(p *Property) { p.ModificationMetadata.ReadOnlyValue = true; p.FormField = false }

// calculated marks a property whose value HubSpot computes: read-only, with the options of a bool.
func calculated(p *Property) {
	readOnly(p)
	p.Calculated = true
	if p.Type == "bool" {
		p.Options = boolOptions()
	}
}

func withOptions(o ...PropertyOption) func(*Property) {
	return func(p *Property) { p.Options = o }
}

// The default pipeline and its stages, as a new HubSpot portal has them.
var defaultPipeline = pipeline{
	ID: "default", Label: "Sales Pipeline",
	Stages: []stage{
		{ID: "appointmentscheduled", Label: "Appointment Scheduled", Probability: "0.2"},
		{ID: "qualifiedtobuy", Label: "Qualified To Buy", Probability: "0.4"},
		{ID: "presentationscheduled", Label: "Presentation Scheduled", Probability: "0.6"},
		{ID: "decisionmakerboughtin", Label: "Decision Maker Bought-In", Probability: "0.8"},
		{ID: "contractsent", Label: "Contract Sent", Probability: "0.9"},
		{ID: "closedwon", Label: "Closed Won", Probability: "1.0", Closed: true},
		{ID: "closedlost", Label: "Closed Lost", Probability: "0.0", Closed: true},
	},
}

type pipeline struct {
	ID     string
	Label  string
	Stages []stage
}

type stage struct {
	ID          string
	Label       string
	Probability string
	Closed      bool
}

func (p pipeline) hasStage(id string) bool {
	for _, s := range p.Stages {
		if s.ID == id {
			return true
		}
	}
	return false
}

func (p pipeline) stageIDs() []string {
	out := make([]string, len(p.Stages))
	for i, s := range p.Stages {
		out[i] = s.ID
	}
	return out
}

func stageOptions(pipelines []pipeline) []PropertyOption {
	var out []PropertyOption
	for _, p := range pipelines {
		for _, s := range p.Stages {
			out = append(out, PropertyOption{Label: s.Label, Value: s.ID, DisplayOrder: len(out)})
		}
	}
	return out
}

// defaultDealProperties are the HubSpot-defined deal properties the fake knows; a portal has more, but
// these are the ones a deal sync reads and writes.
func defaultDealProperties() []Property {
	return []Property{
		hubspotProperty("dealname", "Deal Name", "string", "text", "dealinformation"),
		hubspotProperty("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation",
			withOptions(stageOptions([]pipeline{defaultPipeline})...)),
		hubspotProperty("pipeline", "Pipeline", "enumeration", "select", "dealinformation",
			withOptions(PropertyOption{Label: defaultPipeline.Label, Value: defaultPipeline.ID})),
		hubspotProperty("amount", "Amount", "number", "number", "dealinformation"),
		hubspotProperty("closedate", "Close Date", "datetime", "date", "dealinformation"),
		hubspotProperty("hubspot_owner_id", "Deal owner", "enumeration", "select", "dealinformation",
			func(p *Property) { p.ExternalOptions = true }),
		hubspotProperty("hs_next_step", "Next step", "string", "textarea", "dealinformation"),
		hubspotProperty("description", "Deal Description", "string", "textarea", "dealinformation"),
		hubspotProperty("dealtype", "Deal Type", "enumeration", "radio", "dealinformation",
			withOptions(PropertyOption{Label: "New Business", Value: "newbusiness"},
				PropertyOption{Label: "Existing Business", Value: "existingbusiness", DisplayOrder: 1})),
		hubspotProperty("closed_lost_reason", "Closed Lost Reason", "string", "textarea", "dealinformation"),
		hubspotProperty("closed_won_reason", "Closed Won Reason", "string", "textarea", "dealinformation"),
		hubspotProperty("createdate", "Create Date", "datetime", "date", "dealinformation"),
		// HubSpot calculates these two from the deal's stage (see dealOutcome); no write may set them.
		hubspotProperty("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", "dealinformation", calculated),
		hubspotProperty("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", "dealinformation", calculated),
		hubspotProperty("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "dealinformation", readOnly),
		hubspotProperty("hs_object_id", "Record ID", "number", "number", "dealinformation", readOnly),
		hubspotProperty("hs_merged_object_ids", "Merged Deal IDs", "enumeration", "checkbox", "dealinformation", readOnly),
	}
}

// defaultNoteProperties are the HubSpot-defined note properties the fake knows.
func defaultNoteProperties() []Property {
	return []Property{
		hubspotProperty("hs_note_body", "Note body", "string", "html", "engagement"),
		hubspotProperty("hs_timestamp", "Activity date", "datetime", "date", "engagement"),
		hubspotProperty("hubspot_owner_id", "Activity assigned to", "enumeration", "select", "engagement",
			func(p *Property) { p.ExternalOptions = true }),
		hubspotProperty("hs_attachment_ids", "Attached file IDs", "enumeration", "checkbox", "engagement"),
		hubspotProperty("hs_createdate", "Create date", "datetime", "date", "engagement", readOnly),
		hubspotProperty("hs_lastmodifieddate", "Last modified date", "datetime", "date", "engagement", readOnly),
		hubspotProperty("hs_object_id", "Record ID", "number", "number", "engagement", readOnly),
	}
}

// defaultTaskProperties are the HubSpot-defined task properties the fake knows: a task's subject, body,
// status, priority and type, and hs_timestamp, which is the task's due date.
func defaultTaskProperties() []Property {
	return []Property{
		hubspotProperty("hs_task_subject", "Task Title", "string", "text", "task"),
		hubspotProperty("hs_task_body", "Notes", "string", "html", "task"),
		hubspotProperty("hs_task_status", "Task Status", "enumeration", "select", "task",
			withOptions(PropertyOption{Label: "Not Started", Value: "NOT_STARTED"},
				PropertyOption{Label: "In Progress", Value: "IN_PROGRESS", DisplayOrder: 1},
				PropertyOption{Label: "Waiting", Value: "WAITING", DisplayOrder: 2},
				PropertyOption{Label: "Completed", Value: "COMPLETED", DisplayOrder: 3},
				PropertyOption{Label: "Deferred", Value: "DEFERRED", DisplayOrder: 4})),
		hubspotProperty("hs_task_priority", "Priority", "enumeration", "select", "task",
			withOptions(PropertyOption{Label: "None", Value: "NONE"},
				PropertyOption{Label: "Low", Value: "LOW", DisplayOrder: 1},
				PropertyOption{Label: "Medium", Value: "MEDIUM", DisplayOrder: 2},
				PropertyOption{Label: "High", Value: "HIGH", DisplayOrder: 3})),
		hubspotProperty("hs_task_type", "Task Type", "enumeration", "select", "task",
			withOptions(PropertyOption{Label: "Call", Value: "CALL"},
				PropertyOption{Label: "Email", Value: "EMAIL", DisplayOrder: 1},
				PropertyOption{Label: "LinkedIn", Value: "LINKED_IN", DisplayOrder: 2},
				PropertyOption{Label: "Meeting", Value: "MEETING", DisplayOrder: 3},
				PropertyOption{Label: "To-do", Value: "TODO", DisplayOrder: 4})),
		hubspotProperty("hs_timestamp", "Due date", "datetime", "date", "task"),
		hubspotProperty("hubspot_owner_id", "Assigned to", "enumeration", "select", "task",
			func(p *Property) { p.ExternalOptions = true }),
		hubspotProperty("hs_createdate", "Create date", "datetime", "date", "task", readOnly),
		hubspotProperty("hs_lastmodifieddate", "Last modified date", "datetime", "date", "task", readOnly),
		hubspotProperty("hs_object_id", "Record ID", "number", "number", "task", readOnly),
	}
}

// engagementBase are the properties every engagement has: its activity date, owner and record dates.
func engagementBase(group string) []Property {
	return []Property{
		hubspotProperty("hs_timestamp", "Activity date", "datetime", "date", group),
		hubspotProperty("hubspot_owner_id", "Activity assigned to", "enumeration", "select", group,
			func(p *Property) { p.ExternalOptions = true }),
		// The meeting and call types a portal's admin defines (Settings › Objects › Activities); HubSpot
		// stores the type's name as the value. The fake's portal has the playbook's touchpoint kinds.
		hubspotProperty("hs_activity_type", "Activity type", "enumeration", "select", group, withOptions(activityTypeOptions()...)),
		hubspotProperty("hs_createdate", "Create date", "datetime", "date", group, readOnly),
		hubspotProperty("hs_lastmodifieddate", "Last modified date", "datetime", "date", group, readOnly),
		hubspotProperty("hs_object_id", "Record ID", "number", "number", group, readOnly),
	}
}

func activityTypeOptions() []PropertyOption {
	var out []PropertyOption
	for i, name := range []string{"Intro", "Discovery call", "Demo", "Technical validation", "Proposal review", "Executive sponsorship", "Check-in"} {
		out = append(out, PropertyOption{Label: name, Value: name, DisplayOrder: i})
	}
	return out
}

// defaultMeetingProperties are the HubSpot-defined meeting properties the fake knows.
func defaultMeetingProperties() []Property {
	return append([]Property{
		hubspotProperty("hs_meeting_title", "Meeting name", "string", "text", "meeting"),
		hubspotProperty("hs_meeting_body", "Meeting description", "string", "html", "meeting"),
		hubspotProperty("hs_meeting_start_time", "Start time", "datetime", "date", "meeting"),
		hubspotProperty("hs_meeting_end_time", "End time", "datetime", "date", "meeting"),
		hubspotProperty("hs_meeting_outcome", "Meeting outcome", "enumeration", "select", "meeting",
			withOptions(PropertyOption{Label: "Scheduled", Value: "SCHEDULED"},
				PropertyOption{Label: "Completed", Value: "COMPLETED", DisplayOrder: 1},
				PropertyOption{Label: "Rescheduled", Value: "RESCHEDULED", DisplayOrder: 2},
				PropertyOption{Label: "No show", Value: "NO_SHOW", DisplayOrder: 3},
				PropertyOption{Label: "Canceled", Value: "CANCELED", DisplayOrder: 4})),
	}, engagementBase("meeting")...)
}

// defaultCallProperties are the HubSpot-defined call properties the fake knows.
func defaultCallProperties() []Property {
	return append([]Property{
		hubspotProperty("hs_call_title", "Call title", "string", "text", "call"),
		hubspotProperty("hs_call_body", "Call notes", "string", "html", "call"),
		hubspotProperty("hs_call_direction", "Call direction", "enumeration", "select", "call",
			withOptions(PropertyOption{Label: "Inbound", Value: "INBOUND"}, PropertyOption{Label: "Outbound", Value: "OUTBOUND", DisplayOrder: 1})),
		hubspotProperty("hs_call_duration", "Call duration", "number", "number", "call"),
	}, engagementBase("call")...)
}

// defaultCompanyProperties are the HubSpot-defined company properties the fake knows. domain is the
// company's primary domain, HubSpot's key for telling companies apart; name its name.
func defaultCompanyProperties() []Property {
	return []Property{
		hubspotProperty("name", "Company name", "string", "text", "companyinformation"),
		hubspotProperty("domain", "Company Domain Name", "string", "text", "companyinformation"),
		hubspotProperty("website", "Website URL", "string", "text", "companyinformation"),
		hubspotProperty("hs_additional_domains", "Additional Domains", "string", "text", "companyinformation"),
		hubspotProperty("phone", "Phone Number", "string", "text", "companyinformation"),
		hubspotProperty("city", "City", "string", "text", "companyinformation"),
		hubspotProperty("country", "Country/Region", "string", "text", "companyinformation"),
		hubspotProperty("industry", "Industry", "enumeration", "select", "companyinformation",
			withOptions(PropertyOption{Label: "Computer Software", Value: "COMPUTER_SOFTWARE"},
				PropertyOption{Label: "Financial Services", Value: "FINANCIAL_SERVICES", DisplayOrder: 1},
				PropertyOption{Label: "Information Technology and Services", Value: "INFORMATION_TECHNOLOGY_AND_SERVICES", DisplayOrder: 2},
				PropertyOption{Label: "Retail", Value: "RETAIL", DisplayOrder: 3})),
		hubspotProperty("description", "Description", "string", "textarea", "companyinformation"),
		hubspotProperty("hubspot_owner_id", "Company owner", "enumeration", "select", "companyinformation",
			func(p *Property) { p.ExternalOptions = true }),
		hubspotProperty("createdate", "Create Date", "datetime", "date", "companyinformation", readOnly),
		hubspotProperty("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "companyinformation", readOnly),
		hubspotProperty("hs_object_id", "Record ID", "number", "number", "companyinformation", readOnly),
		hubspotProperty("hs_merged_object_ids", "Merged Company IDs", "enumeration", "checkbox", "companyinformation", readOnly),
	}
}

// defaultEmailProperties are the HubSpot-defined e-mail properties the fake knows.
func defaultEmailProperties() []Property {
	return append([]Property{
		hubspotProperty("hs_email_subject", "Email subject", "string", "text", "email"),
		hubspotProperty("hs_email_text", "Email body", "string", "textarea", "email"),
		hubspotProperty("hs_email_direction", "Email direction", "enumeration", "select", "email",
			withOptions(PropertyOption{Label: "Sent by CRM", Value: "EMAIL"},
				PropertyOption{Label: "Incoming", Value: "INCOMING_EMAIL", DisplayOrder: 1},
				PropertyOption{Label: "Forwarded", Value: "FORWARDED_EMAIL", DisplayOrder: 2})),
	}, engagementBase("email")...)
}

// CoSellProperties returns the custom properties CoSell Sync expects in a portal: on deals the co-sell id
// (unique, so batch upsert can key on it), the co-sell flag and the partner owner's name and e-mail; on
// notes the idempotency key of mirrored notes; on tasks the idempotency key of SLA tasks (unique, so a
// racing second create is refused); on companies the account key of the companies it creates (unique, so
// a retried create finds the company the first one made). Seed them (SeedData.Properties) to get a portal the product can run
// against.
func CoSellProperties() map[string][]Property {
	custom := func(name, label, typ, fieldType string, opts ...func(*Property)) Property {
		p := Property{
			Name: name, Label: label, Type: typ, FieldType: fieldType, GroupName: "cosell",
			Options: []PropertyOption{}, FormField: true, ModificationMetadata: ModMetadata{Archivable: true},
		}
		for _, o := range opts {
			o(&p)
		}
		return p
	}
	return map[string][]Property{
		"deals": {
			custom("cosell_id", "Co-sell ID", "string", "text", func(p *Property) { p.HasUniqueValue = true }),
			custom("cosell_enabled", "Co-sell with partner", "bool", "booleancheckbox", withOptions(boolOptions()...)),
			custom("cosell_partner_owner_name", "Partner owner name", "string", "text"),
			custom("cosell_partner_owner_email", "Partner owner e-mail", "string", "text"),
			custom("cosell_model", "Co-sell model", "string", "text"),
			custom("cosell_account_domain", "Co-sell account domain", "string", "text"),
			custom("cosell_account_name", "Co-sell account name", "string", "text"),
			custom("cosell_status", "Co-sell registration status", "string", "text"),
			custom("cosell_decline_reason", "Co-sell decline reason", "string", "text"),
			custom("cosell_motion", "Co-sell motion", "string", "text"),
			custom("cosell_lead", "Co-sell stage lead", "string", "text"),
			custom("cosell_attribution", "Co-sell attribution", "string", "text"),
			custom("cosell_loss_reason", "Co-sell loss reason", "string", "text"),
			custom("cosell_dispute", "Co-sell attribution dispute", "string", "textarea"),
		},
		"notes": {
			custom("cosell_note_key", "Co-sell note key", "string", "text"),
		},
		"tasks": {
			custom("cosell_task_key", "Co-sell task key", "string", "text", func(p *Property) { p.HasUniqueValue = true }),
		},
		"companies": {
			custom("cosell_account_key", "Co-sell account key", "string", "text", func(p *Property) { p.HasUniqueValue = true }),
		},
	}
}

func boolOptions() []PropertyOption {
	return []PropertyOption{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}
}

var (
	propertyNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	propertyTypes       = map[string][]string{
		"string":      {"text", "textarea", "html", "phonenumber", "file"},
		"number":      {"number", "calculation_equation"},
		"date":        {"date"},
		"datetime":    {"date"},
		"enumeration": {"select", "radio", "checkbox", "booleancheckbox", "calculation_equation"},
		"bool":        {"booleancheckbox", "calculation_equation"},
	}
)

// checkNewProperty validates a property definition the way the properties API does, filling the
// defaults HubSpot fills.
func checkNewProperty(p *Property) *apiError {
	var missing []string
	for name, v := range map[string]string{"name": p.Name, "label": p.Label, "type": p.Type, "fieldType": p.FieldType, "groupName": p.GroupName} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		e := validationError("Invalid input JSON: missing required fields: %s", strings.Join(missing, ", "))
		for _, m := range missing {
			e.Errors = append(e.Errors, errorDetail{Message: "Missing required field " + m, Code: "REQUIRED_FIELD", In: m})
		}
		return e
	}
	if !propertyNamePattern.MatchString(p.Name) {
		return validationError("Property name %q is invalid: it must start with a lowercase letter and contain only lowercase letters, digits and underscores.", p.Name)
	}
	if strings.HasPrefix(p.Name, "hs_") {
		return validationError("Property name %q is invalid: the hs_ prefix is reserved for HubSpot-defined properties.", p.Name)
	}
	fields, ok := propertyTypes[p.Type]
	if !ok {
		return validationError("%s is not a valid property type; allowed types are bool, date, datetime, enumeration, number, string", p.Type)
	}
	if !contains(fields, p.FieldType) {
		return validationError("fieldType %s is not valid for a property of type %s", p.FieldType, p.Type)
	}
	if p.Type == "bool" && len(p.Options) == 0 {
		p.Options = boolOptions()
	}
	if p.Type == "enumeration" && len(p.Options) == 0 {
		return validationError("Enumeration property %s must have at least one option", p.Name)
	}
	if p.Options == nil {
		p.Options = []PropertyOption{}
	}
	if p.HasUniqueValue && p.Type != "string" && p.Type != "number" {
		return validationError("Only string and number properties can have unique values; %s is %s", p.Name, p.Type)
	}
	p.HubspotDefined = false
	p.ModificationMetadata = ModMetadata{Archivable: true}
	return nil
}

// renderProperty returns a property as the properties API shows it; owner properties list the portal's
// owners as options, as HubSpot does.
func (s *Server) renderProperty(p *Property) Property {
	out := *p
	out.Options = append([]PropertyOption{}, p.Options...)
	if p.Name == "dealstage" && len(s.archivedStages) > 0 {
		out.Options = out.Options[:0]
		for _, o := range p.Options {
			if !s.archivedStages[defaultPipeline.ID+"/"+o.Value] {
				out.Options = append(out.Options, o)
			}
		}
	}
	if p.Name == "hubspot_owner_id" {
		for i, o := range s.owners {
			if !o.Archived {
				out.Options = append(out.Options, PropertyOption{Label: ownerLabel(o), Value: o.ID, DisplayOrder: i})
			}
		}
	}
	if out.CreatedAt == "" {
		out.CreatedAt = formatTime(s.bootTime)
	}
	if out.UpdatedAt == "" {
		out.UpdatedAt = out.CreatedAt
	}
	return out
}

func (s *Server) handleListProperties(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		results := []Property{}
		for _, p := range s.props[t].all() {
			results = append(results, s.renderProperty(p))
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": results})
	}
}

func (s *Server) handleGetProperty(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		p, ok := s.propertyOr404(w, t, r.PathValue("name"))
		if !ok {
			return
		}
		writeJSON(w, http.StatusOK, s.renderProperty(p))
	}
}

func (s *Server) handleCreateProperty(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var p Property
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			writeAPIError(w, invalidJSON(err))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		created, e := s.createProperty(t, p)
		if e != nil {
			writeAPIError(w, e)
			return
		}
		writeJSON(w, http.StatusCreated, s.renderProperty(created))
	}
}

// createProperty adds a custom property; the caller holds s.mu.
func (s *Server) createProperty(t *objectType, p Property) (*Property, *apiError) {
	if e := checkNewProperty(&p); e != nil {
		return nil, e
	}
	if _, exists := s.props[t].get(p.Name); exists {
		e := newError(http.StatusConflict, "OBJECT_ALREADY_EXISTS", "Property named '%s' already exists.", p.Name)
		e.Context = map[string][]string{"name": {p.Name}}
		return nil, e
	}
	now := formatTime(s.now())
	p.CreatedAt, p.UpdatedAt = now, now
	p.DisplayOrder = -1
	s.props[t].add(p)
	created, _ := s.props[t].get(p.Name)
	return created, nil
}

// PropertyUpdate is the body of PATCH /crm/v3/properties/{objectType}/{name}: the fields given replace
// the property's; options, when given, replace the whole list.
type PropertyUpdate struct {
	Label       *string           `json:"label,omitempty"`
	Description *string           `json:"description,omitempty"`
	GroupName   *string           `json:"groupName,omitempty"`
	Hidden      *bool             `json:"hidden,omitempty"`
	Options     *[]PropertyOption `json:"options,omitempty"`
}

// handleUpdateProperty is PATCH /crm/v3/properties/{objectType}/{name}. HubSpot refuses to change a
// property whose definition is read-only (its own, such as dealstage, whose options are the pipelines'
// stages) and an enumeration left without options.
func (s *Server) handleUpdateProperty(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var u PropertyUpdate
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			writeAPIError(w, invalidJSON(err))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		name := r.PathValue("name")
		p, ok := s.propertyOr404(w, t, name)
		if !ok {
			return
		}
		if p.ModificationMetadata.ReadOnlyDefinition {
			writeAPIError(w, validationError("Property %s has a read-only definition and cannot be changed", name))
			return
		}
		if u.Options != nil {
			if p.Type == "enumeration" && len(*u.Options) == 0 {
				writeAPIError(w, validationError("Enumeration property %s must have at least one option", name))
				return
			}
			seen := map[string]bool{}
			for _, o := range *u.Options {
				if o.Value == "" || o.Label == "" || seen[o.Value] {
					writeAPIError(w, validationError("Property %s: every option needs a label and a value of its own", name))
					return
				}
				seen[o.Value] = true
			}
			p.Options = append([]PropertyOption{}, *u.Options...)
		}
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&p.Label, u.Label}, {&p.Description, u.Description}, {&p.GroupName, u.GroupName}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if u.Hidden != nil {
			p.Hidden = *u.Hidden
		}
		p.UpdatedAt = formatTime(s.now())
		writeJSON(w, http.StatusOK, s.renderProperty(p))
	}
}

// propertyOr404 finds a property, or answers HubSpot's 404 for it; the caller holds s.mu.
func (s *Server) propertyOr404(w http.ResponseWriter, t *objectType, name string) (*Property, bool) {
	p, ok := s.props[t].get(name)
	if !ok {
		writeAPIError(w, newError(http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to find property %s for object type %s", name, t.typeID))
	}
	return p, ok
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// handleArchiveProperty is DELETE /crm/v3/properties/{objectType}/{name}: a custom property is archived
// (204) and no longer listed; a HubSpot-defined one cannot be (400), an unknown one is 404.
func (s *Server) handleArchiveProperty(t *objectType) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		name := r.PathValue("name")
		p, ok := s.propertyOr404(w, t, name)
		if !ok {
			return
		}
		if p.HubspotDefined || !p.ModificationMetadata.Archivable {
			writeAPIError(w, validationError("Property %s is HubSpot-defined and cannot be archived", name))
			return
		}
		s.props[t].remove(name)
		w.WriteHeader(http.StatusNoContent)
	}
}

// ChangeProperty edits a property definition in place, for tests that need a portal whose schema does
// not match the pairing: a property made read-only (ModificationMetadata.ReadOnlyValue), its unique
// flag dropped, its type changed, an option hidden. Writes are checked against the changed definition.
func (s *Server) ChangeProperty(objectType, name string, change func(*Property)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, err := s.knownProperty("change property", objectType, name)
	if err != nil {
		return err
	}
	change(p)
	return nil
}

// ArchiveProperty removes a property as DELETE /crm/v3/properties/{objectType}/{name} does, HubSpot-
// defined ones included (a test's stand-in for a portal that never had it).
func (s *Server) ArchiveProperty(objectType, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, _, err := s.knownProperty("archive property", objectType, name)
	if err != nil {
		return err
	}
	s.props[t].remove(name)
	return nil
}

// knownProperty finds a property for a test knob; the caller holds s.mu.
func (s *Server) knownProperty(op, objectType, name string) (*objectType, *Property, error) {
	t := lookupType(objectType)
	if t == nil {
		return nil, nil, fmt.Errorf("%s: unknown object type %q", op, objectType)
	}
	p, ok := s.props[t].get(name)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %s has no property %q", op, t.name, name)
	}
	return t, p, nil
}
