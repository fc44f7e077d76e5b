package middleware_test

import (
	"errors"
	"testing"

	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
)

// TestDPoPParserCauses: a proof that the parser refuses is answered as
// invalid_dpop_proof, and its cause, for logs, says in this package's
// name what the parser found wrong.
func TestDPoPParserCauses(t *testing.T) {
	const refresh = publicURL + "/refresh"
	d := newDPoPFixture(t, middleware.Options{})
	good := d.proof(t, d.client, "POST", refresh, "", nil)
	tests := []struct {
		name, proof, want string
	}{
		{"two parts", "a.b", "token is not a compact JWS with three parts"},
		{"typ JWT", testkit.SignJWS(t, "ES256", d.client.Key, `{"typ":"JWT","alg":"ES256"}`, `{}`), "proof typ is not dpop+jwt"},
		{"signature altered", good[:len(good)-4] + "AAAA", "signature does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.auth.Proof(dpopRequest("POST", refresh, "", tt.proof))
			var e *middleware.Error
			if !errors.As(err, &e) || e.Code != "invalid_dpop_proof" || e.Err == nil {
				t.Fatalf("got %v, want an invalid_dpop_proof *Error with a cause", err)
			}
			if got, want := e.Err.Error(), "middleware: invalid DPoP proof: "+tt.want; got != want {
				t.Errorf("got cause %q, want %q", got, want)
			}
		})
	}
}
