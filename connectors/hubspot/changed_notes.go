package hubspot

import (
	"context"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// maxNoteScanPages bounds how many pages of notes without a deal one ChangedNotes call reads past.
const maxNoteScanPages = 25

// noteProperties are the note properties the sync reads.
func (c *Client) noteProperties() []string {
	return []string{"hs_note_body", "hs_timestamp", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate", "hs_object_id", c.cfg.NoteKeyProperty}
}

// ChangedNotes returns notes modified strictly after the cursor that are associated with a deal, oldest
// first, read with the same keyset as ChangedDeals; their deals come from one v4 association batch read
// per page. A note on several deals yields one Note per deal, all or none within one call, so the limit
// may be exceeded by a note's extra deals.
//
// Notes on no deal (most notes in a portal are on contacts) are skipped. They still consume pages, so a
// call reads on until it has limit notes on deals, the stream ends, or maxNoteScanPages pages went by
// without filling the limit; the page's Next cursor is past every note read, skipped ones included, so
// the next call starts after them.
func (c *Client) ChangedNotes(ctx context.Context, after connectors.Cursor, limit int) (connectors.NotePage, error) {
	var out []connectors.Note
	cursor := after
	more := false
	for pages := 0; len(out) < limit; pages++ {
		if pages == maxNoteScanPages {
			more = true
			break
		}
		want := limit - len(out)
		objs, err := c.changedObjects(ctx, ObjectNotes, nil, c.noteProperties(), cursor, want)
		if err != nil {
			return connectors.NotePage{}, err
		}
		if len(objs) == 0 {
			break
		}
		ids := make([]string, len(objs))
		for i, o := range objs {
			ids[i] = o.ID
		}
		deals, err := c.BatchReadAssociations(ctx, ObjectNotes, ObjectDeals, ids)
		if err != nil {
			return connectors.NotePage{}, err
		}
		for _, o := range objs {
			dealIDs := deals[o.ID]
			sortIDs(dealIDs)
			for _, d := range dealIDs {
				out = append(out, c.toNote(o, d))
			}
			cursor = connectors.Cursor{ModifiedAt: o.ModifiedAt(), ID: o.ID}
		}
		if len(objs) < want {
			break
		}
		more = len(out) >= limit
	}
	return connectors.NotePage{Notes: out, Next: cursor, More: more}, nil
}

func (c *Client) toNote(o Object, dealID string) connectors.Note {
	created := o.CreatedAt
	if t, err := time.Parse(time.RFC3339Nano, o.Get("hs_timestamp")); err == nil {
		created = t // the activity date HubSpot shows on the note
	}
	return connectors.Note{
		ID:           o.ID,
		DealRecordID: dealID,
		Body:         plainText(o.Get("hs_note_body")),
		AuthorID:     o.Get("hubspot_owner_id"),
		Key:          o.Get(c.cfg.NoteKeyProperty),
		CreatedAt:    created.UTC(),
		ModifiedAt:   o.ModifiedAt(),
	}
}
