package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/clientes-api/clientes/internal/token"
)

// IfMatch holds a write's preconditions on the cliente's entity tag, as
// If-Match and If-None-Match ask for them. The zero value allows any version
// (no header, or If-Match: *).
type IfMatch struct {
	// Checked: the cliente's current entity tag must be one of Tags.
	Checked bool
	// Tags are opaque parts of entity tags; at most MaxTags, each IsETag.
	Tags []string
	// NoneAny: If-None-Match: *, which an existing cliente always fails.
	NoneAny bool
	// NoneTags: the current tag must be none of these (If-None-Match's list,
	// weak comparison, so only the opaque parts); at most MaxTags, each IsETag.
	NoneTags []string
}

// MaxTags is how many entity tags one header may name: DynamoDB's IN takes
// at most 100 operands, and an update's retry check takes one of them.
const MaxTags = 99

// StaleError reports a write whose If-Match named none of the cliente's
// current entity tag; nothing was written.
type StaleError struct {
	// ETag is the cliente's current entity tag.
	ETag string
}

func (e *StaleError) Error() string { return "store: cliente modified (current tag " + e.ETag + ")" }

// MatchedError reports a request whose If-None-Match is * or names the
// cliente's current entity tag: a GET is answered 304, a write is refused
// and nothing is written.
type MatchedError struct {
	// ETag is the cliente's current entity tag.
	ETag string
}

func (e *MatchedError) Error() string {
	return "store: cliente matches If-None-Match (current tag " + e.ETag + ")"
}

// Check evaluates m as RFC 9110 §13.2.2 orders it, for a cliente whose
// current entity tag is etag: If-Match first (a *StaleError), then
// If-None-Match (a *MatchedError); nil when both hold.
func (m IfMatch) Check(etag string) error {
	if m.Checked && !slices.Contains(m.Tags, etag) {
		return &StaleError{ETag: etag}
	}
	if m.NoneAny || slices.Contains(m.NoneTags, etag) {
		return &MatchedError{ETag: etag}
	}
	return nil
}

// checked: m can fail for an existing cliente, so a failed condition needs
// telling apart from a missing id.
func (m IfMatch) checked() bool { return m.Checked || m.NoneAny || len(m.NoneTags) > 0 }

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

// condition is the write's condition expression: the cliente exists and m
// holds. An update also passes the tag it writes (":etag" in values), which
// a retry of the very same write finds after a lost response, so that the
// retry succeeds rather than fail its own If-Match; the new tag is random, so
// no If-None-Match names it.
func (m IfMatch) condition(names map[string]string, values map[string]types.AttributeValue) string {
	cond := "attribute_exists(" + name(names, SortKey) + ")"
	if m.Checked {
		// currentTagIn's condition comes in parentheses: DynamoDB refuses
		// redundant ones.
		match := currentTagIn(names, values, m.Tags)
		if _, update := values[":etag"]; update {
			match = "(" + match + " OR " + name(names, etagAttr) + " = :etag)"
		}
		cond += " AND " + match
	}
	switch {
	case m.NoneAny:
		// Always false beside attribute_exists: the write never happens,
		// and the failure still tells a missing id from a 412.
		cond += " AND attribute_not_exists(" + name(names, SortKey) + ")"
	case len(m.NoneTags) > 0:
		cond += " AND NOT " + currentTagIn(names, values, m.NoneTags)
	}
	return cond
}

// failed explains a failed write of cliente id. A failed condition means no
// such cliente; or a stored item this code cannot read, which was therefore
// left as it was; or a precondition of m that failed, which m.Check tells.
// The item comes back with the failure where the DynamoDB does that;
// elsewhere one consistent read finds out, on this failure path only.
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
	if err := m.Check(c.ETag); err != nil {
		return err
	}
	if !m.checked() {
		// Readable and there, yet the condition failed: it changed shape
		// between the write and the read. Nothing was written.
		return fmt.Errorf("%s %d: condition failed on a readable item", op, id)
	}
	// The read found a version newer than the one the write failed on, which
	// failed m; which header it failed is no longer known. Say stale when
	// If-Match was given: a version has changed since the client's.
	if m.Checked {
		return &StaleError{ETag: c.ETag}
	}
	return &MatchedError{ETag: c.ETag}
}
