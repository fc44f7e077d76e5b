package sessiontest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/middleware/sessiontest"
	"github.com/jwtsession/jwtsession/session"
)

// A resource server that accepts DPoP-bound tokens, tested with a
// ProofKey: a request with a fresh proof passes; the same proof again,
// and the bound token sent as a bearer token, do not.
func ExampleProofKey() {
	t := &testing.T{} // in a test, the *testing.T it is given

	iss := sessiontest.NewIssuer(t, "HS256", session.Options{})
	auth, err := middleware.New(iss.Manager, middleware.Options{
		DPoP: middleware.DPoPOptions{PublicURL: "https://api.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := auth.Authenticate(http.HandlerFunc(greet))

	key := sessiontest.NewProofKey(t, "ES256")
	tok, err := iss.Manager.IssueBound(context.Background(), "123", key.Thumbprint(), nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			fmt.Println(rec.Code, rec.Body)
			return
		}
		var body struct{ Error string }
		json.Unmarshal(rec.Body.Bytes(), &body)
		fmt.Println(rec.Code, body.Error)
	}

	req := httptest.NewRequest("GET", "https://api.example/orders?page=2", nil)
	key.Sign(req, tok.Value, sessiontest.WithIssuedAt(iss.Now())) // Authorization: DPoP <token>, DPoP: <proof>
	send(req)
	send(req) // the same proof again

	req = httptest.NewRequest("GET", "https://api.example/orders", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Value)
	send(req)

	// Output:
	// 200 hello 123
	// 401 invalid_dpop_proof
	// 401 invalid_token
}
