package middleware_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/justinas/alice"

	"github.com/jwtsession/jwtsession/middleware"
	"github.com/jwtsession/jwtsession/session"
)

func ExampleCookie() {
	// A clock the example can move; servers leave the default time.Now.
	now := time.Date(2030, time.January, 1, 12, 0, 0, 0, time.UTC)
	manager, err := session.New(session.HS256(exampleSecret), session.Options{
		TTL:         30 * time.Minute,
		RenewWithin: 10 * time.Minute,
		Clock:       func() time.Time { return now },
	})
	if err != nil {
		log.Fatal(err)
	}
	// One Cookie value serves login, Authenticate, Renew and logout.
	cookie, err := middleware.NewCookie("__Host-session", middleware.CookieOptions{})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := middleware.New(manager, middleware.Options{Cookie: cookie})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// After checking the credentials (and cookie.Check(r) against
		// login CSRF):
		tok, err := manager.Issue(r.Context(), "123", nil)
		if err != nil {
			http.Error(w, "could not log in", http.StatusInternalServerError)
			return
		}
		cookie.Set(w, r, tok)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("GET /me", alice.New(auth.Authenticate, auth.Renew).ThenFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := middleware.UserIDFromContext(r.Context())
		fmt.Fprintf(w, "user %s", id)
	}))
	mux.Handle("POST /logout", auth.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		if err := manager.Revoke(r.Context(), claims); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		// A cookie session ends with its cookie; a header session's
		// client forgets its token.
		if c, ok := middleware.CookieFromContext(r.Context()); ok {
			c.Clear(w, r)
		}
		w.WriteHeader(http.StatusNoContent)
	})))

	// serve plays the browser: it sends the cookie and any extra headers.
	var jar *http.Cookie
	serve := func(method, path string, header ...string) *http.Response {
		req := httptest.NewRequest(method, "https://app.example"+path, nil)
		if jar != nil {
			req.AddCookie(jar)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		res := rec.Result()
		for _, c := range res.Cookies() {
			jar = c
		}
		return res
	}

	res := serve("POST", "/login")
	fmt.Println("login:", res.StatusCode, "HttpOnly", jar.HttpOnly, "Secure", jar.Secure, "Max-Age", jar.MaxAge)

	res = serve("GET", "/me")
	fmt.Println("me:", res.StatusCode)

	// A cross-site form carrying the cookie is refused before the handler.
	res = serve("POST", "/logout", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	fmt.Println("cross-site logout:", res.StatusCode)

	// Near expiry the cookie is re-set; no header carries the token.
	before := jar.Value
	now = now.Add(25 * time.Minute)
	res = serve("GET", "/me")
	fmt.Println("renewed:", jar.Value != before, "header:", res.Header.Get("X-Renewed-Token") == "")

	// Logout from the application's own page clears the cookie.
	res = serve("POST", "/logout", "Sec-Fetch-Site", "same-origin")
	fmt.Println("logout:", res.StatusCode, "cookie removed:", jar.MaxAge < 0)

	// Output:
	// login: 204 HttpOnly true Secure true Max-Age 1800
	// me: 200
	// cross-site logout: 403
	// renewed: true header: true
	// logout: 204 cookie removed: true
}
