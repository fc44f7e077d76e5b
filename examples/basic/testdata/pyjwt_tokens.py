"""Regenerates pyjwt_tokens.json with Debian's python3-jwt (PyJWT).

Run from this directory: /usr/bin/python3 pyjwt_tokens.py
The secrets are throwaway test values; verify_at pins the clock of the
test that reads the file, so the tokens never go stale.
"""
import json

import jwt

secret = "throwaway-test-secret-for-pyjwt-0123456789"
exp = 1795770000  # 2026-11-27T08:20:00Z
tok = jwt.encode({"user_id": 123, "exp": exp}, secret, algorithm="HS256")
tok2 = jwt.encode({"user_id": 9007199254740993, "exp": exp}, secret, algorithm="HS256")
other = jwt.encode({"user_id": 123, "exp": exp}, "a-different-secret-of-enough-length-0123", algorithm="HS256")
data = {
    "generator": "PyJWT %s (Debian python3-jwt)" % jwt.__version__,
    "secret": secret,
    "verify_at": exp - 1800,
    "tokens": [
        {"name": "seed shape", "token": tok, "user_id": "123", "valid": True},
        {"name": "integer user id beyond float64 precision", "token": tok2, "user_id": "9007199254740993", "valid": True},
        {"name": "signed with another secret", "token": other, "valid": False},
        {"name": "payload byte flipped", "token": tok[:40] + ("A" if tok[40] != "A" else "B") + tok[41:], "valid": False},
    ],
}
with open("pyjwt_tokens.json", "w") as f:
    json.dump(data, f, indent=2)
    f.write("\n")
