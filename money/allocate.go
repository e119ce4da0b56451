package money

import (
	"errors"
	"fmt"
	"slices"
)

// Allocate splits total minor units into parts proportional to weights by the largest-remainder
// method, so that the parts sum to total exactly: each part gets the whole minor units of its exact
// share, and the units left over go one each to the parts with the largest remainders. Parts whose
// remainders are equal are ranked by priority: a lower priority value comes first (callers pass a
// stable order, such as the primary partner first), then by position. The result depends only on the
// arguments, never on map order or floating point.
//
// total and every weight must be at least 0, priority must be as long as weights (or nil for position
// order), and the weights must not all be 0.
func Allocate(total int64, weights []int64, priority []int) ([]int64, error) {
	if total < 0 {
		return nil, fmt.Errorf("allocate %d: a negative total cannot be split", total)
	}
	if priority != nil && len(priority) != len(weights) {
		return nil, fmt.Errorf("allocate: %d priorities for %d weights", len(priority), len(weights))
	}
	var sum uint64
	for _, w := range weights {
		if w < 0 {
			return nil, fmt.Errorf("allocate: negative weight %d", w)
		}
		if sum+uint64(w) < sum {
			return nil, errors.New("allocate: the weights overflow")
		}
		sum += uint64(w)
	}
	if sum == 0 {
		return nil, errors.New("allocate: every weight is 0, so there is nothing to split by")
	}
	parts := make([]int64, len(weights))
	rems := make([]uint64, len(weights))
	left := total
	for i, w := range weights {
		q, rem := mulDiv(uint64(total), uint64(w), sum) // q ≤ total, since w ≤ sum
		parts[i], rems[i] = int64(q), rem
		left -= int64(q)
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case rems[i] != rems[j]:
			if rems[i] > rems[j] {
				return -1
			}
			return 1
		case priority != nil && priority[i] != priority[j]:
			return priority[i] - priority[j]
		}
		return i - j
	})
	// left < len(weights): each floor loses less than one unit.
	for k := int64(0); k < left; k++ {
		parts[order[k]]++
	}
	return parts, nil
}
