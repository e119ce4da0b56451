package activities

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/cosellsync/cosell/api"
	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/touchpoint"
)

// activityPage reads and delivers one page of the first activity stream of the connection not read to
// its end in this poll (touchpoint evidence: Salesforce tasks and events, HubSpot meetings, calls,
// e-mails and notes); done says every stream is. Like the note stream, each stream starts Overlap
// behind its cursor and a seen set drops the activity versions already delivered, while an edited
// activity (a meeting moved) is delivered again, and the deal keeps its newest version.
func (a *Activities) activityPage(ctx context.Context, pl *poll) (done bool, err error) {
	r, ok := pl.feed.CRM.(connectors.ActivityReader)
	if !ok {
		return true, nil
	}
	st, sc := &pl.st, pl.st.Scan
	streams := r.ActivityStreams()
	for _, stream := range streams {
		if slices.Contains(sc.ActivitiesDone, stream) {
			continue
		}
		pos, ok := sc.Activities[stream]
		if !ok {
			pos = a.behind(st.Activities[stream])
		}
		page, err := r.ChangedActivities(ctx, stream, pos, pl.pageSize)
		if err != nil {
			return false, classify("changed "+stream+" activities on connection "+pl.feed.Connection, err)
		}
		if st.SeenActivities == nil {
			st.SeenActivities = map[string]time.Time{}
		}
		for _, act := range page.Activities {
			key := stream + "/" + act.ID + "/" + act.DealRecordID
			if seen, ok := st.SeenActivities[key]; ok && !seen.Before(act.ModifiedAt) {
				continue
			}
			delivered, err := a.deliverActivity(ctx, pl.feed, act, pl.deals)
			if err != nil {
				return false, err
			}
			st.SeenActivities[key] = act.ModifiedAt
			if delivered {
				pl.res.Activities++
			}
		}
		if sc.Activities == nil {
			sc.Activities = map[string]connectors.Cursor{}
		}
		sc.Activities[stream] = page.Next
		if st.Activities == nil {
			st.Activities = map[string]connectors.Cursor{}
		}
		if cur := st.Activities[stream]; cur.Less(page.Next.ModifiedAt, page.Next.ID) {
			st.Activities[stream] = page.Next
		}
		floor := st.Activities[stream].ModifiedAt.Add(-a.Overlap)
		for k, v := range st.SeenActivities {
			if strings.HasPrefix(k, stream+"/") && v.Before(floor) {
				delete(st.SeenActivities, k)
			}
		}
		if !page.More {
			sc.ActivitiesDone = append(sc.ActivitiesDone, stream)
		}
		return len(sc.ActivitiesDone) == len(streams), nil
	}
	return true, nil
}

// deliverActivity sends an activity on a co-sell deal to the deal its record belongs to (see route),
// with its owner's e-mail as the person; delivered says it went to a deal. Activities this product
// wrote (mirrored notes, SLA tasks: they carry a key) and activities on deals outside co-sell are
// dropped; whether an activity is evidence the deal decides (touchpoint.Classify).
func (a *Activities) deliverActivity(ctx context.Context, f *Feed, act connectors.Activity, deals map[string]connectors.Deal) (delivered bool, err error) {
	if act.Key != "" {
		return false, nil
	}
	d, ok := deals[act.DealRecordID]
	if !ok {
		d, err = f.CRM.GetDeal(ctx, act.DealRecordID)
		if err != nil {
			if connectors.IsRetryable(err) {
				return false, classify("read the deal of activity "+act.ID, err)
			}
			return false, nil // the deal is gone or unreadable
		}
		deals[act.DealRecordID] = d
	}
	if !d.Enabled {
		return false, nil
	}
	err = a.route(ctx, f, d, func(u Use) (api.ChangeEvent, bool, error) {
		person := act.OwnerID
		if act.OwnerID != "" {
			if o, ok, err := a.findOwner(ctx, u.Pairing.ID, u.Side, f.CRM, func(o connectors.Owner) bool { return o.ID == act.OwnerID }); err == nil && ok {
				person = o.Email
				if person == "" {
					person = o.Name
				}
			}
		}
		delivered = true
		return api.ChangeEvent{Side: u.Side, RecordID: d.RecordID, Source: "poll", Policy: a.policyVersionOf(u.Pairing.ID),
			Activities: []touchpoint.Activity{{
				Object: touchpoint.Object(act.Object), ID: act.ID, Type: act.Type, Subject: act.Subject,
				Person: person, At: act.At, Modified: act.ModifiedAt,
			}}}, true, nil
	})
	return delivered, err
}
