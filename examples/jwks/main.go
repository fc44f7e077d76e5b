// Command jwks runs the two sides of an asymmetric deployment: an issuer
// that signs tokens and publishes its public keys as a JWK Set with an
// OpenID Connect discovery document, and a resource server that only
// verifies, with the keys of one or more issuers.
//
//	go run ./examples/jwks -role issuer -addr 127.0.0.1:8081 [-alg ES256] [-issuer http://127.0.0.1:8081] [-audience api] [-ttl 30m] [-renew-within 10m] [-max-lifetime 24h] [-rotate-every 0] [-activate-after 10m]
//	go run ./examples/jwks -role resource -addr 127.0.0.1:8082 -jwks-url http://127.0.0.1:8081/.well-known/jwks.json [-audience api] [-refresh-every 5m] [-refetch-cooldown 30s]
//	go run ./examples/jwks -role resource -addr 127.0.0.1:8082 -issuer http://127.0.0.1:8081 -issuer https://login.example.com/ [-audience api]
//
// The issuer serves POST /login and POST /refresh as examples/basic does,
// GET /.well-known/jwks.json, and GET /.well-known/openid-configuration
// (its issuer and jwks_uri). -alg is ES256, ES384, ES512, EdDSA, RS256,
// RS384, RS512, PS256, PS384 or PS512 (HMAC is not offered: the key set
// is public). Its tokens carry iss, -issuer (default http:// and the
// listening address), and aud when -audience is given. On SIGHUP, and
// every -rotate-every when set, it rotates, publishing first and signing
// later: a new key is published at once and signs from -activate-after
// later on, and the previous one stays published until every token it
// signed has expired (TTL plus leeway after the switch).
// JWT_SIGNING_KEY_FILE names a PEM private key for the first key (-alg
// must fit it); when it is unset a key is generated and a line says so.
//
// The resource server takes its keys from -jwks-url (one issuer, any iss)
// or from OpenID Connect discovery of each -issuer (repeatable, or
// comma-separated): then a token's iss must be one of them, and only that
// issuer's keys verify it. With -audience (repeatable, or
// comma-separated) a token's aud must hold one of them; without it a
// token carrying aud is rejected. Tokens typed at+jwt (RFC 9068 access
// tokens) are accepted as well as JWT. It serves GET /me (no renewal: it
// holds no signing key), GET /healthz, and GET /readyz, which answers 503
// until every issuer's key set has been fetched. A key set outage with no
// usable key answers 503 with Retry-After, never the user's 401.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jwtsession/jwtsession/internal/demo"
)

func main() {
	logger := log.New(os.Stderr, "jwks: ", log.LstdFlags)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, logger, nil); err != nil {
		logger.Fatal(err)
	}
}

// leeway is the clock skew tolerated between the issuer and resource
// servers; the issuer keeps a retired key published this much longer
// than the TTL.
const leeway = 5 * time.Second

// defaultActivateAfter is how long a new key is published before it
// signs. A resource server of this demo refetches the set on a token's
// unknown kid, so it needs only its refetch cooldown (30 s); 10 minutes
// also covers verifiers that only poll: the resource role's refresh
// interval (5 minutes) plus the JWKS max-age (5 minutes) that a shared
// HTTP cache may serve a copy for.
const defaultActivateAfter = 10 * time.Minute

// options are the command-line settings of both roles.
type options struct {
	role string
	addr string
	// issuer
	alg           string
	ttl           time.Duration
	renewWithin   time.Duration
	maxLifetime   time.Duration
	rotateEvery   time.Duration
	activateAfter time.Duration
	// both: the issuer's own iss (at most one; default http:// and the
	// listening address), or the issuers whose tokens the resource
	// server accepts; the audiences of issued or accepted tokens.
	issuers   listFlag
	audiences listFlag
	// resource
	jwksURL         string
	refreshEvery    time.Duration
	refetchCooldown time.Duration
}

// listFlag is a flag that may be repeated, each value a comma-separated
// list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item == "" {
			return fmt.Errorf("empty value in %q", v)
		}
		*l = append(*l, item)
	}
	return nil
}

// Default listen addresses of the two roles.
const (
	defaultIssuerAddr   = "127.0.0.1:8081"
	defaultResourceAddr = "127.0.0.1:8082"
)

// roleFlags lists the flags that only one role reads.
var roleFlags = map[string]string{
	"alg": "issuer", "ttl": "issuer", "renew-within": "issuer", "max-lifetime": "issuer", "rotate-every": "issuer", "activate-after": "issuer",
	"jwks-url": "resource", "refresh-every": "resource", "refetch-cooldown": "resource",
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("jwks", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.role, "role", "", "issuer (signs, publishes its keys) or resource (verifies with the published keys)")
	fs.StringVar(&o.addr, "addr", "", "listen address (default "+defaultIssuerAddr+" for the issuer, "+defaultResourceAddr+" for the resource server)")
	fs.StringVar(&o.alg, "alg", "ES256", "issuer: signing algorithm: ES256, ES384, ES512, EdDSA, RS256, RS384, RS512, PS256, PS384 or PS512")
	fs.Var(&o.issuers, "issuer", "issuer: its iss (default http:// and the listening address); resource: an issuer whose keys are found by OpenID Connect discovery (repeatable, or comma-separated)")
	fs.Var(&o.audiences, "audience", "the aud of issued tokens; resource: aud must hold one of them (repeatable, or comma-separated)")
	fs.DurationVar(&o.ttl, "ttl", 30*time.Minute, "issuer: token lifetime")
	fs.DurationVar(&o.renewWithin, "renew-within", 10*time.Minute, "issuer: renewal threshold of the session")
	fs.DurationVar(&o.maxLifetime, "max-lifetime", 24*time.Hour, "issuer: absolute session limit from login")
	fs.DurationVar(&o.rotateEvery, "rotate-every", 0, "issuer: rotate the signing key this often (0: only on SIGHUP)")
	fs.DurationVar(&o.activateAfter, "activate-after", defaultActivateAfter, "issuer: publish a rotated-in key this long before it signs, so that resource servers learn it first (0: sign at once)")
	fs.StringVar(&o.jwksURL, "jwks-url", "http://"+defaultIssuerAddr+"/.well-known/jwks.json", "resource: the JWK Set of the one issuer, when no -issuer is given")
	fs.DurationVar(&o.refreshEvery, "refresh-every", 5*time.Minute, "resource: fetch the key set again this often")
	fs.DurationVar(&o.refetchCooldown, "refetch-cooldown", 30*time.Second, "resource: least time between fetches for unknown key ids")
	if err := fs.Parse(args); err != nil {
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch o.role {
	case "issuer":
		if o.addr == "" {
			o.addr = defaultIssuerAddr
		}
	case "resource":
		if o.addr == "" {
			o.addr = defaultResourceAddr
		}
	default:
		return o, fmt.Errorf("-role must be issuer or resource; got %q", o.role)
	}
	var err error
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) {
		set[f.Name] = true
		if role, ok := roleFlags[f.Name]; ok && role != o.role && err == nil {
			err = fmt.Errorf("-%s is a flag of the %s role, not of the %s", f.Name, role, o.role)
		}
	})
	switch {
	case err != nil:
	case o.role == "issuer" && len(o.issuers) > 1:
		err = fmt.Errorf("-issuer: the issuer role has one issuer identifier; got %v", o.issuers)
	case o.role == "resource" && set["jwks-url"] && len(o.issuers) > 0:
		err = errors.New("-jwks-url and -issuer: give the JWK Set of one issuer, or the issuers to discover, not both")
	case o.rotateEvery < 0:
		err = fmt.Errorf("-rotate-every must not be negative; got %v", o.rotateEvery)
	case o.activateAfter < 0:
		err = fmt.Errorf("-activate-after must not be negative; got %v", o.activateAfter)
	case o.refreshEvery <= 0:
		err = fmt.Errorf("-refresh-every must be positive; got %v", o.refreshEvery)
	case o.refetchCooldown <= 0:
		err = fmt.Errorf("-refetch-cooldown must be positive; got %v", o.refetchCooldown)
	case o.rotateEvery > 0 && o.rotateEvery <= o.activateAfter:
		err = fmt.Errorf("-rotate-every (%v) must be longer than -activate-after (%v): a key must sign before the next one is published", o.rotateEvery, o.activateAfter)
	}
	return o, err
}

// run starts the role's server and blocks until ctx is done (SIGINT or
// SIGTERM), then shuts it down gracefully. When ready is not nil it
// receives the listening address.
func run(ctx context.Context, args []string, getenv func(string) string, logger *log.Logger, ready chan<- string) error {
	opts, err := parseFlags(args)
	if err != nil {
		return err
	}
	var (
		is  *issuer
		res *resource
	)
	switch opts.role {
	case "issuer":
		if is, err = newIssuer(opts, getenv, logger); err != nil {
			return err
		}
		defer is.stop()
	case "resource":
		if res, err = newResource(opts, logger); err != nil {
			return err
		}
		defer res.close()
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	defer ln.Close() // in case of an error before serving
	var handler http.Handler
	switch opts.role {
	case "issuer":
		if len(opts.issuers) == 0 { // http:// and the address listened on
			if err := is.setIssuer("http://" + ln.Addr().String()); err != nil {
				return err
			}
		}
		if handler, err = newIssuerServer(is); err != nil {
			return err
		}
		stopRotating := is.rotateOnSignal(ctx, opts.rotateEvery)
		defer stopRotating()
		logger.Printf("issuer identifier %s", is.iss)
	case "resource":
		if handler, err = newResourceServer(res); err != nil {
			return err
		}
	}
	logger.Printf("%s listening on http://%s", opts.role, ln.Addr())
	if opts.role == "issuer" {
		logger.Printf("kill -HUP %d rotates the signing key: the new key is published at once and signs %v later", os.Getpid(), opts.activateAfter)
	}
	return demo.Serve(ctx, ln, handler, logger, ready)
}
