package connectors

import "context"

// DealLister is a CRM that can page through all its deals, flagged for co-sell or not, by
// modification: `cosell backfill` reads both partners' deals that existed before the sync with it.
// ChangedDeals reads only co-sell deals, which a deal from before the sync is not.
type DealLister interface {
	// ListDeals returns deals whose (ModifiedAt, RecordID) sorts after the cursor, in that order, at
	// most limit of them; a cursor with no ID includes the deals modified exactly at its time, so a
	// backfill "since" a date starts at that instant.
	ListDeals(ctx context.Context, after Cursor, limit int) ([]Deal, error)
}

// Unwrapper is a connection wrapping another (the coalescing layer of connectors/batch): Unwrap
// returns the wrapped one, so an optional interface the wrapper does not forward (DealLister,
// Batcher) is still found.
type Unwrapper interface {
	Unwrap() CRM
}

// As finds the first connection in crm's wrapping chain implementing T.
func As[T any](crm CRM) (T, bool) {
	for crm != nil {
		if t, ok := crm.(T); ok {
			return t, true
		}
		u, ok := crm.(Unwrapper)
		if !ok {
			break
		}
		crm = u.Unwrap()
	}
	var zero T
	return zero, false
}
