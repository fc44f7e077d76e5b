#!/usr/bin/python3
"""Cross-library keys and tokens of every algorithm from PyJWT.

Usage: /usr/bin/python3 gen_algs.py [ours-algs.json [ours-jwks.json [pyjwt-algs.json [pyjwt-jwks.json]]]]

Needs Debian's python3-jwt and python3-cryptography. Generates a
throwaway key per asymmetric algorithm (kid "pyjwt-" + alg) and writes
their public JWK Set to pyjwt-jwks.json; signs tokens with them and with
the HMAC secrets of ours-algs.json; verifies each token of
ours-algs.json with the keys of ours-jwks.json at its pinned instant;
and writes the tokens and the verdicts to pyjwt-algs.json for
session/crosslib_algs_test.go. PyJWT does not know the fully-specified
name Ed25519 (RFC 9864), only EdDSA.
"""
import datetime as _dt
import hashlib
import json
import sys

import jwt
import jwt.api_jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

args = sys.argv[1:] + ["ours-algs.json", "ours-jwks.json", "pyjwt-algs.json", "pyjwt-jwks.json"][len(sys.argv) - 1:]
src, src_set, dst, dst_set = args[:4]
with open(src, encoding="utf-8") as f:
    ours = json.load(f)
with open(src_set, encoding="utf-8") as f:
    ours_set = {k["kid"]: k for k in json.load(f)["keys"]}
NOW, ISS, AUD, SECRETS = ours["now"], ours["issuer"], ours["audience"], ours["secrets"]


class _PinnedClock(_dt.datetime):
    """datetime whose now() is the instant being verified at."""

    at = NOW

    @classmethod
    def now(cls, tz=None):
        return _dt.datetime.fromtimestamp(cls.at, tz=tz)


# PyJWT reads the time through jwt.api_jwt.datetime.now.
jwt.api_jwt.datetime = _PinnedClock


def verify(case):
    _PinnedClock.at = case.get("at") or NOW
    alg = case["alg"]
    try:
        if alg in SECRETS:
            key = SECRETS[alg]
        else:
            kid = jwt.get_unverified_header(case["token"]).get("kid", "")
            key = jwt.PyJWK(ours_set[kid]).key
        claims = jwt.decode(case["token"], key, algorithms=[alg], issuer=ISS, audience=AUD, options={"require": ["exp"]})
        return verdict(case, True, claims.get("user_id"), "")
    except Exception as e:  # noqa: BLE001 - every rejection is a verdict
        return verdict(case, False, None, type(e).__name__ + ": " + str(e))


def verdict(case, accepted, user_id, error):
    digest = hashlib.sha256(case["token"].encode()).hexdigest()[:32]
    return {"name": case["name"], "token_sha256": digest, "accepted": accepted, "user_id": user_id, "error": error[:120]}


verified = [verify(c) for c in ours["tokens"]]

rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
curves = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}
private = {alg: rsa_key for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")}
private.update({alg: ec.generate_private_key(c) for alg, c in curves.items()})
private["EdDSA"] = ed25519.Ed25519PrivateKey.generate()

jwks = []
for alg, key in private.items():
    to_jwk = {"RS": RSAAlgorithm, "PS": RSAAlgorithm, "ES": ECAlgorithm, "Ed": OKPAlgorithm}[alg[:2]].to_jwk
    jwk = json.loads(to_jwk(key.public_key()))
    jwk.update({"kid": "pyjwt-" + alg, "alg": alg, "use": "sig"})
    jwks.append(jwk)
public_jwk = {j["kid"]: j for j in jwks}

# Another algorithm the same key signs with, for a token whose header
# names it: the key is pinned to its own, so the token must be refused.
swaps = {"RS256": "PS256", "RS384": "RS512", "RS512": "PS512", "PS256": "RS256", "PS384": "PS512", "PS512": "RS512",
         "ES256": "ES384", "ES384": "ES512", "ES512": "ES256", "HS256": "HS384", "HS384": "HS512", "HS512": "HS256"}

tokens = []
for alg in ["HS256", "HS384", "HS512"] + list(private):
    key = SECRETS.get(alg) or private[alg]
    kid = "pyjwt-" + alg
    user = "py-" + alg
    claims = {"user_id": user, "iss": ISS, "aud": AUD, "exp": NOW + 1800}

    def sign(payload, signer=key, algorithm=alg, kid=kid):
        return jwt.encode(payload, signer, algorithm=algorithm, headers={"kid": kid})

    valid = sign(claims)
    h, p, s = valid.split(".")
    forged = jwt.utils.base64url_encode(json.dumps(dict(claims, user_id="admin")).encode()).decode()
    tokens += [
        {"name": alg + "_valid", "alg": alg, "token": valid, "expect": "ok", "user_id": user},
        {"name": alg + "_expired", "alg": alg, "token": sign(dict(claims, exp=NOW - 1)), "expect": "expired"},
        {"name": alg + "_tampered_payload", "alg": alg, "token": h + "." + forged + "." + s, "expect": "invalid"},
    ]
    if alg in swaps:
        tokens.append({"name": alg + "_key_signs_" + swaps[alg], "alg": alg, "token": sign(claims, algorithm=swaps[alg]), "expect": "invalid"})
    if alg in public_jwk:
        # Key confusion: HMAC keyed with the published public key.
        secret = json.dumps(public_jwk[kid], sort_keys=True)
        tokens.append({"name": alg + "_hs256_with_public_key", "alg": alg, "token": sign(claims, signer=secret, algorithm="HS256"), "expect": "invalid"})

out = {"library": "PyJWT", "version": jwt.__version__, "now": NOW, "issuer": ISS, "audience": AUD, "secrets": SECRETS, "tokens": tokens, "verified": verified}
with open(dst, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=2, ensure_ascii=False)
    f.write("\n")
with open(dst_set, "w", encoding="utf-8") as f:
    json.dump({"keys": jwks}, f, indent=2)
    f.write("\n")
