package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogWritesStructuredFields(t *testing.T) {
	var buf bytes.Buffer
	l := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	assert.Equal(t, "log", l.Name())
	require.NoError(t, l.Notify(context.Background(), escalation()))

	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "WARN", line["level"], "an escalation is a warning")
	assert.Equal(t, "co-sell notice: "+escalation().Message, line["msg"])
	assert.Equal(t, "CS-1", line["deal"])
	assert.Equal(t, "acme-globex", line["pairing"])
	assert.Equal(t, "sla_escalated", line["event"])
	assert.EqualValues(t, 2, line["slaLevel"])
	assert.Equal(t, "partner managers", line["slaLevelName"])
	assert.Equal(t, "CS-1/request:00T1/escalation/2", line["key"])
	assert.Equal(t, "request", line["sla"])
	assert.Equal(t, "2026-11-24T12:00:00Z", line["deadline"])
	assert.Equal(t, "pm@acme.example,jane@globex.example", line["to"])

	buf.Reset()
	require.NoError(t, l.Notify(context.Background(), Notice{Event: StageChanged, CoSellID: "CS-2", PairingID: "p", Key: "k", Subject: "Won"}))
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "co-sell notice", line["msg"])
	assert.Equal(t, "Won", line["subject"])
}
