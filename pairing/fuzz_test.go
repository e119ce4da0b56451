package pairing_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosellsync/cosell/pairing"
)

// FuzzParse checks that no input makes Parse panic, and that every rejection carries problems placed
// inside the file. `go test` runs the seeds (the examples and every broken file); `go test -fuzz
// FuzzParse ./pairing` explores further.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/broken/*.yaml")
	examples, _ := filepath.Glob("../examples/*/pairing.yaml")
	for _, path := range append(seeds, examples...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version: 1\npartners: *x\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("version: 1\npartners: &p\n  <<: *p\n  a:\n    <<: *p\n"))
	f.Add([]byte("version: 1\npartners:\n  a:\n    <<: [1, {name: x}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := pairing.Parse("f.yaml", data)
		if err == nil {
			if p == nil || p.ID == "" || len(p.Fields) == 0 {
				t.Fatalf("accepted an incomplete pairing: %+v", p)
			}
			return
		}
		var ps *pairing.Problems
		if !errors.As(err, &ps) || len(ps.List) == 0 {
			t.Fatalf("want problems, got %v", err)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, pr := range ps.List {
			if pr.Line < 0 || pr.Line > lines+1 || pr.Message == "" {
				t.Fatalf("problem outside the file (%d lines): %s", lines, pr)
			}
		}
	})
}
