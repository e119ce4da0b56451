package api

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/cosellsync/cosell/vocab"
)

func TestDirectoryQueryQuotesTheRecordID(t *testing.T) {
	assert.Equal(t, "acme-globex:b:12345", RecordKey("acme-globex", vocab.B, "12345"))
	assert.Equal(t, `WorkflowType = 'DealWorkflow' AND ExecutionStatus = 'Running' AND CoSellRecords = 'acme-globex:b:12345'`,
		DirectoryQuery("acme-globex", vocab.B, "12345"))
	assert.Equal(t, `WorkflowType = 'DealWorkflow' AND ExecutionStatus = 'Running' AND CoSellRecords = 'p:a:x\' OR \'\\'`,
		DirectoryQuery("p", vocab.A, `x' OR '\`), "a record id cannot end the literal")
}

func TestDealCoSellIDInvertsDealWorkflowID(t *testing.T) {
	id, ok := DealCoSellID(DealWorkflowID("CS-ABC"))
	assert.True(t, ok)
	assert.Equal(t, "CS-ABC", id)
	for _, other := range []string{"cosell-feed/p/a", "cosell-deal/", ""} {
		_, ok := DealCoSellID(other)
		assert.False(t, ok, other)
	}
}
