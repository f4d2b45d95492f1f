package store

import (
	"context"
	"errors"
	"strconv"
	"strings"

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

// condition is the write's condition expression: the cliente exists and,
// when m is checked, its tag is one of m's. An update also passes the tag it
// writes (":etag" in values), which a retry of the very same write finds
// after a lost response, so that the retry succeeds rather than fail its own
// condition.
func (m IfMatch) condition(names map[string]string, values map[string]types.AttributeValue) string {
	cond := "attribute_exists(#id)"
	if !m.Checked {
		return cond
	}
	tags := m.Tags
	if len(tags) == 0 {
		tags = []string{"-"} // no tag is "-": the condition can only fail
	}
	names["#etag"] = etagAttr
	operands := make([]string, len(tags))
	for i, tag := range tags {
		operands[i] = ":m" + strconv.Itoa(i)
		values[operands[i]] = &types.AttributeValueMemberS{Value: tag}
	}
	match := "#etag IN (" + strings.Join(operands, ", ") + ")"
	if _, update := values[":etag"]; update {
		match += " OR #etag = :etag"
	}
	return cond + " AND (" + match + ")"
}

// returnOld asks for the item a failed check finds, to tell 404 from 412
// with no second request.
func (m IfMatch) returnOld() types.ReturnValuesOnConditionCheckFailure {
	if !m.Checked {
		return ""
	}
	return types.ReturnValuesOnConditionCheckFailureAllOld
}

// failed explains a failed write of cliente id. A failed condition means no
// such cliente, unless m was checked and the cliente is there: then its tag
// was stale. The item comes back with the failure where the DynamoDB does
// that; elsewhere one consistent read finds out, on this failure path only.
func (s *Store) failed(ctx context.Context, op string, id int64, m IfMatch, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if !m.Checked || !errors.As(err, &ccf) {
		return classify(op+" "+strconv.FormatInt(id, 10), err)
	}
	var current *string
	if len(ccf.Item) > 0 {
		c, err := fromItem(ccf.Item)
		if err != nil {
			return err
		}
		current = &c.ETag
	} else if !s.oldItems {
		c, err := s.Get(ctx, id)
		if err != nil {
			return err // ErrNotFound among others
		}
		current = &c.ETag
	}
	if current == nil {
		return ErrNotFound
	}
	return &StaleError{ETag: *current}
}
