package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cosellsync/cosell/connectors"
)

// Property is a property definition of the properties API.
type Property struct {
	Name           string           `json:"name"`
	Label          string           `json:"label"`
	Type           string           `json:"type"`
	FieldType      string           `json:"fieldType"`
	GroupName      string           `json:"groupName"`
	Description    string           `json:"description,omitempty"`
	Options        []PropertyOption `json:"options,omitempty"`
	HasUniqueValue bool             `json:"hasUniqueValue,omitempty"`
	Calculated     bool             `json:"calculated,omitempty"`
	Hidden         bool             `json:"hidden,omitempty"`
	// ModificationMetadata says whether the values can be written (readOnlyValue) and the definition
	// changed (readOnlyDefinition: HubSpot's own properties).
	ModificationMetadata struct {
		ReadOnlyValue      bool `json:"readOnlyValue"`
		ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	} `json:"modificationMetadata"`
}

// PropertyOption is one allowed value of an enumeration.
type PropertyOption struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Hidden bool   `json:"hidden,omitempty"`
}

// Properties lists an object type's property definitions.
func (c *Client) Properties(ctx context.Context, objectType string) ([]Property, error) {
	var out struct {
		Results []Property `json:"results"`
	}
	_, err := c.do(ctx, request{
		op: "list " + objectType + " properties", method: http.MethodGet,
		path: "/crm/v3/properties/" + objectType, safe: true,
	}, &out)
	return out.Results, err
}

// CreateProperty creates a custom property. A property that already exists answers 409, a
// *connectors.Error with Code OBJECT_ALREADY_EXISTS.
func (c *Client) CreateProperty(ctx context.Context, objectType string, p Property) (Property, error) {
	var out Property
	_, err := c.do(ctx, request{
		op: fmt.Sprintf("create %s property %s", objectType, p.Name), method: http.MethodPost,
		path: "/crm/v3/properties/" + objectType, body: p, safe: true,
	}, &out)
	return out, err
}

// PropertyOptionsUpdate is a PATCH of a property's options, which replaces the whole list.
type PropertyOptionsUpdate struct {
	Options []PropertyOption `json:"options"`
}

// UpdatePropertyOptions replaces an enumeration property's options (PATCH
// /crm/v3/properties/{objectType}/{name}), so values a mapping writes can be added to a dropdown.
// HubSpot refuses it for a property whose definition is read-only (dealstage's options are its
// pipelines' stages).
func (c *Client) UpdatePropertyOptions(ctx context.Context, objectType, name string, options []PropertyOption) (Property, error) {
	var out Property
	_, err := c.do(ctx, request{
		op: fmt.Sprintf("update %s property %s", objectType, name), method: http.MethodPatch,
		path: "/crm/v3/properties/" + objectType + "/" + url.PathEscape(name), body: PropertyOptionsUpdate{Options: options}, safe: true,
	}, &out)
	return out, err
}

// EnsureProperties creates the custom properties CoSell Sync needs and the portal lacks: on deals the
// co-sell id (unique, so upserts can key on it), the co-sell flag and the partner owner's name and e-mail;
// on notes the idempotency key of mirrored notes; on tasks the idempotency key of SLA tasks (unique, so a
// racing second create is refused). It is what an admin runs once when connecting a portal.
func (c *Client) EnsureProperties(ctx context.Context) error {
	f := c.cfg.DealFields
	text := func(name, label string) Property {
		return Property{Name: name, Label: label, Type: "string", FieldType: "text", GroupName: "dealinformation"}
	}
	want := map[string][]Property{ObjectDeals: {}, ObjectNotes: {}, ObjectTasks: {}}
	want[ObjectDeals] = append(want[ObjectDeals], func() Property {
		p := text(f.CoSellID, "Co-sell ID")
		p.HasUniqueValue = true
		return p
	}())
	want[ObjectDeals] = append(want[ObjectDeals], Property{
		Name: f.Enabled, Label: "Co-sell with partner", Type: "bool", FieldType: "booleancheckbox", GroupName: "dealinformation",
		Options: []PropertyOption{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false"}},
	})
	if f.PartnerOwnerName != "" {
		want[ObjectDeals] = append(want[ObjectDeals], text(f.PartnerOwnerName, "Partner owner name"))
	}
	if f.PartnerOwnerEmail != "" {
		want[ObjectDeals] = append(want[ObjectDeals], text(f.PartnerOwnerEmail, "Partner owner e-mail"))
	}
	note := text(c.cfg.NoteKeyProperty, "Co-sell note key")
	note.GroupName = "engagement"
	want[ObjectNotes] = append(want[ObjectNotes], note)
	task := text(c.cfg.TaskKeyProperty, "Co-sell task key")
	task.GroupName = "task"
	task.HasUniqueValue = true
	want[ObjectTasks] = append(want[ObjectTasks], task)

	for _, objectType := range []string{ObjectDeals, ObjectNotes, ObjectTasks} {
		have, err := c.Properties(ctx, objectType)
		if err != nil {
			return err
		}
		exists := map[string]bool{}
		for _, p := range have {
			exists[p.Name] = true
		}
		for _, p := range want[objectType] {
			if exists[p.Name] {
				continue
			}
			if _, err := c.CreateProperty(ctx, objectType, p); err != nil {
				var e *connectors.Error
				if errors.As(err, &e) && e.Status == http.StatusConflict {
					continue // created concurrently
				}
				return err
			}
		}
	}
	return nil
}
