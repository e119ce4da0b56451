//go:build unix

package chromium

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests stand a shell script in for Chromium, to see Screenshot fail the ways Chromium can.

func TestFindHonoursTheEnvironment(t *testing.T) {
	t.Setenv(EnvBinary, filepath.Join(t.TempDir(), "no-such-chromium"))
	_, err := Find()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNotFound))
	assert.Contains(t, err.Error(), "make tools-chromium", "the error says how to install it")
	assert.Contains(t, err.Error(), EnvBinary)

	stub := writeStub(t, "exit 0")
	t.Setenv(EnvBinary, stub)
	got, err := Find()
	require.NoError(t, err)
	assert.Equal(t, stub, got)

	// A directory or a file without the execute bit is no binary.
	t.Setenv(EnvBinary, t.TempDir())
	_, err = Find()
	assert.ErrorIs(t, err, ErrNotFound)
}

// writeStub writes a shell script standing in for Chromium. $out is the --screenshot path it was given.
func writeStub(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fake-chromium")
	script := "#!/bin/sh\nout=\nfor a in \"$@\"; do case \"$a\" in --screenshot=*) out=\"${a#--screenshot=}\";; esac; done\n" + body + "\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path
}

func TestScreenshotFailures(t *testing.T) {
	cases := []struct {
		name, stub, want string
	}{
		{"non-zero exit", `echo "[1:1:0101/000000.000000:FATAL:gpu_init.cc:1] GPU process isn't usable" >&2; exit 3`, "exit status 3"},
		{"no screenshot", `echo "[1:1:0101/000000.000000:ERROR:components/headless/command_handler/headless_command_handler.cc:403] Page load failed: net::ERR_ACCESS_DENIED" >&2; exit 0`, "wrote no screenshot"},
		{"empty screenshot", `: > "$out"`, "empty screenshot"},
		{"not a PNG", `printf 'GIF89a' > "$out"`, "not a PNG"},
		{"broken PNG", `printf '\211PNG\r\n\032\nnot really' > "$out"`, "broken PNG"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvBinary, writeStub(t, tc.stub))
			out, _, err := Screenshot(context.Background(), "<p>x</p>", 100, 100)
			assert.Nil(t, out)
			assert.ErrorContains(t, err, tc.want)
		})
	}

	t.Run("the page's messages explain a failure", func(t *testing.T) {
		t.Setenv(EnvBinary, writeStub(t, `echo "[1:1:0101/000000.000000:ERROR:components/headless/command_handler/headless_command_handler.cc:403] Page load failed: net::ERR_ACCESS_DENIED" >&2`))
		_, console, err := Screenshot(context.Background(), "<p>x</p>", 100, 100)
		require.Error(t, err)
		assert.Equal(t, []string{"ERROR: Page load failed: net::ERR_ACCESS_DENIED"}, console)
		assert.Contains(t, err.Error(), "Page load failed")
	})
}

func TestScreenshotTimeoutKillsChromiumAndItsHelpers(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "helper.pid")
	// The stand-in forks a helper, as Chromium forks its zygote and renderer, and hangs.
	t.Setenv(EnvBinary, writeStub(t, `sleep 60 & echo $! > "`+pidFile+`"; wait`))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Screenshot(ctx, "<p>x</p>", 100, 100)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 10*time.Second, "the run is stopped, not waited out")

	raw, err := os.ReadFile(pidFile)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		// Killed and reaped (its parent is gone, so init reaps it), or at least a zombie.
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || strings.Contains(string(stat), ") Z ")
	}, 5*time.Second, 50*time.Millisecond, "the helper process %d was left running", pid)
}
