package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/cosellsync/cosell/api"
)

// searchAttributesOptions are the flags of cosell search-attributes register.
type searchAttributesOptions struct {
	namespace string
	dryRun    bool
	wait      time.Duration
}

func newSearchAttributesCmd() *cobra.Command {
	return groupCmd("search-attributes", "Register the product's search attributes in a Temporal namespace",
		"  cosell search-attributes register\n  cosell search-attributes register --namespace cosell --dry-run",
		newSearchAttributesRegisterCmd())
}

func newSearchAttributesRegisterCmd() *cobra.Command {
	var o searchAttributesOptions
	c := &cobra.Command{
		Use:   "register",
		Short: "Register the product's search attributes (CoSellRecords) in TEMPORAL_NAMESPACE, idempotently",
		Long: `Register every custom search attribute the product uses (today CoSellRecords, a KeywordList) in the
namespace, through the operator service that self-hosted clusters and the dev server accept. It reads the
same TEMPORAL_* variables as the worker. An attribute already registered with its type is left alone, so
it can run on every rollout (the compose one-shot, the Kubernetes Job); one registered with another type
is refused (exit 1), since a type cannot change. A namespace created a moment before is waited for up to
--wait, as a cluster serves it only once its namespace cache has refreshed.

Temporal Cloud manages search attributes through its control plane: when the server refuses the call,
the command exits 1 and prints the tcld command to run instead.`,
		Example: "  TEMPORAL_NAMESPACE=cosell cosell search-attributes register\n  cosell search-attributes register --namespace cosell --dry-run",
		Args:    noArgs("it is configured from the environment and its flags"),
		RunE: func(c *cobra.Command, _ []string) error {
			return runSearchAttributesRegister(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.namespace, "namespace", "", "namespace to register in (default TEMPORAL_NAMESPACE)")
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "only say what is missing")
	c.Flags().DurationVar(&o.wait, "wait", time.Minute, "how long to wait for a namespace just created to be served")
	return c
}

// runSearchAttributesRegister registers the product's custom search attributes (api.SearchAttributes)
// in a namespace through the operator service, which self-hosted clusters and the dev server accept. It
// is idempotent: an attribute already registered with the right type is left alone, so a deployment can
// run it on every rollout (a compose one-shot, a Kubernetes Job). An attribute registered with another
// type is an error, since the worker would fail every deal on it.
//
// Temporal Cloud manages search attributes through its control plane (tcld or the Cloud Ops API), not
// the operator service; when the server refuses the call, the error prints the tcld command.
func runSearchAttributesRegister(ctx context.Context, o searchAttributesOptions, out io.Writer) error {
	c, cfg, err := dialTemporal(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ns := cfg.Temporal.Namespace
	if o.namespace != "" {
		ns = o.namespace
	}
	return registerSearchAttributes(ctx, c.OperatorService(), ns, o.dryRun, o.wait, out)
}

// registerSearchAttributes adds the attributes of api.SearchAttributes the namespace lacks.
//
// A cluster serves a namespace only once its namespace cache has refreshed (about 10 s on a
// self-hosted server), so a namespace created a moment before (the compose one-shot before this one)
// answers NamespaceNotFound for a while; that is waited out for up to wait.
func registerSearchAttributes(ctx context.Context, op operatorservice.OperatorServiceClient, namespace string, dryRun bool, wait time.Duration, out io.Writer) error {
	deadline := time.Now().Add(wait)
	var res *operatorservice.ListSearchAttributesResponse
	var err error
	for {
		res, err = op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
		var notFound *serviceerror.NamespaceNotFound
		if !errors.As(err, &notFound) || !time.Now().Before(deadline) {
			break
		}
		fmt.Fprintf(out, "namespace %s is not served yet; waiting\n", namespace)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	if err != nil {
		return operatorRefused("list the search attributes of namespace "+namespace, namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	var wrong []string
	for _, sa := range api.SearchAttributes {
		switch t, ok := res.GetCustomAttributes()[sa.Name]; {
		case !ok:
			missing[sa.Name] = sa.Type
		case t != sa.Type:
			wrong = append(wrong, fmt.Sprintf("%s is a %s, the product needs a %s", sa.Name, typeName(t), typeName(sa.Type)))
		default:
			fmt.Fprintf(out, "%s %s: already registered in namespace %s\n", sa.Name, typeName(sa.Type), namespace)
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("namespace %s: %s; a search attribute's type cannot change: remove it (temporal operator search-attribute remove) on a namespace no deal uses yet, or use another namespace",
			namespace, strings.Join(wrong, "; "))
	}
	if len(missing) == 0 {
		return nil
	}
	for _, sa := range api.SearchAttributes {
		if t, ok := missing[sa.Name]; ok {
			verb := "registering"
			if dryRun {
				verb = "missing (dry run, not registered)"
			}
			fmt.Fprintf(out, "%s %s: %s in namespace %s\n", sa.Name, typeName(t), verb, namespace)
		}
	}
	if dryRun {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: namespace, SearchAttributes: missing}); err != nil {
		return operatorRefused("add search attributes to namespace "+namespace, namespace, err)
	}
	fmt.Fprintf(out, "registered %d search attribute(s) in namespace %s\n", len(missing), namespace)
	return nil
}

// operatorRefused wraps an operator-service error; a refusal (Temporal Cloud, or an API key without
// the permission) says how to register the attributes through Temporal Cloud's control plane.
func operatorRefused(what, namespace string, err error) error {
	var denied *serviceerror.PermissionDenied
	var unimpl *serviceerror.Unimplemented
	if errors.As(err, &denied) || errors.As(err, &unimpl) {
		var adds []string
		for _, sa := range api.SearchAttributes {
			adds = append(adds, fmt.Sprintf("--search-attribute %s=%s", sa.Name, typeName(sa.Type)))
		}
		return fmt.Errorf("%s: %w\non Temporal Cloud register them with `tcld namespace search-attributes add --namespace %s %s` (README, Operate it: Temporal Cloud)",
			what, err, namespace, strings.Join(adds, " "))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// typeName is the type's name as Temporal's CLIs spell it: KeywordList.
func typeName(t enumspb.IndexedValueType) string { return t.String() }
