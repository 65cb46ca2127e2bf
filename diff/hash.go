package diff

import (
	"encoding/binary"
	"math/bits"
	"strconv"
)

// The fingerprint is a fixed, seedless 64-bit hash: sums are stored in
// snapshots and compared across restarts, so hash/maphash (randomly seeded
// per process) cannot be used. It is not a cryptographic hash; it only has
// to make accidental collisions between two polls of one API unlikely.
const (
	k0 = 0xa0761d6478bd642f
	k1 = 0xe7037ed1a0b428db
	k2 = 0x8ebc6af09c88c6e3
	k3 = 0x589965cc75374cc3
	k4 = 0x1d8e4e27c47d124f

	seedString = 0x6a09e667f3bcc908
	seedKey    = 0xbb67ae8584caa73b
	seedNumber = 0x3c6ef372fe94f82b
	seedObject = 0xa54ff53a5f1d36f1
	seedArray  = 0x510e527fade682d1
	seedKeyed  = 0x9b05688c2b3e6c1f
	seedSet    = 0x1f83d9abfb41bd6b
	seedText   = 0x5be0cd19137e2179

	hashNull  = 0x428a2f98d728ae22
	hashTrue  = 0x7137449123ef65cd
	hashFalse = 0xb5c0fbcfec4d3b2f
	hashZero  = 0xe9b5dba58189dbbc
)

// mix folds the 128-bit product of its (whitened) operands.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^k0, b^k1)
	return hi ^ lo
}

// hashBytes is a wyhash-style hash of p: 16 bytes per multiplication.
func hashBytes(seed uint64, p []byte) uint64 {
	n := uint64(len(p))
	h := seed ^ k2
	for len(p) >= 16 {
		h = mix(binary.LittleEndian.Uint64(p)^h, binary.LittleEndian.Uint64(p[8:])^k3)
		p = p[16:]
	}
	var a, b uint64
	switch {
	case len(p) >= 8:
		a = binary.LittleEndian.Uint64(p)
		b = tail(p[8:])
	default:
		a = tail(p)
	}
	return mix(mix(a^h, b^k4), n^k3)
}

// tail reads up to 8 bytes little-endian.
func tail(p []byte) uint64 {
	var v uint64
	for i := len(p) - 1; i >= 0; i-- {
		v = v<<8 | uint64(p[i])
	}
	return v
}

// canonNumber reduces a valid JSON number to its exact decimal value: the
// significant digits (no leading or trailing zeros) appended to dst, and
// the exponent e such that the value is 0.DIGITS × 10^e. Zero (including
// -0) returns zero = true. Exponents are clamped far beyond float64 range.
func canonNumber(dst, raw []byte) (digits []byte, exp int64, neg, zero bool) {
	i := 0
	if i < len(raw) && raw[i] == '-' {
		neg = true
		i++
	}
	start := len(dst)
	var point int64 // digits before the decimal point, after leading zeros
	lead := true
	pending := 0 // zeros seen but not yet appended (maybe trailing)
	inFrac := false
	for ; i < len(raw); i++ {
		c := raw[i]
		if c == '.' {
			inFrac = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if lead {
			if c == '0' {
				if inFrac {
					point--
				}
				continue
			}
			lead = false
		}
		if !inFrac {
			point++
		}
		if c == '0' {
			pending++
			continue
		}
		for ; pending > 0; pending-- {
			dst = append(dst, '0')
		}
		dst = append(dst, c)
	}
	if len(dst) == start {
		return dst, 0, false, true
	}
	var e int64
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		i++
		eneg := false
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			eneg = raw[i] == '-'
			i++
		}
		for ; i < len(raw); i++ {
			if e < 1e15 {
				e = e*10 + int64(raw[i]-'0')
			}
		}
		if eneg {
			e = -e
		}
	}
	return dst, point + e, neg, false
}

// hashNumber fingerprints a number by its exact decimal value.
func hashNumber(scratch, raw []byte) (uint64, []byte) {
	if h, ok := hashInt(raw); ok {
		return h, scratch
	}
	digits, exp, neg, zero := canonNumber(scratch[:0], raw)
	if zero {
		return hashZero, digits
	}
	e := uint64(exp)
	if neg {
		e ^= 1 << 63
	}
	return mix(hashBytes(seedNumber, digits), e^k2), digits
}

// formatNumber writes the canonical spelling of a JSON number: the same
// text for 1, 1.0 and 1e0, plain notation for moderate exponents.
func formatNumber(dst, raw []byte) []byte {
	var tmp [32]byte
	digits, exp, neg, zero := canonNumber(tmp[:0], raw)
	if zero {
		return append(dst, '0')
	}
	if neg {
		dst = append(dst, '-')
	}
	n := int64(len(digits))
	switch {
	case exp >= n && exp <= 21:
		dst = append(dst, digits...)
		for i := n; i < exp; i++ {
			dst = append(dst, '0')
		}
	case exp > 0 && exp < n:
		dst = append(dst, digits[:exp]...)
		dst = append(dst, '.')
		dst = append(dst, digits[exp:]...)
	case exp <= 0 && exp > -6:
		dst = append(dst, '0', '.')
		for i := exp; i < 0; i++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if n > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, exp-1, 10)
	}
	return dst
}

// hashInt is hashNumber's fast path for non-zero integers without sign,
// fraction or exponent, hashed in place: the digits less trailing zeros,
// and the exponent is the number of digits.
func hashInt(raw []byte) (uint64, bool) {
	if len(raw) == 0 || raw[0] < '1' || raw[0] > '9' {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	d := raw
	for d[len(d)-1] == '0' {
		d = d[:len(d)-1]
	}
	return mix(hashBytes(seedNumber, d), uint64(len(raw))^k2), true
}
