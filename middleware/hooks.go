package middleware

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// Hooks observes authentication. Each field is optional; a nil field costs
// one comparison per request and nothing else. The functions run on the
// request's goroutine, before the response is written, so they must be
// quick and safe for concurrent use. They must not write to the response.
//
// Set them in [Options.Hooks]: [Auth.Authenticate] calls Authenticated
// and Rejected, the guards ([Auth.RequireScope], [Auth.RequireClaim],
// [Auth.Require]) call Rejected, and [Auth.Renew] calls Renewed.
// [SlogHooks] is a ready adapter to log/slog; [JoinHooks] combines
// several.
type Hooks struct {
	// Authenticated is called when a token verified, before the next
	// handler. fp identifies the token.
	Authenticated func(r *http.Request, c *session.Claims, fp Fingerprint)
	// Rejected is called when a check failed, before the error handler
	// writes e.Status. e.Reason says why; e.Err is the cause, for logs
	// only. fp identifies the token, and is the zero Fingerprint when
	// there was none.
	// Treat e as read-only.
	Rejected func(r *http.Request, e *Error, fp Fingerprint)
	// Renewed is called when [Auth.Renew] has issued a renewed token and
	// set it on the response. c are the renewed token's claims and fp
	// identifies it; the claims of the token it replaces are in r's
	// context.
	Renewed func(r *http.Request, c *session.Claims, fp Fingerprint)
}

// JoinHooks returns Hooks that call each of hooks in order. Nil fields
// are skipped; a field that none of hooks sets stays nil.
func JoinHooks(hooks ...Hooks) Hooks {
	var auth []func(*http.Request, *session.Claims, Fingerprint)
	var rej []func(*http.Request, *Error, Fingerprint)
	var ren []func(*http.Request, *session.Claims, Fingerprint)
	for _, h := range hooks {
		if h.Authenticated != nil {
			auth = append(auth, h.Authenticated)
		}
		if h.Rejected != nil {
			rej = append(rej, h.Rejected)
		}
		if h.Renewed != nil {
			ren = append(ren, h.Renewed)
		}
	}
	var joined Hooks
	if len(auth) > 0 {
		joined.Authenticated = func(r *http.Request, c *session.Claims, fp Fingerprint) {
			for _, f := range auth {
				f(r, c, fp)
			}
		}
	}
	if len(rej) > 0 {
		joined.Rejected = func(r *http.Request, e *Error, fp Fingerprint) {
			for _, f := range rej {
				f(r, e, fp)
			}
		}
	}
	if len(ren) > 0 {
		joined.Renewed = func(r *http.Request, c *session.Claims, fp Fingerprint) {
			for _, f := range ren {
				f(r, c, fp)
			}
		}
	}
	return joined
}

// Fingerprint identifies a token in logs without revealing it. It holds
// the token but never prints it: String, GoString and MarshalText (which
// log/slog's handlers and encoding/json use) all give "sha256:" and the
// first 16 hex digits of the token's SHA-256, computed only when a record
// is actually written. The zero Fingerprint stands for no token and
// prints as "".
type Fingerprint struct {
	token string
}

// String returns "sha256:" and the first 16 hex digits of the token's
// SHA-256 (64 bits), or "" for the zero Fingerprint.
func (f Fingerprint) String() string {
	if f.token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(f.token))
	var buf [7 + 16]byte
	copy(buf[:], "sha256:")
	hex.Encode(buf[7:], sum[:8])
	return string(buf[:])
}

// GoString returns the same as String, so %#v does not print the token.
func (f Fingerprint) GoString() string { return f.String() }

// MarshalText implements encoding.TextMarshaler with String, so
// encoders, log/slog's included, never see the token either.
func (f Fingerprint) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// SlogHooks returns [Hooks] that log to logger: authenticated requests at
// Debug, rejections at Info (Warn for [ReasonUnavailable], a server-side
// fault), and renewals at Info. Records carry the method, the path, the
// reason, the status, the cause (for rejections), the user and session
// ids, and the token's [Fingerprint] — never the token. Records below the
// logger's level cost a level check only. A nil logger means
// [slog.Default].
func SlogHooks(logger *slog.Logger) Hooks {
	if logger == nil {
		logger = slog.Default()
	}
	return Hooks{
		Authenticated: func(r *http.Request, c *session.Claims, fp Fingerprint) {
			ctx := r.Context()
			if !logger.Enabled(ctx, slog.LevelDebug) {
				return
			}
			logger.LogAttrs(ctx, slog.LevelDebug, "jwtsession: authenticated",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("user_id", c.UserID),
				slog.String("session_id", c.SessionID),
				slog.Any("token", fp),
			)
		},
		Rejected: func(r *http.Request, e *Error, fp Fingerprint) {
			ctx := r.Context()
			level := slog.LevelInfo
			if e.Reason == ReasonUnavailable {
				level = slog.LevelWarn
			}
			if !logger.Enabled(ctx, level) {
				return
			}
			attrs := make([]slog.Attr, 0, 8)
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("reason", string(e.Reason)),
				slog.Int("status", e.Status),
			)
			if e.Err != nil {
				attrs = append(attrs, slog.String("error", e.Err.Error()))
			}
			if c, ok := ClaimsFromContext(ctx); ok {
				attrs = append(attrs, slog.String("user_id", c.UserID))
			}
			if fp.token != "" {
				attrs = append(attrs, slog.Any("token", fp))
			}
			logger.LogAttrs(ctx, level, "jwtsession: rejected", attrs...)
		},
		Renewed: func(r *http.Request, c *session.Claims, fp Fingerprint) {
			ctx := r.Context()
			if c == nil || !logger.Enabled(ctx, slog.LevelInfo) {
				return
			}
			logger.LogAttrs(ctx, slog.LevelInfo, "jwtsession: renewed",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("user_id", c.UserID),
				slog.String("session_id", c.SessionID),
				slog.Time("expires_at", c.ExpiresAt),
				slog.Any("token", fp),
			)
		},
	}
}
