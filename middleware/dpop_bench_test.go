package middleware_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/jwtsession/jwtsession/internal/jose"
	"github.com/jwtsession/jwtsession/internal/testkit"
	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

// uniqueReplay is an in-memory replay cache that makes every id it is
// given unique with a counter, so that a benchmark can present one proof
// again and again while paying for a real record of a new id each time.
// The counter is appended into a reused buffer: it adds no allocation.
type uniqueReplay struct {
	s   *session.MemoryStore
	n   int64
	buf []byte
}

func (u *uniqueReplay) Add(ctx context.Context, id string, until time.Time) (bool, error) {
	u.n++
	u.buf = strconv.AppendInt(append(u.buf[:0], id...), u.n, 10)
	return u.s.Add(ctx, unsafe.String(unsafe.SliceData(u.buf), len(u.buf)), until)
}

// BenchmarkDPoP compares a DPoP request (ES256 proof, token bound to its
// key) with the same request as Bearer, through Authenticate with the
// verified-token cache off, for an HS256 and an ES256 token. The
// difference is one proof signature check, the proof's parsing and
// thumbprint, and a replay-cache record in memory. ES256 proof alone is
// the bare signature check of the proof, for scale.
func BenchmarkDPoP(b *testing.B) {
	const me = "https://api.example.com/me"
	prover := newProver(b)
	jkt, err := jose.Thumbprint(prover.Key.Public())
	if err != nil {
		b.Fatal(err)
	}
	for _, alg := range benchAlgs(b) {
		if alg.name != "HS256" && alg.name != "ES256" {
			continue
		}
		m := benchManager(b, alg.key, session.Options{VerifiedTokenCache: -1})
		ctx := context.Background()
		plain, err := m.Issue(ctx, "123", nil)
		if err != nil {
			b.Fatal(err)
		}
		bound, err := m.IssueBound(ctx, "123", jkt, nil)
		if err != nil {
			b.Fatal(err)
		}
		replay := &uniqueReplay{s: session.NewMemoryStore(session.MemoryStoreOptions{MaxEntries: 1 << 24, Clock: m.Now})}
		auth := mustNew(b, m, middleware.Options{DPoP: middleware.DPoPOptions{PublicURL: "https://api.example.com", ReplayCache: replay}})
		b.Run(alg.name+" token/Bearer", func(b *testing.B) {
			req := bearer(httptest.NewRequest(http.MethodGet, me, nil), plain.Value)
			serveLoop(b, auth.Authenticate(noop), req, "")
		})
		b.Run(alg.name+" token/DPoP", func(b *testing.B) {
			proof := prover.Proof(b, testkit.ProofClaims{HTM: "GET", HTU: me, IAT: benchNow, ATH: testkit.TokenHash(bound.Value)})
			serveLoop(b, auth.Authenticate(noop), dpopRequest(http.MethodGet, me, bound.Value, proof), "")
		})
	}
	b.Run("ES256 proof alone", func(b *testing.B) {
		proof := prover.Proof(b, testkit.ProofClaims{HTM: "GET", HTU: me, IAT: benchNow})
		dot := strings.LastIndexByte(proof, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(proof[dot+1:])
		pub := prover.Key.Public().(*ecdsa.PublicKey)
		b.ReportAllocs()
		for b.Loop() {
			h := sha256.Sum256([]byte(proof[:dot]))
			if !ecdsa.Verify(pub, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				b.Fatal("got a signature mismatch")
			}
		}
	})
}
