package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// pyjwtTokens is testdata/pyjwt_tokens.json, written by
// testdata/pyjwt_tokens.py with Debian's python3-jwt.
type pyjwtTokens struct {
	Secret   string `json:"secret"`
	VerifyAt int64  `json:"verify_at"`
	Tokens   []struct {
		Name   string `json:"name"`
		Token  string `json:"token"`
		UserID string `json:"user_id"`
		Valid  bool   `json:"valid"`
	} `json:"tokens"`
}

func TestPyJWTTokensCommitted(t *testing.T) {
	raw, err := os.ReadFile("testdata/pyjwt_tokens.json")
	if err != nil {
		t.Fatal(err)
	}
	var data pyjwtTokens
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(data.VerifyAt, 0)
	m, err := session.New(session.HS256([]byte(data.Secret)), session.Options{Clock: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range data.Tokens {
		t.Run(tt.Name, func(t *testing.T) {
			c, err := m.Verify(context.Background(), tt.Token)
			if !tt.Valid {
				if !errors.Is(err, session.ErrInvalid) {
					t.Fatalf("got %v, want ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.UserID != tt.UserID {
				t.Errorf("user id: got %q, want %q", c.UserID, tt.UserID)
			}
		})
	}
}

// TestPyJWTLive has PyJWT sign a token now and sends it to /me. Outside CI
// it skips when python3-jwt is missing; in CI (CI=true) that is a failure.
func TestPyJWTLive(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import jwt").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but PyJWT is unavailable (%v): install Debian's python3-jwt", err)
		}
		t.Skipf("PyJWT unavailable (%v); install Debian's python3-jwt to run this test", err)
	}
	script := `import jwt, sys, time
print(jwt.encode({"user_id": 123, "exp": int(time.time()) + 600}, sys.argv[1], algorithm="HS256"))`
	out, err := exec.Command(python, "-c", script, string(testSecret)).Output()
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(out))

	d := newDemo(t)
	d.clock.Set(time.Now())
	resp := d.do("GET", "/me", tok, "")
	wantStatus(t, resp, http.StatusOK)
	if got := decode[map[string]string](t, resp); got["user_id"] != "123" {
		t.Errorf("got %v, want user_id 123", got)
	}

	// And a token we issue verifies in PyJWT, exp included.
	ours := d.login().AccessToken
	verify := `import jwt, sys
c = jwt.decode(sys.argv[2], sys.argv[1], algorithms=["HS256"], options={"require": ["exp", "iat"]})
print(c["user_id"], c["exp"] - c["iat"])`
	out, err = exec.Command(python, "-c", verify, string(testSecret), ours).CombinedOutput()
	if err != nil {
		t.Fatalf("PyJWT rejected our token: %v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "123 1800" {
		t.Errorf("PyJWT read: got %q, want \"123 1800\"", got)
	}
}
