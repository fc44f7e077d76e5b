#!/usr/bin/python3
"""Cross-library tokens from PyJWT (Debian's python3-jwt).

Usage: /usr/bin/python3 gen.py [ours.json [pyjwt.json]]

Reads the tokens jwtsession issued (ours.json), verifies each with PyJWT
at its pinned instant, makes PyJWT's own tokens at the same instant, and
writes both to pyjwt.json for session/crosslib_test.go. The secret is a
throwaway used for nothing else.
"""
import datetime as _dt
import json
import sys

import jwt
import jwt.api_jwt

src = sys.argv[1] if len(sys.argv) > 1 else "ours.json"
dst = sys.argv[2] if len(sys.argv) > 2 else "pyjwt.json"
with open(src, encoding="utf-8") as f:
    ours = json.load(f)
SECRET = ours["secret"]
NOW = ours["now"]
ISS = ours["issuer"]
AUD = ours["audience"]


class _PinnedClock(_dt.datetime):
    """datetime whose now() is the instant being verified at."""

    at = NOW

    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(cls.at, tz=tz)


# PyJWT reads the time through jwt.api_jwt.datetime.now.
jwt.api_jwt.datetime = _PinnedClock


def verify(token, config, at):
    _PinnedClock.at = at
    kwargs = {"algorithms": ["HS256"], "options": {"require": ["exp"]}}
    if config == "iss_aud":
        kwargs["issuer"] = ISS
        kwargs["audience"] = AUD
    try:
        return True, jwt.decode(token, SECRET, **kwargs), ""
    except Exception as e:  # noqa: BLE001 - every rejection is a verdict
        return False, None, type(e).__name__ + ": " + str(e)


verified = []
for case in ours["tokens"]:
    ok, claims, err = verify(case["token"], case.get("config", ""), case.get("at") or NOW)
    verified.append({"name": case["name"], "token": case["token"], "accepted": ok, "claims": claims, "error": err})

exp = NOW + 1800
other = "another-throwaway-secret-for-crosslib-tests-0000"
tokens = [
    {"name": "valid_user_id_int", "token": jwt.encode({"user_id": 123, "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "user_id": "123"},
    {"name": "valid_user_id_2^53+1", "token": jwt.encode({"user_id": 9007199254740993, "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "user_id": "9007199254740993"},
    {"name": "valid_all_times", "token": jwt.encode({"user_id": "alice", "iat": NOW, "nbf": NOW, "exp": exp, "jti": "j1"}, SECRET, algorithm="HS256"), "expect": "ok", "user_id": "alice"},
    {"name": "valid_sub", "token": jwt.encode({"sub": "bob", "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "config": "sub", "user_id": "bob"},
    {"name": "valid_iss_aud", "token": jwt.encode({"user_id": "u", "iss": ISS, "aud": AUD, "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "config": "iss_aud", "user_id": "u"},
    {"name": "valid_aud_array", "token": jwt.encode({"user_id": "u", "iss": ISS, "aud": ["other", AUD], "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "config": "iss_aud", "user_id": "u"},
    {"name": "valid_kid", "token": jwt.encode({"user_id": "u", "exp": exp}, SECRET, algorithm="HS256", headers={"kid": "k1"}), "expect": "ok", "config": "kid", "user_id": "u"},
    {"name": "valid_unicode", "token": jwt.encode({"user_id": "ünïcødé 😀", "exp": exp}, SECRET, algorithm="HS256"), "expect": "ok", "user_id": "ünïcødé 😀"},
    {"name": "expired", "token": jwt.encode({"user_id": "u", "exp": NOW - 1}, SECRET, algorithm="HS256"), "expect": "expired"},
    {"name": "exp_now", "token": jwt.encode({"user_id": "u", "exp": NOW}, SECRET, algorithm="HS256"), "expect": "expired"},
    {"name": "not_yet_valid", "token": jwt.encode({"user_id": "u", "nbf": NOW + 60, "exp": exp}, SECRET, algorithm="HS256"), "expect": "not_yet_valid"},
    {"name": "no_exp", "token": jwt.encode({"user_id": "u"}, SECRET, algorithm="HS256"), "expect": "invalid"},
    {"name": "user_id_float", "token": jwt.encode({"user_id": 123.0, "exp": exp}, SECRET, algorithm="HS256"), "expect": "invalid"},
    {"name": "user_id_bool", "token": jwt.encode({"user_id": True, "exp": exp}, SECRET, algorithm="HS256"), "expect": "invalid"},
    {"name": "exp_string", "token": jwt.encode({"user_id": "u", "exp": str(exp)}, SECRET, algorithm="HS256"), "expect": "invalid"},
    {"name": "hs384", "token": jwt.encode({"user_id": "u", "exp": exp}, SECRET, algorithm="HS384"), "expect": "invalid"},
    {"name": "hs512", "token": jwt.encode({"user_id": "u", "exp": exp}, SECRET, algorithm="HS512"), "expect": "invalid"},
    {"name": "alg_none", "token": jwt.encode({"user_id": "u", "exp": exp}, None, algorithm="none"), "expect": "invalid"},
    {"name": "wrong_secret", "token": jwt.encode({"user_id": "u", "exp": exp}, other, algorithm="HS256"), "expect": "invalid"},
    {"name": "wrong_issuer", "token": jwt.encode({"user_id": "u", "iss": "https://evil.test", "aud": AUD, "exp": exp}, SECRET, algorithm="HS256"), "expect": "invalid", "config": "iss_aud"},
    {"name": "wrong_audience", "token": jwt.encode({"user_id": "u", "iss": ISS, "aud": "web", "exp": exp}, SECRET, algorithm="HS256"), "expect": "invalid", "config": "iss_aud"},
    {"name": "unknown_kid", "token": jwt.encode({"user_id": "u", "exp": exp}, SECRET, algorithm="HS256", headers={"kid": "k2"}), "expect": "invalid", "config": "kid"},
]
out = {
    "library": "PyJWT",
    "version": jwt.__version__,
    "secret": SECRET,
    "now": NOW,
    "issuer": ISS,
    "audience": AUD,
    "tokens": tokens,
    "verified": verified,
}
with open(dst, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
