package jwks

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// TestRedirectDowngradeRefused: keys asked for over https are never taken
// from plain http, even through an application's own HTTP client that
// follows every redirect (such as one made for custom TLS roots).
func TestRedirectDowngradeRefused(t *testing.T) {
	set, err := Marshal([]session.Key{newES256(t, "planted")})
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(set)
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/jwks.json", http.StatusFound)
	}))
	defer tlsSrv.Close()

	var (
		mu       sync.Mutex
		reported error
	)
	r, err := NewRemote(tlsSrv.URL+"/jwks.json", RemoteOptions{
		HTTPClient: tlsSrv.Client(), // follows redirects to anywhere
		OnFetchError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Ready(ctx); err == nil {
		t.Fatalf("Ready: got nil with keys %v, want an error: the keys came over plain http", r.IDs())
	}
	if ids := r.IDs(); len(ids) != 0 {
		t.Errorf("IDs: got %v, want none", ids)
	}
	if _, err := r.VerificationKey(ctx, "", "planted"); !errors.Is(err, session.ErrUnavailable) && !errors.Is(err, session.ErrInvalid) {
		t.Errorf("VerificationKey(planted): got %v, want an error", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if reported == nil || !strings.Contains(reported.Error(), "redirected from https to http") {
		t.Errorf("OnFetchError: got %v, want the refused redirect", reported)
	}
}
