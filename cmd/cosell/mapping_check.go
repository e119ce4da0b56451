package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
	"github.com/spf13/cobra"

	"github.com/cosellsync/cosell/connectors"
	"github.com/cosellsync/cosell/connectors/hubspot"
	"github.com/cosellsync/cosell/connectors/salesforce"
	"github.com/cosellsync/cosell/internal/config"
	"github.com/cosellsync/cosell/internal/worker"
	"github.com/cosellsync/cosell/mappingcheck"
	"github.com/cosellsync/cosell/pairing"
	"github.com/cosellsync/cosell/vocab"
)

// mappingCheckOptions are the argument and flags of cosell mapping check.
type mappingCheckOptions struct {
	file   string
	fix    bool
	fixDir string
	output outputFormat
}

func newMappingCheckCmd() *cobra.Command {
	var o mappingCheckOptions
	c := &cobra.Command{
		Use:   "check FILE",
		Short: "Check a pairing's mapping against the two live CRMs (fields, picklists, owners, pipelines)",
		Long: `Connect to both CRMs of the pairing, with the credentials the worker reads
(COSELL_CONN_<CONNECTION>_*), read their schemas (Salesforce's Opportunity describe and users; HubSpot's
deal properties, owners and pipelines) and report, as findings with a severity, side, field, message and
hint:
  - every mapped and bookkeeping field exists, is writable by the integration user where the sync
    writes it, and has a type (and length) that can hold the other side's values;
  - every value of a value map exists and is active in its picklist (a restricted picklist refuses the
    others), and every active picklist value is covered, with the unmapped ones listed per direction;
    free text feeding a restricted picklist is flagged;
  - the co-sell id is unique (and an External ID on Salesforce);
  - every owner-map e-mail and both fallback owners are active users of their CRM;
  - the HubSpot pipeline mirrors are created in exists, with the value map's stage ids.
Errors are mappings that cannot work; warnings lose something (a deal in an unmapped value does not
sync that field). It reads only, unless --fix.

--fix creates the missing HubSpot deal properties (typed from the mapping: text, number, date, a
dropdown of the value map's values, the co-sell id with unique values), adds the value maps' missing
values to HubSpot dropdowns (shows hidden ones again; dealstage's are the pipeline's), and writes, under --fix-dir, the
Salesforce metadata for an admin to deploy: a CustomField per missing custom field
(objects/Opportunity/fields/NAME.field-meta.xml), a permission set granting the integration user access
to the pairing's custom fields, and a package.xml. It then checks again and reports what is left.

Exit codes: 0 no error (warnings allowed); 1 an error found (after --fix, one left), or a CRM call
failed; 2 a pairing file with problems, missing credentials, or a bad command line.`,
		Example: `  cosell mapping check examples/demo/pairing.yaml
  cosell mapping check pairings/acme-globex.yaml --output json
  cosell mapping check pairings/acme-globex.yaml --fix --fix-dir salesforce-metadata`,
		Args: exactArgs("FILE"),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.file = args[0]
			return runMappingCheck(c.Context(), o, c.OutOrStdout())
		},
	}
	c.Flags().BoolVar(&o.fix, "fix", false, "create the missing HubSpot properties and write Salesforce metadata to --fix-dir")
	c.Flags().StringVar(&o.fixDir, "fix-dir", "", "with --fix, the directory the Salesforce metadata is written to (created if needed)")
	_ = c.MarkFlagDirname("fix-dir")
	addOutputFlag(c, &o.output)
	return c
}

// mappingCheckResult is what mapping check prints: the findings (after the fix, with --fix) and what
// the fix did.
type mappingCheckResult struct {
	Pairing  string                     `json:"pairing"`
	Sides    map[vocab.Side]checkedSide `json:"sides"`
	Errors   int                        `json:"errors"`
	Warnings int                        `json:"warnings"`
	Findings []mappingcheck.Finding     `json:"findings"`
	Fix      *mappingFixResult          `json:"fix,omitempty"`
	Missing  []mappingcheck.Missing     `json:"missing,omitempty"`
}

// checkedSide names a side's partner, CRM and connection.
type checkedSide struct {
	Partner    string `json:"partner"`
	CRM        string `json:"crm"`
	Connection string `json:"connection"`
}

// mappingFixResult is what --fix did.
type mappingFixResult struct {
	// ErrorsBefore counts the errors the first check found.
	ErrorsBefore int `json:"errorsBefore"`
	// Created are the HubSpot properties created, as side:name.
	Created []string `json:"created"`
	// Options are the HubSpot dropdowns whose options were completed with the value maps' values.
	Options []mappingcheck.OptionUpdate `json:"options,omitempty"`
	// Files are the Salesforce metadata files written, and Dirs the directories holding a package.xml
	// to deploy (one per Salesforce side).
	Files   []string                 `json:"files"`
	Dirs    []string                 `json:"dirs,omitempty"`
	Skipped []mappingcheck.Unfixable `json:"skipped,omitempty"`
}

// checkSide is one side's live connector, either kind.
type checkSide struct {
	side    vocab.Side
	partner pairing.Partner
	sf      *salesforce.Connector
	hs      *hubspot.Client
	// described is the side as last described, which the Salesforce metadata reads (a formula field is
	// granted read access only).
	described mappingcheck.Side
}

// httpTimeout bounds each CRM call of mapping check.
const httpTimeout = 30 * time.Second

func runMappingCheck(ctx context.Context, o mappingCheckOptions, out io.Writer) error {
	if o.fixDir != "" && !o.fix {
		return usageError("--fix-dir needs --fix (see cosell mapping check --help)")
	}
	p, err := pairing.Load(o.file)
	if err != nil {
		var ps *pairing.Problems
		if errors.As(err, &ps) {
			fmt.Fprintln(out, ps.Error())
			return configError(fmt.Errorf("%s has problems; cosell mapping validate shows the same", o.file))
		}
		return configError(err)
	}
	if o.fix && o.fixDir == "" && (p.A.CRM == pairing.Salesforce || p.B.CRM == pairing.Salesforce) {
		return usageError("--fix needs --fix-dir DIR for the Salesforce metadata it writes (see cosell mapping check --help)")
	}
	env := envconfig.OsLookuper()
	sides := map[vocab.Side]*checkSide{}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		cs, err := connectSide(ctx, env, p, s)
		if err != nil {
			return err
		}
		sides[s] = cs
	}
	report, err := describeAndCheck(ctx, p, sides)
	if err != nil {
		return err
	}
	res := &mappingCheckResult{Pairing: p.ID, Sides: map[vocab.Side]checkedSide{}}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		pt := p.Partner(s)
		res.Sides[s] = checkedSide{Partner: pt.Name, CRM: pt.CRM, Connection: pt.Connection}
	}
	if o.fix {
		fix, err := applyFix(ctx, p, sides, report, o.fixDir)
		if err != nil {
			return err
		}
		res.Fix = fix
		if report, err = describeAndCheck(ctx, p, sides); err != nil {
			return fmt.Errorf("check after the fix: %w", err)
		}
	}
	res.Findings, res.Missing = report.Findings, report.Missing
	if res.Findings == nil {
		res.Findings = []mappingcheck.Finding{}
	}
	res.Errors = report.Errors()
	res.Warnings = len(report.Findings) - res.Errors
	if err := o.output.print(out, res, func() { printMappingCheck(out, res) }); err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("mapping check of %s: %d error(s), %d warning(s)", p.ID, res.Errors, res.Warnings)
	}
	return nil
}

// connectCRM builds side s's connector from the worker's connection settings, reading every field
// the pairing maps on that side.
func connectCRM(ctx context.Context, env envconfig.Lookuper, p *pairing.Pairing, s vocab.Side) (connectors.CRM, error) {
	pt := p.Partner(s)
	conn, err := config.LoadConnection(ctx, env, pt.Connection)
	if err != nil {
		return nil, configError(err)
	}
	if err := conn.Check(pt.Connection, pt.CRM); err != nil {
		return nil, configError(err)
	}
	fields := pt.Deal
	for _, f := range p.Fields {
		fields.Mapped = append(fields.Mapped, f.On(s))
	}
	crm, err := worker.Connect(pt.CRM, conn, fields, &http.Client{Timeout: httpTimeout}, quietSlog(), nil)
	if err != nil {
		return nil, configError(fmt.Errorf("side %s (connection %s): %w", s, pt.Connection, err))
	}
	return crm, nil
}

// connectSide builds side s's connector from the worker's connection settings.
func connectSide(ctx context.Context, env envconfig.Lookuper, p *pairing.Pairing, s vocab.Side) (*checkSide, error) {
	pt := p.Partner(s)
	crm, err := connectCRM(ctx, env, p, s)
	if err != nil {
		return nil, err
	}
	cs := &checkSide{side: s, partner: pt}
	switch c := crm.(type) {
	case *salesforce.Connector:
		cs.sf = c
	case *hubspot.Client:
		cs.hs = c
	default:
		return nil, fmt.Errorf("side %s: no schema reader for CRM %q", s, pt.CRM)
	}
	return cs, nil
}

// describe reads one side's schema, users and pipelines.
func (cs *checkSide) describe(ctx context.Context) (mappingcheck.Side, error) {
	where := fmt.Sprintf("side %s (%s, connection %s)", cs.side, cs.partner.CRM, cs.partner.Connection)
	wrap := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", where, what, err) }
	var owners []connectors.Owner
	if cs.sf != nil {
		d, err := cs.sf.DescribeObject(ctx, "Opportunity")
		if err != nil {
			return mappingcheck.Side{}, wrap("describe Opportunity", err)
		}
		if owners, err = cs.sf.ListOwners(ctx); err != nil {
			return mappingcheck.Side{}, wrap("list users", err)
		}
		return mappingcheck.FromSalesforce(d, owners), nil
	}
	props, err := cs.hs.Properties(ctx, hubspot.ObjectDeals)
	if err != nil {
		return mappingcheck.Side{}, wrap("list deal properties", err)
	}
	if owners, err = cs.hs.ListOwners(ctx); err != nil {
		return mappingcheck.Side{}, wrap("list owners", err)
	}
	pipelines, err := cs.hs.DealPipelines(ctx)
	if err != nil {
		return mappingcheck.Side{}, wrap("list deal pipelines", err)
	}
	return mappingcheck.FromHubSpot(props, owners, pipelines, cs.hs.DealPipelineID()), nil
}

func describeAndCheck(ctx context.Context, p *pairing.Pairing, sides map[vocab.Side]*checkSide) (mappingcheck.Report, error) {
	described := mappingcheck.Sides{}
	for s, cs := range sides {
		d, err := cs.describe(ctx)
		if err != nil {
			return mappingcheck.Report{}, err
		}
		described[s] = d
	}
	// The Salesforce metadata needs the described fields (a formula is granted read only); keep them.
	for s, cs := range sides {
		cs.described = described[s]
	}
	return mappingcheck.Check(p, described), nil
}

// applyFix creates the missing HubSpot properties and writes the Salesforce metadata.
func applyFix(ctx context.Context, p *pairing.Pairing, sides map[vocab.Side]*checkSide, report mappingcheck.Report, dir string) (*mappingFixResult, error) {
	res := &mappingFixResult{ErrorsBefore: report.Errors(), Created: []string{}, Files: []string{}}
	salesforceSides := 0
	for _, cs := range sides {
		if cs.sf != nil {
			salesforceSides++
		}
	}
	for _, s := range []vocab.Side{pairing.A, pairing.B} {
		cs := sides[s]
		var mine []mappingcheck.Missing
		for _, m := range report.Missing {
			if m.Side == s {
				mine = append(mine, m)
			}
		}
		if cs.hs != nil {
			props, skipped := mappingcheck.HubSpotProperties(mine)
			res.Skipped = append(res.Skipped, skipped...)
			for _, prop := range props {
				if _, err := cs.hs.CreateProperty(ctx, hubspot.ObjectDeals, prop); err != nil {
					var ce *connectors.Error
					if errors.As(err, &ce) && ce.Status == http.StatusConflict {
						continue // created meanwhile, by someone else: the check after the fix reads it
					}
					return nil, fmt.Errorf("side %s: create HubSpot deal property %s: %w", s, prop.Name, err)
				}
				res.Created = append(res.Created, fmt.Sprintf("%s:%s", s, prop.Name))
			}
			for _, u := range mappingcheck.HubSpotOptionUpdates(p, s, cs.described) {
				if _, err := cs.hs.UpdatePropertyOptions(ctx, hubspot.ObjectDeals, u.Property, u.Options); err != nil {
					return nil, fmt.Errorf("side %s: add options %s to HubSpot deal property %s: %w", s, strings.Join(append(u.Added, u.Shown...), ", "), u.Property, err)
				}
				res.Options = append(res.Options, u)
			}
			continue
		}
		files, skipped, err := mappingcheck.SalesforceMetadata(p, s, cs.described, mine, salesforce.DefaultAPIVersion)
		if err != nil {
			return nil, fmt.Errorf("side %s: Salesforce metadata: %w", s, err)
		}
		res.Skipped = append(res.Skipped, skipped...)
		root := dir
		if salesforceSides > 1 {
			root = filepath.Join(dir, string(s)) // two orgs, one deployable directory each
		}
		res.Dirs = append(res.Dirs, root)
		for _, f := range files {
			path := filepath.Join(root, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return nil, fmt.Errorf("write Salesforce metadata: %w", err)
			}
			if err := os.WriteFile(path, f.Content, 0o644); err != nil {
				return nil, fmt.Errorf("write Salesforce metadata: %w", err)
			}
			res.Files = append(res.Files, path)
		}
	}
	return res, nil
}

func printMappingCheck(out io.Writer, r *mappingCheckResult) {
	a, b := r.Sides[pairing.A], r.Sides[pairing.B]
	fmt.Fprintf(out, "pairing %s: a = %s (%s, connection %s), b = %s (%s, connection %s)\n",
		r.Pairing, a.Partner, a.CRM, a.Connection, b.Partner, b.CRM, b.Connection)
	if f := r.Fix; f != nil {
		fmt.Fprintf(out, "\nfix (%d error(s) before it):\n", f.ErrorsBefore)
		for _, c := range f.Created {
			side, name, _ := strings.Cut(c, ":")
			fmt.Fprintf(out, "  created HubSpot deal property %s on side %s\n", name, side)
		}
		for _, u := range f.Options {
			if len(u.Added) > 0 {
				fmt.Fprintf(out, "  added option(s) %s to HubSpot deal property %s\n", strings.Join(u.Added, ", "), u.Property)
			}
			if len(u.Shown) > 0 {
				fmt.Fprintf(out, "  showed hidden option(s) %s of HubSpot deal property %s\n", strings.Join(u.Shown, ", "), u.Property)
			}
		}
		for _, path := range f.Files {
			fmt.Fprintf(out, "  wrote %s\n", path)
		}
		for _, d := range f.Dirs {
			fmt.Fprintf(out, "  to deploy: copy %s's objects/ and permissionsets/ into a Salesforce DX project's force-app/main/default,\n"+
				"  run sf project deploy start --manifest %s, then assign permission set %s to the integration user\n",
				d, filepath.Join(d, "package.xml"), mappingcheck.DefaultPermissionSet)
		}
		for _, s := range f.Skipped {
			fmt.Fprintf(out, "  not created: %s on side %s: %s\n", s.Missing.Field, s.Missing.Side, s.Reason)
		}
		fmt.Fprintln(out, "\nafter the fix:")
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(out, "no findings: the mapping fits both CRMs")
		return
	}
	for _, f := range r.Findings {
		field := f.Field
		if f.Canonical != "" {
			field += " (" + f.Canonical + ")"
		}
		fmt.Fprintf(out, "%-7s side %s %s %s: %s\n", f.Severity, f.Side, f.CRM, field, f.Message)
		if f.Hint != "" {
			fmt.Fprintf(out, "        hint: %s\n", f.Hint)
		}
	}
	fmt.Fprintf(out, "%d error(s), %d warning(s)\n", r.Errors, r.Warnings)
}
