package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/cosellsync/cosell/pairing"
)

// runMappingValidate checks each pairing file and prints every problem; it fails (exit 2) when any file
// has one, so CI can gate a pairing change.
func runMappingValidate(files []string, out io.Writer) error {
	if len(files) == 0 {
		return usageError("usage: cosell mapping validate FILE...")
	}
	bad := 0
	for _, f := range files {
		p, err := pairing.Load(f)
		if err != nil {
			bad++
			var ps *pairing.Problems
			if errors.As(err, &ps) {
				fmt.Fprintln(out, ps.Error())
			} else {
				fmt.Fprintf(out, "%s: %v\n", f, err)
			}
			continue
		}
		fmt.Fprintf(out, "%s: ok (pairing %s, %s on %s ↔ %s on %s, %d fields)\n", f, p.ID, p.A.Name, p.A.CRM, p.B.Name, p.B.CRM, len(p.Fields))
	}
	if bad > 0 {
		return configError(fmt.Errorf("%d of %d pairing files have problems", bad, len(files)))
	}
	return nil
}
