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

// DirectoryQuery is the visibility query for the running deal workflows linked to a record.
func DirectoryQuery(pairingID string, side vocab.Side, recordID string) string {
	return "WorkflowType = " + quote(DealWorkflowName) + " AND ExecutionStatus = 'Running' AND " +
		CoSellRecordsAttribute + " = " + quote(RecordKey(pairingID, side, recordID))
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
