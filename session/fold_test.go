package session_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/jwtsession/jwtsession/session"
)

// Go decoders match JSON member names to struct fields with Unicode case
// folding (bytes.EqualFold): encoding/json reads "ſub" (U+017F) as a field
// tagged "sub", and "\u212aid" (KELVIN SIGN) as "kid". The tests here hold
// the library to that reader: no member name it lets through may be read
// by encoding/json as a registered claim, or as the configured user id
// claim, under a name other than the exact one.

// registeredClaims are the claim names the library interprets.
var registeredClaims = []string{"exp", "iat", "nbf", "jti", "sid", "auth_time", "iss", "aud", "sub", "user_id"}

// foldUserIDClaims are the user id claim names the property runs under:
// the default, the usual alternative, and application names whose letters
// have fold partners of another length in UTF-8 (k, s, ß, and ſ itself).
var foldUserIDClaims = []string{"user_id", "sub", "account_key", "straße", "ſtatus"}

const (
	foldIssuer   = "https://issuer.test"
	foldAudience = "api"
	// foldMarker is the value of the member under test, which no other
	// member of the claims carries.
	foldMarker = `"probe-4f1c"`
)

// foldTarget is a Manager under one user id claim with its oracle: a
// struct type with one json.RawMessage field per interpreted claim name,
// tagged with that name.
type foldTarget struct {
	userIDClaim string
	secret      []byte
	m           *session.Manager
	tags        []string
	typ         reflect.Type
	// prefix is a complete valid claims object without its closing brace.
	prefix string
}

func newFoldTarget(t testing.TB, userIDClaim string) *foldTarget {
	t.Helper()
	tags := append([]string(nil), registeredClaims...)
	if !containsString(tags, userIDClaim) {
		tags = append(tags, userIDClaim)
	}
	fields := make([]reflect.StructField, len(tags))
	for i, tag := range tags {
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: reflect.TypeFor[json.RawMessage](),
			Tag:  reflect.StructTag(`json:"` + tag + `"`),
		}
	}
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{UserIDClaim: userIDClaim, Issuer: foldIssuer, Audience: []string{foldAudience}})
	// Every interpreted claim the user id claim leaves free is present,
	// each with a value of its own, so a folded name lands next to the
	// exact one wherever that is possible.
	var b strings.Builder
	b.WriteString("{")
	b.Write(appendQuoted(nil, userIDClaim))
	b.WriteString(`:"u"`)
	fmt.Fprintf(&b, `,"exp":%s,"iat":%s,"nbf":%s,"auth_time":%s`,
		unix(t0.Add(time.Hour)), unix(t0.Add(-time.Minute)), unix(t0.Add(-2*time.Minute)), unix(t0.Add(-3*time.Minute)))
	fmt.Fprintf(&b, `,"jti":"j","sid":"s","iss":%q,"aud":%q`, foldIssuer, foldAudience)
	if userIDClaim != "sub" {
		b.WriteString(`,"sub":"other"`)
	}
	return &foldTarget{userIDClaim: userIDClaim, secret: secret, m: m, tags: tags, typ: reflect.StructOf(fields), prefix: b.String()}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// probe appends the member nameJSON (a JSON string, as spelled on the
// wire) with the marker value to the valid claims, signs and verifies the
// token, and, when the library accepts it, fails the test if encoding/json
// fills a field from that member under any tag but its exact name. It
// reports whether the token was accepted.
func (ft *foldTarget) probe(t testing.TB, nameJSON string) bool {
	t.Helper()
	var name string
	if err := json.Unmarshal([]byte(nameJSON), &name); err != nil {
		t.Fatalf("member name %s is not a JSON string: %v", nameJSON, err)
	}
	payload := ft.prefix + "," + nameJSON + ":" + foldMarker + "}"
	c, err := verify(ft.m, signToken(ft.secret, hs256Header, payload))
	if err != nil {
		return false
	}
	v := reflect.New(ft.typ)
	if err := json.Unmarshal([]byte(payload), v.Interface()); err != nil {
		t.Fatalf("accepted claims %s that encoding/json cannot decode into the claim struct: %v", payload, err)
	}
	for i, tag := range ft.tags {
		if string(v.Elem().Field(i).Interface().(json.RawMessage)) == foldMarker && name != tag {
			t.Fatalf("user id claim %q: accepted member %s (%q), which encoding/json reads as the claim %q",
				ft.userIDClaim, nameJSON, name, tag)
		}
	}
	if _, inExtra := c.Claim(name); !inExtra && !containsString(ft.tags, name) {
		t.Fatalf("user id claim %q: accepted member %s (%q) is missing from Extra", ft.userIDClaim, nameJSON, name)
	}
	return true
}

// foldOrbit returns every rune that simple case folding makes equal to r,
// r first.
func foldOrbit(r rune) []rune {
	orbit := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		orbit = append(orbit, f)
	}
	return orbit
}

// foldVariants returns spellings of name that fold to it, name itself
// excluded: every single-rune substitution from each rune's fold orbit,
// and then combinations, all of them when there are at most limit, else
// limit drawn at random.
func foldVariants(name string, limit int, rng *rand.Rand) []string {
	runes := []rune(name)
	orbits := make([][]rune, len(runes))
	total := 1
	for i, r := range runes {
		orbits[i] = foldOrbit(r)
		if total <= limit {
			total *= len(orbits[i])
		}
	}
	seen := map[string]bool{name: true}
	var out []string
	add := func(rs []rune) {
		if s := string(rs); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i := range runes {
		for _, f := range orbits[i][1:] {
			rs := append([]rune(nil), runes...)
			rs[i] = f
			add(rs)
		}
	}
	rs := make([]rune, len(runes))
	if total <= limit {
		for n := range total {
			for i := range runes {
				rs[i] = orbits[i][n%len(orbits[i])]
				n /= len(orbits[i])
			}
			add(rs)
		}
		return out
	}
	for range limit {
		for i := range runes {
			rs[i] = orbits[i][rng.IntN(len(orbits[i]))]
		}
		add(rs)
	}
	return out
}

// jsonSpellings returns JSON string spellings of name: as is, with every
// non-ASCII rune escaped, and with every rune escaped in upper-case hex.
func jsonSpellings(name string) []string {
	escape := func(all bool, hex string) string {
		var b strings.Builder
		b.WriteByte('"')
		for _, r := range name {
			if !all && r < utf8.RuneSelf {
				b.WriteRune(r)
				continue
			}
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(&b, `\u`+hex+`\u`+hex, r1, r2)
				continue
			}
			fmt.Fprintf(&b, `\u`+hex, r)
		}
		b.WriteByte('"')
		return b.String()
	}
	return []string{string(appendQuoted(nil, name)), escape(false, "%04x"), escape(true, "%04X")}
}

// foldAlphabet is what random names are drawn from: ASCII letters and
// digits, and runes with interesting fold orbits (long s, Kelvin sign,
// sharp s, dotted and dotless i, final sigma, micro sign).
var foldAlphabet = []rune("abcdeijklmnpstuyABDEIJKLMSTU_0123456789ſKßẞıİσςΣµΜ-é")

// randomName returns a name that is either drawn from foldAlphabet or a
// mutation of one of names.
func randomName(rng *rand.Rand, names []string) string {
	pick := func() rune { return foldAlphabet[rng.IntN(len(foldAlphabet))] }
	if rng.IntN(2) == 0 {
		rs := make([]rune, 1+rng.IntN(10))
		for i := range rs {
			rs[i] = pick()
		}
		return string(rs)
	}
	rs := []rune(names[rng.IntN(len(names))])
	i := rng.IntN(len(rs))
	switch rng.IntN(4) {
	case 0: // a rune from the fold orbit
		orbit := foldOrbit(rs[i])
		rs[i] = orbit[rng.IntN(len(orbit))]
	case 1:
		rs[i] = pick()
	case 2:
		rs = append(rs[:i], append([]rune{pick()}, rs[i:]...)...)
	default:
		rs = append(rs[:i], rs[i+1:]...)
	}
	return string(rs)
}

// TestClaimNamesAgreeWithEncodingJSON is the differential property: for
// each user id claim, every fold variant of every interpreted name, in
// several JSON spellings, and random names around them, is put next to
// valid claims; whatever the library accepts, encoding/json must not read
// as an interpreted claim under another name.
func TestClaimNamesAgreeWithEncodingJSON(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, uid := range foldUserIDClaims {
		t.Run(uid, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0))
			ft := newFoldTarget(t, uid)
			if !ft.probe(t, `"role"`) {
				t.Fatalf("control: the application claim \"role\" was rejected, want it accepted")
			}
			variants, accepted := 0, 0
			for _, tag := range ft.tags {
				for _, v := range foldVariants(tag, 512, rng) {
					for _, spelled := range jsonSpellings(v) {
						variants++
						if ft.probe(t, spelled) {
							accepted++
						}
					}
				}
			}
			if variants < 3*len(ft.tags) {
				t.Fatalf("generated %d fold variants, want at least %d", variants, 3*len(ft.tags))
			}
			randoms := 0
			for range 3000 {
				if ft.probe(t, string(appendQuoted(nil, randomName(rng, ft.tags)))) {
					randoms++
				}
			}
			// Random names are mostly application names, so most must
			// pass; if none did, the property above held vacuously.
			if randoms < 1000 {
				t.Fatalf("accepted %d of 3000 random names, want most of them", randoms)
			}
			t.Logf("%d fold variants, %d accepted; %d of 3000 random names accepted", variants, accepted, randoms)
		})
	}
}

// FuzzClaimName puts an arbitrary JSON string as a member name next to
// valid claims, under one of the user id claims, and checks the property
// of TestClaimNamesAgreeWithEncodingJSON.
func FuzzClaimName(f *testing.F) {
	targets := make([]*foldTarget, len(foldUserIDClaims))
	for i, uid := range foldUserIDClaims {
		targets[i] = newFoldTarget(f, uid)
	}
	f.Add(`"role"`, uint(0))
	f.Add(`"ſub"`, uint(0))
	f.Add(`"\u017fid"`, uint(1))
	f.Add(`"account_\u212aey"`, uint(2))
	f.Add(`"STRASSE"`, uint(3))
	f.Add(`"status"`, uint(4))
	f.Fuzz(func(t *testing.T, nameJSON string, sel uint) {
		var name string
		if json.Unmarshal([]byte(nameJSON), &name) != nil || !json.Valid([]byte(nameJSON)) || nameJSON[0] != '"' {
			return // not exactly one JSON string
		}
		targets[sel%uint(len(targets))].probe(t, nameJSON)
	})
}

// TestIssueRefusesFoldedClaimNames checks that Issue writes no application
// claim that encoding/json would read as a registered claim or as the user
// id claim.
func TestIssueRefusesFoldedClaimNames(t *testing.T) {
	tests := []struct {
		name        string
		userIDClaim string
		claim       string
		refused     bool
	}{
		{name: "application claim", claim: "role"},
		{name: "long s alone", claim: "ſ"},
		{name: "dotless i", claim: "ıss"},
		{name: "full case folding", userIDClaim: "straße", claim: "STRASSE"},
		{name: "ASCII case variant", claim: "SUB", refused: true},
		{name: "long s sub", claim: "ſub", refused: true},
		{name: "long s sid", claim: "ſid", refused: true},
		{name: "long s iss", claim: "iſſ", refused: true},
		{name: "long s user_id", claim: "uſer_id", refused: true},
		{name: "long s sub under the sub user id", userIDClaim: "sub", claim: "ſub", refused: true},
		{name: "Kelvin sign in the user id claim", userIDClaim: "user_key", claim: "user_\u212aey", refused: true},
		{name: "capital sharp s in the user id claim", userIDClaim: "straße", claim: "STRA\u1e9eE", refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, newSecret(t), newClock(t0), session.Options{UserIDClaim: tt.userIDClaim})
			tok, err := m.Issue(t.Context(), "alice", map[string]any{tt.claim: "admin"})
			switch {
			case tt.refused && err == nil:
				t.Fatalf("Issue with claim %q: got a token, want an error", tt.claim)
			case tt.refused && !strings.Contains(err.Error(), "registered claim name"):
				t.Fatalf("Issue with claim %q: got error %q, want one that names the registered claim names", tt.claim, err)
			case !tt.refused && err != nil:
				t.Fatalf("Issue with claim %q: got error %v, want a token", tt.claim, err)
			case !tt.refused:
				if raw, _ := mustVerify(t, m, tok.Value).Claim(tt.claim); raw != `"admin"` {
					t.Fatalf("Claim(%q): got %s, want \"admin\"", tt.claim, raw)
				}
			}
		})
	}
}

// TestNewRefusesFoldedUserIDClaim checks that the user id claim cannot be
// a registered claim under Unicode case folding either.
func TestNewRefusesFoldedUserIDClaim(t *testing.T) {
	tests := []struct {
		name    string
		claim   string
		refused bool
	}{
		{name: "user_id", claim: "user_id"},
		{name: "sub", claim: "sub"},
		{name: "application name", claim: "uid"},
		{name: "ASCII case variant of sid", claim: "SID", refused: true},
		{name: "long s sid", claim: "ſid", refused: true},
		{name: "long s sub", claim: "ſub", refused: true},
		{name: "long s user_id", claim: "uſer_id", refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := session.New(session.HS256(newSecret(t)), session.Options{UserIDClaim: tt.claim})
			switch {
			case tt.refused && err == nil:
				t.Fatalf("New with user id claim %q: got no error, want one", tt.claim)
			case tt.refused && !strings.Contains(err.Error(), "registered claim"):
				t.Fatalf("New with user id claim %q: got error %q, want one that says it is a registered claim", tt.claim, err)
			case !tt.refused && err != nil:
				t.Fatalf("New with user id claim %q: got error %v, want none", tt.claim, err)
			}
		})
	}
}

// headerParameterNames are the registered JWS and JWE header parameters.
var headerParameterNames = []string{"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "b64", "enc", "zip"}

// TestHeaderNamesAgreeWithEncodingJSON is the differential property of
// TestClaimNamesAgreeWithEncodingJSON on the protected header: no member
// the library accepts may be read by encoding/json as a registered header
// parameter under a name other than the exact one.
func TestHeaderNamesAgreeWithEncodingJSON(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	fields := make([]reflect.StructField, len(headerParameterNames))
	for i, tag := range headerParameterNames {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[json.RawMessage](), Tag: reflect.StructTag(`json:"` + tag + `"`)}
	}
	typ := reflect.StructOf(fields)
	secret := newSecret(t)
	m := newManager(t, secret, newClock(t0), session.Options{})
	probe := func(nameJSON string) bool {
		var name string
		if err := json.Unmarshal([]byte(nameJSON), &name); err != nil {
			t.Fatalf("member name %s is not a JSON string: %v", nameJSON, err)
		}
		header := `{"alg":"HS256","typ":"JWT",` + nameJSON + `:` + foldMarker + `}`
		if _, err := verify(m, signToken(secret, header, validPayload)); err != nil {
			return false
		}
		v := reflect.New(typ)
		if err := json.Unmarshal([]byte(header), v.Interface()); err != nil {
			t.Fatalf("accepted header %s that encoding/json cannot decode into the header struct: %v", header, err)
		}
		for i, tag := range headerParameterNames {
			if string(v.Elem().Field(i).Interface().(json.RawMessage)) == foldMarker && name != tag {
				t.Fatalf("accepted header member %s (%q), which encoding/json reads as %q", nameJSON, name, tag)
			}
		}
		return true
	}
	if !probe(`"x-app"`) {
		t.Fatalf("control: the header member \"x-app\" was rejected, want it accepted")
	}
	variants := 0
	for _, p := range headerParameterNames {
		for _, v := range foldVariants(p, 256, rng) {
			for _, spelled := range jsonSpellings(v) {
				variants++
				if probe(spelled) {
					t.Fatalf("accepted header member %s, a fold variant of %q", spelled, p)
				}
			}
		}
	}
	accepted := 0
	for range 2000 {
		if probe(string(appendQuoted(nil, randomName(rng, headerParameterNames)))) {
			accepted++
		}
	}
	if accepted < 500 {
		t.Fatalf("accepted %d of 2000 random header member names, want most of them", accepted)
	}
	t.Logf("%d fold variants rejected; %d of 2000 random names accepted", variants, accepted)
}
