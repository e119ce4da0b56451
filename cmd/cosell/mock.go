package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/internal/demo"
	hsmock "github.com/cosellsync/cosell/mocks/hubspot"
	"github.com/cosellsync/cosell/mocks/mockkit"
	sfmock "github.com/cosellsync/cosell/mocks/salesforce"
	slackmock "github.com/cosellsync/cosell/mocks/slack"
)

// mockOptions are the flags of cosell mock KIND.
type mockOptions struct {
	kind     string
	addr     string
	seed     string
	withDemo bool
	hooks    mockkit.WebhookKnobs
}

func newMockCmd() *cobra.Command {
	return groupCmd("mock", "Run one fake (Salesforce, HubSpot or Slack) as a process",
		`  cosell mock salesforce --demo
  cosell mock hubspot --addr 0.0.0.0:8702 --demo --webhooks http://worker:8080/webhooks/hubspot/globex-hs`,
		newMockKindCmd("salesforce", "Run the fake Salesforce (REST, OAuth, Outbound Messages)",
			`  cosell mock salesforce --demo
  cosell mock salesforce --seed org.json --webhooks http://127.0.0.1:8080/webhooks/salesforce/acme-sf/outbound`),
		newMockKindCmd("hubspot", "Run the fake HubSpot (CRM v3 objects, properties, webhooks)",
			`  cosell mock hubspot --demo
  cosell mock hubspot --seed portal.json --webhooks http://127.0.0.1:8080/webhooks/hubspot/globex-hs --webhook-secret S`),
		newMockKindCmd("slack", "Run the fake Slack incoming webhook (SLA warnings, breaches, escalations)",
			"  cosell mock slack --addr 127.0.0.1:8703"),
	)
}

func newMockKindCmd(kind, short, example string) *cobra.Command {
	o := mockOptions{kind: kind}
	c := &cobra.Command{
		Use:   kind,
		Short: short,
		Long: short + `, until interrupted: for a deployment rehearsal, a manual test, or a container in
docker-compose. Its admin API is under /__admin (calls, faults, seed).`,
		Example: example,
		Args:    noArgs("the flags set it up"),
		RunE: func(c *cobra.Command, _ []string) error {
			return runMock(c.Context(), o, c.OutOrStdout())
		},
	}
	defAddr := map[string]string{"salesforce": demo.SalesforceAddr, "hubspot": demo.HubSpotAddr, "slack": demo.SlackAddr}[kind]
	c.Flags().StringVar(&o.addr, "addr", defAddr, "listen address")
	if kind == "slack" {
		return c
	}
	c.Flags().StringVar(&o.seed, "seed", "", "JSON seed file (the fake's /__admin/seed shape)")
	c.Flags().BoolVar(&o.withDemo, "demo", false, "seed the demo pairing's users, owners and deals")
	c.Flags().StringVar(&o.hooks.URL, "webhooks", "", "send change notifications to this URL (HubSpot webhooks, Salesforce Outbound Messages)")
	c.Flags().StringVar(&o.hooks.Secret, "webhook-secret", "", "the secret that signs them (HubSpot: the app's client secret; Salesforce callout mode)")
	if kind == "salesforce" {
		c.Flags().StringVar(&o.hooks.Mode, "webhook-mode", "", "outbound (default) or callout")
		_ = c.RegisterFlagCompletionFunc("webhook-mode", cobra.FixedCompletions([]string{"outbound", "callout"}, cobra.ShellCompDirectiveNoFileComp))
	}
	_ = c.MarkFlagFilename("seed", "json")
	return c
}

// runMock serves one fake CRM until interrupted: for a deployment rehearsal, a manual test, or a
// container in docker-compose.
func runMock(ctx context.Context, o mockOptions, out io.Writer) error {
	kind, seed, withDemo, hooks := o.kind, &o.seed, &o.withDemo, o.hooks
	addr := &o.addr
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
