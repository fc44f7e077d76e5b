//go:build unix

package main

import (
	"context"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"
)

// start runs the program with args until the test ends, and returns its
// address.
func start(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, append(args, "-addr", "127.0.0.1:0"), noEnv, discard, ready) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run %v: %v", args, err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("run %v did not shut down within 15 s", args)
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("run %v: %v", args, err)
	case <-time.After(15 * time.Second):
		t.Fatalf("run %v did not start within 15 s", args)
	}
	return ""
}

// TestRunBothRolesAndSIGHUP runs the README's walk-through against the
// program itself: two roles, a login, a call, and a rotation by SIGHUP
// that publishes the new key first and signs with it after
// -activate-after.
func TestRunBothRolesAndSIGHUP(t *testing.T) {
	const activateAfter = time.Second
	issuerURL := start(t, "-role", "issuer", "-ttl", "2m", "-renew-within", "1m", "-activate-after", activateAfter.String())
	resourceURL := start(t, "-role", "resource", "-jwks-url", issuerURL+"/.well-known/jwks.json", "-refetch-cooldown", "1ms")

	tok := login(t, issuerURL)
	wantStatus(t, do(t, "GET", resourceURL+"/me", tok, ""), http.StatusOK)
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusOK)
	before := publishedKids(t, issuerURL)
	if len(before) != 1 {
		t.Fatalf("published before SIGHUP: got %v, want one key", before)
	}

	sent := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// Published at once, behind the key that still signs.
	deadline := sent.Add(10 * time.Second)
	var after []string
	for after = publishedKids(t, issuerURL); len(after) != 2; after = publishedKids(t, issuerURL) {
		if time.Now().After(deadline) {
			t.Fatalf("published 10 s after SIGHUP: got %v, want two keys", after)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after[0] != before[0] {
		t.Errorf("published after SIGHUP: got %v, want %s (still signing) first", after, before[0])
	}
	newKid := after[1]
	early := login(t, issuerURL)
	if time.Since(sent) < activateAfter {
		if got := testkit.KidOf(t, early); got != before[0] {
			t.Errorf("kid within -activate-after of SIGHUP: got %q, want %q", got, before[0])
		}
	}
	// Signing with it after -activate-after: it is listed first.
	for after = publishedKids(t, issuerURL); after[0] != newKid; after = publishedKids(t, issuerURL) {
		if time.Now().After(deadline) {
			t.Fatalf("published 10 s after SIGHUP: got %v, want %s first", after, newKid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fresh := login(t, issuerURL)
	if got := testkit.KidOf(t, fresh); got != newKid {
		t.Errorf("kid after -activate-after: got %q, want %q", got, newKid)
	}
	wantStatus(t, do(t, "GET", resourceURL+"/me", fresh, ""), http.StatusOK)
	wantStatus(t, do(t, "GET", resourceURL+"/me", tok, ""), http.StatusOK)
}

// TestRunDiscovery runs an issuer on an ephemeral port, whose identifier
// is then its address, and a resource server that discovers it.
func TestRunDiscovery(t *testing.T) {
	issuerURL := start(t, "-role", "issuer", "-audience", "api")
	resourceURL := start(t, "-role", "resource", "-issuer", issuerURL, "-audience", "api", "-refetch-cooldown", "1ms")
	wantStatus(t, do(t, "GET", resourceURL+"/me", login(t, issuerURL), ""), http.StatusOK)
	wantStatus(t, do(t, "GET", resourceURL+"/readyz", "", ""), http.StatusOK)
}
