package worker

import (
	"context"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/cosellsync/cosell/internal/codec"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/demo"
)

func TestDialEncryptsPayloadsWhenKeysAreSet(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_PAYLOAD_KEYS": demo.PayloadKeys}))
	require.NoError(t, err)
	var opts client.Options
	require.NoError(t, withCodec(cfg, &opts))
	require.NotNil(t, opts.DataConverter)
	require.NotNil(t, opts.FailureConverter)
	p, err := opts.DataConverter.ToPayload(map[string]string{"amount": "125000"})
	require.NoError(t, err)
	assert.Equal(t, codec.Encoding, string(p.Metadata["encoding"]))
	assert.Equal(t, "demo-1", string(p.Metadata[codec.MetadataKeyID]))
	assert.NotContains(t, string(p.Data), "125000")

	plain, err := config.Load(ctx, envconfig.MapLookuper(nil))
	require.NoError(t, err)
	opts = client.Options{}
	require.NoError(t, withCodec(plain, &opts))
	assert.Nil(t, opts.DataConverter, "no keys: the SDK's default converter, payloads in plain text")
}
