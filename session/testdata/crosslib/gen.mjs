// Cross-library tokens from the npm packages jose and jsonwebtoken.
//
// Usage: npm ci && node gen.mjs
//
// Reads the tokens jwtsession issued (ours.json), verifies each with both
// libraries at its pinned instant, makes each library's own tokens at the
// same instant, and writes jose.json and jsonwebtoken.json for
// session/crosslib_test.go. The secret is a throwaway used for nothing
// else.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as jose from "jose";
import jsonwebtoken from "jsonwebtoken";

const require = createRequire(import.meta.url);
const ours = JSON.parse(readFileSync("ours.json", "utf8"));
const { secret: SECRET, now: NOW, issuer: ISS, audience: AUD } = ours;
const key = new TextEncoder().encode(SECRET);
const otherKey = new TextEncoder().encode("another-throwaway-secret-for-crosslib-tests-0000");
const exp = NOW + 1800;

function write(file, library, version, tokens, verified) {
  const out = { library, version, secret: SECRET, now: NOW, issuer: ISS, audience: AUD, tokens, verified };
  writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
}

// jose
async function joseSign(payload, { alg = "HS256", header = {}, k = key } = {}) {
  return new jose.SignJWT(payload).setProtectedHeader({ alg, ...header }).sign(k);
}

async function joseVerified() {
  const out = [];
  for (const c of ours.tokens) {
    const opts = { algorithms: ["HS256"], currentDate: new Date((c.at || NOW) * 1000), requiredClaims: ["exp"] };
    if (c.config === "iss_aud") Object.assign(opts, { issuer: ISS, audience: AUD });
    try {
      const { payload } = await jose.jwtVerify(c.token, key, opts);
      out.push({ name: c.name, token: c.token, accepted: true, claims: payload, error: "" });
    } catch (e) {
      out.push({ name: c.name, token: c.token, accepted: false, claims: null, error: `${e.code || e.name}: ${e.message}` });
    }
  }
  return out;
}

const joseTokens = [
  { name: "valid_user_id_int", token: await joseSign({ user_id: 123, exp }), expect: "ok", user_id: "123" },
  { name: "valid_typ_jwt_all_times", token: await joseSign({ user_id: "alice", iat: NOW, nbf: NOW, exp, jti: "j1" }, { header: { typ: "JWT" } }), expect: "ok", user_id: "alice" },
  { name: "valid_sub", token: await joseSign({ sub: "bob", exp }), expect: "ok", config: "sub", user_id: "bob" },
  { name: "valid_iss_aud", token: await joseSign({ user_id: "u", iss: ISS, aud: AUD, exp }), expect: "ok", config: "iss_aud", user_id: "u" },
  { name: "valid_aud_array", token: await joseSign({ user_id: "u", iss: ISS, aud: ["other", AUD], exp }), expect: "ok", config: "iss_aud", user_id: "u" },
  { name: "valid_kid", token: await joseSign({ user_id: "u", exp }, { header: { kid: "k1" } }), expect: "ok", config: "kid", user_id: "u" },
  { name: "valid_unicode", token: await joseSign({ user_id: "ünïcødé 😀", exp }), expect: "ok", user_id: "ünïcødé 😀" },
  { name: "expired", token: await joseSign({ user_id: "u", exp: NOW - 1 }), expect: "expired" },
  { name: "not_yet_valid", token: await joseSign({ user_id: "u", nbf: NOW + 60, exp }), expect: "not_yet_valid" },
  { name: "iat_in_future", token: await joseSign({ user_id: "u", iat: NOW + 60, exp }), expect: "not_yet_valid" },
  { name: "no_exp", token: await joseSign({ user_id: "u" }), expect: "invalid" },
  { name: "exp_fraction_is_truncated", token: await joseSign({ user_id: "u", exp: NOW + 0.5 }), expect: "expired" },
  { name: "typ_at_jwt", token: await joseSign({ user_id: "u", exp }, { header: { typ: "at+jwt" } }), expect: "invalid" },
  { name: "crit_b64_false", token: await new jose.FlattenedSign(new TextEncoder().encode(JSON.stringify({ user_id: "u", exp })))
      .setProtectedHeader({ alg: "HS256", b64: false, crit: ["b64"] }).sign(key)
      .then((jws) => `${jws.protected}.${jws.payload}.${jws.signature}`), expect: "invalid" },
  { name: "hs384", token: await joseSign({ user_id: "u", exp }, { alg: "HS384" }), expect: "invalid" },
  { name: "hs512", token: await joseSign({ user_id: "u", exp }, { alg: "HS512" }), expect: "invalid" },
  { name: "alg_none", token: new jose.UnsecuredJWT({ user_id: "u", exp }).encode(), expect: "invalid" },
  { name: "wrong_secret", token: await joseSign({ user_id: "u", exp }, { k: otherKey }), expect: "invalid" },
  { name: "wrong_audience", token: await joseSign({ user_id: "u", iss: ISS, aud: "web", exp }), expect: "invalid", config: "iss_aud" },
  { name: "jwk_embedded_key", token: await joseSign({ user_id: "u", exp }, { header: { jwk: { kty: "oct", k: jose.base64url.encode(otherKey) } }, k: otherKey }), expect: "invalid" },
];
write("jose.json", "jose", require("jose/package.json").version, joseTokens, await joseVerified());

// jsonwebtoken
function jwtSign(payload, { alg = "HS256", header, k = SECRET } = {}) {
  const opts = { algorithm: alg, noTimestamp: true };
  if (header) opts.header = header;
  return jsonwebtoken.sign(payload, k, opts);
}

function jwtVerified() {
  return ours.tokens.map((c) => {
    const opts = { algorithms: ["HS256"], clockTimestamp: c.at || NOW };
    if (c.config === "iss_aud") Object.assign(opts, { issuer: ISS, audience: AUD });
    try {
      const claims = jsonwebtoken.verify(c.token, SECRET, opts);
      return { name: c.name, token: c.token, accepted: true, claims, error: "" };
    } catch (e) {
      return { name: c.name, token: c.token, accepted: false, claims: null, error: `${e.name}: ${e.message}` };
    }
  });
}

const jwtTokens = [
  { name: "valid_user_id_int", token: jwtSign({ user_id: 123, exp }), expect: "ok", user_id: "123" },
  { name: "valid_with_iat", token: jwtSign({ user_id: "alice", iat: NOW, exp }), expect: "ok", user_id: "alice" },
  { name: "valid_sub", token: jwtSign({ sub: "bob", exp }), expect: "ok", config: "sub", user_id: "bob" },
  { name: "valid_iss_aud", token: jwtSign({ user_id: "u", iss: ISS, aud: AUD, exp }), expect: "ok", config: "iss_aud", user_id: "u" },
  { name: "valid_kid", token: jwtSign({ user_id: "u", exp }, { header: { alg: "HS256", typ: "JWT", kid: "k1" } }), expect: "ok", config: "kid", user_id: "u" },
  { name: "valid_unicode", token: jwtSign({ user_id: "ünïcødé 😀", exp }), expect: "ok", user_id: "ünïcødé 😀" },
  { name: "expired", token: jwtSign({ user_id: "u", exp: NOW - 1 }), expect: "expired" },
  { name: "not_yet_valid", token: jwtSign({ user_id: "u", nbf: NOW + 60, exp }), expect: "not_yet_valid" },
  { name: "no_exp", token: jwtSign({ user_id: "u" }), expect: "invalid" },
  { name: "user_id_null", token: jwtSign({ user_id: null, exp }), expect: "invalid" },
  { name: "payload_not_an_object", token: jsonwebtoken.sign(JSON.stringify([{ user_id: "u", exp }]), SECRET, { algorithm: "HS256" }), expect: "invalid" },
  { name: "hs384", token: jwtSign({ user_id: "u", exp }, { alg: "HS384" }), expect: "invalid" },
  { name: "hs512", token: jwtSign({ user_id: "u", exp }, { alg: "HS512" }), expect: "invalid" },
  { name: "alg_none", token: jsonwebtoken.sign({ user_id: "u", exp }, null, { algorithm: "none", noTimestamp: true }), expect: "invalid" },
  { name: "wrong_secret", token: jwtSign({ user_id: "u", exp }, { k: "another-throwaway-secret-for-crosslib-tests-0000" }), expect: "invalid" },
  { name: "unknown_kid", token: jwtSign({ user_id: "u", exp }, { header: { alg: "HS256", typ: "JWT", kid: "k2" } }), expect: "invalid", config: "kid" },
];
write("jsonwebtoken.json", "jsonwebtoken", require("jsonwebtoken/package.json").version, jwtTokens, jwtVerified());
