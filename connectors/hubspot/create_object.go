package hubspot

import (
	"context"
	"fmt"
	"net/http"
)

// CreateInput is the body of a single create: properties and inline associations.
type CreateInput struct {
	Properties   map[string]string `json:"properties"`
	Associations []Association     `json:"associations,omitempty"`
}

// Association links a new record to an existing one.
type Association struct {
	To    AssociationTarget `json:"to"`
	Types []AssociationType `json:"types"`
}

// AssociationTarget is the record a new record is associated with.
type AssociationTarget struct {
	ID string `json:"id"`
}

// AssociationType names an association type by category and id.
type AssociationType struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// NoteToDeal is HubSpot's default note-to-deal association type.
var NoteToDeal = AssociationType{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: 214}

// TaskToDeal is HubSpot's default task-to-deal association type (the reverse, deal-to-task, is 215).
var TaskToDeal = AssociationType{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: 216}

// CreateObject creates one record. It is not repeated after a 5xx or a network failure, which may hide a
// success: callers make creates idempotent themselves (see CreateNote and CreateTask).
func (c *Client) CreateObject(ctx context.Context, objectType string, in CreateInput) (Object, error) {
	var out Object
	_, err := c.do(ctx, request{
		op: fmt.Sprintf("create %s", objectType), method: http.MethodPost,
		path: "/crm/v3/objects/" + objectType, body: in,
	}, &out)
	return out, err
}
