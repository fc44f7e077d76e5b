package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jwtsession/jwtsession/session"
)

// Error describes a failed authentication or authorization check. It is
// what an [ErrorHandler] receives. Status, Code and Description are fixed
// strings safe to send to the client; Err is the cause, for logs only.
type Error struct {
	// Status is the HTTP status: 400, 401, 403 or 503.
	Status int
	// Code is the RFC 6750 error code: "invalid_request", "invalid_token",
	// "insufficient_scope", or "" when the request carried no credentials.
	// A 503 has "temporarily_unavailable", and a cookie-authenticated
	// request refused by the cross-origin protection (403, see [WithCookie])
	// "cross_origin_request".
	Code string
	// Description is a short fixed text for error_description.
	Description string
	// Err is the underlying error. Never send it to the client.
	Err error
	// Reason classifies the failure for logs and metrics.
	Reason Reason
}

// Error returns the description and the cause.
func (e *Error) Error() string {
	if e.Err == nil {
		return "middleware: " + e.Description
	}
	return "middleware: " + e.Description + ": " + e.Err.Error()
}

// Unwrap returns the cause, so [errors.Is] matches the session errors.
func (e *Error) Unwrap() error { return e.Err }

// ErrorHandler writes the response for a failed check. [Authenticate] and
// the guards have already set WWW-Authenticate (and Retry-After on 503)
// when they call the handler; the handler writes e.Status and a body. The
// next handler is never called after a failure.
type ErrorHandler func(w http.ResponseWriter, r *http.Request, e *Error)

// WriteError is the default [ErrorHandler]: it writes e.Status and a small
// JSON body {"error": ..., "error_description": ...}.
func WriteError(w http.ResponseWriter, _ *http.Request, e *Error) {
	code := e.Code
	if code == "" {
		code = "unauthorized"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(errorBody{code, e.Description})
}

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// failure is one kind of rejection, with its fixed texts.
type failure struct {
	status      int
	code        string
	description string
	reason      Reason
}

var (
	failMissing     = failure{http.StatusUnauthorized, "", "bearer token required", ReasonMissing}
	failRequest     = failure{http.StatusBadRequest, "invalid_request", "malformed credentials", ReasonMalformed}
	failInvalid     = failure{http.StatusUnauthorized, "invalid_token", "token invalid", ReasonInvalid}
	failExpired     = failure{http.StatusUnauthorized, "invalid_token", "token expired", ReasonExpired}
	failNotYet      = failure{http.StatusUnauthorized, "invalid_token", "token not yet valid", ReasonInvalid}
	failRevoked     = failure{http.StatusUnauthorized, "invalid_token", "token revoked", ReasonRevoked}
	failUnavailable = failure{http.StatusServiceUnavailable, "temporarily_unavailable", "authentication temporarily unavailable", ReasonUnavailable}
	failScope       = failure{http.StatusForbidden, "insufficient_scope", "insufficient scope", ReasonForbidden}
	// failCrossOrigin has no challenge: the credentials are fine, the
	// request's origin is not.
	failCrossOrigin = failure{http.StatusForbidden, "cross_origin_request", "cross-origin request refused", ReasonForbidden}
)

// newError returns the *Error of f with cause err.
func (f failure) newError(err error) *Error {
	return &Error{Status: f.status, Code: f.code, Description: f.description, Err: err, Reason: f.reason}
}

// classify maps a verification error to its failure. A server-side fault
// is never reported as the client's.
func classify(err error) failure {
	switch {
	case errors.Is(err, session.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return failUnavailable
	case errors.Is(err, session.ErrExpired):
		return failExpired
	case errors.Is(err, session.ErrNotYetValid):
		return failNotYet
	case errors.Is(err, session.ErrRevoked):
		return failRevoked
	}
	return failInvalid
}

// challenges holds the WWW-Authenticate value of each failure for one
// realm, built once. A failure without an entry (503, cross-origin) sends
// no challenge.
type challenges map[failure]string

func newChallenges(realm string) challenges {
	c := challenges{}
	for _, f := range []failure{failMissing, failRequest, failInvalid, failExpired, failNotYet, failRevoked, failScope} {
		c[f] = challenge(realm, f, "")
	}
	return c
}

// challenge returns the WWW-Authenticate value of f for realm; a non-empty
// scope (already checked by [validScope]) is added as RFC 6750 §3 scope.
func challenge(realm string, f failure, scope string) string {
	v := fmt.Sprintf("Bearer realm=%q", realm)
	if f.code != "" {
		v += fmt.Sprintf(", error=%q, error_description=%q", f.code, f.description)
	}
	if scope != "" {
		v += fmt.Sprintf(", scope=%q", scope)
	}
	return v
}

// validRealm reports whether realm can be written as a quoted-string
// without escapes: printable ASCII without '"' and '\'.
func validRealm(realm string) bool {
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return realm != ""
}
