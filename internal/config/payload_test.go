package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testKey = "k1:Q29TZWxsIGRlbW8ga2V5OiBuZXZlciBmb3IgcHJvZCE="

func TestPayloadKeysAndShutdownGrace(t *testing.T) {
	ctx := context.Background()
	c, err := Load(ctx, envconfig.MapLookuper(nil))
	require.NoError(t, err)
	assert.Nil(t, c.PayloadKeyring(), "no keys: payloads are not encrypted")
	assert.Equal(t, 30*time.Second, c.ShutdownGrace)

	c, err = Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_PAYLOAD_KEYS": testKey, "COSELL_SHUTDOWN_GRACE": "2m"}))
	require.NoError(t, err)
	require.NotNil(t, c.PayloadKeyring())
	assert.Equal(t, "k1", c.PayloadKeyring().Current())
	assert.Equal(t, 2*time.Minute, c.ShutdownGrace)

	path := filepath.Join(t.TempDir(), "keys")
	require.NoError(t, os.WriteFile(path, []byte(testKey+"\n"), 0o600))
	c, err = Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_PAYLOAD_KEYS_FILE": path}))
	require.NoError(t, err)
	assert.Equal(t, []string{"k1"}, c.PayloadKeyring().IDs())

	_, err = Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_PAYLOAD_KEYS": "k1:c2hvcnQ=", "COSELL_SHUTDOWN_GRACE": "-1s"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COSELL_PAYLOAD_KEYS: entry 1: key k1: 5 bytes after base64 decoding; AES-256 needs 32")
	assert.Contains(t, err.Error(), "COSELL_SHUTDOWN_GRACE: must not be negative")
}

func TestWorkflowCacheSize(t *testing.T) {
	ctx := context.Background()
	c, err := Load(ctx, envconfig.MapLookuper(nil))
	require.NoError(t, err)
	assert.Equal(t, 10000, c.WorkflowCacheSize, "the SDK's own default")
	c, err = Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_WORKFLOW_CACHE_SIZE": "2000"}))
	require.NoError(t, err)
	assert.Equal(t, 2000, c.WorkflowCacheSize)
	_, err = Load(ctx, envconfig.MapLookuper(map[string]string{"COSELL_WORKFLOW_CACHE_SIZE": "0"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COSELL_WORKFLOW_CACHE_SIZE: must be at least 1, got 0")
}
