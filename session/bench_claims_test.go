package session_test

import "testing"

// BenchmarkVerifyHS256AppClaims verifies a token that carries application
// claims next to the registered ones, so every application claim name goes
// through the checks against registered names.
func BenchmarkVerifyHS256AppClaims(b *testing.B) {
	m := benchManager(b)
	tok := issue(b, m, "123", map[string]any{"role": "admin", "tenant": "acme", "scope": "read write", "plan": 3}).Value
	mustVerify(b, m, tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := verify(m, tok); err != nil {
			b.Fatal(err)
		}
	}
}
