// Cross-library keys and tokens of every algorithm from the npm package
// jose.
//
// Usage: npm ci && node gen_algs.mjs
//
// Generates a throwaway key per asymmetric algorithm (kid "jose-" + alg),
// and two keys published without "alg" (an EC P-384 key and an RSA key),
// and writes their public JWK Set to jose-jwks.json; signs tokens with
// them and with the HMAC secrets of ours-algs.json; verifies each token of
// ours-algs.json with the keys of ours-jwks.json at its pinned instant;
// and writes the tokens and the verdicts to jose-algs.json for
// session/crosslib_algs_test.go.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as jose from "jose";

const require = createRequire(import.meta.url);
const ours = JSON.parse(readFileSync("ours-algs.json", "utf8"));
const oursSet = Object.fromEntries(JSON.parse(readFileSync("ours-jwks.json", "utf8")).keys.map((k) => [k.kid, k]));
const { now: NOW, issuer: ISS, audience: AUD, secrets: SECRETS } = ours;
const enc = new TextEncoder();

function verdict(c, accepted, userID, error) {
  const digest = createHash("sha256").update(c.token).digest("hex").slice(0, 32);
  return { name: c.name, token_sha256: digest, accepted, user_id: userID, error: error.slice(0, 120) };
}

const verified = [];
for (const c of ours.tokens) {
  try {
    let key;
    if (SECRETS[c.alg]) {
      key = enc.encode(SECRETS[c.alg]);
    } else {
      const { kid } = jose.decodeProtectedHeader(c.token);
      key = await jose.importJWK(oursSet[kid], c.alg);
    }
    const opts = { algorithms: [c.alg], issuer: ISS, audience: AUD, currentDate: new Date((c.at || NOW) * 1000), requiredClaims: ["exp"] };
    const { payload } = await jose.jwtVerify(c.token, key, opts);
    verified.push(verdict(c, true, payload.user_id, ""));
  } catch (e) {
    verified.push(verdict(c, false, null, `${e.code || e.name}: ${e.message}`));
  }
}

// exported returns the private JWK of a generated key pair, without the
// members WebCrypto adds (alg, key_ops, ext), so that it can be imported
// for any algorithm of its type and published without them.
async function exported(alg, opts = {}) {
  const { privateKey } = await jose.generateKeyPair(alg, { extractable: true, ...opts });
  const { alg: _a, key_ops: _k, ext: _e, ...jwk } = await jose.exportJWK(privateKey);
  return jwk;
}

// Keys: one RSA key for the RS* and PS* algorithms, one per curve, one
// Ed25519 key for EdDSA and another for Ed25519.
const rsaPrivate = await exported("PS256");
const privateJWK = {};
for (const alg of ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]) privateJWK[alg] = rsaPrivate;
for (const alg of ["ES256", "ES384", "ES512", "EdDSA", "Ed25519"]) {
  privateJWK[alg] = await exported(alg, alg === "EdDSA" ? { crv: "Ed25519" } : {});
}
const noAlg = {
  "jose-noalg-ES384": await exported("ES384"),
  "jose-noalg-RSA": await exported("RS256"),
};

function publicOf(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}
const jwks = Object.entries(privateJWK).map(([alg, jwk]) => ({ ...publicOf(jwk), kid: `jose-${alg}`, alg, use: "sig" }));
for (const [kid, jwk] of Object.entries(noAlg)) jwks.push({ ...publicOf(jwk), kid, use: "sig" });

async function sign(payload, alg, kid, key) {
  return new jose.SignJWT(payload).setProtectedHeader({ alg, kid, typ: "JWT" }).sign(key);
}
const signingKey = async (alg, jwk) => (SECRETS[alg] ? enc.encode(SECRETS[alg]) : jose.importJWK(jwk, alg));

// Another algorithm the same key signs with, for a token whose header
// names it: the key is pinned to its own, so the token must be refused.
// jose refuses an EC key of another curve, so ES* have none.
const swaps = { RS256: "PS256", RS384: "RS512", RS512: "PS512", PS256: "RS256", PS384: "PS512", PS512: "RS512",
  EdDSA: "Ed25519", Ed25519: "EdDSA", HS256: "HS384", HS384: "HS512", HS512: "HS256" };

const tokens = [];
for (const alg of ["HS256", "HS384", "HS512", ...Object.keys(privateJWK)]) {
  const kid = `jose-${alg}`;
  const user = `jose-${alg}`;
  const claims = { user_id: user, iss: ISS, aud: AUD, exp: NOW + 1800 };
  const key = await signingKey(alg, privateJWK[alg]);
  const valid = await sign(claims, alg, kid, key);
  const [h, , s] = valid.split(".");
  const forged = jose.base64url.encode(JSON.stringify({ ...claims, user_id: "admin" }));
  tokens.push(
    { name: `${alg}_valid`, alg, token: valid, expect: "ok", user_id: user },
    { name: `${alg}_expired`, alg, token: await sign({ ...claims, exp: NOW - 1 }, alg, kid, key), expect: "expired" },
    { name: `${alg}_tampered_payload`, alg, token: `${h}.${forged}.${s}`, expect: "invalid" },
  );
  if (swaps[alg]) {
    const other = swaps[alg];
    const otherKey = await signingKey(other, privateJWK[alg]);
    const signer = SECRETS[alg] ? enc.encode(SECRETS[alg]) : otherKey;
    tokens.push({ name: `${alg}_key_signs_${other}`, alg, token: await sign(claims, other, kid, signer), expect: "invalid" });
  }
  if (!SECRETS[alg]) {
    // Key confusion: HMAC keyed with the published public key.
    const pub = jwks.find((j) => j.kid === kid);
    tokens.push({ name: `${alg}_hs256_with_public_key`, alg, token: await sign(claims, "HS256", kid, enc.encode(JSON.stringify(pub))), expect: "invalid" });
  }
}
// Keys published without "alg": pinned by the verifier (EC by its curve,
// RSA to RS256), never by the token's header.
const es384 = { user_id: "jose-noalg-ES384", iss: ISS, aud: AUD, exp: NOW + 1800 };
const rsaClaims = { user_id: "jose-noalg-RSA", iss: ISS, aud: AUD, exp: NOW + 1800 };
tokens.push(
  { name: "noalg_P384_as_ES384", alg: "ES384", token: await sign(es384, "ES384", "jose-noalg-ES384", await jose.importJWK(noAlg["jose-noalg-ES384"], "ES384")), expect: "ok", user_id: es384.user_id },
  { name: "noalg_RSA_as_RS256", alg: "RS256", token: await sign(rsaClaims, "RS256", "jose-noalg-RSA", await jose.importJWK(noAlg["jose-noalg-RSA"], "RS256")), expect: "ok", user_id: rsaClaims.user_id },
  { name: "noalg_RSA_as_PS256", alg: "RS256", token: await sign(rsaClaims, "PS256", "jose-noalg-RSA", await jose.importJWK(noAlg["jose-noalg-RSA"], "PS256")), expect: "invalid" },
);

const out = { library: "jose", version: require("jose/package.json").version, now: NOW, issuer: ISS, audience: AUD, secrets: SECRETS, tokens, verified };
writeFileSync("jose-algs.json", JSON.stringify(out, null, 2) + "\n");
writeFileSync("jose-jwks.json", JSON.stringify({ keys: jwks }, null, 2) + "\n");
