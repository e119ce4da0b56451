package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/cosellsync/cosell/pairing"
)

// runMappingValidate checks each pairing file and prints every problem; it fails (exit 2) when any file
// has one, so CI can gate a pairing change. Files are also checked together, as a worker serving them
// from one directory would (pairing.CheckShared, in the order given): one id each, and pairings that
// share a connection agreeing on it, so `cosell mapping validate pairings/*.yaml` tells what the worker
// would refuse (but for credentials, which only the worker's environment holds).
func runMappingValidate(files []string, out io.Writer) error {
	if len(files) == 0 {
		return usageError("usage: cosell mapping validate FILE...")
	}
	bad := 0
	var valid []*pairing.Pairing
	for _, f := range files {
		p, err := pairing.Load(f)
		if err == nil {
			if shared := pairing.CheckShared(p, valid); len(shared) > 0 {
				err = &pairing.Problems{List: shared}
			}
		}
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
		valid = append(valid, p)
		fmt.Fprintf(out, "%s: ok (pairing %s, %s on %s ↔ %s on %s, %d fields)\n", f, p.ID, p.A.Name, p.A.CRM, p.B.Name, p.B.CRM, len(p.Fields))
	}
	if bad > 0 {
		return configError(fmt.Errorf("%d of %d pairing files have problems", bad, len(files)))
	}
	return nil
}
