// Package token makes random tokens: entity tags, request ids, names of test
// tables. crypto/rand, so none repeats in practice and none can be guessed.
package token

import (
	"crypto/rand"
	"encoding/hex"
)

// Hex returns n random bytes in lower-case hexadecimal (2n characters).
func Hex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24 and later)
	return hex.EncodeToString(b)
}
