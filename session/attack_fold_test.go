package session_test

import (
	"testing"

	"github.com/jwtsession/jwtsession/session"
)

// TestAttackFoldedClaimNames smuggles a claim past the strict decoder
// under a name that only Unicode case folding makes equal to a registered
// or configured one: U+017F (ſ) folds to s, U+212A (KELVIN SIGN) to k,
// U+1E9E (ẞ) to ß. The application's own decoder (encoding/json on a
// struct) would read it as the claim, next to or instead of the value the
// library checked.
func TestAttackFoldedClaimNames(t *testing.T) {
	sub := session.Options{UserIDClaim: "sub"}
	userKey := session.Options{UserIDClaim: "user_key"}
	strasse := session.Options{UserIDClaim: "straße"}
	tests := []struct {
		name    string
		opts    session.Options
		payload string
		want    error
	}{
		{name: "control: application claim", payload: withClaims(`,"role":"user"`)},
		{name: "control: long s alone", payload: withClaims(`,"ſ":1`)},
		{name: "control: empty name", payload: withClaims(`,"":1`)},
		{name: "control: empty name under a custom user id claim", opts: userKey, payload: `{"user_key":"alice","":1,"exp":` + expSoon + `}`},
		{name: "control: long s that folds to no claim", payload: withClaims(`,"ſubs":1`)},
		{name: "control: dotless i does not fold to i", payload: withClaims(`,"ıss":"x"`)},
		{name: "control: full case folding is not simple folding", opts: strasse, payload: `{"straße":"u","STRASSE":"admin","exp":` + expSoon + `}`},
		{name: "long s sub next to the sub user id", opts: sub, payload: `{"sub":"alice","ſub":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "long s sub instead of the sub user id", opts: sub, payload: `{"ſub":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "escaped long s sub next to the sub user id", opts: sub, payload: `{"sub":"alice","\u017fub":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "long s sub beside the user_id user id", payload: withClaims(`,"ſub":"admin"`), want: session.ErrInvalid},
		{name: "long s user_id next to user_id", payload: withClaims(`,"uſer_id":"admin"`), want: session.ErrInvalid},
		{name: "escaped long s in upper-case hex", payload: withClaims(`,"u\u017Fer_id":"admin"`), want: session.ErrInvalid},
		{name: "long s sid", payload: withClaims(`,"ſid":"other-session"`), want: session.ErrInvalid},
		{name: "long s iss", payload: withClaims(`,"iſſ":"https://evil.test"`), want: session.ErrInvalid},
		{name: "Kelvin sign in a custom user id claim", opts: userKey, payload: `{"user_key":"alice","user_\u212aey":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "Kelvin sign and long s in a custom user id claim", opts: userKey, payload: `{"user_key":"alice","uſer_Key":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "ASCII spelling of a custom user id claim with a long s", opts: session.Options{UserIDClaim: "ſtatus"}, payload: `{"ſtatus":"alice","status":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "capital sharp s in a custom user id claim", opts: strasse, payload: `{"straße":"alice","STRAẞE":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
		{name: "escaped capital sharp s in a custom user id claim", opts: strasse, payload: `{"straße":"alice","stra\u1e9ee":"admin","exp":` + expSoon + `}`, want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyPayload(t, tt.payload, tt.opts)
			checkOnly(t, err, tt.want)
		})
	}
}

// TestAttackFoldedHeaderNames is TestAttackFoldedClaimNames on the
// protected header: a member that folds to kid, jku, jwk or x5t#S256 is
// read as that member by a case-insensitive decoder.
func TestAttackFoldedHeaderNames(t *testing.T) {
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{name: "control: header with typ", header: `{"alg":"HS256","typ":"JWT"}`},
		{name: "control: unregistered non-ASCII member", header: `{"alg":"HS256","ſ":1}`},
		{name: "Kelvin sign kid", header: `{"alg":"HS256","Kid":"other"}`, want: session.ErrInvalid},
		{name: "escaped Kelvin sign kid", header: `{"alg":"HS256","\u212aid":"other"}`, want: session.ErrInvalid},
		{name: "Kelvin sign jku", header: `{"alg":"HS256","jKu":"http://127.0.0.1:1/"}`, want: session.ErrInvalid},
		{name: "Kelvin sign jwk", header: `{"alg":"HS256","jwK":{"kty":"oct","k":"AAAA"}}`, want: session.ErrInvalid},
		{name: "long s x5t#S256", header: `{"alg":"HS256","x5t#ſ256":"AAAA"}`, want: session.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(m, signToken(secret, tt.header, validPayload))
			checkOnly(t, err, tt.want)
		})
	}
}
