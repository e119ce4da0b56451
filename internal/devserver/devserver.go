// Package devserver runs the Temporal CLI's dev server for `cosell dev` and the end-to-end tests. It uses
// the SDK's own launcher (testsuite.StartDevServer) with the binary `make tools` builds from the Go module
// proxy at a pinned version: nothing is downloaded at run time.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/cosellsync/cosell/api"
)

// Version is the pinned Temporal CLI version; the Makefile builds it into .tools/temporal-<Version>/.
const Version = "v1.5.1"

// BinaryEnv overrides where the Temporal CLI binary is found.
const BinaryEnv = "COSELL_TEMPORAL_BIN"

// FindBinary locates the Temporal CLI: $COSELL_TEMPORAL_BIN, then the pinned build under the module's
// .tools folder, then `temporal` on PATH.
func FindBinary() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, p, err)
		}
		return p, nil
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, ".tools", "temporal-"+Version, "temporal")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	return "", errors.New("temporal CLI not found: run `make tools` (builds it from the Go module proxy into .tools/) or set " + BinaryEnv)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// Options says where the dev server listens. Empty HostPort picks a free port.
type Options struct {
	HostPort  string
	Namespace string
	UI        bool
	UIPort    string
	// DBFile persists workflows across restarts; empty keeps them in memory.
	DBFile string
	Log    io.Writer
}

// Start launches the dev server, with every search attribute the worker needs registered, and waits
// until it accepts clients.
func Start(ctx context.Context, o Options) (*testsuite.DevServer, error) {
	bin, err := FindBinary()
	if err != nil {
		return nil, err
	}
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	out := o.Log
	if out == nil {
		out = io.Discard
	}
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  bin,
		ClientOptions: &client.Options{HostPort: o.HostPort, Namespace: ns, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		DBFilename:    o.DBFile,
		EnableUI:      o.UI,
		UIPort:        o.UIPort,
		LogLevel:      "error",
		// The record directory the feeds query (api.CoSellRecords); a cluster registers it once (README).
		SearchAttributes: temporal.NewSearchAttributes(api.CoSellRecords.ValueSet(nil)),
		Stdout:           out,
		Stderr:           out,
	})
	if err != nil {
		return nil, fmt.Errorf("start temporal dev server (%s): %w", bin, err)
	}
	return srv, nil
}
