package session_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// Cross-library checks. Tokens made by PyJWT (Debian's python3-jwt) and
// by the npm packages jose and jsonwebtoken must verify here when valid
// and fail when not; tokens this library issues must verify there. What
// the other libraries produced is committed under testdata/crosslib, so
// that go test needs neither Python nor Node; testdata/crosslib/README.md
// says how to make it again. Everything is signed with a throwaway secret
// at a pinned instant.

var updateCrosslib = flag.Bool("crosslib.update", false, "rewrite testdata/crosslib/ours.json with freshly issued tokens")

const (
	crosslibDir = "testdata/crosslib"
	// crosslibSecret is a throwaway HS256 secret used for nothing but the
	// committed cross-library tokens.
	crosslibSecret = "crosslib-throwaway-test-secret-0123456789"
	crosslibIssuer = "https://issuer.test"
	crosslibAud    = "api"
)

// crosslibNow is the pinned instant every cross-library token is made and
// verified at.
var crosslibNow = time.Unix(1_750_000_000, 0)

// crosslibCase is a token with how this library must treat it. It is the
// shape of both ours.json (tokens we issued, for the others to verify)
// and the "tokens" of the others' files (tokens they made, for us).
type crosslibCase struct {
	Name  string `json:"name"`
	Token string `json:"token"`
	// Expect is "ok", "invalid", "expired" or "not_yet_valid".
	Expect string `json:"expect"`
	// Config selects the Manager: "" (plain), "iss_aud", "sub", "kid".
	Config string `json:"config,omitempty"`
	// UserID is the user id an accepted token yields.
	UserID string `json:"user_id,omitempty"`
	// At is the verification time; 0 means crosslibNow.
	At int64 `json:"at,omitempty"`
}

// crosslibFile is what ours.json and each library's file hold.
type crosslibFile struct {
	Library string         `json:"library"`
	Version string         `json:"version"`
	Secret  string         `json:"secret"`
	Now     int64          `json:"now"`
	Issuer  string         `json:"issuer"`
	Aud     string         `json:"audience"`
	Tokens  []crosslibCase `json:"tokens"`
	// Verified is the other library's verdict on each token of ours.json.
	Verified []struct {
		Name     string         `json:"name"`
		Token    string         `json:"token"`
		Accepted bool           `json:"accepted"`
		Claims   map[string]any `json:"claims"`
		Error    string         `json:"error"`
	} `json:"verified"`
}

// crosslibManager returns the Manager that config names.
func crosslibManager(t *testing.T, config string, at time.Time) *session.Manager {
	t.Helper()
	clock := func() time.Time { return at }
	key := session.HS256([]byte(crosslibSecret))
	opts := session.Options{Clock: clock}
	switch config {
	case "":
	case "iss_aud":
		opts.Issuer, opts.Audience = crosslibIssuer, []string{crosslibAud}
	case "sub":
		opts.UserIDClaim = "sub"
	case "kid":
		key = key.WithID("k1")
	default:
		t.Fatalf("unknown config %q", config)
	}
	m, err := session.New(key, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

var crosslibErrors = map[string]error{
	"ok": nil, "invalid": session.ErrInvalid, "expired": session.ErrExpired, "not_yet_valid": session.ErrNotYetValid,
}

// checkCrosslibCase verifies one token with this library.
func checkCrosslibCase(t *testing.T, tc crosslibCase) {
	t.Helper()
	want, ok := crosslibErrors[tc.Expect]
	if !ok {
		t.Fatalf("unknown expectation %q", tc.Expect)
	}
	at := crosslibNow
	if tc.At != 0 {
		at = time.Unix(tc.At, 0)
	}
	m := crosslibManager(t, tc.Config, at)
	c, err := m.Verify(context.Background(), tc.Token)
	checkOnly(t, err, want)
	if err != nil {
		return
	}
	if c.UserID != tc.UserID {
		t.Fatalf("UserID: got %q, want %q", c.UserID, tc.UserID)
	}
	// Tampering: one flipped bit in any decoded part is rejected.
	parts := strings.Split(tc.Token, ".")
	for p := range parts {
		raw, err := base64.RawURLEncoding.DecodeString(parts[p])
		if err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
		for bit := 0; bit < 8*len(raw); bit += 7 {
			mut := bytes.Clone(raw)
			mut[bit/8] ^= 1 << (bit % 8)
			q := append([]string(nil), parts...)
			q[p] = base64.RawURLEncoding.EncodeToString(mut)
			if _, err := m.Verify(context.Background(), strings.Join(q, ".")); !errorsIsInvalid(err) {
				t.Fatalf("part %d bit %d flipped: got %v, want ErrInvalid", p, bit, err)
			}
		}
	}
}

// oursCases issues this library's tokens for the other libraries, and
// derives the tampered ones they must reject.
func oursCases(t *testing.T) []crosslibCase {
	t.Helper()
	ctx := context.Background()
	var cases []crosslibCase
	add := func(name, config string, tok *session.Token) {
		cases = append(cases, crosslibCase{Name: name, Token: tok.Value, Expect: "ok", Config: config, UserID: tok.Claims.UserID})
	}
	plain := crosslibManager(t, "", crosslibNow)
	first, err := plain.Issue(ctx, "123", map[string]any{"role": "admin", "n": 7})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	add("ours_valid", "", first)
	for _, config := range []string{"iss_aud", "kid"} {
		tok, err := crosslibManager(t, config, crosslibNow).Issue(ctx, "ünïcødé \"u\"", nil)
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		add("ours_valid_"+config, config, tok)
	}
	renewed, err := crosslibManager(t, "", crosslibNow.Add(25*time.Minute)).Refresh(ctx, first.Value)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	cases = append(cases, crosslibCase{Name: "ours_valid_renewed", Token: renewed.Value, Expect: "ok", UserID: "123", At: crosslibNow.Add(25 * time.Minute).Unix()})

	parts := strings.Split(first.Value, ".")
	flip := func(i int) string {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[i])
		raw[len(raw)/2] ^= 1
		q := append([]string(nil), parts...)
		q[i] = base64.RawURLEncoding.EncodeToString(raw)
		return strings.Join(q, ".")
	}
	tampered := []crosslibCase{
		{Name: "ours_tampered_header", Token: flip(0)},
		{Name: "ours_tampered_payload", Token: flip(1)},
		{Name: "ours_tampered_signature", Token: flip(2)},
		{Name: "ours_alg_none", Token: b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "."},
		{Name: "ours_alg_hs512_same_signature", Token: b64(`{"alg":"HS512","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]},
		{Name: "ours_payload_swapped", Token: parts[0] + "." + b64(`{"user_id":"admin","exp":`+unix(crosslibNow.Add(time.Hour))+`}`) + "." + parts[2]},
	}
	for _, tc := range tampered {
		tc.Expect = "invalid"
		cases = append(cases, tc)
	}
	cases = append(cases, crosslibCase{Name: "ours_expired", Token: first.Value, Expect: "expired", At: first.Claims.ExpiresAt.Unix()})
	return cases
}

func readCrosslib(t *testing.T, name string) crosslibFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(crosslibDir, name))
	if err != nil {
		t.Fatalf("read %s: %v (see %s/README.md)", name, err, crosslibDir)
	}
	var f crosslibFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

// TestCrossLibOurs checks ours.json: the tokens this library issued for
// the other libraries still verify here as recorded. With
// -crosslib.update it writes a new ours.json (then run the generators).
func TestCrossLibOurs(t *testing.T) {
	if *updateCrosslib {
		f := crosslibFile{Library: "jwtsession", Secret: crosslibSecret, Now: crosslibNow.Unix(), Issuer: crosslibIssuer, Aud: crosslibAud, Tokens: oursCases(t)}
		raw, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if err := os.WriteFile(filepath.Join(crosslibDir, "ours.json"), append(raw, '\n'), 0o644); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	ours := readCrosslib(t, "ours.json")
	if ours.Secret != crosslibSecret || ours.Now != crosslibNow.Unix() {
		t.Fatalf("ours.json: secret or time differ from the test's; regenerate it")
	}
	for _, tc := range ours.Tokens {
		t.Run(tc.Name, func(t *testing.T) { checkCrosslibCase(t, tc) })
	}
}

// TestCrossLib checks each other library's tokens against this library,
// and that library's verdicts on ours.json.
func TestCrossLib(t *testing.T) {
	ours := readCrosslib(t, "ours.json")
	for _, file := range []string{"pyjwt.json", "jose.json", "jsonwebtoken.json"} {
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) {
			checkCrosslibFile(t, ours, readCrosslib(t, file))
		})
	}
}

// checkCrosslibFile checks one library's output f against ours.
func checkCrosslibFile(t *testing.T, ours, f crosslibFile) {
	t.Helper()
	if f.Secret != crosslibSecret || f.Now != crosslibNow.Unix() {
		t.Fatalf("%s: secret or time differ from the test's; regenerate it", f.Library)
	}
	var accepted int
	for _, tc := range f.Tokens {
		if tc.Expect == "ok" {
			accepted++
		}
		t.Run("theirs/"+tc.Name, func(t *testing.T) { checkCrosslibCase(t, tc) })
	}
	if accepted < 4 || len(f.Tokens)-accepted < 4 {
		t.Fatalf("%s: got %d valid and %d invalid tokens, want at least 4 of each", f.Library, accepted, len(f.Tokens)-accepted)
	}
	byName := map[string]crosslibCase{}
	for _, tc := range ours.Tokens {
		byName[tc.Name] = tc
	}
	if len(f.Verified) != len(ours.Tokens) {
		t.Fatalf("%s verified %d of our %d tokens; regenerate it", f.Library, len(f.Verified), len(ours.Tokens))
	}
	for _, v := range f.Verified {
		t.Run("ours/"+v.Name, func(t *testing.T) {
			tc, ok := byName[v.Name]
			if !ok || tc.Token != v.Token {
				t.Fatalf("%s verified a token that is not in ours.json; regenerate it", f.Library)
			}
			if want := tc.Expect == "ok"; v.Accepted != want {
				t.Fatalf("%s: got accepted %v (error %q), want %v", f.Library, v.Accepted, v.Error, want)
			}
			if v.Accepted {
				got, _ := v.Claims["user_id"].(string)
				if got != tc.UserID {
					t.Fatalf("%s read user_id %#v, want %q", f.Library, v.Claims["user_id"], tc.UserID)
				}
			}
		})
	}
}

// TestCrossLibPyJWTLive runs the PyJWT generator on tokens issued now (at
// the pinned instant, with fresh random ids) and checks its output like
// the committed one. It skips when PyJWT is missing, except in CI.
func TestCrossLibPyJWTLive(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jwt").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but PyJWT is unavailable (%v): install Debian's python3-jwt", err)
		}
		t.Skipf("PyJWT unavailable (%v); install Debian's python3-jwt to run this test", err)
	}
	dir := t.TempDir()
	ours := crosslibFile{Library: "jwtsession", Secret: crosslibSecret, Now: crosslibNow.Unix(), Issuer: crosslibIssuer, Aud: crosslibAud, Tokens: oursCases(t)}
	raw, err := json.Marshal(ours)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	in, out := filepath.Join(dir, "ours.json"), filepath.Join(dir, "pyjwt.json")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatalf("write: %v", err)
	}
	cmd := exec.Command(python, filepath.Join(crosslibDir, "gen.py"), in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen.py: %v\n%s", err, msg)
	}
	raw, err = os.ReadFile(out)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	var theirs crosslibFile
	if err := json.Unmarshal(raw, &theirs); err != nil {
		t.Fatalf("pyjwt output: %v", err)
	}
	if theirs.Library != "PyJWT" {
		t.Fatalf("got library %q, want PyJWT", theirs.Library)
	}
	checkCrosslibFile(t, ours, theirs)
}
