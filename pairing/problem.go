package pairing

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a pairing file, placed at the line and column an admin has to edit, so
// that an editor or CI log can jump straight to it.
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem concerns the file as a whole
	Column  int // 1-based; 0 when only the line is known (YAML syntax errors)
	Message string
	// Hint says how to fix it, when there is more to say than the message.
	Hint string
}

// String renders the problem the way compilers do (file:line:col: message), which editors and CI
// annotations understand, with the hint on an indented line below.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString("\n    hint: ")
		b.WriteString(p.Hint)
	}
	return b.String()
}

// Problems is the error Load and Parse return for a file that is not a valid pairing. It lists every
// problem found, not just the first, so an admin fixes a file in one round instead of one per CI run.
type Problems struct {
	List []Problem
}

// Error lists every problem, one per line (hints indented below), in file order.
func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems as they appear in the file, so the list reads top to bottom.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Column < ps[j].Column
	})
}
