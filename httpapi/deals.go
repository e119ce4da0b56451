package httpapi

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/activities"
	"github.com/cosellsync/cosell/api"
)

// Deals reaches deal workflows for the touchpoint and dispute endpoints (evidence.go). The worker
// uses TemporalDeals; tests put a fake in its place to see exactly what reaches a deal.
type Deals interface {
	// View is the deal's query; a deal that does not exist is an error matching ErrNoDeal.
	View(ctx context.Context, coSellID string) (api.DealView, error)
	// Update runs a deal update and decodes its answer into out; a refusal is an error matching
	// ErrRefused with the deal's message.
	Update(ctx context.Context, coSellID, name string, in, out any) error
}

// Errors a Deals implementation classifies its failures with.
var (
	ErrNoDeal  = errors.New("no such deal")
	ErrRefused = errors.New("refused by the deal")
)

// TemporalDeals reaches deal workflows through a Temporal client.
type TemporalDeals struct{ Client client.Client }

// View implements Deals.
func (t TemporalDeals) View(ctx context.Context, coSellID string) (api.DealView, error) {
	res, err := t.Client.QueryWorkflow(ctx, api.DealWorkflowID(coSellID), "", api.DealQuery)
	if err != nil {
		return api.DealView{}, classify(coSellID, err)
	}
	var v api.DealView
	if err := res.Get(&v); err != nil {
		return api.DealView{}, fmt.Errorf("deal %s: %w", coSellID, err)
	}
	return v, nil
}

// Update implements Deals.
func (t TemporalDeals) Update(ctx context.Context, coSellID, name string, in, out any) error {
	if err := activities.UpdateDeal(ctx, t.Client, coSellID, name, in, out); err != nil {
		return classify(coSellID, err)
	}
	return nil
}

// classify tells an unknown deal and the deal's own refusal (a validator or handler error, which
// reaches the client as an application error) from a Temporal that cannot be reached.
func classify(coSellID string, err error) error {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("deal %s: %w", coSellID, ErrNoDeal)
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return fmt.Errorf("%w: %s", ErrRefused, app.Error())
	}
	return fmt.Errorf("deal %s: %w", coSellID, err)
}
