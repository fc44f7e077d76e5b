package session

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultJWKSMaxAge is the default max-age of a published JWK Set (see
// [WithJWKSMaxAge]).
const DefaultJWKSMaxAge = 5 * time.Minute

// PublicJWKS returns the JWK Set (RFC 7517) of the set's asymmetric keys,
// the active key first: for each, "kty", its public members, "kid", "alg"
// and "use": "sig". Private members ("d", "p", "q", "dp", "dq", "qi") are
// never written, and HMAC keys are left out entirely: a secret is never
// published. A set of HMAC keys only gives {"keys":[]}.
func (ks *KeySet) PublicJWKS() ([]byte, error) {
	return publicJWKSet(publishOrder(ks.snap.Load()))
}

// publishOrder returns the keys of s, the active one first.
func publishOrder(s *keySnapshot) []*pinnedKey {
	keys := make([]*pinnedKey, 0, len(s.keys))
	if s.active != nil {
		keys = append(keys, s.active)
	}
	for _, k := range s.keys {
		if k != s.active {
			keys = append(keys, k)
		}
	}
	return keys
}

// JWKSOption configures [JWKSHandler].
type JWKSOption func(*jwksConfig)

type jwksConfig struct {
	maxAge time.Duration
}

// WithJWKSMaxAge sets how long clients and shared caches may keep the
// published set: Cache-Control: public, max-age=<d in seconds>. Keep it
// short: a verifier that does not refetch on an unknown kid learns a new
// key only this late, so the rotation procedure of [KeySet] should leave
// at least this much time between Add and Activate, and a compromised key
// that is removed lingers this long in caches. It must lie between 0 and
// 24 hours. Default: [DefaultJWKSMaxAge] (5 minutes).
func WithJWKSMaxAge(d time.Duration) JWKSOption { return func(c *jwksConfig) { c.maxAge = d } }

// JWKSHandler returns an http.Handler that publishes the public JWK Set of
// ks ([KeySet.PublicJWKS]), as /.well-known/jwks.json usually does. Each
// response reflects the set at that moment, so keys added or retired by
// rotation appear or leave at once. It answers GET and HEAD with
// Content-Type: application/jwk-set+json, Cache-Control: public,
// max-age=… (see [WithJWKSMaxAge]), a strong ETag and 304 Not Modified for
// a matching If-None-Match; other methods get 405. The body is encoded
// once per state of the set, so a request allocates little.
func JWKSHandler(ks *KeySet, opts ...JWKSOption) (http.Handler, error) {
	if ks == nil {
		return nil, errors.New("session: JWKSHandler needs a *KeySet; got nil")
	}
	cfg := jwksConfig{maxAge: DefaultJWKSMaxAge}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.maxAge < 0 || cfg.maxAge > 24*time.Hour {
		return nil, fmt.Errorf("session: JWKS max-age %v must lie between 0 and 24h", cfg.maxAge)
	}
	h := &jwksHandler{
		ks:           ks,
		cacheControl: "public, max-age=" + strconv.FormatInt(int64(cfg.maxAge/time.Second), 10),
	}
	if _, err := h.document(); err != nil {
		return nil, err
	}
	return h, nil
}

// jwksHandler serves a KeySet's public JWK Set.
type jwksHandler struct {
	ks           *KeySet
	cacheControl string
	doc          atomic.Pointer[jwksDocument]
}

// jwksDocument is the encoded set of one KeySet state.
type jwksDocument struct {
	snap   *keySnapshot
	body   []byte
	etag   string
	length string
}

// document returns the encoded set of the current state of the KeySet.
func (h *jwksHandler) document() (*jwksDocument, error) {
	snap := h.ks.snap.Load()
	if d := h.doc.Load(); d != nil && d.snap == snap {
		return d, nil
	}
	body, err := publicJWKSet(publishOrder(snap))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d := &jwksDocument{
		snap:   snap,
		body:   body,
		etag:   `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`,
		length: strconv.Itoa(len(body)),
	}
	h.doc.Store(d)
	return d, nil
}

func (h *jwksHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
