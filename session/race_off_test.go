//go:build !race

package session_test

// raceAllocSlack is zero without the race detector: allocation bounds are
// exact.
const raceAllocSlack = 0
