//go:build race

package middleware_test

// raceAllocSlack is how many allocations the race detector may add to a
// measured operation: under it, sync.Pool drops items at random, so the
// allocation bounds hold only up to this slack.
const raceAllocSlack = 8
