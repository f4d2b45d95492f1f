// Package cliente holds the client record, the rules its fields obey and the
// strict reading of request bodies and ids that those rules start from.
package cliente

import (
	"errors"
	"strconv"
	"time"
)

// Cliente is one client record as the API shows it. Field order is the order
// of the published JSON.
type Cliente struct {
	ID        int64   `json:"id"`
	Nombres   string  `json:"nombres"`
	Apellidos string  `json:"apellidos"`
	Telefono  *string `json:"telefono"`
	Email     *string `json:"email"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	// ETag is the opaque part of the entity tag of this version of the
	// record: new on every write, never repeated for an id. It travels in
	// the ETag header, never in the body.
	ETag string `json:"-"`
}

// TimeLayout is what JavaScript's toISOString prints, the form the published
// contract fixes: UTC with milliseconds and a literal Z.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Timestamp formats t in TimeLayout.
func Timestamp(t time.Time) string { return t.UTC().Format(TimeLayout) }

// MaxID is the largest id a JavaScript client reads back exactly (2^53 - 1).
const MaxID = 1<<53 - 1

// ErrInvalidID reports an id that is not a positive decimal integer up to MaxID.
var ErrInvalidID = errors.New("cliente: invalid id")

// ParseID reads an id written in plain decimal: no sign, no leading zeros, no
// exponent, so that each record has exactly one URL.
func ParseID(s string) (int64, error) {
	if s == "" || len(s) > 16 || s[0] == '0' {
		return 0, ErrInvalidID
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrInvalidID
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id > MaxID {
		return 0, ErrInvalidID
	}
	return id, nil
}
