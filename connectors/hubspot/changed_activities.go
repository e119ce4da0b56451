package hubspot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cosellsync/cosell/connectors"
)

// Engagement object types read as touchpoints.
const (
	ObjectMeetings = "meetings"
	ObjectCalls    = "calls"
	ObjectEmails   = "emails"
)

// activityStreams maps a stream to its object type and the properties that hold its subject and when
// it happened.
var activityStreams = map[string]struct{ object, subject, when string }{
	"meeting": {ObjectMeetings, "hs_meeting_title", "hs_meeting_start_time"},
	"call":    {ObjectCalls, "hs_call_title", "hs_timestamp"},
	"email":   {ObjectEmails, "hs_email_subject", "hs_timestamp"},
	"note":    {ObjectNotes, "hs_note_body", "hs_timestamp"},
}

// ActivityStreams implements connectors.ActivityReader: HubSpot's meetings, calls, e-mails and notes.
func (c *Client) ActivityStreams() []string { return []string{"meeting", "call", "email", "note"} }

// ChangedActivities reads one engagement type modified strictly after the cursor with the keyset of
// ChangedDeals, and their deals with one v4 association batch read; an engagement on several deals is
// one activity per deal, and one on none is skipped (the page's Next is past it all the same).
func (c *Client) ChangedActivities(ctx context.Context, stream string, after connectors.Cursor, limit int) (connectors.ActivityPage, error) {
	s, ok := activityStreams[stream]
	if !ok {
		return connectors.ActivityPage{}, fmt.Errorf("hubspot has no activity stream %q (meeting, call, email, note)", stream)
	}
	props := []string{s.subject, s.when, "hs_timestamp", "hs_activity_type", "hubspot_owner_id", "hs_createdate", "hs_lastmodifieddate", "hs_object_id"}
	if stream == "note" {
		props = append(props, c.cfg.NoteKeyProperty)
	}
	objs, err := c.changedObjects(ctx, s.object, nil, props, after, limit)
	if err != nil {
		return connectors.ActivityPage{}, err
	}
	page := connectors.ActivityPage{Next: after, More: len(objs) >= limit}
	if len(objs) == 0 {
		return page, nil
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	deals, err := c.BatchReadAssociations(ctx, s.object, ObjectDeals, ids)
	if err != nil {
		return connectors.ActivityPage{}, err
	}
	for _, o := range objs {
		page.Next = connectors.Cursor{ModifiedAt: o.ModifiedAt(), ID: o.ID}
		at := o.CreatedAt
		for _, p := range []string{s.when, "hs_timestamp"} {
			if t, err := time.Parse(time.RFC3339Nano, o.Get(p)); err == nil {
				at = t
				break
			}
		}
		subject := o.Get(s.subject)
		if stream == "note" {
			subject, _, _ = strings.Cut(strings.TrimSpace(plainText(subject)), "\n")
		}
		dealIDs := deals[o.ID]
		sortIDs(dealIDs)
		for _, d := range dealIDs {
			a := connectors.Activity{Object: stream, ID: o.ID, DealRecordID: d, Type: o.Get("hs_activity_type"), Subject: subject,
				OwnerID: o.Get("hubspot_owner_id"), At: at.UTC(), ModifiedAt: o.ModifiedAt()}
			if stream == "note" {
				a.Key = o.Get(c.cfg.NoteKeyProperty)
			}
			page.Activities = append(page.Activities, a)
		}
	}
	return page, nil
}
