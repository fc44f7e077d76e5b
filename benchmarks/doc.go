// Package benchmarks measures jwtsession side by side with the JWT
// middleware Go developers would otherwise pick, on the same tokens and the
// same checks. It is a separate module so that the peers never enter the
// library's go.mod.
//
//	./compare.sh          # the table and chart in the README
//	./loadtest.sh         # wrk against examples/basic: /me vs /healthz, in memory and with Redis
package benchmarks
