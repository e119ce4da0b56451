package salesforce

import "strings"

// Field types, named as describe reports them.
const (
	tID        = "id"
	tString    = "string"
	tTextarea  = "textarea"
	tPicklist  = "picklist"
	tCombobox  = "combobox"
	tCurrency  = "currency"
	tDouble    = "double"
	tPercent   = "percent"
	tDate      = "date"
	tDatetime  = "datetime"
	tBoolean   = "boolean"
	tReference = "reference"
	tEmail     = "email"
	tURL       = "url"
)

// picklistValue is one entry of a picklist as describe reports it.
type picklistValue struct {
	Value        string `json:"value"`
	Label        string `json:"label"`
	Active       bool   `json:"active"`
	DefaultValue bool   `json:"defaultValue"`
}

// fieldDef describes one field of an object: what describe reports and what writes are checked against.
type fieldDef struct {
	Name       string
	Label      string
	Type       string
	Length     int // text length limit
	Precision  int
	Scale      int
	Picklist   []picklistValue
	Restricted bool
	ExternalID bool
	Unique     bool
	Createable bool
	Updateable bool
	Nillable   bool
	// Required means a create must supply a value (not nillable and no default).
	Required bool
	// Default is applied on create when no value is given.
	Default any
	// ReferenceTo and RelationshipName describe a lookup.
	ReferenceTo      []string
	RelationshipName string
	Custom           bool
}

// objectDef describes one sObject.
type objectDef struct {
	Name        string
	Label       string
	LabelPlural string
	KeyPrefix   string
	Fields      []*fieldDef
	byLower     map[string]*fieldDef
}

// field finds a field by name, case-insensitively as SOQL and the REST API do.
func (o *objectDef) field(name string) (*fieldDef, bool) {
	f, ok := o.byLower[strings.ToLower(name)]
	return f, ok
}

func newObject(name, label, plural, prefix string, fields ...*fieldDef) *objectDef {
	o := &objectDef{Name: name, Label: label, LabelPlural: plural, KeyPrefix: prefix, Fields: fields, byLower: map[string]*fieldDef{}}
	for _, f := range fields {
		o.byLower[strings.ToLower(f.Name)] = f
	}
	return o
}

func picklist(defaultValue string, values ...string) []picklistValue {
	out := make([]picklistValue, len(values))
	for i, v := range values {
		out[i] = picklistValue{Value: v, Label: v, Active: true, DefaultValue: v == defaultValue}
	}
	return out
}

// Stage names of a new org's default sales process.
var standardStages = []string{
	"Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
	"Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
}

// system fields every object carries, read-only.
func systemFields(withLastModifiedBy bool) []*fieldDef {
	fs := []*fieldDef{
		{Name: "CreatedDate", Label: "Created Date", Type: tDatetime},
		{Name: "CreatedById", Label: "Created By ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "CreatedBy"},
		{Name: "LastModifiedDate", Label: "Last Modified Date", Type: tDatetime},
	}
	if withLastModifiedBy {
		fs = append(fs, &fieldDef{Name: "LastModifiedById", Label: "Last Modified By ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "LastModifiedBy"})
	}
	fs = append(fs,
		&fieldDef{Name: "SystemModstamp", Label: "System Modstamp", Type: tDatetime},
		&fieldDef{Name: "IsDeleted", Label: "Deleted", Type: tBoolean},
	)
	return fs
}

func opportunityObject() *objectDef {
	fields := []*fieldDef{
		{Name: "Id", Label: "Opportunity ID", Type: tID},
		{Name: "Name", Label: "Name", Type: tString, Length: 120, Createable: true, Updateable: true, Required: true},
		{Name: "StageName", Label: "Stage", Type: tPicklist, Length: 255, Picklist: picklist("", standardStages...), Restricted: true, Createable: true, Updateable: true, Required: true},
		{Name: "Amount", Label: "Amount", Type: tCurrency, Precision: 18, Scale: 2, Createable: true, Updateable: true, Nillable: true},
		{Name: "Probability", Label: "Probability (%)", Type: tPercent, Precision: 3, Scale: 0, Createable: true, Updateable: true, Nillable: true},
		{Name: "CloseDate", Label: "Close Date", Type: tDate, Createable: true, Updateable: true, Required: true},
		{Name: "Type", Label: "Opportunity Type", Type: tPicklist, Length: 255, Picklist: picklist("", "Existing Customer - Upgrade", "Existing Customer - Replacement", "Existing Customer - Downgrade", "New Customer"), Createable: true, Updateable: true, Nillable: true},
		{Name: "LeadSource", Label: "Lead Source", Type: tPicklist, Length: 255, Picklist: picklist("", "Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "NextStep", Label: "Next Step", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true},
		{Name: "Description", Label: "Description", Type: tTextarea, Length: 32000, Createable: true, Updateable: true, Nillable: true},
		{Name: "OwnerId", Label: "Owner ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "Owner", Createable: true, Updateable: true},
		// The opportunity's account (issue #9): SOQL reaches its fields as Account.Website, Account.Name.
		{Name: "AccountId", Label: "Account ID", Type: tReference, ReferenceTo: []string{"Account"}, RelationshipName: "Account", Createable: true, Updateable: true, Nillable: true},
		{Name: "IsClosed", Label: "Closed", Type: tBoolean},
		{Name: "IsWon", Label: "Won", Type: tBoolean},
		{Name: "CoSell_Id__c", Label: "Co-Sell ID", Type: tString, Length: 255, ExternalID: true, Unique: true, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Enabled__c", Label: "Co-Sell Enabled", Type: tBoolean, Createable: true, Updateable: true, Default: false, Custom: true},
		{Name: "CoSell_Partner_Owner_Name__c", Label: "Partner Owner Name", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Partner_Owner_Email__c", Label: "Partner Owner Email", Type: tEmail, Length: 80, Createable: true, Updateable: true, Nillable: true, Custom: true},
		// The partner a deal is co-sold with, which pairings sharing this org route new deals by.
		{Name: "CoSell_Partner__c", Label: "Co-Sell Partner", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		// The fields CoSell Sync writes itself (issue #9): model, motion, the current stage's lead, the
		// attribution at close-won; and the loss reason users enter at close-lost.
		{Name: "CoSell_Model__c", Label: "Co-Sell Model", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		// The deal's account identity as plain fields (issue #9), for pairings that map it there rather
		// than to the Account (Account.Website, Account.Name); in a real org often formula fields.
		{Name: "CoSell_Account_Website__c", Label: "Co-Sell Account Website", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Status__c", Label: "Co-Sell Registration Status", Type: tString, Length: 40, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Decline_Reason__c", Label: "Co-Sell Decline Reason", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Account_Name__c", Label: "Co-Sell Account Name", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Motion__c", Label: "Co-Sell Motion", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Lead__c", Label: "Co-Sell Stage Lead", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Attribution__c", Label: "Co-Sell Attribution", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Loss_Reason__c", Label: "Co-Sell Loss Reason", Type: tString, Length: 255, Createable: true, Updateable: true, Nillable: true, Custom: true},
		{Name: "CoSell_Dispute__c", Label: "Co-Sell Attribution Dispute", Type: tTextarea, Length: 1000, Createable: true, Updateable: true, Nillable: true, Custom: true},
	}
	return newObject("Opportunity", "Opportunity", "Opportunities", prefixOpportunity, append(fields, systemFields(true)...)...)
}

// accountObject is the Account an opportunity belongs to (Opportunity.AccountId): the company the deal
// is with, whose Website and Name are a co-sell deal's account identity.
func accountObject() *objectDef {
	fields := []*fieldDef{
		{Name: "Id", Label: "Account ID", Type: tID},
		{Name: "Name", Label: "Account Name", Type: tString, Length: 255, Createable: true, Updateable: true, Required: true},
		{Name: "Website", Label: "Website", Type: tURL, Length: 255, Createable: true, Updateable: true, Nillable: true},
		{Name: "Type", Label: "Account Type", Type: tPicklist, Length: 255, Picklist: picklist("", "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner", "Technology Partner", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "Industry", Label: "Industry", Type: tPicklist, Length: 255, Picklist: picklist("", "Agriculture", "Banking", "Communications", "Consulting", "Education", "Energy", "Finance", "Healthcare", "Manufacturing", "Retail", "Technology", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "Description", Label: "Account Description", Type: tTextarea, Length: 32000, Createable: true, Updateable: true, Nillable: true},
		{Name: "OwnerId", Label: "Owner ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "Owner", Createable: true, Updateable: true},
		// The account key of the Accounts CoSell Sync creates (issue #9), so a retried create finds its Account.
		{Name: "CoSell_Account_Key__c", Label: "Co-Sell Account Key", Type: tString, Length: 255, ExternalID: true, Unique: true, Createable: true, Updateable: true, Nillable: true, Custom: true},
	}
	return newObject("Account", "Account", "Accounts", prefixAccount, append(fields, systemFields(true)...)...)
}

func taskObject() *objectDef {
	fields := []*fieldDef{
		{Name: "Id", Label: "Activity ID", Type: tID},
		{Name: "WhatId", Label: "Related To ID", Type: tReference, ReferenceTo: []string{"Opportunity"}, RelationshipName: "What", Createable: true, Updateable: true, Nillable: true},
		{Name: "Subject", Label: "Subject", Type: tCombobox, Length: 255, Picklist: picklist("", "Call", "Send Letter", "Send Quote", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "Description", Label: "Description", Type: tTextarea, Length: 32000, Createable: true, Updateable: true, Nillable: true},
		{Name: "OwnerId", Label: "Assigned To ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "Owner", Createable: true, Updateable: true},
		{Name: "ActivityDate", Label: "Due Date Only", Type: tDate, Createable: true, Updateable: true, Nillable: true},
		{Name: "Status", Label: "Status", Type: tPicklist, Length: 255, Picklist: picklist("Not Started", "Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"), Createable: true, Updateable: true, Default: "Not Started"},
		{Name: "Priority", Label: "Priority", Type: tPicklist, Length: 255, Picklist: picklist("Normal", "High", "Normal", "Low"), Createable: true, Updateable: true, Default: "Normal"},
		{Name: "IsClosed", Label: "Closed", Type: tBoolean},
		{Name: "Type", Label: "Type", Type: tPicklist, Length: 255, Picklist: picklist("", "Call", "Email", "Meeting", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "TaskSubtype", Label: "Task Subtype", Type: tPicklist, Length: 255, Picklist: picklist("Task", "Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"), Createable: true, Nillable: true},
		{Name: "CompletedDateTime", Label: "Completed Date/Time", Type: tDatetime, Nillable: true},
		{Name: "CoSell_Note_Key__c", Label: "Co-Sell Note Key", Type: tString, Length: 255, ExternalID: true, Unique: true, Createable: true, Updateable: true, Nillable: true, Custom: true},
	}
	return newObject("Task", "Task", "Tasks", prefixTask, append(fields, systemFields(true)...)...)
}

// eventObject is a calendar Event: a meeting on an opportunity, the touchpoint a rep logs most.
func eventObject() *objectDef {
	fields := []*fieldDef{
		{Name: "Id", Label: "Activity ID", Type: tID},
		{Name: "WhatId", Label: "Related To ID", Type: tReference, ReferenceTo: []string{"Opportunity"}, RelationshipName: "What", Createable: true, Updateable: true, Nillable: true},
		{Name: "Subject", Label: "Subject", Type: tCombobox, Length: 255, Picklist: picklist("", "Call", "Email", "Meeting", "Send Letter/Quote", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "Description", Label: "Description", Type: tTextarea, Length: 32000, Createable: true, Updateable: true, Nillable: true},
		{Name: "Type", Label: "Type", Type: tPicklist, Length: 255, Picklist: picklist("", "Call", "Email", "Meeting", "Other"), Createable: true, Updateable: true, Nillable: true},
		{Name: "OwnerId", Label: "Assigned To ID", Type: tReference, ReferenceTo: []string{"User"}, RelationshipName: "Owner", Createable: true, Updateable: true},
		{Name: "StartDateTime", Label: "Start", Type: tDatetime, Createable: true, Updateable: true, Nillable: true},
		{Name: "EndDateTime", Label: "End", Type: tDatetime, Createable: true, Updateable: true, Nillable: true},
		{Name: "ActivityDateTime", Label: "Due Date Time", Type: tDatetime, Nillable: true},
		{Name: "IsAllDayEvent", Label: "All-Day Event", Type: tBoolean, Createable: true, Updateable: true, Default: false},
	}
	return newObject("Event", "Event", "Events", prefixEvent, append(fields, systemFields(true)...)...)
}

func userObject() *objectDef {
	fields := []*fieldDef{
		{Name: "Id", Label: "User ID", Type: tID},
		{Name: "Username", Label: "Username", Type: tString, Length: 80, Unique: true, Createable: true, Updateable: true, Required: true},
		{Name: "Name", Label: "Full Name", Type: tString, Length: 121},
		{Name: "FirstName", Label: "First Name", Type: tString, Length: 40, Createable: true, Updateable: true, Nillable: true},
		{Name: "LastName", Label: "Last Name", Type: tString, Length: 80, Createable: true, Updateable: true, Required: true},
		{Name: "Email", Label: "Email", Type: tEmail, Length: 128, Createable: true, Updateable: true, Required: true},
		{Name: "IsActive", Label: "Active", Type: tBoolean, Createable: true, Updateable: true, Default: true},
	}
	sys := systemFields(true)
	return newObject("User", "User", "Users", prefixUser, append(fields, sys[:len(sys)-1]...)...)
}

// schema holds the objects the fake serves.
type schema struct {
	objects  map[string]*objectDef // by lower-case name
	byPrefix map[string]*objectDef
	order    []*objectDef
}

func newSchema() *schema {
	s := &schema{objects: map[string]*objectDef{}, byPrefix: map[string]*objectDef{}}
	for _, o := range []*objectDef{accountObject(), opportunityObject(), taskObject(), eventObject(), userObject()} {
		s.objects[strings.ToLower(o.Name)] = o
		s.byPrefix[o.KeyPrefix] = o
		s.order = append(s.order, o)
	}
	return s
}

func (s *schema) object(name string) (*objectDef, bool) {
	o, ok := s.objects[strings.ToLower(name)]
	return o, ok
}

// objectForID names the object an id belongs to, by its key prefix.
func (s *schema) objectForID(id string) (*objectDef, bool) {
	if len(id) < 3 {
		return nil, false
	}
	o, ok := s.byPrefix[id[:3]]
	return o, ok
}

// describeField renders a field as GET /sobjects/{type}/describe does.
func describeField(f *fieldDef) map[string]any {
	pl := f.Picklist
	if pl == nil {
		pl = []picklistValue{}
	}
	refTo := f.ReferenceTo
	if refTo == nil {
		refTo = []string{}
	}
	var rel any
	if f.RelationshipName != "" {
		rel = f.RelationshipName
	}
	soap := map[string]string{tID: "tns:ID", tReference: "tns:ID", tCurrency: "xsd:double", tDouble: "xsd:double", tPercent: "xsd:double",
		tDate: "xsd:date", tDatetime: "xsd:dateTime", tBoolean: "xsd:boolean", tURL: "xsd:string"}[f.Type]
	if soap == "" {
		soap = "xsd:string"
	}
	length := f.Length
	if f.Type == tID || f.Type == tReference {
		length = 18
	}
	return map[string]any{
		"name":               f.Name,
		"label":              f.Label,
		"type":               f.Type,
		"soapType":           soap,
		"length":             length,
		"precision":          f.Precision,
		"scale":              f.Scale,
		"picklistValues":     pl,
		"restrictedPicklist": f.Restricted,
		"externalId":         f.ExternalID,
		"unique":             f.Unique,
		"idLookup":           f.Type == tID || f.ExternalID || f.Name == "Username",
		"createable":         f.Createable,
		"updateable":         f.Updateable,
		"nillable":           f.Nillable || f.Type == tID,
		"defaultedOnCreate":  f.Default != nil || f.Type == tID || f.Name == "OwnerId" || (!f.Createable && f.Type != tReference),
		"custom":             f.Custom,
		"calculated":         false,
		"filterable":         f.Type != tTextarea,
		"sortable":           f.Type != tTextarea,
		"groupable":          f.Type != tTextarea && f.Type != tCurrency && f.Type != tDouble && f.Type != tPercent && f.Type != tDatetime,
		"caseSensitive":      false,
		"referenceTo":        refTo,
		"relationshipName":   rel,
		"defaultValue":       f.Default,
	}
}
