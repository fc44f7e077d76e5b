//go:build !race

package middleware_test

// raceAllocSlack is zero without the race detector: allocation bounds are
// exact.
const raceAllocSlack = 0
