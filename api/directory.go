package api

import (
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/cosellsync/cosell/vocab"
)

// CoSellRecordsAttribute names the search attribute that is the record directory. It must be registered
// (type KeywordList) in the namespace before a worker starts: the dev server does it, a cluster needs
// `temporal operator search-attribute create --name CoSellRecords --type KeywordList` (README).
const CoSellRecordsAttribute = "CoSellRecords"

// CoSellRecords is the record directory: each deal workflow keeps it set to the RecordKey of every
// record it is linked to, so a change feed can find the deal of a record that lost its co-sell id
// (a user cleared or edited it) with one visibility query instead of starting a second deal.
var CoSellRecords = temporal.NewSearchAttributeKeyKeywordList(CoSellRecordsAttribute)

// RecordKey is a record's entry in the record directory: "<pairing>:<side>:<record id>". The pairing
// makes it unique across pairings that share a CRM org, the side across the two CRMs of one pairing
// (record ids of different CRMs may collide).
func RecordKey(pairingID string, side vocab.Side, recordID string) string {
	return pairingID + ":" + string(side) + ":" + recordID
}

// DirectoryEntry is one running deal linked to a record: the record's key (RecordKey, which names the
// pairing) and the deal's co-sell id.
type DirectoryEntry struct {
	Key      string
	CoSellID string
}

// DirectoryQuery is the visibility query for the running deal workflows linked to a record.
func DirectoryQuery(pairingID string, side vocab.Side, recordID string) string {
	return DirectoryQueryKeys([]string{RecordKey(pairingID, side, recordID)})
}

// DirectoryQueryKeys is the visibility query for the running deal workflows linked to any of the
// directory keys: one record of a connection that several pairings share has a key in each.
func DirectoryQueryKeys(keys []string) string {
	q := "WorkflowType = " + quote(DealWorkflowName) + " AND ExecutionStatus = 'Running' AND " + CoSellRecordsAttribute
	if len(keys) == 1 {
		return q + " = " + quote(keys[0])
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = quote(k)
	}
	return q + " IN (" + strings.Join(quoted, ", ") + ")"
}

// DealCoSellID returns the co-sell id of a deal workflow id (the inverse of DealWorkflowID).
func DealCoSellID(workflowID string) (string, bool) {
	id, ok := strings.CutPrefix(workflowID, dealWorkflowPrefix)
	return id, ok && id != ""
}

// quote makes a string literal of the visibility query language; record ids come from the CRMs, so a
// quote or a backslash in one must not change the query.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
