package hubspot

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/mocks/mockkit"
)

func TestUpdateAsAUserSpendsNoAPICall(t *testing.T) {
	sink := newHookSink(t, "app-secret")
	p := newPortal(t, func(o *Options) {
		o.Webhooks = mockkit.WebhookKnobs{URL: sink.srv.URL + "/hooks", Secret: "app-secret", BatchMS: 1}
	})
	id := p.createDeal(map[string]any{"dealname": "Hooli"})
	sink.take(p.srv.Webhooks())
	calls := p.srv.Admin().Snapshot().Total

	require.NoError(t, p.srv.Update("deals", id, map[string]any{"hs_next_step": "Demo on Friday"}))
	d, ok := p.srv.Deal(id)
	require.True(t, ok)
	assert.Equal(t, "Demo on Friday", d.Properties["hs_next_step"])
	assert.Equal(t, []string{"deal.propertyChange:hs_next_step"}, kinds(sink.take(p.srv.Webhooks())))
	assert.Equal(t, calls, p.srv.Admin().Snapshot().Total, "no API call counted")

	assert.ErrorContains(t, p.srv.Update("deals", id, map[string]any{"no_such_property": "x"}), "no_such_property")
	assert.Error(t, p.srv.Update("deals", "1", map[string]any{"dealname": "x"}))
	assert.Error(t, p.srv.Update("widgets", id, nil))
}
