//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TestSearchAttributesRegisterOnDevServer runs `cosell search-attributes register` against a fresh
// namespace of the dev server, which has none of the product's attributes: a dry run changes nothing,
// the first run registers CoSellRecords as a KeywordList, a second run finds it and succeeds, and a
// namespace holding CoSellRecords with another type is refused with a message saying so.
func TestSearchAttributesRegisterOnDevServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{HostPort: temporalAddr})
	require.NoError(t, err)
	defer c.Close()
	newNamespace := func(prefix string) string {
		ns := fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), seq.Add(1))
		_, err := c.WorkflowService().RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace: ns, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)})
		require.NoError(t, err)
		return ns
	}
	custom := func(ns string) map[string]enumspb.IndexedValueType {
		res, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
		require.NoError(t, err)
		return res.GetCustomAttributes()
	}
	register := func(ns string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, cosellBin, append([]string{"search-attributes", "register"}, args...)...)
		cmd.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+temporalAddr, "TEMPORAL_NAMESPACE="+ns)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	ns := newNamespace("cosell-sa")
	require.NotContains(t, custom(ns), "CoSellRecords", "a new namespace starts without the record directory")

	out, err := register(ns, "--dry-run")
	require.NoError(t, err, out)
	assert.Contains(t, out, "CoSellRecords KeywordList: missing (dry run, not registered) in namespace "+ns)
	assert.NotContains(t, custom(ns), "CoSellRecords", "a dry run registers nothing")

	out, err = register(ns)
	require.NoError(t, err, out)
	assert.Contains(t, out, "registered 1 search attribute(s) in namespace "+ns)
	assert.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST, custom(ns)["CoSellRecords"])

	out, err = register(ns)
	require.NoError(t, err, "a second run is a no-op: %s", out)
	assert.Contains(t, out, "CoSellRecords KeywordList: already registered in namespace "+ns)

	// --namespace overrides TEMPORAL_NAMESPACE.
	other := newNamespace("cosell-sa-flag")
	out, err = register(ns, "--namespace", other)
	require.NoError(t, err, out)
	assert.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST, custom(other)["CoSellRecords"])

	wrong := newNamespace("cosell-sa-wrong")
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: wrong,
		SearchAttributes: map[string]enumspb.IndexedValueType{"CoSellRecords": enumspb.INDEXED_VALUE_TYPE_KEYWORD}})
	require.NoError(t, err)
	out, err = register(wrong)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, out)
	assert.Equal(t, 1, exit.ExitCode())
	assert.Contains(t, out, "CoSellRecords is a Keyword, the product needs a KeywordList")
	assert.Equal(t, enumspb.INDEXED_VALUE_TYPE_KEYWORD, custom(wrong)["CoSellRecords"], "a wrong type is reported, never changed")
}
