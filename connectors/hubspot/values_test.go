package hubspot

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
)

func TestToHubSpotValue(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"x", "x"},
		{true, "true"},
		{false, "false"},
		{125000.0, "125000"},
		{1e21, "1000000000000000000000"},
		{0.1, "0.1"},
		{-99.5, "-99.5"},
		{float32(2.5), "2.5"},
		{42, "42"},
		{int64(7), "7"},
		{json.Number("12.30"), "12.30"},
	} {
		got, err := toHubSpotValue("f", tc.in)
		require.NoError(t, err, "%v", tc.in)
		assert.Equal(t, tc.want, got, "%#v", tc.in)
	}
	_, err := toHubSpotValue("f", map[string]any{})
	e, ok := connectors.AsError(err)
	require.True(t, ok)
	assert.False(t, e.Retryable)
}

func TestPlainTextAndNoteHTMLRoundTrip(t *testing.T) {
	assert.Equal(t, "Hello\nWorld & co", plainText("<div><p>Hello</p><p>World &amp; co</p></div>"))
	assert.Equal(t, "a\nb", plainText("a<br/>b"))
	assert.Equal(t, "plain text stays", plainText("plain text stays"))
	assert.Equal(t, "x\n\ny", plainText("<p>x</p><p></p><p></p><p>y</p>"))
	for _, tc := range []struct{ subject, body, want string }{
		{"Call <recap>", "a < b\nc & d", "Call <recap>\na < b\nc & d"},
		{"", "only body", "only body"},
		{"Subject", "", "Subject"},
	} {
		assert.Equal(t, tc.want, plainText(noteHTML(tc.subject, tc.body)))
	}
}
