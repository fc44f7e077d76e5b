package demo

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// pbkdf2Iterations is the PBKDF2-HMAC-SHA256 work factor of the stored
// password hashes.
const pbkdf2Iterations = 100_000

// user is a demo account. Only a salted hash of the password is stored.
type user struct {
	id   string
	salt string // base64, 16 bytes
	hash string // base64, PBKDF2-HMAC-SHA256 of the password
}

// demoUsers are the accounts listed in the README:
// alice / wonderland (user id 123) and bob / builder (user id 456).
var demoUsers = map[string]user{
	"alice": {id: "123", salt: "F+p4nUSJrrH5bzaiKBeVlQ", hash: "S3yaRSleVrSsvfivnZgLOkjIscVVQYP6mBi+r5dUtRg"},
	"bob":   {id: "456", salt: "yG/lSoey6XdTvwCTayp18g", hash: "6IHCjJzHipVlAIsA5Gg6ixpWrvBecAPonqsUbwH8yyI"},
}

// dummyUser is checked against when the username is unknown, so that a
// wrong username costs as much time as a wrong password.
var dummyUser = user{salt: "AAAAAAAAAAAAAAAAAAAAAA", hash: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}

// AuthenticateUser returns the user id for valid credentials. The hashes
// are compared in constant time.
func AuthenticateUser(username, password string) (string, bool) {
	u, known := demoUsers[username]
	if !known {
		u = dummyUser
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(u.salt)
	want, err2 := base64.RawStdEncoding.DecodeString(u.hash)
	if err1 != nil || err2 != nil {
		return "", false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, pbkdf2Iterations, len(want))
	if err != nil {
		return "", false
	}
	if subtle.ConstantTimeCompare(got, want) != 1 || !known {
		return "", false
	}
	return u.id, true
}
