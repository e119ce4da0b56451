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

	var out, errb bytes.Buffer
	require.NoError(t, run(ctx, []string{"probe", srv.URL + "/readyz"}, &out, &errb))
	assert.Contains(t, out.String(), "200 OK ready")

	err := run(ctx, []string{"probe", "--timeout", "2s", srv.URL + "/down"}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "503 Service Unavailable: temporal unreachable: dial tcp")
	assert.Equal(t, exitFinding, exitCode(err))

	err = run(ctx, []string{"probe", "localhost:8080/readyz"}, &out, &errb)
	assert.Equal(t, exitUsage, exitCode(err), "a URL without a scheme is a usage error: %v", err)
	err = run(ctx, []string{"probe"}, &out, &errb)
	assert.Equal(t, exitUsage, exitCode(err), "the URL is required: %v", err)
}
