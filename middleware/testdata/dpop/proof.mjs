// Makes DPoP proofs (RFC 9449) with panva's dpop package, for the
// middleware's cross-check test.
//
// Each line of stdin is one JSON request:
//
//	{"alg": "ES256", "htm": "GET", "htu": "http://127.0.0.1:8080/me",
//	 "accessToken": "...", "nonce": "..."}
//
// alg is one of dpop's algorithms (ES256, Ed25519, RS256, PS256); the
// first request of an alg generates its key pair, later ones reuse it.
// accessToken and nonce are optional. Each request is answered with one
// line of JSON on stdout:
//
//	{"alg": "ES256", "proof": "...", "jwk": {...}, "thumbprint": "..."}
//
// where jwk is the public key and thumbprint its RFC 7638 thumbprint as
// dpop computes it. An error is answered with {"error": "..."}.
import { createInterface } from 'node:readline'
import { calculateThumbprint, generateKeyPair, generateProof } from 'dpop'

const keys = new Map()

async function answer(line) {
  const req = JSON.parse(line)
  if (!keys.has(req.alg)) {
    keys.set(req.alg, await generateKeyPair(req.alg, { extractable: false }))
  }
  const pair = keys.get(req.alg)
  const proof = await generateProof(pair, req.htu, req.htm, req.nonce || undefined, req.accessToken || undefined)
  const { kty, crv, e, n, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return {
    alg: req.alg,
    proof,
    jwk: { kty, crv, e, n, x, y },
    thumbprint: await calculateThumbprint(pair.publicKey),
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (line.trim() === '') continue
  let out
  try {
    out = await answer(line)
  } catch (err) {
    out = { error: String(err && err.message ? err.message : err) }
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}
