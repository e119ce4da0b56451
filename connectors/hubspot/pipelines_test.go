package hubspot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	fake "github.com/cosellsync/cosell/mocks/hubspot"
)

func TestDealPipelinesListsStagesAndLosesAnArchivedOne(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ps, err := e.client.DealPipelines(ctx)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.Equal(t, "default", ps[0].ID)
	assert.Equal(t, e.client.DealPipelineID(), ps[0].ID)
	var ids []string
	for _, s := range ps[0].Stages {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, ([]string{"appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"}), ids)

	require.NoError(t, e.portal.ArchiveStage("default", "contractsent"))
	ps, err = e.client.DealPipelines(ctx)
	require.NoError(t, err)
	for _, s := range ps[0].Stages {
		assert.NotEqual(t, "contractsent", s.ID)
	}
	assert.Len(t, ps[0].Stages, 6)
	stage, err := e.client.Properties(ctx, "deals")
	require.NoError(t, err)
	for _, p := range stage {
		if p.Name == "dealstage" {
			for _, o := range p.Options {
				assert.NotEqual(t, "contractsent", o.Value, "the property's options follow the pipeline")
			}
		}
	}
	_, err = e.client.UpsertDeal(ctx, "CS-ARCH", map[string]any{"dealname": "x", "dealstage": "contractsent"})
	require.Error(t, err, "a deal cannot enter an archived stage")
}

func TestPropertiesReportWritabilityAndUniqueness(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	require.NoError(t, e.portal.ChangeProperty("deals", "cosell_lead", func(p *fake.Property) { p.ModificationMetadata.ReadOnlyValue = true }))
	_, err := e.client.UpsertDeal(ctx, "CS-RO", map[string]any{"dealname": "x", "cosell_lead": "a"})
	require.Error(t, err, "the portal refuses a read-only property")
	assert.Contains(t, err.Error(), "cosell_lead")
	require.NoError(t, e.portal.ChangeProperty("deals", "cosell_id", func(p *fake.Property) { p.HasUniqueValue = false }))
	require.NoError(t, e.portal.ArchiveProperty("deals", "hs_next_step"))
	props, err := e.client.Properties(ctx, "deals")
	require.NoError(t, err)
	byName := map[string]int{}
	for i, p := range props {
		byName[p.Name] = i
	}
	require.Contains(t, byName, "cosell_lead")
	assert.True(t, props[byName["cosell_lead"]].ModificationMetadata.ReadOnlyValue)
	assert.False(t, props[byName["cosell_id"]].HasUniqueValue)
	assert.NotContains(t, byName, "hs_next_step")
	assert.True(t, props[byName["hs_is_closed"]].ModificationMetadata.ReadOnlyValue, "calculated properties are read-only")
	assert.Equal(t, "enumeration", props[byName["dealtype"]].Type)
	assert.Len(t, props[byName["dealtype"]].Options, 2)
}

func TestUpdatePropertyOptions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.client.CreateProperty(ctx, "deals", hubspot.Property{Name: "region", Label: "Region", Type: "enumeration", FieldType: "select",
		GroupName: "dealinformation", Options: []hubspot.PropertyOption{{Label: "EMEA", Value: "emea"}}})
	require.NoError(t, err)
	got, err := e.client.UpdatePropertyOptions(ctx, "deals", "region", []hubspot.PropertyOption{{Label: "EMEA", Value: "emea"}, {Label: "APAC", Value: "apac"}})
	require.NoError(t, err)
	assert.Len(t, got.Options, 2)
	assert.False(t, got.ModificationMetadata.ReadOnlyDefinition)

	_, err = e.client.UpdatePropertyOptions(ctx, "deals", "dealstage", []hubspot.PropertyOption{{Label: "A", Value: "a"}})
	ce, ok := connectors.AsError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 400, ce.Status)
	props, err := e.client.Properties(ctx, "deals")
	require.NoError(t, err)
	for _, p := range props {
		if p.Name == "dealstage" {
			assert.True(t, p.ModificationMetadata.ReadOnlyDefinition)
		}
	}
}
