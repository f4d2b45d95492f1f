package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/token"
)

// IfMatch limits a write to some versions of a cliente. The zero value
// allows any version (no If-Match, or If-Match: *).
type IfMatch struct {
	// Checked: the cliente's current entity tag must be one of Tags.
	Checked bool
	// Tags are opaque parts of entity tags; at most MaxTags, each IsETag.
	Tags []string
}

// MaxTags is how many entity tags one condition may name: DynamoDB's IN takes
// at most 100 operands, and an update's retry check takes one of them.
const MaxTags = 99

// StaleError reports a write whose If-Match named none of the cliente's
// current entity tag; nothing was written.
type StaleError struct {
	// ETag is the cliente's current entity tag.
	ETag string
}

func (e *StaleError) Error() string { return "store: cliente modified (current tag " + e.ETag + ")" }

const etagLen = 24

// newETag makes a new entity tag: 96 random bits, in lower-case hex, so a
// tag never repeats for an id.
func newETag() string { return token.Hex(etagLen / 2) }

// IsETag reports whether s has the form of the entity tags the store makes;
// no other string can match one.
func IsETag(s string) bool {
	if len(s) != etagLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// failed explains a failed write of cliente id. A failed condition means no
// such cliente; or a stored item this code cannot read, which was therefore
// left as it was; or, when m was checked, a stale tag. The item comes back
// with the failure where the DynamoDB does that; elsewhere one consistent
// read finds out, on this failure path only.
func (s *Store) failed(ctx context.Context, op string, id int64, m IfMatch, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return classify(op+" "+strconv.FormatInt(id, 10), err)
	}
	old := ccf.Item
	if len(old) == 0 && !s.oldItems {
		if old, err = s.getItem(ctx, id); err != nil {
			return err // ErrNotFound among others
		}
	}
	if len(old) == 0 {
		return ErrNotFound
	}
	if _, err := fromItem(old); err != nil {
		return fmt.Errorf("%s %d: stored item unreadable, nothing written: %w", op, id, err)
	}
	c, err := s.current(ctx, id, old)
	if err != nil {
		return err
	}
	if !m.Checked {
		// Readable and there, yet the condition failed: it changed shape
		// between the write and the read. Nothing was written.
		return fmt.Errorf("%s %d: condition failed on a readable item", op, id)
	}
	return &StaleError{ETag: c.ETag}
}
