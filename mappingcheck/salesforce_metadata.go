package mappingcheck

import (
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// metadataNS is the Metadata API's namespace, on every file's root element.
const metadataNS = "http://soap.sforce.com/2006/04/metadata"

// DefaultPermissionSet is the permission set --fix writes for the integration user.
const DefaultPermissionSet = "CoSell_Sync_Integration"

// CustomField is a field's metadata in source format (objects/Opportunity/fields/NAME.field-meta.xml).
type CustomField struct {
	XMLName      xml.Name  `xml:"CustomField"`
	Xmlns        string    `xml:"xmlns,attr"`
	FullName     string    `xml:"fullName"`
	Label        string    `xml:"label"`
	Description  string    `xml:"description,omitempty"`
	Type         string    `xml:"type"`
	Length       int       `xml:"length,omitempty"`
	Precision    int       `xml:"precision,omitempty"`
	Scale        *int      `xml:"scale,omitempty"`
	DefaultValue string    `xml:"defaultValue,omitempty"`
	ExternalID   bool      `xml:"externalId"`
	Unique       *bool     `xml:"unique,omitempty"`
	CaseSens     *bool     `xml:"caseSensitive,omitempty"`
	Required     *bool     `xml:"required,omitempty"`
	ValueSet     *ValueSet `xml:"valueSet,omitempty"`
}

// ValueSet is a picklist's values; Restricted makes the org refuse any other.
type ValueSet struct {
	Restricted bool               `xml:"restricted"`
	Definition ValueSetDefinition `xml:"valueSetDefinition"`
}

// ValueSetDefinition lists a picklist's own values.
type ValueSetDefinition struct {
	Sorted bool            `xml:"sorted"`
	Values []PicklistEntry `xml:"value"`
}

// PicklistEntry is one picklist value.
type PicklistEntry struct {
	FullName string `xml:"fullName"`
	Default  bool   `xml:"default"`
	Label    string `xml:"label"`
}

// PermissionSet grants the integration user access to Opportunity and the mapped custom fields.
type PermissionSet struct {
	XMLName           xml.Name            `xml:"PermissionSet"`
	Xmlns             string              `xml:"xmlns,attr"`
	Label             string              `xml:"label"`
	Description       string              `xml:"description"`
	FieldPermissions  []FieldPermission   `xml:"fieldPermissions"`
	ObjectPermissions []ObjectPermissions `xml:"objectPermissions"`
}

// FieldPermission is field-level security for one field.
type FieldPermission struct {
	Editable bool   `xml:"editable"`
	Field    string `xml:"field"`
	Readable bool   `xml:"readable"`
}

// ObjectPermissions is access to one object.
type ObjectPermissions struct {
	AllowCreate      bool   `xml:"allowCreate"`
	AllowDelete      bool   `xml:"allowDelete"`
	AllowEdit        bool   `xml:"allowEdit"`
	AllowRead        bool   `xml:"allowRead"`
	ModifyAllRecords bool   `xml:"modifyAllRecords"`
	Object           string `xml:"object"`
	ViewAllRecords   bool   `xml:"viewAllRecords"`
}

// Package is package.xml: what the directory deploys.
type Package struct {
	XMLName xml.Name      `xml:"Package"`
	Xmlns   string        `xml:"xmlns,attr"`
	Types   []PackageType `xml:"types"`
	Version string        `xml:"version"`
}

// PackageType is one metadata type of a package and its members.
type PackageType struct {
	Members []string `xml:"members"`
	Name    string   `xml:"name"`
}

// File is one file to write under --fix-dir.
type File struct {
	Path    string `json:"path"`
	Content []byte `json:"-"`
}

// customName is a custom field API name: letters, digits and single underscores, ending in __c.
var customName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*__c$`)

// SalesforceMetadata is the metadata an admin deploys to make side s's Salesforce org fit the pairing:
// a CustomField per missing custom field, a permission set giving the integration user read and edit
// access to Opportunity and to every custom field the pairing uses there (missing or not, since a
// field it cannot write is usually field-level security), and a package.xml naming them. apiVersion is
// like "63.0". Standard fields cannot be created, and are returned as unfixable.
func SalesforceMetadata(p *pairing.Pairing, s vocab.Side, side Side, missing []Missing, apiVersion string) ([]File, []Unfixable, error) {
	var files []File
	var skipped []Unfixable
	var members []string
	for _, m := range missing {
		if m.Side != s || m.CRM != "salesforce" {
			continue
		}
		if !customName.MatchString(m.Field) {
			skipped = append(skipped, Unfixable{m, "only custom fields (Name__c) can be created; correct the name of a standard field"})
			continue
		}
		cf := customField(m)
		b, err := marshal(cf)
		if err != nil {
			return nil, nil, fmt.Errorf("custom field %s: %w", m.Field, err)
		}
		files = append(files, File{Path: path.Join("objects", "Opportunity", "fields", m.Field+".field-meta.xml"), Content: b})
		members = append(members, "Opportunity."+m.Field)
	}

	ps := PermissionSet{Xmlns: metadataNS, Label: "CoSell Sync Integration",
		Description:       fmt.Sprintf("Opportunity fields CoSell Sync reads and writes for pairing %s; assign it to the integration user.", p.ID),
		ObjectPermissions: []ObjectPermissions{{AllowCreate: true, AllowEdit: true, AllowRead: true, Object: "Opportunity"}}}
	seen := map[string]bool{}
	grant := func(name string) {
		if !customName.MatchString(name) || seen[strings.ToLower(name)] {
			return
		}
		seen[strings.ToLower(name)] = true
		editable := true
		if f, ok := side.field(name); ok && f.Calculated {
			editable = false // a formula is read-only to everyone
		}
		ps.FieldPermissions = append(ps.FieldPermissions, FieldPermission{Editable: editable, Field: "Opportunity." + name, Readable: true})
	}
	for _, f := range p.Fields {
		grant(f.On(s))
	}
	d := p.Partner(s).Deal
	for _, name := range []string{d.CoSellID, d.Enabled, d.PartnerOwnerName, d.PartnerOwnerEmail} {
		grant(name)
	}
	sort.Slice(ps.FieldPermissions, func(i, j int) bool { return ps.FieldPermissions[i].Field < ps.FieldPermissions[j].Field })
	b, err := marshal(ps)
	if err != nil {
		return nil, nil, fmt.Errorf("permission set: %w", err)
	}
	files = append(files, File{Path: path.Join("permissionsets", DefaultPermissionSet+".permissionset-meta.xml"), Content: b})

	pkg := Package{Xmlns: metadataNS, Version: strings.TrimPrefix(apiVersion, "v")}
	if len(members) > 0 {
		sort.Strings(members)
		pkg.Types = append(pkg.Types, PackageType{Members: members, Name: "CustomField"})
	}
	pkg.Types = append(pkg.Types, PackageType{Members: []string{DefaultPermissionSet}, Name: "PermissionSet"})
	b, err = marshal(pkg)
	if err != nil {
		return nil, nil, fmt.Errorf("package.xml: %w", err)
	}
	files = append(files, File{Path: "package.xml", Content: b})
	return files, skipped, nil
}

// customField types a missing field from the mapping: text as Text(255), number as Number(18, 2), date
// as Date, picklist as a restricted picklist of the value map's values, the co-sell id as a unique,
// case-insensitive External ID, the co-sell flag as a checkbox, the partner's e-mail as Email.
func customField(m Missing) CustomField {
	no, yes := false, true
	cf := CustomField{Xmlns: metadataNS, FullName: m.Field, Label: sfLabel(m), Type: "Text", Length: 255,
		Description: fmt.Sprintf("Mirrored by CoSell Sync (%s)", m.Canonical)}
	switch {
	case m.Role == RoleCoSellID:
		cf.ExternalID, cf.Unique, cf.CaseSens = true, &yes, &no
	case m.Role == RoleEnabled:
		cf.Type, cf.Length, cf.DefaultValue = "Checkbox", 0, "false"
	case m.Role == RolePartnerOwnerEmail:
		cf.Type, cf.Length = "Email", 0
	case m.Type == pairing.Number:
		scale := 2
		cf.Type, cf.Length, cf.Precision, cf.Scale = "Number", 0, 18, &scale
	case m.Type == pairing.Date:
		cf.Type, cf.Length = "Date", 0
	case m.Type == pairing.Picklist:
		cf.Type, cf.Length = "Picklist", 0
		vs := &ValueSet{Restricted: true}
		for _, v := range m.Values {
			vs.Definition.Values = append(vs.Definition.Values, PicklistEntry{FullName: v, Label: v})
		}
		cf.ValueSet = vs
	}
	if cf.Type != "Checkbox" {
		cf.Required = &no
	}
	return cf
}

// sfLabel is label() within Salesforce's 40-character limit.
func sfLabel(m Missing) string {
	l := label(m)
	if r := []rune(l); len(r) > 40 {
		l = string(r[:40])
	}
	return l
}

func marshal(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", "    ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}
