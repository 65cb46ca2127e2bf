package diff

import (
	"bytes"
	"unicode/utf8"
)

// One rule for text that is not Unicode, applied to every response when it
// is prepared and to both values a Diff compares: every invalid UTF-8
// sequence becomes U+FFFD, and so does every \u escape of a lone
// surrogate (\ud800 with no low surrogate after it, or a low one alone).
// The snapshot, its fingerprint and every output (webhook bodies, chat
// messages, history) then agree, and every JSON pollhook sends is valid
// UTF-8 (RFC 8259 §8.1), which receivers that decode and re-encode a body
// before checking its signature need. Two answers that differ only in
// their invalid sequences are the same answer.

// replacementEscape is U+FFFD as a JSON escape: as long as the \u escape of
// a surrogate it replaces, so offsets into the document do not move.
const replacementEscape = `\ufffd`

// validUTF8 applies the rule to b, returning b itself when there is
// nothing to replace (the common case costs one pass of utf8.Valid and a
// search for the escapes surrogates start with, `\ud` and `\uD`); json is
// whether b is JSON, whose escapes are checked.
func validUTF8(b []byte, json bool) []byte {
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	if json && hasSurrogateEscape(b) {
		b = replaceLoneSurrogates(b)
	}
	return b
}

// hasSurrogateEscape reports whether b holds `\ud` or `\uD`, in one pass.
func hasSurrogateEscape(b []byte) bool {
	for {
		i := bytes.Index(b, []byte(`\u`))
		if i < 0 || i+2 >= len(b) {
			return false
		}
		if c := b[i+2]; c == 'd' || c == 'D' {
			return true
		}
		b = b[i+2:]
	}
}

// replaceLoneSurrogates rewrites the \u escapes of lone surrogates inside
// the strings of JSON text b as \ufffd, copying b only when it finds one.
// It follows string boundaries and escapes only: it does not validate.
func replaceLoneSurrogates(b []byte) []byte {
	out := b
	copied := false
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch c {
		case '"':
			inString = false
			continue
		case '\\':
		default:
			continue
		}
		if i+1 >= len(b) {
			break
		}
		if b[i+1] != 'u' {
			i++ // \" \\ \n ...: the escaped byte is no string boundary
			continue
		}
		r, ok := hex4(b, i+2)
		if !ok || !utf16IsSurrogate(r) {
			i += 5
			continue
		}
		if r < 0xdc00 && i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if r2, ok := hex4(b, i+8); ok && r2 >= 0xdc00 && r2 < 0xe000 {
				i += 11 // a valid pair
				continue
			}
		}
		if !copied {
			out = bytes.Clone(b)
			copied = true
		}
		copy(out[i:i+6], replacementEscape)
		i += 5
	}
	return out
}
