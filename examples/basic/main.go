// Command basic is the jwtsession demo API: log in, call /me with the bearer
// token, watch it renew near expiry, refresh it explicitly, log out, and
// log out everywhere; with DPoP (RFC 9449), the token is bound to the
// client's key and worth nothing without it.
//
//	go run ./examples/basic [-addr 127.0.0.1:8080] [-ttl 30m] [-renew-within 10m] [-max-lifetime 24h] [-issuer URL] [-audience NAME] [-redis-addr 127.0.0.1:6379] [-public-url https://api.example] [-dpop-nonce]
//
// JWT_SECRET (at least 32 bytes) is the HS256 secret; when it is unset a
// random one is made for this run. With -issuer and -audience, issued
// tokens carry iss and aud and only tokens carrying them are accepted;
// without -audience, a token that carries aud is refused. With
// -redis-addr, logouts are recorded in that Redis and shared by every
// instance started with the same Redis and JWT_SECRET; without it they
// stay in this process's memory.
//
// A login that carries a DPoP proof header gets a token of token_type
// "DPoP", bound to the proof's key (cnf.jkt); it is accepted only as
// "Authorization: DPoP <token>" with a fresh proof of each request, and
// its renewals and refreshes stay bound. A login without a proof gets a
// Bearer token as before. Proofs name the URL of the request (htu) under
// -public-url, the origin clients reach the API at (default: http:// and
// the listen address); X-Forwarded-* headers are never trusted for it.
// Each proof is accepted once: its id is remembered in memory, or in the
// Redis of -redis-addr for every instance. With -dpop-nonce, proofs must
// also carry a server nonce (RFC 9449 §8-9), handed out in DPoP-Nonce
// headers and good on every instance with the same JWT_SECRET.
//
// The session cookie of the browser transport drops its Secure attribute
// only when -addr is a loopback address (plain HTTP on the developer's
// machine); on any other address it stays Secure, so browsers send it
// over HTTPS only.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/rueidis"

	"github.com/jwtsession/jwtsession/internal/demo"
	"github.com/jwtsession/jwtsession/session"
	"github.com/jwtsession/jwtsession/session/redisstore"
)

func main() {
	logger := log.New(os.Stderr, "basic: ", log.LstdFlags)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, logger, nil); err != nil {
		logger.Fatal(err)
	}
}

// options are the demo's command-line settings.
type options struct {
	addr        string
	ttl         time.Duration
	renewWithin time.Duration
	maxLifetime time.Duration
	issuer      string
	audience    string
	redisAddr   string
	publicURL   string // "": http:// and the address run listens on
	dpopNonce   bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("basic", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.DurationVar(&o.ttl, "ttl", 30*time.Minute, "token lifetime")
	fs.DurationVar(&o.renewWithin, "renew-within", 10*time.Minute, "renew tokens with less than this left")
	fs.DurationVar(&o.maxLifetime, "max-lifetime", 24*time.Hour, "absolute session limit from login")
	fs.StringVar(&o.issuer, "issuer", "", "iss of issued tokens, an http(s) URL; required on verification (default: none)")
	fs.StringVar(&o.audience, "audience", "", "aud of issued tokens; required on verification (default: none, and tokens carrying aud are refused)")
	fs.StringVar(&o.redisAddr, "redis-addr", "", "Redis host:port, or a comma-separated list of Cluster nodes, for revocations shared by several instances (default: in memory, this process only)")
	fs.StringVar(&o.publicURL, "public-url", "", "the origin clients reach the API at, which DPoP proofs' htu must name, e.g. https://api.example (default: http:// and the listen address)")
	fs.BoolVar(&o.dpopNonce, "dpop-nonce", false, "require server nonces in DPoP proofs (RFC 9449 §8-9), valid on every instance with the same JWT_SECRET")
	if err := fs.Parse(args); err != nil {
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.issuer != "" {
		if u, err := url.Parse(o.issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return o, fmt.Errorf("-issuer must be an http or https URL without query or fragment; got %q", o.issuer)
		}
	}
	if o.publicURL != "" {
		u, err := url.Parse(o.publicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return o, fmt.Errorf("-public-url must be an http or https origin (scheme and host, no path, query or fragment); got %q", o.publicURL)
		}
		o.publicURL = u.Scheme + "://" + u.Host
	}
	return o, nil
}

// loopbackAddr reports whether the listen address addr (host:port) is on
// a loopback address only: 127.0.0.0/8, ::1 or localhost. An empty host
// listens on every interface and is not loopback, nor is any name that
// would need a resolver to tell.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// secretFrom returns JWT_SECRET, or a random secret with a notice.
func secretFrom(getenv func(string) string, logger *log.Logger) ([]byte, error) {
	if s := getenv("JWT_SECRET"); s != "" {
		return []byte(s), nil
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	logger.Print("JWT_SECRET is not set: using a random secret for this run (tokens stop working on restart)")
	return secret, nil
}

// run starts the server and blocks until ctx is done (SIGINT or SIGTERM),
// then shuts it down gracefully. When ready is not nil it receives the
// listening address.
func run(ctx context.Context, args []string, getenv func(string) string, logger *log.Logger, ready chan<- string) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	secret, err := secretFrom(getenv, logger)
	if err != nil {
		return err
	}
	store, closeStore, err := revocationStore(ctx, opts.redisAddr, logger)
	if err != nil {
		return err
	}
	defer closeStore()
	var audience []string // none: no aud written; a token with aud is rejected
	if opts.audience != "" {
		audience = []string{opts.audience}
	}
	m, err := session.New(session.HS256(secret), session.Options{
		TTL:         opts.ttl,
		RenewWithin: opts.renewWithin,
		MaxLifetime: opts.maxLifetime,
		Issuer:      opts.issuer, // "": no iss written or required
		Audience:    audience,
		Store:       store,
	})
	if err != nil {
		return err
	}
	cfg := serverConfig{
		insecureCookie: loopbackAddr(opts.addr),
		publicURL:      opts.publicURL,
		dpopNonce:      opts.dpopNonce,
		secret:         secret,
	}
	if !cfg.insecureCookie {
		logger.Printf("-addr %s is not a loopback address: the session cookie is Secure (HTTPS only)", opts.addr)
	}
	if replay, ok := store.(session.ReplayCache); ok {
		cfg.replay = replay // DPoP proofs are remembered where logouts are
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	if cfg.publicURL == "" {
		cfg.publicURL = "http://" + ln.Addr().String()
	}
	handler, err := newServer(m, logger, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	logger.Printf("listening on http://%s (ttl %v, renew within %v, max lifetime %v; DPoP proofs name %s, nonces %v)", ln.Addr(), opts.ttl, opts.renewWithin, opts.maxLifetime, cfg.publicURL, cfg.dpopNonce)
	return demo.Serve(ctx, ln, handler, logger, ready)
}

// revocationStore returns the Redis store at addr, shared by every
// instance that uses the same Redis, or nil (the manager's in-memory
// default, this process only) when addr is empty. It refuses to start
// when Redis does not answer. closeStore releases the client.
func revocationStore(ctx context.Context, addr string, logger *log.Logger) (store session.Store, closeStore func() error, err error) {
	if addr == "" {
		logger.Print("revocations in memory: logouts apply to this process only (-redis-addr shares them)")
		return nil, func() error { return nil }, nil
	}
	// One address for a single node, several (comma-separated) for a
	// Cluster; rueidis also finds a Cluster from one of its nodes. Checks
	// are served from the client-side cache, which Redis keeps fresh; a
	// short dial timeout and no retries turn a Redis outage into a quick
	// 503 (rueidis otherwise retries a read until the request's context
	// is done).
	client, err := rueidis.NewClient(rueidis.ClientOption{
		InitAddress:      strings.Split(addr, ","),
		DisableRetry:     true,
		Dialer:           net.Dialer{Timeout: time.Second},
		ConnWriteTimeout: time.Second,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("redis at %s: %w", addr, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Do(pingCtx, client.B().Ping().Build()).Error(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("redis at %s: %w", addr, err)
	}
	rs, err := redisstore.New(client, redisstore.Options{})
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	logger.Printf("revocations in Redis at %s: logouts apply to every instance using it", addr)
	return rs, func() error { client.Close(); return nil }, nil
}
