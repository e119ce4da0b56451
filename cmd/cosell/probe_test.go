package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			_, _ = w.Write([]byte("ready\n"))
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("temporal unreachable: dial tcp\nmore\n"))
	}))
	defer srv.Close()
	ctx := context.Background()

	var out bytes.Buffer
	require.NoError(t, runProbe(ctx, []string{srv.URL + "/readyz"}, &out))
	assert.Contains(t, out.String(), "200 OK ready")

	err := runProbe(ctx, []string{"--timeout", "2s", srv.URL + "/down"}, &out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "503 Service Unavailable: temporal unreachable: dial tcp")

	err = runProbe(ctx, []string{"localhost:8080/readyz"}, &out)
	var ee *exitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.code, "a URL without a scheme is a usage error")
}
