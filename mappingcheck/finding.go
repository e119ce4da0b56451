package mappingcheck

import "github.com/cosellsync/cosell/vocab"

// Severity says whether a finding stops the mapping from working (error) or only loses something
// (warning); only errors make `cosell mapping check` exit 1.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Code names the rule a finding comes from, so scripts can filter findings without parsing messages.
type Code string

// The rules.
const (
	FieldMissing       Code = "field_missing"
	FieldReadOnly      Code = "field_read_only"
	FieldNotCreateable Code = "field_not_createable"
	TypeMismatch       Code = "type_mismatch"
	LengthShorter      Code = "length_shorter"
	PicklistUnmapped   Code = "picklist_unmapped"
	ValueNotInPicklist Code = "value_not_in_picklist"
	ValueInactive      Code = "value_inactive"
	RestrictedPicklist Code = "restricted_picklist"
	ExternalIDMissing  Code = "external_id"
	OwnerUnknown       Code = "owner_unknown"
	OwnerInactive      Code = "owner_inactive"
	PipelineMissing    Code = "pipeline_missing"
	StageMissing       Code = "stage_missing"
)

// Finding is one thing the check found, in the form the CLI prints: where (side, CRM, field and the
// canonical field it maps), what, and what to do about it.
type Finding struct {
	Severity Severity   `json:"severity"`
	Code     Code       `json:"code"`
	Side     vocab.Side `json:"side"`
	CRM      string     `json:"crm"`
	// Field is the CRM field (or "owners" for an owner finding, "pipeline" for a pipeline's).
	Field string `json:"field"`
	// Canonical is the pairing's field name, when the finding is about a mapped field.
	Canonical string `json:"canonical,omitempty"`
	Message   string `json:"message"`
	Hint      string `json:"hint,omitempty"`
	// Values lists the picklist values or e-mails the finding is about (the unmapped values of a
	// direction, for one).
	Values []string `json:"values,omitempty"`
}

// Errors counts the findings of severity error.
func Errors(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == Error {
			n++
		}
	}
	return n
}
