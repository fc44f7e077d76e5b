package session

import "testing"

// BenchmarkDecodeClaims decodes claims objects carrying application claims,
// whose names are checked against the registered ones and the user id
// claim under Unicode case folding.
func BenchmarkDecodeClaims(b *testing.B) {
	const head = `{"user_id":"123","sid":"Zm9vYmFyYmF6cXV4","auth_time":1700000000,"iat":1700000000,"exp":1700001800,"jti":"cXV4YmF6YmFyZm9v"`
	for _, bc := range []struct{ name, payload string }{
		{"registered only", head + `}`},
		{"ASCII application names", head + `,"plan":3,"role":"admin","scope":"read write","tenant":"acme"}`},
		{"non-ASCII application names", head + `,"größe":3,"rôle":"admin","ſcope":"read write","ténant":"acme"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := decodeClaims(bc.payload, defaultUserIDClaim); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeClaims(bc.payload, defaultUserIDClaim); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
