package jwks

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jwtsession/jwtsession/session"
)

// HandlerOptions configure [Handler]. The zero value works.
type HandlerOptions struct {
	// MaxAge is how long clients and shared caches may keep the published
	// set: Cache-Control: public, max-age=<MaxAge in seconds>. Keep it
	// short: a verifier that does not refetch on an unknown kid learns a
	// new key only this late, so the rotation procedure of
	// [session.KeySet] should leave at least this much time between Add
	// and Activate, and a compromised key that is removed lingers this
	// long in caches. It must lie between 1 second and 24 hours.
	// Default (zero): 5 minutes.
	MaxAge time.Duration
}

const defaultMaxAge = 5 * time.Minute

// Handler returns an http.Handler that publishes the public JWK Set of ks
// (see [Marshal]), as /.well-known/jwks.json usually does. Each response
// reflects the set at that moment, so keys added or retired by rotation
// appear or leave at once. It answers GET and HEAD with Content-Type:
// application/jwk-set+json, Cache-Control: public, max-age=… (see
// [HandlerOptions]), a strong ETag and 304 Not Modified for a matching
// If-None-Match; other methods get 405. The body is encoded once per state
// of the set, so a request allocates little.
func Handler(ks *session.KeySet, opts HandlerOptions) (http.Handler, error) {
	if ks == nil {
		return nil, errors.New("jwks: Handler needs a *session.KeySet; got nil")
	}
	maxAge := opts.MaxAge
	if maxAge == 0 {
		maxAge = defaultMaxAge
	}
	if maxAge < time.Second || maxAge > 24*time.Hour {
		return nil, fmt.Errorf("jwks: max-age %v must lie between 1s and 24h", opts.MaxAge)
	}
	h := &handler{
		ks:           ks,
		cacheControl: "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10),
	}
	if _, err := h.document(); err != nil {
		return nil, err
	}
	return h, nil
}

// handler serves a KeySet's public JWK Set.
type handler struct {
	ks           *session.KeySet
	cacheControl string
	doc          atomic.Pointer[document]
}

// document is the encoded set of some public keys.
type document struct {
	keys   []session.Key
	body   []byte
	etag   string
	length string
}

// document returns the encoded set of the current public keys of the
// KeySet, encoding it again only when they changed.
func (h *handler) document() (*document, error) {
	keys := h.ks.PublicKeys()
	if d := h.doc.Load(); d != nil && slices.Equal(d.keys, keys) {
		return d, nil
	}
	body, err := Marshal(keys)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d := &document{
		keys:   keys,
		body:   body,
		etag:   `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`,
		length: strconv.Itoa(len(body)),
	}
	h.doc.Store(d)
	return d, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	d, err := h.document()
	if err != nil {
		// Unreachable for keys that passed validation; fail without
		// detail.
		http.Error(w, "key set unavailable", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", h.cacheControl)
	hdr.Set("ETag", d.etag)
	if etagMatches(r.Header.Get("If-None-Match"), d.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", "application/jwk-set+json")
	hdr.Set("Content-Length", d.length)
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(d.body)
}

// etagMatches reports whether an If-None-Match value lists etag or is "*"
// (RFC 9110 §13.1.2; weak comparison).
func etagMatches(ifNoneMatch, etag string) bool {
	for v := range strings.SplitSeq(ifNoneMatch, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}
