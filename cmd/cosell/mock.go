package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

// runMock serves one fake CRM until interrupted: for a deployment rehearsal, a manual test, or a
// container in docker-compose.
func runMock(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "salesforce" && args[0] != "hubspot" && args[0] != "slack") {
		return usageError("usage: cosell mock salesforce|hubspot|slack [--addr HOST:PORT] [--seed FILE] [--demo] [--webhooks URL [--webhook-secret S] [--webhook-mode outbound|callout]]")
	}
	kind := args[0]
	fs := flag.NewFlagSet("mock "+kind, flag.ContinueOnError)
	defAddr := map[string]string{"salesforce": demo.SalesforceAddr, "hubspot": demo.HubSpotAddr, "slack": demo.SlackAddr}[kind]
	addr := fs.String("addr", defAddr, "listen address")
	seed := fs.String("seed", "", "JSON seed file (the fake's /__admin/seed shape)")
	withDemo := fs.Bool("demo", false, "seed the demo pairing's users, owners and deals")
	var hooks mockkit.WebhookKnobs
	fs.StringVar(&hooks.URL, "webhooks", "", "send change notifications to this URL (HubSpot webhooks, Salesforce Outbound Messages)")
	fs.StringVar(&hooks.Secret, "webhook-secret", "", "the secret that signs them (HubSpot: the app's client secret; Salesforce callout mode)")
	fs.StringVar(&hooks.Mode, "webhook-mode", "", "Salesforce: outbound (default) or callout")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError("%v", err)
	}
	var h http.Handler
	switch kind {
	case "salesforce":
		srv := sfmock.New(demo.SalesforceOptions())
		if *withDemo {
			if err := srv.Seed(demo.Salesforce()); err != nil {
				return fmt.Errorf("seed demo: %w", err)
			}
		}
		if err := srv.SetWebhooks(hooks); err != nil {
			return usageError("--webhooks: %v", err)
		}
		defer srv.Close()
		if *seed != "" {
			d, err := sfmock.ReadSeedFile(*seed)
			if err == nil {
				err = srv.Seed(d)
			}
			if err != nil {
				return configError(err)
			}
		}
		h = srv
	case "hubspot":
		srv := hsmock.New(demo.HubSpotOptions())
		if *withDemo {
			if err := srv.Seed(demo.HubSpot()); err != nil {
				return fmt.Errorf("seed demo: %w", err)
			}
		}
		if hooks.Secret == "" && *withDemo {
			hooks.Secret = demo.HubSpotAppSecret
		}
		if err := srv.SetWebhooks(hooks); err != nil {
			return usageError("--webhooks: %v", err)
		}
		defer srv.Close()
		if *seed != "" {
			if err := srv.LoadSeedFile(*seed); err != nil {
				return configError(err)
			}
		}
		h = srv
	case "slack":
		h = slackmock.New(slackmock.Options{})
	}
	srv, bound, err := listen(*addr, h)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "fake %s listening on http://%s/ (admin: /__admin/calls, /__admin/faults, /__admin/seed)\n", kind, bound)
	if kind == "slack" {
		fmt.Fprintf(out, "incoming webhook: http://%s%s\n", bound, slackmock.DefaultWebhookPath)
	}
	<-ctx.Done()
	return shutdown(srv)
}

// listen serves h on addr in the background and returns the bound address.
func listen(addr string, h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", configError(fmt.Errorf("listen on %s: %w", addr, err))
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("cosell: http server on", addr, "stopped:", err)
		}
	}()
	return srv, ln.Addr().String(), nil
}

func shutdown(srv *http.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}
