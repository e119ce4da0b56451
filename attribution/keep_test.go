package attribution

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/cosellsync/cosell/vocab"
)

func TestKeepHoldsTheNewestRecordOfEachDealWhateverTheOrder(t *testing.T) {
	won := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rec := func(id string, day, disputes, resolved int) Record {
		r := Record{Result: Result{CoSellID: id, WonAt: won.AddDate(0, 0, day)}}
		for i := range disputes {
			d := Dispute{Partner: vocab.A, Reason: "x", At: won}
			if i < resolved {
				d.Resolution = &Resolution{Verdict: Rejected}
			}
			r.Disputes = append(r.Disputes, d)
		}
		return r
	}
	// The history of two deals: each report supersedes the ones before it of its deal.
	history := []Record{rec("CS-2", 0, 0, 0), rec("CS-1", 0, 0, 0), rec("CS-1", 0, 1, 0), rec("CS-1", 0, 1, 1), rec("CS-2", 5, 0, 0), rec("CS-1", 0, 2, 1)}
	want := []Record{history[5], history[4]}
	rapid.Check(t, func(t *rapid.T) {
		order := rapid.Permutation(history).Draw(t, "order")
		var got []Record
		for _, r := range order {
			got = Keep(got, r)
			if rapid.Bool().Draw(t, "twice") {
				got = Keep(got, r)
			}
		}
		assert.Equal(t, want, got)
	})
}
