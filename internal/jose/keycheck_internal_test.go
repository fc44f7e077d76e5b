package jose

import (
	"crypto/ed25519"
	"math/big"
	"testing"
)

// edPoint is an affine point of edwards25519, -x² + y² = 1 + d·x²·y².
type edPoint struct{ x, y *big.Int }

// edField holds p and d of edwards25519.
type edField struct{ p, d *big.Int }

func newEdField() edField {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	d := new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), p))
	return edField{p, d.Mod(d, p)}
}

// decode returns the point whose y is enc's without the sign bit,
// reduced mod p, and false when no x fits.
func (f edField) decode(enc [ed25519.PublicKeySize]byte) (edPoint, bool) {
	le := enc
	le[31] &= 0x7f
	be := make([]byte, 32)
	for i := range le {
		be[31-i] = le[i]
	}
	y := new(big.Int).SetBytes(be)
	y.Mod(y, f.p)
	y2 := new(big.Int).Mul(y, y)
	num := new(big.Int).Sub(y2, big.NewInt(1))
	den := new(big.Int).Add(new(big.Int).Mul(f.d, y2), big.NewInt(1))
	x2 := num.Mul(num, new(big.Int).ModInverse(den.Mod(den, f.p), f.p))
	x := new(big.Int).ModSqrt(x2.Mod(x2, f.p), f.p)
	return edPoint{x, y}, x != nil
}

// add returns a + b.
func (f edField) add(a, b edPoint) edPoint {
	xx := new(big.Int).Mul(a.x, b.x)
	yy := new(big.Int).Mul(a.y, b.y)
	t := new(big.Int).Mul(f.d, new(big.Int).Mul(xx, yy))
	t.Mod(t, f.p)
	xn := new(big.Int).Add(new(big.Int).Mul(a.x, b.y), new(big.Int).Mul(a.y, b.x))
	xd := new(big.Int).Add(big.NewInt(1), t)
	yn := new(big.Int).Add(yy, xx)
	yd := new(big.Int).Sub(big.NewInt(1), t)
	x := xn.Mul(xn, new(big.Int).ModInverse(xd.Mod(xd, f.p), f.p))
	y := yn.Mul(yn, new(big.Int).ModInverse(yd.Mod(yd, f.p), f.p))
	return edPoint{x.Mod(x, f.p), y.Mod(y, f.p)}
}

// TestEd25519SmallOrderTable checks ed25519SmallOrderY against the
// curve: every entry is a point whose order divides 8, the five
// canonical y-coordinates of such points are distinct, and the base
// point is not refused.
func TestEd25519SmallOrderTable(t *testing.T) {
	f := newEdField()
	canonical := map[string]bool{}
	for i, enc := range ed25519SmallOrderY {
		pt, ok := f.decode(enc)
		if !ok {
			t.Fatalf("entry %d: got no point, want one on the curve", i)
		}
		canonical[pt.y.String()] = true
		q := pt
		for range 3 {
			q = f.add(q, q)
		}
		if q.x.Sign() != 0 || q.y.Cmp(big.NewInt(1)) != 0 {
			t.Errorf("entry %d: got 8P = (%v, %v), want the identity", i, q.x, q.y)
		}
		if !smallOrderEd25519(enc[:]) {
			t.Errorf("entry %d: not refused", i)
		}
	}
	if len(canonical) != 5 {
		t.Errorf("got %d distinct small-order y-coordinates, want 5 (1, -1, 0 and the two of order 8)", len(canonical))
	}
	base, ok := f.decode(ed25519BasePoint)
	if !ok || smallOrderEd25519(ed25519BasePoint[:]) {
		t.Fatalf("base point: decoded %v, refused %v; want decoded and not refused", ok, smallOrderEd25519(ed25519BasePoint[:]))
	}
	q := base
	for range 3 {
		q = f.add(q, q)
	}
	if q.x.Sign() == 0 {
		t.Errorf("got 8B with x = 0, want a point of large order")
	}
}
